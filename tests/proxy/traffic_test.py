#!/usr/bin/env python3
"""HTTP through the proxy: keep-alive, chunked bodies, large bodies streamed
both ways (not buffered whole), pipelining, Upgrade switched to a byte relay,
header redaction in the log, and an origin killed mid-response."""

import hashlib
import http.client
import json
import os
import signal
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

HERE = os.path.join(os.getcwd(), "tests", "proxy")
f = e2e.Failures()
lab = e2e.Lab(only=["good"])
chain, key = os.path.join(lab.dir, "good", "chain.pem"), os.path.join(lab.dir, "good", "key.pem")
HOST = "good.lab.test"


def start_origin():
    p = e2e.spawn([sys.executable, os.path.join(HERE, "origin_server.py"), chain, key])
    return p, int(p.stdout.readline())


origin, origin_port = start_origin()
proxy = e2e.Proxy(f"{HOST}:{origin_port}", name="traffic", trust=lab.root)
ctx = ssl.create_default_context(cafile=proxy.root)


def conn():
    c = http.client.HTTPSConnection("127.0.0.1", proxy.port, context=ctx, timeout=30)
    c._tunnel_host = None
    c.host = "127.0.0.1"
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=30)
    c.sock = ctx.wrap_socket(sock, server_hostname=HOST)
    return c


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


# Keep-alive: many requests on one connection, one record for it.
c = conn()
for i in range(20):
    c.request("GET", f"/echo?i={i}", headers={"Host": HOST})
    r = c.getresponse()
    body = json.loads(r.read())
    f.check(r.status == 200 and body["path"] == f"/echo?i={i}", f"keep-alive request {i}: {r.status}")
# Chunked response.
c.request("GET", "/chunked?n=100", headers={"Host": HOST})
r = c.getresponse()
data = r.read()
f.check(r.status == 200 and len(data) == 100 * 1024 and data[:4] == b"0000" and data[-4:] == b"0099",
        f"chunked response: {len(data)} bytes")
c.close()
rec = proxy.records(at_least=1)[-1]
f.check(rec["http"]["requests"] == 21 and rec["http"]["responses"] == 21, f"keep-alive record: {rec['http']}")

# Large bodies stream through without being buffered whole.
hwm_before = vm_hwm_kib(proxy.proc.pid)
size = 96 << 20
c = conn()
c.request("GET", f"/big?size={size}", headers={"Host": HOST})
r = c.getresponse()
h, got = hashlib.sha256(), 0
while True:
    chunk = r.read(1 << 20)
    if not chunk:
        break
    h.update(chunk)
    got += len(chunk)
block = bytes(range(256)) * 256
want = hashlib.sha256()
for off in range(0, size, len(block)):
    want.update(block[:min(len(block), size - off)])
f.check(got == size and h.hexdigest() == want.hexdigest(), f"96 MiB download: {got} bytes, hash match {h.hexdigest() == want.hexdigest()}")


def body_chunks(total, piece=1 << 20):
    sent = 0
    while sent < total:
        n = min(piece, total - sent)
        yield bytes([sent // piece % 256]) * n
        sent += n


upload = hashlib.sha256()
for chunk in body_chunks(size):
    upload.update(chunk)
for framing in ("length", "chunked"):
    headers = {"Host": HOST}
    if framing == "length":
        headers["Content-Length"] = str(size)
        c.request("POST", "/upload", body=body_chunks(size), headers=headers)
    else:
        c.request("POST", "/upload", body=body_chunks(size), headers=headers, encode_chunked=True)
    r = c.getresponse()
    result = json.loads(r.read())
    f.check(result["length"] == size and result["sha256"] == upload.hexdigest(), f"96 MiB upload ({framing}): {result}")
c.close()
grown = vm_hwm_kib(proxy.proc.pid) - hwm_before
if "ASAN_OPTIONS" not in os.environ:  # AddressSanitizer's quarantine keeps freed memory
    f.check(grown < 48 * 1024, f"the proxy's peak memory grew {grown} KiB for 288 MiB relayed: bodies are streamed")

# Pipelining: three requests in one write, three responses in order.
with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as s:
    with ctx.wrap_socket(s, server_hostname=HOST) as t:
        t.sendall(b"".join(f"GET /echo?p={i} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode() for i in range(3)))
        buf, order = b"", []
        while len(order) < 3:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                head = buf[:end].decode()
                length = int(next(line.split(":")[1] for line in head.split("\r\n") if line.lower().startswith("content-length")))
                if len(buf) >= end + 4 + length:
                    order.append(json.loads(buf[end + 4:end + 4 + length])["path"])
                    buf = buf[end + 4 + length:]
                    continue
            chunk = t.recv(65536)
            if not chunk:
                break
            buf += chunk
        f.check(order == ["/echo?p=0", "/echo?p=1", "/echo?p=2"], f"pipelined responses in order: {order}")

# Upgrade: after 101, bytes are relayed raw in both directions.
with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as s:
    with ctx.wrap_socket(s, server_hostname=HOST) as t:
        t.sendall(f"GET /upgrade HTTP/1.1\r\nHost: {HOST}\r\nUpgrade: tlsmirror-echo\r\nConnection: Upgrade\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += t.recv(1)
        f.check(head.startswith(b"HTTP/1.1 101"), f"upgrade answer: {head[:40]!r}")
        payload = b"\x00\x01not http at all\r\n\r\nGET / HTTP/1.1\r\n\r\n" * 100
        t.sendall(payload)
        echoed = b""
        while len(echoed) < len(payload):
            chunk = t.recv(65536)
            if not chunk:
                break
            echoed += chunk
        f.check(echoed == payload, f"raw relay after upgrade: {len(echoed)}/{len(payload)} bytes echoed")

# ALPN other than http/1.1: the proxy offers the origin the client's list and
# relays whatever the origin chose as raw bytes.
h2 = ssl.create_default_context(cafile=proxy.root)
h2.set_alpn_protocols(["h2"])
with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as s:
    with h2.wrap_socket(s, server_hostname=HOST) as t:
        f.check(t.selected_alpn_protocol() == "h2", f"ALPN through the proxy: {t.selected_alpn_protocol()}")
        payload = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes(range(256)) * 64
        t.sendall(payload)
        echoed = b""
        while len(echoed) < len(payload):
            chunk = t.recv(65536)
            if not chunk:
                break
            echoed += chunk
        f.check(echoed == payload, f"h2 bytes relayed raw both ways: {len(echoed)}/{len(payload)}")
time.sleep(0.3)
rec = proxy.records()[-1]
f.check(rec["tls"].get("next_protocol") == "h2", f"record says ALPN h2: {rec['tls'].get('next_protocol')}")
# No ALPN and bytes that are not HTTP: relayed as they are (the origin answers them).
with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as s:
    with ctx.wrap_socket(s, server_hostname=HOST) as t:
        t.sendall(b"\x00\x01 this is not http\r\n\r\n")
        answer = b""
        while True:
            chunk = t.recv(4096)
            if not chunk:
                break
            answer += chunk
        # Python's server treats the line as HTTP/0.9 and answers with the page only.
        f.check(b"400" in answer and b"Bad request" in answer,
                f"non-HTTP bytes reach the origin, whose answer comes back: {answer[:80]!r}")

# Secrets are redacted in the log by default, yet forwarded untouched.
c = conn()
c.request("GET", "/echo", headers={"Host": HOST, "Authorization": "Bearer s3cr3t", "Cookie": "session=abc"})
r = c.getresponse()
seen = json.loads(r.read())["headers"]
c.close()
f.check(seen.get("Authorization") == "Bearer s3cr3t" and seen.get("Cookie") == "session=abc",
        f"the origin got the real headers: {seen}")
time.sleep(0.3)
log_text = open(proxy.log).read()
f.check("s3cr3t" not in log_text and "session=abc" not in log_text and "[REDACTED]" in log_text,
        "Authorization and Cookie values are redacted in the log")

# The origin dies mid-response: the client's read ends, the proxy lives on.
c = conn()
c.request("GET", f"/big?size={1 << 30}", headers={"Host": HOST})
r = c.getresponse()
first = r.read(4 << 20)
origin.send_signal(signal.SIGKILL)
origin.wait()
start = time.time()
rest = 0
try:
    while True:
        chunk = r.read(1 << 20)
        if not chunk:
            break
        rest += len(chunk)
except (http.client.IncompleteRead, ConnectionError, ssl.SSLError, OSError):
    pass
f.check(len(first) == 4 << 20 and 4 * (1 << 20) + rest < (1 << 30) and time.time() - start < 15,
        f"killed origin: the client's read ended after {len(first) + rest} bytes")
c.close()
f.check(proxy.proc.poll() is None, "the proxy survives an origin killed mid-response")
status, _, _ = (lambda r: (int(r.stdout.split(' ', 2)[1]) if r.stdout.startswith('HTTP/') else 0, 0, 0))(
    e2e.run(["curl", "-sS", "--max-time", "10", "--cacert", proxy.root, "--resolve", f"{HOST}:{proxy.port}:127.0.0.1",
             "-D", "-", "-o", "/dev/null", f"https://{HOST}:{proxy.port}/"]))
f.check(status == 502, f"after the origin died, new clients get 502: {status}")
recs = proxy.records(at_least=1)
f.check(all("tlsmirror" in r for r in recs), "every record is whole JSON")
f.check(proxy.stop() == 0, "proxy exits 0")
f.finish()
