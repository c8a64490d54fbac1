#!/usr/bin/env python3
"""`tlsmirror demo` (the README's first command) runs the lab and the proxy
in one process, sends curl through it to every scenario, prints who rejects
what, and cleans up after itself."""

import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
env = dict(os.environ, TMPDIR=e2e.TMP)
r = e2e.run([e2e.TLSMIRROR, "demo"], timeout=120, env=env)
out = r.stdout
f.check(r.returncode == 0, f"demo exits 0 ({r.returncode}): {r.stderr[-500:]}")
# The served scenarios: the table before the blank line (offline fixtures follow it).
listed = e2e.run([e2e.TLSMIRROR, "lab", "--list"]).stdout.split("\n\n")[0].splitlines()[1:]
for name in (line.split()[0] for line in listed):
    f.check(f"\n{name} - " in "\n" + out, f"the demo shows scenario {name}")


def block(name):
    start = out.index(f"{name} - ")
    end = out.find("\n\n", start)
    return " ".join(out[start:end].split())


f.check("curl HTTP 200" in block("good") and "nobody rejects" in block("good"), block("good"))
f.check("certificate has expired" in block("expired") and "certificate_expired alert" in block("expired"), block("expired"))
f.check("curl HTTP 200" in block("wrong-order") and "rejected by cloudfront-origin" in block("wrong-order"),
        block("wrong-order"))
f.check("unable to get local issuer certificate" in block("missing-intermediate"), block("missing-intermediate"))
f.check("certificate_required" in block("mtls-required"), block("mtls-required"))
# The AIA story in one block: the browser fetches the intermediate and accepts,
# curl fails, CloudFront answers 502.
aia = block("missing-intermediate-aia")
f.check("curl fails: curl: (60)" in aia and "unable to get local issuer certificate" in aia, aia)
f.check("browser accepts. Chrome shows the page: it fetches the missing intermediate from http://aia.lab.test:" in aia,
        aia)
f.check("CloudFront rejects." in aia and "502 Bad Gateway" in aia, aia)
f.check("tlsmirror (fetching AIA as Chrome does) rejected by" in aia, aia)
dead = block("missing-intermediate-dead-aia")
f.check("browser rejects." in dead and "NET::ERR_CERT_AUTHORITY_INVALID" in dead and "HTTP 404" in dead, dead)
f.check(not glob.glob(os.path.join(e2e.TMP, "tlsmirror-demo-*")), "the demo removes its directory")
r = e2e.run([e2e.TLSMIRROR, "demo", "--keep"], timeout=120, env=env)
kept = glob.glob(os.path.join(e2e.TMP, "tlsmirror-demo-*"))
f.check(r.returncode == 0 and len(kept) == 1 and os.path.getsize(os.path.join(kept[0], "proxy.log")) > 0,
        "--keep keeps the directory and its proxy log")
# The AIA blocks are the proxy's: its record of the connection holds the fetch.
if kept:
    with open(os.path.join(kept[0], "proxy.log")) as log:
        records = [json.loads(line) for line in log]
    fetched = [r["tlsmirror"]["aia"][0] for r in records
               if r["tls"]["client"].get("server_name") == "missing-intermediate-aia.lab.test"]
    f.check(len(fetched) == 1 and fetched[0]["status"] == "ok" and
            fetched[0]["url"].startswith("http://aia.lab.test:"), f"the proxy's record of the AIA scenario: {fetched}")
r = e2e.run([e2e.TLSMIRROR, "demo", "--nope"])
f.check(r.returncode == 2 and "--help" in r.stderr, f"demo --nope: {r.returncode} {r.stderr!r}")
f.finish()
