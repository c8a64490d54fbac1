#!/usr/bin/env python3
"""`inspect` handshakes as each platform (issue 16, item 5). For every
handshake scenario of the lab (an origin that accepts one version, suite,
group or signature algorithm only), a live `inspect --profile
openssl,node,java,cloudfront-origin` must agree with the real clients:
curl, Node 20 and Java 17 connect or fail exactly as the openssl, node and
java verdicts say. CloudFront's verdict must agree with `openssl s_client`
offering CloudFront's documented ClientHello (TLS 1.2 only, its suites,
P-256/P-384/X25519, RSA PKCS#1 and ECDSA signature schemes, no RSA-PSS nor
Ed25519): refused exactly where that offer shares nothing with the origin.
Suites this machine's OpenSSL cannot speak (3DES) are judged from the
documented list instead. Every verdict's JSON names its handshake."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

# CloudFront's documented offer to origins (docs/platform-rules.md O10-O12),
# in OpenSSL's names, as openssl s_client sends it.
CLOUDFRONT_SUITES = ["ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES256-SHA",
                     "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA",
                     "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA",
                     "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA", "AES256-SHA",
                     "AES128-SHA", "DES-CBC3-SHA", "RC4-MD5"]
CLOUDFRONT_SIGALGS = "RSA+SHA256:RSA+SHA384:RSA+SHA512:RSA+SHA224:RSA+SHA1:ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:" \
                     "ECDSA+SHA224:ECDSA+SHA1"
PROFILES = ["openssl", "node", "java", "cloudfront-origin"]

f = e2e.Failures()
lab = e2e.Lab(handshake=True, name="hsfid")
scenarios = sorted(lab.scenarios.values(), key=lambda s: s["name"])
f.check(len(scenarios) >= 8, f"the lab serves {len(scenarios)} handshake scenarios, expected at least 8")


def speakable(suite):
    return e2e.run(["openssl", "ciphers", f"{suite}:@SECLEVEL=0"]).returncode == 0


unspeakable = [s for s in CLOUDFRONT_SUITES if not speakable(s)]


def cloudfront_s_client(s):
    """True when openssl s_client with CloudFront's offer completes the handshake."""
    suites = ":".join(x for x in CLOUDFRONT_SUITES if x not in unspeakable) + ":@SECLEVEL=0"
    r = e2e.run(["openssl", "s_client", "-connect", f"127.0.0.1:{s['port']}", "-servername", s["host"], "-tls1_2",
                 "-cipher", suites, "-groups", "P-256:P-384:X25519", "-sigalgs", CLOUDFRONT_SIGALGS],
                stdin=subprocess.DEVNULL, timeout=20)
    return r.returncode == 0 and "Cipher is (NONE)" not in r.stdout


def inspect(s):
    r = e2e.run([e2e.TLSMIRROR, "inspect", f"{s['host']}:{s['port']}", "--resolve",
                 f"{s['host']}:{s['port']}:127.0.0.1", "--trust", lab.root, "--profile", ",".join(PROFILES),
                 "--json", "--timeout", "10"], timeout=30)
    try:
        return {v["profile"]: v for v in json.loads(r.stdout)["verdicts"]}
    except (ValueError, KeyError):
        f.check(False, f"inspect {s['name']}: exit {r.returncode} {r.stderr[:200]} {r.stdout[:200]}")
        return {}


with ThreadPoolExecutor(max_workers=4) as pool:
    verdicts = dict(zip([s["name"] for s in scenarios], pool.map(inspect, scenarios)))
    curls = dict(zip([s["name"] for s in scenarios],
                     pool.map(lambda s: e2e.curl(s["port"], s["host"], lab.root)[0], scenarios)))
    cloudfront = dict(zip([s["name"] for s in scenarios], pool.map(cloudfront_s_client, scenarios)))
jobs = [{"id": s["name"], "host": s["host"], "sni": True, "port": s["port"], "ca": lab.root} for s in scenarios]
real = {"openssl": {n: r == "OK" for n, r in curls.items()},
        "node": {k: v["ok"] for k, v in e2e.node_batch(jobs).items()},
        "java": {k: v["ok"] for k, v in e2e.java_batch(jobs).items()}}

agree = {p: 0 for p in PROFILES}
for s in scenarios:
    name, got = s["name"], verdicts[s["name"]]
    for client in ("openssl", "node", "java"):
        v, ok = got.get(client), real[client].get(name)
        f.check(v is not None and ok is not None, f"{client} {name}: no verdict {v} or no real result {ok}")
        if v is None or ok is None:
            continue
        f.check(v["accept"] == ok, f"{client} {name}: inspect says accept={v['accept']} ({v['reason']}: "
                f"{v['message'][:160]}), the real client {'connects' if ok else 'fails'}")
        agree[client] += v["accept"] == ok
    cf = got.get("cloudfront-origin")
    if cf is None:
        continue
    only_unspeakable = any(x in s["what"] for x in unspeakable)
    want = ("DES-CBC3-SHA" in CLOUDFRONT_SUITES) if only_unspeakable else cloudfront[name]
    f.check(cf["accept"] == want, f"cloudfront-origin {name}: inspect accept={cf['accept']} ({cf['message'][:200]}), "
            f"CloudFront's documented offer {'completes' if want else 'fails'}")
    agree["cloudfront-origin"] += cf["accept"] == want
    if not cf["accept"]:
        f.check(cf["reason"] == "PROTOCOL_MISMATCH" and "share no SSL/TLS protocol or cipher" in cf["message"]
                and "the origin accepts" in cf["message"] + cf["handshake"].get("failure", ""),
                f"cloudfront-origin {name}: the refusal names what the origin accepts: {cf['message'][:300]}")
    for p, v in got.items():
        hs = v.get("handshake") or {}
        shown = hs.get("cipher") if hs.get("status") == "ok" else hs.get("failure")
        f.check(bool(shown) and hs.get("own") is True, f"{p} {name}: the verdict names its own handshake: {hs}")
        f.check(v["accept"] is False or hs.get("status") == "ok", f"{p} {name}: accepted on a failed handshake {hs}")

# The cases: CloudFront refuses these while curl is fine.
for name in ("chacha20-only", "tls13-only", "p521-only", "ed25519-leaf"):
    if name in verdicts and "cloudfront-origin" in verdicts[name]:
        f.check(verdicts[name]["cloudfront-origin"]["accept"] is False and curls[name] == "OK",
                f"{name}: CloudFront refuses ({verdicts[name]['cloudfront-origin']['accept']}), curl connects "
                f"({curls[name]})")
print(f"{len(scenarios)} scenarios: inspect agrees with curl {agree['openssl']}, node {agree['node']}, "
      f"java {agree['java']}, CloudFront's offer (s_client) {agree['cloudfront-origin']}; OpenSSL here cannot "
      f"speak {unspeakable}", flush=True)
f.finish()
