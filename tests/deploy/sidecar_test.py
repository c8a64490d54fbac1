#!/usr/bin/env python3
"""The staging sidecar, for real: tools/image builds the container image, `podman kube play`
runs deploy/kubernetes/sidecar.yaml (the stand-in app and tlsmirror in one pod, the mirror CA
from a Secret), curl goes through the pod's tlsmirror with and without SNI, the verdicts are
read from the tlsmirror container's stdout, and the pod is stopped by name (SIGTERM, drain).

Opt-in (TLSMIRROR_TEST_PODMAN=1): it needs root, podman, runc, catatonit, mmdebstrap and
Debian's package mirror. Wherever podman cannot run it says SKIPPED and why.

This machine's quirks stay here, not in the manifest: crun refuses the hybrid cgroup setup and
podman's default open-files limit exceeds the hard limit, so CONTAINERS_CONF points at a file of
the test's own (runc, cgroupfs, ulimits; the host's network for image builds). The pod gets its
own network namespace, as in Kubernetes; the test's clients (the host's curl) enter it with
nsenter and talk to the pod's loopback, so no port is shared with the machine. The copy of the
manifest differs only in the pod's and the Secret's names and the image tag.
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import e2e  # noqa: E402

START = time.time()
MANIFEST = os.path.join(e2e.ROOT, "deploy", "kubernetes", "sidecar.yaml")
IMAGE_TOOL = os.path.join(e2e.ROOT, "tools", "image")
TAG = "localhost/tlsmirror:test"
UNIQUE = f"{os.getpid()}"
POD, SECRET = f"tlsmirror-sidecar-test{UNIQUE}", f"tlsmirror-mirror-ca-test{UNIQUE}"
CONF = """[containers]
netns = "host"
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""


def skip(why):
    print(f"SKIPPED: the sidecar pod test: {why}", flush=True)
    sys.exit(0)


if os.environ.get("TLSMIRROR_TEST_PODMAN") != "1":
    skip("opt-in; set TLSMIRROR_TEST_PODMAN=1 (bazel test --test_env=TLSMIRROR_TEST_PODMAN=1 "
         "//tests/deploy:sidecar_test); it needs root podman and Debian's package mirror")
if os.geteuid() != 0:
    skip("needs root (tools/image and the pod use podman's rootful storage)")
missing = [c for c in ("podman", "runc", "catatonit", "mmdebstrap", "nsenter") if shutil.which(c) is None]
if missing:
    skip(f"{', '.join(missing)} not installed (tools/install-deps installs them)")
conf = os.path.join(e2e.TMP, "containers.conf")
with open(conf, "w") as fh:
    fh.write(CONF)
ENV = dict(os.environ, CONTAINERS_CONF=conf)
info = e2e.run(["podman", "info", "--format", "{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}"], env=ENV)
if info.returncode != 0:
    skip(f"podman cannot run here: {info.stderr.strip()[-300:]}")
probe = e2e.run(["podman", "run", "--rm", "--pull=never", "--entrypoint", "/bin/true",
                 "localhost/tlsmirror-base:bookworm"], env=ENV, timeout=120)
if probe.returncode != 0 and "image not known" not in probe.stderr:
    skip(f"podman cannot start a container here: {probe.stderr.strip()[-300:]}")


def podman(*args, timeout=120, check=True):
    r = e2e.run(["podman", *args], env=ENV, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()[-500:]}")
    return r


def in_pod(pid, *args, timeout=30):
    """Runs a host command (curl) inside the pod's network namespace."""
    return e2e.run(["nsenter", f"--target={pid}", "--net", *args], timeout=timeout)


def cleanup():
    podman("pod", "rm", "--force", "--time", "0", POD, check=False)
    podman("secret", "rm", SECRET, check=False)


f = e2e.Failures()
try:
    # 1. The image, as tools/image builds it; the binary under test replaces the optimised one.
    t = time.time()
    r = e2e.run([IMAGE_TOOL, "--tag", TAG, "--binary", e2e.TLSMIRROR], env=ENV, timeout=1500)
    build_s = time.time() - t
    print(f"tools/image: {build_s:.0f} s: {r.stdout.strip()}", flush=True)
    if r.returncode != 0:
        raise RuntimeError(f"tools/image failed: {r.stderr.strip()[-1500:]}")
    user = podman("image", "inspect", "--format", "{{.Config.User}}", TAG).stdout.strip()
    f.check(user == "10001:10001", f"the image runs as a non-root user: {user!r}")
    health = podman("image", "inspect", "--format", "{{json .Config.Healthcheck}}", TAG).stdout
    f.check("/usr/local/bin/healthcheck" in health, f"the image has a HEALTHCHECK: {health.strip()}")

    # 2. The mirror CA as a Secret. podman before 4.4 mounts a Secret's data without decoding its
    #    base64 (podman issue 16625), so there the test stores the PEM text itself.
    ca_dir = os.path.join(e2e.TMP, "mirror-ca")
    r = e2e.run([e2e.TLSMIRROR, "ca", "init", "--ca-dir", ca_dir])
    f.check(r.returncode == 0, f"ca init: {r.stderr}")
    version = podman("version", "--format", "{{.Client.Version}}").stdout.strip()
    raw = tuple(int(x) for x in re.findall(r"\d+", version)[:2]) < (4, 4)
    lines = [f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {SECRET}\ndata:"]
    for name in sorted(os.listdir(ca_dir)):
        if not name.startswith("."):
            data = open(os.path.join(ca_dir, name), "rb").read()
            value = ("|\n" + "".join("    " + line + "\n" for line in data.decode().splitlines())) if raw \
                else base64.b64encode(data).decode()
            lines.append(f"  {name}: {value}")
    secret_yaml = os.path.join(e2e.TMP, "secret.yaml")
    with open(secret_yaml, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    cleanup()
    podman("secret", "create", SECRET, secret_yaml)

    # 3. The manifest, with this run's names and the test image.
    text = open(MANIFEST).read()
    for old, new, count in [("\n  name: tlsmirror-sidecar\n", f"\n  name: {POD}\n", 1),
                            ("secretName: tlsmirror-mirror-ca\n", f"secretName: {SECRET}\n", 1),
                            ("image: localhost/tlsmirror:latest", f"image: {TAG}", 2)]:
        if text.count(old) != count:
            raise RuntimeError(f"the manifest no longer has {count} × {old!r}: update the test")
        text = text.replace(old, new)
    pod_yaml = os.path.join(e2e.TMP, "sidecar.yaml")
    with open(pod_yaml, "w") as fh:
        fh.write(text)
    t = time.time()
    podman("kube", "play", pod_yaml, timeout=180)
    infra = podman("pod", "inspect", "--format", "{{.InfraContainerID}}", POD).stdout.strip()
    pid = podman("inspect", "--format", "{{.State.Pid}}", infra).stdout.strip()
    healthz = None
    while time.time() - t < 60 and (healthz is None or healthz.stdout != "ok\n"):
        healthz = in_pod(pid, "curl", "-sS", "--max-time", "2", "http://127.0.0.1:9090/healthz")
        time.sleep(0.2)
    up_s = time.time() - t
    proxy_c = f"{POD}-tlsmirror"
    logs = podman("logs", proxy_c, check=False)
    f.check(healthz.stdout == "ok\n", f"/healthz answers within 60 s of kube play ({up_s:.1f} s): "
                                      f"{healthz.stderr.strip()} {logs.stderr.strip()[-800:]}")
    hc = podman("healthcheck", "run", proxy_c, check=False)
    f.check(hc.returncode == 0, f"the container's health check passes: {hc.stdout.strip()} {hc.stderr.strip()[-300:]}")
    uid = podman("exec", proxy_c, "id", "-u", check=False).stdout.strip()
    f.check(uid == "10001", f"tlsmirror runs as uid 10001: {uid!r}")
    metrics = in_pod(pid, "curl", "-sS", "--max-time", "5", "http://127.0.0.1:9090/metrics")
    f.check("tlsmirror_connections_total" in metrics.stdout, f"/metrics serves Prometheus text: {metrics.stderr}")

    # 4. curl through the pod's tlsmirror, with SNI (a name) and without (an IP address).
    ca = os.path.join(ca_dir, "root.pem")
    host = "good.lab.test"
    with_sni = in_pod(pid, "curl", "-sS", "--max-time", "15", "--cacert", ca, "--resolve", f"{host}:8443:127.0.0.1",
                      "-o", "/dev/null", "-w", "%{http_code}", f"https://{host}:8443/")
    f.check(with_sni.stdout == "200", f"curl with SNI: {with_sni.stdout} {with_sni.stderr.strip()}")
    no_sni = in_pod(pid, "curl", "-sS", "--max-time", "15", "--cacert", ca, "-o", "/dev/null",
                    "https://127.0.0.1:8443/")
    f.check(no_sni.returncode == 60 and "no alternative certificate subject name matches" in no_sni.stderr,
            f"curl without SNI rejects the mirrored name: exit {no_sni.returncode} {no_sni.stderr.strip()}")

    # 5. The verdicts, from the container's stdout (what the node's log agent ships).
    recs = []
    deadline = time.time() + 15
    while time.time() < deadline and len(recs) < 2:
        out = podman("logs", proxy_c).stdout
        recs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        time.sleep(0.2)
    f.check(len(recs) == 2 and len(out.splitlines()) == 2, f"stdout holds exactly the 2 records: {out[-500:]}")
    by_sni = {r.get("tls", {}).get("client", {}).get("server_name"): r for r in recs}
    named, bare = by_sni.get(host), by_sni.get(None)
    f.check(named is not None and named["tlsmirror"]["rejected_by"] == "none" and
            {v["reason"] for v in named["tlsmirror"]["verdicts"]} == {"OK"},
            f"with SNI every profile accepts: {named and named['tlsmirror']['summary']}")
    bare_verdicts = {v["profile"]: v["reason"] for v in bare["tlsmirror"]["verdicts"]} if bare else {}
    f.check(bare is not None and bare["tlsmirror"]["rejected_by"] == "client" and
            bare_verdicts.get("cloudfront-viewer") == "NO_CERTIFICATE" and bare_verdicts.get("openssl") == "OK",
            f"without SNI the client rejects and CloudFront would serve no certificate: "
            f"{bare and bare['tlsmirror']['summary']}")
    err = podman("logs", proxy_c).stderr
    f.check("--origin=good.lab.test:9443" in err and "--ca-dir=/etc/tlsmirror/ca" in err and
            "created a mirror CA" not in err, f"configured from the manifest's env, CA from the Secret: {err[-600:]}")

    # 6. Stop the pod by name: SIGTERM, the proxy drains and exits 0 well within the grace period.
    t = time.time()
    podman("pod", "stop", "--time", "15", POD, timeout=60)
    stop_s = time.time() - t
    code = podman("inspect", "--format", "{{.State.ExitCode}}", proxy_c).stdout.strip()
    f.check(code == "0" and stop_s < 14, f"tlsmirror stops cleanly on SIGTERM: exit {code} after {stop_s:.1f} s")
    print(f"timings: image {build_s:.0f} s, pod healthy {up_s:.1f} s after kube play, stop {stop_s:.1f} s, "
          f"whole test {time.time() - START:.0f} s", flush=True)
except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
    f.check(False, str(e))
finally:
    cleanup()
f.finish()
