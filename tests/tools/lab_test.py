#!/usr/bin/env python3
"""End-to-end test of `tlsmirror lab`: real curl and openssl s_client against
every scenario, with and without SNI, plus the lab's bad-input behaviour."""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
lab = e2e.Lab()

# Every scenario of the catalogue is served and described.
listed = e2e.run([e2e.TLSMIRROR, "lab", "--list"]).stdout
for name in lab.scenarios:
    f.check(name in listed, f"--list names {name}")
f.check(len(lab.scenarios) >= 22, f"at least 22 scenarios served, got {len(lab.scenarios)}")

for name, s in sorted(lab.scenarios.items()):
    port, host = s["port"], s["host"]
    if name == "slow-handshake":
        continue
    reason, evidence, r = e2e.curl(port, host, lab.root)
    f.check(reason == s["expect_openssl"], f"curl {name}: got {reason}, want {s['expect_openssl']} ({evidence})")
    if reason == "OK":
        f.check(f"X-Lab-Scenario: {name}" in r.stdout, f"curl {name}: response names the scenario")
        f.check(f"X-Lab-SNI: {host}" in r.stdout, f"curl {name}: origin saw SNI {host}")
    for sni, want in ((True, s["expect_openssl"]), (False, s["expect_openssl_no_sni"])):
        reason, evidence = e2e.s_client(port, host, lab.root, sni=sni)
        f.check(reason == want, f"s_client {name} sni={sni}: got {reason}, want {want} ({evidence})")

# mtls-required accepts the lab's client certificate.
s = lab.scenarios["mtls-required"]
cert, key = lab.json["client_cert"], lab.json["client_key"]
reason, evidence, _ = e2e.curl(s["port"], s["host"], lab.root, cert=cert, key=key)
f.check(reason == "OK", f"curl mtls-required with client.pem: got {reason} ({evidence})")
reason, evidence = e2e.s_client(s["port"], s["host"], lab.root, cert=cert, key=key)
f.check(reason == "OK", f"s_client mtls-required with client.pem: got {reason} ({evidence})")

# slow-handshake: a 1 s client timeout fires; a patient client succeeds after the delay.
s = lab.scenarios["slow-handshake"]
reason, evidence, _ = e2e.curl(s["port"], s["host"], lab.root, max_time=1)
f.check(reason == "TIMEOUT", f"curl --max-time 1 slow-handshake: got {reason} ({evidence})")
start = time.time()
reason, evidence, _ = e2e.curl(s["port"], s["host"], lab.root, max_time=10)
elapsed = time.time() - start
f.check(reason == "OK" and elapsed >= s["hello_delay_ms"] / 1000 - 0.2,
        f"curl slow-handshake: got {reason} after {elapsed:.1f}s ({evidence})")

# AIA: the leaves of the AIA scenarios name the lab's plain-HTTP listener,
# which serves the intermediate as DER or certs-only PKCS#7, or 404.
aia = lab.json["aia"]
for name, status, kind in (("missing-intermediate-aia", 200, "application/pkix-cert"),
                           ("aia-pkcs7", 200, "application/pkcs7-mime"),
                           ("missing-intermediate-dead-aia", 404, None)):
    url = lab.scenarios[name]["aia_url"]
    f.check(url.startswith(f"http://{aia['host']}:{aia['port']}/{name}/"), f"{name}: AIA URL {url}")
    r = e2e.run(["curl", "-sS", "-o", os.path.join(e2e.TMP, "aia.out"), "-w", "%{http_code} %{content_type}",
                 "--resolve", f"{aia['host']}:{aia['port']}:127.0.0.1", url])
    f.check(r.stdout.startswith(str(status)) and (kind is None or kind in r.stdout), f"GET {url}: {r.stdout}")
    text = e2e.run(["openssl", "x509" if name != "aia-pkcs7" else "pkcs7", "-inform", "DER", "-in",
                    os.path.join(e2e.TMP, "aia.out"), "-noout", "-print_certs" if name == "aia-pkcs7" else "-subject"])
    if status == 200:
        f.check("tlsmirror lab intermediate CA" in text.stdout, f"{name}: the AIA URL serves {text.stdout!r}")
    chain = e2e.run(["openssl", "x509", "-in", os.path.join(lab.dir, name, "chain.pem"), "-noout", "-ext",
                     "authorityInfoAccess"]).stdout
    f.check(url in chain, f"{name}: chain.pem's leaf names {url}: {chain!r}")
f.check(lab.scenarios["good"]["aia_url"] is None, "good has no AIA URL")

# Files: keys are private, certificates readable.
f.check(oct(os.stat(lab.json["client_key"]).st_mode & 0o777) == "0o600", "client.key has mode 0600")
f.check(os.path.getsize(os.path.join(lab.dir, "good", "chain.pem")) > 0, "good/chain.pem written")

# Bad input: an occupied port, an unwritable directory, an unknown scenario.
busy = socket.socket()
busy.bind(("127.0.0.1", 0))
busy.listen()
port = busy.getsockname()[1]
r = e2e.run([e2e.TLSMIRROR, "lab", "--only", "good", "--port-base", str(port), "--out",
             os.path.join(e2e.TMP, "busy")])
f.check(r.returncode == 2 and "port in use" in r.stderr and str(port) in r.stderr and r.stderr.count("\n") == 1,
        f"occupied port: exit {r.returncode}, stderr {r.stderr!r}")
busy.close()
r = e2e.run([e2e.TLSMIRROR, "lab", "--out", "/proc/tlsmirror-cannot-write", "--port-base", "0"])
f.check(r.returncode == 2 and "cannot write" in r.stderr and r.stderr.count("\n") == 1,
        f"unwritable dir: exit {r.returncode}, stderr {r.stderr!r}")
r = e2e.run([e2e.TLSMIRROR, "lab", "--only", "good,nope"])
f.check(r.returncode == 2 and "unknown scenario 'nope'" in r.stderr, f"unknown scenario: {r.returncode} {r.stderr!r}")
r = e2e.run([e2e.TLSMIRROR, "lab", "--bogus"])
f.check(r.returncode == 2 and "--help" in r.stderr, f"unknown option: {r.returncode} {r.stderr!r}")
r = e2e.run([e2e.TLSMIRROR, "lab", "--help"])
f.check(r.returncode == 0 and "--port-base" in r.stdout, "lab --help")

# Ctrl-C stops every server cleanly, with status 0.
rc = lab.stop()
f.check(rc == 0, f"SIGINT: lab exited with {rc}")
r = e2e.run(["curl", "-sS", "--max-time", "2", "-k", f"https://127.0.0.1:{lab.scenarios['good']['port']}/"])
f.check(r.returncode == 7, f"after SIGINT nothing listens (curl exit {r.returncode})")

f.finish()
