#!/usr/bin/env python3
"""tools/difftest in CI: the generator is deterministic from its seed, and a
fixed-seed run (--ci: a few hundred chains, a time budget) finds no verdict or
reason disagreement between tlsmirror's openssl, node, java and browser
profiles and the real OpenSSL, Node, Java and headless Chromium that
tools/difftest/known_disagreements.json does not list. The report and the
reproducers land in the test's undeclared outputs."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

sys.path.insert(0, os.path.join(os.getcwd(), "tools", "difftest"))
import der  # noqa: E402
import gen  # noqa: E402

f = e2e.Failures()

# The same seed gives the same cases; another seed, other ones.
a = [json.dumps(gen.generate(15, i).describe(), sort_keys=True, default=repr) for i in range(60)]
b = [json.dumps(gen.generate(15, i).describe(), sort_keys=True, default=repr) for i in range(60)]
c = [json.dumps(gen.generate(16, i).describe(), sort_keys=True, default=repr) for i in range(60)]
f.check(a == b, "the generator is deterministic from its seed")
f.check(sum(x != y for x, y in zip(a, c)) > 50, "another seed generates other cases")
f.check(len({m for i in range(400) for m in gen.generate(15, i).mutations}) > 100,
        "400 cases exercise more than 100 mutation classes")
# DER the way RFC 5280 wants it: named bits trimmed, minimal integers.
f.check(der.ku_value(["keyCertSign", "cRLSign"]) == bytes.fromhex("03020106"), "keyUsage keyCertSign, cRLSign")
f.check(der.integer(128) == bytes.fromhex("02020080") and der.integer(-129) == bytes.fromhex("0202ff7f"), "INTEGERs")

difftest = os.path.join("tools", "difftest", "difftest")
r = e2e.run([difftest, "--help"])
f.check(r.returncode == 0 and "--ci" in r.stdout and "serve DIR" in r.stdout,
        f"--help: {r.returncode} {r.stderr[-300:]}")
r = e2e.run([difftest, "--clients", "curl"])
f.check(r.returncode == 2 and "unknown client 'curl'" in r.stderr, f"an unknown client: {r.returncode} {r.stderr!r}")

out = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR") or os.path.join(e2e.TMP, "difftest")
start = time.time()
r = subprocess.run([difftest, "--ci", "--out", os.path.join(out, "difftest"),
                    "--keys", os.path.join(e2e.TMP, "keys"), "--tlsmirror", e2e.TLSMIRROR],
                   capture_output=True, text=True, timeout=600)
elapsed = time.time() - start
print(r.stdout[-6000:])
print(r.stderr[-3000:])
f.check(r.returncode == 0, f"difftest --ci exits 0 (got {r.returncode}): every disagreement is a known one")
report = os.path.join(out, "difftest", "report.md")
f.check(os.path.exists(report), "the report is written")
text = open(report).read() if os.path.exists(report) else ""
for client in ("openssl", "node", "java", "chromium"):
    f.check(f"| {client} | offline |" in text, f"the report counts {client}")
f.check(elapsed < 300, f"the CI run takes under five minutes ({elapsed:.0f} s)")
f.finish()
