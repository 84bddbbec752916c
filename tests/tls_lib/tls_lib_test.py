"""lib/tls on the build host (lib/tls/tests/tls_host: host sockets on loopback, the kv a directory of files made
by `openssl`), checked with independent clients: `openssl s_client` and Python's `ssl`. TLS 1.2 with the cipher
suite shown, the echo, SNI choosing between an RSA and an EC certificate, ALPN, session resumption, the client
side verifying a chain, hostile input that is logged while other clients are served, and the session bound."""

from __future__ import annotations

import os
import queue
import random
import re
import select
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Iterator, List, Optional

import pytest
from tap import ok_count, run_tap
from tls_lib.credentials import make_credentials

TLS_HOST = "lib.tls.tests/tls_host"
TLS_TEST = "lib.tls.tests/tls_test"
CERTIFICATES = "a.example.org *.a.example.org:a-chain.pem,a.key;b.example.net:b.pem,b.key"
SESSIONS_MAX = 4
HANDSHAKE_TIMEOUT_MS = 1500


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """The TLS echo server running, with its console lines as they come."""

    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process = process
        self.port = port
        self.lines: List[str] = []
        self.queue: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.queue.put(line)

    def wait_for(self, pattern: str, timeout: float = 10) -> str:
        """The first line (from the start) that matches `pattern`; fails after `timeout` seconds without one."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                if re.search(pattern, line):
                    return line
            try:
                self.lines.append(self.queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.lines)}")


@pytest.fixture(scope="module")
def kv() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        make_credentials(directory)
        yield directory


@contextmanager
def tls_server(kv: str, *args: str) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [TLS_HOST, f"--kv={kv}", f"--port={port}", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(process, port)
    try:
        server.wait_for(r"serving TLS echo")
        yield server
        assert process.poll() is None, "the server stopped:\n" + "".join(server.lines)
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(kv: str) -> Iterator[Server]:
    with tls_server(
        kv,
        f"--certificates={CERTIFICATES}",
        "--alpn=h2,http/1.1",
        f"--sessions-max={SESSIONS_MAX}",
        f"--handshake-timeout={HANDSHAKE_TIMEOUT_MS}",
    ) as running:
        yield running


def client_context(kv: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=os.path.join(kv, "ca.pem"))
    assert context.check_hostname
    return context


def echo(connection: ssl.SSLSocket, message: bytes) -> bytes:
    connection.sendall(message)
    received = b""
    while len(received) < len(message):
        chunk = connection.recv(65536)
        assert chunk, "the server closed before echoing everything"
        received += chunk
    return received


def s_client(kv: str, port: int, *args: str, message: bytes = b"hello over TLS\n") -> str:
    """Runs `openssl s_client`, sends `message`, waits for its echo, then ends the session; returns the output."""
    process = subprocess.Popen(
        [
            "openssl",
            "s_client",
            "-connect",
            f"127.0.0.1:{port}",
            "-CAfile",
            os.path.join(kv, "ca.pem"),
            "-verify_return_error",
            "-ign_eof",
            *args,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdin is not None and process.stdout is not None
    output = b""
    try:
        process.stdin.write(message)
        process.stdin.flush()
        deadline = time.monotonic() + 10
        while message.rstrip() not in output.split(b"---")[-1] and time.monotonic() < deadline:
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            output += chunk
    finally:
        process.kill()
        rest, _ = process.communicate(timeout=10)
    return (output + rest).decode(errors="replace")


def test_pure_checks(kv: str) -> None:
    output = run_tap(TLS_TEST, kv)
    assert ok_count(output) >= 40


def test_s_client_gets_tls12_a_cipher_suite_and_its_echo(kv: str, server: Server) -> None:
    output = s_client(kv, server.port, "-servername", "a.example.org")
    assert "Verification: OK" in output, output
    assert re.search(r"New, TLSv1\.2, Cipher is ECDHE-RSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)", output), output
    assert output.split("---")[-1].count("hello over TLS") >= 1, output
    server.wait_for(r"accepted 127\.0\.0\.1:\d+ on port \d+: sni=a\.example\.org .*version=0x0303")


def test_python_ssl_checks_the_host_name_and_echoes_a_megabyte(kv: str, server: Server) -> None:
    payload = os.urandom(1 << 20)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        with client_context(kv).wrap_socket(raw, server_hostname="www.a.example.org") as connection:
            assert connection.version() == "TLSv1.2"
            assert echo(connection, payload) == payload


@pytest.mark.parametrize(
    "name, subject, algorithm",
    [
        ("a.example.org", "a.example.org", "RSA"),
        ("b.example.net", "b.example.net", "ECDSA"),
        ("www.a.example.org", "a.example.org", "RSA"),
    ],
)
def test_sni_picks_the_certificate(kv: str, server: Server, name: str, subject: str, algorithm: str) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        with client_context(kv).wrap_socket(raw, server_hostname=name) as connection:
            assert dict(item[0] for item in connection.getpeercert()["subject"])["commonName"] == subject
            assert algorithm in connection.cipher()[0]
            assert echo(connection, b"sni\n") == b"sni\n"


def test_an_unknown_name_gets_the_default_certificate_and_fails_the_name_check(kv: str, server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
            client_context(kv).wrap_socket(raw, server_hostname="c.example.com")
    server.wait_for(r"handshake with 127\.0\.0\.1:\d+ failed: BR_ERR_RECV_FATAL_ALERT bad_certificate")


@pytest.mark.parametrize(
    "offered, chosen", [(["h2", "http/1.1"], "h2"), (["spdy/3", "http/1.1"], "http/1.1"), (["spdy/3"], None)]
)
def test_alpn(kv: str, server: Server, offered: List[str], chosen: Optional[str]) -> None:
    context = client_context(kv)
    context.set_alpn_protocols(offered)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="b.example.net") as connection:
            assert connection.selected_alpn_protocol() == chosen
            assert echo(connection, b"alpn\n") == b"alpn\n"


def test_session_resumption(kv: str, server: Server, tmp_path: str) -> None:
    session = os.path.join(tmp_path, "session.pem")
    first = s_client(kv, server.port, "-servername", "b.example.net", "-sess_out", session)
    assert "New, TLSv1.2" in first, first
    second = s_client(kv, server.port, "-servername", "b.example.net", "-sess_in", session)
    assert "Reused, TLSv1.2" in second, second
    server.wait_for(r"sni=b\.example\.net .*resumed=yes")
    # Python's ssl too, with the session of a connection it made.
    context = client_context(kv)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="a.example.org") as connection:
            assert echo(connection, b"one\n") == b"one\n"
            saved = connection.session
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="a.example.org", session=saved) as connection:
            assert connection.session_reused
            assert echo(connection, b"two\n") == b"two\n"
    # Another name the same certificate serves may resume it; a name another certificate serves may not (RFC 6066
    # section 3): BearSSL has resumed before it reads the name, so the session ends there, and is logged.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="www.a.example.org", session=saved) as connection:
            assert connection.session_reused
            assert echo(connection, b"three\n") == b"three\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        port = raw.getsockname()[1]
        with context.wrap_socket(raw, server_hostname="b.example.net", session=saved) as connection:
            connection.sendall(b"four\n")
            assert connection.recv(100) == b""
    server.wait_for(rf"handshake with 127\.0\.0\.1:{port} failed: it resumed a session of a-chain\.pem's certificate")


def served_normally(kv: str, server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        with client_context(kv).wrap_socket(raw, server_hostname="a.example.org") as connection:
            assert echo(connection, b"still here\n") == b"still here\n"


def test_garbage_instead_of_a_client_hello_is_logged(kv: str, server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        port = raw.getsockname()[1]
        raw.sendall(b"GET / HTTP/1.1\r\nHost: a.example.org\r\n\r\n")
        raw.settimeout(5)
        try:
            while raw.recv(4096):  # perhaps an alert, then the end of the connection
                pass
        except ConnectionResetError:
            pass
    server.wait_for(rf"handshake with 127\.0\.0\.1:{port} failed: BR_ERR_\w+")
    served_normally(kv, server)


def hostile_first_flights() -> List[bytes]:
    """First flights a broken or hostile client may send: record headers with every content type, impossible
    lengths and versions, a ClientHello with its bytes flipped or lengths inflated, and random bytes (seeded)."""
    rng = random.Random(12)
    hello = client_hello("a.example.org")
    flights = [
        b"\x16\x03\x01\xff\xff" + bytes(64),  # a record longer than TLS allows
        b"\x16\x03\x01\x00\x00",  # an empty handshake record
        b"\x17\x03\x03\x00\x10" + bytes(16),  # application data before any handshake
        b"\x15\x03\x03\x00\x02\x02\x28",  # a fatal alert
        b"\x14\x03\x03\x00\x01\x01",  # ChangeCipherSpec first
        b"\x16\x02\x00\x00\x30" + bytes(48),  # SSL 2.0's version
        hello[:5] + b"\x01\xff\xff\xff" + hello[9:],  # the ClientHello's length inflated
    ]
    for _ in range(12):
        flipped = bytearray(hello)
        for _ in range(4):
            flipped[rng.randrange(5, len(flipped))] ^= 1 << rng.randrange(8)
        flights.append(bytes(flipped))
    flights.extend(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600))) for _ in range(12))
    return flights


def test_hostile_first_flights_are_logged_and_the_server_goes_on(kv: str) -> None:
    flights = hostile_first_flights()
    with tls_server(
        kv, f"--certificates={CERTIFICATES}", "--sessions-max=64", f"--handshake-timeout={HANDSHAKE_TIMEOUT_MS}"
    ) as server:
        hostile_first_flights_against(kv, server, flights)


def hostile_first_flights_against(kv: str, server: Server, flights: List[bytes]) -> None:
    start = len(server.lines)
    connections = []
    for flight in flights:  # all at once: those cut short wait for the handshake timeout together
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        raw.sendall(flight)
        connections.append(raw)
    ports = [raw.getsockname()[1] for raw in connections]
    for raw in connections:
        raw.settimeout(HANDSHAKE_TIMEOUT_MS / 1000 + 5)
        try:
            while raw.recv(4096):
                pass
        except ConnectionResetError:
            pass
        raw.close()
    # Each ended in a logged failure (a flipped bit may survive until the client's Finished, which never comes),
    # and no session of these reached the application.
    for port in ports:
        server.wait_for(rf"handshake with 127\.0\.0\.1:{port} failed: ")
    assert not any(f"accepted 127.0.0.1:{port} " in line for line in server.lines[start:] for port in ports)
    served_normally(kv, server)


def client_hello(name: str) -> bytes:
    """The first flight of a real client, taken from Python's ssl through memory BIOs."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    connection = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname=name)
    with pytest.raises(ssl.SSLWantReadError):
        connection.do_handshake()
    return outgoing.read()


def test_a_handshake_cut_halfway_is_logged(kv: str, server: Server) -> None:
    hello = client_hello("a.example.org")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        port = raw.getsockname()[1]
        raw.sendall(hello[: len(hello) // 2])
    server.wait_for(rf"handshake with 127\.0\.0\.1:{port} failed: the peer closed the TCP connection in the handshake")
    served_normally(kv, server)


def test_a_stalled_handshake_times_out(kv: str, server: Server) -> None:
    hello = client_hello("a.example.org")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        port = raw.getsockname()[1]
        raw.sendall(hello[: len(hello) // 2])
        started = time.monotonic()
        server.wait_for(rf"handshake with 127\.0\.0\.1:{port} failed: no progress for {HANDSHAKE_TIMEOUT_MS} ms")
        assert time.monotonic() - started < HANDSHAKE_TIMEOUT_MS / 1000 + 2
        raw.settimeout(5)
        assert raw.recv(1) == b""  # the server closed the connection
    served_normally(kv, server)


def test_sessions_beyond_the_bound_are_refused_while_open_ones_go_on(kv: str, server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        with client_context(kv).wrap_socket(raw, server_hostname="a.example.org") as established:
            assert echo(established, b"before\n") == b"before\n"
            # The rest of the bound in handshakes that never finish (TCP connected, no ClientHello yet).
            stalled = [
                socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(SESSIONS_MAX - 1)
            ]
            try:
                time.sleep(0.2)
                with socket.create_connection(("127.0.0.1", server.port), timeout=10) as refused:
                    port = refused.getsockname()[1]
                    refused.settimeout(5)
                    try:
                        assert refused.recv(1) == b""
                    except ConnectionResetError:
                        pass
                server.wait_for(rf"refused 127\.0\.0\.1:{port} on port {server.port}: {SESSIONS_MAX} sessions open")
                assert echo(established, b"during\n") == b"during\n"
            finally:
                for connection in stalled:
                    connection.close()
            time.sleep(0.2)
            assert echo(established, b"after\n") == b"after\n"
    served_normally(kv, server)


def test_the_client_side_verifies_the_chain_and_the_name(kv: str, server: Server) -> None:
    good = subprocess.run(
        [
            TLS_HOST,
            f"--kv={kv}",
            f"--connect={server.port}",
            "--server-name=www.a.example.org",
            "--trust-anchors=ca.pem",
            "--message=ping from lib/tls",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "client: connected: version=0x0303" in good.stdout and "ping from lib/tls" in good.stdout
    wrong_name = subprocess.run(
        [TLS_HOST, f"--kv={kv}", f"--connect={server.port}", "--server-name=c.example.com", "--trust-anchors=ca.pem"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert wrong_name.returncode == 1
    assert "failed: BR_ERR_X509_BAD_SERVER_NAME" in wrong_name.stdout, wrong_name.stdout
    untrusted = subprocess.run(
        [TLS_HOST, f"--kv={kv}", f"--connect={server.port}", "--server-name=b.example.net", "--trust-anchors=a.pem"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert untrusted.returncode == 1
    assert "failed: BR_ERR_X509_NOT_TRUSTED" in untrusted.stdout, untrusted.stdout


def test_the_client_side_gives_up_on_a_silent_server(kv: str) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel completes the TCP handshake; nobody ever answers the ClientHello
        started = time.monotonic()
        result = subprocess.run(
            [
                TLS_HOST,
                f"--kv={kv}",
                f"--connect={silent.getsockname()[1]}",
                "--server-name=a.example.org",
                "--trust-anchors=ca.pem",
                "--handshake-timeout=500",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert re.search(r"handshake with 127\.0\.0\.1:\d+ failed: no progress for 500 ms", result.stdout), result.stdout
    assert "client: failed: -110" in result.stdout, result.stdout
    assert 0.5 <= elapsed < 5, elapsed


def test_the_client_side_against_openssl_s_server(kv: str) -> None:
    port = free_port()
    s_server = subprocess.Popen(
        [
            "openssl",
            "s_server",
            "-accept",
            f"127.0.0.1:{port}",
            "-cert",
            os.path.join(kv, "b.pem"),
            "-key",
            os.path.join(kv, "b.key"),
            "-rev",
            "-tls1_2",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        result = subprocess.run(
            [
                TLS_HOST,
                f"--kv={kv}",
                f"--connect={port}",
                "--server-name=b.example.net",
                "--trust-anchors=ca.pem",
                "--message=abc\n",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert "client: connected: version=0x0303" in result.stdout, result.stdout + result.stderr
        assert "cba" in result.stdout, result.stdout  # s_server -rev answers each line reversed
    finally:
        s_server.kill()
        s_server.wait(timeout=10)


@pytest.mark.parametrize(
    "certificates, message",
    [
        ("a.example.org:missing.pem,a.key", "missing.pem: no such key in the kv device"),
        ("a.example.org:a-chain.pem,other.key", "other.key: the RSA key does not belong to the certificate"),
        ("a.example.org:a-chain.pem,encrypted.key", "encrypted.key: the private key is encrypted"),
        ("a.example.org:a.key,a.key", "a.key: no CERTIFICATE in the PEM file"),
        ("a..org:a.pem,a.key", "tls-certificates: `a..org` is not a server name"),
    ],
)
def test_bad_credentials_are_named(kv: str, certificates: str, message: str) -> None:
    result = subprocess.run(
        [TLS_HOST, f"--kv={kv}", "--port=1", f"--certificates={certificates}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert message in result.stdout, result.stdout


def rss_kib(process: subprocess.Popen) -> int:
    with open(f"/proc/{process.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/PID/status")


def test_sessions_are_freed_at_close(kv: str, server: Server) -> None:
    context = client_context(kv)

    def sessions(count: int) -> None:
        for _ in range(count):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname="b.example.net") as connection:
                    assert echo(connection, b"x" * 1000) == b"x" * 1000
                    connection.unwrap()  # close_notify both ways: a clean end

    sessions(20)
    before = rss_kib(server.process)
    sessions(200)
    after = rss_kib(server.process)
    # 200 sessions of 40 KiB each would be 8 MiB if they were kept.
    assert after - before < 1024, (before, after)


def test_a_client_that_does_not_read_is_held_back_not_buffered(kv: str, server: Server) -> None:
    # More than the kernel's socket buffers of both ends can hold (a few MiB each way on loopback). One thread drives
    # the connection without blocking: an SSL object is not for two threads at once.
    payload = os.urandom(64 << 20)
    chunk = 1 << 16
    before = rss_kib(server.process)
    with socket.socket() as raw:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
        raw.settimeout(30)
        raw.connect(("127.0.0.1", server.port))
        with client_context(kv).wrap_socket(raw, server_hostname="a.example.org") as connection:
            connection.setblocking(False)
            sent = 0

            def send_some() -> bool:
                nonlocal sent
                try:
                    sent += connection.send(payload[sent : sent + chunk])  # a retry sends the same slice
                    return True
                except ssl.SSLWantWriteError:
                    return False

            # Write without reading until nothing moves for a second: the echo's way back is full, so the server
            # stopped reading, and holds no more than its buffers.
            while sent < len(payload):
                if not send_some() and not select.select([], [connection], [], 1.0)[1]:
                    break
            assert sent < len(payload) // 2, sent
            assert rss_kib(server.process) - before < 1024
            served_normally(kv, server)
            received = bytearray()
            deadline = time.monotonic() + 60
            while len(received) < len(payload):
                assert time.monotonic() < deadline, (sent, len(received))
                moved = sent < len(payload) and send_some()
                try:
                    data = connection.recv(1 << 16)
                    assert data, "the server closed before echoing everything"
                    received += data
                    moved = True
                except ssl.SSLWantReadError:
                    pass
                if not moved:
                    select.select([connection], [connection] if sent < len(payload) else [], [], 1.0)
            assert bytes(received) == payload


def reset_on_close(connection: socket.socket) -> None:
    """Make close() send a TCP reset (SO_LINGER with a zero timeout), as a crashing client would."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def misbehave(kv: str, port: int, seed: int) -> Optional[str]:
    """One client, one of eight behaviours chosen by `seed`; returns what went wrong for a well-behaved one."""
    rng = random.Random(seed)
    behaviour = seed % 8
    context = client_context(kv)
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        if behaviour == 0:  # a reset before anything
            reset_on_close(raw)
            raw.close()
            return None
        if behaviour == 1:  # part of a ClientHello, then a reset
            hello = client_hello("a.example.org")
            raw.sendall(hello[: rng.randrange(1, len(hello))])
            reset_on_close(raw)
            raw.close()
            return None
        connection = context.wrap_socket(raw, server_hostname=rng.choice(["a.example.org", "b.example.net"]))
        data = os.urandom(rng.randrange(1, 200000))
        if behaviour == 2:  # data, then a reset without reading the echo
            connection.sendall(data)
            reset_on_close(connection)
        elif behaviour == 3:  # half the data, then close_notify without reading the echo
            connection.sendall(data[: len(data) // 2 + 1])
            connection.unwrap()
        elif behaviour == 4:  # a forged record after some data: the server's MAC check fails
            connection.sendall(b"before the forgery")
            os.write(connection.fileno(), b"\x17\x03\x03\x00\x20" + os.urandom(32))
            time.sleep(0.05)
        elif behaviour == 5:  # data, then a TCP half-close without close_notify
            connection.sendall(data)
            socket.socket.shutdown(connection, socket.SHUT_WR)
            while connection.recv(65536):
                pass
        else:  # well-behaved: the whole echo, then close_notify (7) or not (6)
            if echo(connection, data) != data:
                return f"client {seed}: the echo differs"
            if behaviour == 7:
                connection.unwrap()
        connection.close()
    except (OSError, ssl.SSLError) as error:
        if behaviour >= 6:
            return f"client {seed}: {error!r}"
    return None


def test_misbehaving_clients_in_parallel_leave_the_server_serving(kv: str) -> None:
    with tls_server(kv, f"--certificates={CERTIFICATES}", "--sessions-max=64", "--handshake-timeout=1000") as server:
        with ThreadPoolExecutor(max_workers=12) as pool:
            problems = [p for p in pool.map(lambda seed: misbehave(kv, server.port, seed), range(240)) if p]
        assert problems == []
        server.wait_for(r"session with 127\.0\.0\.1:\d+ failed: BR_ERR_BAD_MAC")
        server.wait_for(r"handshake with 127\.0\.0\.1:\d+ failed: TCP error -104")
        served_normally(kv, server)
