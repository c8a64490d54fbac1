#!/usr/bin/env python3
"""Records that tell the truth in odd cases (issue 11, finding 7): an SNI that
is not a host name, an SNI BoringSSL refuses, an origin that closes in the
middle of a response, requests with ambiguous framing, an obs-folded header,
HEAD through the lab origin, and `ca init` into an existing directory."""

import json
import os
import socket
import ssl
import stat
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

HERE = os.path.join(os.getcwd(), "tests", "proxy")
f = e2e.Failures()
lab = e2e.Lab(only=["good"])
chain, key = os.path.join(lab.dir, "good", "chain.pem"), os.path.join(lab.dir, "good", "key.pem")
HOST = "good.lab.test"
origin = e2e.spawn([sys.executable, os.path.join(HERE, "origin_server.py"), chain, key])
origin_port = int(origin.stdout.readline())
proxy = e2e.Proxy(f"{HOST}:{origin_port}", name="truth", trust=lab.root)
ctx = ssl.create_default_context(cafile=proxy.root)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def new_records(before, n=1, timeout=15):
    recs = proxy.records(len(before) + n, timeout=timeout)
    return recs[len(before):]


def client_hello(sni_bytes):
    """A TLS 1.2/1.3 ClientHello whose server_name carries `sni_bytes` as is."""
    sni = struct.pack("!BH", 0, len(sni_bytes)) + sni_bytes
    ext = struct.pack("!HH", 0, len(sni) + 2) + struct.pack("!H", len(sni)) + sni
    groups = struct.pack("!HHH", 10, 4, 2) + struct.pack("!H", 23)
    sigalgs = struct.pack("!HHH", 13, 4, 2) + struct.pack("!H", 0x0403)
    exts = ext + groups + sigalgs
    body = b"\x03\x03" + os.urandom(32) + b"\x00" + struct.pack("!H", 2) + b"\xc0\x2b" + b"\x01\x00"
    body += struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def raw(data, wait=2):
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    s.sendall(data)
    try:
        s.settimeout(wait)
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()


# An SNI with a space, or of 254 bytes: BoringSSL takes it, no certificate can match it.
for label, sni in (("space", b"good lab.test"), ("254 bytes", b"a" * 250 + b".com")):
    before = proxy.records()
    raw(client_hello(sni))
    rec = new_records(before)[-1]
    verdicts = rec["tlsmirror"].get("verdicts", [])
    f.check(len(verdicts) == 8 and rec["tlsmirror"]["summary"] != "", f"SNI with {label}: verdicts and a summary: "
            f"{len(verdicts)} verdicts, {rec['tlsmirror']['summary'][:200]!r}")
    f.check("not a valid host name" in rec["tlsmirror"]["summary"], f"SNI with {label} is named as such: "
            f"{rec['tlsmirror']['summary'][:200]!r}")

# An SNI BoringSSL refuses (300 bytes; a NUL): the record says what the ClientHello held.
for label, sni in (("300 bytes", b"b" * 296 + b".com"), ("a NUL", b"good\x00.lab.test")):
    before = proxy.records()
    raw(client_hello(sni))
    rec = new_records(before)[-1]
    summary = rec["tlsmirror"]["summary"]
    f.check("not a TLS ClientHello" not in summary and "server_name" in summary,
            f"an SNI with {label}: the record names the SNI: {summary[:200]!r}")

# The origin closes in the middle of a response.
before = proxy.records()
s = ssl.create_default_context(cafile=proxy.root).wrap_socket(
    socket.create_connection(("127.0.0.1", proxy.port), timeout=10), server_hostname=HOST)
s.sendall(f"GET /cut HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except (OSError, ssl.SSLError):
    pass
s.close()
rec = new_records(before)[-1]
f.check(data.startswith(b"HTTP/1.1 200") and rec["event"]["outcome"] == "failure"
        and "in the middle of a response" in rec["event"].get("reason", ""),
        f"origin cut mid-response: {rec['event']} {rec['tlsmirror']['summary'][:120]!r}")

# Ambiguous framing and an obs-folded header, through a proxy that does not guard (no --as alb).
for label, head in (("CL+TE", "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                    ("two CL", "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
                    ("obs-fold", "GET /echo HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\nX-Folded: c\r\n\r\n")):
    before = proxy.records()
    s = ssl.create_default_context(cafile=proxy.root).wrap_socket(
        socket.create_connection(("127.0.0.1", proxy.port), timeout=10), server_hostname=HOST)
    s.sendall(head.encode())
    try:
        s.settimeout(3)
        s.recv(65536)
    except (OSError, ssl.SSLError):
        pass
    s.close()
    rec = new_records(before)[-1]
    line = json.dumps(rec)
    f.check("http" in rec and rec["http"]["request"].get("method") in ("GET", "POST"),
            f"{label}: the record has an http section: {rec.get('http')}")
    if label == "obs-fold":
        raw_line = [l for l in open(proxy.log) if '"X-Folded"' in l or '"x-folded"' in l.lower()]
        f.check(raw_line and raw_line[-1].lower().count('"x-folded"') == 1, f"obs-fold: one JSON key: {raw_line[-1:]}")

# HEAD through the lab's own origin: no body, and pipelined GET/HEAD counted right.
lab_proxy = e2e.Proxy(f"{HOST}:{lab.scenarios['good']['port']}", name="truth-lab", trust=lab.root)
before = lab_proxy.records()
s = ssl.create_default_context(cafile=lab_proxy.root).wrap_socket(
    socket.create_connection(("127.0.0.1", lab_proxy.port), timeout=10), server_hostname=HOST)
n = 200
s.sendall(b"".join((f"{'HEAD' if i % 2 else 'GET'} / HTTP/1.1\r\nHost: {HOST}\r\n\r\n").encode() for i in range(n)))
s.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except (OSError, ssl.SSLError):
    pass
s.close()
rec = lab_proxy.records(len(before) + 1)[-1]
f.check(data.count(b"HTTP/1.1 200") == n + 1, f"{n + 1} answers to pipelined GET/HEAD: {data.count(b'HTTP/1.1 200')}")
f.check(rec.get("http", {}).get("responses") == n + 1 and rec["http"]["requests"] == n + 1,
        f"pipelined GET/HEAD counted: {rec.get('http', {}).get('requests')} requests, "
        f"{rec.get('http', {}).get('responses')} responses")

# ca init into an existing, too open directory makes it 0700.
d = os.path.join(e2e.TMP, "ca-existing")
os.makedirs(d, mode=0o755, exist_ok=True)
os.chmod(d, 0o755)
r = e2e.run([e2e.TLSMIRROR, "ca", "init", "--ca-dir", d])
mode = stat.S_IMODE(os.stat(d).st_mode)
f.check(r.returncode == 0 and mode == 0o700, f"ca init into an existing 0755 directory: exit {r.returncode}, "
        f"mode {oct(mode)}")

proxy.stop()
lab_proxy.stop()
origin.terminate()
f.finish()
