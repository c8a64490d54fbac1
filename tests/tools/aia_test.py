#!/usr/bin/env python3
"""`tlsmirror inspect` fetches a missing issuer from the leaf's AIA caIssuers
URL as Chromium does, against a real HTTP server on loopback: DER, PEM and
certs-only PKCS#7 answers, a chain fetched upward, --resolve for the AIA host,
each URL once, --no-aia and --intermediates; and every bad answer (a redirect
loop, 10 MB, garbage, a slow or dead server, a non-http URL) is a finding and
a browser verdict naming the URL, never a hang or a crash."""

import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import aia_server  # noqa: E402
import e2e  # noqa: E402

f = e2e.Failures()
work = os.path.join(e2e.TMP, "aia")
pki = aia_server.Pki(work)
mint, der = pki.mint, pki.der
aia = aia_server.AiaServer()
hits, routes, port = aia.hits, aia.routes, aia.port
base = f"http://127.0.0.1:{port}"
# A port that refuses connections: bound, never listening.
refusing = socket.socket()
refusing.bind(("127.0.0.1", 0))
dead_base = f"http://127.0.0.1:{refusing.getsockname()[1]}"

root = mint("root", ca=True)
mint("inter", "root", ca=True)
mint("upper", "root", ca=True)  # root -> upper -> lower -> leaf: both fetched, one after the other
mint("lower", "upper", ca=True, aia=f"{base}/upper.der")
mint("ghost", ca=True)  # an issuer nobody serves
mint("cycle", "ghost", ca=True, aia=f"{base}/cycle.der")  # its own URL again
pki.openssl("crl2pkcs7", "-nocrl", "-certfile", "inter.pem", "-certfile", "root.pem", "-outform", "DER",
            "-out", "inter.p7c")
with open(os.path.join(work, "inter.p7c"), "rb") as p7c, open(os.path.join(work, "inter.pem"), "rb") as pem:
    routes.update({
        "/inter.der": ("body", der("inter")),
        "/inter.pem": ("body", b"junk before the block\n" + pem.read()),
        "/inter.p7c": ("body", p7c.read()),
        "/upper.der": ("body", der("upper")),
        "/lower.der": ("body", der("lower")),
        "/cycle.der": ("body", der("cycle")),
        "/loop": ("redirect", "/loop"),
        "/hop": ("redirect", "/inter.der"),
        "/to-https": ("redirect", f"https://127.0.0.1:{port}/inter.der"),
        "/big": ("body", b"\0" * (10 << 20)),
        "/big-stream": ("stream", 10 << 20),
        "/garbage": ("body", bytes(range(256)) * 16),
        "/slow": ("slow", 3),
    })

# case: (issuer, AIA URL, expected fetches [(status, path)], browser accepts)
CASES = {
    "der": ("inter", f"{base}/inter.der", [("ok", "/inter.der")], True),
    "pem": ("inter", f"{base}/inter.pem", [("ok", "/inter.pem")], True),
    "pkcs7": ("inter", f"{base}/inter.p7c", [("ok", "/inter.p7c")], True),
    "redirect": ("inter", f"{base}/hop", [("ok", "/hop")], True),
    "upward": ("lower", f"{base}/lower.der", [("ok", "/lower.der"), ("ok", "/upper.der")], True),
    "cycle": ("cycle", f"{base}/cycle.der", [("ok", "/cycle.der")], False),
    "redirect-loop": ("inter", f"{base}/loop", [("redirect_loop", "/loop")], False),
    "to-https": ("inter", f"{base}/to-https", [("not_http", "/to-https")], False),
    "ten-megabytes": ("inter", f"{base}/big", [("too_large", "/big")], False),
    "ten-megabytes-streamed": ("inter", f"{base}/big-stream", [("too_large", "/big-stream")], False),
    "garbage": ("inter", f"{base}/garbage", [("garbage", "/garbage")], False),
    "slow": ("inter", f"{base}/slow", [("timeout", "/slow")], False),
    "not-found": ("inter", f"{base}/missing.der", [("dead", "/missing.der")], False),
    "refused": ("inter", f"{dead_base}/inter.der", [("dead", None)], False),
    "https-url": ("inter", f"https://127.0.0.1:{port}/inter.der", [("not_http", None)], False),
    "ldap-url": ("inter", "ldap://127.0.0.1/cn=inter", [("not_http", None)], False),
    "unresolvable": ("inter", f"http://aia.invalid:{port}/inter.der", [("dead", None)], False),
    "resolved": ("inter", f"http://aia.test:{port}/inter.der", [("ok", "/inter.der")], True),
}


def inspect(chain, *extra, timeout=30):
    args = [e2e.TLSMIRROR, "inspect", chain, "--trust", root, "--profile", "browser,openssl", "--json",
            "--aia-timeout", "1", "--resolve", f"aia.test:{port}:127.0.0.1", *extra]
    started = time.time()
    r = e2e.run(args, timeout=timeout)
    return r, time.time() - started


for name, (issuer, url, want, accepts) in CASES.items():
    chain = mint(f"leaf-{name}", issuer, aia=url, host=f"{name}.test")
    before = hits.copy()
    r, seconds = inspect(chain, "--name", f"{name}.test")
    if r.returncode not in (0, 1):
        f.check(False, f"{name}: exit {r.returncode}: {r.stderr[-300:]}")
        continue
    out = json.loads(r.stdout)
    got = [(a["status"], a["url"]) for a in out["aia"]]
    print(f"{name}: {seconds:.1f}s", "; ".join(f"{a['status']} {a['url']}: {a['detail']}" for a in out["aia"]))
    f.check([s for s, _ in got] == [s for s, _ in want], f"{name}: fetches {got}, want {want}")
    f.check(got[:1] == [(want[0][0], url)], f"{name}: the first fetch is the leaf's URL {url}: {got}")
    for status, path in want:
        if path is not None:
            f.check(hits[path] - before[path] == (21 if status == "redirect_loop" else 1),
                    f"{name}: {path} asked {hits[path] - before[path]} times")
    f.check(seconds < 10, f"{name}: took {seconds:.1f}s")
    v = {x["profile"]: x for x in out["verdicts"]}
    f.check(v["browser"]["accept"] == accepts, f"{name}: browser {v['browser']}")
    f.check(not v["openssl"]["accept"] and v["openssl"]["reason"] == "MISSING_INTERMEDIATE",
            f"{name}: openssl never fetches: {v['openssl']}")
    codes = [x["code"] for x in out["findings"]]
    if accepts:
        f.check("AIA_FETCHED" in codes and url in v["browser"]["effect"], f"{name}: {codes} {v['browser']['effect']}")
    else:
        # A fetched issuer whose own issuer is nowhere ends the path at an untrusted CA.
        want_reason = "UNTRUSTED_ROOT" if name == "cycle" else "MISSING_INTERMEDIATE"
        f.check(v["browser"]["reason"] == want_reason and
                v["browser"]["message"].startswith("NET::ERR_CERT_AUTHORITY_INVALID"), f"{name}: {v['browser']}")
        failed = name != "cycle"
        f.check(("AIA_FAILED" in codes) == failed, f"{name}: findings {codes}")
        f.check(got[-1][1] in v["browser"]["message"], f"{name}: the verdict names {got[-1][1]}: {v['browser']}")

# --no-aia fetches nothing and says so; --intermediates still rescues offline.
chain = os.path.join(work, "leaf-der.pem")
before = hits["/inter.der"]
r, _ = inspect(chain, "--name", "der.test", "--no-aia")
out = json.loads(r.stdout)
b = next(x for x in out["verdicts"] if x["profile"] == "browser")
f.check(out["aia"] == [] and hits["/inter.der"] == before, f"--no-aia fetched: {out['aia']}")
f.check(not b["accept"] and "not tried here" in b["message"] and f"{base}/inter.der" in b["message"], f"--no-aia: {b}")
r, _ = inspect(chain, "--name", "der.test", "--no-aia", "--intermediates", os.path.join(work, "inter.pem"))
out = json.loads(r.stdout)
b = next(x for x in out["verdicts"] if x["profile"] == "browser")
f.check(b["accept"] and "--intermediates" in b["effect"] and "AIA_RESCUABLE" in [x["code"] for x in out["findings"]],
        f"--intermediates: {b}")
# Other profiles never fetch: no request when the browser is not selected.
r = e2e.run([e2e.TLSMIRROR, "inspect", chain, "--trust", root, "--profile", "openssl,node,java", "--json"])
f.check(json.loads(r.stdout)["aia"] == [] and hits["/inter.der"] == before, "openssl, node and java fetch nothing")
# The text output lists the fetches.
r = e2e.run([e2e.TLSMIRROR, "inspect", os.path.join(work, "leaf-not-found.pem"), "--trust", root, "--profile",
             "browser", "--aia-timeout", "1"])
f.check("AIA fetches" in r.stdout and "HTTP 404" in r.stdout and "AIA_FAILED" in r.stdout, r.stdout[-800:])
# Bad option values.
for bad in (["--aia-timeout", "0"], ["--resolve", "nope"]):
    r = e2e.run([e2e.TLSMIRROR, "inspect", chain, *bad])
    f.check(r.returncode == 2 and r.stderr.count("\n") == 1, f"{bad}: {r.returncode} {r.stderr!r}")

aia.shutdown()
refusing.close()
f.finish()
