#!/usr/bin/env python3
"""Benchmark: examples/website over HTTPS and HTTP against nginx from Debian with one worker, serving the same files
with the same certificate: keep-alive requests/s (wrk) and new TLS handshakes/s (openssl s_time -new), on unix
(host sockets, loopback) and on hvt (the direct stack on a tap in a network namespace; nginx in a namespace behind
a veth pair, the same kind of path).

    build-support/benchmarks/https_rps.py [--rounds 3] [--seconds 5] [--connections 10] [--envs unix,hvt]
                                          [--no-package]

As root (namespaces, taps). The website runs twice per environment: with TLS (`--http-port=0`, the site on the
HTTPS port with HSTS) and in plain HTTP (`--https-port=0`); nginx once, with a plain and a TLS listener, the
certificate and key of examples/website/credentials (www.example.test, RSA 2048, the chain with its CA), TLSv1.2
only and the one suite our server picks for OpenSSL's clients (ECDHE-RSA-AES256-GCM-SHA384 over X25519), no session
tickets, HSTS added as ours adds it, `master_process off` (one process), `sendfile on`, no access log. Every server is
pinned to one core and the clients to the other (taskset). Each row is one server, scheme and file: wrk -t1 keeps
--connections connections alive for --seconds on /docs/small.txt (1 KiB) or /docs/large.txt (100
KiB); the handshake rows run `openssl s_time -new` (one connection at a time, each a full handshake without
resumption and closed at once) for --seconds. Rounds measure every row once, ours and nginx's interleaved, in an
order reversed on alternate rounds. Printed per row: the median and spread (min-max) over rounds of the rate, and of
requests (or handshakes) per CPU-second of the server (user + system of its process tree from /proc, the guest's
time included on hvt), each also as a ratio to nginx's figure of the same round. Bodies are checked (sha256, with
curl --cacert) before anything is timed; wrk errors fail the run.

Measured (2026-12-03, nproc 2, Debian 12.11, nginx 1.22.1, defaults: 3 rounds of 5 s, 10 connections, a quiet
machine at load average 0.4-1.8; the whole table is in examples/website/README.md, "Speed"), the website's req/s as
a ratio to nginx's, then its req per CPU-s as one:
  unix https 1 KiB 1.47x, 1.53x   100 KiB 0.87x, 0.88x   (65,971 and 6,815 req/s)
  unix http  1 KiB 2.15x, 2.26x   100 KiB 1.02x, 0.90x   (goal 1.0x met)
  hvt  https 1 KiB 1.11x, 1.07x   100 KiB 0.72x, 0.72x   (44,116 and 4,495 req/s; goal 0.5x met)
  hvt  http  1 KiB 1.25x, 1.23x   100 KiB 0.46x, 0.45x
  handshakes/s unix 169 (0.43x), hvt 159 (0.40x); per CPU-s 0.22x and 0.19x nginx's
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import (  # noqa: E402
    SERVER_ADDRESS,
    cpu_seconds,
    machine_line,
    netns_exec,
    pinned,
    process_tree,
    server_and_client_cores,
    tap_namespace,
    veth_namespaces,
)

SITE = REPO / "examples/website/site"
CREDENTIALS = REPO / "examples/website/credentials"
NAME = "www.example.test"
PATHS = ("/docs/small.txt", "/docs/large.txt")  # the 1 KB and 100 KB files of issue 12
SUITE = "ECDHE-RSA-AES256-GCM-SHA384"
GOALS = {"unix": ("http", 1.0), "hvt": ("https", 0.5)}  # issue 12: >= 1.0x nginx over HTTP on unix, 0.5x HTTPS on hvt

NGINX_CONFIG = """\
worker_processes 1;
master_process off;
daemon off;
error_log {folder}/error.log;
pid {folder}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/tmp;
    proxy_temp_path {folder}/tmp;
    fastcgi_temp_path {folder}/tmp;
    uwsgi_temp_path {folder}/tmp;
    scgi_temp_path {folder}/tmp;
    types {{ text/html html; text/css css; text/plain txt; image/png png; }}
    sendfile on;
    keepalive_requests 1000000;
    server {{
        listen {address}:{http_port};
        listen {address}:{https_port} ssl;
        server_name {name};
        root {site};
        etag on;
        gzip_static on;
        ssl_certificate {credentials}/{name}.pem;
        ssl_certificate_key {credentials}/{name}.key;
        ssl_protocols TLSv1.2;
        ssl_ciphers {suite};
        ssl_prefer_server_ciphers on;
        ssl_ecdh_curve X25519;
        ssl_session_tickets off;
        add_header Strict-Transport-Security "max-age=31536000" always;
    }}
}}
"""


@dataclass
class Endpoint:
    """One server reachable by a scheme: where, from where (the client's namespace), and its process."""

    env: str
    server: str  # website or nginx
    scheme: str  # http or https
    address: str
    port: int
    client_prefix: List[str]
    process: subprocess.Popen

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.address}:{self.port}{path}"


@dataclass
class Row:
    endpoint: Endpoint
    what: str  # a path, or "handshakes"
    rate: List[float] = field(default_factory=list)
    per_cpu: List[float] = field(default_factory=list)


def die(message: str) -> None:
    print(f"https_rps: {message}", file=sys.stderr)
    sys.exit(1)


def curl(endpoint: Endpoint, path: str) -> subprocess.CompletedProcess:
    resolve = ["--resolve", f"{NAME}:{endpoint.port}:{endpoint.address}"]
    url = f"{endpoint.scheme}://{NAME}:{endpoint.port}{path}"
    command = ["curl", "-sS", "--max-time", "5", "--cacert", str(CREDENTIALS / "ca.pem"), *resolve, url]
    return subprocess.run([*endpoint.client_prefix, *command], capture_output=True, timeout=30)


def wait_and_check(endpoint: Endpoint) -> None:
    """Waits for the server to answer, then checks that it serves the files as they are (verified TLS)."""
    deadline = time.monotonic() + 15
    while curl(endpoint, "/index.html").returncode != 0:
        if endpoint.process.poll() is not None:
            die(f"{endpoint.server} ({endpoint.env}) stopped ({endpoint.process.returncode})")
        if time.monotonic() > deadline:
            die(f"nothing answered at {endpoint.url('/')} ({endpoint.env}): {curl(endpoint, '/').stderr!r}")
        time.sleep(0.1)
    for path in PATHS:
        body = curl(endpoint, path).stdout
        if hashlib.sha256(body).digest() != hashlib.sha256((SITE / path.lstrip("/")).read_bytes()).digest():
            die(f"{endpoint.server} ({endpoint.env}) served {endpoint.url(path)} wrong")


def client_output(client_cpu: Optional[int], endpoint: Endpoint, command: List[str], seconds: int) -> str:
    """The output of a load client `command` that runs for `seconds`, run where the endpoint's clients run (pinned to
    `client_cpu`); it fails when the client does."""
    return subprocess.run(
        pinned(client_cpu, [*endpoint.client_prefix, *command]),
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout


def wrk(client_cpu: Optional[int], endpoint: Endpoint, path: str, seconds: int, connections: int) -> float:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", endpoint.url(path)]
    output = client_output(client_cpu, endpoint, command, seconds)
    if "Non-2xx" in output or "Socket errors" in output:
        die(f"wrk saw errors on {endpoint.url(path)}:\n{output}")
    found = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if found is None:
        die(f"no Requests/sec in wrk's output:\n{output}")
    return float(found.group(1))


def handshakes(client_cpu: Optional[int], endpoint: Endpoint, seconds: int) -> Tuple[float, int]:
    """New full handshakes per second of wall time, one connection at a time (openssl s_time -new), and their
    count."""
    command = ["openssl", "s_time", "-connect", f"{endpoint.address}:{endpoint.port}", "-new", "-tls1_2"]
    command += ["-cipher", SUITE, "-time", str(seconds)]
    started = time.monotonic()
    output = client_output(client_cpu, endpoint, command, seconds)
    elapsed = time.monotonic() - started
    found = re.search(r"(\d+) connections in [0-9.]+s", output)
    if found is None:
        die(f"no count in s_time's output:\n{output[-2000:]}")
    return int(found.group(1)) / elapsed, int(found.group(1))


def start(cleanup: ExitStack, server_cpu: Optional[int], command: Sequence[str]) -> subprocess.Popen:
    process = subprocess.Popen(pinned(server_cpu, command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop() -> None:
        process.kill()
        process.wait(timeout=10)

    cleanup.callback(stop)
    return process


def nginx_config(folder: Path, address: str, http_port: int, https_port: int) -> Path:
    folder.mkdir()
    (folder / "tmp").mkdir()
    config = folder / "nginx.conf"
    config.write_text(
        NGINX_CONFIG.format(
            folder=folder,
            address=address,
            http_port=http_port,
            https_port=https_port,
            site=SITE,
            name=NAME,
            credentials=CREDENTIALS,
            suite=SUITE,
        )
    )
    return config


def unix_endpoints(cleanup: ExitStack, folder: Path, nginx: str, server_cpu: Optional[int]) -> List[Endpoint]:
    image = str(REPO / "dist/examples.website/image.unix")
    config = nginx_config(folder / "nginx-unix", "127.0.0.1", 18080, 18443)
    tls = start(cleanup, server_cpu, [image, "--https-port=18444", "--http-port=0", "--connections-max=1024"])
    plain = start(cleanup, server_cpu, [image, "--http-port=18081", "--https-port=0", "--connections-max=1024"])
    web = start(cleanup, server_cpu, [nginx, "-p", str(config.parent), "-c", str(config)])
    return [
        Endpoint("unix", "website", "https", "127.0.0.1", 18444, [], tls),
        Endpoint("unix", "website", "http", "127.0.0.1", 18081, [], plain),
        Endpoint("unix", "nginx", "https", "127.0.0.1", 18443, [], web),
        Endpoint("unix", "nginx", "http", "127.0.0.1", 18080, [], web),
    ]


def hvt_endpoints(cleanup: ExitStack, folder: Path, nginx: str, server_cpu: Optional[int]) -> List[Endpoint]:
    tender = str(REPO / "dist/targets.hvt.tender/tender")
    image = str(REPO / "dist/examples.website/image.hvt")
    endpoints = []
    for scheme, keys, port in (("https", ["--http-port=0"], 443), ("http", ["--https-port=0"], 80)):
        namespace = cleanup.enter_context(tap_namespace(f"httpsb-{scheme}"))
        guest = [tender, "--net:tls_stack_netif=tap0", image, f"--ipv4={SERVER_ADDRESS}/24", *keys]
        process = start(cleanup, server_cpu, netns_exec(namespace, guest))
        endpoints.append(Endpoint("hvt", "website", scheme, SERVER_ADDRESS, port, netns_exec(namespace, []), process))
    client, server = cleanup.enter_context(veth_namespaces("httpsb-nc", "httpsb-ns"))
    config = nginx_config(folder / "nginx-hvt", SERVER_ADDRESS, 80, 443)
    web = start(cleanup, server_cpu, netns_exec(server, [nginx, "-p", str(config.parent), "-c", str(config)]))
    for scheme, port in (("https", 443), ("http", 80)):
        endpoints.append(Endpoint("hvt", "nginx", scheme, SERVER_ADDRESS, port, netns_exec(client, []), web))
    return endpoints


def spread(values: Sequence[float], digits: int = 0) -> str:
    ordered = sorted(values)
    median = ordered[len(ordered) // 2]
    return f"{median:,.{digits}f} ({ordered[0]:,.{digits}f}-{ordered[-1]:,.{digits}f})"


def report(rows: List[Row]) -> None:
    print(f"\n{'env':<5} {'scheme':<6} {'what':<16} {'server':<8} {'rate/s':>26} {'x nginx':>17} {'per CPU-s':>26} {'x nginx':>17}")
    for row in rows:
        e = row.endpoint
        theirs = next(
            r for r in rows if r.endpoint.server == "nginx" and r.endpoint.env == e.env and r.endpoint.scheme == e.scheme
            and r.what == row.what
        )
        rate_ratio = [a / b for a, b in zip(row.rate, theirs.rate)]
        cpu_ratio = [a / b for a, b in zip(row.per_cpu, theirs.per_cpu)]
        print(
            f"{e.env:<5} {e.scheme:<6} {row.what:<16} {e.server:<8} {spread(row.rate):>26} {spread(rate_ratio, 2):>17} "
            f"{spread(row.per_cpu):>26} {spread(cpu_ratio, 2):>17}"
        )
    goals = ", ".join(f"{env} {scheme} >= {ratio}x nginx in req/s" for env, (scheme, ratio) in GOALS.items())
    print(f"\ngoals (issue 12): {goals}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--envs", default="unix,hvt")
    parser.add_argument("--no-package", action="store_true", help="use the images already in dist/")
    args = parser.parse_args()
    envs = [env for env in args.envs.split(",") if env]
    for tool in ("wrk", "taskset", "curl", "openssl"):
        if shutil.which(tool) is None:
            die(f"{tool} is missing (build-support/bootstrap/debian-packages.txt lists its package)")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        die("nginx is missing (the Debian package nginx)")
    if "hvt" in envs and os.geteuid() != 0:
        die("hvt needs root (network namespaces and a tap)")
    if not args.no_package:
        targets = [f"examples/website:image@abi={env}" for env in envs] + (["targets/hvt/tender"] if "hvt" in envs else [])
        subprocess.run([str(REPO / "pants"), "package", *targets], cwd=REPO, check=True)
    server_cpu, client_cpu = server_and_client_cores()
    print(machine_line(), f"load average {os.getloadavg()[0]:.2f}", f"server core {server_cpu}, client core {client_cpu}")
    with tempfile.TemporaryDirectory(prefix="https-rps-") as temporary, ExitStack() as cleanup:
        folder = Path(temporary)
        endpoints: List[Endpoint] = []
        for env in envs:
            make = {"unix": unix_endpoints, "hvt": hvt_endpoints}[env]
            endpoints += make(cleanup, folder, nginx, server_cpu)
        for endpoint in endpoints:
            wait_and_check(endpoint)
        rows = [Row(e, path) for e in endpoints for path in PATHS]
        rows += [Row(e, "handshakes") for e in endpoints if e.scheme == "https"]
        for round_number in range(args.rounds):
            for row in rows if round_number % 2 == 0 else list(reversed(rows)):
                tree = process_tree(row.endpoint.process.pid)
                before = cpu_seconds(tree)
                if row.what == "handshakes":
                    rate, count = handshakes(client_cpu, row.endpoint, args.seconds)
                else:
                    rate = wrk(client_cpu, row.endpoint, row.what, args.seconds, args.connections)
                    count = int(rate * args.seconds)
                used = cpu_seconds(tree) - before
                row.rate.append(rate)
                row.per_cpu.append(count / used if used > 0 else float("inf"))
            print(f"round {round_number + 1} done, load average {os.getloadavg()[0]:.2f}", flush=True)
    report(rows)


if __name__ == "__main__":
    main()
