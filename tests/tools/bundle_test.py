#!/usr/bin/env python3
"""End-to-end test of `tlsmirror bundle` and the mTLS profiles: the real
binary on every CA bundle and client certificate the lab writes, checked
against what the files hold (read back with openssl) and against each other
(--fix output passes the lint, split files are the original blocks)."""

import hashlib
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
lab = e2e.Lab(only=["good"], name="bundle-lab")
T = e2e.TLSMIRROR
bundles = {b["name"]: b["path"] for b in lab.json["bundles"]}
clients = {c["name"]: c for c in lab.json["mtls_clients"]}

# What each lab bundle breaks, rule by rule, and how many certificates --fix keeps.
EXPECT = {
    "good": ([], [], 2),
    "with-leaf": (["NOT_CA"], ["NOT_CA"], 2),
    "expired-ca": (["EXPIRED"], ["EXPIRED"], 2),
    "sha1-ca": (["WEAK_SIGNATURE"], ["WEAK_SIGNATURE"], 2),
    "rsa1024-ca": (["WEAK_KEY"], ["WEAK_KEY"], 2),
    "missing-issuer": (["ISSUER_MISSING"], ["ISSUER_MISSING"], 1),
    "garbage": (["BAD_COMMENT", "NON_PEM_DATA", "BLANK_LINE"], ["NON_PEM_DATA", "NON_PEM_DATA"], 2),
}
f.check(sorted(bundles) == sorted(EXPECT), f"lab.json lists every bundle: {sorted(bundles)}")
f.check(sorted(clients) == ["expired", "too-deep", "trusted", "untrusted"], f"lab.json clients: {sorted(clients)}")

PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n.*?-----END CERTIFICATE-----\r?\n", re.S)


def der_of_pem(pem):
    r = subprocess.run(["openssl", "x509", "-outform", "DER"], input=pem, capture_output=True, timeout=30)
    return r.stdout if r.returncode == 0 else None


def openssl_text(pem):
    return subprocess.run(["openssl", "x509", "-noout", "-text"], input=pem, capture_output=True,
                          timeout=30).stdout.decode(errors="replace")


def blocks(path):
    with open(path, "rb") as fh:
        return PEM_BLOCK.findall(fh.read())


# The fixtures hold what they claim, read back with openssl.
for name, idx, needle in (("with-leaf", 2, "CA:FALSE"), ("sha1-ca", 2, "ecdsa-with-SHA1"),
                          ("rsa1024-ca", 2, "Public-Key: (1024 bit)"), ("good", 0, "CA:TRUE")):
    text = openssl_text(blocks(bundles[name])[idx])
    f.check(needle in text, f"openssl sees {needle!r} in {name} #{idx}")
with open(bundles["garbage"], "rb") as fh:
    garbage = fh.read()
f.check(b"\n\n" in garbage and b"Certificate:" in garbage and b"# " in garbage, "garbage.pem holds junk and blank lines")

for name, path in sorted(bundles.items()):
    for profile, want in (("alb-mtls", EXPECT[name][0]), ("apigateway-mtls", EXPECT[name][1])):
        tag = f"{name} --profile {profile}"
        want_rc = 1 if want else 0
        r = e2e.run([T, "bundle", path, "--profile", profile])
        f.check(r.returncode == want_rc, f"{tag}: exit {r.returncode}, want {want_rc} ({r.stderr.strip()})")
        f.check(r.stderr == "", f"{tag}: nothing on stderr ({r.stderr!r})")
        for code in want:
            f.check(code in r.stdout, f"{tag}: text names {code}")
        f.check(("accepts this bundle" in r.stdout) == (not want), f"{tag}: text verdict")

        r = e2e.run([T, "bundle", path, "--profile", profile, "--json"])
        f.check(r.returncode == want_rc, f"{tag} --json: exit {r.returncode}")
        try:
            doc = json.loads(r.stdout)
        except ValueError as e:
            f.check(False, f"{tag} --json parses: {e}: {r.stdout[:200]!r}")
            continue
        lint = doc["lint"]
        codes = [v["code"] for v in lint["violations"]]
        f.check(codes == want, f"{tag}: violations {codes}, want {want}")
        f.check(lint["compliant"] == (not want) and lint["profile"] == profile and lint["pem"] is True,
                f"{tag}: compliant/profile/pem fields")
        certs = [e["certificate"] for e in lint["entries"] if e["certificate"]]
        originals = blocks(path)
        f.check(len(certs) == len(originals), f"{tag}: {len(certs)} certificates listed, file has {len(originals)}")
        for cert, pem in zip(certs, originals):
            der = der_of_pem(pem)
            f.check(der is not None and hashlib.sha256(der).hexdigest() == cert["sha256"],
                    f"{tag}: #{cert['index']} sha256 matches openssl's DER")
        for v in lint["violations"]:
            f.check(v["detail"] and v["suggestion"], f"{tag}: {v['code']} has a detail and a suggestion")
            if v["code"] == "NOT_CA":
                f.check(v["suggestion"].startswith(f"remove certificate #{v['entry']} ") and "it is a leaf" in
                        v["suggestion"], f"{tag}: leaf suggestion {v['suggestion']!r}")
        if profile == "apigateway-mtls" and name == "missing-issuer":
            f.check(lint["violations"][0]["platform_text"] ==
                    "Access denied. Reason: Could not find issuer for certificate", f"{tag}: API Gateway's words")
        if profile == "alb-mtls" and name == "garbage":
            f.check(all(v["platform_text"].startswith("InvalidCaCertificatesBundle:") for v in lint["violations"]),
                    f"{tag}: ALB's upload error")

        # --fix writes a bundle that passes, with the kept certificates unchanged.
        out = os.path.join(e2e.TMP, f"fixed-{name}-{profile}.pem")
        r = e2e.run([T, "bundle", path, "--profile", profile, "--fix", out])
        f.check(r.returncode == want_rc, f"{tag} --fix: exit {r.returncode} ({r.stderr.strip()})")
        f.check(f"fix: wrote {out} with {EXPECT[name][2]} certificate" in r.stdout, f"{tag} --fix says what it wrote")
        removed = [e for e in lint["entries"] if e["removed_by_fix"]]
        for e in removed:
            f.check(f"removed #{e['index']} " in r.stdout, f"{tag} --fix says it removed #{e['index']}")
        r = e2e.run([T, "bundle", out, "--profile", profile, "--json"])
        fixed = json.loads(r.stdout)["lint"] if r.returncode in (0, 1) else {"violations": ["?"], "entries": []}
        f.check(r.returncode == 0 and fixed["violations"] == [], f"{tag}: the fixed bundle passes ({r.stdout[:300]})")
        kept = [e["certificate"]["sha256"] for e in lint["entries"] if e["certificate"] and not e["removed_by_fix"]]
        f.check([e["certificate"]["sha256"] for e in fixed["entries"]] == kept, f"{tag}: fix keeps {len(kept)} in order")
        with open(out, "rb") as fh:
            content = fh.read()
        f.check(b"\n\n" not in content and b"#" not in content, f"{tag}: the fixed file has no blank lines or comments")

    # split: one file per certificate, byte for byte the original block.
    outdir = os.path.join(e2e.TMP, f"split-{name}")
    r = e2e.run([T, "bundle", "split", path, outdir])
    f.check(r.returncode == 0, f"split {name}: exit {r.returncode} ({r.stderr.strip()})")
    files = sorted(os.listdir(outdir)) if os.path.isdir(outdir) else []
    originals = blocks(path)
    f.check(len(files) == len(originals), f"split {name}: {len(files)} files for {len(originals)} certificates")
    for i, (fname, pem) in enumerate(zip(files, originals)):
        f.check(re.fullmatch(rf"{i:02d}-[A-Za-z0-9._-]+\.pem", fname) is not None, f"split {name}: file name {fname}")
        with open(os.path.join(outdir, fname), "rb") as fh:
            f.check(fh.read() == pem, f"split {name}: {fname} is byte-identical to block #{i}")
        cn = re.search(r"CN ?= ?([^,\n]+)", subprocess.run(["openssl", "x509", "-noout", "-subject"], input=pem,
                                                             capture_output=True, timeout=30).stdout.decode())
        f.check(cn is not None and fname[3:-4] == re.sub(r"-+", "-", re.sub(r"[^A-Za-z0-9._-]", "-",
                                                                              cn.group(1).strip())).strip("-"),
                f"split {name}: {fname} is named after its CN")

# A bundle with a private key: split skips the block and says so (exit 1).
mixed = os.path.join(e2e.TMP, "mixed.pem")
with open(mixed, "wb") as fh, open(bundles["good"], "rb") as good, open(clients["trusted"]["key"], "rb") as key:
    fh.write(good.read() + key.read())
r = e2e.run([T, "bundle", "split", mixed, os.path.join(e2e.TMP, "split-mixed")])
f.check(r.returncode == 1 and "skipped #2" in r.stdout and len(os.listdir(os.path.join(e2e.TMP, "split-mixed"))) == 2,
        f"split with a key: exit {r.returncode}, {r.stdout!r}")
r = e2e.run([T, "bundle", mixed, "--profile", "alb-mtls", "--json"])
f.check(r.returncode == 1 and [v["code"] for v in json.loads(r.stdout)["lint"]["violations"]] == ["NOT_CERTIFICATE"],
        f"lint with a key: exit {r.returncode}")

# A DER certificate: PEM only (NOT_PEM); --fix converts it.
der = os.path.join(e2e.TMP, "root.der")
with open(der, "wb") as fh:
    fh.write(der_of_pem(blocks(bundles["good"])[0]))
r = e2e.run([T, "bundle", der, "--profile", "alb-mtls", "--fix", der + ".pem"])
f.check(r.returncode == 1 and "NOT_PEM" in r.stdout and "converted DER to PEM" in r.stdout, f"DER input: {r.stdout!r}")
r = e2e.run([T, "bundle", der + ".pem", "--profile", "alb-mtls"])
f.check(r.returncode == 0, f"converted DER passes: exit {r.returncode}")

# --at: the expired CA was fine before it expired.
r = e2e.run([T, "bundle", bundles["expired-ca"], "--profile", "alb-mtls", "--json", "--at", "2020-01-01T00:00:00Z"])
codes = [v["code"] for v in json.loads(r.stdout)["lint"]["violations"]] if r.returncode in (0, 1) else None
f.check(codes == ["NOT_YET_VALID"] * 3, f"--at 2020: every lab CA is not valid yet: {codes}")

# Unreadable input and usage errors: exit 2 and one line on stderr.
junk = os.path.join(e2e.TMP, "junk.bin")
with open(junk, "wb") as fh:
    fh.write(b"junk:" + os.urandom(64).replace(b"-", b"x") + b"\nnot a certificate\n")
text_only = os.path.join(e2e.TMP, "text.txt")
with open(text_only, "w") as fh:
    fh.write("just some text\n\n")
for args, needle in (
        ([junk, "--profile", "alb-mtls"], "no certificate found"),
        ([text_only, "--profile", "apigateway-mtls", "--json"], "no certificate found"),
        ([os.path.join(e2e.TMP, "does-not-exist.pem"), "--profile", "alb-mtls"], "cannot read"),
        ([e2e.TMP, "--profile", "alb-mtls"], "is a directory"),
        ([bundles["good"]], "missing --profile"),
        ([bundles["good"], "--profile", "openssl"], "bundle rules"),
        ([bundles["good"], "--profile", "alb-mtls", "--at", "yesterday"], "RFC 3339"),
        ([bundles["good"], "--profile", "alb-mtls", "--bogus"], "unknown option"),
        (["split", bundles["good"]], "split needs FILE and DIR"),
        (["split", junk, os.path.join(e2e.TMP, "split-junk")], "no certificate found"),
        (["split", bundles["good"], "/proc/tlsmirror-cannot-create"], "cannot create"),
):
    r = e2e.run([T, "bundle"] + args)
    f.check(r.returncode == 2 and r.stdout == "" and r.stderr.count("\n") == 1 and needle in r.stderr,
            f"bundle {args[-2:]}: exit {r.returncode}, stdout {r.stdout[:80]!r}, stderr {r.stderr!r}")
r = e2e.run([T, "bundle", "--help"])
f.check(r.returncode == 0 and "alb-mtls" in r.stdout and "apigateway-mtls" in r.stdout and "split" in r.stdout and
        "--fix" in r.stdout and "cloudfront-origin" not in r.stdout, "bundle --help")
r = e2e.run([T, "--help"])
f.check("bundle" in r.stdout, "tlsmirror --help lists bundle")

# The lab's mTLS clients under both profiles, against the lab's good bundle.
good = bundles["good"]
deep_store = os.path.join(e2e.TMP, "deep-store.pem")
with open(deep_store, "wb") as fh, open(good, "rb") as g, open(clients["too-deep"]["cert"], "rb") as d:
    fh.write(g.read() + b"".join(PEM_BLOCK.findall(d.read())[1:]))
VERDICTS = [
    ("trusted", good, "alb-mtls", True, "Success"),
    ("trusted", good, "apigateway-mtls", True, "OK"),
    ("expired", good, "alb-mtls", False, "Failed:ClientCertExpired"),
    ("expired", good, "alb-mtls:ignore-expiry", True, "Success"),
    ("expired", good, "apigateway-mtls", False, "Access denied. Reason: certificate has expired"),
    ("untrusted", good, "alb-mtls", False, "Failed:ClientCertUntrusted"),
    ("untrusted", good, "apigateway-mtls", False, "Access denied. Reason: Could not find issuer for certificate"),
    ("too-deep", good, "alb-mtls", False, "Failed:ClientCertMaxChainDepthExceeded"),
    # API Gateway looks issuers up in the truststore only: with all four deep CAs there, the depth counts.
    ("too-deep", good, "apigateway-mtls", False, "Access denied. Reason: Could not find issuer for certificate"),
    ("too-deep", deep_store, "apigateway-mtls", False, "Access denied. Reason: certificate chain too long"),
]
for client, store, profile, accept, message in VERDICTS:
    r = e2e.run([T, "inspect", clients[client]["cert"], "--profile", profile, "--trust", store, "--json"])
    f.check(r.returncode == (0 if accept else 1), f"{client} under {profile}: exit {r.returncode} ({r.stderr})")
    v = json.loads(r.stdout)["verdicts"][0] if r.returncode in (0, 1) else {}
    f.check(v.get("accept") == accept and v.get("message") == message,
            f"{client} under {profile}: {v.get('accept')} {v.get('message')!r}, want {accept} {message!r}")

# OpenSSL agrees on the fixtures (as a TLS server checks a client: purpose sslclient).
for client, want_ok, needle in (("trusted", True, ""), ("expired", False, "certificate has expired"),
                                ("untrusted", False, "unable to get local issuer certificate")):
    pems = blocks(clients[client]["cert"])
    inter = os.path.join(e2e.TMP, f"{client}-untrusted.pem")
    leaf = os.path.join(e2e.TMP, f"{client}-leaf.pem")
    with open(inter, "wb") as fh:
        fh.write(b"".join(pems[1:]))
    with open(leaf, "wb") as fh:
        fh.write(pems[0])
    r = e2e.run(["openssl", "verify", "-purpose", "sslclient", "-CAfile", good, "-untrusted", inter, leaf])
    f.check((r.returncode == 0) == want_ok and needle in r.stdout + r.stderr,
            f"openssl verify {client}: exit {r.returncode} {(r.stdout + r.stderr).strip()!r}")
for name in clients:
    f.check(oct(os.stat(clients[name]["key"]).st_mode & 0o777) == "0o600", f"clients/{name}.key has mode 0600")
f.check(len(blocks(clients["too-deep"]["cert"])) == 5, "too-deep.pem holds the leaf and four intermediates")

lab.stop()
f.finish()
