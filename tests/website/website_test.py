"""examples/website as a user reaches it: curl (`--cacert` with the example's throw-away CA, `--resolve` for
www.example.test), openssl s_client, Python's ssl and raw sockets against the unix image on loopback, and against
hvt, spt, virtio and unix's `direct` image on a tap in a network namespace the test creates. One guest per ABI
serves every check over HTTPS: bodies byte-identical to the repository's files over one kept-alive connection,
HEAD, 304 with the ETag of a first answer (the SHA-256 computed at build time), 206 and 416, 404, 405,
Strict-Transport-Security, the gzip variant, pipelined requests, a slowloris client closed at the idle timeout
while others are served, and 431 for oversized headers; TLS 1.2 with an ECDHE AES-GCM suite, SNI choosing between
an RSA and an EC certificate, garbage instead of a ClientHello and a handshake stopped halfway (closed at the
handshake timeout) logged while others are served; plain http:// answered with 301 to https and the same path.
The plain-HTTP mode (`--https-port=0`) is checked on unix."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Iterator, List, Sequence

import pytest
from freestanding.boot import TENDERS, require_abi, running_in_background
from netns import tap_namespace

SITE = "examples/website/site"
CA = "examples/website/credentials/ca.pem"
RAW_CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "raw_client.py")
GUEST = "10.0.0.2"
HOST = "10.0.0.1"
NAME = "www.example.test"  # the default certificate's; other.example.test has the EC one
IDLE_TIMEOUT_S = 1
HANDSHAKE_TIMEOUT_S = 1
HSTS = 31536000
READY = "website: serving"


def site_files() -> List[str]:
    """The site's paths as requests name them, "/docs/index.html"."""
    paths = []
    for folder, _, names in os.walk(SITE):
        paths += ["/" + os.path.relpath(os.path.join(folder, name), SITE) for name in names]
    return sorted(paths)


def file_bytes(path: str) -> bytes:
    with open(SITE + path, "rb") as f:
        return f.read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Website:
    abi: str
    prefix: Sequence[str]  # how to run a client where the server is reachable: [] or `ip netns exec NAME`
    host: str  # its address
    port: int  # HTTPS
    http_port: int  # plain HTTP, which redirects
    process: subprocess.Popen
    console: str

    def url(self, path: str, name: str = NAME) -> str:
        return f"https://{name}:{self.port}{path}"

    def run(self, *command: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, *command], capture_output=True, timeout=timeout)

    def curl(self, *args: str) -> subprocess.CompletedProcess:
        names = [f"{name}:{port}:{self.host}" for name in (NAME, "other.example.test") for port in self.ports()]
        resolve = [argument for entry in names for argument in ("--resolve", entry)]
        return self.run("curl", "-sS", "--max-time", "10", "--cacert", CA, *resolve, *args)

    def ports(self) -> List[int]:
        return [self.port, self.http_port]

    def status(self, *args: str) -> str:
        result = self.curl("-o", "/dev/null", "-w", "%{http_code}", *args)
        return result.stdout.decode()

    def client_command(self, command: str, *args: str) -> List[str]:
        """raw_client.py's `command` over TLS to the HTTPS port, run where the server is reachable."""
        tls = ["--tls", f"{NAME}:{CA}"]
        return [*self.prefix, sys.executable, RAW_CLIENT, *tls, command, self.host, str(self.port), *args]

    def client(self, command: str, *args: str) -> dict:
        result = subprocess.run(self.client_command(command, *args), capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr.decode() + self.output()
        return json.loads(result.stdout)

    def output(self) -> str:
        with open(self.console) as f:
            return f.read()

    def still_serving(self) -> None:
        assert self.process.poll() is None, self.output()
        assert self.status(self.url("/")) == "200", self.output()


def server_command(abi: str, *arguments: str) -> List[str]:
    if abi == "unix-direct":
        return ["examples.website/direct.unix", "--tap=tap0", *arguments]
    return [TENDERS[abi], "--net:tls_stack_netif=tap0", f"examples.website/image.{abi}", *arguments]


@pytest.fixture(scope="module", params=["unix", "hvt", "spt", "virtio", "unix-direct"])
def website(request: pytest.FixtureRequest) -> Iterator[Website]:
    abi = request.param
    timeouts = [f"--idle-timeout={IDLE_TIMEOUT_S * 1000}", f"--tls-handshake-timeout={HANDSHAKE_TIMEOUT_S * 1000}"]
    with ExitStack() as cleanup:
        if abi == "unix":
            port, http_port = free_port(), free_port()
            prefix: List[str] = []
            host = "127.0.0.1"
            command = ["examples.website/image.unix", f"--https-port={port}", f"--http-port={http_port}", *timeouts]
        else:
            if abi != "unix-direct":
                require_abi(abi)
            namespace = cleanup.enter_context(tap_namespace(f"website-{abi}", host_address=f"{HOST}/24"))
            prefix = ["ip", "netns", "exec", namespace]
            host, port, http_port = GUEST, 443, 80
            command = [*prefix, *server_command(abi, f"--ipv4={GUEST}/24", *timeouts)]
        process, console = cleanup.enter_context(running_in_background(command, READY, f"website-{abi}"))
        served = Website(abi, prefix, host, port, http_port, process, console)
        yield served
        assert process.poll() is None, served.output()


def test_every_file_comes_back_byte_identical_over_one_connection(website: Website) -> None:
    paths = site_files()
    assert len(paths) >= 6, paths
    with tempfile.TemporaryDirectory() as folder:
        arguments = []
        for index, path in enumerate(paths):
            arguments += [website.url(path), "-o", os.path.join(folder, str(index))]
        result = website.curl("-v", *arguments)
        log = result.stderr.decode()
        assert result.returncode == 0, log
        for index, path in enumerate(paths):
            with open(os.path.join(folder, str(index)), "rb") as f:
                got = hashlib.sha256(f.read()).hexdigest()
            assert got == hashlib.sha256(file_bytes(path)).hexdigest(), path
    # curl reused its one connection for every URL after the first: keep-alive.
    assert log.count("Re-using existing connection") == len(paths) - 1, log


def test_head_gives_the_length_and_no_body(website: Website) -> None:
    result = website.curl("-I", website.url("/docs/large.txt"))
    head = result.stdout.decode()
    assert head.startswith("HTTP/1.1 200 OK\r\n"), head
    assert f"Content-Length: {len(file_bytes('/docs/large.txt'))}\r\n" in head, head
    assert head.endswith("\r\n\r\n"), head  # and nothing after it


def test_the_etag_is_the_build_time_digest_and_if_none_match_is_304(website: Website) -> None:
    head = website.curl("-D", "-", "-o", "/dev/null", website.url("/images/logo.png")).stdout.decode()
    etag = next(line.split(": ", 1)[1] for line in head.split("\r\n") if line.lower().startswith("etag:"))
    assert etag == '"' + hashlib.sha256(file_bytes("/images/logo.png")).hexdigest()[:32] + '"', head
    assert "Content-Type: image/png\r\n" in head, head
    assert website.status("-H", f"If-None-Match: {etag}", website.url("/images/logo.png")) == "304"
    assert website.status("-H", 'If-None-Match: "stale"', website.url("/images/logo.png")) == "200"


def test_date_follows_the_hosts_clock_across_seconds(website: Website) -> None:
    # hvt asks the host for the wall clock once a second and advances it with the TSC in between: answers
    # spread over more than that must each carry the host's second (RFC 9110 6.6.1), give or take one.
    for _ in range(4):
        before = time.time()
        head = website.curl("-I", website.url("/index.html")).stdout.decode()
        after = time.time()
        found = re.search(r"\r\nDate: ([^\r]+)\r\n", head)
        assert found is not None, head
        date = parsedate_to_datetime(found.group(1)).timestamp()
        assert int(before) - 1 <= date <= after + 1, (found.group(1), before, after)
        time.sleep(0.6)


def test_ranges_are_206_and_past_the_end_416(website: Website) -> None:
    large = file_bytes("/docs/large.txt")
    result = website.curl("-D", "-", "-r", "1000-1999", website.url("/docs/large.txt"))
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    head += b"\r\n"
    assert head.startswith(b"HTTP/1.1 206 "), head
    assert f"Content-Range: bytes 1000-1999/{len(large)}".encode() in head, head
    assert body == large[1000:2000]
    assert website.status("-r", f"{len(large)}-", website.url("/docs/large.txt")) == "416"


def test_a_missing_file_is_404_and_post_is_405(website: Website) -> None:
    assert website.status(website.url("/no/such/file.html")) == "404"
    result = website.curl("-D", "-", "-o", "/dev/null", "-X", "POST", "-d", "x=1", website.url("/"))
    assert result.stdout.startswith(b"HTTP/1.1 405 "), result.stdout
    assert b"\r\nAllow: GET, HEAD\r\n" in result.stdout, result.stdout


def test_a_folder_named_without_its_slash_is_sent_to_it_and_unknown_methods_are_501(website: Website) -> None:
    head = website.curl("-D", "-", "-o", "/dev/null", website.url("/docs?page=2")).stdout.decode()
    assert head.startswith("HTTP/1.1 301 "), head
    assert "\r\nLocation: /docs/?page=2\r\n" in head, head
    followed = website.curl("-L", website.url("/docs"))
    assert followed.stdout == file_bytes("/docs/index.html"), followed.stderr
    assert website.status("-X", "BREW", website.url("/")) == "501"
    assert website.status(website.url("/docs/index.html/")) == "404"


def test_the_gzip_variant_goes_to_clients_that_take_it(website: Website) -> None:
    result = website.curl("--compressed", "-D", "-", website.url("/style.css"))
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    head += b"\r\n"
    assert b"\r\nContent-Encoding: gzip\r\n" in head and b"\r\nVary: Accept-Encoding\r\n" in head, head
    assert f"Content-Length: {len(file_bytes('/style.css.gz'))}".encode() in head, head
    assert body == file_bytes("/style.css")  # curl decompressed it
    plain = website.curl("-D", "-", website.url("/style.css")).stdout
    assert b"Content-Encoding" not in plain and plain.endswith(file_bytes("/style.css"))


def test_pipelined_requests_are_answered_in_order_past_skipped_bodies(website: Website) -> None:
    result = website.client("pipeline")
    large = file_bytes("/docs/large.txt")
    assert result == {
        "answers": [
            {"status": 200, "length": str(len(file_bytes("/index.html"))), "sha256": sha256("/index.html")},
            {"status": 200, "length": str(len(file_bytes("/style.css"))), "sha256": hashlib.sha256().hexdigest()},
            {"status": 405, "length": "23", "sha256": hashlib.sha256(b"405 Method Not Allowed\n").hexdigest()},
            {"status": 405, "length": "23", "sha256": hashlib.sha256(b"405 Method Not Allowed\n").hexdigest()},
            {"status": 404, "length": "14", "sha256": hashlib.sha256(b"404 Not Found\n").hexdigest()},
            {"status": 200, "length": str(len(large)), "sha256": hashlib.sha256(large).hexdigest()},
        ],
        "left_over": 0,
    }


def sha256(path: str) -> str:
    return hashlib.sha256(file_bytes(path)).hexdigest()


def test_a_slowloris_client_is_closed_at_the_timeout_while_others_are_served(website: Website) -> None:
    slow = subprocess.Popen(
        website.client_command("slowloris", "1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(3):
            assert website.status(website.url("/docs/")) == "200"
        out, err = slow.communicate(timeout=30)
    finally:
        slow.kill()
    assert slow.returncode == 0, err.decode()
    result = json.loads(out)
    closed = ("end of stream", "recv: ConnectionResetError", "send: BrokenPipeError", "send: SSLEOFError")
    assert result["closed_by"] in closed, result
    assert IDLE_TIMEOUT_S - 0.5 <= result["seconds"] <= IDLE_TIMEOUT_S + 2, result
    assert result["bytes_sent"] <= IDLE_TIMEOUT_S + 3, result
    website.still_serving()


def test_a_slow_reader_gets_the_large_file_whole_past_the_idle_timeout(website: Website) -> None:
    # The answer moves all along, so its connection lives longer than the timeout; the file goes out as the
    # reader makes room, while another client is served.
    slow = subprocess.Popen(
        website.client_command("slowread", "/docs/large.txt", str(IDLE_TIMEOUT_S + 0.5)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert website.status(website.url("/images/logo.png")) == "200"
        out, err = slow.communicate(timeout=30)
    finally:
        slow.kill()
    assert slow.returncode == 0, err.decode() + website.output()
    result = json.loads(out)
    assert result["answer"]["sha256"] == sha256("/docs/large.txt") and result["left_over"] == 0, result
    assert result["seconds"] > IDLE_TIMEOUT_S, result


def test_oversized_headers_get_431_and_serving_goes_on(website: Website) -> None:
    big = "X-Big: " + "a" * 8000
    result = website.curl("-D", "-", "-o", "/dev/null", "-H", big, website.url("/"))
    assert result.stdout.startswith(b"HTTP/1.1 431 "), result.stdout + result.stderr
    assert b"\r\nConnection: close\r\n" in result.stdout
    many = [argument for index in range(80) for argument in ("-H", f"X-Field-{index}: {index}")]
    assert website.status(*many, website.url("/")) == "431"
    website.still_serving()


def test_the_redirect_mode_answers_301_to_https() -> None:
    port = free_port()
    command = ["examples.website/image.unix", f"--http-port={port}", "--https-port=0"]
    command.append("--redirect-to-https=www.example.org")
    with running_in_background(command, "website: redirecting", "website-redirect") as (process, console):
        result = subprocess.run(
            ["curl", "-sS", "-D", "-", "-o", "/dev/null", f"http://127.0.0.1:{port}/docs/?q=1"],
            capture_output=True,
            timeout=30,
        )
        assert result.stdout.startswith(b"HTTP/1.1 301 Moved Permanently\r\n"), result.stdout + result.stderr
        assert b"\r\nLocation: https://www.example.org/docs/?q=1\r\n" in result.stdout, result.stdout
        assert process.poll() is None


def test_the_redirect_takes_the_host_asked_for_and_refuses_what_no_location_can_carry() -> None:
    port, https_port = free_port(), free_port()
    command = ["examples.website/image.unix", f"--http-port={port}", f"--https-port={https_port}"]
    hosts = {
        "Host: www.example.test": f"https://www.example.test:{https_port}/x",
        "Host: www.example.test:80": f"https://www.example.test:{https_port}/x",
        "Host: [2001:db8::1]:80": f"https://[2001:db8::1]:{https_port}/x",
        "Host: a\r\nHost: b": None,  # two Host fields: which one?
        "Host: [2001:db8::1": None,
        "Host: a@evil.example": None,
        "Host: ": None,
    }
    with running_in_background(command, READY, "website-redirect-host") as (process, console):
        for field, location in hosts.items():
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(f"GET /x HTTP/1.1\r\n{field}\r\nConnection: close\r\n\r\n".encode())
                answer = b""
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
            if location is None:
                assert answer.startswith(b"HTTP/1.1 400 "), (field, answer)
            else:
                assert answer.startswith(b"HTTP/1.1 301 "), (field, answer)
                assert f"\r\nLocation: {location}\r\n".encode() in answer, (field, answer)
        assert process.poll() is None


def test_past_connections_max_a_new_connection_is_closed_until_one_ends() -> None:
    port = free_port()
    # Plain HTTP (--https-port=0): the site on the HTTP port, without Strict-Transport-Security.
    command = ["examples.website/image.unix", f"--http-port={port}", "--https-port=0", "--connections-max=2"]
    with running_in_background(command, READY, "website-limit") as (process, console):
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as third:
            third.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            try:
                assert third.recv(100) == b""  # closed without an answer
            except ConnectionResetError:
                pass
        held.pop().close()
        result = subprocess.run(
            ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--retry", "3", "--retry-connrefused"]
            + [f"http://127.0.0.1:{port}/"],
            capture_output=True,
            timeout=30,
        )
        assert result.stdout == b"200", result.stderr
        held[0].sendall(b"GET /docs/ HTTP/1.1\r\nHost: h\r\n\r\n")
        answer = held[0].recv(4096)
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"Strict-Transport-Security" not in answer, answer
        held[0].close()
        assert process.poll() is None


def test_https_answers_carry_hsts_and_plain_http_is_redirected_with_the_path(website: Website) -> None:
    head = website.curl("-D", "-", "-o", "/dev/null", website.url("/docs/")).stdout
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
    assert f"\r\nStrict-Transport-Security: max-age={HSTS}\r\n".encode() in head, head
    plain = website.curl("-D", "-", "-o", "/dev/null", f"http://{NAME}:{website.http_port}/docs/?q=1")
    authority = NAME if website.port == 443 else f"{NAME}:{website.port}"
    assert plain.stdout.startswith(b"HTTP/1.1 301 Moved Permanently\r\n"), plain.stdout + plain.stderr
    assert f"\r\nLocation: https://{authority}/docs/?q=1\r\n".encode() in plain.stdout, plain.stdout
    assert b"Strict-Transport-Security" not in plain.stdout  # RFC 6797 8.1: not over plain HTTP
    # A browser following it lands on the file over HTTPS.
    followed = website.curl("-L", f"http://{NAME}:{website.http_port}/docs/large.txt")
    assert hashlib.sha256(followed.stdout).hexdigest() == sha256("/docs/large.txt"), followed.stderr
    assert website.status(f"http://{website.host}:{website.http_port}/", "-H", "Host: a/b@evil") == "400"


def test_openssl_s_client_sees_tls_1_2_and_an_ecdhe_aes_gcm_suite(website: Website) -> None:
    result = website.run(
        "openssl",
        "s_client",
        "-connect",
        f"{website.host}:{website.port}",
        "-servername",
        NAME,
        "-CAfile",
        CA,
        "-verify_return_error",
        timeout=30,
    )
    out = result.stdout.decode(errors="replace")
    assert re.search(r"New, TLSv1\.2, Cipher is ECDHE-RSA-AES(128|256)-GCM-SHA(256|384)\n", out), out
    assert "Verification: OK" in out and f"subject=CN = {NAME}" in out, out


def test_a_client_limited_to_tls_1_3_or_1_1_is_refused_and_the_log_says_why(website: Website) -> None:
    address = f"{website.host}:{website.port}"
    for version, why in (
        ("-tls1_3", "the client offered no suite, curve or signature this server takes"),
        ("-tls1_1", "the client offered no TLS 1.2, the only version this server speaks"),
    ):
        refused = website.run("openssl", "s_client", "-connect", address, "-servername", NAME, version, timeout=30)
        assert refused.returncode != 0, refused.stdout
        found = re.search(
            rf"handshake with [\d.]+:\d+ failed: BR_ERR_SEND_FATAL_ALERT \w+ \(\d+\): {why}", website.output()
        )
        assert found, website.output()
    website.still_serving()


def test_sni_picks_the_certificate_and_python_checks_the_hostname(website: Website) -> None:
    result = website.client("names", NAME, "example.test", "other.example.test", "nobody.example.test")
    index = sha256("/index.html")
    for name in (NAME, "example.test"):
        www = result[name]
        assert www["subject"] == NAME and www["cipher"].startswith("ECDHE-RSA-") and www["version"] == "TLSv1.2", www
        assert www["status"] == 200 and www["sha256"] == index, www
    other = result["other.example.test"]
    assert other["subject"] == "other.example.test" and other["cipher"].startswith("ECDHE-ECDSA-"), other
    assert other["status"] == 200 and other["sha256"] == index, other
    # A name no certificate carries gets the default one, which check_hostname refuses.
    assert "Hostname mismatch" in result["nobody.example.test"]["refused"], result


def test_garbage_and_a_handshake_stopped_halfway_are_logged_while_others_are_served(website: Website) -> None:
    result = website.client("hostile")
    assert result["garbage_closed_after"] < 5, result
    assert result["served_meanwhile"]["status"] == 200, result
    # The half ClientHello is closed at the handshake timeout, not before and not much after.
    assert HANDSHAKE_TIMEOUT_S - 0.3 <= result["half_closed_after"] <= HANDSHAKE_TIMEOUT_S + 3, result
    output = website.output()
    assert re.search(rf"handshake with [\d.]+:{result['garbage_port']} failed: BR_ERR_\w+", output), output
    half = rf"handshake with [\d.]+:{result['half_port']} failed: no progress for {HANDSHAKE_TIMEOUT_S * 1000} ms"
    assert re.search(half, output), output
    website.still_serving()


def test_the_credentials_script_makes_a_ca_and_chains_that_verify() -> None:
    # What the README tells a user to run for throw-away credentials of their own (the committed ones came from it).
    with tempfile.TemporaryDirectory() as folder:
        made = subprocess.run(
            ["sh", "examples/website/credentials/generate.sh", folder], capture_output=True, timeout=60
        )
        assert made.returncode == 0, made.stderr
        assert sorted(os.listdir(folder)) == sorted(
            [
                "ca.pem",
                "www.example.test.pem",
                "www.example.test.key",
                "other.example.test.pem",
                "other.example.test.key",
            ]
        )
        for name, names in (
            ("www.example.test", "www.example.test, DNS:example.test"),
            ("other.example.test", "other.example.test"),
        ):
            chain = os.path.join(folder, f"{name}.pem")
            verified = subprocess.run(
                ["openssl", "verify", "-CAfile", os.path.join(folder, "ca.pem"), chain], capture_output=True
            )
            assert verified.returncode == 0 and b": OK" in verified.stdout, verified.stdout + verified.stderr
            text = subprocess.run(["openssl", "x509", "-in", chain, "-noout", "-text"], capture_output=True).stdout
            assert f"DNS:{names}".encode() in text, text
            # The key belongs to the certificate: the same public key.
            public = [
                subprocess.run(command, capture_output=True, check=True).stdout
                for command in (
                    ["openssl", "x509", "-in", chain, "-noout", "-pubkey"],
                    ["openssl", "pkey", "-in", os.path.join(folder, f"{name}.key"), "-pubout"],
                )
            ]
            assert public[0] == public[1], name
