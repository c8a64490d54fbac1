#!/usr/bin/env python3
"""Every rule identifier cited in inspect/ and tests/inspect/ (tables,
comments, tests; ranges such as O10-O12 expanded) resolves to a row of
docs/platform-rules.md that names a source, and every row of every profile
table carries an identifier."""

import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
ID = r"[OVAKBGSNJML][0-9]{1,2}"

doc = open("docs/platform-rules.md", encoding="utf-8").read()
rows = {}
for m in re.finditer(r"^\| (" + ID + r") \| (.*) \| (.*) \|$", doc, re.M):
    rows[m.group(1)] = m.group(3).strip()
f.check(len(rows) > 40, f"docs/platform-rules.md: only {len(rows)} rule rows")
for rule_id, source in sorted(rows.items()):
    f.check(source != "", f"{rule_id}: no source")

sources = sorted(glob.glob("inspect/*.c") + glob.glob("inspect/*.h") + glob.glob("tests/inspect/*.c"))
f.check(len(sources) > 30, f"only {len(sources)} source files found")
cited = {}
for path in sources:
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"\b(" + ID + r")\b", text):
        cited.setdefault(m.group(1), path)
    for m in re.finditer(r"\b([A-Z])([0-9]{1,2})-\1?([0-9]{1,2})\b", text):
        for n in range(int(m.group(2)), int(m.group(3)) + 1):
            cited.setdefault(f"{m.group(1)}{n}", path)
for rule_id, path in sorted(cited.items()):
    f.check(rule_id in rows, f"{rule_id} (cited in {path}) has no row in docs/platform-rules.md")

# Each row of a table: INSPECT_RULE("X1", ...), INSPECT_RULE_HANDSHAKE("G1"),
# or {.id = "X1", ...}.
tables = 0
for path in sorted(glob.glob("inspect/profile_*.c")):
    text = open(path, encoding="utf-8").read()
    for body in re.findall(r"static const inspect_rule_t \w+\[\] = \{\n(.*?)\n\};", text, re.S):
        tables += 1
        entries = re.findall(r"^    (INSPECT_RULE\w*\(\"?[^,)]*|\{\.id = \"?[^,]*|\S[^\n]*)", body, re.M)
        for e in entries:
            if e.startswith("//"):
                continue
            m = re.search(r"\"(" + ID + r")\"", e)
            f.check(m is not None and m.group(1) in rows, f"{path}: a row without a documented id: {e}")
f.check(tables >= 9, f"only {tables} rule tables found")
f.finish()
