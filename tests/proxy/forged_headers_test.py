#!/usr/bin/env python3
"""Forged mTLS identity headers never reach the origin (issue 11, finding 1).

With --as alb and a mutual TLS mode, tlsmirror adds X-Amzn-Mtls-* headers the
origin trusts, so a client must not be able to send its own. Each attack
below goes as raw bytes through Python's ssl to the real proxy, in front of
origin_server.py, which logs every byte it receives. Whatever the shape of
the request (bare LF line ends, folded lines, '_' for '-', ambiguous framing,
trailers, a refused Upgrade, pipelining, HTTP/2), the marker FORGED must never
be among those bytes; well-formed requests still get through (stripped),
the others get ALB's 400."""

import os
import re
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

HERE = os.path.join(os.getcwd(), "tests", "proxy")
f = e2e.Failures()
lab = e2e.Lab(only=["good"])
clients = {c["name"]: c for c in lab.json["mtls_clients"]}
bundles = {b["name"]: b["path"] for b in lab.json["bundles"]}
chain, key = os.path.join(lab.dir, "good", "chain.pem"), os.path.join(lab.dir, "good", "key.pem")
HOST = "good.lab.test"
RAW = os.path.join(e2e.TMP, "origin-raw.bin")

origin = e2e.spawn([sys.executable, os.path.join(HERE, "origin_server.py"), chain, key, RAW])
origin_port = int(origin.stdout.readline())


def exchange(proxy, data, client=None, alpn=None, wait=1.5):
    """Sends `data` on one TLS connection; returns (ALPN, what came back until close or `wait` of silence)."""
    ctx = ssl.create_default_context(cafile=proxy.root)
    if client is not None:
        ctx.load_cert_chain(clients[client]["cert"], clients[client]["key"])
    if alpn:
        ctx.set_alpn_protocols(alpn)
    out = b""
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=15) as sock:
        with ctx.wrap_socket(sock, server_hostname=HOST) as tls:
            tls.sendall(data)
            tls.settimeout(wait)
            try:
                while True:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    out += chunk
            except (socket.timeout, ssl.SSLError, ConnectionError):
                pass
            return tls.selected_alpn_protocol(), out


def statuses(resp):
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", resp)]


def h2_headers_frame():
    """HTTP/2: the preface, an empty SETTINGS frame and a HEADERS frame with a literal forged header."""
    def literal(name, value):  # literal header field without indexing, new name, no Huffman
        return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value
    block = b"\x82\x84\x87" + literal(b":authority", HOST.encode()) + literal(b"x-amzn-mtls-clientcert", b"FORGED")
    frame = len(block).to_bytes(3, "big") + b"\x01\x05" + (1).to_bytes(4, "big") + block
    return b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00" + frame


H = f"Host: {HOST}"
SMUGGLED = f"GET /echo HTTP/1.1\r\n{H}\r\nX-Amzn-Mtls-Clientcert: FORGED\r\n\r\n"
# name, bytes sent, statuses the client must see, ALPN offered
ATTACKS = [
    ("CRLF head (the baseline)", f"GET /echo HTTP/1.1\r\n{H}\r\nX-Amzn-Mtls-Clientcert: FORGED\r\n\r\n", [200]),
    ("bare LF line ends (issue 11)", f"GET /echo HTTP/1.1\n{H}\nX-Amzn-Mtls-Clientcert: FORGED\n\n", [200]),
    ("bare LF, verify-mode names", f"GET /echo HTTP/1.1\n{H}\nX-Amzn-Mtls-Clientcert-Subject: CN=FORGED\n\n",
     [200]),
    ("mixed case", f"GET /echo HTTP/1.1\r\n{H}\r\nx-AMZN-mtls-CLIENTCERT: FORGED\r\n\r\n", [200]),
    ("'_' for '-' (CGI and WSGI read it as the same header)",
     f"GET /echo HTTP/1.1\r\n{H}\r\nX_Amzn_Mtls_Clientcert: FORGED\r\n\r\n", [200]),
    ("pipelined, the second head forged",
     f"GET /echo HTTP/1.1\r\n{H}\r\n\r\nGET /echo HTTP/1.1\r\n{H}\r\nX-Amzn-Mtls-Clientcert: FORGED\r\n\r\n", [200, 200]),
    ("two Content-Length headers, then a forged head (issue 11)",
     f"POST /upload HTTP/1.1\r\n{H}\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"
     f"GET /echo HTTP/1.1\r\n{H}\r\nX-Amzn-Mtls-Clientcert: FORGED\r\n\r\n", [400]),
    ("Content-Length and Transfer-Encoding, a forged head in the body",
     f"POST /upload HTTP/1.1\r\n{H}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
     f"GET /echo HTTP/1.1\r\n{H}\r\nX-Amzn-Mtls-Clientcert: FORGED\r\n\r\n", [400]),
    ("obs-fold continuation line", f"GET /echo HTTP/1.1\r\n{H}\r\nX-Note: a\r\n X-Amzn-Mtls-Clientcert: FORGED\r\n\r\n",
     [400]),
    ("space before the colon", f"GET /echo HTTP/1.1\r\n{H}\r\nX-Amzn-Mtls-Clientcert : FORGED\r\n\r\n", [400]),
    ("bare CR inside a value", f"GET /echo HTTP/1.1\r\n{H}\r\nX-Note: a\rX-Amzn-Mtls-Clientcert: FORGED\r\n\r\n",
     [400]),
    ("NUL inside a name", f"GET /echo HTTP/1.1\r\n{H}\r\nX-Note\x00X-Amzn-Mtls-Clientcert: FORGED\r\n\r\n", [400]),
    ("GET with a body holding a forged head",
     f"GET /echo HTTP/1.1\r\n{H}\r\nContent-Length: {len(SMUGGLED)}\r\n\r\n{SMUGGLED}", [400]),
    ("trailer field after the last chunk",
     f"POST /upload HTTP/1.1\r\n{H}\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"
     "X-Amzn-Mtls-Clientcert: FORGED\r\n\r\n", [400]),
    ("chunk data without its CRLF (http_parser skips any two bytes)",
     f"POST /upload HTTP/1.1\r\n{H}\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n"
     f"GET /echo HTTP/1.1\r\n{H}\r\nX-Amzn-Mtls-Clientcert: FORGED\r\n\r\n", [400]),
    ("Upgrade the origin refuses, then a forged head",
     f"GET /echo HTTP/1.1\r\n{H}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
     f"GET /echo HTTP/1.1\r\n{H}\r\nX-Amzn-Mtls-Clientcert: FORGED\r\n\r\n", [200, 200]),
    ("Upgrade: h2c (its HTTP/2 requests would pass unstripped)",
     f"GET /echo HTTP/1.1\r\n{H}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
     "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nX-Amzn-Mtls-Clientcert: FORGED\r\n\r\n", [400]),
    ("HTTP/1.1 with h2 offered too", f"GET /echo HTTP/1.1\r\n{H}\r\nX-Amzn-Mtls-Clientcert: FORGED\r\n\r\n", [200],
     ["h2", "http/1.1"]),
    ("HTTP/2 only, a literal forged header", h2_headers_frame(), [400], ["h2"]),
]


def run_attacks(proxy, mode, client):
    for attack in ATTACKS:
        name, data, want = attack[0], attack[1], attack[2]
        alpn = attack[3] if len(attack) > 3 else None
        data = data if isinstance(data, bytes) else data.encode("latin-1")
        before = os.path.getsize(RAW) if os.path.exists(RAW) else 0
        got_alpn, resp = exchange(proxy, data, client=client, alpn=alpn)
        time.sleep(0.2)  # the origin logs what it reads as it reads it
        with open(RAW, "rb") as fh:
            fh.seek(before)
            seen = fh.read()
        where = f"{mode}, {name}"
        f.check(b"FORGED" not in seen.upper(), f"{where}: the origin received the forged header: {seen[:300]!r}")
        f.check(statuses(resp) == want, f"{where}: client saw {statuses(resp)}, want {want}: {resp[:200]!r}")
        if 400 in want:
            f.check(b"Server: awselb/2.0" in resp and b"<center><h1>400 Bad Request</h1></center>" in resp,
                    f"{where}: not ALB's 400: {resp[:300]!r}")
        if alpn:
            f.check(got_alpn in (None, "http/1.1"), f"{where}: ALPN {got_alpn} (headers are added to HTTP/1.1 only)")
        if want == [200] and client is not None:
            # The identity the proxy vouches for still arrives.
            f.check(b"X-Amzn-Mtls-Clientcert" in seen, f"{where}: the proxy's own header is missing: {seen[:300]!r}")


# Passthrough, no client certificate: nothing may arrive in these headers at all.
p = e2e.Proxy(f"{HOST}:{origin_port}", "--as", "alb", "--mtls-mode", "passthrough", name="forged-pass",
              trust=lab.root)
run_attacks(p, "passthrough, no certificate", None)
p.stop()
reasons = [r["event"].get("reason", "") for r in p.records()]
f.check(any(r.startswith("ambiguous request: more than one Content-Length") for r in reasons),
        f"the record of a refused request says why: {reasons}")

# Verify mode with a trusted client: the real identity is forwarded, never the forged one.
p = e2e.Proxy(f"{HOST}:{origin_port}", "--as", "alb", "--mtls-mode", "verify", "--client-trust", bundles["good"],
              name="forged-verify", trust=lab.root)
run_attacks(p, "verify, trusted certificate", "trusted")
p.stop()
f.finish()
