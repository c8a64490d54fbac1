"""Case generation for difftest: real-world chain shapes, each mutated in one
to three ways, deterministically from (seed, case index).

A case is a set of certificates (each described field by field, see Cert), the
chain the server sends, the trust anchors clients are given, and the name they
ask for. Mutations are small functions over a case; each has a class name
("bc.pathlen_exceeded") that the report groups disagreements by. A mutation
that does not fit the shape it drew says so and another is drawn.
"""

import random

DAY = 86400
# Key pool size per type: enough distinct keys for one case (the usual types
# can fill a whole chain; the rare ones, set by a mutation, one certificate).
POOL = {"ec-p256": 6, "ec-p384": 6, "rsa-2048": 6, "rsa-1024": 2, "rsa-3072": 2, "rsa-4096": 1, "rsa-2048-e3": 1,
        "ec-p521": 2, "ed25519": 2, "rsapss-2048": 2}
DEFAULT_POOL = 2
TEST_POLICY = "1.3.6.1.4.1.32473.2.1"  # RFC 5612 documentation arc
OTHER_POLICY = "1.3.6.1.4.1.32473.2.2"
DV_POLICY = "2.23.140.1.2.1"
UNKNOWN_EXT = "1.3.6.1.4.1.32473.1"


class Cert:
    """One certificate, field by field. Extension values are plain data that
    assemble.py turns into DER: bc {ca, pathlen}, ku [usages], eku [purposes],
    san [(kind, value)], nc {permitted, excluded}, ski/aki "auto", cp [oids],
    pc {require, inhibit}, iap n, unknown oid."""

    def __init__(self, label, subject, key, issuer, ca):
        self.label = label
        self.subject = subject  # [(attr, value)]
        self.key = key  # key type, e.g. "ec-p256", "rsa-2048"
        self.key_from = None  # share another certificate's key (a cross-certificate)
        self.slot = None  # index in the key pool, set by Case.finish
        self.issuer = issuer  # Cert, or None for self-signed
        self.ca = ca
        self.version = 3
        self.serial = None
        self.hash = "sha256"
        self.pss = False
        self.validity = (-30 * DAY, 90 * DAY)  # relative to the run's time
        self.time_kind = None  # force "utc" or "gen" encoding
        self.exts = {}  # name -> [critical, value], in insertion order
        self.extra_exts = []  # [(name, critical, value)] appended (duplicates)
        self.issuer_name = None  # [(attr, value)] written as issuer instead of the issuer's subject
        self.issuer_string_type = None  # encode the issuer name with PrintableString
        self.bad_sig = False
        self.outer_hash = None  # outer signatureAlgorithm names another hash than the TBS

    def signer(self):
        return self if self.issuer is None else self.issuer

    def key_owner(self):
        return self.key_from if self.key_from is not None else self

    def describe(self):
        out = {"label": self.label, "subject": self.subject, "key": self.key_owner().key, "ca": self.ca,
               "issuer": self.issuer.label if self.issuer else None, "version": self.version, "hash": self.hash,
               "pss": self.pss, "validity_days": [self.validity[0] / DAY, self.validity[1] / DAY],
               "exts": {k: [c, v] for k, (c, v) in self.exts.items()}}
        for attr in ("time_kind", "extra_exts", "issuer_name", "issuer_string_type", "bad_sig", "outer_hash"):
            if getattr(self, attr):
                out[attr] = getattr(self, attr)
        return out


class Case:
    def __init__(self, seed, index):
        self.index = index
        self.id = f"c{index:05d}"
        self.rng = random.Random(f"difftest:{seed}:{index}")
        self.domain = f"{self.id}.difftest.test"
        self.host = f"www.{self.domain}"
        self.org = f"difftest s{seed} {self.id}"
        self.certs = []  # issuers before the certificates they sign
        self.sent = []
        self.trust = []
        self.leaf = None
        self.anchor = None
        self.mutations = []
        self.shape = None

    # Construction helpers.
    def key_type(self):
        r = self.rng.random()
        return "ec-p256" if r < 0.55 else "rsa-2048" if r < 0.9 else "ec-p384"

    def make_ca(self, label, cn, issuer, validity=(-365 * DAY, 5 * 365 * DAY)):
        c = Cert(label, [("O", self.org), ("CN", cn)], self.key_type(), issuer, True)
        c.validity = validity
        c.exts["bc"] = [True, {"ca": True, "pathlen": None}]
        usages = ["keyCertSign", "cRLSign"]
        if self.rng.random() < 0.4:
            usages.insert(0, "digitalSignature")
        c.exts["ku"] = [True, usages]
        c.exts["ski"] = [False, "auto"]
        if issuer is not None:
            c.exts["aki"] = [False, "auto"]
            if self.rng.random() < 0.3:
                c.exts["eku"] = [False, ["server", "client"]]
            if self.rng.random() < 0.3:
                c.exts["cp"] = [False, ["2.5.29.32.0"]]
        self.certs.append(c)
        return c

    def make_leaf(self, issuer):
        c = Cert("leaf", [("CN", self.host)], self.key_type(), issuer, False)
        if self.rng.random() < 0.3:
            c.subject = [("O", self.org), ("CN", self.host)]
        c.exts["ku"] = [True, ["digitalSignature", "keyEncipherment"] if c.key.startswith("rsa") else
                        ["digitalSignature"]]
        c.exts["eku"] = [False, ["server", "client"] if self.rng.random() < 0.5 else ["server"]]
        if self.rng.random() < 0.7:
            c.exts["bc"] = [True, {"ca": False, "pathlen": None}]
        c.exts["ski"] = [False, "auto"]
        if issuer is not None:
            c.exts["aki"] = [False, "auto"]
        if self.rng.random() < 0.5:
            c.exts["cp"] = [False, [DV_POLICY]]
        c.exts["san"] = [False, [("dns", self.host)]]
        self.certs.append(c)
        self.leaf = c
        return c

    def path(self):
        """The intended path, leaf first, anchor last (following issuers)."""
        out, c = [], self.leaf
        while c is not None and c not in out:
            out.append(c)
            c = c.issuer
        return out

    def intermediates(self):
        return [c for c in self.path()[1:] if c is not self.anchor]

    def cas_below(self, cert):
        """Non-self-issued CA certificates between `cert` and the leaf."""
        p = self.path()
        below = p[1:p.index(cert)] if cert in p else []
        return [c for c in below if c.subject != (c.issuer.subject if c.issuer else None)]

    def finish(self, seed):
        """Serials and key slots: distinct keys per type within the case."""
        used = {}
        for c in self.certs:
            c.serial = c.serial if c.serial is not None else (self.rng.getrandbits(63) | (1 << 62))
            if c.key_from is None:
                size = POOL.get(c.key, DEFAULT_POOL)
                taken = used.setdefault(c.key, [])
                free = [i for i in range(size) if i not in taken]
                c.slot = self.rng.choice(free) if free else self.rng.randrange(size)
                taken.append(c.slot)
        for c in self.certs:
            if c.key_from is not None:
                c.key = c.key_from.key
                c.slot = c.key_from.slot

    def describe(self):
        return {"id": self.id, "shape": self.shape, "mutations": self.mutations, "host": self.host,
                "sent": [c.label for c in self.sent], "trust": [c.label for c in self.trust],
                "certs": [c.describe() for c in self.certs]}


# Shapes, as servers on the Internet send them.
def shape_one_intermediate(case):
    """root -> intermediate -> leaf, sent leaf + intermediate (most public sites)."""
    root = case.make_ca("root", "difftest root", None, (-2 * 365 * DAY, 10 * 365 * DAY))
    inter = case.make_ca("inter", "difftest intermediate", root)
    if case.rng.random() < 0.5:
        inter.exts["bc"][1]["pathlen"] = 0
    leaf = case.make_leaf(inter)
    case.sent, case.trust, case.anchor = [leaf, inter], [root], root


def shape_two_intermediates(case):
    """root -> A -> B -> leaf, sent leaf, B, A (e.g. USERTrust/Sectigo)."""
    root = case.make_ca("root", "difftest root", None, (-2 * 365 * DAY, 10 * 365 * DAY))
    a = case.make_ca("interA", "difftest intermediate A", root)
    b = case.make_ca("interB", "difftest intermediate B", a)
    if case.rng.random() < 0.5:
        b.exts["bc"][1]["pathlen"] = 0
    if case.rng.random() < 0.3:
        a.exts["bc"][1]["pathlen"] = 1
    leaf = case.make_leaf(b)
    case.sent, case.trust, case.anchor = [leaf, b, a], [root], root


def shape_direct(case):
    """root -> leaf, sent leaf (a private CA)."""
    root = case.make_ca("root", "difftest root", None, (-2 * 365 * DAY, 10 * 365 * DAY))
    leaf = case.make_leaf(root)
    case.sent, case.trust, case.anchor = [leaf], [root], root


def shape_cross_signed(case):
    """old root (trusted) cross-signs new root; new root -> intermediate -> leaf;
    sent leaf, intermediate, cross-certificate (Let's Encrypt's ISRG X1 by DST X3)."""
    old = case.make_ca("oldroot", "difftest old root", None, (-8 * 365 * DAY, 10 * 365 * DAY))
    new = case.make_ca("newroot", "difftest new root", None, (-2 * 365 * DAY, 10 * 365 * DAY))
    cross = case.make_ca("cross", "difftest new root", old)
    cross.key_from = new
    cross.subject = list(new.subject)
    cross.validity = (-365 * DAY, 3 * 365 * DAY)
    inter = case.make_ca("inter", "difftest intermediate", None)
    inter.issuer = cross  # the same name and key as the new root
    inter.exts["aki"] = [False, "auto"]
    case.certs.remove(inter)
    case.certs.append(inter)
    leaf = case.make_leaf(inter)
    case.sent, case.trust, case.anchor = [leaf, inter, cross], [old], old
    case.newroot = new


def shape_self_signed(case):
    """a self-signed leaf: untrusted, or pinned (the leaf is the trust anchor)."""
    leaf = case.make_leaf(None)
    case.sent, case.anchor = [leaf], leaf
    case.trust = [leaf] if case.rng.random() < 0.5 else []
    case.shape = "self_signed_pinned" if case.trust else "self_signed_untrusted"
    if not case.trust:  # clients still need a trust file: an unrelated root
        other = case.make_ca("root", "difftest unrelated root", None)
        case.certs.remove(other)
        case.certs.insert(0, other)
        case.trust = [other]


SHAPES = [(0.45, "one_intermediate", shape_one_intermediate), (0.25, "two_intermediates", shape_two_intermediates),
          (0.10, "direct", shape_direct), (0.15, "cross_signed", shape_cross_signed),
          (0.05, "self_signed", shape_self_signed)]


# Mutations. Each returns False when it does not fit the case as drawn.
def _inter(case):
    inters = case.intermediates()
    return case.rng.choice(inters) if inters else None


def _set_key(cert, key):
    owner = cert.key_owner()
    owner.key = key
    if cert.label == "leaf":
        cert.exts["ku"] = [True, ["digitalSignature", "keyEncipherment"] if key.startswith("rsa-") else
                           ["digitalSignature"]]


def _need_rsa(cert):
    if not cert.key_owner().key.startswith("rsa-"):
        _set_key(cert, "rsa-2048")


def _ext(cert, name, critical, value):
    cert.exts[name] = [critical, value]
    return True


def m_bc_inter_absent(case, with_ku):
    c = _inter(case)
    if c is None:
        return False
    c.exts.pop("bc")
    if not with_ku:
        c.exts.pop("ku", None)
    return True


def m_bc_inter_ca_false(case):
    c = _inter(case)
    return c is not None and _ext(c, "bc", case.rng.random() < 0.5, {"ca": False, "pathlen": None})


def m_bc_inter_noncritical(case):
    c = _inter(case)
    return c is not None and "bc" in c.exts and _ext(c, "bc", False, c.exts["bc"][1])


def m_bc_pathlen(case, delta, anchor=False):
    """pathLen = (CAs below) + delta: -1 exceeds it, 0 is exactly enough."""
    cands = [case.anchor] if anchor else case.intermediates()
    cands = [c for c in cands if c.ca and "bc" in c.exts and len(case.cas_below(c)) + delta >= 0]
    if not cands:
        return False
    c = case.rng.choice(cands)
    c.exts["bc"] = [True, {"ca": True, "pathlen": len(case.cas_below(c)) + delta}]
    return True


def m_bc_self_issued(case):
    """The leaf's issuer has pathLen 0 and rolled its key over: a self-issued
    certificate (same name, new key, signed by the old key) sits between it and
    the leaf. Self-issued certificates do not count against pathLen (RFC 5280 6.1.4 (l))."""
    leaf = case.leaf
    top = leaf.issuer
    if top is None or not top.ca or top is case.anchor:
        return False
    top.exts["bc"] = [True, {"ca": True, "pathlen": 0}]
    rolled = case.make_ca("rollover", "x", top)
    rolled.subject = list(top.subject)
    case.certs.remove(rolled)
    case.certs.insert(case.certs.index(leaf), rolled)
    leaf.issuer = rolled
    case.sent.insert(case.sent.index(top), rolled)
    return True


def m_bc_leaf_ca(case):
    return _ext(case.leaf, "bc", True, {"ca": True, "pathlen": None})


def m_bc_leaf_pathlen(case):
    return _ext(case.leaf, "bc", True, {"ca": False, "pathlen": 0})


def m_bc_anchor_absent(case):
    a = case.anchor
    if a is case.leaf or "bc" not in a.exts:
        return False
    a.exts.pop("bc")
    return True


def m_ku_ca(case, usages, critical=True, anchor=False):
    c = case.anchor if anchor else _inter(case)
    if c is None or c is case.leaf:
        return False
    if usages is None:
        c.exts.pop("ku", None)
        return True
    return _ext(c, "ku", critical, usages)


def m_ku_leaf(case, usages, critical=True):
    if usages is None:
        case.leaf.exts.pop("ku", None)
        return True
    if usages == "no-digsig":
        usages = ["keyEncipherment"] if case.leaf.key.startswith("rsa-") else ["keyAgreement"]
    return _ext(case.leaf, "ku", critical, usages)


def m_ku_leaf_no_digsig_ec(case):
    _set_key(case.leaf, case.rng.choice(["ec-p256", "ec-p384"]))
    return _ext(case.leaf, "ku", True, case.rng.choice([["keyAgreement"], ["keyEncipherment"], ["nonRepudiation"]]))


def m_eku_leaf(case, purposes, critical=False):
    if purposes is None:
        case.leaf.exts.pop("eku", None)
        return True
    return _ext(case.leaf, "eku", critical, purposes)


def m_eku_ca(case, purposes, anchor=False):
    c = case.anchor if anchor else _inter(case)
    return c is not None and c is not case.leaf and _ext(c, "eku", False, purposes)


def _nc_target(case, anchor):
    c = case.anchor if anchor else _inter(case)
    return None if c is None or c is case.leaf else c


def m_nc(case, kind, anchor=False, critical=True):
    c = _nc_target(case, anchor)
    if c is None:
        return False
    ip = case.host[0].isdigit()
    if kind == "permitted_ok":
        value = {"permitted": [("ipnet", "127.0.0.0/8")] if ip else [("dns", case.domain)]}
    elif kind == "permitted_violation":
        value = {"permitted": [("ipnet", "10.0.0.0/8")] if ip else [("dns", "other.test")]}
    elif kind == "excluded_violation":
        value = {"excluded": [("ipnet", "127.0.0.0/8")] if ip else [("dns", case.domain)]}
    elif kind == "excluded_ok":
        value = {"excluded": [("ipnet", "10.0.0.0/8")] if ip else [("dns", "other.test")]}
    elif kind == "leading_dot":
        value = {"permitted": [("dns", "." + case.domain)]}
    elif kind == "email_only":
        value = {"permitted": [("email", "difftest.test")]}
    elif kind == "dn_violation":
        from der import name
        value = {"permitted": [("dn", name([("O", "difftest elsewhere")]))]}
    else:
        raise ValueError(kind)
    return _ext(c, "nc", critical, value)


def m_nc_cn_only(case):
    case.leaf.exts.pop("san", None)
    case.leaf.subject = [("O", case.org), ("CN", case.host)]
    return m_nc(case, "permitted_violation")


def m_val(case, which, kind):
    c = {"leaf": case.leaf, "inter": _inter(case), "anchor": case.anchor}[which]
    if c is None or (which == "anchor" and c is case.leaf):
        return False
    nb, na = c.validity
    if kind == "expired":
        c.validity = (min(nb, -400 * DAY), -2 * DAY)
    elif kind == "not_yet":
        c.validity = (3 * DAY, max(na, 200 * DAY))
    elif kind == "inverted":
        c.validity = (10 * DAY, -10 * DAY)
    elif kind == "gentime":
        c.time_kind = "gen"
    elif kind == "beyond_2050":
        c.validity = (nb, 30 * 365 * DAY)
    elif kind == "long":
        c.validity = (-30 * DAY, 5 * 365 * DAY)
    return True


def m_sig(case, which, hash_name=None, pss=False, bad=False, outer=None):
    c = {"leaf": case.leaf, "inter": _inter(case), "anchor": case.anchor}[which]
    if c is None or (which == "anchor" and c.issuer is not None):
        return False
    signer = c.signer()
    if signer.key_owner().key.startswith("ed25519"):
        return False
    if hash_name == "md5" or pss:
        _need_rsa(signer)
    if hash_name:
        c.hash = hash_name
    c.pss = pss
    c.bad_sig = bad
    c.outer_hash = outer
    return True


def m_key(case, which, key):
    c = {"leaf": case.leaf, "inter": _inter(case), "anchor": case.anchor}[which]
    if c is None or (which != "leaf" and c is case.leaf):
        return False
    _set_key(c, key)
    return True


def _san(case, names, host=None, cn=None):
    if host is not None:
        case.host = host
    if names is None:
        case.leaf.exts.pop("san", None)
    else:
        case.leaf.exts["san"] = [case.leaf.exts.get("san", [False])[0], names]
    case.leaf.subject = [a for a in case.leaf.subject if a[0] != "CN"] + [("CN", cn if cn is not None else case.host)]
    return True


def m_san(case, kind):
    d, h = case.domain, case.host
    if kind == "wildcard_ok":
        return _san(case, [("dns", "*." + d)])
    if kind == "wildcard_deep":
        return _san(case, [("dns", "*.difftest.test")])
    if kind == "wildcard_partial":
        return _san(case, [("dns", "w*." + d)])
    if kind == "wildcard_suffix":
        return _san(case, [("dns", "*w." + d)])
    if kind == "wildcard_bare":
        return _san(case, [("dns", "*")])
    if kind == "wildcard_tld":
        return _san(case, [("dns", "*.test")], host="difftest.test")
    if kind == "wildcard_middle":
        return _san(case, [("dns", "www.*.difftest.test")])
    if kind == "wildcard_apex":
        return _san(case, [("dns", "*." + d)], host=d)
    if kind == "uppercase":
        return _san(case, [("dns", h.upper())])
    if kind == "trailing_dot":
        return _san(case, [("dns", h + ".")])
    if kind == "ip_ok":
        return _san(case, [("ip", "127.0.0.1"), ("dns", h)], host="127.0.0.1")
    if kind == "ip_in_dns":
        return _san(case, [("dns", "127.0.0.1")], host="127.0.0.1")
    if kind == "ip_cn_only":
        return _san(case, None, host="127.0.0.1", cn="127.0.0.1")
    if kind == "ip_mismatch":
        return _san(case, [("ip", "127.0.0.2")], host="127.0.0.1")
    if kind == "ipv6_mapped":
        return _san(case, [("ip", "::ffff:127.0.0.1")], host="127.0.0.1")
    if kind == "cn_only":
        return _san(case, None)
    if kind == "cn_with_uri_san":
        return _san(case, [("uri", f"https://{h}/")])
    if kind == "cn_host_san_other":
        return _san(case, [("dns", "other." + d)])
    if kind == "mismatch":
        return _san(case, [("dns", "other.test")], cn="other.test")
    if kind == "idn":
        return _san(case, [("dns", "xn--bcher-kva." + d)], host="xn--bcher-kva." + d)
    if kind == "empty_subject":
        case.leaf.subject = []
        case.leaf.exts["san"][0] = True
        return True
    if kind == "empty_subject_noncritical":
        case.leaf.subject = []
        return True
    if kind == "many":
        return _san(case, [("dns", f"n{i}.{d}") for i in range(150)] + [("dns", h)])
    if kind == "empty_dns":
        return _san(case, [("dns", ""), ("dns", h)])
    if kind == "email_and_dns":
        return _san(case, [("email", "admin@" + d), ("dns", h)])
    raise ValueError(kind)


def m_order(case, kind):
    sent, inters = case.sent, [c for c in case.sent[1:] if c.ca]
    if kind == "root_included":
        if case.anchor is case.leaf or case.anchor in sent:
            return False
        sent.append(case.anchor)
    elif kind == "reversed":
        if len(sent) < 3:
            return False
        case.sent = [sent[0]] + list(reversed(sent[1:]))
    elif kind == "duplicate_inter":
        if not inters:
            return False
        sent.insert(sent.index(inters[0]) + 1, inters[0])
    elif kind == "duplicate_leaf":
        sent.insert(1, sent[0])
    elif kind == "missing_inter":
        if len(sent) < 2:
            return False
        del sent[1]
    elif kind == "leaf_only":
        if len(sent) < 2:
            return False
        del sent[1:]
    elif kind in ("extra_unrelated", "stale_inter", "only_stale"):
        if kind != "extra_unrelated" and not inters:
            return False
        if kind == "extra_unrelated":
            other = case.make_ca("unrelated", "difftest unrelated CA", None)
        else:
            target = inters[0]
            other = case.make_ca("stale", "x", target.issuer)
            other.subject = list(target.subject)
            other.validity = (-3 * 365 * DAY, -400 * DAY) if case.rng.random() < 0.5 else target.validity
        case.certs.remove(other)
        case.certs.insert(0 if other.issuer is None else case.certs.index(other.issuer) + 1, other)
        if kind == "only_stale":
            sent[sent.index(inters[0])] = other
        else:
            sent.insert(1, other)
    return True


def m_cross(case, kind):
    if case.shape != "cross_signed":
        return False
    cross = next(c for c in case.certs if c.label == "cross")
    if kind == "expired":
        cross.validity = (-3 * 365 * DAY, -30 * DAY)
    elif kind == "expired_both_trusted":
        cross.validity = (-3 * 365 * DAY, -30 * DAY)
        case.trust = [case.anchor, case.newroot]
    elif kind == "new_trusted_only":
        case.trust = [case.newroot]
    elif kind == "both_trusted":
        case.trust = [case.anchor, case.newroot]
    elif kind == "old_root_expired":
        case.anchor.validity = (-8 * 365 * DAY, -10 * DAY)
    elif kind == "cross_pathlen0":
        cross.exts["bc"] = [True, {"ca": True, "pathlen": 0}]
    elif kind == "new_root_sent":
        case.sent.append(case.newroot)
    return True


def _duplicate(cert, name):
    cert.extra_exts.append((name,) + tuple(cert.exts[name]))
    return True


def m_ext(case, kind):
    leaf, inter = case.leaf, _inter(case)
    if kind == "unknown_critical_leaf":
        return _ext(leaf, "unknown", True, UNKNOWN_EXT)
    if kind == "unknown_critical_inter":
        return inter is not None and _ext(inter, "unknown", True, UNKNOWN_EXT)
    if kind == "unknown_noncritical_leaf":
        return _ext(leaf, "unknown", False, UNKNOWN_EXT)
    if kind == "duplicate_inter_ku":  # (a leaf with a duplicate extension is refused by the OpenSSL origin itself)
        return inter is not None and "ku" in inter.exts and _duplicate(inter, "ku")
    if kind == "duplicate_inter_bc":
        return inter is not None and "bc" in inter.exts and _duplicate(inter, "bc")
    if kind == "aki_mismatch_leaf":
        return "aki" in leaf.exts and _ext(leaf, "aki", False, {"keyid": "random"})
    if kind == "aki_mismatch_inter":
        return inter is not None and _ext(inter, "aki", False, {"keyid": "random"})
    if kind == "aki_issuer_serial_mismatch":
        return "aki" in leaf.exts and _ext(leaf, "aki", False, {"keyid": "auto", "issuer_serial": "wrong"})
    if kind == "no_ski_inter":
        return inter is not None and inter.exts.pop("ski", None) is not None
    if kind == "no_aki_leaf":
        return leaf.exts.pop("aki", None) is not None
    if kind == "aki_critical_leaf":
        return "aki" in leaf.exts and _ext(leaf, "aki", True, leaf.exts["aki"][1])
    if kind == "cp_critical_leaf":
        return _ext(leaf, "cp", True, [DV_POLICY])
    if kind == "ski_critical_inter":
        return inter is not None and "ski" in inter.exts and _ext(inter, "ski", True, "auto")
    raise ValueError(kind)


def m_pol(case, kind):
    inter = _inter(case)
    if inter is None and kind != "require_explicit_leaf":
        return False
    leaf = case.leaf
    if kind == "require_explicit_no_leaf_policy":
        leaf.exts.pop("cp", None)
        return _ext(inter, "pc", True, {"require": 0})
    if kind == "require_explicit_ok":
        inter.exts["cp"] = [False, ["2.5.29.32.0"]]
        leaf.exts["cp"] = [False, [DV_POLICY]]
        return _ext(inter, "pc", True, {"require": 0})
    if kind == "require_explicit_mismatch":
        inter.exts["cp"] = [False, [TEST_POLICY]]
        leaf.exts["cp"] = [False, [OTHER_POLICY]]
        return _ext(inter, "pc", True, {"require": 0})
    if kind == "require_explicit_skip":
        leaf.exts.pop("cp", None)
        return _ext(inter, "pc", True, {"require": 5})
    if kind == "inhibit_any":
        inter.exts["cp"] = [False, ["2.5.29.32.0"]]
        leaf.exts["cp"] = [False, ["2.5.29.32.0"]]
        _ext(inter, "iap", True, 0)
        return _ext(inter, "pc", True, {"require": 0})
    if kind == "mapping_any":
        inter.exts["cp"] = [False, [TEST_POLICY]]
        return _ext(inter, "pm", True, [("2.5.29.32.0", TEST_POLICY)])
    if kind == "mapping_ok":
        inter.exts["cp"] = [False, [TEST_POLICY]]
        leaf.exts["cp"] = [False, [OTHER_POLICY]]
        _ext(inter, "pm", False, [(TEST_POLICY, OTHER_POLICY)])
        return _ext(inter, "pc", True, {"require": 0})
    if kind == "require_explicit_leaf":
        leaf.exts.pop("cp", None)
        return _ext(leaf, "pc", True, {"require": 0})
    if kind == "inter_policy_leaf_none":
        inter.exts["cp"] = [False, [TEST_POLICY]]
        leaf.exts.pop("cp", None)
        return True
    raise ValueError(kind)


def m_ver(case, which, version):
    c = {"leaf": case.leaf, "inter": _inter(case), "anchor": case.anchor}[which]
    if c is None or (which != "leaf" and c is case.leaf):
        return False
    c.version = version
    if version == 1 and c is case.leaf:
        c.subject = [("O", case.org), ("CN", case.host)]
    return True


def m_name(case, kind):
    leaf = case.leaf
    issuer = leaf.issuer
    if issuer is None:
        return False
    if kind == "issuer_case":
        leaf.issuer_name = [(a, v.upper()) for a, v in issuer.subject]
    elif kind == "issuer_whitespace":
        leaf.issuer_name = [(a, "  " + v.replace(" ", "   ") + " ") for a, v in issuer.subject]
    elif kind == "issuer_printable":
        leaf.issuer_string_type = "printable"
    elif kind == "issuer_reordered":
        if len(issuer.subject) < 2:
            return False
        leaf.issuer_name = list(reversed(issuer.subject))
    return True


def m_serial(case, kind):
    leaf = case.leaf
    if kind == "negative":
        leaf.serial = -(case.rng.getrandbits(63) | (1 << 62))
    elif kind == "zero":
        leaf.serial = 0
    elif kind == "long":
        leaf.serial = bytes([0x7F]) + bytes(case.rng.getrandbits(8) for _ in range(20))
    return True


def _all(prefix, fn, kinds, weight=1.0):
    return [(f"{prefix}.{k}", weight, (lambda k: lambda case: fn(case, k))(k)) for k in kinds]


MUTATIONS = [
    ("bc.inter_absent", 1.0, lambda c: m_bc_inter_absent(c, False)),
    ("bc.inter_absent_with_ku", 1.0, lambda c: m_bc_inter_absent(c, True)),
    ("bc.inter_ca_false", 1.0, m_bc_inter_ca_false),
    ("bc.inter_noncritical", 0.5, m_bc_inter_noncritical),
    ("bc.pathlen_exceeded", 1.5, lambda c: m_bc_pathlen(c, -1)),
    ("bc.pathlen_exact", 1.0, lambda c: m_bc_pathlen(c, 0)),
    ("bc.anchor_pathlen_exceeded", 1.0, lambda c: m_bc_pathlen(c, -1, anchor=True)),
    ("bc.self_issued_pathlen", 1.0, m_bc_self_issued),
    ("bc.leaf_ca", 1.0, m_bc_leaf_ca),
    ("bc.leaf_pathlen_not_ca", 0.5, m_bc_leaf_pathlen),
    ("bc.anchor_absent", 0.5, m_bc_anchor_absent),
    ("ku.ca_no_keycertsign", 1.5, lambda c: m_ku_ca(c, ["digitalSignature", "cRLSign"])),
    ("ku.anchor_no_keycertsign", 1.0, lambda c: m_ku_ca(c, ["digitalSignature", "cRLSign"], anchor=True)),
    ("ku.ca_absent", 0.5, lambda c: m_ku_ca(c, None)),
    ("ku.ca_noncritical", 0.5, lambda c: m_ku_ca(c, ["keyCertSign", "cRLSign"], critical=False)),
    ("ku.leaf_no_digitalsignature", 1.0, lambda c: m_ku_leaf(c, "no-digsig")),
    ("ku.ecdsa_leaf_no_digitalsignature", 1.5, m_ku_leaf_no_digsig_ec),
    ("ku.leaf_keycertsign_only", 0.5, lambda c: m_ku_leaf(c, ["keyCertSign"])),
    ("ku.leaf_absent", 0.5, lambda c: m_ku_leaf(c, None)),
    ("ku.ca_empty", 0.5, lambda c: m_ku_ca(c, [])),
    ("ku.leaf_noncritical", 0.3, lambda c: m_ku_leaf(c, ["digitalSignature"], critical=False)),
    ("ku.leaf_all_bits", 0.3, lambda c: m_ku_leaf(c, list(__import__("der").KU))),
    ("eku.leaf_client_only", 0.7, lambda c: m_eku_leaf(c, ["client"])),
    ("eku.leaf_absent", 0.5, lambda c: m_eku_leaf(c, None)),
    ("eku.leaf_any_only", 0.7, lambda c: m_eku_leaf(c, ["any"])),
    ("eku.leaf_any_and_server", 0.3, lambda c: m_eku_leaf(c, ["any", "server"])),
    ("eku.leaf_codesigning", 0.5, lambda c: m_eku_leaf(c, ["code"])),
    ("eku.leaf_critical", 0.3, lambda c: m_eku_leaf(c, ["server"], critical=True)),
    ("eku.inter_client_only", 1.0, lambda c: m_eku_ca(c, ["client"])),
    ("eku.inter_server", 0.3, lambda c: m_eku_ca(c, ["server"])),
    ("eku.inter_any", 0.3, lambda c: m_eku_ca(c, ["any"])),
    ("eku.anchor_client_only", 0.7, lambda c: m_eku_ca(c, ["client"], anchor=True)),
    ("eku.inter_ocsp_only", 0.3, lambda c: m_eku_ca(c, ["ocsp"])),
] + _all("nc", m_nc, ["permitted_ok", "permitted_violation", "excluded_violation", "excluded_ok", "leading_dot",
                      "email_only", "dn_violation"]) + [
    ("nc.anchor_permitted_violation", 0.7, lambda c: m_nc(c, "permitted_violation", anchor=True)),
    ("nc.noncritical_violation", 0.5, lambda c: m_nc(c, "permitted_violation", critical=False)),
    ("nc.cn_only_violation", 0.5, m_nc_cn_only),
] + [
    (f"val.{w}_{k}", 0.6, (lambda w, k: lambda c: m_val(c, w, k))(w, k))
    for w in ("leaf", "inter", "anchor") for k in ("expired", "not_yet")
] + [
    ("val.leaf_inverted", 0.4, lambda c: m_val(c, "leaf", "inverted")),
    ("val.leaf_gentime_before_2050", 0.5, lambda c: m_val(c, "leaf", "gentime")),
    ("val.inter_gentime_before_2050", 0.3, lambda c: m_val(c, "inter", "gentime")),
    ("val.leaf_beyond_2050", 0.3, lambda c: m_val(c, "leaf", "beyond_2050")),
    ("val.leaf_five_years", 0.4, lambda c: m_val(c, "leaf", "long")),
    ("sig.leaf_sha1", 0.7, lambda c: m_sig(c, "leaf", "sha1")),
    ("sig.inter_sha1", 0.7, lambda c: m_sig(c, "inter", "sha1")),
    ("sig.anchor_sha1", 0.4, lambda c: m_sig(c, "anchor", "sha1")),
    ("sig.leaf_md5", 0.5, lambda c: m_sig(c, "leaf", "md5")),
    ("sig.leaf_sha384", 0.3, lambda c: m_sig(c, "leaf", "sha384")),
    ("sig.leaf_sha512", 0.3, lambda c: m_sig(c, "leaf", "sha512")),
    ("sig.leaf_rsa_pss", 0.7, lambda c: m_sig(c, "leaf", "sha256", pss=True)),
    ("sig.inter_rsa_pss", 0.5, lambda c: m_sig(c, "inter", "sha256", pss=True)),
    ("sig.leaf_bad_signature", 0.7, lambda c: m_sig(c, "leaf", bad=True)),
    ("sig.inter_bad_signature", 0.5, lambda c: m_sig(c, "inter", bad=True)),
    ("sig.leaf_outer_alg_mismatch", 0.5, lambda c: m_sig(c, "leaf", "sha256", outer="sha384")),
    ("key.leaf_rsa1024", 0.7, lambda c: m_key(c, "leaf", "rsa-1024")),
    ("key.leaf_rsa3072", 0.3, lambda c: m_key(c, "leaf", "rsa-3072")),
    ("key.leaf_rsa4096", 0.3, lambda c: m_key(c, "leaf", "rsa-4096")),
    ("key.leaf_rsa_e3", 0.3, lambda c: m_key(c, "leaf", "rsa-2048-e3")),
    ("key.leaf_p384", 0.3, lambda c: m_key(c, "leaf", "ec-p384")),
    ("key.leaf_p521", 0.7, lambda c: m_key(c, "leaf", "ec-p521")),
    ("key.leaf_ed25519", 0.7, lambda c: m_key(c, "leaf", "ed25519")),
    ("key.leaf_rsa_pss_key", 0.7, lambda c: m_key(c, "leaf", "rsapss-2048")),
    ("key.inter_rsa1024", 0.7, lambda c: m_key(c, "inter", "rsa-1024")),
    ("key.inter_p521", 0.5, lambda c: m_key(c, "inter", "ec-p521")),
    ("key.inter_ed25519", 0.5, lambda c: m_key(c, "inter", "ed25519")),
    ("key.anchor_rsa1024", 0.5, lambda c: m_key(c, "anchor", "rsa-1024")),
] + _all("san", m_san, ["wildcard_ok", "wildcard_deep", "wildcard_partial", "wildcard_suffix", "wildcard_bare",
                        "wildcard_tld", "wildcard_middle", "wildcard_apex", "uppercase", "trailing_dot", "ip_ok",
                        "ip_in_dns", "ip_cn_only", "ip_mismatch", "ipv6_mapped", "cn_only", "cn_with_uri_san",
                        "cn_host_san_other", "mismatch", "idn", "empty_subject", "empty_subject_noncritical", "many",
                        "empty_dns", "email_and_dns"], 0.5) + \
    _all("order", m_order, ["root_included", "reversed", "duplicate_inter", "duplicate_leaf", "missing_inter",
                            "leaf_only", "extra_unrelated", "stale_inter", "only_stale"], 0.6) + \
    _all("cross", m_cross, ["expired", "expired_both_trusted", "new_trusted_only", "both_trusted", "old_root_expired",
                            "cross_pathlen0", "new_root_sent"], 3.0) + \
    _all("ext", m_ext, ["unknown_critical_leaf", "unknown_critical_inter", "unknown_noncritical_leaf",
                        "duplicate_inter_ku", "duplicate_inter_bc", "aki_mismatch_leaf", "aki_mismatch_inter",
                        "aki_issuer_serial_mismatch", "no_ski_inter", "no_aki_leaf", "aki_critical_leaf",
                        "cp_critical_leaf", "ski_critical_inter"], 0.5) + \
    _all("pol", m_pol, ["require_explicit_no_leaf_policy", "require_explicit_ok", "require_explicit_mismatch",
                        "require_explicit_skip", "inhibit_any", "mapping_any", "mapping_ok", "require_explicit_leaf",
                        "inter_policy_leaf_none"], 0.7) + [
    ("ver.leaf_v1", 0.7, lambda c: m_ver(c, "leaf", 1)),
    ("ver.inter_v1", 0.7, lambda c: m_ver(c, "inter", 1)),
    ("ver.anchor_v1", 0.5, lambda c: m_ver(c, "anchor", 1)),
    ("ver.leaf_v2_with_extensions", 0.3, lambda c: m_ver(c, "leaf", 2)),
] + _all("name", m_name, ["issuer_case", "issuer_whitespace", "issuer_printable", "issuer_reordered"], 0.5) + \
    _all("serial", m_serial, ["negative", "zero", "long"], 0.4)

MUTATION_NAMES = [m[0] for m in MUTATIONS]


def generate(seed, index, only=None):
    """Case `index` of run `seed`: a shape, then 0-3 mutations (a few cases
    stay unmutated, as controls)."""
    case = Case(seed, index)
    r = case.rng.random()
    acc = 0.0
    for weight, name, fn in SHAPES:
        acc += weight
        if r < acc or name == SHAPES[-1][1]:
            case.shape = name
            fn(case)  # may name a variant of the shape
            break
    pool = [m for m in MUTATIONS if only is None or any(m[0].startswith(p) for p in only)]
    n = case.rng.choices([0, 1, 2, 3], weights=[0.04, 0.6, 0.26, 0.1])[0] if only is None else 1
    tries = 0
    while len(case.mutations) < n and tries < 40 and pool:
        tries += 1
        name, _, fn = case.rng.choices(pool, weights=[m[1] for m in pool])[0]
        group = name.split(".")[0]
        if any(m.split(".")[0] == group for m in case.mutations):
            continue  # one mutation per group keeps causes apart
        if fn(case):
            case.mutations.append(name)
    case.finish(seed)
    return case
