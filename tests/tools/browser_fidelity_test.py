#!/usr/bin/env python3
"""Fidelity of the `browser` profile against real headless Chromium, on every
lab scenario, those whose leaves carry an AIA URL included:

1. `tlsmirror inspect --profile browser` (live, fetching AIA) must agree with
   Chromium trusting the lab root: the page loads exactly when inspect
   accepts, and a refused page's net::ERR_… is the one inspect names.
2. Chromium through `tlsmirror proxy --origin sni`, trusting the mirror root,
   must do what it does directly: where the origin's leaf names an AIA URL,
   the mirrored leaf names one of the proxy's, on its own TLS port, which
   serves the mirrored intermediate (or fails as the origin's URL does), and
   the proxy's records say so.

Chromium runs once per configuration (direct, through the proxy), each time
on the whole catalogue in one batch (tests/chromium.py)."""

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import chromium  # noqa: E402
import e2e  # noqa: E402

# Path-validation scenarios where the browser profile's words differ from
# Chromium's. policy-required: both refuse, but Chromium says
# ERR_CERT_AUTHORITY_INVALID here where tools/difftest saw ERR_CERT_INVALID for
# the same fault (requireExplicitPolicy 0, a leaf without policies) and the
# profile says that; which one Chromium picks when is not known yet. An
# agreement is reported so that the expectation is removed.
INSPECT_PHASE2 = {"policy-required"}

f = e2e.Failures()
started = time.time()
version = chromium.version()
print(f"oracle: {version}", flush=True)
lab = e2e.Lab()
aia_port = lab.json["aia"]["port"]
scenarios = sorted(lab.scenarios.values(), key=lambda s: s["name"])


def inspect(s):
    args = [e2e.TLSMIRROR, "inspect", f"{s['host']}:{s['port']}", "--resolve", f"{s['host']}:{s['port']}:127.0.0.1",
            "--resolve", f"aia.lab.test:{aia_port}:127.0.0.1", "--trust", lab.root, "--profile", "browser", "--json"]
    r = e2e.run(args, timeout=60)
    assert r.returncode in (0, 1), f"inspect {s['name']}: exit {r.returncode}: {r.stderr}"
    out = json.loads(r.stdout)
    return out["verdicts"][0], out["aia"]


with ThreadPoolExecutor(max_workers=4) as pool:
    ours = dict(zip((s["name"] for s in scenarios), pool.map(inspect, scenarios)))
t = time.time()
direct = chromium.load([f"https://{s['host']}:{s['port']}/" for s in scenarios], lab.root)
print(f"chromium direct: {len(scenarios)} pages in {time.time() - t:.1f}s", flush=True)

ca_dir = os.path.join(e2e.TMP, "mirror-ca")
r = e2e.run([e2e.TLSMIRROR, "ca", "init", "--ca-dir", ca_dir])
f.check(r.returncode == 0, f"ca init: {r.stderr}")
resolves = [a for s in scenarios for a in ("--resolve", f"{s['host']}:{s['port']}:127.0.0.1")]
resolves += ["--resolve", f"aia.lab.test:{aia_port}:127.0.0.1"]  # the proxy fetches AIA URLs as Chromium would
proxy = e2e.Proxy("sni", *resolves, ca_dir=ca_dir, trust=lab.root, name="browser-proxy")
t = time.time()
via = chromium.load([f"https://{s['host']}:{proxy.port}/" for s in scenarios], proxy.root)
print(f"chromium through the proxy: {len(scenarios)} pages in {time.time() - t:.1f}s", flush=True)


# A TLS 1.3 origin that wants a client certificate sends certificate_required
# after the handshake and closes at once: Chromium reports the alert
# (ERR_BAD_SSL_CLIENT_AUTH_CERT) or, when its write loses the race against the
# close, the closed socket.
ALERT_RACE = {"ERR_BAD_SSL_CLIENT_AUTH_CERT", "ERR_SOCKET_NOT_CONNECTED", "ERR_CONNECTION_RESET",
              "ERR_CONNECTION_CLOSED", "ERR_CONNECTION_ABORTED"}


def same(a, b):
    return a == b or (a in ALERT_RACE and b in ALERT_RACE and "ERR_BAD_SSL_CLIENT_AUTH_CERT" in (a, b))


def net_error(message):
    """The NET::ERR_… code at the start of a browser verdict's message."""
    return message.split(":", 3)[2].split()[0] if message.startswith("NET::") else message


for s in scenarios:
    name = s["name"]
    verdict, fetches = ours[name]
    d = direct[f"https://{s['host']}:{s['port']}/"]
    v = via[f"https://{s['host']}:{proxy.port}/"]
    chrome = "OK" if d["ok"] else d["error"].replace("net::", "")
    mine = "OK" if verdict["accept"] else net_error(verdict["message"])
    if name in INSPECT_PHASE2:
        agree = same(mine, chrome)
        print(f"{'XPASS' if agree else 'XFAIL'}: {name}: inspect says {mine}, Chromium {chrome} "
              "(expected until tlsmirror validates paths as Chromium does: issue 15, phase 2)", flush=True)
        f.check(not agree, f"{name}: inspect now agrees with Chromium: remove it from INSPECT_PHASE2")
    else:
        f.check(same(mine, chrome), f"{name}: inspect says {mine} ({verdict['message']}), Chromium {chrome}")
    if d["ok"]:
        f.check(f"scenario {name}" in d["text"], f"{name}: Chromium loaded another page: {d['text'][:100]!r}")
    if s["aia_url"]:
        f.check([a["url"] for a in fetches] == [s["aia_url"]], f"{name}: inspect fetched {fetches}, not the leaf's URL")
    through = "OK" if v["ok"] else v["error"].replace("net::", "")
    f.check(same(through, chrome), f"{name}: through the proxy Chromium says {through}, directly {chrome}")
    if v["ok"]:
        f.check(f"scenario {name}" in v["text"], f"{name}: through the proxy, another page: {v['text'][:100]!r}")

# The proxy's records: each AIA scenario's connection fetched the leaf's URL
# once (the browser's verdict in it is inspect's), and Chromium fetched the
# mirrored URL from the proxy: a record of its own, after the connection's.
records = proxy.records()
for s in scenarios:
    if not s["aia_url"]:
        continue
    name = s["name"]
    conns = [r for r in records if r["event"]["dataset"] == "tlsmirror.connection"
             and r["tls"]["client"].get("server_name") == s["host"] and r["tlsmirror"].get("aia")]
    f.check(len(conns) >= 1, f"{name}: no connection record with tlsmirror.aia")
    if not conns:
        continue
    fetch = conns[0]["tlsmirror"]["aia"][0]
    f.check(fetch["url"] == s["aia_url"] and fetch["mirrored_url"].startswith(f"http://{s['host']}:{proxy.port}/"),
            f"{name}: tlsmirror.aia {fetch}")
    browser = next(x for x in conns[0]["tlsmirror"]["verdicts"] if x["profile"] == "browser")
    f.check(browser["accept"] == ours[name][0]["accept"] and browser["message"] == ours[name][0]["message"],
            f"{name}: the proxy's browser verdict {browser['message']!r}, inspect's {ours[name][0]['message']!r}")
    path = fetch["mirrored_url"].split(":" + str(proxy.port), 1)[1]
    gets = [r for r in records if r["event"]["dataset"] == "tlsmirror.aia" and r["url"]["path"] == path]
    f.check(len(gets) >= 1 and gets[0]["tlsmirror"]["aia_get"]["url"] == s["aia_url"] and
            gets[0]["@timestamp"] >= conns[0]["@timestamp"], f"{name}: Chromium's GET of {path}: {gets[:1]}")

proxy.stop()
print(f"compared {len(scenarios)} scenarios with {version} in {time.time() - started:.1f}s")
f.finish()
