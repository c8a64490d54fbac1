"""The judges: tlsmirror (offline on the PEM file, and live), and the real
clients on this machine (openssl s_client, Node's TLS client, Java's PKIX,
headless Chromium). Each real result becomes an Outcome: accept or reject,
the client's own words, and the reason codes those words are consistent with
(None when the words do not say why, e.g. Java's "PKIX path building failed").
"""

import json
import os
import re
import subprocess
import threading

# Reason codes a real client's rejection can stand for. tlsmirror's own codes,
# plus the ones issue 15 asks for (INVALID_CA, PATH_LENGTH, KEY_USAGE, POLICY)
# and BAD_SIGNATURE / MALFORMED / UNSUPPORTED for what tlsmirror has no code for yet.
ANY_CHAIN = None  # the words do not say why

# OpenSSL's 26 (unsuitable certificate purpose) on a CA is check_ssl_ca
# failing, i.e. the CA itself is invalid (CA:FALSE, no basicConstraints, v1):
# Node reports it last for such an intermediate, after 79.
OPENSSL = {  # X509_V_ERR_* (openssl/x509_vfy.h, 3.0) -> reasons
    2: {"MISSING_INTERMEDIATE", "UNTRUSTED_ROOT"}, 4: {"BAD_SIGNATURE"}, 6: {"UNSUPPORTED", "MALFORMED"},
    7: {"BAD_SIGNATURE", "MISSING_INTERMEDIATE"}, 9: {"NOT_YET_VALID"}, 10: {"EXPIRED"},
    13: {"MALFORMED"}, 14: {"MALFORMED"}, 18: {"SELF_SIGNED"}, 19: {"UNTRUSTED_ROOT"},
    20: {"MISSING_INTERMEDIATE", "UNTRUSTED_ROOT"}, 21: {"MISSING_INTERMEDIATE"},
    22: {"CHAIN_TOO_LONG", "UNTRUSTED_ROOT"},
    24: {"UNSUPPORTED", "MALFORMED"}, 25: {"PATH_LENGTH"}, 26: {"BAD_EKU", "KEY_USAGE", "INVALID_CA"}, 27: {"UNTRUSTED_ROOT"},
    28: {"UNTRUSTED_ROOT"}, 29: {"MISSING_INTERMEDIATE"}, 30: {"MISSING_INTERMEDIATE"}, 31: {"MISSING_INTERMEDIATE"},
    32: {"KEY_USAGE"}, 34: {"UNHANDLED_CRITICAL_EXTENSION"}, 37: {"INVALID_CA"}, 39: {"KEY_USAGE"},
    41: {"MALFORMED"}, 42: {"POLICY"}, 43: {"POLICY"}, 47: {"NAME_CONSTRAINTS"}, 48: {"NAME_CONSTRAINTS"},
    49: {"NAME_CONSTRAINTS"}, 51: {"NAME_CONSTRAINTS"}, 52: {"NAME_CONSTRAINTS"}, 53: {"NAME_CONSTRAINTS"},
    55: {"UNTRUSTED_ROOT"}, 62: {"HOSTNAME_MISMATCH", "NO_SAN"}, 64: {"HOSTNAME_MISMATCH"}, 66: {"WEAK_KEY"},
    67: {"WEAK_KEY"}, 68: {"WEAK_SIGNATURE"}, 76: {"UNSUPPORTED"}, 77: {"BAD_SIGNATURE", "MALFORMED"},
    78: {"MALFORMED"}, 79: {"INVALID_CA"}, 80: {"INVALID_CA", "MALFORMED"}, 81: {"KEY_USAGE", "MALFORMED"},
    82: {"INVALID_CA", "KEY_USAGE"}, 83: {"MALFORMED"}, 84: {"MALFORMED"}, 85: {"MALFORMED"}, 86: {"MALFORMED"},
    87: {"MALFORMED"}, 88: {"MALFORMED"}, 89: {"INVALID_CA"}, 90: {"MALFORMED"}, 91: {"MALFORMED"},
    92: {"KEY_USAGE"}, 93: {"MALFORMED"}, 94: {"UNSUPPORTED"},
}
OPENSSL_NAMES = {  # Node's err.code for the same errors
    "UNABLE_TO_GET_ISSUER_CERT": 2, "UNABLE_TO_DECRYPT_CERT_SIGNATURE": 4, "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY": 6,
    "CERT_SIGNATURE_FAILURE": 7, "CERT_NOT_YET_VALID": 9, "CERT_HAS_EXPIRED": 10,
    "ERROR_IN_CERT_NOT_BEFORE_FIELD": 13, "ERROR_IN_CERT_NOT_AFTER_FIELD": 14, "DEPTH_ZERO_SELF_SIGNED_CERT": 18,
    "SELF_SIGNED_CERT_IN_CHAIN": 19, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY": 20, "UNABLE_TO_VERIFY_LEAF_SIGNATURE": 21,
    "CERT_CHAIN_TOO_LONG": 22, "PATH_LENGTH_EXCEEDED": 25, "INVALID_PURPOSE": 26, "CERT_UNTRUSTED": 27,
    "CERT_REJECTED": 28, "HOSTNAME_MISMATCH": 62, "INVALID_CA": 79,
}
HANDSHAKE = {"HANDSHAKE_ALERT", "PROTOCOL_MISMATCH"}
JAVA = [  # substring of the exception message -> reasons (first match wins)
    ("PKIX path building failed", ANY_CHAIN),
    ("validity check failed", {"EXPIRED", "NOT_YET_VALID"}),
    ("name constraints check failed", {"NAME_CONSTRAINTS"}),
    ("Algorithm constraints check failed", {"WEAK_SIGNATURE", "WEAK_KEY", "UNSUPPORTED"}),
    ("No subject alternative", {"HOSTNAME_MISMATCH", "NO_SAN"}),
    ("No name matching", {"HOSTNAME_MISMATCH", "NO_SAN"}),
    ("Extended key usage does not permit", {"BAD_EKU"}),
    ("unrecognized critical extension", {"UNHANDLED_CRITICAL_EXTENSION"}),
    ("pathLenConstraint violated", {"PATH_LENGTH"}),
    ("basic constraints check failed", {"INVALID_CA"}),
    ("CA key usage check failed", {"KEY_USAGE"}),
    ("does not have keyCertSign bit set", {"KEY_USAGE"}),
    ("is not a CA", {"INVALID_CA"}),
    ("incorrect KeyUsage extension bits", {"KEY_USAGE", "MALFORMED"}),
    ("Remote host terminated the handshake", HANDSHAKE),
    ("KeyUsage does not allow", {"KEY_USAGE"}),
    ("policy", {"POLICY"}),
    ("Policy", {"POLICY"}),
    ("signature check failed", {"BAD_SIGNATURE"}),
    # No trust anchor fits the top certificate (e.g. its authorityKeyIdentifier names another key).
    ("Path does not chain with any of the trust anchors", {"UNTRUSTED_ROOT", "MISSING_INTERMEDIATE"}),
    ("Signature does not match", {"BAD_SIGNATURE"}),
    ("Received fatal alert", HANDSHAKE),
    ("No appropriate protocol", HANDSHAKE),
    ("no cipher suites in common", HANDSHAKE),
    ("Broken pipe", HANDSHAKE),
    ("Connection reset", HANDSHAKE),
    ("Could not parse", {"MALFORMED"}),
    ("Failed to parse", {"MALFORMED"}),
    ("Unable to initialize", {"MALFORMED"}),
    ("parsing", {"MALFORMED"}),
    ("Parsing", {"MALFORMED"}),
    ("Invalid encoding", {"MALFORMED"}),
    ("DerInputStream", {"MALFORMED"}),
    ("CertificateException", {"MALFORMED"}),
]
CHROMIUM = {
    "ERR_CERT_AUTHORITY_INVALID": ANY_CHAIN, "ERR_CERT_INVALID": ANY_CHAIN,
    "ERR_CERT_COMMON_NAME_INVALID": {"HOSTNAME_MISMATCH", "NO_SAN"},
    "ERR_CERT_DATE_INVALID": {"EXPIRED", "NOT_YET_VALID"},
    "ERR_CERT_WEAK_KEY": {"WEAK_KEY"}, "ERR_CERT_WEAK_SIGNATURE_ALGORITHM": {"WEAK_SIGNATURE"},
    "ERR_CERT_NAME_CONSTRAINT_VIOLATION": {"NAME_CONSTRAINTS"}, "ERR_CERT_VALIDITY_TOO_LONG": {"EXPIRED"},
    "ERR_SSL_KEY_USAGE_INCOMPATIBLE": {"KEY_USAGE"}, "ERR_BAD_SSL_CLIENT_AUTH_CERT": HANDSHAKE,
    "ERR_SSL_VERSION_OR_CIPHER_MISMATCH": HANDSHAKE, "ERR_SSL_PROTOCOL_ERROR": HANDSHAKE | {"MALFORMED"},
    "ERR_CONNECTION_CLOSED": HANDSHAKE, "ERR_CONNECTION_RESET": HANDSHAKE,
    "ERR_SSL_SERVER_CERT_BAD_FORMAT": {"MALFORMED"}, "ERR_CERT_NON_UNIQUE_NAME": {"HOSTNAME_MISMATCH"},
}


# A client that could not reach the origin in time (the machine is busy) has
# no verdict; neither has tlsmirror then.
TRANSPORT = {"TIMEOUT", "CONNECT_FAILED"}


class Outcome:
    """A real client's result: accept, its words, and the reasons they fit."""

    def __init__(self, accept, words, reasons=ANY_CHAIN, detail=""):
        self.accept = accept
        self.words = words
        self.reasons = {"OK"} if accept else reasons
        self.detail = detail

    def to_json(self):
        return {"accept": self.accept, "words": self.words,
                "reasons": sorted(self.reasons) if self.reasons is not None else None, "detail": self.detail[:400]}


def reason_label(outcome):
    """A short, stable label of a real outcome for grouping."""
    if outcome.accept:
        return "OK"
    if outcome.reasons is None:
        return f"any({outcome.words})"
    return "|".join(sorted(outcome.reasons))


def run(args, timeout=30, **kw):
    try:
        return subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(args, -9, e.stdout or "", (e.stderr or "") + "\n(timed out)")


def is_ip(host):
    return bool(re.fullmatch(r"[0-9.]+|[0-9a-fA-F:]+:[0-9a-fA-F:.]*", host))


# tlsmirror.
PROFILES = "openssl,node,java,browser"


def tlsmirror_args_offline(binary, d, host, at):
    return [binary, "inspect", os.path.join(d, "chain.pem"), "--name", host, "--trust", os.path.join(d, "trust.pem"),
            "--at", at, "--profile", PROFILES, "--json"]


def tlsmirror_args_live(binary, d, host, port):
    args = [binary, "inspect", f"{host}:{port}" if not is_ip(host) else f"{host}:{port}", "--trust",
            os.path.join(d, "trust.pem"), "--profile", PROFILES, "--json", "--timeout", "20"]
    if not is_ip(host):
        args += ["--resolve", f"{host}:{port}:127.0.0.1"]
    return args


def tlsmirror(args):
    r = run(args, timeout=60)
    if r.returncode not in (0, 1):
        return {"error": f"exit {r.returncode}: {r.stderr.strip()[-300:]}"}
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        return {"error": f"bad JSON: {r.stdout[:200]!r}"}
    out = {v["profile"]: {"accept": v["accept"], "reason": v["reason"], "message": v["message"]}
           for v in doc["verdicts"]}
    out["handshake"] = doc.get("handshake")
    return out


# openssl s_client, as curl and Python verify (no -x509_strict: neither sets it).
def s_client_args(d, host, port):
    args = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", os.path.join(d, "trust.pem"),
            "-verify_return_error", "-brief", "-ign_eof"]
    if is_ip(host):
        args += ["-verify_ip", host, "-noservername"]
    else:
        args += ["-verify_hostname", host, "-servername", host]
    return args


def s_client(d, host, port):
    args = s_client_args(d, host, port)
    r = run(args, input=f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n", timeout=30)
    out = r.stdout + r.stderr
    if r.returncode == -9 or re.search(r"connect:errno=|Connection refused", out):
        return None
    m = re.search(r"verify error:num=(\d+):([^\n]*)", out)
    if m:
        code = int(m.group(1))
        return Outcome(False, f"{code}:{m.group(2).strip()}", OPENSSL.get(code, {"UNKNOWN"}), m.group(0))
    if r.returncode == 0 and "200 OK" in out:
        return Outcome(True, "OK")
    m = re.search(r"error:[0-9A-F]+:SSL routines:[^:]*:([^\n]*)", out)
    return Outcome(False, m.group(1).strip() if m else "handshake failed", HANDSHAKE | {"MALFORMED", "UNSUPPORTED"},
                   out.strip()[-400:])


# Node (tests/clients/node_client.js: tls.connect with `ca`, checkServerIdentity).
def node_outcome(j):
    if j["ok"]:
        return Outcome(True, "OK")
    code, msg = j.get("code") or "", j.get("message") or ""
    if code in ("TIMEOUT", "ECONNREFUSED"):
        return None
    if code in OPENSSL_NAMES:
        return Outcome(False, code, OPENSSL[OPENSSL_NAMES[code]], msg)
    if code == "ERR_TLS_CERT_ALTNAME_INVALID":
        return Outcome(False, code, {"HOSTNAME_MISMATCH", "NO_SAN"}, msg)
    if code == "UNSPECIFIED" or not code.startswith("ERR_"):
        for num, text in OPENSSL_TEXTS.items():
            if text == msg:
                return Outcome(False, f"{code}:{msg}", OPENSSL.get(num, {"UNKNOWN"}), msg)
    if code.startswith("ERR_SSL_") or code in ("ECONNRESET", "EPIPE"):
        return Outcome(False, code, HANDSHAKE | {"MALFORMED", "UNSUPPORTED"}, msg)
    return Outcome(False, f"{code}:{msg}", {"UNKNOWN"}, msg)


OPENSSL_TEXTS = {  # X509_verify_cert_error_string, for Node's UNSPECIFIED
    32: "key usage does not include certificate signing", 34: "unhandled critical extension",
    37: "invalid non-CA certificate (has CA markings)", 39: "key usage does not include digital signature",
    41: "invalid or inconsistent certificate extension", 42: "invalid or inconsistent certificate policy extension",
    43: "no explicit policy", 47: "permitted subtree violation", 48: "excluded subtree violation",
    49: "name constraints minimum and maximum not supported", 51: "unsupported name constraint type",
    52: "unsupported or invalid name constraint syntax", 53: "unsupported or invalid name syntax",
    64: "IP address mismatch", 66: "EE certificate key too weak", 67: "CA certificate key too weak",
    68: "CA signature digest algorithm too weak", 24: "unable to get issuer public key",
    76: "Cannot find certificate signature algorithm",
    77: "subject signature algorithm and issuer public key algorithm mismatch",
    78: "cert info signature and signature algorithm mismatch", 80: "Path length invalid for non-CA cert",
    81: "Path length given without key usage keyCertSign", 82: "Key usage keyCertSign invalid for non-CA cert",
}


def node_batch(clients_dir, jobs, timeout=900):
    if not jobs:
        return {}
    r = run(["node", os.path.join(clients_dir, "node_client.js")], input=json.dumps(jobs), timeout=timeout)
    out = {}
    for line in r.stdout.splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            continue
        out[j["id"]] = j
    return out


# Java (tests/clients/JavaClient.java): one JVM for the whole run.
def java_outcome(j):
    if j["ok"]:
        return Outcome(True, "OK")
    msg = j.get("message") or ""
    words = f"{j.get('exception')}: {msg}"
    # Our origin never closes on a client mid-handshake: a broken pipe is the machine's, not a verdict.
    if j.get("exception") in ("java.net.SocketTimeoutException", "java.net.ConnectException") or \
            msg in ("Broken pipe", "Connection reset"):
        return None
    for needle, reasons in JAVA:
        if needle in msg or needle in (j.get("exception") or ""):
            return Outcome(False, msg, reasons, words)
    return Outcome(False, msg, {"UNKNOWN"}, words)


class Java:
    def __init__(self, clients_dir):
        self.proc = subprocess.Popen(["java", os.path.join(clients_dir, "JavaClient.java")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.lock = threading.Lock()

    def batch(self, jobs):
        """jobs: [(id, port, host, sni, ca)] -> {id: result}."""
        with self.lock:
            for job in jobs:
                self.proc.stdin.write(" ".join(str(x) for x in job) + "\n")
            self.proc.stdin.flush()
            out = {}
            for _ in jobs:
                line = self.proc.stdout.readline()
                if not line:
                    break
                j = json.loads(line)
                out[j["id"]] = j
            return out

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def chromium_outcome(error_text):
    if error_text in ("net::ERR_TIMED_OUT", "net::ERR_CONNECTION_REFUSED", "net::ERR_CONNECTION_TIMED_OUT",
                      "net::ERR_NETWORK_CHANGED"):
        return None
    if not error_text:
        return Outcome(True, "OK")
    err = error_text.replace("net::", "")
    return Outcome(False, err, CHROMIUM.get(err, {"UNKNOWN"}), error_text)


# Comparison.
CLIENT_PROFILE = {"openssl": "openssl", "node": "node", "java": "java", "chromium": "browser"}


def words_agree(client, outcome, message):
    """Does tlsmirror's message carry the real client's own words?"""
    if outcome.accept:
        return True
    w = outcome.words
    if client == "openssl":
        code = w.split(":", 1)[0]
        return (f"X509 error {code}" in message) if code.isdigit() else True
    if client == "node":
        code = w.split(":", 1)[0]
        return code in message if code else True
    if client == "java":
        return w in message
    if client == "chromium":
        return f"NET::{w}" in message
    return True


def compare(client, outcome, verdict):
    """Returns the disagreement kinds: 'verdict', 'reason', 'words'."""
    kinds = []
    if verdict["accept"] != outcome.accept:
        kinds.append("verdict")
    elif not outcome.accept:
        if outcome.reasons is not None and verdict["reason"] not in outcome.reasons:
            kinds.append("reason")
        if not words_agree(client, outcome, verdict["message"]):
            kinds.append("words")
    return kinds
