#!/usr/bin/env python3
"""Fidelity: `tlsmirror inspect`'s openssl, node and java profiles must agree
with the real OpenSSL 3 CLI (and curl), Node 20 and Java 17 on this machine,
for every lab scenario, with and without SNI: accept vs reject, the reason,
and each client's own words."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

CLIENTS = os.path.join(os.getcwd(), "tests", "clients")
f = e2e.Failures()
lab = e2e.Lab()
cases = [(s, sni) for s in lab.scenarios.values() for sni in (True, False)]


def inspect(case):
    s, sni = case
    args = [e2e.TLSMIRROR, "inspect", f"{s['host']}:{s['port']}", "--resolve", f"{s['host']}:{s['port']}:127.0.0.1",
            "--trust", lab.root, "--profile", "openssl,node,java", "--json"]
    if not sni:
        args.append("--no-sni")
    r = e2e.run(args, timeout=30)
    assert r.returncode in (0, 1), f"inspect {s['name']}: exit {r.returncode}: {r.stderr}"
    return {v["profile"]: v for v in json.loads(r.stdout)["verdicts"]}


def s_client(case):
    s, sni = case
    return e2e.s_client(s["port"], s["host"], lab.root, sni=sni)


with ThreadPoolExecutor(max_workers=8) as pool:
    ours = list(pool.map(inspect, cases))
    real_openssl = list(pool.map(s_client, cases))
    real_curl = list(pool.map(lambda c: e2e.curl(c[0]["port"], c[0]["host"], lab.root) if c[1] else None, cases))

jobs = [{"id": str(i), "port": s["port"], "host": s["host"], "sni": sni, "ca": lab.root} for i, (s, sni) in enumerate(cases)]
node = subprocess.run(["node", os.path.join(CLIENTS, "node_client.js")], input=json.dumps(jobs), capture_output=True,
                      text=True, timeout=300)
real_node = {j["id"]: j for j in map(json.loads, node.stdout.splitlines())}
java_in = "".join(f"{i} {s['port']} {s['host']} {int(sni)} {lab.root}\n" for i, (s, sni) in enumerate(cases))
java = subprocess.run(["java", os.path.join(CLIENTS, "JavaClient.java")], input=java_in, capture_output=True,
                      text=True, timeout=300)
real_java = {j["id"]: j for j in map(json.loads, java.stdout.splitlines())}
f.check(len(real_node) == len(cases), f"node answered {len(real_node)}/{len(cases)}: {node.stderr[-500:]}")
f.check(len(real_java) == len(cases), f"java answered {len(real_java)}/{len(cases)}: {java.stderr[-500:]}")

NODE_CODES = {
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE": "MISSING_INTERMEDIATE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY": "MISSING_INTERMEDIATE",
    "CERT_HAS_EXPIRED": "EXPIRED", "CERT_NOT_YET_VALID": "NOT_YET_VALID", "DEPTH_ZERO_SELF_SIGNED_CERT": "SELF_SIGNED",
    "SELF_SIGNED_CERT_IN_CHAIN": "UNTRUSTED_ROOT", "ERR_TLS_CERT_ALTNAME_INVALID": "HOSTNAME_MISMATCH",
    "INVALID_PURPOSE": "BAD_EKU",
}
JAVA_REASONS = [
    ("PKIX path building failed", {"MISSING_INTERMEDIATE", "UNTRUSTED_ROOT", "SELF_SIGNED"}),
    ("validity check failed", {"EXPIRED", "NOT_YET_VALID"}),
    ("name constraints check failed", {"NAME_CONSTRAINTS"}),
    ("Algorithm constraints check failed", {"WEAK_SIGNATURE", "WEAK_KEY"}),
    ("No subject alternative", {"HOSTNAME_MISMATCH"}),
    ("No name matching", {"HOSTNAME_MISMATCH"}),
    ("Extended key usage does not permit", {"BAD_EKU"}),
    ("Received fatal alert", {"HANDSHAKE_ALERT"}),
]


def node_reason(j):
    if j["ok"]:
        return "OK"
    if j["code"] in NODE_CODES:
        return NODE_CODES[j["code"]]
    if (j["code"] or "").startswith("ERR_SSL_") and "alert" in j["message"]:
        return "HANDSHAKE_ALERT"
    return e2e.reason_from_openssl_text(j["message"]) or "UNKNOWN:" + str(j["code"])


for i, (s, sni) in enumerate(cases):
    where = f"{s['name']} sni={sni}"
    v = ours[i]

    # OpenSSL: s_client -verify_return_error -verify_hostname, and curl (SNI only).
    reason, evidence = real_openssl[i]
    o = v["openssl"]
    f.check(o["reason"] == reason, f"openssl {where}: inspect {o['reason']}, s_client {reason} ({evidence})")
    f.check(o["reason"] == (s["expect_openssl"] if sni else s["expect_openssl_no_sni"]),
            f"openssl {where}: inspect {o['reason']} differs from the lab's expectation")
    if reason != "OK":
        text = evidence.split(":", 2)[-1].strip() if evidence.startswith("verify error") else evidence.strip()
        f.check(text in o["message"], f"openssl {where}: s_client says {text!r}, inspect says {o['message']!r}")
    if real_curl[i] is not None:
        creason, cevidence, _ = real_curl[i]
        f.check(o["reason"] == creason, f"curl {where}: inspect {o['reason']}, curl {creason} ({cevidence})")
        if creason not in ("OK", "HANDSHAKE_ALERT"):
            words = cevidence.splitlines()[0].split("SSL certificate problem: ")[-1].split("SSL: ")[-1]
            f.check(words in o["message"], f"curl {where}: curl says {words!r}, inspect says {o['message']!r}")

    # Node: accept/reject, reason, err.code and err.message.
    j = real_node.get(str(i))
    n = v["node"]
    if j is not None:
        f.check(n["reason"] == node_reason(j), f"node {where}: inspect {n['reason']}, node {j}")
        if not j["ok"]:
            f.check(j["code"] in n["message"], f"node {where}: code {j['code']} not in {n['message']!r}")
            if not j["code"].startswith("ERR_SSL_"):
                f.check(j["message"] in n["message"], f"node {where}: node says {j['message']!r}, inspect {n['message']!r}")

    # Java: accept/reject, the exact exception message, and a compatible reason.
    j = real_java.get(str(i))
    jv = v["java"]
    if j is not None:
        f.check(jv["accept"] == j["ok"], f"java {where}: inspect {jv['reason']}, java {j}")
        if not j["ok"]:
            f.check(jv["message"] == j["message"], f"java {where}: java says {j['message']!r}, inspect {jv['message']!r}")
            allowed = next((r for needle, r in JAVA_REASONS if needle in (j["message"] or "")), set())
            f.check(jv["reason"] in allowed, f"java {where}: reason {jv['reason']} not in {sorted(allowed)}")

print(f"compared {len(cases)} scenario runs with s_client, curl, node and java")
f.finish()
