#!/usr/bin/env python3
"""The web view and the report, seen in a real browser.

The lab serves good, missing-intermediate, wrong-order, expired,
sni-required and hostname-mismatch; a Python origin serves a certificate
whose subject is a <script> element. The proxy runs with --ui; headless
Chromium opens the page *before* any traffic, curl and Python go through the
proxy, and the test checks what a person would see appear without a reload:
a row per scenario, the count per rejected_by, the missing intermediate
marked, the misordered, expired and unrelated certificates marked, the verdict
cells, the <script> subject as text. Then the same log becomes a report,
read with JavaScript off, and bad record files give clear messages.
Screenshots of the main views are kept as test outputs.

TLSMIRROR_UI_FULL=1 adds the slow checks: a 200 MB record file, and the live
page with 10,000 connections.
"""

import http.client
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
sys.path.insert(0, os.path.join(os.getcwd(), "tests", "ui"))
import e2e  # noqa: E402
from browser import Browser  # noqa: E402

FULL = os.environ.get("TLSMIRROR_UI_FULL") == "1"
OUT = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR", e2e.TMP)
SCENARIOS = ["good", "missing-intermediate", "wrong-order", "expired", "sni-required", "hostname-mismatch"]
EVIL_CN = "<script>alert(1)</script>"
EVIL_HOST = "evil.ui.test"

f = e2e.Failures()


def evil_origin():
    """An HTTPS origin whose certificate's subject is a <script> element."""
    d = os.path.join(e2e.TMP, "evil")
    os.makedirs(d, exist_ok=True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    r = e2e.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=" + EVIL_CN.replace("/", "\\/") + "/O=<b>bold<\\/b>",
                 "-addext", f"subjectAltName=DNS:{EVIL_HOST}"])
    assert r.returncode == 0, r.stderr
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            conn, _ = listener.accept()
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(5)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = tls.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            except (OSError, ssl.SSLError):
                pass

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], cert


def evil_request(port, ca):
    """A request whose path and headers are HTML, through the proxy."""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # its subject, not its trust, is the point
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname=EVIL_HOST) as tls:
            tls.sendall(f"GET /<img/src=x/onerror=alert(2)>?q=<b>x</b> HTTP/1.1\r\nHost: {EVIL_HOST}\r\n"
                        "User-Agent: <script>alert(3)</script>\r\nX-Note: \"'><svg onload=alert(4)>\r\n"
                        "Connection: close\r\n\r\n".encode())
            return tls.recv(100)


def shot(b, name, full=False):
    path = b.screenshot(os.path.join(OUT, name), full_page=full)
    f.check(os.path.getsize(path) > 10000, f"screenshot {name} has content")


def http_get(addr, path, headers=None, method="GET", body=None):
    host, port = addr.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.putrequest(method, path, skip_host=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    if body is not None:
        c.putheader("Content-Length", str(len(body)))
    c.endheaders(body.encode() if body is not None else None)
    r = c.getresponse()
    return r.status, dict(r.getheaders()), r.read().decode(errors="replace")


def start_proxy(lab, evil_port, name, *extra):
    resolves = []
    for s in lab.scenarios.values():
        resolves += ["--resolve", f"{s['host']}:{s['port']}:127.0.0.1"]
    resolves += ["--resolve", f"{EVIL_HOST}:{evil_port}:127.0.0.1"]
    p = e2e.Proxy("sni", *resolves, "--ui", "127.0.0.1:0", *extra, name=name, trust=lab.root)
    url = next((m.group(1) for line in p.stderr_lines for m in [re.search(r"web view on (\S+)", line)] if m), None)
    return p, url


def send_traffic(lab, proxy):
    for name in SCENARIOS:
        s = lab.scenarios[name]
        e2e.curl(proxy.port, s["host"], proxy.root, path=f"/{name}")
    # Routing by SNI: each name goes to its own lab origin (curl sends SNI).


lab = e2e.Lab(only=SCENARIOS, name="uilab")
evil_port, _ = evil_origin()
proxy, url = start_proxy(lab, evil_port, "uiproxy")
f.check(url is not None and url.startswith("http://127.0.0.1:"), f"the proxy prints its web view's URL: {url}")
addr = url[len("http://"):].rstrip("/")

# Access rules.
status, _, body = http_get(addr, "/api/hello", {"Host": "attacker.example:80"})
f.check(status == 421, f"a foreign Host header is refused (DNS rebinding): {status} {body}")
status, headers, body = http_get(addr, "/", {"Host": addr})
f.check(status == 200 and "default-src 'self'" in headers.get("Content-Security-Policy", ""),
        f"the page is served with a CSP: {status} {headers}")
r = e2e.run([e2e.TLSMIRROR, "proxy", "--origin", "x.test:443", "--resolve", "x.test:443:127.0.0.1", "--listen",
             "127.0.0.1:0", "--ca-dir", proxy.ca_dir, "--ui", "0.0.0.0:0"])
f.check(r.returncode == 2 and "--ui-token" in r.stderr, f"--ui off loopback needs a token: {r.returncode} {r.stderr}")

with Browser(width=1400, height=1000) as b:
    b.goto(url)
    b.wait("document.getElementById('status').textContent === 'live'", what="the event stream")
    f.check(b.eval("document.querySelectorAll('#rows tr').length") == 0, "no rows before any traffic")

    send_traffic(lab, proxy)
    evil_request(proxy.port, proxy.root)
    want = len(SCENARIOS) + 1
    n = b.wait(f"document.querySelectorAll('#rows tr.row').length >= {want} && "
               "document.querySelectorAll('#rows tr.row').length", timeout=30, what="a row per connection")
    f.check(n == want, f"one row per connection, live without a reload ({n})")
    rows = b.eval("Array.from(document.querySelectorAll('#rows tr.row')).map(r => [r.dataset.id, "
                  "r.querySelector('td.host a').textContent, r.querySelector('.who').textContent])")
    by_name = {host.split(".")[0]: (rid, who) for rid, host, who in rows}
    f.check(int(rows[0][0]) > int(rows[-1][0]), f"the newest row is on top: {[r[0] for r in rows]}")
    for name in SCENARIOS:
        f.check(name in by_name, f"a row for {name}")
    f.check(by_name.get("good", (0, ""))[1] == "accepted", f"good is accepted: {by_name.get('good')}")
    f.check(by_name.get("missing-intermediate", (0, ""))[1] == "client",
            f"missing-intermediate is rejected by the client: {by_name.get('missing-intermediate')}")
    f.check(by_name.get("wrong-order", (0, ""))[1] == "cloudfront-origin",
            f"wrong-order is rejected by cloudfront-origin: {by_name.get('wrong-order')}")
    counts = b.eval("Object.fromEntries(Array.from(document.querySelectorAll('#counts .count'))"
                    ".map(c => [c.dataset.rejectedBy, Number(c.querySelector('b').textContent)]))")
    f.check(counts.get("client", 0) >= 3 and counts.get("cloudfront-origin") == 1 and counts.get("none", 0) >= 1,
            f"a count per rejected_by: {counts}")
    shot(b, "live-list.png")

    def open_row(name):
        rid = by_name[name][0]
        b.eval(f"document.getElementById('r-{rid}').click()")
        b.wait(f"!!document.querySelector('#detail section.conn[data-id=\"{rid}\"]')", what=f"{name} opened")
        return f"document.querySelector('#detail section.conn[data-id=\"{rid}\"]')"

    def verdict(sec, profile):
        return b.eval(f"(() => {{ const r = {sec}.querySelector('table.verdicts tr[data-profile=\"{profile}\"]');"
                      " return r ? [r.className, r.querySelector('td.reason').textContent] : null; })()")

    sec = open_row("missing-intermediate")
    missing = b.eval(f"Array.from({sec}.querySelectorAll('.chip.missing, .card.missing')).map(e => e.textContent)")
    f.check(len(missing) >= 2 and all("MISSING" in m for m in missing) and
            "intermediate" in " ".join(missing), f"the missing intermediate is marked: {missing}")
    v = verdict(sec, "cloudfront-origin")
    f.check(v is not None and "reject" in v[0] and v[1] == "MISSING_INTERMEDIATE", f"cloudfront verdict cell: {v}")
    chains = b.eval(f"Array.from({sec}.querySelectorAll('.chain h4')).map(h => h.textContent)")
    f.check(len(chains) == 2 and "Origin sent" in chains[0] and "mirrored" in chains[1],
            f"the origin's and the mirrored chain side by side: {chains}")
    timeline = b.eval(f"Array.from({sec}.querySelectorAll('table.timeline td:first-child')).map(t => t.textContent)")
    f.check("ClientHello received" in timeline and "origin handshake done" in timeline, f"timeline: {timeline}")
    cmd = b.eval(f"{sec}.querySelector('code.cmd').textContent")
    f.check(cmd.startswith("tlsmirror inspect missing-intermediate.lab.test:"), f"the inspect command: {cmd}")
    b.eval(f"{sec}.querySelector('button[data-action=\"copy\"]').click()")
    b.wait(f"{sec}.querySelector('button[data-action=\"copy\"]').textContent === 'Copied'", what="the copy button")
    shot(b, "live-missing-intermediate.png", full=True)

# The README's picture: the list's newest rows, then a missing intermediate down to its chains.
with Browser(width=1100, height=900) as b:
    b.goto(url + "#c-" + by_name["missing-intermediate"][0])
    b.wait("!!document.querySelector('#detail section.conn .verdicts')", what="the README's connection")
    b.eval("document.querySelector('.list').style.maxHeight = '125px'")
    bottom = b.eval("document.querySelector('section.conn .chains').getBoundingClientRect().bottom + window.scrollY")
    b.screenshot(os.path.join(OUT, "readme.png"), clip=(0, 0, 1100, bottom + 12), scale=0.8)

    sec = open_row("wrong-order")
    marks = b.eval(f"Array.from({sec}.querySelectorAll('.chain')[0].querySelectorAll('.badge')).map(e => e.textContent)")
    f.check(any(m.startswith("OUT OF ORDER") for m in marks), f"wrong order marked: {marks}")
    links = b.eval(f"Array.from({sec}.querySelectorAll('.chain')[0].querySelectorAll('.link.bad')).map(e => e.textContent)")
    f.check(any("did not issue" in t for t in links), f"the broken link between sent certificates: {links}")
    v = verdict(sec, "cloudfront-origin")
    f.check(v is not None and "reject" in v[0] and v[1] == "WRONG_ORDER", f"wrong-order cloudfront cell: {v}")
    v = verdict(sec, "openssl")
    f.check(v is not None and "accept" in v[0], f"wrong-order openssl cell: {v}")

    sec = open_row("expired")
    marks = b.eval(f"Array.from({sec}.querySelectorAll('.card.m-expired .badge')).map(e => e.textContent)")
    f.check("EXPIRED" in marks, f"the expired certificate is marked: {marks}")
    v = verdict(sec, "openssl")
    f.check(v is not None and v[1] == "EXPIRED", f"expired openssl cell: {v}")

    sec = open_row("hostname-mismatch")
    v = verdict(sec, "node")
    f.check(v is not None and v[1] == "HOSTNAME_MISMATCH", f"hostname-mismatch node cell: {v}")
    sec = open_row("sni-required")
    f.check(b.eval(f"{sec}.querySelectorAll('table.verdicts tr[data-profile]').length") >= 8, "sni-required verdicts")
    sec = open_row("good")
    f.check(b.eval(f"{sec}.querySelectorAll('table.verdicts tr.reject').length") == 0, "good: every profile accepts")

    # HTML from certificates, paths and headers stays text.
    sec = open_row("evil")
    cn = b.eval(f"{sec}.querySelector('.card .cn').textContent")
    f.check(cn == EVIL_CN, f"a <script> subject renders as text: {cn!r}")
    subject = b.eval(f"{sec}.querySelector('.card dd').textContent")
    f.check("<b>bold</b>" in subject.replace("\\", ""), f"the subject's O stays text: {subject!r}")
    ua = b.eval(f"Array.from({sec}.querySelectorAll('table.http tr')).map(r => r.textContent).join('|')")
    f.check("<script>alert(3)</script>" in ua and "\"'><svg onload=alert(4)>" in ua, f"headers stay text: {ua!r}")
    req = b.eval(f"{sec}.querySelector('table.http td.mono').textContent")
    f.check("/<img/src=x/onerror=alert(2)>?q=<b>x</b>" in req, f"the path stays text: {req!r}")
    f.check(b.eval("document.scripts.length") == 1 and
            b.eval("document.querySelectorAll('img, [onerror], [onload]').length") == 0 and
            b.eval("Array.from(document.querySelectorAll('b')).every(e => e.textContent !== 'bold')"),
            "no element from a record made it into the page")
    f.check(not b.dialogs(), f"no script from a record ran: {b.dialogs()}")

    # Filters.
    b.eval("document.getElementById('f-outcome').value = 'accepted';"
           "document.getElementById('f-outcome').dispatchEvent(new Event('input'))")
    b.wait("document.querySelectorAll('#rows tr.row').length < 7")
    whos = b.eval("Array.from(document.querySelectorAll('#rows .who')).map(w => w.textContent)")
    f.check(whos and all(w == "accepted" for w in whos), f"filter accepted: {whos}")
    b.eval("document.getElementById('f-outcome').value = '';"
           "document.getElementById('f-host').value = 'wrong';"
           "document.getElementById('f-host').dispatchEvent(new Event('input'))")
    b.wait("document.querySelectorAll('#rows tr.row').length === 1", what="the host filter")
    b.eval("document.getElementById('f-host').value = '';"
           "document.getElementById('f-profile').value = 'cloudfront-origin';"
           "document.getElementById('f-profile').dispatchEvent(new Event('input'))")
    hosts = b.wait("document.querySelectorAll('#rows tr.row').length < 7 && "
                   "Array.from(document.querySelectorAll('#rows td.host a')).map(a => a.textContent)")
    f.check(not any(h.startswith("good.") for h in hosts) and any(h.startswith("wrong-order.") for h in hosts),
            f"filter by profile: {hosts}")

    # The record as JSON.
    rid = by_name["wrong-order"][0]
    rec = b.eval(f"fetch('api/conn/{rid}.json').then(r => r.json())")
    f.check(rec["tls"]["client"]["server_name"].startswith("wrong-order") and
            len(rec["tlsmirror"]["mirror"]["certificate_chain"]) == 3, "the record downloads as JSON")

# Dark mode reads too.
with Browser(width=1400, height=1000, dark=True) as b:
    b.goto(url + "#c-" + by_name["wrong-order"][0])
    b.wait("!!document.querySelector('#detail section.conn')", what="a connection opened from the URL")
    bg = b.eval("getComputedStyle(document.body).backgroundColor")
    f.check(bg != "rgb(255, 255, 255)", f"dark mode: {bg}")
    shot(b, "live-wrong-order-dark.png", full=True)

# A token: the page asks for it once.
proxy2, url2 = start_proxy(lab, evil_port, "uiproxy2", "--ui-token", "s3cret-token")
addr2 = url2[len("http://"):].rstrip("/")
status, _, _ = http_get(addr2, "/api/hello", {"Host": "anything.example"})
f.check(status == 401, f"with a token, the API needs it: {status}")
status, _, _ = http_get(addr2, "/api/login", {"Host": addr2}, method="POST", body="wrong")
f.check(status == 403, f"a wrong token is refused: {status}")
status, _, _ = http_get(addr2, "/api/login", {"Host": addr2, "Origin": "http://evil.example"}, method="POST",
                        body="s3cret-token")
f.check(status == 403, f"a cross-origin login is refused: {status}")
with Browser() as b:
    b.goto(url2)
    b.wait("!document.getElementById('login').hidden", what="the token prompt")
    b.eval("document.getElementById('token').value = 's3cret-token';"
           "document.getElementById('login').requestSubmit()")
    b.wait("document.getElementById('status').textContent === 'live'", what="the stream after the token")
    e2e.curl(proxy2.port, lab.scenarios["good"]["host"], proxy2.root)
    b.wait("document.querySelectorAll('#rows tr.row').length === 1", what="a row after login")
    f.check(True, "the token opens the view")
proxy2.stop()

records = proxy.records(at_least=want)
f.check(proxy.stop() == 0, "the proxy with --ui stops cleanly")

# The report, with JavaScript off.
report = os.path.join(e2e.TMP, "report.html")
r = e2e.run([e2e.TLSMIRROR, "report", proxy.log, "-o", report])
f.check(r.returncode == 0 and "7 connections" in r.stderr, f"report: {r.returncode} {r.stderr}")
with Browser(javascript=False) as b:
    b.goto("file://" + report)
    hosts = b.eval("Array.from(document.querySelectorAll('#rows td.host a')).map(a => a.textContent)")
    for name in SCENARIOS:
        f.check(any(h.startswith(name + ".") for h in hosts), f"the report lists {name} without JavaScript")
    sec = ("Array.from(document.querySelectorAll('section.conn')).find(s => "
           "s.querySelector('h2').textContent.startsWith('missing-intermediate.'))")
    f.check(b.eval(f"getComputedStyle({sec}).display") != "none", "every connection shows without JavaScript")
    f.check(b.eval(f"{sec}.querySelectorAll('.chip.missing').length") == 2, "the report marks the missing intermediate")
    cell = b.eval(f"{sec}.querySelector('table.verdicts tr[data-profile=\"cloudfront-origin\"] td.reason').textContent")
    f.check(cell == "MISSING_INTERMEDIATE", f"the report's verdict cell: {cell}")
    f.check(EVIL_CN in b.eval("document.body.textContent") and b.eval("document.querySelectorAll('img').length") == 0,
            "the report shows the <script> subject as text")
    shot(b, "report-nojs.png")
with Browser() as b:
    b.goto("file://" + report)
    f.check(b.eval("document.querySelectorAll('section.conn.active').length") == 1, "with JavaScript, one at a time")
    f.check(b.eval("document.querySelectorAll('#counts .count').length") >= 3, "the report's counts")
    shot(b, "report.png")

# Bad input: truncated, foreign and garbage lines, and a line too long.
bad = os.path.join(e2e.TMP, "bad.jsonl")
good_line = open(proxy.log).read().split("\n")[0]
with open(bad, "w") as out:
    out.write(good_line + "\n")
    out.write(good_line[: len(good_line) // 2] + "\n")
    out.write('{"hello": "world"}\n')
    out.write("this is not json\n\n")
    out.write("x" * (17 << 20) + "\n")
    out.write(good_line)  # no final newline
r = e2e.run([e2e.TLSMIRROR, "report", bad, "-o", os.path.join(e2e.TMP, "bad.html")], timeout=60)
f.check(r.returncode == 0 and "line 2: the record ends early" in r.stderr and
        "line 3: JSON, but not a tlsmirror connection record" in r.stderr and "line 4: not JSON" in r.stderr and
        "line 6: longer than 16 MiB" in r.stderr and "4 lines of" in r.stderr and "2 connections" in r.stderr,
        f"bad lines are named and skipped: {r.returncode} {r.stderr}")
html = open(os.path.join(e2e.TMP, "bad.html")).read()
f.check("4 lines" not in html or "skipped" in html, "the report notes the skipped lines")
foreign = os.path.join(e2e.TMP, "foreign.jsonl")
with open(foreign, "w") as out:
    out.write('{"a": 1}\n{"b": 2}\n')
r = e2e.run([e2e.TLSMIRROR, "report", foreign, "-o", os.path.join(e2e.TMP, "foreign.html")])
f.check(r.returncode == 2 and "holds no tlsmirror record" in r.stderr, f"a foreign file: {r.returncode} {r.stderr}")

# A large file is read line by line: memory does not grow with the file.
def report_rss(path, megabytes):
    lines = [line for line in open(proxy.log).read().split("\n") if line]
    with open(path, "w") as out:
        written = 0
        while written < megabytes << 20:
            for line in lines:
                out.write(line + "\n")
                written += len(line) + 1
    start = time.time()
    # os.wait4 measures this process alone (the browsers are children too).
    # Under ASan, freed memory waits in a quarantine (256 MB) before reuse: keep it small to see the program's own.
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=8"
    p = subprocess.Popen([e2e.TLSMIRROR, "report", path, "--limit", "200", "-o", path + ".html"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    stderr = p.stderr.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    os.remove(path)
    f.check(os.waitstatus_to_exitcode(status) == 0, f"a {megabytes} MB file: {stderr}")
    print(f"report of {megabytes} MB: {time.time() - start:.1f} s, max RSS {usage.ru_maxrss / 1024:.0f} MB", flush=True)
    return usage.ru_maxrss / 1024


small_rss = report_rss(os.path.join(e2e.TMP, "small.jsonl"), 2)
big_mb = 200 if FULL else 20
big_rss = report_rss(os.path.join(e2e.TMP, "big.jsonl"), big_mb)
f.check(big_rss < small_rss + 32, f"{big_mb} MB take {big_rss:.0f} MB of memory, 2 MB take {small_rss:.0f} MB")

# inspect --html: the one-target version.
s = lab.scenarios["missing-intermediate"]
page = os.path.join(e2e.TMP, "inspect.html")
r = e2e.run([e2e.TLSMIRROR, "inspect", f"{s['host']}:{s['port']}", "--resolve", f"{s['host']}:{s['port']}:127.0.0.1",
             "--trust", lab.root, "--html", page])
f.check(r.returncode == 1 and os.path.exists(page), f"inspect --html: {r.returncode} {r.stderr}")
with Browser(javascript=False) as b:
    b.goto("file://" + page)
    f.check(b.eval("document.querySelectorAll('section.conn .chip.missing').length") == 1,
            "inspect --html marks the missing intermediate")
    cell = b.eval("document.querySelector('table.verdicts tr[data-profile=\"java\"] td.reason').textContent")
    f.check(cell == "MISSING_INTERMEDIATE", f"inspect --html verdict cell: {cell}")
    shot(b, "inspect.png")


def ten_thousand():
    """The live page with 10,000 connections in the ring: load, filter, open."""
    p, purl = start_proxy(lab, evil_port, "uiproxy10k")
    s = lab.scenarios["good"]
    lua = os.path.join(e2e.TMP, "resolve.lua")
    with open(lua, "w") as out:
        out.write('function wrk.resolve(host, service) wrk.addrs = wrk.lookup("127.0.0.1", service) end\n')
    start = time.time()
    while len(open(p.log).read().split("\n")) <= 10000 and time.time() - start < 900:
        e2e.run(["wrk", "-t1", "-c8", "-d10s", "-s", lua, "-H", "Connection: close",
                 f"https://{s['host']}:{p.port}/"], timeout=60)
    n = len(open(p.log).read().split("\n")) - 1
    print(f"10k: {n} connections in {time.time() - start:.0f} s", flush=True)
    with Browser(width=1400, height=1000) as b:
        t0 = time.time()
        b.goto(purl)
        b.wait("/^10000 of 10000/.test(document.getElementById('shown').textContent)", timeout=120,
               what="10,000 rows")
        load = time.time() - t0
        took = b.eval("(() => { const t = performance.now(); const h = document.getElementById('f-host');"
                      " h.value = 'nothing-matches'; h.dispatchEvent(new Event('input'));"
                      " return new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
                      "() => r(performance.now() - t)))); })()")
        rows = b.eval("document.querySelectorAll('#rows tr').length")
        b.eval("const h = document.getElementById('f-host'); h.value = ''; h.dispatchEvent(new Event('input'))")
        b.wait("document.querySelectorAll('#rows tr').length === 500", what="500 rows in the DOM")
        t1 = time.time()
        b.eval("document.querySelector('#rows tr.row').click()")
        b.wait("!!document.querySelector('#detail section.conn')", what="a connection opened")
        opened = time.time() - t1
    rss = int(open(f"/proc/{p.proc.pid}/status").read().split("VmRSS:")[1].split()[0]) // 1024
    print(f"10k: page shows 10,000 in {load:.1f} s, a filter takes {took:.0f} ms, a connection opens in "
          f"{opened * 1000:.0f} ms; the proxy's RSS {rss} MB", flush=True)
    f.check(n >= 10000 and load < 60 and took < 1000 and rows == 0 and opened < 5, "responsive with 10,000 records")
    p.stop()


if FULL:
    ten_thousand()
lab.stop()
f.finish()
