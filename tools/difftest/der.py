"""DER encoding and X.509 certificate assembly, by hand, for difftest.

Every byte of a certificate is chosen here, so a mutation can produce what no
CA tool would: a missing or non-critical basicConstraints, a pathLen on a
leaf, an empty key usage, a GeneralizedTime before 2050, a negative serial, an
extension sent twice. Only the signature comes from elsewhere (signer.js).
"""

import datetime
import hashlib
import ipaddress

# Tags.
BOOLEAN, INTEGER, BIT_STRING, OCTET_STRING, NULL, OID = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
UTF8, PRINTABLE, IA5, UTCTIME, GENTIME = 0x0C, 0x13, 0x16, 0x17, 0x18
SEQUENCE, SET = 0x30, 0x31


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + content


def seq(*items):
    return tlv(SEQUENCE, b"".join(items))


def set_of(*items):
    return tlv(SET, b"".join(sorted(items)))


def int_content(n):
    """Minimal two's-complement content octets of an INTEGER."""
    if n == 0:
        return b"\x00"
    length = (n.bit_length() + 8) // 8  # room for the sign bit
    raw = n.to_bytes(length, "big", signed=True)
    while len(raw) > 1 and ((raw[0] == 0 and raw[1] < 0x80) or (raw[0] == 0xFF and raw[1] >= 0x80)):
        raw = raw[1:]
    return raw


def integer(n):
    return tlv(INTEGER, int_content(n))


def integer_bytes(raw):
    """An INTEGER whose content octets are `raw`, as given (serials)."""
    return tlv(INTEGER, raw)


def boolean(v):
    return tlv(BOOLEAN, b"\xff" if v else b"\x00")


def null():
    return tlv(NULL, b"")


def octets(b):
    return tlv(OCTET_STRING, b)


def bits(b, unused=0):
    return tlv(BIT_STRING, bytes([unused]) + b)


def oid(dotted):
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray()
    for i, v in enumerate([parts[0] * 40 + parts[1]] + parts[2:]):
        chunk = [v & 0x7F]
        v >>= 7
        while v:
            chunk.append(0x80 | (v & 0x7F))
            v >>= 7
        body += bytes(reversed(chunk))
    return tlv(OID, bytes(body))


def ctx(n, content, constructed=True):
    """A context-specific tag [n], IMPLICIT over `content` (or EXPLICIT when it wraps a whole TLV)."""
    return tlv((0xA0 if constructed else 0x80) | n, content)


def named_bits(positions):
    """A DER named-bit BIT STRING (KeyUsage): trailing zero bits removed."""
    if not positions:
        return bits(b"")
    top = max(positions)
    nbytes = top // 8 + 1
    v = 0
    for p in positions:
        v |= 1 << (nbytes * 8 - 1 - p)
    raw = v.to_bytes(nbytes, "big")
    unused = nbytes * 8 - 1 - top
    return bits(raw, unused)


def time_der(t, force=None):
    """RFC 5280 Time: UTCTime through 2049, GeneralizedTime after (or as forced)."""
    d = datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc)
    kind = force or ("utc" if d.year < 2050 else "gen")
    if kind == "utc":
        return tlv(UTCTIME, d.strftime("%y%m%d%H%M%SZ").encode())
    return tlv(GENTIME, d.strftime("%Y%m%d%H%M%SZ").encode())


# Names.
ATTR = {"CN": "2.5.4.3", "O": "2.5.4.10", "OU": "2.5.4.11", "C": "2.5.4.6"}


def name(rdns, string_type=UTF8):
    """A Name from [(attr, value)], one attribute per RDN, in order."""
    out = []
    for attr, value in rdns:
        tag = PRINTABLE if attr == "C" else string_type
        out.append(set_of(seq(oid(ATTR[attr]), tlv(tag, value.encode()))))
    return seq(*out)


# Algorithms.
ALG = {
    "sha256-rsa": seq(oid("1.2.840.113549.1.1.11"), null()),
    "sha384-rsa": seq(oid("1.2.840.113549.1.1.12"), null()),
    "sha512-rsa": seq(oid("1.2.840.113549.1.1.13"), null()),
    "sha1-rsa": seq(oid("1.2.840.113549.1.1.5"), null()),
    "md5-rsa": seq(oid("1.2.840.113549.1.1.4"), null()),
    "sha256-ecdsa": seq(oid("1.2.840.10045.4.3.2")),
    "sha384-ecdsa": seq(oid("1.2.840.10045.4.3.3")),
    "sha512-ecdsa": seq(oid("1.2.840.10045.4.3.4")),
    "sha1-ecdsa": seq(oid("1.2.840.10045.4.1")),
    "ed25519": seq(oid("1.3.101.112")),
}


def pss_alg(hash_name="sha256"):
    h = {"sha256": ("2.16.840.1.101.3.4.2.1", 32), "sha384": ("2.16.840.1.101.3.4.2.2", 48),
         "sha512": ("2.16.840.1.101.3.4.2.3", 64)}[hash_name]
    halg = seq(oid(h[0]))
    mgf = seq(oid("1.2.840.113549.1.1.8"), halg)
    return seq(oid("1.2.840.113549.1.1.10"), seq(ctx(0, halg), ctx(1, mgf), ctx(2, integer(h[1]))))


def sig_alg_der(sig):
    """`sig` is e.g. 'sha256-rsa', 'sha256-ecdsa', 'sha256-pss', 'ed25519'."""
    if sig.endswith("-pss"):
        return pss_alg(sig.split("-")[0])
    return ALG[sig]


# Extensions: (oid, critical, DER value).
EXT = {
    "bc": "2.5.29.19", "ku": "2.5.29.15", "eku": "2.5.29.37", "san": "2.5.29.17", "nc": "2.5.29.30",
    "ski": "2.5.29.14", "aki": "2.5.29.35", "cp": "2.5.29.32", "pc": "2.5.29.36", "iap": "2.5.29.54",
    "pm": "2.5.29.33",
}
EKU = {"server": "1.3.6.1.5.5.7.3.1", "client": "1.3.6.1.5.5.7.3.2", "code": "1.3.6.1.5.5.7.3.3",
       "email": "1.3.6.1.5.5.7.3.4", "ocsp": "1.3.6.1.5.5.7.3.9", "any": "2.5.29.37.0"}
KU = {"digitalSignature": 0, "nonRepudiation": 1, "keyEncipherment": 2, "dataEncipherment": 3, "keyAgreement": 4,
      "keyCertSign": 5, "cRLSign": 6, "encipherOnly": 7, "decipherOnly": 8}
ANY_POLICY = "2.5.29.32.0"


def extension(ext_oid, critical, value):
    parts = [oid(ext_oid)]
    if critical:
        parts.append(boolean(True))
    parts.append(octets(value))
    return seq(*parts)


def bc_value(ca, pathlen=None):
    parts = []
    if ca:
        parts.append(boolean(True))
    if pathlen is not None:
        parts.append(integer(pathlen))
    return seq(*parts)


def ku_value(usages):
    return named_bits([KU[u] for u in usages])


def eku_value(purposes):
    return seq(*[oid(EKU.get(p, p)) for p in purposes])


def general_name(kind, value):
    if kind == "dns":
        return tlv(0x82, value.encode())
    if kind == "email":
        return tlv(0x81, value.encode())
    if kind == "uri":
        return tlv(0x86, value.encode())
    if kind == "ip":
        return tlv(0x87, ipaddress.ip_address(value).packed)
    if kind == "ipnet":  # name constraints: address + mask
        net = ipaddress.ip_network(value)
        return tlv(0x87, net.network_address.packed + net.netmask.packed)
    if kind == "dn":
        return ctx(4, value)  # value: a DER Name
    raise ValueError(kind)


def san_value(names):
    return seq(*[general_name(k, v) for k, v in names])


def nc_value(permitted=(), excluded=()):
    parts = []
    if permitted:
        parts.append(ctx(0, b"".join(seq(general_name(k, v)) for k, v in permitted)))
    if excluded:
        parts.append(ctx(1, b"".join(seq(general_name(k, v)) for k, v in excluded)))
    return seq(*parts)


def ski_value(spki_der):
    return octets(key_id(spki_der))


def aki_value(keyid, issuer_name=None, serial=None):
    parts = [tlv(0x80, keyid)]
    if issuer_name is not None:
        parts.append(ctx(1, ctx(4, issuer_name)))
        parts.append(tlv(0x82, serial if isinstance(serial, bytes) else int_content(serial)))
    return seq(*parts)


def cp_value(policies):
    return seq(*[seq(oid(p)) for p in policies])


def pc_value(require_explicit=None, inhibit_mapping=None):
    parts = []
    if require_explicit is not None:
        parts.append(tlv(0x80, int_content(require_explicit)))
    if inhibit_mapping is not None:
        parts.append(tlv(0x81, int_content(inhibit_mapping)))
    return seq(*parts)


def pm_value(pairs):
    return seq(*[seq(oid(a), oid(b)) for a, b in pairs])


def iap_value(skip):
    return integer(skip)


def key_id(spki_der):
    """RFC 5280 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits."""
    return hashlib.sha1(spki_bits(spki_der)).digest()


def read_tlv(buf, pos):
    tag = buf[pos]
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    return tag, buf[pos:pos + n], pos + n


def spki_bits(spki_der):
    _, body, _ = read_tlv(spki_der, 0)
    _, _, pos = read_tlv(body, 0)  # algorithm
    _, bitstr, _ = read_tlv(body, pos)
    return bitstr[1:]


def tbs(version, serial, sig, issuer, not_before, not_after, subject, spki, extensions, time_kind=None):
    """The TBSCertificate. `version` is 1, 2 or 3; `serial` an int or raw content bytes."""
    parts = []
    if version != 1:
        parts.append(ctx(0, integer(version - 1)))
    parts.append(integer_bytes(serial) if isinstance(serial, bytes) else integer(serial))
    parts.append(sig_alg_der(sig))
    parts.append(issuer)
    parts.append(seq(time_der(not_before, time_kind), time_der(not_after, time_kind)))
    parts.append(subject)
    parts.append(spki)
    if extensions and version == 3:
        parts.append(ctx(3, seq(*extensions)))
    return seq(*parts)


def certificate(tbs_der, sig, signature, outer_sig=None):
    return seq(tbs_der, sig_alg_der(outer_sig or sig), bits(signature))


def pem(der):
    import base64
    b = base64.b64encode(der).decode()
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(b[i:i + 64] for i in range(0, len(b), 64)) + \
        "\n-----END CERTIFICATE-----\n"
