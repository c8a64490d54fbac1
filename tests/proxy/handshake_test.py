#!/usr/bin/env python3
"""The handshake is mirrored both ways (issue 16): for every handshake
scenario of the lab (an origin that accepts one version, suite, group or
signature algorithm only), curl, Node 20 and Java 17 get the same accept or
refuse through the proxy as direct, and the record shows the origin leg used
what the origin demanded (P-521, ed25519, RSA-PSS...). Origins that need
what BoringSSL cannot speak (DHE suites, FFDHE groups; `openssl s_server`)
are refused through the proxy, and the record says that is tlsmirror's own
limit, naming what the client offered. With --as PROFILE the origin leg
offers that platform's ClientHello instead of the client's."""

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
lab = e2e.Lab(handshake=True, name="hslab")
scenarios = sorted(lab.scenarios.values(), key=lambda s: s["name"])
f.check(len(scenarios) >= 8, f"the lab serves {len(scenarios)} handshake scenarios, expected at least 8")

with ThreadPoolExecutor(max_workers=4) as pool:
    proxies = dict(zip([s["name"] for s in scenarios], pool.map(
        lambda s: e2e.Proxy(f"{s['host']}:{s['port']}", name="hs-" + s["name"], trust=lab.root,
                            ca_dir=os.path.join(e2e.TMP, "hs-ca")), scenarios)))
root = next(iter(proxies.values())).root


def where(s, via):
    return (proxies[s["name"]].port, root) if via else (s["port"], lab.root)


def curl_one(case):
    s, via = case
    port, ca = where(s, via)
    reason, evidence, r = e2e.curl(port, s["host"], ca)
    if reason == "UNKNOWN" and r.returncode == 35:
        reason = "PROTOCOL_MISMATCH"  # curl gave up on the handshake itself (no alert from the peer)
    return reason, evidence


cases = [(s, via) for s in scenarios for via in (False, True)]
with ThreadPoolExecutor(max_workers=4) as pool:
    curls = dict(zip([(s["name"], via) for s, via in cases], pool.map(curl_one, cases)))
# One Node process and one JVM for every connection, direct and through the proxy.
jobs = [{"id": f"{s['name']}|{int(via)}", "host": s["host"], "sni": True, "port": where(s, via)[0],
         "ca": where(s, via)[1]} for s, via in cases]
node, java = e2e.node_batch(jobs), e2e.java_batch(jobs)

agree = {"curl": 0, "node": 0, "java": 0}
for s in scenarios:
    name = s["name"]
    d, v = curls[(name, False)], curls[(name, True)]
    f.check(d[0] == v[0], f"curl {name}: direct {d}, through the proxy {v}")
    agree["curl"] += d[0] == v[0]
    f.check(d[0] == s["expect_openssl"], f"curl {name}: direct {d[0]}, the lab expects {s['expect_openssl']}")
    for client, results in (("node", node), ("java", java)):
        rd, rv = results.get(f"{name}|0"), results.get(f"{name}|1")
        f.check(rd is not None and rv is not None, f"{client} {name}: no result")
        if rd and rv:
            f.check(rd["ok"] == rv["ok"], f"{client} {name}: direct {rd}, through the proxy {rv}")
            agree[client] += rd["ok"] == rv["ok"]
print(f"{len(scenarios)} scenarios: direct and through the proxy agree for curl {agree['curl']}, "
      f"node {agree['node']}, java {agree['java']}", flush=True)

# The origin leg spoke what the origin demanded, because the client offered it.
want = {"p521-only": ("group", "secp521r1"), "ed25519-leaf": ("signature_algorithm", "ed25519"),
        "rsa-pss-only": ("signature_algorithm", "rsa_pss_rsae_sha256"),
        "chacha20-only": ("cipher", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
        "rsa-kx-only": ("cipher", "TLS_RSA_WITH_AES_128_GCM_SHA256"), "tls13-only": ("version", "1.3")}
for name, (field, value) in want.items():
    recs = proxies[name].records(at_least=3)
    got = {r["tlsmirror"]["origin"].get(field) for r in recs}
    f.check(recs and got == {value}, f"{name}: origin {field} {got} in {len(recs)} records, expected {value}")
    f.check(all(r["tlsmirror"]["rejected_by"] == "none" for r in recs),
            f"{name}: rejected_by {[r['tlsmirror']['rejected_by'] for r in recs]}")
# curl offers TLS 1.1 but refuses it at security level 2: the record says the client refused.
recs = [r for r in proxies["tls11-only"].records(at_least=3) if r["tlsmirror"]["origin"].get("version") == "1.1"]
f.check(len(recs) > 0 and "client" in {r["tlsmirror"]["rejected_by"] for r in recs},
        f"tls11-only: the origin leg spoke TLS 1.1 and the client refused ({len(recs)} records)")
# No client offers 3DES: the origin refuses the clients' own ClientHellos too
# (the replay says so), so the refusal is the origin's, not tlsmirror's.
for r in proxies["3des-only"].records(at_least=3):
    t = r["tlsmirror"]
    replay = t["origin"].get("replay")
    f.check(t["rejected_by"] == "origin", f"3des-only: rejected_by {t['rejected_by']}: {t['summary']}")
    f.check(replay is None or replay["outcome"] == "alert", f"3des-only: replay {replay}")
replays = [r["tlsmirror"]["origin"].get("replay") for r in proxies["3des-only"].records()]
f.check(any(x is not None for x in replays), "3des-only: curl's DHE offer made the proxy replay its ClientHello")
for p in proxies.values():
    f.check(p.stop() == 0, "the proxy exits 0 on SIGTERM")

# --as PROFILE: the origin leg offers that platform's ClientHello, whoever the
# client is. CloudFront offers no ChaCha20 suite (curl, direct, gets 200);
# Akamai does.
chacha = lab.scenarios["chacha20-only"]
for platform, want_status in (("cloudfront-origin", 502), ("akamai-origin", 200)):
    p = e2e.Proxy(f"{chacha['host']}:{chacha['port']}", "--as", platform, name=f"hs-as-{platform}", trust=lab.root,
                  ca_dir=os.path.join(e2e.TMP, "hs-ca"))
    r = e2e.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "15", "--cacert", p.root,
                 "--resolve", f"{chacha['host']}:{p.port}:127.0.0.1", f"https://{chacha['host']}:{p.port}/"])
    f.check(r.stdout == str(want_status), f"--as {platform} chacha20-only: HTTP {r.stdout} {r.stderr[:200]}, "
            f"expected {want_status}")
    recs = p.records(at_least=1)
    f.check(len(recs) == 1 and recs[0]["tlsmirror"]["client"].get("upstream_offer") == platform,
            f"--as {platform}: the record names the offer sent upstream: {[r['tlsmirror']['client'] for r in recs]}")
    f.check(p.stop() == 0, "the proxy exits 0 on SIGTERM")

# DHE-only and FFDHE-only origins: OpenSSL serves them, BoringSSL cannot speak them.
rsa = lab.scenarios.get("rsa-kx-only")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def s_server(extra):
    port = free_port()
    proc = e2e.spawn(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", rsa["chain"], "-cert_chain",
                      rsa["chain"], "-key", rsa["key"], "-www", "-quiet"] + extra, stdin=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("openssl s_server did not listen")


# The proxy replays the client's own ClientHello to confirm: the origin
# answers it with a DHE suite (a ServerHello) or asks for ffdhe2048 (a
# HelloRetryRequest).
limits = {"dhe": (["-cipher", "DHE-RSA-AES128-GCM-SHA256", "-no_tls1_3"], "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
                  {"outcome": "accepted", "cipher": "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "version": "1.2"}),
          "ffdhe": (["-groups", "ffdhe2048"], "ffdhe2048", {"outcome": "retry", "group": "ffdhe2048", "version": "1.3"})}
for name, (extra, needed, replay) in limits.items():
    server, port = s_server(extra)
    proxy = e2e.Proxy(f"{rsa['host']}:{port}", name="hs-" + name, trust=lab.root, ca_dir=os.path.join(e2e.TMP, "hs-ca"))
    direct = e2e.curl(port, rsa["host"], lab.root)
    via = e2e.curl(proxy.port, rsa["host"], proxy.root)
    f.check(direct[0] == "OK", f"{name}: curl direct {direct[:2]} (the origin must accept curl's own offer)")
    f.check(via[0] != "OK", f"{name}: curl through the proxy {via[:2]}: BoringSSL cannot speak {needed}")
    recs = proxy.records(at_least=1)
    for r in recs:
        t = r["tlsmirror"]
        un = t["client"].get("unmirrorable", {})
        f.check(needed in un.get("ciphers", []) + un.get("groups", []),
                f"{name}: tlsmirror.client.unmirrorable {un} lacks {needed}")
        f.check(t["rejected_by"] == "tlsmirror", f"{name}: rejected_by {t['rejected_by']}")
        got = t["origin"].get("replay", {})
        f.check({k: got.get(k) for k in replay} == replay, f"{name}: tlsmirror.origin.replay {got}, expected {replay}")
        f.check(needed in t["summary"] and "tlsmirror's TLS library" in t["summary"]
                and "accepts the client's own ClientHello" in t["summary"]
                and not re.search(r"The origin failed|The client rejected", t["summary"]),
                f"{name}: summary does not name tlsmirror's limit: {t['summary']}")
    f.check(len(recs) == 1, f"{name}: {len(recs)} records for 1 connection")
    f.check(proxy.stop() == 0, "the proxy exits 0 on SIGTERM")
    server.kill()
    server.wait()
f.finish()
