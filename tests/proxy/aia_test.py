#!/usr/bin/env python3
"""AIA through the proxy, against a real TLS origin and a real AIA server on
loopback. A leaf sent alone whose AIA URL serves its issuer is mirrored with
a URL on the proxy's own TLS port instead, which serves the mirrored issuer
(openssl verifies the mirrored leaf with it under the mirror root); every
other answer of the origin's URL is mimicked (404, no answer until the client
gives up, garbage, too large, a redirect loop, a redirect to https, a
certificate that did not issue the leaf). The origin's URL is fetched once for
many connections; a chain that sends its intermediate fetches nothing; a
non-http URL is left alone; without SNI the URL names the proxy's address.
Records: the connection's tlsmirror.aia and browser verdict, and one record
per GET of a mirrored URL (path, original URL, what was served, when, from
where). Plain HTTP to any other path still gets 400."""

import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import aia_server  # noqa: E402
import e2e  # noqa: E402

f = e2e.Failures()
work = os.path.join(e2e.TMP, "proxy-aia")
pki = aia_server.Pki(work)
aia = aia_server.AiaServer()
base = f"http://aia.test:{aia.port}"  # the proxy resolves aia.test with --resolve

root = pki.mint("root", ca=True)
pki.mint("inter", "root", ca=True)
pki.mint("stranger", "root", ca=True)  # a CA that issued none of the leaves
pki.mint("upper", "root", ca=True)  # root -> upper -> lower -> leaf-upward: two URLs, one after the other
pki.mint("lower", "upper", ca=True, aia=f"{base}/upper.der")
pki.openssl("crl2pkcs7", "-nocrl", "-certfile", "inter.pem", "-certfile", "root.pem", "-outform", "DER",
            "-out", "inter.p7c")
with open(pki.path("inter", "p7c"), "rb") as p7c:
    aia.routes.update({
        "/inter.der": ("body", pki.der("inter")),
        "/inter.p7c": ("body", p7c.read()),
        "/hop": ("redirect", "/inter.der"),
        "/stranger.der": ("body", pki.der("stranger")),
        "/slow": ("slow", 6),
        "/garbage": ("body", bytes(range(256)) * 16),
        "/big": ("body", b"\0" * (1 << 20)),
        "/loop": ("redirect", "/loop"),
        "/to-https": ("redirect", f"https://aia.test:{aia.port}/inter.der"),
        "/sent.der": ("body", pki.der("inter")),
        "/lower.der": ("body", pki.der("lower")),
        "/upper.der": ("body", pki.der("upper")),
    })

# case: (issuer, path on the AIA server, its status, the browser accepts, what the mirrored URL answers)
CASES = {
    "der": ("inter", "/inter.der", "ok", True, "issuer"),
    "pkcs7": ("inter", "/inter.p7c", "ok", True, "issuer"),
    "redirect": ("inter", "/hop", "ok", True, "issuer"),
    "wrong": ("inter", "/stranger.der", "ok", False, "stranger"),
    "dead": ("inter", "/missing.der", "dead", False, 404),
    "slow": ("inter", "/slow", "timeout", False, "held"),
    "garbage": ("inter", "/garbage", "garbage", False, "garbage"),
    "big": ("inter", "/big", "too_large", False, "big"),
    "loop": ("inter", "/loop", "redirect_loop", False, "loop"),
    "to-https": ("inter", "/to-https", "not_http", False, "https"),
}
for name, (issuer, path, *_rest) in CASES.items():
    pki.mint(f"leaf-{name}", issuer, aia=base + path, host=f"{name}.test")
pki.mint("leaf-sent", "inter", aia=f"{base}/sent.der", host="sent.test")  # sent with its intermediate
pki.mint("leaf-ldap", "inter", aia="ldap://aia.test/cn=inter", host="ldap.test")
pki.mint("leaf-upward", "lower", aia=f"{base}/lower.der", host="upward.test")


class TlsOrigin:
    """An HTTPS origin on loopback that sends each name's leaf alone (by SNI;
    without SNI, `default`'s), or with extra certificates."""

    def __init__(self, default, chains):
        def context(name):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(chains.get(name, pki.path(f"leaf-{name}")), pki.path(f"leaf-{name}", "key"))
            return ctx
        self.contexts = {f"{n}.test": context(n) for n in list(CASES) + ["sent", "ldap", "upward"]}
        self.default = self.contexts[f"{default}.test"]
        self.default.sni_callback = self.pick
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def pick(self, conn, name, _ctx):
        if name in self.contexts:
            conn.context = self.contexts[name]

    def accept(self):
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            with self.default.wrap_socket(conn, server_side=True) as tls:
                tls.settimeout(10)
                tls.recv(4096)
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
        except (ssl.SSLError, OSError):
            pass


sent_chain = os.path.join(work, "sent-chain.pem")
with open(sent_chain, "w") as out:
    out.write(open(pki.path("leaf-sent")).read() + open(pki.path("inter")).read())
origin = TlsOrigin("der", {"sent": sent_chain})
names = list(CASES) + ["sent", "ldap", "upward"]
resolves = [a for n in names for a in ("--resolve", f"{n}.test:{origin.port}:127.0.0.1")]
resolves += ["--resolve", f"aia.test:{aia.port}:127.0.0.1"]
ca_dir = os.path.join(e2e.TMP, "proxy-aia-ca")
# --aia-timeout 2: the slow URL (6 s) times out. --timeout-connect + --timeout-handshake leave 6 s for fetches.
proxy = e2e.Proxy("sni", *resolves, "--aia-timeout", "2", "--timeout-connect", "2", "--timeout-handshake", "5",
                  ca_dir=ca_dir, name="aia-proxy", trust=root, workers=2)
URL = re.compile(r"CA Issuers - URI:(\S+)")


def mirrored_leaf(name, port=None, sni=True):
    """The mirrored leaf (PEM path) the proxy serves for `name`, and its caIssuers URL."""
    args = ["openssl", "s_client", "-connect", f"127.0.0.1:{port or proxy.port}", "-showcerts"]
    args += ["-servername", f"{name}.test"] if sni else ["-noservername"]
    r = e2e.run(args, input="", timeout=30)
    pem = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", r.stdout, re.S)
    f.check(pem is not None, f"{name}: no certificate from the proxy: {r.stdout[-300:]} {r.stderr[-300:]}")
    path = os.path.join(work, f"mirrored-{name}.pem")
    with open(path, "w") as out:
        out.write(pem.group(0) if pem else "")
    text = e2e.run(["openssl", "x509", "-in", path, "-noout", "-text"]).stdout
    m = URL.search(text)
    return path, m.group(1) if m else None


def get(url, host, port=None, max_time=10, follow=False):
    """curl GET of a mirrored URL through --resolve: (exit code, HTTP status, headers, body path)."""
    body = os.path.join(work, "body")
    args = ["curl", "-sS", "--max-time", str(max_time), "-o", body, "-D", "-", "-w", "\n%{http_code}",
            "--resolve", f"{host}:{port or proxy.port}:127.0.0.1", url]
    if follow:
        args[1:1] = ["-L", "--max-redirs", "3"]
    r = e2e.run(args, timeout=max_time + 10)
    return r.returncode, int(r.stdout.strip().rsplit("\n", 1)[-1] or 0), r.stdout, body


def verifies(leaf, issuer_der):
    """openssl verifies the mirrored leaf with the served issuer under the mirror root."""
    pem = os.path.join(work, "served.pem")
    r = e2e.run(["openssl", "x509", "-inform", "DER", "-in", issuer_der, "-out", pem])
    if r.returncode != 0:
        return False
    return e2e.run(["openssl", "verify", "-CAfile", proxy.root, "-untrusted", pem, leaf]).returncode == 0


def records(dataset, pred, at_least=1, timeout=15):
    deadline = time.time() + timeout
    while True:
        found = [r for r in proxy.records() if r["event"]["dataset"] == dataset and pred(r)]
        if len(found) >= at_least or time.time() > deadline:
            return found
        time.sleep(0.1)


def conn_record(name):
    found = records("tlsmirror.connection", lambda r: r["tls"]["client"].get("server_name") == f"{name}.test")
    return found[0] if found else None


for name, (issuer, path, status, accepts, answer) in CASES.items():
    before = aia.hits[path]
    started = time.time()
    leaf, url = mirrored_leaf(name)
    prefix = f"http://{name}.test:{proxy.port}/.well-known/tlsmirror-aia/"
    f.check(url is not None and url.startswith(prefix) and re.fullmatch(r"[0-9a-f]{32}\.der", url[len(prefix):]),
            f"{name}: the mirrored leaf names {url}, not one of the proxy's URLs")
    if url is None:
        continue
    rec = conn_record(name)
    fetch = (rec or {}).get("tlsmirror", {}).get("aia", [{}])[0]
    f.check(fetch.get("url") == base + path and fetch.get("status") == status and fetch.get("mirrored_url") == url
            and fetch.get("cached") is False and re.match(r"\d{4}-\d\d-\d\dT", fetch.get("fetched", "")),
            f"{name}: tlsmirror.aia {fetch}")
    browser = next((v for v in (rec or {}).get("tlsmirror", {}).get("verdicts", []) if v["profile"] == "browser"), {})
    f.check(browser.get("accept") == accepts, f"{name}: the proxy's browser verdict {browser}")
    if not accepts:
        f.check(browser.get("message", "").startswith("NET::ERR_CERT_AUTHORITY_INVALID") and
                (status == "ok" or status in browser["message"]), f"{name}: {browser.get('message')}")
    want_hits = 21 if status == "redirect_loop" else 1
    f.check(aia.hits[path] - before == want_hits, f"{name}: {path} asked {aia.hits[path] - before} times")

    asked = time.time()
    code, http, head, body = get(url, f"{name}.test", max_time=4 if answer == "held" else 10)
    size = os.path.getsize(body) if os.path.exists(body) else 0
    if answer == "issuer":
        subject = e2e.run(["openssl", "x509", "-inform", "DER", "-in", body, "-noout", "-subject"]).stdout
        f.check(http == 200 and "application/pkix-cert" in head and "CN = inter" in subject and verifies(leaf, body),
                f"{name}: the mirrored URL serves the mirrored issuer: {http} {subject!r}")
    elif answer == "stranger":
        subject = e2e.run(["openssl", "x509", "-inform", "DER", "-in", body, "-noout", "-subject"]).stdout
        f.check(http == 200 and "CN = stranger" in subject and not verifies(leaf, body),
                f"{name}: a certificate that did not issue the leaf, as the origin's URL: {http} {subject!r}")
    elif answer == "held":
        f.check(code == 28 and time.time() - asked >= 3.5, f"{name}: the client waits until it gives up: exit {code}")
    elif answer == "garbage":
        parsed = e2e.run(["openssl", "x509", "-inform", "DER", "-in", body, "-noout"]).returncode == 0
        f.check(http == 200 and size > 0 and not parsed, f"{name}: garbage: {http}, {size} bytes")
    elif answer == "big":
        f.check(http == 200 and size > 64 * 1024, f"{name}: too large: {http}, {size} bytes")
    elif answer == "loop":
        f.check(http == 302 and f"Location: {url[len(f'http://{name}.test:{proxy.port}'):]}" in head,
                f"{name}: a redirect to itself: {head!r}")
        code, _, _, _ = get(url, f"{name}.test", follow=True)
        f.check(code == 47, f"{name}: following the redirects never ends: curl exit {code}")
    elif answer == "https":
        f.check(http == 302 and re.search(r"(?i)location: https://", head) is not None, f"{name}: {head!r}")
    else:
        f.check(http == answer, f"{name}: {http}, want {answer}")
    got = records("tlsmirror.aia", lambda r, u=url: u.endswith(r["url"]["path"]))
    g = got[0]["tlsmirror"]["aia_get"] if got else {}
    f.check(g.get("url") == base + path and g.get("status") == status and g.get("path") == url[len(prefix) - 1:],
            f"{name}: the GET's record {got[:1]}")
    if got:
        status_code = got[0].get("http", {}).get("response", {}).get("status_code")
        f.check(got[0]["source"]["ip"] == "127.0.0.1" and got[0]["@timestamp"] >= rec["@timestamp"] and
                (status_code is None) == (answer == "held"), f"{name}: {got[0]}")
        if answer == "held":
            f.check("gave up" in got[0]["event"].get("reason", ""), f"{name}: {got[0]['event']}")
    print(f"{name}: {status}, {time.time() - started:.1f}s", flush=True)

# The origin's URL is fetched once: later connections take it from the table.
before = aia.hits["/inter.der"]
for _ in range(3):
    mirrored_leaf("der")
cached = records("tlsmirror.connection", lambda r: r["tls"]["client"].get("server_name") == "der.test", at_least=4)
f.check(aia.hits["/inter.der"] == before and len(cached) >= 4 and
        all(r["tlsmirror"]["aia"][0]["cached"] for r in cached[1:]), f"/inter.der asked again: {aia.hits['/inter.der']}")

# A chain that sends its intermediate needs no fetch: its URL is asked for
# nothing, and the mirrored one (rewritten all the same) is in no table.
leaf, url = mirrored_leaf("sent")
rec = conn_record("sent")
f.check(aia.hits["/sent.der"] == 0 and rec is not None and "aia" not in rec["tlsmirror"], f"sent: {rec and rec['tlsmirror'].get('aia')}")
f.check(url is not None and url.startswith(f"http://sent.test:{proxy.port}/.well-known/tlsmirror-aia/"), f"sent: {url}")
if url:
    f.check(get(url, "sent.test")[1] == 404, "sent: the mirrored URL of an issuer that was sent is in no table")
# A non-http URL is left as it is (no browser fetches it).
_, url = mirrored_leaf("ldap")
f.check(url == "ldap://aia.test/cn=inter", f"ldap: {url}")

# Two URLs, one after the other: both fetched, in the record, and the browser
# accepts. The leaf's mirrored URL serves the mirrored lower CA.
leaf, url = mirrored_leaf("upward")
rec = conn_record("upward")
fetches = [(a["url"], a["status"]) for a in (rec or {}).get("tlsmirror", {}).get("aia", [])]
f.check(fetches == [(f"{base}/lower.der", "ok"), (f"{base}/upper.der", "ok")], f"upward: {fetches}")
browser = next((v for v in (rec or {}).get("tlsmirror", {}).get("verdicts", []) if v["profile"] == "browser"), {})
f.check(browser.get("accept") is True, f"upward: {browser}")
if url:
    _, http, _, body = get(url, "upward.test")
    subject = e2e.run(["openssl", "x509", "-inform", "DER", "-in", body, "-noout", "-subject"]).stdout
    f.check(http == 200 and "CN = lower" in subject, f"upward: {http} {subject!r}")

# Without SNI the URL names the address the client connected to.
fixed = e2e.Proxy(f"der.test:{origin.port}", "--resolve", f"aia.test:{aia.port}:127.0.0.1", ca_dir=ca_dir,
                  name="aia-fixed", trust=root)
leaf, url = mirrored_leaf("der", port=fixed.port, sni=False)
f.check(url is not None and url.startswith(f"http://127.0.0.1:{fixed.port}/.well-known/tlsmirror-aia/"), f"no SNI: {url}")
if url:
    _, http, _, body = get(url, "127.0.0.1", port=fixed.port)
    f.check(http == 200 and verifies(leaf, body), f"no SNI: {http}")
fixed.stop()

# Plain HTTP to anything else: 400 as before; a path in no table: 404, recorded.
for request, want in ((b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 400"),
                      (b"POST /.well-known/tlsmirror-aia/00.der HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                       b"HTTP/1.1 400"),
                      (b"GET /.well-known/tlsmirror-aia HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 400"),
                      (b"GET /.well-known/tlsmirror-aia/0123456789abcdef0123456789abcdef.der HTTP/1.1\r\nHost: x\r\n"
                       b"User-Agent: aia-test\r\n\r\n", b"HTTP/1.1 404")):
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk
    f.check(answer.startswith(want), f"{request[:40]!r}: {answer[:80]!r}")
    if want == b"HTTP/1.1 400":
        f.check(b"use https://" in answer, f"{request[:40]!r}: {answer!r}")
unknown = records("tlsmirror.aia", lambda r: r.get("user_agent", {}).get("original") == "aia-test")
f.check(len(unknown) == 1 and unknown[0]["tlsmirror"]["aia_get"]["url"] is None and
        unknown[0]["http"]["response"]["status_code"] == 404, f"a path in no table: {unknown}")
f.check(any(r["tlsmirror"]["rejected_by"] == "client" and r.get("http", {}).get("response", {}).get("status_code") == 400
            for r in records("tlsmirror.connection", lambda r: True)), "plain HTTP elsewhere keeps its record")

proxy.stop()
aia.shutdown()
f.finish()
