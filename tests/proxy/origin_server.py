#!/usr/bin/env python3
"""A scriptable HTTPS origin for the proxy's traffic tests (Python's ssl,
OpenSSL 3). Run: origin_server.py CHAIN KEY; it prints its port, then serves:
  GET  /echo            the request line and headers back, as JSON
  GET  /big?size=N      N bytes (Content-Length), generated as it streams
  GET  /chunked?n=K     K chunks of 1 KiB (chunked encoding)
  GET  /slow?ms=M       waits M ms, then 200
  GET  /cut             promises 100000 bytes, sends 1000, then closes
  POST /upload          reads the body (any framing) and answers its length and SHA-256
  GET  /upgrade         101 Switching Protocols, then echoes raw bytes
A connection whose ALPN is h2 is not HTTP/1.1 at all: it echoes raw bytes.
With a third argument RAW_LOG, every byte received on any connection is
appended to that file as it is read (what the proxy really forwarded).
"""

import hashlib
import io
import json
import socketserver
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


RAW_LOG = sys.argv[3] if len(sys.argv) > 3 else None
RAW_LOCK = threading.Lock()


def raw_log(data):
    if RAW_LOG and data:
        with RAW_LOCK, open(RAW_LOG, "ab") as fh:
            fh.write(data)


class TeeReader(io.RawIOBase):
    """The connection's bytes, logged as they are read."""

    def __init__(self, sock):
        self.sock = sock

    def readable(self):
        return True

    def readinto(self, b):
        n = self.sock.recv_into(b)
        raw_log(bytes(b[:n]))
        return n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.rfile = io.BufferedReader(TeeReader(self.connection))

    def handle(self):
        if self.connection.selected_alpn_protocol() == "h2":
            while True:
                data = self.connection.recv(65536)
                raw_log(data)
                if not data:
                    return
                self.connection.sendall(data)
        super().handle()

    def send(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/echo":
            self.send(200, json.dumps({"path": self.path, "headers": dict(self.headers.items())}).encode(),
                      "application/json")
        elif url.path == "/big":
            size = int(q.get("size", "1048576"))
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block = bytes(range(256)) * 256  # 64 KiB
            sent = 0
            while sent < size:
                n = min(len(block), size - sent)
                self.wfile.write(block[:n])
                sent += n
        elif url.path == "/chunked":
            n = int(q.get("n", "10"))
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(n):
                chunk = (f"{i:04d}" * 256).encode()
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif url.path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"c" * 1000)
            self.wfile.flush()
            self.close_connection = True
        elif url.path == "/slow":
            time.sleep(int(q.get("ms", "1000")) / 1000)
            self.send(200, b"slow done\n")
        elif url.path == "/upgrade":
            self.send_response(101)
            self.send_header("Upgrade", "tlsmirror-echo")
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            while True:
                data = self.connection.recv(65536)
                raw_log(data)
                if not data:
                    break
                self.connection.sendall(data)
            self.close_connection = True
        else:
            self.send(404, b"not found\n")

    def do_POST(self):
        h = hashlib.sha256()
        total = 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data = self.rfile.read(size)
                h.update(data)
                total += len(data)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left > 0:
                data = self.rfile.read(min(left, 1 << 16))
                if not data:
                    break
                h.update(data)
                total += len(data)
                left -= len(data)
        self.send(200, json.dumps({"length": total, "sha256": h.hexdigest()}).encode(), "application/json")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # socketserver's default backlog of 5 drops concurrent clients


def main():
    chain, key = sys.argv[1], sys.argv[2]
    server = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    ctx.set_alpn_protocols(["http/1.1", "h2"])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
