#!/usr/bin/env python3
"""HTTP/1.1 deadlines through the proxy: a request head must end within
--timeout-request of its first byte however slowly it trickles in (then 408),
the next request must start within --timeout-keepalive of the last response,
and neither cuts a slow body or a slow response (--timeout-idle governs
those). Each record says why the connection was closed."""

import os
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
origin = e2e.spawn([sys.executable, os.path.join(HERE, "origin_server.py"), chain, key])
origin_port = int(origin.stdout.readline())
proxy = e2e.Proxy(f"{HOST}:{origin_port}", "--timeout-request", "1", "--timeout-keepalive", "1.5",
                  "--timeout-idle", "8", name="deadlines", trust=lab.root)
ctx = ssl.create_default_context(cafile=proxy.root)


def connect():
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    return ctx.wrap_socket(sock, server_hostname=HOST)


def read_until_closed(s, limit=10):
    data, start = b"", time.time()
    s.settimeout(limit)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (OSError, ssl.SSLError):
        pass
    return data, time.time() - start


def record_with(reason_part, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for r in proxy.records():
            if reason_part in r.get("event", {}).get("reason", ""):
                return r
        time.sleep(0.1)
    return None


# A head trickled a byte every 0.3 s: 408 after about 1 s, though every byte
# arrives well within --timeout-idle.
s = connect()
head = f"GET /echo HTTP/1.1\r\nHost: {HOST}\r\nX-Slow: {'y' * 40}\r\n\r\n".encode()
start = time.time()
s.sendall(head[:5])
answer = b""
s.settimeout(0.3)
for b in head[5:]:
    try:
        s.sendall(bytes([b]))
    except OSError:
        break
    try:
        answer += s.recv(4096)
        if answer:
            break
    except socket.timeout:
        pass
    except (OSError, ssl.SSLError):
        break
rest, _ = read_until_closed(s, 5)
elapsed = time.time() - start
answer += rest
f.check(answer.startswith(b"HTTP/1.1 408 "), f"a trickled head gets 408: {answer[:80]!r}")
f.check(elapsed < 4, f"the head deadline closed it in {elapsed:.1f} s, not the idle timeout (8 s)")
rec = record_with("request head did not end within 1 s")
f.check(rec is not None and rec["http"]["response"]["status_code"] == 408,
        f"the record says why: {rec and rec['event']}")
f.check(rec is not None and "without a request" not in rec["tlsmirror"]["summary"],
        f"not 'closed without a request': {rec and rec['tlsmirror']['summary']}")

# Keep-alive: one request, then nothing: closed about 1.5 s after the response.
s = connect()
s.sendall(f"GET /echo HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
data, waited = read_until_closed(s, 8)
f.check(data.startswith(b"HTTP/1.1 200 ") and 1.0 <= waited < 5,
        f"keep-alive deadline: closed {waited:.1f} s after the request ({data[:40]!r})")
rec = record_with("no request within 1.5 s")
f.check(rec is not None and rec["http"]["requests"] == 1, f"keep-alive record: {rec and rec['event']}")

# Neither deadline cuts a slow response (3 s) or a slow body (trickled over 3 s).
s = connect()
s.sendall(f"GET /slow?ms=3000 HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
data, waited = read_until_closed(s, 10)
f.check(data.startswith(b"HTTP/1.1 200 ") and waited >= 2.5, f"a 3 s response arrives: {data[:40]!r} {waited:.1f} s")
s = connect()
body = b"x" * 10
s.sendall(f"POST /echo HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
for b in body:
    time.sleep(0.3)
    s.sendall(bytes([b]))
data, _ = read_until_closed(s, 10)
f.check(data.startswith(b"HTTP/1.1 200 "), f"a body trickled over 3 s is relayed: {data[:60]!r}")

proxy.stop()
origin.terminate()
f.finish()
