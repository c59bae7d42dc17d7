#!/usr/bin/env python3
"""The layering, checked on every #include (the `layering` test).

    core  <-  storage  <-  server / client-sdk  <-  tools

A layer includes only headers of the layers below it, and the generated
gRPC services (*.grpc.pb.h, grpcpp) only where gRPC is spoken: server/ and
client-sdk/src. The public SDK headers (client-sdk/include/) name only the
standard library, each other, inspectsync/status.h and the generated
messages (inspectsync/v1/*.pb.h): an app that includes them sees no gRPC,
SQLiteCpp, OpenSSL or internal header.

The build backs this up (cmake/InspectSyncLayering.cmake: no PUBLIC
repository root; proto/CMakeLists.txt: the *.grpc.pb.h in their own target
and directory), but inside the repository every target may name any header
from the root, so this check is what keeps a stray include out.

Usage: check-layering.py [REPO_ROOT]   (default: the parent of scripts/)
Prints file:line: the include and the rule it breaks; exits 1 if any.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCE_EXT = ('.h', '.hh', '.hpp', '.cc', '.cpp', '.cxx', '.c', '.inc')

# The C++17 standard library and its C headers: all a public SDK header may
# include with <>.
STD_HEADERS = set('''
algorithm any array atomic bitset cassert cctype cerrno cfenv cfloat charconv chrono cinttypes climits
clocale cmath codecvt complex condition_variable csetjmp csignal cstdarg cstddef cstdint cstdio cstdlib
cstring ctime cuchar cwchar cwctype deque exception execution filesystem forward_list fstream functional
future initializer_list iomanip ios iosfwd iostream istream iterator limits list locale map memory
memory_resource mutex new numeric optional ostream queue random ratio regex scoped_allocator set
shared_mutex sstream stack stdexcept streambuf string string_view system_error thread tuple type_traits
typeindex typeinfo unordered_map unordered_set utility valarray variant vector
'''.split())


def classify(root, path, angled):
    """What an include names: a layer of ours, or a library."""
    if angled:
        if re.match(r'(grpcpp|grpc\+\+|grpc)/', path):
            return 'grpc'
        if path.startswith('SQLiteCpp/') or path == 'sqlite3.h':
            return 'sqlite'
        if path.startswith('openssl/'):
            return 'openssl'
        if path.startswith('google/protobuf/'):
            return 'protobuf'
        if path in STD_HEADERS:
            return 'std'
        return 'system'  # POSIX, curl, gtest, ...: no rule below names them
    if path.endswith('.grpc.pb.h'):
        return 'grpc'
    if re.match(r'inspectsync/[^/]+/[^/]+\.pb\.h$', path):
        return 'proto'
    first = path.split('/', 1)[0]
    if first in ('core', 'storage', 'server', 'client-sdk', 'tools', 'tests', 'bench', 'examples'):
        if path.startswith('client-sdk/include/'):
            return 'sdk-public'
        return first
    if path.startswith('inspectsync/'):
        if os.path.exists(os.path.join(root, 'core/include', path)):
            return 'status'  # core's public header
        if os.path.exists(os.path.join(root, 'client-sdk/include', path)):
            return 'sdk-public'
    return 'local'  # relative to the including file (e.g. a generated header beside it)


# Per source directory: what it must not include, and why.
BELOW_TOOLS = {'tools': 'nothing below tools/ includes it', 'tests': 'product code does not include tests/',
               'bench': 'product code does not include bench/', 'examples': 'product code does not include examples/'}
RULES = [
    ('core/', dict(BELOW_TOOLS,
                   grpc='core/ is below gRPC (no gRPC header, no *.grpc.pb.h)',
                   sqlite='core/ has no SQL (SQLite lives in storage/)',
                   storage='core/ is the lowest layer: no storage/ header',
                   server='core/ is the lowest layer: no server/ header',
                   **{'client-sdk': 'core/ is the lowest layer: no client-sdk/ header',
                      'sdk-public': 'core/ is the lowest layer: no public SDK header'})),
    ('storage/', dict(BELOW_TOOLS,
                      grpc='storage/ links no gRPC (no gRPC header, no *.grpc.pb.h)',
                      server='storage/ is below server/: no server/ header',
                      **{'client-sdk': 'storage/ is below client-sdk/: no client-sdk/ header',
                         'sdk-public': 'storage/ is below client-sdk/: no public SDK header'})),
    ('server/', dict(BELOW_TOOLS,
                     **{'client-sdk': 'server/ and client-sdk/ are side by side: no client-sdk/ header',
                        'sdk-public': 'server/ and client-sdk/ are side by side: no public SDK header'})),
    ('client-sdk/', dict(BELOW_TOOLS,
                         server='client-sdk/ and server/ are side by side: no server/ header')),
]
PUBLIC_SDK = 'client-sdk/include/'
PUBLIC_ALLOWED = {'std', 'sdk-public', 'status', 'proto'}
PUBLIC_RULE = ('a public SDK header includes only the standard library, other public SDK headers, '
               'inspectsync/status.h and inspectsync/v1/*.pb.h (no gRPC, SQLiteCpp, OpenSSL, internal header)')


def check(root):
    problems = []
    for top in ('core', 'storage', 'server', 'client-sdk'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(SOURCE_EXT):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root).replace(os.sep, '/')
                rules = next(r for prefix, r in RULES if rel.startswith(prefix))
                with open(full, encoding='utf-8', errors='replace') as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        angled, path = m.group(1) == '<', m.group(2)
                        kind = classify(root, path, angled)
                        what = f'#include {m.group(1)}{path}{">" if angled else chr(34)}'
                        if kind in rules:
                            problems.append(f'{rel}:{lineno}: {what}: {rules[kind]}')
                        elif rel.startswith(PUBLIC_SDK) and kind not in PUBLIC_ALLOWED:
                            problems.append(f'{rel}:{lineno}: {what}: {PUBLIC_RULE}')
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isdir(os.path.join(root, 'core')):
        print(f'check-layering: {root} is not the repository root', file=sys.stderr)
        return 2
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f'check-layering: {len(problems)} include(s) break the layering '
              '(core <- storage <- server / client-sdk <- tools; see scripts/check-layering.py)')
        return 1
    print('check-layering: ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
