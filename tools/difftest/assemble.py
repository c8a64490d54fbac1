"""Turns a generated case into DER certificates: keys from a cached pool,
TBSCertificates from der.py, signatures from signer.js (Node's crypto)."""

import base64
import json
import os
import subprocess
import threading

import der

HERE = os.path.dirname(os.path.abspath(__file__))


class Signer:
    """signer.js as a long-lived child; one request line, one reply line."""

    def __init__(self, key_dir):
        self.key_dir = key_dir
        os.makedirs(key_dir, exist_ok=True)
        self.proc = subprocess.Popen(["node", os.path.join(HERE, "signer.js")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lock = threading.Lock()
        self.spki = {}

    def call(self, req):
        with self.lock:
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
            reply = json.loads(self.proc.stdout.readline() or '{"error": "signer exited"}')
        if "error" in reply:
            raise RuntimeError(f"signer: {reply['error']}")
        return reply

    def warm(self, pool):
        """Creates every key of `pool` ({type: count}) that the cache lacks, in parallel."""
        self.call({"op": "warm", "keys": [{"type": t, "path": self.key_path(t, i)}
                                          for t, n in pool.items() for i in range(n)]})

    def key_path(self, key_type, slot):
        return os.path.join(self.key_dir, f"{key_type}-{slot}.pem")

    def spki_der(self, key_type, slot):
        path = self.key_path(key_type, slot)
        if path not in self.spki:
            self.spki[path] = base64.b64decode(self.call({"op": "key", "type": key_type, "path": path})["spki"])
        return self.spki[path]

    def sign(self, jobs):
        reply = self.call({"op": "sign", "jobs": [
            {"key": k, "hash": h, "pss": p, "data": base64.b64encode(d).decode()} for k, h, p, d in jobs]})
        return [base64.b64decode(s) for s in reply["sigs"]]

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


def sig_name(signer_key, hash_name, pss):
    if signer_key.startswith("ed25519"):
        return "ed25519"
    if signer_key.startswith("rsapss") or pss:
        return f"{hash_name}-pss"
    if signer_key.startswith("rsa"):
        return f"{hash_name}-rsa"
    return f"{hash_name}-ecdsa"


def _ext_der(cert, name_, critical, value, spki, issuer_spki, issuer_name_der, issuer_serial, rng):
    o = der.EXT.get(name_)
    if name_ == "bc":
        v = der.bc_value(value["ca"], value["pathlen"])
    elif name_ == "ku":
        v = der.ku_value(value)
    elif name_ == "eku":
        v = der.eku_value(value)
    elif name_ == "san":
        v = der.san_value(value)
    elif name_ == "nc":
        v = der.nc_value(value.get("permitted", ()), value.get("excluded", ()))
    elif name_ == "ski":
        v = der.ski_value(spki)
    elif name_ == "aki":
        spec = value if isinstance(value, dict) else {"keyid": "auto"}
        keyid = der.key_id(issuer_spki) if spec["keyid"] == "auto" else bytes(rng.getrandbits(8) for _ in range(20))
        if spec.get("issuer_serial"):
            v = der.aki_value(keyid, issuer_name_der, issuer_serial + 1)
        else:
            v = der.aki_value(keyid)
    elif name_ == "cp":
        v = der.cp_value(value)
    elif name_ == "pc":
        v = der.pc_value(value.get("require"), value.get("inhibit"))
    elif name_ == "iap":
        v = der.iap_value(value)
    elif name_ == "pm":
        v = der.pm_value(value)
    elif name_ == "unknown":
        o, v = value, der.null()
    else:
        raise ValueError(name_)
    return der.extension(o, critical, v)


def build(case, signer, now):
    """Returns {label: DER} for every certificate of `case`, valid around `now`."""
    tbs_of, jobs, names = {}, [], {}
    for c in case.certs:
        names[c.label] = der.name(c.subject)
    out = {}
    for c in case.certs:
        owner = c.key_owner()
        spki = signer.spki_der(owner.key, owner.slot)
        signing = c.signer().key_owner()
        signing_spki = signer.spki_der(signing.key, signing.slot)
        issuer_subject = c.issuer_name or (c.issuer.subject if c.issuer is not None else c.subject)
        string_type = der.PRINTABLE if c.issuer_string_type == "printable" else der.UTF8
        issuer_der = der.name(issuer_subject, string_type)
        issuer_serial = c.issuer.serial if c.issuer is not None and isinstance(c.issuer.serial, int) else 1
        exts = [_ext_der(c, n, crit, v, spki, signing_spki, issuer_der, issuer_serial, case.rng)
                for n, (crit, v) in c.exts.items()]
        exts += [_ext_der(c, n, crit, v, spki, signing_spki, issuer_der, issuer_serial, case.rng)
                 for n, crit, v in c.extra_exts]
        sig = sig_name(signing.key, c.hash, c.pss)
        tbs = der.tbs(c.version, c.serial, sig, issuer_der, now + c.validity[0], now + c.validity[1],
                      names[c.label], spki, exts, c.time_kind)
        tbs_of[c.label] = (tbs, sig)
        hash_name = None if sig == "ed25519" else c.hash
        jobs.append((signer.key_path(signing.key, signing.slot), hash_name, c.pss, tbs))
    sigs = signer.sign(jobs)
    for c, signature in zip(case.certs, sigs):
        tbs, sig = tbs_of[c.label]
        if c.bad_sig:
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        outer = sig_name(c.signer().key_owner().key, c.outer_hash, c.pss) if c.outer_hash else None
        out[c.label] = der.certificate(tbs, sig, signature, outer)
    return out


def write_case(case, certs, signer, directory):
    """chain.pem (as sent), trust.pem (the anchors), key.pem (the leaf's key),
    host, case.json."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "chain.pem"), "w") as f:
        f.write("".join(der.pem(certs[c.label]) for c in case.sent))
    with open(os.path.join(directory, "trust.pem"), "w") as f:
        f.write("".join(der.pem(certs[c.label]) for c in case.trust))
    leaf = case.leaf.key_owner()
    with open(signer.key_path(leaf.key, leaf.slot)) as src, open(os.path.join(directory, "key.pem"), "w") as dst:
        dst.write(src.read())
    os.chmod(os.path.join(directory, "key.pem"), 0o600)
    with open(os.path.join(directory, "host"), "w") as f:
        f.write(case.host + "\n")
    with open(os.path.join(directory, "case.json"), "w") as f:
        json.dump(case.describe(), f, indent=1, default=lambda b: b.hex())
