#!/usr/bin/env python3
"""Name the cause, not only the symptom (issue 16, item 7): the Akamai outage.

A client that sends no SNI (curl to an IP address) reaches the lab's
sni-required origin through the proxy. The origin refuses it with
handshake_failure; tlsmirror makes one more handshake with the origin's name
as SNI, which completes, so the record says the origin requires SNI, names
each platform's fix (Akamai: "Use SNI TLS Extension"), and CloudFront and API
Gateway, which always send SNI to origins, accept. A live `inspect --no-sni`
says the same. Controls: a client that sends SNI gets through and no extra
handshake is made; an origin that refuses with SNI too (it closes every
connection) gets the extra handshake but no SNI cause."""

import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
lab = e2e.Lab(only=["sni-required"], name="snilab")
s = lab.scenarios["sni-required"]
host, port = s["host"], s["port"]
SPARED = {"cloudfront-origin", "apigateway"}
FIXED = {"akamai-origin": "Use SNI TLS Extension", "openssl": "connect by the host name",
         "node": "servername", "java": "SNIHostName", "browser": "by its name"}


def check_cause(where, summary, verdicts, with_sni):
    f.check(with_sni is not None and with_sni.get("sni") == host and with_sni.get("handshake", with_sni.get("status"))
            == "ok", f"{where}: the handshake with SNI {host} completed: {with_sni}")
    f.check(f"refuses handshakes without SNI" in summary and f"works with SNI {host}" in summary
            and "the client sent none" in summary, f"{where}: the summary names the cause: {summary[:300]}")
    f.check("Use SNI TLS Extension" in summary, f"{where}: the summary gives Akamai's fix: {summary[:600]}")
    f.check("cloudfront-origin and apigateway always send SNI to origins and are not affected" in summary,
            f"{where}: the summary spares CloudFront and API Gateway: {summary[:900]}")
    f.check("CloudFront would drop" not in summary, f"{where}: CloudFront blamed: {summary[:900]}")
    by = {v["profile"]: v for v in verdicts}
    for p in SPARED:
        f.check(by.get(p, {}).get("accept") is True, f"{where}: {p} accepts (it sends SNI): {by.get(p)}")
    for p, words in FIXED.items():
        v = by.get(p, {})
        f.check(v.get("accept") is False and words in (v.get("fix") or ""), f"{where}: {p} rejects with its fix: {v}")


# Through the proxy: curl by IP address sends no SNI.
proxy = e2e.Proxy(f"{host}:{port}", name="sni-cause", trust=lab.root)
r = e2e.run(["curl", "-sS", "-k", "--max-time", "15", "-o", "/dev/null", f"https://127.0.0.1:{proxy.port}/"])
f.check(r.returncode == 35 and "handshake failure" in r.stderr,
        f"curl without SNI through the proxy: exit {r.returncode} {r.stderr[:200]} (the origin's alert, passed on)")
recs = proxy.records(at_least=1)
f.check(len(recs) == 1, f"{len(recs)} records for one connection")
for rec in recs[:1]:
    t = rec["tlsmirror"]
    f.check(t["rejected_by"] == "origin", f"rejected_by {t['rejected_by']}")
    f.check(not t["summary"].startswith("The origin failed the connection"), f"vague summary: {t['summary'][:200]}")
    check_cause("proxy", t["summary"], t["verdicts"], t["origin"].get("with_sni"))
    f.check(any(x["code"] == "SNI_REQUIRED" for x in t.get("findings", [])),
            f"proxy: finding SNI_REQUIRED in {[x['code'] for x in t.get('findings', [])]}")

# Control: with SNI the connection works and no extra handshake is made.
reason, evidence, _ = e2e.curl(proxy.port, host, proxy.root)
f.check(reason == "OK", f"curl with SNI through the proxy: {reason} {evidence[:200]}")
recs = proxy.records(at_least=2)
t = recs[-1]["tlsmirror"]
f.check("with_sni" not in t["origin"] and t["rejected_by"] == "none",
        f"with SNI: no extra handshake, nobody rejects: {t['rejected_by']} {t['origin']}")
f.check(proxy.stop() == 0, "the proxy exits 0 on SIGTERM")

# inspect --no-sni: the same cause, fixes and verdicts.
r = e2e.run([e2e.TLSMIRROR, "inspect", f"{host}:{port}", "--resolve", f"{host}:{port}:127.0.0.1", "--no-sni",
             "--trust", lab.root, "--json"])
f.check(r.returncode == 1, f"inspect --no-sni exits 1 (some profiles reject): {r.returncode} {r.stderr[:200]}")
try:
    j = json.loads(r.stdout)
    check_cause("inspect", j["summary"], j["verdicts"], j["handshake"].get("with_sni"))
except (ValueError, KeyError) as e:
    f.check(False, f"inspect --json: {e}: {r.stdout[:300]}")

# Control: an origin that refuses with SNI too gets the extra handshake, but
# no SNI cause is named.
closer = socket.socket()
closer.bind(("127.0.0.1", 0))
closer.listen(16)


def close_all():
    while True:
        try:
            c, _ = closer.accept()
        except OSError:
            return
        c.recv(4096)
        c.close()


threading.Thread(target=close_all, daemon=True).start()
cport = closer.getsockname()[1]
proxy = e2e.Proxy(f"closer.lab.test:{cport}", name="sni-closer", trust=lab.root)
e2e.run(["curl", "-sS", "-k", "--max-time", "15", "-o", "/dev/null", f"https://127.0.0.1:{proxy.port}/"])
recs = proxy.records(at_least=1)
for rec in recs[:1]:
    t = rec["tlsmirror"]
    ws = t["origin"].get("with_sni")
    f.check(ws is not None and ws["handshake"] == "closed", f"closer: the handshake with SNI was tried and closed: {ws}")
    f.check("SNI" not in t["summary"].split(".")[0], f"closer: no SNI cause: {t['summary'][:200]}")
    f.check(all(v.get("fix") is None for v in t["verdicts"]), "closer: no fixes")
f.check(proxy.stop() == 0, "the proxy exits 0 on SIGTERM")
closer.close()
f.finish()
