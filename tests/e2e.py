"""Shared helpers for tlsmirror's end-to-end tests.

They start the real binary (the lab, the proxy) on loopback with free ports,
run real clients (curl, openssl s_client, Node, Java, Python) against it, and
turn each client's output into one of tlsmirror's reason codes, so the tests
compare like with like. Every process is bounded in time and stopped at exit.
"""

import atexit
import json
import os
import re
import signal
import subprocess
import sys
import time

ROOT = os.getcwd()  # Bazel runs tests from the workspace's runfiles directory.
TLSMIRROR = os.path.join(ROOT, "tools", "tlsmirror")
TMP = os.environ.get("TEST_TMPDIR", "/tmp")

_children = []


def _stop_children():
    for p in _children:
        if p.poll() is None:
            p.kill()
            p.wait()


atexit.register(_stop_children)


def spawn(args, **kw):
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace", **kw)
    _children.append(p)
    return p


def run(args, timeout=30, **kw):
    return subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=timeout, **kw)


def wait_for_file(path, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}: {proc.stderr.read()}")
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {path}")


class Lab:
    """A running `tlsmirror lab` on free ports, with its lab.json loaded."""

    def __init__(self, only=None, duration=600, name="lab", handshake=False):
        self.dir = os.path.join(TMP, name)
        args = [TLSMIRROR, "lab", "--out", self.dir, "--port-base", "0", "--duration", str(duration)]
        if only:
            args += ["--only", ",".join(only)]
        if handshake:
            args += ["--handshake"]  # the handshake scenarios instead of the certificate ones
        self.proc = spawn(args)
        wait_for_file(os.path.join(self.dir, "lab.json"), self.proc)
        with open(os.path.join(self.dir, "lab.json")) as f:
            self.json = json.load(f)
        self.root = self.json["trust_anchor"]
        self.scenarios = {s["name"]: s for s in self.json["scenarios"]}
        # Offline fixtures: chains the lab's BoringSSL cannot serve (OpensslOrigin can).
        self.offline = {s["name"]: s for s in self.json.get("offline", [])}

    def stop(self, sig=signal.SIGINT, timeout=10):
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


# OpenSSL verify codes and texts, as curl, s_client and Python print them.
OPENSSL_CODES = {
    2: "MISSING_INTERMEDIATE",
    9: "NOT_YET_VALID",
    10: "EXPIRED",
    18: "SELF_SIGNED",
    19: "UNTRUSTED_ROOT",
    20: "MISSING_INTERMEDIATE",
    21: "MISSING_INTERMEDIATE",
    25: "PATH_LENGTH",
    26: "BAD_EKU",
    34: "UNHANDLED_CRITICAL_EXTENSION",
    47: "NAME_CONSTRAINTS",
    62: "HOSTNAME_MISMATCH",
    64: "HOSTNAME_MISMATCH",
    66: "WEAK_KEY",
    67: "WEAK_KEY",
    68: "WEAK_SIGNATURE",
    79: "INVALID_CA",
}
OPENSSL_TEXTS = {
    "unable to get local issuer certificate": "MISSING_INTERMEDIATE",
    "unable to verify the first certificate": "MISSING_INTERMEDIATE",
    "certificate is not yet valid": "NOT_YET_VALID",
    "certificate has expired": "EXPIRED",
    "self-signed certificate in certificate chain": "UNTRUSTED_ROOT",
    "self-signed certificate": "SELF_SIGNED",
    "unsuitable certificate purpose": "BAD_EKU",
    "permitted subtree violation": "NAME_CONSTRAINTS",
    "hostname mismatch": "HOSTNAME_MISMATCH",
    "EE certificate key too weak": "WEAK_KEY",
    "CA certificate key too weak": "WEAK_KEY",
    "CA signature digest algorithm too weak": "WEAK_SIGNATURE",
    "unhandled critical extension": "UNHANDLED_CRITICAL_EXTENSION",
    "path length constraint exceeded": "PATH_LENGTH",
    "invalid CA certificate": "INVALID_CA",
    "key usage does not include certificate signing": "KEY_USAGE",
}


def reason_from_openssl_text(text):
    for needle, reason in OPENSSL_TEXTS.items():
        if needle in text:
            return reason
    return None


def s_client(port, host, ca, sni=True, cert=None, key=None, timeout=15):
    """Runs `openssl s_client -verify_return_error`; returns (reason, evidence)."""
    args = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-verify_return_error",
            "-verify_hostname", host, "-CAfile", ca, "-brief", "-ign_eof"]
    args += ["-servername", host] if sni else ["-noservername"]
    if cert:
        args += ["-cert", cert, "-key", key, "-cert_chain", cert]
    # A request makes the server's post-handshake alerts (certificate_required) arrive.
    r = run(args, input=f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n", timeout=timeout)
    out = r.stdout + r.stderr
    m = re.search(r"verify error:num=(\d+):([^\n]*)", out)
    if m:
        return OPENSSL_CODES.get(int(m.group(1)), "UNKNOWN_" + m.group(1)), m.group(0)
    m = re.search(r"(?:ssl3_read_bytes|SSL routines)[^\n]*?:([^:\n]*alert[^:\n]*):", out)
    if m:
        return "HANDSHAKE_ALERT", m.group(1)
    if r.returncode == 0 and "200 OK" in out:
        return "OK", "HTTP/1.1 200 OK"
    return "UNKNOWN", out.strip()[-300:]


def curl(port, host, ca, cert=None, key=None, max_time=15, path="/"):
    """Runs curl with --resolve; returns (reason, evidence, completed process)."""
    args = ["curl", "-sS", "--max-time", str(max_time), "--cacert", ca,
            "--resolve", f"{host}:{port}:127.0.0.1", "-D", "-", f"https://{host}:{port}{path}"]
    if cert:
        args += ["--cert", cert, "--key", key]
    r = run(args, timeout=max_time + 10)
    err = r.stderr.strip()
    if r.returncode == 0:
        return "OK", "exit 0", r
    if r.returncode == 60:
        if "no alternative certificate subject name matches" in err:
            return "HOSTNAME_MISMATCH", err, r
        return reason_from_openssl_text(err) or "UNKNOWN", err, r
    if r.returncode in (35, 56) and "alert" in err:
        return "HANDSHAKE_ALERT", err, r
    if r.returncode == 28:
        return "TIMEOUT", err, r
    if r.returncode == 7:
        return "CONNECT_FAILED", err, r
    return "UNKNOWN", f"exit {r.returncode}: {err}", r


class OpensslOrigin:
    """An HTTPS origin on a free loopback port that sends `chain` (PEM, leaf
    first) exactly as given, with the system OpenSSL (Python's ssl) at
    security level 0: for the lab's offline fixtures, which BoringSSL refuses
    to serve. Each request gets "HTTP/1.1 200 OK"."""

    def __init__(self, chain, key):
        import socket
        import ssl
        import threading
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.set_ciphers("ALL:@SECLEVEL=0")
        self.ctx.load_cert_chain(chain, key)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        conn.settimeout(15)
        try:
            with self.ctx.wrap_socket(conn, server_side=True) as tls:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = tls.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
                tls.unwrap()  # close_notify: s_client treats a bare close as an error
        except OSError:  # a client that refuses the chain just leaves
            pass
        finally:
            conn.close()

    def stop(self):
        self.sock.close()


class Proxy:
    """A running `tlsmirror proxy` on a free port; records are read from its log."""

    def __init__(self, origin, *args, ca_dir=None, name="proxy", trust=None, resolve=True, workers=1, env=None):
        self.log = os.path.join(TMP, f"{name}.log")
        self.ca_dir = ca_dir or os.path.join(TMP, "ca")
        argv = [TLSMIRROR, "proxy", "--origin", origin, "--listen", "127.0.0.1:0", "--ca-dir", self.ca_dir,
                "--log", self.log, "--workers", str(workers)]
        if resolve and origin != "sni" and ":" in origin:
            host, port = origin.rsplit(":", 1)
            argv += ["--resolve", f"{host}:{port}:127.0.0.1"]
        if trust:
            argv += ["--trust", trust]
        argv += list(args)
        self.proc = spawn(argv, env=env)
        self.stderr_lines = []
        deadline = time.time() + 30
        self.port = None
        self.metrics = None
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError(f"proxy exited with {self.proc.wait()}: {self.stderr_lines}")
            self.stderr_lines.append(line)
            m = re.search(r"listening on [^ ]*:(\d+),", line)
            if m:
                self.port = int(m.group(1))
            m = re.search(r"metrics on http://([^/]+)/metrics", line)
            if m:
                self.metrics = m.group(1)
            if self.port and ("--metrics" not in args or self.metrics):
                break
        if not self.port:
            raise RuntimeError("proxy did not report its port")
        self.root = os.path.join(self.ca_dir, "root.pem")

    def records(self, at_least=0, timeout=10):
        """The log's records, waiting until there are at least `at_least`."""
        deadline = time.time() + timeout
        while True:
            try:
                with open(self.log) as f:
                    # The last line may still be being written: only whole lines count.
                    recs = [json.loads(line) for line in f.read().split("\n")[:-1] if line.strip()]
            except FileNotFoundError:
                recs = []
            if len(recs) >= at_least or time.time() > deadline:
                return recs
            time.sleep(0.05)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


CLIENTS = os.path.join(ROOT, "tests", "clients")


def node_batch(jobs, timeout=300):
    """Runs tests/clients/node_client.js on jobs; returns {id: result}."""
    r = subprocess.run(["node", os.path.join(CLIENTS, "node_client.js")], input=json.dumps(jobs),
                       capture_output=True, text=True, timeout=timeout)
    return {j["id"]: j for j in map(json.loads, r.stdout.splitlines())}


def java_batch(jobs, timeout=300):
    """Runs tests/clients/JavaClient.java on jobs; returns {id: result}."""
    lines = "".join(f"{j['id']} {j['port']} {j['host']} {int(j['sni'])} {j['ca']}\n" for j in jobs)
    r = subprocess.run(["java", os.path.join(CLIENTS, "JavaClient.java")], input=lines, capture_output=True,
                       text=True, timeout=timeout)
    return {j["id"]: j for j in map(json.loads, r.stdout.splitlines())}


NODE_CODES = {
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE": "MISSING_INTERMEDIATE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY": "MISSING_INTERMEDIATE",
    "CERT_HAS_EXPIRED": "EXPIRED", "CERT_NOT_YET_VALID": "NOT_YET_VALID", "DEPTH_ZERO_SELF_SIGNED_CERT": "SELF_SIGNED",
    "SELF_SIGNED_CERT_IN_CHAIN": "UNTRUSTED_ROOT", "ERR_TLS_CERT_ALTNAME_INVALID": "HOSTNAME_MISMATCH",
    "INVALID_PURPOSE": "BAD_EKU", "PATH_LENGTH_EXCEEDED": "PATH_LENGTH", "INVALID_CA": "INVALID_CA",
}


def node_reason(j):
    """Maps a node_client.js result to a reason code."""
    if j["ok"]:
        return "OK"
    if j["code"] in NODE_CODES:
        return NODE_CODES[j["code"]]
    if (j["code"] or "").startswith("ERR_SSL_") and "alert" in j["message"]:
        return "HANDSHAKE_ALERT"
    return reason_from_openssl_text(j["message"]) or "UNKNOWN:" + str(j["code"])


JAVA_REASONS = [
    ("PKIX path building failed", {"MISSING_INTERMEDIATE", "UNTRUSTED_ROOT", "SELF_SIGNED"}),
    ("validity check failed", {"EXPIRED", "NOT_YET_VALID"}),
    ("name constraints check failed", {"NAME_CONSTRAINTS"}),
    ("Algorithm constraints check failed", {"WEAK_SIGNATURE", "WEAK_KEY"}),
    ("No subject alternative", {"HOSTNAME_MISMATCH"}),
    ("No name matching", {"HOSTNAME_MISMATCH"}),
    ("Extended key usage does not permit", {"BAD_EKU"}),
    ("unrecognized critical extension", {"UNHANDLED_CRITICAL_EXTENSION"}),
    ("pathLenConstraint violated", {"PATH_LENGTH"}),
    ("basic constraints check failed", {"INVALID_CA"}),
    ("CA key usage check failed", {"KEY_USAGE"}),
    ("KeyUsage does not allow", {"KEY_USAGE"}),
    ("policy tree", {"POLICY"}),
    ("Received fatal alert", {"HANDSHAKE_ALERT"}),
    # When a server closes right after its alert, Java may lose the race and
    # report the closed socket instead of the alert.
    ("Broken pipe", {"HANDSHAKE_ALERT"}),
    ("Connection reset", {"HANDSHAKE_ALERT"}),
]


def java_reasons(j):
    """The reason codes a java_batch result is consistent with."""
    if j["ok"]:
        return {"OK"}
    return next((r for needle, r in JAVA_REASONS if needle in (j["message"] or "")), set())


def python_client(port, host, ca, timeout=15):
    """Python's ssl module (OpenSSL 3, check_hostname on) with SNI; returns (reason, evidence)."""
    import socket
    import ssl
    ctx = ssl.create_default_context(cafile=ca)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            with ctx.wrap_socket(sock, server_hostname=host) as tls:
                tls.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                data = tls.recv(12)
                return ("OK", "200") if data.startswith(b"HTTP/1.1 200") else ("UNKNOWN", repr(data))
    except ssl.SSLCertVerificationError as e:
        if e.verify_code in OPENSSL_CODES:
            return OPENSSL_CODES[e.verify_code], str(e)
        return "UNKNOWN", str(e)
    except ssl.SSLError as e:
        return ("HANDSHAKE_ALERT", str(e)) if "ALERT" in str(e) else ("UNKNOWN", str(e))
    except OSError as e:
        return "UNKNOWN", repr(e)


class Failures:
    """Collects mismatches so one run reports all of them, then fails once."""

    def __init__(self):
        self.items = []
        self.checks = 0

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.items.append(what)
            print("MISMATCH:", what, flush=True)

    def finish(self):
        print(f"{self.checks} checks, {len(self.items)} mismatches", flush=True)
        if self.checks == 0:
            print("no checks ran", flush=True)
            sys.exit(1)
        sys.exit(1 if self.items else 0)
