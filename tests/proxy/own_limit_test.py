#!/usr/bin/env python3
"""Never blame the origin for tlsmirror's own TLS library (issue 15), proxy
side. An `openssl s_server` origin (TLS 1.3) serves the lab's offline fixture
ecdsa-leaf-no-digitalsignature: an ECDSA P-256 leaf whose keyUsage is
keyAgreement only. curl and Node connect to it directly, Java refuses it;
BoringSSL stops the proxy's upstream handshake (KEY_USAGE_BIT_INCORRECT)
before its verify callback. Through the proxy the record still holds the
chain (read from the origin's Certificate message), says the origin leg's
handshake was ok, blames `tlsmirror`, judges openssl/node accept and
java/browser reject, and its summary names tlsmirror's own limit; the client
gets tlsmirror's 502 saying so (with --as akamai-origin, Akamai's page: that
platform refuses the leaf too). The same origin with the lab's ordinary leaf
is relayed as before."""

import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
lab = e2e.Lab(only=["good"], name="ownlimit-lab")
fixture = lab.offline["ecdsa-leaf-no-digitalsignature"]
good = lab.scenarios["good"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def split_chain(s):
    """Writes the leaf and the rest of `s`'s chain apart: s_server sends -cert then -cert_chain."""
    pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", open(s["chain"]).read(), re.S)
    base = os.path.join(e2e.TMP, "ownlimit-" + s["name"])
    for suffix, body in (("leaf", pems[:1]), ("rest", pems[1:])):
        with open(f"{base}-{suffix}.pem", "w") as out:
            out.write("".join(body))
    return f"{base}-leaf.pem", f"{base}-rest.pem", len(pems)


def s_server(s):
    leaf, rest, num = split_chain(s)
    port = free_port()
    proc = e2e.spawn(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", leaf, "-cert_chain", rest,
                      "-key", s["key"], "-tls1_3", "-www", "-quiet"], stdin=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port, num
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("openssl s_server did not listen")


def origin_and_proxy(s):
    server, port, num = s_server(s)
    proxy = e2e.Proxy(f"{s['host']}:{port}", name="ownlimit-" + s["name"], trust=lab.root,
                      ca_dir=os.path.join(e2e.TMP, "ownlimit-ca"))
    return server, port, num, proxy


# The origin tlsmirror's library refuses.
server, port, num, proxy = origin_and_proxy(fixture)
host = fixture["host"]
direct = e2e.curl(port, host, lab.root)
f.check(direct[0] == "OK", f"curl direct to {host}: {direct[:2]} (OpenSSL 3 accepts the leaf)")
jobs = [{"id": "direct", "host": host, "sni": True, "port": port, "ca": lab.root}]
node, java = e2e.node_batch(jobs).get("direct"), e2e.java_batch(jobs).get("direct")
# s_server -www answers HTTP/1.0, which the clients report apart from a handshake failure.
f.check(node is not None and (node["ok"] or node["message"].startswith("HTTP/1.0 200")),
        f"node direct: {node} (Node accepts the leaf)")
f.check(java is not None and "KEY_USAGE" in e2e.java_reasons(java),
        f"java direct: {java} (JSSE refuses a leaf without digitalSignature)")

via = e2e.curl(proxy.port, host, proxy.root)
answer = via[2].stdout
f.check(via[0] == "OK" and answer.startswith("HTTP/1.1 502"), f"curl through the proxy: {via[:2]} {answer[:80]!r}")
f.check("KEY_USAGE_BIT_INCORRECT" in answer and "tlsmirror's BoringSSL" in answer
        and "X-Tlsmirror-Verdict: tlsmirror TLSMIRROR_LIMIT" in answer,
        f"the 502 names tlsmirror's own limit: {answer[:400]!r}")
recs = proxy.records(at_least=1)
f.check(len(recs) == 1, f"{len(recs)} records for 1 connection")
for r in recs:
    t = r["tlsmirror"]
    sent = r.get("tls", {}).get("server", {}).get("certificate_chain", [])
    f.check(len(sent) == num, f"the record holds the origin's chain: {len(sent)} certificates, sent {num}")
    f.check(t["origin"].get("handshake") == "ok" and t["origin"].get("version") == "1.3",
            f"tlsmirror.origin {t['origin']}")
    f.check(t["rejected_by"] == "tlsmirror", f"rejected_by {t['rejected_by']}: {t['summary']}")
    verdicts = {v["profile"]: v for v in t.get("verdicts", [])}
    for profile, accept in (("openssl", True), ("node", True), ("java", False), ("browser", False)):
        v = verdicts.get(profile)
        f.check(v is not None and v["accept"] == accept and (accept or v["reason"] == "KEY_USAGE"),
                f"{profile}: verdict {v and (v['accept'], v['reason'], v['message'])}, expected accept={accept}")
    f.check("TLSMIRROR_LIMIT" in {x["code"] for x in t.get("findings", [])}, f"findings {t.get('findings')}")
    summary = t["summary"]
    f.check(summary.startswith("tlsmirror's own TLS library") and "digitalSignature" in summary
            and "OpenSSL/curl and Node accept" in summary and "java (KEY_USAGE)" in summary
            and "browser (KEY_USAGE)" in summary and not re.search(r"The origin failed|handshake failure", summary),
            f"the summary does not name tlsmirror's own limit: {summary}")
f.check(proxy.stop() == 0, "the proxy exits 0 on SIGTERM")

# --as akamai-origin (which offers TLS 1.3, unlike CloudFront to its origins):
# Akamai refuses such a leaf too (RFC 8446), so the client gets Akamai's page
# and the record blames Akamai, on the chain.
proxy = e2e.Proxy(f"{host}:{port}", "--as", "akamai-origin", name="ownlimit-as", trust=lab.root,
                  ca_dir=os.path.join(e2e.TMP, "ownlimit-ca"))
via = e2e.curl(proxy.port, host, proxy.root)
f.check(via[0] == "OK" and via[2].stdout.startswith("HTTP/1.1 503") and "Server: AkamaiGHost" in via[2].stdout,
        f"--as akamai-origin: {via[:2]} {via[2].stdout[:120]!r}")
for r in proxy.records(at_least=1):
    t = r["tlsmirror"]
    f.check(t["rejected_by"] == "akamai-origin" and "KEY_USAGE" in t["summary"],
            f"--as akamai-origin: rejected_by {t['rejected_by']}: {t['summary']}")
    f.check(len(r["tls"]["server"].get("certificate_chain", [])) == num, "--as: the record holds the chain")
f.check(proxy.stop() == 0, "the proxy exits 0 on SIGTERM")
server.kill()
server.wait()

# The same origin with an ordinary leaf: relayed, nobody blamed.
server, port, num, proxy = origin_and_proxy(good)
via = e2e.curl(proxy.port, good["host"], proxy.root)
f.check(via[0] == "OK" and via[2].stdout.startswith("HTTP/1.0 200"), f"good through the proxy: {via[:2]}")
for r in proxy.records(at_least=1):
    t = r["tlsmirror"]
    f.check(t["rejected_by"] == "none" and "tlsmirror" not in t["summary"].split(".")[0],
            f"good: rejected_by {t['rejected_by']}: {t['summary']}")
    f.check(t["origin"].get("handshake") == "ok" and "detail" not in t["origin"], f"good: tlsmirror.origin {t['origin']}")
    f.check(len(r["tls"]["server"].get("certificate_chain", [])) == num, "good: the record holds the chain")
    f.check("TLSMIRROR_LIMIT" not in {x["code"] for x in t.get("findings", [])}, f"good: findings {t.get('findings')}")
f.check(proxy.stop() == 0, "the proxy exits 0 on SIGTERM")
server.kill()
server.wait()
f.finish()
