"""A minimal headless Chromium harness for difftest: a fresh HOME whose NSS
database trusts the given roots, the DevTools protocol over a pipe (fds 3
and 4, NUL-separated JSON), and Page.navigate, whose errorText is Chromium's
net error ("net::ERR_CERT_AUTHORITY_INVALID") or absent when the page loaded.
Every name resolves to 127.0.0.1 (--host-resolver-rules)."""

import json
import os
import select
import shutil
import subprocess
import time

CANDIDATES = ["/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium-headless-shell",
              "/usr/lib/chromium/chromium", "/usr/bin/chromium"]


def find():
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return None


def available():
    return find() is not None and shutil.which("certutil") is not None


class Chromium:
    def __init__(self, workdir, roots):
        """Starts Chromium with HOME=workdir/home trusting `roots` [(nickname, pem_path)]."""
        self.home = os.path.join(workdir, "home")
        shutil.rmtree(workdir, ignore_errors=True)
        db = os.path.join(self.home, ".pki", "nssdb")
        os.makedirs(db)
        subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True, capture_output=True)
        for nick, path in roots:
            subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", nick, "-t", "C,,", "-i", path], check=True,
                           capture_output=True)
        r_in, w_in = os.pipe()  # Chromium reads commands on fd 3
        r_out, w_out = os.pipe()  # and writes replies on fd 4
        # Move the child's ends out of the way of 3 and 4 before the child dup2s them there.
        child_in, child_out = os.dup(r_in), os.dup(w_out)
        for fd in (r_in, w_out):
            os.close(fd)

        def setup():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        env = dict(os.environ, HOME=self.home)
        args = [find(), "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--host-resolver-rules=MAP * 127.0.0.1", f"--user-data-dir={os.path.join(workdir, 'profile')}",
                "about:blank"]
        self.log = open(os.path.join(workdir, "chromium.log"), "w")
        self.proc = subprocess.Popen(args, env=env, preexec_fn=setup, close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        os.close(child_in)
        os.close(child_out)
        self.w = w_in
        self.r = r_out
        self.buf = b""
        self.next_id = 0
        target = self.call("Target.createTarget", {"url": "about:blank"}, timeout=30)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]
            left = deadline - time.time()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError(f"{method}: no answer in {timeout}s")
            chunk = os.read(self.r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium exited")
            self.buf += chunk

    def navigate(self, url, timeout=30):
        """Returns Chromium's net error for `url` ("" when the page loaded)."""
        result = self.call("Page.navigate", {"url": url}, session=self.session, timeout=timeout)
        return result.get("errorText", "")

    def close(self):
        for fd in (self.w, self.r):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
