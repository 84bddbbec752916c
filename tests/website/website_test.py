"""examples/website as a user reaches it: curl and raw sockets against the unix image on loopback, and against
hvt, spt, virtio and unix's `direct` image on a tap in a network namespace the test creates. One guest per ABI
serves every check: bodies byte-identical to the repository's files over one kept-alive connection, HEAD, 304
with the ETag of a first answer (the SHA-256 computed at build time), 206 and 416, 404, 405, the gzip variant,
pipelined requests, a slowloris client closed at the idle timeout while others are served, and 431 for oversized
headers, the server serving on after each."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Iterator, List, Sequence

import pytest
from freestanding.boot import TENDERS, require_abi, running_in_background
from netns import tap_namespace

SITE = "examples/website/site"
RAW_CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "raw_client.py")
GUEST = "10.0.0.2"
HOST = "10.0.0.1"
IDLE_TIMEOUT_S = 1
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
    host: str
    port: int
    process: subprocess.Popen
    console: str

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def run(self, *command: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, *command], capture_output=True, timeout=timeout)

    def curl(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("curl", "-sS", "--max-time", "10", *args)

    def status(self, *args: str) -> str:
        result = self.curl("-o", "/dev/null", "-w", "%{http_code}", *args)
        return result.stdout.decode()

    def client(self, *args: str) -> dict:
        result = self.run(sys.executable, RAW_CLIENT, args[0], self.host, str(self.port), *args[1:], timeout=60)
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
    return [TENDERS[abi], "--net:stack_netif=tap0", f"examples.website/image.{abi}", *arguments]


@pytest.fixture(scope="module", params=["unix", "hvt", "spt", "virtio", "unix-direct"])
def website(request: pytest.FixtureRequest) -> Iterator[Website]:
    abi = request.param
    timeout = f"--idle-timeout={IDLE_TIMEOUT_S * 1000}"
    with ExitStack() as cleanup:
        if abi == "unix":
            port = free_port()
            prefix: List[str] = []
            host = "127.0.0.1"
            command = ["examples.website/image.unix", f"--http-port={port}", timeout]
        else:
            if abi != "unix-direct":
                require_abi(abi)
            namespace = cleanup.enter_context(tap_namespace(f"website-{abi}", host_address=f"{HOST}/24"))
            prefix = ["ip", "netns", "exec", namespace]
            host, port = GUEST, 80
            command = [*prefix, *server_command(abi, f"--ipv4={GUEST}/24", timeout)]
        process, console = cleanup.enter_context(running_in_background(command, READY, f"website-{abi}"))
        served = Website(abi, prefix, host, port, process, console)
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
        [*website.prefix, sys.executable, RAW_CLIENT, "slowloris", website.host, str(website.port), "1"],
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
    assert result["closed_by"] in ("end of stream", "recv: ConnectionResetError", "send: BrokenPipeError"), result
    assert IDLE_TIMEOUT_S - 0.5 <= result["seconds"] <= IDLE_TIMEOUT_S + 2, result
    assert result["bytes_sent"] <= IDLE_TIMEOUT_S + 3, result
    website.still_serving()


def test_a_slow_reader_gets_the_large_file_whole_past_the_idle_timeout(website: Website) -> None:
    # The answer moves all along, so its connection lives longer than the timeout; the file goes out as the
    # reader makes room, while another client is served.
    slow = subprocess.Popen(
        [*website.prefix, sys.executable, RAW_CLIENT, "slowread", website.host, str(website.port)]
        + ["/docs/large.txt", str(IDLE_TIMEOUT_S + 0.5)],
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
    command = ["examples.website/image.unix", f"--http-port={port}", "--redirect-to-https=www.example.org"]
    with running_in_background(command, "website: redirecting", "website-redirect") as (process, console):
        result = subprocess.run(
            ["curl", "-sS", "-D", "-", "-o", "/dev/null", f"http://127.0.0.1:{port}/docs/?q=1"],
            capture_output=True,
            timeout=30,
        )
        assert result.stdout.startswith(b"HTTP/1.1 301 Moved Permanently\r\n"), result.stdout + result.stderr
        assert b"\r\nLocation: https://www.example.org/docs/?q=1\r\n" in result.stdout, result.stdout
        assert process.poll() is None


def test_past_connections_max_a_new_connection_is_closed_until_one_ends() -> None:
    port = free_port()
    command = ["examples.website/image.unix", f"--http-port={port}", "--connections-max=2"]
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
        assert held[0].recv(100).startswith(b"HTTP/1.1 200 OK\r\n")
        held[0].close()
        assert process.poll() is None
