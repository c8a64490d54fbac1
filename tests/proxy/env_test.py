#!/usr/bin/env python3
"""Configuration from the environment, as a container platform injects it: every
`proxy` option as TLSMIRROR_<OPTION>, the command line winning, TLSMIRROR_RESOLVE
as a list, typos refused with a suggestion, and a mirror CA read from a directory
the proxy cannot write (a mounted Kubernetes Secret)."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

f = e2e.Failures()
lab = e2e.Lab(only=["good"])
good = lab.scenarios["good"]
HOST, PORT = good["host"], good["port"]
ca_dir = os.path.join(e2e.TMP, "env-ca")
r = e2e.run([e2e.TLSMIRROR, "ca", "init", "--ca-dir", ca_dir])
f.check(r.returncode == 0, f"ca init: {r.stderr}")
# Nothing else may reach the proxy from the test's own environment.
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("TLSMIRROR_")}


def snapshot(d):
    stats = {n: os.stat(os.path.join(d, n)) for n in os.listdir(d)}
    return sorted((n, st.st_mode, st.st_mtime_ns) for n, st in stats.items())


def start(env, *args, wrap=()):
    """Starts `tlsmirror proxy ARGS` with only `env` set; returns (process, port, metrics, stderr lines)."""
    p = e2e.spawn(list(wrap) + [e2e.TLSMIRROR, "proxy", *args], env=dict(BASE_ENV, **env))
    lines, port, metrics = [], None, None
    deadline = time.time() + 30
    while time.time() < deadline and not (port and (metrics or not env.get("TLSMIRROR_METRICS"))):
        line = p.stderr.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"listening on [^ ]*:(\d+),", line)
        port = int(m.group(1)) if m else port
        m = re.search(r"metrics on http://([^/]+)/metrics", line)
        metrics = m.group(1) if m else metrics
    return p, port, metrics, lines


def curl(port, *extra):
    return e2e.run(["curl", "-sS", "--max-time", "10", "--cacert", os.path.join(ca_dir, "root.pem"), "--resolve",
                    f"{HOST}:{port}:127.0.0.1", "-o", "/dev/null", "-w", "%{http_code}", *extra,
                    f"https://{HOST}:{port}/"])


def records(path, at_least=1):
    deadline = time.time() + 10
    while time.time() < deadline:
        if os.path.exists(path) and len(open(path).read().splitlines()) >= at_least:
            break
        time.sleep(0.05)
    return [json.loads(line) for line in open(path).read().splitlines()] if os.path.exists(path) else []


def stop(p):
    p.terminate()
    return p.wait(timeout=20)


# 1. Configured by the environment alone; the CA directory is never written.
before = snapshot(ca_dir)
log = os.path.join(e2e.TMP, "env.log")
env = {
    "TLSMIRROR_ORIGIN": f"{HOST}:{PORT}",
    # Two entries, white space (a YAML block scalar gives newlines) between them; the first is unused.
    "TLSMIRROR_RESOLVE": f"other.lab.test:1:127.0.0.9\n  {HOST}:{PORT}:127.0.0.1 ",
    "TLSMIRROR_LISTEN": "127.0.0.1:0",
    "TLSMIRROR_CA_DIR": ca_dir,
    "TLSMIRROR_TRUST": lab.root,
    "TLSMIRROR_LOG": log,
    "TLSMIRROR_WORKERS": "1",
    "TLSMIRROR_METRICS": "127.0.0.1:0",
    "TLSMIRROR_LOG_SECRETS": "yes",
    "TLSMIRROR_TIMEOUT_IDLE": "30",
    "TLSMIRROR_PROFILE": "",  # empty: unset, all profiles
    "TLSMIRROR_TEST_UNRELATED": "1",  # the test suite's own namespace is left alone
}
p, port, metrics, lines = start(env)
f.check(port is not None, f"the proxy starts from the environment alone: {''.join(lines)}")
text = "".join(lines)
f.check("from the environment: --origin=" in text and f"--resolve={HOST}:{PORT}:127.0.0.1" in text and
        "--resolve=other.lab.test:1:127.0.0.9" in text and "--log-secrets" in text and "--profile" not in text,
        f"stderr lists the settings taken from the environment: {text}")
if port:
    r = curl(port, "-H", "Authorization: Bearer s3cr3t")
    f.check(r.stdout == "200", f"curl through the env-configured proxy: {r.stdout} {r.stderr}")
    recs = records(log)
    f.check(len(recs) == 1 and recs[0]["tlsmirror"]["rejected_by"] == "none" and
            len(recs[0]["tlsmirror"]["verdicts"]) == 8, "TLSMIRROR_LOG gets the record; TLSMIRROR_TRUST makes it pass")
    f.check("s3cr3t" in open(log).read(), "TLSMIRROR_LOG_SECRETS=yes logs the Authorization value")
    with urllib.request.urlopen(f"http://{metrics}/healthz", timeout=10) as h:
        f.check(h.status == 200, "TLSMIRROR_METRICS serves /healthz")
    f.check(stop(p) == 0, "SIGTERM stops the proxy cleanly")
f.check(snapshot(ca_dir) == before, "the mirror CA directory is not written to")

# 2. The command line wins, and a list given there replaces the variable's entries.
log_cli = os.path.join(e2e.TMP, "env-cli.log")
env2 = dict(env, TLSMIRROR_RESOLVE=f"{HOST}:{PORT}:127.0.0.9", TLSMIRROR_LOG_SECRETS="no", TLSMIRROR_METRICS="")
p, port, _, lines = start(env2, "--log", log_cli, f"--res={HOST}:{PORT}:127.0.0.1")
if os.path.exists(log):
    os.remove(log)
if port:
    r = curl(port, "-H", "Authorization: Bearer s3cr3t")
    f.check(r.stdout == "200", f"--resolve on the command line replaces TLSMIRROR_RESOLVE: {r.stdout} {r.stderr}")
    recs = records(log_cli)
    f.check(len(recs) == 1 and not os.path.exists(log), "--log on the command line wins over TLSMIRROR_LOG")
    f.check("s3cr3t" not in open(log_cli).read(), "TLSMIRROR_LOG_SECRETS=no keeps secrets redacted")
    stop(p)
else:
    f.check(False, f"proxy with command-line overrides did not start: {''.join(lines)}")

# 3. Mistakes are refused with one line that names the variable.
for bad, want in [
    ({"TLSMIRROR_ORIGN": "x"}, "TLSMIRROR_ORIGN is not a setting of 'tlsmirror proxy': did you mean TLSMIRROR_ORIGIN?"),
    ({"TLSMIRROR_TIMEOUT_HANDSHAK": "3"}, "did you mean TLSMIRROR_TIMEOUT_HANDSHAKE?"),
    ({"TLSMIRROR_LOG_LEVEL": "debug"}, "TLSMIRROR_LOG_LEVEL is not a setting of 'tlsmirror proxy' (see"),
    ({"TLSMIRROR_HELP": "1"}, "TLSMIRROR_HELP is not a setting"),
    ({"TLSMIRROR_LOG_SECRETS": "maybe"},
     "TLSMIRROR_LOG_SECRETS must be 1, true or yes (or 0, false or no), not 'maybe'"),
    ({"TLSMIRROR_WORKERS": "0"}, "--workers needs a number from 1 to 64"),
    ({"TLSMIRROR_RESOLVE": "good.lab.test:443"}, "--resolve needs HOST:PORT:ADDR"),
    ({"TLSMIRROR_ORIGIN": ""}, "--origin HOST[:PORT] (or 'sni') is required"),
]:
    r = e2e.run([e2e.TLSMIRROR, "proxy", "--listen", "127.0.0.1:0", "--ca-dir", ca_dir], env=dict(BASE_ENV, **bad))
    f.check(r.returncode == 2 and want in r.stderr, f"{bad}: exit {r.returncode}, {r.stderr.strip()!r}")
r = e2e.run([e2e.TLSMIRROR, "proxy", "--help"], env=dict(BASE_ENV, TLSMIRROR_ORIGN="x"))
f.check(r.returncode == 0 and "TLSMIRROR_RESOLVE takes several entries" in r.stdout,
        f"--help documents the environment, even with a mistyped variable set: {r.stderr.strip()}")

# 4. A CA on a read-only mount (what a Kubernetes Secret volume is), where root could otherwise write.
if os.geteuid() == 0 and shutil.which("unshare") and e2e.run(["unshare", "-m", "true"]).returncode == 0:
    ro = f"mount --bind {ca_dir} {ca_dir} && mount -o remount,bind,ro {ca_dir} && exec \"$@\""
    p, port, _, lines = start(dict(env, TLSMIRROR_METRICS="", TLSMIRROR_LOG=log_cli),
                              wrap=("unshare", "-m", "sh", "-c", ro, "sh"))
    f.check(port is not None, f"the proxy starts with its CA on a read-only mount: {''.join(lines)}")
    if port:
        r = curl(port)
        f.check(r.stdout == "200", f"curl through the proxy with a read-only CA: {r.stdout} {r.stderr}")
        stop(p)
else:
    print("SKIPPED: read-only mount check (needs root and unshare -m); the CA directory snapshot was still checked")

f.finish()
