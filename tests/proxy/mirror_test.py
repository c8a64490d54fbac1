#!/usr/bin/env python3
"""The mirror is faithful: for every lab scenario, with and without SNI, a
real client that trusts tlsmirror's mirror root gets the same verdict through
the proxy as it gets directly from the origin (trusting the lab root) —
curl, openssl s_client, Python, Node 20 and Java 17 — and each connection's
log record carries the same verdicts `tlsmirror inspect` gives."""

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
lab = e2e.Lab()
scenarios = sorted(lab.scenarios.values(), key=lambda s: s["name"])

with ThreadPoolExecutor(max_workers=8) as pool:
    proxies = dict(zip([s["name"] for s in scenarios], pool.map(
        lambda s: e2e.Proxy(f"{s['host']}:{s['port']}", name=s["name"], trust=lab.root), scenarios)))
root = next(iter(proxies.values())).root
cases = [(s, sni) for s in scenarios for sni in (True, False)]


def one(case, via):
    s, sni = case
    port, ca = (proxies[s["name"]].port, root) if via else (s["port"], lab.root)
    out = {"s_client": e2e.s_client(port, s["host"], ca, sni=sni)}
    if sni:
        reason, evidence, _ = e2e.curl(port, s["host"], ca)
        out["curl"] = (reason, evidence)
        out["python"] = e2e.python_client(port, s["host"], ca)
    return out


with ThreadPoolExecutor(max_workers=8) as pool:
    direct = list(pool.map(lambda c: one(c, False), cases))
    via = list(pool.map(lambda c: one(c, True), cases))


def jobs(via_proxy):
    return [{"id": str(i), "host": s["host"], "sni": sni,
             "port": proxies[s["name"]].port if via_proxy else s["port"],
             "ca": root if via_proxy else lab.root} for i, (s, sni) in enumerate(cases)]


node_direct, node_via = e2e.node_batch(jobs(False)), e2e.node_batch(jobs(True))
java_direct, java_via = e2e.java_batch(jobs(False)), e2e.java_batch(jobs(True))

for i, (s, sni) in enumerate(cases):
    where = f"{s['name']} sni={sni}"
    for client in direct[i]:
        d, v = direct[i][client], via[i][client]
        f.check(d[0] == v[0], f"{client} {where}: direct {d[0]}, through the proxy {v[0]} ({v[1][:200]})")
    want = s["expect_openssl"] if sni else s["expect_openssl_no_sni"]
    f.check(via[i]["s_client"][0] == want, f"s_client {where}: {via[i]['s_client'][0]}, lab expects {want}")
    nd, nv = node_direct.get(str(i)), node_via.get(str(i))
    f.check(nd is not None and nv is not None, f"node {where}: no result")
    if nd and nv:
        f.check(nd["ok"] == nv["ok"] and nd["code"] == nv["code"] and e2e.node_reason(nd) == e2e.node_reason(nv),
                f"node {where}: direct {nd}, through the proxy {nv}")
    jd, jv = java_direct.get(str(i)), java_via.get(str(i))
    f.check(jd is not None and jv is not None, f"java {where}: no result")
    if jd and jv:
        # The same words, except where Java itself races an origin's alert
        # against its close (then both must still mean the same reason).
        same = jd["message"] == jv["message"] or (e2e.java_reasons(jd) & e2e.java_reasons(jv)) == {"HANDSHAKE_ALERT"}
        f.check(jd["ok"] == jv["ok"] and same, f"java {where}: direct {jd}, through the proxy {jv}")

# (d) No SNI towards an SNI-only origin: the same fatal alert, through the proxy too.
ev = via[cases.index((lab.scenarios["sni-required"], False))]["s_client"][1]
f.check("alert handshake failure" in ev, f"sni-required without SNI through the proxy: {ev}")

# (b) The records: one per connection, verdicts identical to inspect's on the origin.
for s in scenarios:
    p = proxies[s["name"]]
    recs = p.records(at_least=8)
    f.check(len(recs) >= 8, f"{s['name']}: {len(recs)} records for 8 connections")
    for sni in (True, False):
        args = [e2e.TLSMIRROR, "inspect", f"{s['host']}:{s['port']}", "--resolve", f"{s['host']}:{s['port']}:127.0.0.1",
                "--trust", lab.root, "--json"] + ([] if sni else ["--no-sni"])
        if s["name"] == "slow-handshake":
            args += ["--timeout", "15"]
        want = {v["profile"]: v["reason"] for v in json.loads(e2e.run(args).stdout)["verdicts"]}
        mine = [r for r in recs if r["tls"]["client"]["sni_sent"] == sni and "verdicts" in r["tlsmirror"]]
        f.check(len(mine) > 0, f"{s['name']} sni={sni}: no record with verdicts")
        for r in mine:
            got = {v["profile"]: v["reason"] for v in r["tlsmirror"]["verdicts"]}
            f.check(got == want, f"{s['name']} sni={sni}: record verdicts {got} != inspect {want}")
            f.check(("server_name" in r["tls"]["client"]) == sni, f"{s['name']}: tls.client.server_name iff SNI")
            client = r["tls"]["client"]
            f.check(len(client.get("ja3", "")) == 32 and client.get("ja4", "")[:2] == "t1"
                    and client.get("ja4", "")[3] == ("d" if sni else "i") and len(client.get("supported_ciphers", [])) > 0,
                    f"{s['name']} sni={sni}: ClientHello summary {client}")
            f.check(r["tlsmirror"]["summary"] != "", f"{s['name']}: empty summary")
            if r["tlsmirror"]["origin"].get("handshake") == "ok":
                chain = r["tls"]["server"]["certificate_chain"]
                f.check(len(chain) > 0 and chain[0].startswith("-----BEGIN CERTIFICATE-----"),
                        f"{s['name']}: origin chain recorded as PEM")

# Who rejects, for a few scenarios (s_client's connections send a request unless rejected).
def rejected_by(name, sni=True):
    return {r["tlsmirror"]["rejected_by"] for r in proxies[name].records() if r["tls"]["client"]["sni_sent"] == sni}


f.check(rejected_by("good") == {"none"}, f"good: rejected_by {rejected_by('good')}")
# OpenSSL clients say why they reject: in TLS 1.3 their alert is plaintext,
# which BoringSSL cannot read, yet the record must still carry it.
alerts = {(r["tlsmirror"]["client"]["alert_received"] or {}).get("number")
          for r in proxies["expired"].records() if r["tls"]["client"]["sni_sent"]}
f.check(45 in alerts, f"expired: the client's certificate_expired alert is recorded ({alerts})")
alerts = {(r["tlsmirror"]["client"]["alert_received"] or {}).get("number") for r in proxies["untrusted-root"].records()}
f.check(48 in alerts, f"untrusted-root: the client's unknown_ca alert is recorded ({alerts})")
f.check("client" in rejected_by("expired"), f"expired: rejected_by {rejected_by('expired')}")
f.check("cloudfront-origin" in rejected_by("wrong-order"), f"wrong-order: {rejected_by('wrong-order')}")
f.check(rejected_by("sni-required", sni=False) == {"origin"}, f"sni-required no SNI: {rejected_by('sni-required', False)}")

for p in proxies.values():
    f.check(p.stop() == 0, "the proxy exits 0 on SIGTERM")
f.finish()
