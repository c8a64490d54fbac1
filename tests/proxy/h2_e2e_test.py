#!/usr/bin/env python3
"""HTTP/2 through the proxy: curl --http2 and Node's http2 client reach an h2
origin through tlsmirror, several streams on one connection, a large
response, a RST_STREAM and a GOAWAY; the bytes are relayed unchanged and the
record names every stream's method, path and status."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

HERE = os.path.join(os.getcwd(), "tests", "proxy")
f = e2e.Failures()
lab = e2e.Lab(only=["good"])
chain, key = os.path.join(lab.dir, "good", "chain.pem"), os.path.join(lab.dir, "good", "key.pem")
HOST = "good.lab.test"

origin = e2e.spawn(["node", os.path.join(HERE, "h2_origin.js"), chain, key])
origin_port = int(origin.stdout.readline())
proxy = e2e.Proxy(f"{HOST}:{origin_port}", name="h2", trust=lab.root)


def h2_streams(rec):
    return {s["path"]: s for s in rec.get("tlsmirror", {}).get("http2", {}).get("streams", [])}


def record_with(path, timeout=30):
    """The record of the connection that opened a stream for `path` (records are written when a connection ends)."""
    deadline = time.time() + timeout
    while True:
        recs = [r for r in proxy.records() if path in h2_streams(r)]
        if recs or time.time() > deadline:
            return recs[-1] if recs else {}
        time.sleep(0.1)


# curl: three URLs on one connection (curl reuses it), HTTP/2 through the proxy.
r = subprocess.run(["curl", "-s", "--http2", "--cacert", proxy.root, "--resolve", f"{HOST}:{proxy.port}:127.0.0.1",
                    "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_version} %{http_code} %{size_download}\\n",
                    f"https://{HOST}:{proxy.port}/small", f"https://{HOST}:{proxy.port}/large",
                    f"https://{HOST}:{proxy.port}/missing"], capture_output=True, text=True, timeout=60)
lines = r.stdout.split()
f.check(r.returncode == 0 and lines[0:3] == ["2", "200", "2"] and lines[3:6] == ["2", "200", str(1 << 20)]
        and lines[6:8] == ["2", "404"], f"curl --http2 through the proxy: {r.returncode} {r.stdout[:300]!r} {r.stderr[:300]!r}")
rec = record_with("/missing")
streams = h2_streams(rec)
f.check(rec["tls"].get("next_protocol") == "h2", f"ALPN h2 in the record: {rec['tls'].get('next_protocol')}")
f.check(rec.get("http", {}).get("version") == "2" and rec.get("url", {}).get("path") == "/small",
        f"ECS http.version and url.path of the first stream: {rec.get('http')} {rec.get('url')}")
for path, status in (("/small", 200), ("/large", 200), ("/missing", 404)):
    s = streams.get(path, {})
    f.check(s.get("method") == "GET" and s.get("status") == status, f"curl stream {path}: {s}")
f.check(streams.get("/large", {}).get("response_bytes") == 1 << 20, f"large response bytes: {streams.get('/large')}")
f.check(rec["tlsmirror"]["rejected_by"] == "none", f"relayed: {rec['tlsmirror']['summary']}")

# Node's http2 client: concurrent streams, a RST_STREAM, redaction.
r = subprocess.run(["node", os.path.join(HERE, "h2_client.js"), str(proxy.port), HOST, proxy.root,
                    "/small", "/reset", "/missing", "/large"], capture_output=True, text=True, timeout=60)
try:
    res = json.loads(r.stdout)
except ValueError:
    res = {}
f.check(res.get("/small") == 200 and res.get("/missing") == 404 and res.get("large_bytes") == 1 << 20
        and res.get("/reset") == "ERR_HTTP2_STREAM_ERROR", f"node http2 through the proxy: {r.stdout[:300]!r} {r.stderr[:300]!r}")
rec = record_with("/reset")
streams = h2_streams(rec)
reset = streams.get("/reset", {}).get("reset", {})
f.check(reset.get("by") == "origin" and reset.get("error", {}).get("name") == "REFUSED_STREAM",
        f"RST_STREAM in the record: {streams.get('/reset')}")
f.check(len(streams) == 4 and all(s.get("method") == "GET" for s in streams.values()), f"four streams: {streams}")
line = json.dumps(rec)
f.check("hunter2" not in line and "secret=1" not in line, "authorization and set-cookie are redacted")

# A GOAWAY from the origin.
r = subprocess.run(["node", os.path.join(HERE, "h2_client.js"), str(proxy.port), HOST, proxy.root, "/goaway"],
                   capture_output=True, text=True, timeout=60)
rec = record_with("/goaway")
goaway = rec.get("tlsmirror", {}).get("http2", {}).get("goaway", {}).get("origin", {})
f.check(goaway.get("error", {}).get("name") == "ENHANCE_YOUR_CALM" and goaway.get("debug_data") == "slow down",
        f"GOAWAY in the record: {rec.get('tlsmirror', {}).get('http2')}")

proxy.stop()
origin.terminate()
f.finish()
