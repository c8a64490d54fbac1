"""What AIA tests share: certificates minted with `openssl` (P-256, optionally
with a caIssuers URL) and a real plain-HTTP server on loopback whose paths
answer as AIA servers do, well or badly, counting how often each was asked."""

import collections
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Pki:
    """Certificates in `work`: NAME.pem and NAME.key."""

    def __init__(self, work):
        self.work = work
        os.makedirs(work, exist_ok=True)

    def openssl(self, *args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=self.work)

    def mint(self, name, issuer=None, ca=False, aia=None, host=None):
        """A P-256 certificate `name`, self-signed when issuer is None; returns its .pem path."""
        ext = ["basicConstraints=critical,CA:TRUE" if ca else "basicConstraints=CA:FALSE",
               "keyUsage=critical,keyCertSign,cRLSign" if ca else "keyUsage=critical,digitalSignature",
               "subjectKeyIdentifier=hash"]
        if issuer:
            ext.append("authorityKeyIdentifier=keyid:always")
        if not ca:
            ext += ["extendedKeyUsage=serverAuth", f"subjectAltName=DNS:{host}"]
        if aia:
            ext.append(f"authorityInfoAccess=caIssuers;URI:{aia}")
        with open(os.path.join(self.work, f"{name}.ext"), "w") as out:
            out.write("\n".join(ext) + "\n")
        self.openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f"{name}.key")
        self.openssl("req", "-new", "-key", f"{name}.key", "-subj", f"/O=tlsmirror aia test/CN={name}",
                     "-out", f"{name}.csr")
        sign = ["-CA", f"{issuer}.pem", "-CAkey", f"{issuer}.key"] if issuer else ["-signkey", f"{name}.key"]
        self.openssl("x509", "-req", "-in", f"{name}.csr", *sign, "-days", "30", "-set_serial",
                     str(abs(hash(name)) % 10**12), "-extfile", f"{name}.ext", "-out", f"{name}.pem")
        return self.path(name)

    def path(self, name, ext="pem"):
        return os.path.join(self.work, f"{name}.{ext}")

    def der(self, name):
        r = subprocess.run(["openssl", "x509", "-in", self.path(name), "-outform", "DER"], check=True,
                           capture_output=True)
        return r.stdout


class AiaServer:
    """A plain-HTTP server on 127.0.0.1. `routes` maps a path to what it answers:
    ("body", bytes), ("status", code), ("redirect", location), ("slow", seconds
    before a 404), ("stream", bytes sent without a Content-Length); anything
    else is 404. `hits` counts the requests per path."""

    def __init__(self):
        self.hits = collections.Counter()
        self.routes = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - the http.server API
                server.hits[self.path] += 1
                kind, value = server.routes.get(self.path, ("status", 404))
                try:
                    if kind == "status":
                        self.send_error(value)
                    elif kind == "redirect":
                        self.send_response(302)
                        self.send_header("Location", value)
                        self.end_headers()
                    elif kind == "slow":
                        time.sleep(value)
                        self.send_error(404)
                    elif kind == "stream":  # no Content-Length: the body ends when the server closes
                        self.send_response(200)
                        self.end_headers()
                        for _ in range(value // 65536):
                            self.wfile.write(b"\0" * 65536)
                    else:
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(value)))
                        self.end_headers()
                        self.wfile.write(value)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading, as it should past its cap

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def shutdown(self):
        self.httpd.shutdown()
