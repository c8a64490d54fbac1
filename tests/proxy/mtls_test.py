#!/usr/bin/env python3
"""Mutual TLS through the proxy: ALB verify mode judges each client
certificate with ALB's tls_verify_status, refuses what ALB refuses and
forwards ALB's X-Amzn-Mtls-Clientcert-* headers; passthrough forwards the
chain in X-Amzn-Mtls-Clientcert, which the lab origin decodes byte for byte;
--client-auth request records chains without enforcing; --upstream-cert
presents a client certificate to an origin that demands one."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
lab = e2e.Lab(only=["good", "mtls-required"])
S = lab.scenarios
clients = {c["name"]: c for c in lab.json["mtls_clients"]}
bundles = {b["name"]: b["path"] for b in lab.json["bundles"]}
good = S["good"]
HOST = good["host"]


def curl(p, path="/", client=None, headers=()):
    args = ["curl", "-sS", "--max-time", "15", "--cacert", p.root, "--resolve", f"{HOST}:{p.port}:127.0.0.1",
            "-D", "-", f"https://{HOST}:{p.port}{path}"]
    if client is not None:
        args += ["--cert", clients[client]["cert"], "--key", clients[client]["key"]]
    for h in headers:
        args += ["-H", h]
    r = e2e.run(args, timeout=30)
    status = int(r.stdout.split(" ", 2)[1]) if r.stdout.startswith("HTTP/") else 0
    return status, r.stdout, r.stderr.strip()


def last_record(p, n):
    return p.records(at_least=n)[n - 1]


# ALB verify mode: trust store = the lab CA chain.
p = e2e.Proxy(f"{HOST}:{good['port']}", "--as", "alb", "--mtls-mode", "verify", "--client-trust", bundles["good"],
              name="alb-verify", trust=lab.root)
expected = [("trusted", 200, "Success"), ("expired", 0, "Failed:ClientCertExpired"),
            ("untrusted", 0, "Failed:ClientCertUntrusted"), ("too-deep", 0, "Failed:ClientCertMaxChainDepthExceeded"),
            (None, 0, "Failed:UnmappedConnectionError")]
for n, (client, want_status, want_status_text) in enumerate(expected, start=1):
    status, out, err = curl(p, client=client)
    f.check(status == want_status, f"ALB verify, client {client}: HTTP {status} ({err})")
    rec = last_record(p, n)
    cc = rec["tlsmirror"].get("client_certificate", {})
    f.check(cc.get("tls_verify_status") == want_status_text,
            f"ALB verify, client {client}: tls_verify_status {cc.get('tls_verify_status')}, want {want_status_text}")
    f.check(cc.get("sent") == (client is not None), f"ALB verify, client {client}: sent={cc.get('sent')}")
    if client is not None:
        sent = rec["tls"]["client"].get("certificate_chain", [])
        f.check("".join(sent) == open(clients[client]["cert"]).read(),
                f"ALB verify, client {client}: tls.client.certificate_chain is the chain curl sent")
    if want_status == 200:
        seen = next((l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("X-Lab-Mtls-Headers:")), "")
        want = {"X-Amzn-Mtls-Clientcert-Serial-Number", "X-Amzn-Mtls-Clientcert-Issuer", "X-Amzn-Mtls-Clientcert-Subject",
                "X-Amzn-Mtls-Clientcert-Validity", "X-Amzn-Mtls-Clientcert-Leaf"}
        f.check(set(seen.split(",")) == want, f"ALB verify: the origin saw {seen}")
    else:
        f.check(rec["tlsmirror"]["rejected_by"].startswith("alb-mtls") or client is None,
                f"ALB verify, client {client}: rejected_by {rec['tlsmirror']['rejected_by']}")
p.stop()

# ALB passthrough: no verification, the chain forwarded URL-encoded; forged headers dropped.
p = e2e.Proxy(f"{HOST}:{good['port']}", "--as", "alb", "--mtls-mode", "passthrough", name="alb-pass", trust=lab.root)
for client in ("trusted", "expired", "too-deep"):
    status, out, err = curl(p, path="/mtls-echo", client=client, headers=["X-Amzn-Mtls-Clientcert: forged"])
    body = out.split("\n\n", 1)[1] if "\n\n" in out else ""  # text mode turned CRLF into LF
    sent = open(clients[client]["cert"]).read()
    f.check(status == 200 and body == sent,
            f"passthrough {client}: the origin decoded {len(body)} bytes, curl sent {len(sent)} (equal: {body == sent})")
    f.check("forged" not in body and "X-Lab-Mtls-Headers: X-Amzn-Mtls-Clientcert\n" in out,
            f"passthrough {client}: only the proxy's header reaches the origin")
status, out, err = curl(p, path="/mtls-echo")
f.check(status == 200 and "X-Lab-Mtls-Headers" not in out, f"passthrough without a client certificate: {status}")
p.stop()

# --client-auth request: recorded and judged, never enforced.
p = e2e.Proxy(f"{HOST}:{good['port']}", "--client-auth", "request", "--client-trust", bundles["good"],
              name="request", trust=lab.root)
for n, client in enumerate(("expired", None, "trusted"), start=1):
    status, out, err = curl(p, client=client)
    f.check(status == 200, f"--client-auth request, client {client}: HTTP {status} ({err})")
    rec = last_record(p, n)
    verdicts = {v["profile"]: v for v in rec["tlsmirror"]["client_certificate"]["verdicts"]}
    want = {"expired": "EXPIRED", None: "NO_CERTIFICATE", "trusted": "OK"}[client]
    f.check(verdicts["alb-mtls"]["reason"] == want and verdicts["apigateway-mtls"]["reason"] == want,
            f"--client-auth request, client {client}: {[(k, v['reason']) for k, v in verdicts.items()]}")
    if client == "expired":
        f.check(verdicts["apigateway-mtls"]["message"].startswith("Access denied. Reason:"),
                f"apigateway-mtls words: {verdicts['apigateway-mtls']['message']}")
p.stop()

# --client-auth require without a certificate fails the handshake.
p = e2e.Proxy(f"{HOST}:{good['port']}", "--client-auth", "require", "--client-trust", bundles["good"],
              name="require", trust=lab.root)
status, out, err = curl(p)
f.check(status == 0 and "alert" in err, f"--client-auth require without a certificate: {status} {err}")
p.stop()

# --as apigateway with client certificates: API Gateway's custom-domain mTLS
# answers 403 and logs the reason.
p = e2e.Proxy(f"{HOST}:{good['port']}", "--as", "apigateway", "--client-auth", "request", "--client-trust",
              bundles["good"], name="apigw-mtls", trust=lab.root)
for n, (client, want) in enumerate((("trusted", 200), ("expired", 403), ("untrusted", 403)), start=1):
    status, out, err = curl(p, client=client)
    f.check(status == want, f"--as apigateway, client {client}: HTTP {status} ({err})")
    rec = last_record(p, n)
    if want == 403:
        f.check('{"message":"Forbidden"}' in out and "x-amzn-ErrorType: ForbiddenException" in out, f"403 shape: {out[:300]}")
        f.check(rec["tlsmirror"]["rejected_by"] == "apigateway-mtls" and "Access denied. Reason:" in rec["tlsmirror"]["summary"],
                f"--as apigateway, client {client}: {rec['tlsmirror']['rejected_by']} {rec['tlsmirror']['summary']}")
p.stop()

# --upstream-cert: an origin that demands a client certificate.
m = S["mtls-required"]
p = e2e.Proxy(f"{m['host']}:{m['port']}", name="mtls-origin", trust=lab.root)
reason, evidence, _ = e2e.curl(p.port, m["host"], p.root)
f.check(reason == "HANDSHAKE_ALERT", f"without --upstream-cert: {reason} {evidence}")
p.stop()
p = e2e.Proxy(f"{m['host']}:{m['port']}", "--upstream-cert", lab.json["client_cert"], "--upstream-key",
              lab.json["client_key"], name="mtls-origin-cert", trust=lab.root)
reason, evidence, _ = e2e.curl(p.port, m["host"], p.root)
f.check(reason == "OK", f"with --upstream-cert: {reason} {evidence}")
p.stop()

# Bad input.
for argv, needle in [(["--mtls-mode", "verify"], "--mtls-mode applies to --as alb"),
                     (["--as", "alb", "--mtls-mode", "verify"], "--client-trust"),
                     (["--client-auth", "sometimes"], "--client-auth is"),
                     (["--upstream-cert", lab.json["client_cert"]], "go together")]:
    r = e2e.run([e2e.TLSMIRROR, "proxy", "--origin", "x:1", "--ca-dir", os.path.join(e2e.TMP, "ca")] + argv, timeout=20)
    f.check(r.returncode == 2 and needle in r.stderr and r.stderr.count("\n") == 1, f"proxy {argv}: {r.returncode} {r.stderr!r}")
f.finish()
