#!/usr/bin/env python3
"""--as PROFILE answers as the platform would when its profile rejects the
origin; unreachable or slow origins give a logged CONNECT_FAILED/TIMEOUT and a
502; tlsmirror refuses to connect to itself; --origin sni routes by SNI."""

import json
import os
import socket
import ssl
import sys

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
lab = e2e.Lab()
S = lab.scenarios


def proxy_for(name, *args, tag=""):
    s = S[name]
    return e2e.Proxy(f"{s['host']}:{s['port']}", *args, name=f"{name}{tag}", trust=lab.root)


def get(p, host):
    """curl through proxy `p` trusting the mirror root: (status, headers+body, exit)."""
    r = e2e.run(["curl", "-sS", "--max-time", "20", "--cacert", p.root, "--resolve", f"{host}:{p.port}:127.0.0.1",
                 "-D", "-", f"https://{host}:{p.port}/"], timeout=30)
    status = int(r.stdout.split(" ", 2)[1]) if r.stdout.startswith("HTTP/") else 0
    return status, r.stdout + r.stderr, r.returncode  # stderr says why curl failed


# (c) --as cloudfront-origin: broken origins become CloudFront's 502, good passes.
for name in ["missing-intermediate", "wrong-order", "self-signed", "expired", "hostname-mismatch", "good"]:
    p = proxy_for(name, "--as", "cloudfront-origin", tag="-cf")
    status, out, code = get(p, S[name]["host"])
    if name == "good":
        f.check(status == 200 and "X-Lab-Scenario: good" in out, f"--as cloudfront-origin good: {status} {out[:200]}")
    else:
        f.check(status == 502, f"--as cloudfront-origin {name}: status {status} (curl exit {code})")
        f.check("X-Cache: Error from cloudfront" in out and "The request could not be satisfied" in out
                and "Server: CloudFront" in out, f"--as cloudfront-origin {name}: page shape {out[:300]}")
        rec = p.records(at_least=1)[-1]
        f.check(rec["tlsmirror"]["rejected_by"] == "cloudfront-origin", f"{name}: rejected_by {rec['tlsmirror']['rejected_by']}")
        f.check(rec.get("http", {}).get("response", {}).get("status_code") == 502, f"{name}: logged status")
    p.stop()

# --as apigateway and --as akamai-origin.
for name, as_, want_status, needle in [
        ("expired", "apigateway", 500, '{"message": "Internal server error"}'),
        ("missing-intermediate", "akamai-origin", 503, "Reference #"),
        ("good", "apigateway", 200, "X-Lab-Scenario: good"),
        ("good", "akamai-origin", 200, "X-Lab-Scenario: good")]:
    p = proxy_for(name, "--as", as_, tag=f"-{as_}")
    status, out, _ = get(p, S[name]["host"])
    f.check(status == want_status and needle in out, f"--as {as_} {name}: {status} {out[-200:]}")
    p.stop()

# An unreachable origin: a logged CONNECT_FAILED verdict and a 502.
dead = socket.socket()
dead.bind(("127.0.0.1", 0))
dead_port = dead.getsockname()[1]
dead.close()  # nothing listens there now
p = e2e.Proxy(f"dead.lab.test:{dead_port}", name="dead", trust=lab.root)
status, out, _ = get(p, "dead.lab.test")
f.check(status == 502 and "CONNECT_FAILED" in out, f"unreachable origin: {status} {out[-300:]}")
rec = p.records(at_least=1)[-1]
reasons = {v["reason"] for v in rec["tlsmirror"]["verdicts"] if v["profile"] != "cloudfront-viewer"}
f.check(reasons == {"CONNECT_FAILED"}, f"unreachable origin: verdict reasons {reasons}")
f.check(rec["tlsmirror"]["rejected_by"] == "origin" and rec["tlsmirror"]["origin"]["handshake"] == "connect_failed",
        f"unreachable origin: record {rec['tlsmirror']['origin']}")
p.stop()

# A slow origin with a short timeout: TIMEOUT and a 502. The lab origin waits
# 3 s; tlsmirror gives it 0.5 + 2 s, then gives curl 2 s to finish its own
# handshake (a busy CI machine can stall curl for a second).
p = proxy_for("slow-handshake", "--timeout-handshake", "2", "--timeout-connect", "0.5", tag="-short")
status, out, code = get(p, S["slow-handshake"]["host"])
rec = p.records(at_least=1)[-1]
f.check(status == 502 and "TIMEOUT" in out,
        f"slow origin: {status} {out[-200:]} curl exit {code}; record {json.dumps(rec)[:3000]}")
f.check(rec["tlsmirror"]["origin"]["handshake"] == "timeout", f"slow origin: record {rec['tlsmirror']['origin']}")
f.check(any(v["reason"] == "TIMEOUT" for v in rec["tlsmirror"]["verdicts"]), "slow origin: TIMEOUT verdicts")
p.stop()

# Refuse to loop: an origin that is tlsmirror's own listener.
busy = socket.socket()
busy.bind(("127.0.0.1", 0))
port = busy.getsockname()[1]
busy.close()
r = e2e.run([e2e.TLSMIRROR, "proxy", "--origin", f"self.lab.test:{port}", "--resolve", f"self.lab.test:{port}:127.0.0.1",
             "--listen", f"127.0.0.1:{port}", "--ca-dir", os.path.join(e2e.TMP, "ca"), "--trust", lab.root], timeout=20)
f.check(r.returncode == 2 and "refusing to connect to myself" in r.stderr and r.stderr.count("\n") == 1,
        f"self loop: exit {r.returncode} {r.stderr!r}")

# --origin sni: each name goes to its own origin (by --resolve), per connection.
good, expired = S["good"], S["expired"]
args = ["--resolve", f"{good['host']}:{good['port']}:127.0.0.1", "--resolve", f"{expired['host']}:{expired['port']}:127.0.0.1"]
# Routing uses the origin port given with sni:PORT; one proxy per port.
for s in (good, expired):
    p = e2e.Proxy(f"sni:{s['port']}", *args, name=f"sni-{s['name']}", trust=lab.root, resolve=False)
    status, out, code = get(p, s["host"])
    if s is good:
        f.check(status == 200 and "X-Lab-Scenario: good" in out, f"sni routing to good: {status} {out[:200]}")
    else:
        f.check(code == 60, f"sni routing to expired: curl exit {code} (the mirrored chain is expired too)")
    rec = p.records(at_least=1)[-1]
    f.check(rec["destination"]["address"] == s["host"], f"sni routing: destination {rec.get('destination')}")
    # Without SNI there is nothing to route by: unrecognized_name, logged.
    ctx = ssl.create_default_context(cafile=p.root)
    ctx.check_hostname = False
    try:
        with socket.create_connection(("127.0.0.1", p.port), timeout=10) as sock:
            with ctx.wrap_socket(sock, server_hostname=None):
                outcome = "connected"
    except ssl.SSLError as e:
        outcome = str(e)
    f.check("UNRECOGNIZED_NAME" in outcome.upper(), f"no SNI with --origin sni: {outcome}")
    rec = p.records(at_least=2)[-1]
    f.check("nothing to route by" in rec["tlsmirror"]["origin"].get("detail", ""), f"no SNI record: {rec['tlsmirror']['origin']}")
    f.check(p.stop() == 0, "proxy exits 0")

# --upstream-sni overrides the mirrored SNI: none towards an SNI-only origin
# fails even for a client that sent SNI; a name rescues a client that sent none.
s = S["sni-required"]
p = proxy_for("sni-required", "--upstream-sni", "none", tag="-nosni")
reason, evidence = e2e.s_client(p.port, s["host"], p.root, sni=True)
f.check(reason == "HANDSHAKE_ALERT" and "handshake failure" in evidence, f"--upstream-sni none: {reason} {evidence}")
p.stop()
p = proxy_for("sni-required", "--upstream-sni", s["host"], tag="-forced")
reason, evidence = e2e.s_client(p.port, s["host"], p.root, sni=False)
f.check(reason == "OK", f"--upstream-sni {s['host']} for a client without SNI: {reason} {evidence}")
rec = p.records(at_least=1)[-1]
f.check("server_name" not in rec["tls"]["client"], "the record still says the client sent no SNI")
p.stop()

# Bad input: unknown --as, missing --origin, unreadable --cert.
for argv, needle in [(["--origin", "x:1", "--as", "browser"], "--as supports"),
                     (["--listen", "127.0.0.1:0"], "--origin"),
                     (["--origin", "x:1", "--cert", "/nonexistent.pem", "--key", "/nonexistent.key"], "--cert")]:
    r = e2e.run([e2e.TLSMIRROR, "proxy", "--ca-dir", os.path.join(e2e.TMP, "ca")] + argv, timeout=20)
    f.check(r.returncode == 2 and needle in r.stderr and r.stderr.count("\n") == 1, f"proxy {argv}: {r.returncode} {r.stderr!r}")
f.finish()
