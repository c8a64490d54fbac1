#!/usr/bin/env python3
"""End-to-end test of `tlsmirror inspect`'s contract: bad inputs give exit 2
and exactly one line on stderr; verdicts give 0 (all accept) or 1 (a reject);
the text report has its four parts; --json has the documented keys and types.
Runs against the real lab on loopback."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

PROFILES = ["openssl", "node", "java", "browser", "cloudfront-origin", "cloudfront-viewer", "apigateway",
            "akamai-origin"]

f = e2e.Failures()
lab = e2e.Lab(only=["good", "expired", "slow-handshake", "sni-required", "mtls-required"], name="cli-lab")
root = lab.root


def inspect(*args, timeout=30):
    return e2e.run([e2e.TLSMIRROR, "inspect", *args], timeout=timeout)


def live(name, *extra):
    s = lab.scenarios[name]
    return [f"{s['host']}:{s['port']}", "--resolve", f"{s['host']}:{s['port']}:127.0.0.1", "--trust", root, *extra]


def one_line_error(r, what, needle=None):
    lines = r.stderr.splitlines()
    ok = r.returncode == 2 and len(lines) == 1 and r.stderr.endswith("\n") and r.stdout == ""
    ok = ok and lines[0].startswith("tlsmirror inspect: ")
    if needle is not None:
        ok = ok and needle in r.stderr
    f.check(ok, f"{what}: want exit 2 and one stderr line{' with ' + repr(needle) if needle else ''}, "
                f"got exit {r.returncode}, stderr {r.stderr!r}, stdout {r.stdout[:200]!r}")


# Bad inputs: exit 2, one line on stderr, nothing on stdout.
tmp = os.path.join(e2e.TMP, "cli-inputs")
os.makedirs(tmp, exist_ok=True)
garbage = os.path.join(tmp, "garbage.pem")
with open(garbage, "w") as out:
    out.write("-----BEGIN CERTIFICATE-----\nnot base64 at all !!\n-----END CERTIFICATE-----\n")
prose = os.path.join(tmp, "prose.pem")
with open(prose, "w") as out:
    out.write("this is not a certificate\n")
no_end = os.path.join(tmp, "no-end.pem")
with open(no_end, "w") as out:
    out.write("-----BEGIN CERTIFICATE-----\nMIIB\n")
key_file = os.path.join(lab.dir, "good", "key.pem")
good_chain = lab.scenarios["good"]["chain"]

one_line_error(inspect(os.path.join(tmp, "missing.pem")), "unreadable file (missing)", "No such file or directory")
one_line_error(inspect(tmp + "/"), "unreadable file (a directory)", "cannot read")
one_line_error(inspect(good_chain, "--trust", os.path.join(tmp, "missing.pem")), "unreadable trust file")
one_line_error(inspect(garbage), "garbage PEM", "malformed PEM block")
one_line_error(inspect(prose), "a text file", "no certificate found")
one_line_error(inspect(no_end), "BEGIN without END", "malformed PEM block")
one_line_error(inspect(key_file), "a private key", "not a certificate")
one_line_error(inspect(good_chain, "--profile", "nope"), "unknown profile", "--profile")
one_line_error(inspect(good_chain, "--profile", "apigateway:nope"), "unknown profile option", "--profile")
one_line_error(inspect(good_chain, "--at", "yesterday"), "bad --at", "--at")
one_line_error(inspect(good_chain, "--at", "2026-13-01T00:00:00Z"), "bad --at month", "--at")
one_line_error(inspect("good.lab.test", "--sni", "a.test", "--no-sni"), "--sni with --no-sni", "--no-sni")
one_line_error(inspect(), "missing target", "missing TARGET")
one_line_error(inspect(good_chain, good_chain), "two targets", "exactly one TARGET")
one_line_error(inspect(good_chain, "--timeout", "0"), "zero timeout", "--timeout")
one_line_error(inspect(good_chain, "--bogus"), "unknown option", "unknown option")
one_line_error(inspect(good_chain, "--resolve", "a:1"), "--resolve without an address", "--resolve")
one_line_error(inspect(good_chain, "--aia-timeout", "-1"), "negative --aia-timeout", "--aia-timeout")
one_line_error(inspect("host.invalid:443", "--timeout", "5"), "unresolvable host", "cannot resolve")
closed = e2e.free_port() if hasattr(e2e, "free_port") else None
if closed is None:
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()
one_line_error(inspect(f"127.0.0.1:{closed}", "--timeout", "5"), "connection refused", "Connection refused")
one_line_error(inspect(good_chain, "--name", "bad name"), "a name with a space", "host name")

# A handshake timeout is a verdict: exit 1, reason TIMEOUT everywhere.
start = time.time()
r = inspect(*live("slow-handshake", "--timeout", "1", "--json"))
elapsed = time.time() - start
f.check(r.returncode == 1, f"slow-handshake --timeout 1: exit {r.returncode}, stderr {r.stderr!r}")
f.check(0.9 <= elapsed < 2.9, f"slow-handshake --timeout 1 took {elapsed:.2f}s")
try:
    doc = json.loads(r.stdout)
    f.check(all(v["reason"] == "TIMEOUT" and v["accept"] is False for v in doc["verdicts"]),
            f"timeout verdicts: {[(v['profile'], v['reason']) for v in doc['verdicts']]}")
    f.check(doc["handshake"]["status"] == "timeout", f"handshake status {doc['handshake']}")
    f.check(any(x["code"] == "TIMEOUT" for x in doc["findings"]), f"TIMEOUT finding: {doc['findings']}")
except (ValueError, KeyError) as e:
    f.check(False, f"timeout JSON: {e}: {r.stdout[:300]!r}")
r = inspect(*live("slow-handshake", "--timeout", "1"))
f.check(r.returncode == 1 and "TIMEOUT" in r.stdout and r.stderr == "",
        f"slow-handshake text: exit {r.returncode}, stderr {r.stderr!r}")

# Text output: target, chain as sent, findings, verdict table, summary.
r = inspect(*live("good"))
out = r.stdout
f.check(r.returncode == 0 and r.stderr == "", f"good: exit {r.returncode}, stderr {r.stderr!r}")
for needle in ["target     good.lab.test:", "handshake  SNI good.lab.test, TLSv1.3", "name       good.lab.test",
               "chain as sent (2 certificates)", "  #0 CN=good.lab.test,O=tlsmirror lab", "DNS:good.lab.test",
               "  #1 CN=tlsmirror lab intermediate CA,O=tlsmirror lab", "findings\n  (none)",
               "verdicts\n  profile ", "All 8 profiles accept"]:
    f.check(needle in out, f"good text output lacks {needle!r}:\n{out}")
table = out.split("verdicts\n", 1)[-1].splitlines()
for p in PROFILES:
    f.check(any(line.split()[:2] == [p, "ACCEPT"] for line in table), f"good: no ACCEPT row for {p}")

r = inspect(*live("expired"))
out = r.stdout
f.check(r.returncode == 1 and r.stderr == "", f"expired: exit {r.returncode}, stderr {r.stderr!r}")
f.check("error    EXPIRED" in out and "#0 expired.lab.test expired at" in out, f"expired finding:\n{out}")
table = out.split("verdicts\n", 1)[-1].splitlines()
for p in PROFILES:
    f.check(any(line.split()[:3] == [p, "REJECT", "EXPIRED"] for line in table), f"expired: no REJECT row for {p}")
summary = out.rstrip("\n").splitlines()[-1]
f.check(summary.startswith("8 of 8 profiles reject: ") and "cloudfront-origin (EXPIRED)" in summary and
        summary.endswith("."), f"expired summary: {summary!r}")

# --json: one object with the documented keys and types.
def check_json(r, what, sni, status, alert_number):
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        f.check(False, f"{what}: stdout is not JSON ({e}): {r.stdout[:300]!r}")
        return None
    f.check(r.stdout.count("\n") == 1, f"{what}: JSON on one line")
    for key in ["target", "name", "at", "handshake", "chain", "findings", "verdicts", "summary"]:
        f.check(key in doc, f"{what}: key {key} missing")
    hs = doc.get("handshake")
    f.check(isinstance(hs, dict), f"{what}: handshake is an object for a live target: {hs!r}")
    if isinstance(hs, dict):
        f.check(hs.get("sni_sent") == sni, f"{what}: sni_sent {hs.get('sni_sent')!r}, want {sni!r}")
        f.check(hs.get("status") == status, f"{what}: status {hs.get('status')!r}, want {status}")
        for key in ["version", "cipher", "alpn"]:
            f.check(key in hs and (hs[key] is None or isinstance(hs[key], str)), f"{what}: handshake.{key}")
        if status == "ok":
            f.check(hs["version"] in ("TLSv1.3", "TLSv1.2") and hs["cipher"], f"{what}: version/cipher {hs}")
        alert = hs.get("alert", "missing")
        if alert_number is None:
            f.check(alert is None, f"{what}: alert {alert!r}, want null")
        else:
            f.check(isinstance(alert, dict) and alert.get("number") == alert_number and
                    isinstance(alert.get("name"), str) and isinstance(alert.get("after_handshake"), bool),
                    f"{what}: alert {alert!r}, want number {alert_number}")
    f.check(isinstance(doc.get("chain"), list), f"{what}: chain is a list")
    for c in doc.get("chain", []):
        f.check(isinstance(c.get("subject"), str) and isinstance(c.get("index"), int), f"{what}: chain entry {c}")
    for x in doc.get("findings", []):
        f.check(isinstance(x.get("code"), str) and x.get("severity") in ("error", "warning", "info") and
                "cert_index" in x and (x["cert_index"] is None or isinstance(x["cert_index"], int)) and
                isinstance(x.get("detail"), str), f"{what}: finding {x}")
        # null: the finding is about the chain or the handshake as a whole.
        if x.get("code") == "HANDSHAKE_ALERT":
            f.check(x["cert_index"] is None, f"{what}: a handshake finding names no certificate: {x}")
    verdicts = doc.get("verdicts", [])
    f.check([v.get("profile") for v in verdicts] == PROFILES, f"{what}: verdict profiles {verdicts}")
    for v in verdicts:
        f.check(isinstance(v.get("accept"), bool) and isinstance(v.get("reason"), str) and
                isinstance(v.get("message"), str) and isinstance(v.get("effect"), str), f"{what}: verdict {v}")
    return doc


r = inspect(*live("good", "--json"))
doc = check_json(r, "good --json", "good.lab.test", "ok", None)
if doc:
    f.check(r.returncode == 0 and all(v["accept"] and v["reason"] == "OK" for v in doc["verdicts"]),
            f"good --json verdicts {doc['verdicts']}")
    f.check(len(doc["chain"]) == 2 and doc["findings"] == [], f"good --json chain/findings")
    f.check(doc["handshake"]["alpn"] == "http/1.1", f"good --json alpn {doc['handshake']['alpn']!r}")

r = inspect(*live("good", "--json", "--no-sni"))
doc = check_json(r, "good --json --no-sni", None, "ok", None)
if doc:
    v = {x["profile"]: x for x in doc["verdicts"]}
    f.check(r.returncode == 1 and v["cloudfront-viewer"]["reason"] == "NO_CERTIFICATE" and v["openssl"]["accept"],
            f"good --no-sni: exit {r.returncode}, {v['cloudfront-viewer']}")

r = inspect(*live("sni-required", "--json", "--no-sni"))
doc = check_json(r, "sni-required --no-sni", None, "alert", 40)
if doc:
    f.check(r.returncode == 1 and doc["chain"] == [], f"sni-required --no-sni: exit {r.returncode}, chain")
    f.check(doc["verdicts"][0]["reason"] == "HANDSHAKE_ALERT", f"sni-required --no-sni: {doc['verdicts'][0]}")

r = inspect(*live("mtls-required", "--json"))
doc = check_json(r, "mtls-required", "mtls-required.lab.test", "ok", 116)
if doc:
    f.check(doc["handshake"]["alert"]["after_handshake"] is True, f"mtls-required: {doc['handshake']}")
    f.check(doc["handshake"].get("client_certificate_requested") is True, f"mtls-required: {doc['handshake']}")

r = inspect(*live("expired", "--json", "--profile", "openssl,apigateway:insecure-skip-verification"))
try:
    doc = json.loads(r.stdout)
    f.check([v["profile"] for v in doc["verdicts"]] == ["openssl", "apigateway:insecure-skip-verification"],
            f"--profile list: {[v['profile'] for v in doc['verdicts']]}")
    finding = next((x for x in doc["findings"] if x["code"] == "EXPIRED"), None)
    f.check(finding is not None and finding["cert_index"] == 0 and finding["severity"] == "error",
            f"expired finding {finding}")
except (ValueError, KeyError) as e:
    f.check(False, f"expired --profile JSON: {e}")

# A file target: no handshake, no name unless given; --at travels in time.
r = inspect(lab.scenarios["expired"]["chain"], "--trust", root, "--json")
try:
    doc = json.loads(r.stdout)
    f.check(doc["handshake"] is None and doc["name"] is None, f"file target: handshake {doc['handshake']!r}")
    f.check(r.returncode == 1 and doc["verdicts"][0]["reason"] == "EXPIRED", f"file expired: {doc['verdicts'][0]}")
except (ValueError, KeyError) as e:
    f.check(False, f"file JSON: {e}")
past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60 * 86400))
r = inspect(lab.scenarios["expired"]["chain"], "--trust", root, "--at", past, "--name", "expired.lab.test")
f.check(r.returncode == 0 and "All 8 profiles accept" in r.stdout, f"--at {past}: exit {r.returncode}: {r.stdout}")

lab.stop()
f.finish()
