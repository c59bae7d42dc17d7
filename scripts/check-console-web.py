#!/usr/bin/env python3
"""Static checks of the office console's front end (server/console/web/),
the rules the page's safety and the browser tests lean on. Run from
anywhere; ctest runs it as `console_web_static`. Prints file:line and the
rule broken; exits 1 on any.

- Text from records goes in as text: no innerHTML / outerHTML /
  insertAdjacentHTML / document.write, no eval or new Function.
- CSP (script-src 'self'; style-src 'self'): index.html has no inline
  script or style, no style= attributes, no on*= handlers.
- No network at run time: no http(s):// URL outside comments.
- Every relative ES module import names a file that exists.
- Every t('key') a view uses is a string of i18n.js, in both languages.
- Every data-testid the browser tests are promised is on some element.
- Every JavaScript file parses (node --check), when node is installed.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEB = os.path.join(ROOT, "server", "console", "web")

# The data-testids the browser engineer's tests use (the console's brief).
PROMISED = [
    "login-user", "login-password", "login-submit", "whoami", "signout", "lang", "error",
    "overdue-count", "open-conflicts",
    "filter-zone", "filter-site", "filter-campaign", "filter-sample", "filter-status", "filter-category",
    "filter-overdue", "problem-table", "problem-row", "next-page", "export-csv",
    "history", "verify-result", "verify-note", "verify-deadline", "verify-submit",
    "notice-ref", "notice-deadline", "notice-submit", "notice-table",
]

FORBIDDEN_JS = [
    (re.compile(r"\.(innerHTML|outerHTML)\b"), "innerHTML/outerHTML: insert record text as text"),
    (re.compile(r"\binsertAdjacentHTML\b"), "insertAdjacentHTML: insert record text as text"),
    (re.compile(r"\bdocument\.write"), "document.write"),
    (re.compile(r"\beval\s*\(|\bnew\s+Function\b"), "eval / new Function (CSP forbids it)"),
    (re.compile(r"https?://"), "an absolute URL: the console loads nothing from the network"),
]


def strip_js_comments(text):
    """Blanks // and /* */ comments (keeping newlines), leaving strings alone."""
    out, i, n, quote = [], 0, len(text), None
    while i < n:
        c = text[i]
        if quote:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == quote:
                quote = None
            i += 1
        elif c in "'\"`":
            quote = c
            out.append(c)
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def main():
    errors = []
    files = []
    for d, _, names in os.walk(WEB):
        files += [os.path.join(d, f) for f in sorted(names)]
    js = [f for f in files if f.endswith(".js")]
    html = [f for f in files if f.endswith(".html")]
    everything = ""

    i18n = open(os.path.join(WEB, "i18n.js"), encoding="utf-8").read()
    strings = i18n[i18n.find("const S = {"):]
    strings = strings[:strings.find("\n};")]
    keys = {m.group(1): m.group(2) for m in re.finditer(r"^\s*(\w+): \[(.*)\],\s*$", strings, re.M)}
    for k, pair in keys.items():
        if len(re.findall(r"'[^']*'", pair)) != 2:
            errors.append(f"i18n.js: string '{k}' needs a Chinese and an English text")

    for f in js:
        text = open(f, encoding="utf-8").read()
        everything += text
        code = strip_js_comments(text)
        rel = os.path.relpath(f, ROOT)
        for n, line in enumerate(code.split("\n"), 1):
            for pattern, why in FORBIDDEN_JS:
                if pattern.search(line):
                    errors.append(f"{rel}:{n}: {why}")
            for m in re.finditer(r"\bt\('(\w+)'", line):
                if m.group(1) not in keys:
                    errors.append(f"{rel}:{n}: t('{m.group(1)}') is not a string of i18n.js")
        for m in re.finditer(r"(?:import|from)\s*\(?\s*'(\.[^']+)'", code):
            target = os.path.normpath(os.path.join(os.path.dirname(f), m.group(1)))
            if not os.path.isfile(target):
                errors.append(f"{rel}: imports {m.group(1)}, which does not exist")

    for f in html:
        text = open(f, encoding="utf-8").read()
        everything += text
        rel = os.path.relpath(f, ROOT)
        for n, line in enumerate(text.split("\n"), 1):
            if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", line):
                errors.append(f"{rel}:{n}: inline <script> (CSP script-src 'self')")
            if re.search(r"<style\b|\sstyle=", line):
                errors.append(f"{rel}:{n}: inline style (CSP style-src 'self')")
            if re.search(r"\son\w+=", line):
                errors.append(f"{rel}:{n}: inline event handler")
            if re.search(r"(src|href)=\"(https?:)?//", line):
                errors.append(f"{rel}:{n}: loads from the network")

    for testid in PROMISED:
        # An attribute, or dom.js's table(testid, ...) which sets it.
        if not re.search(r"(data-testid['\"]?\s*[:=]\s*|\btable\(\s*)['\"]" + re.escape(testid) + r"['\"]", everything):
            errors.append(f"server/console/web: no element has data-testid \"{testid}\"")

    node = shutil.which("node")
    if node:
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "package.json"), "w") as p:
                p.write('{"type": "module"}')
            for f in js:
                copy = os.path.join(tmp, "check.js")
                shutil.copyfile(f, copy)
                r = subprocess.run([node, "--check", copy], capture_output=True, text=True)
                if r.returncode != 0:
                    errors.append(f"{os.path.relpath(f, ROOT)}: does not parse: {r.stderr.strip()[:400]}")

    for e in errors:
        print(e)
    if not js or not html:
        print("server/console/web: no pages found")
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
