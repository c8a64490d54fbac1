"""Real headless Chromium as a test oracle.

`load(urls, root_pem, map_to=...)` starts ONE chromium-headless-shell process
for a whole batch of URLs, trusting `root_pem` through a fresh NSS database
(as a user who adds a CA to Chromium on Linux does), with every *.lab.test name
mapped to loopback, and returns, per URL, what Chromium did: loaded the page
(`ok`, with the page's text) or refused it (`error`, e.g. "net::ERR_CERT_AUTHORITY_INVALID").

It drives Chromium through the DevTools protocol over --remote-debugging-pipe
(file descriptors 3 and 4, NUL-terminated JSON), with Python's standard library
only: Page.navigate reports a failed navigation's net error as `errorText`.
One process per batch costs one start-up (about a second) instead of one per URL.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time

BINARY = "chromium-headless-shell"

# As root, on a machine whose network is closed: no sandbox, no GPU, and no
# background traffic (component updates, sync, QUIC probes) to be refused.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable",
         "--remote-debugging-pipe"]


def version():
    """Chromium's version line, e.g. 'Chromium 156.0.8078.129'."""
    r = subprocess.run([BINARY, "--version"], capture_output=True, text=True, timeout=30)
    return r.stdout.strip()


def make_home(root_pem, base):
    """A temporary HOME whose NSS database ($HOME/.pki/nssdb) trusts root_pem for TLS servers."""
    home = tempfile.mkdtemp(prefix="chromium-home-", dir=base)
    db = os.path.join(home, ".pki", "nssdb")
    os.makedirs(db)
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-t", "C,,", "-n", "lab", "-i", root_pem], check=True,
                   capture_output=True)
    return home


class _Pipe:
    """The DevTools protocol over Chromium's fd 3 (commands in) and fd 4 (messages out)."""

    def __init__(self, proc, write_fd, read_fd):
        self.proc, self.w, self.r = proc, write_fd, read_fd
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read(deadline)
            if m is None:
                raise TimeoutError(f"no answer to {method} in {timeout}s")
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m["result"]
            self.events.append(m)

    def _read(self, deadline):
        import select
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                return None
            chunk = os.read(self.r, 1 << 16)
            if not chunk:
                raise RuntimeError(f"chromium exited ({self.proc.poll()})")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)


def load(urls, root_pem, map_rules="MAP *.lab.test 127.0.0.1", timeout=40, base=None, keep_log=None):
    """Loads each URL in turn in one Chromium; returns {url: {"ok", "error", "text"}}.

    `error` is Chromium's net error ("net::ERR_CERT_DATE_INVALID"), None when the
    page loaded; `text` is the start of the page's body text when it loaded.
    """
    base = base or os.environ.get("TEST_TMPDIR", "/tmp")
    home = make_home(root_pem, base)
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=base)
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    log = open(keep_log or os.devnull, "w")

    def child_fds():
        # Either end may itself be fd 3 or 4: move both out of the way first.
        r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)
        os.dup2(r, 3)
        os.dup2(w, 4)

    proc = subprocess.Popen(
        [BINARY, *FLAGS, f"--user-data-dir={profile}", f"--host-resolver-rules={map_rules}", "about:blank"],
        env=dict(os.environ, HOME=home), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        preexec_fn=child_fds, close_fds=False)  # fds 3 and 4 stay open; Python's own are close-on-exec
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    cdp = _Pipe(proc, to_chrome_w, from_chrome_r)
    results = {}
    try:
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for url in urls:
            start = time.time()
            nav = cdp.send("Page.navigate", {"url": url}, session=session, timeout=timeout)
            error = nav.get("errorText") or None
            text = ""
            if error is None:
                text = _body_text(cdp, session, timeout)
            results[url] = {"ok": error is None, "error": error, "text": text, "seconds": time.time() - start}
    finally:
        try:
            cdp.send("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - Chromium may already be gone; it is killed below
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        log.close()
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)
    return results


def _body_text(cdp, session, timeout):
    """The page's body text once the document has loaded (navigation commits earlier)."""
    deadline = time.time() + timeout
    expr = "document.readyState === 'complete' && document.body ? document.body.innerText : null"
    while time.time() < deadline:
        r = cdp.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=session)
        value = r.get("result", {}).get("value")
        if value is not None:
            return value[:500]
        time.sleep(0.05)
    return ""
