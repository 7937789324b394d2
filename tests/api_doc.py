#!/usr/bin/env python3
"""Check docs/api.md against the library: every method of cs_call() is documented, and every
example runs and returns what the document shows.

Examples are ```call blocks, run in document order on one fresh database:

    @ 2026-03-02T09:00:00Z        the time from here on (csdesk --now)
    as agent:1                    the actor from here on (csdesk --as)
    > method {"request": "json"}  a request
    < {"response": "json"}        the response it must give (compared as JSON; in a string,
                                  "…" stands for any text: random ids, MIME boundaries)

Usage: api_doc.py CSDESK DOC [--fill]   (--fill rewrites the responses from the library,
keeping those that still match: a maintenance aid, never used by the test itself)
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def matches(want, got):
    """JSON equality, where "…" in a string of `want` matches any text."""
    if isinstance(want, str) and "…" in want:
        pattern = ".*?".join(re.escape(part) for part in want.split("…"))
        return isinstance(got, str) and re.fullmatch(pattern, got, re.S) is not None
    if isinstance(want, dict):
        return (isinstance(got, dict) and want.keys() == got.keys()
                and all(matches(v, got[k]) for k, v in want.items()))
    if isinstance(want, list):
        return (isinstance(got, list) and len(want) == len(got)
                and all(matches(w, g) for w, g in zip(want, got)))
    return want == got


def run(csdesk, db, now, actor, method, request):
    cmd = [csdesk, "--db", db, "--now", now, "--as", actor, "call", method, request]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return proc.returncode, proc.stdout.strip()


def main():
    csdesk, doc = sys.argv[1], sys.argv[2]
    fill = "--fill" in sys.argv[3:]
    with open(doc, encoding="utf-8") as f:
        lines = f.read().split("\n")

    methods = subprocess.run([csdesk, "methods"], capture_output=True, text=True,
                             check=True).stdout.split()
    documented = [m.group(1) for m in (re.match(r"^### `?([a-z_.]+)`?$", l) for l in lines) if m]
    failures = []
    for m in methods:
        if m not in documented:
            failures.append(f"method {m} is not documented")
    for m in documented:
        if m not in methods:
            failures.append(f"{m} is documented but is not a method")

    examples = 0
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "api.db")
        subprocess.run([csdesk, "--db", db, "init"], capture_output=True, check=True)
        now, actor, in_block, last = "2026-03-02T09:00:00Z", "system", False, None
        for i, line in enumerate(lines):
            if line.startswith("```call"):
                in_block = True
                continue
            if in_block and line.startswith("```"):
                in_block = False
                continue
            if not in_block:
                continue
            if line.startswith("@ "):
                now = line[2:].strip()
            elif line.startswith("as "):
                actor = line[3:].strip()
            elif line.startswith("> "):
                method, _, request = line[2:].partition(" ")
                rc, out = run(csdesk, db, now, actor, method, request.strip() or "{}")
                last = (i, method, out)
                examples += 1
            elif line.startswith("< ") and last:
                li, method, out = last
                try:
                    want, got = json.loads(line[2:]), json.loads(out)
                except ValueError as e:
                    want, got = e, None
                if fill:
                    if got is None or not matches(want, got):
                        lines[i] = "< " + out
                elif got is None:
                    failures.append(f"line {li + 1}: {method}: bad JSON ({want}): {out}")
                elif not matches(want, got):
                    failures.append(f"line {li + 1}: {method}\n  doc: {line[2:]}\n  got: {out}")
                last = None

    if fill:
        with open(doc, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    for f in failures:
        print("FAIL:", f)
    print(f"api.md: {len(methods)} methods, {len(documented)} documented, {examples} examples")
    print(f"{examples + len(methods) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
