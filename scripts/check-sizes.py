#!/usr/bin/env python3
"""Fails when a source file outside tests is over MAX_FILE lines or a function
in it is over MAX_FUNCTION lines (STYLE.md: files a person reads in one
sitting, functions split by job). Run from anywhere; ctest runs it as
`structure_sizes`.

Functions are found by braces: a `{` at namespace level whose preceding text
ends in a parameter list opens a function, its matching `}` closes it.
Member functions defined inside a class body are not measured (they are the
short ones); lambdas count toward the function that holds them."""
import os
import re
import sys

MAX_FILE = 800
MAX_FUNCTION = 120
DIRS = ["core", "storage", "server", "client-sdk", "tools", "bench", "examples"]
EXTS = (".cc", ".h", ".cpp", ".hpp")


def strip(text):
    """The text with comments, string and character literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = ')' + (m.group(1) if m else '') + '"'
            j = text.find(end, i)
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (min(j + 1, n) - i))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(name, first line, line count) of each function defined at namespace level."""
    code = strip(text)
    stack, found, last_stmt_end, line = [], [], 0, 1
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c in ";":
            last_stmt_end = i + 1
        elif c == "{":
            head = code[last_stmt_end:i]
            at_namespace = all(kind == "ns" for kind, _, _ in stack)
            if re.search(r"\b(namespace|extern\s*)\b", head) and "(" not in head:
                kind = "ns"
            elif at_namespace and re.search(r"\)\s*(const|override|noexcept|final|->[^{]*|:[^{]*)*\s*$", head, re.S) \
                    and not re.search(r"=\s*$", head) and not re.match(r"\s*(class|struct|enum|union)\b", head.strip()):
                kind = "fn"
            else:
                kind = "other"
            name = " ".join(head.split())[-80:]
            stack.append((kind, line, name))
            last_stmt_end = i + 1
        elif c == "}":
            if stack:
                kind, start, name = stack.pop()
                if kind == "fn":
                    found.append((name, start, line - start + 1))
            last_stmt_end = i + 1
    return found


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    problems = []
    for d in DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in sorted(files):
                if not f.endswith(EXTS):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root)
                text = open(path, encoding="utf-8", errors="replace").read()
                lines = text.count("\n")
                if lines > MAX_FILE:
                    problems.append(f"{rel}: {lines} lines (at most {MAX_FILE}): split it by job")
                for name, start, count in functions(text):
                    if count > MAX_FUNCTION:
                        problems.append(f"{rel}:{start}: a function of {count} lines (at most {MAX_FUNCTION}): {name}")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} size problem(s)")
        return 1
    print("sizes ok: no file over %d lines, no function over %d" % (MAX_FILE, MAX_FUNCTION))
    return 0


if __name__ == "__main__":
    sys.exit(main())
