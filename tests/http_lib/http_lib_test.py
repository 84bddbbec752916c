"""lib/http's own checks (lib/http/tests/http_test.c), the replay of its corpus, and its answers as Python's
http.client reads them: an independent parser must find them valid HTTP/1.1."""

from __future__ import annotations

import io
import os
import subprocess
from http.client import HTTPConnection, HTTPResponse
from typing import List

from tap import ok_count, run_tap

HTTP_TEST = "lib.http.tests/http_test"
CORPUS = "lib/http/tests/corpus"
DATE = "Sun, 06 Nov 1994 08:49:37 GMT"  # TEST_NOW in lib/http/tests/test_site.h


def test_every_check_passes() -> None:
    output = run_tap(HTTP_TEST)
    # Dates, parser, paths, negotiation, responder and streams: a collapse in their number means a group stopped.
    assert ok_count(output) >= 130


def test_corpus_replays() -> None:
    files = [name for name in os.listdir(CORPUS) if not name.startswith(".")]
    assert len(files) >= 12, files
    output = run_tap(HTTP_TEST, "--corpus", CORPUS)
    assert ok_count(output) == len(files)


def test_bad_arguments_are_refused() -> None:
    result = subprocess.run([HTTP_TEST, "--bogus"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "usage" in result.stderr


class KeptOpen(io.BytesIO):
    """The received bytes; HTTPResponse closes its file after each answer, but the next answer follows in it."""

    def close(self) -> None:
        pass


class FakeSocket:
    """What HTTPResponse needs of a socket: makefile() over bytes already received."""

    def __init__(self, data: bytes) -> None:
        self.stream = KeptOpen(data)

    def makefile(self, mode: str, *args: object, **kwargs: object) -> io.BytesIO:
        assert "r" in mode
        return self.stream


def serve(requests: bytes, methods: List[str]) -> List[HTTPResponse]:
    """Sends `requests` as one connection to `http_test --serve` and reads each answer with http.client, which
    must consume the stream exactly: nothing left over, nothing missing."""
    result = subprocess.run([HTTP_TEST, "--serve"], input=requests, capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    sock = FakeSocket(result.stdout)
    responses = []
    for method in methods:
        response = HTTPResponse(sock, method=method)  # type: ignore[arg-type]
        response.begin()
        response.body = response.read()  # type: ignore[attr-defined]
        responses.append(response)
    assert sock.stream.read() == b"", "octets after the last answer"
    return responses


def test_answers_parse_with_http_client() -> None:
    requests = (
        b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
        b"HEAD /style.css HTTP/1.1\r\nHost: h\r\n\r\n"
        b"GET /docs/a%20b.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=3-6\r\n\r\n"
        b"GET /app.js HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n\r\n"
        b'GET /app.js HTTP/1.1\r\nHost: h\r\nIf-None-Match: W/"app-1"\r\n\r\n'
        b"GET /docs/a%20b.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=99-\r\n\r\n"
        b"DELETE /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /nowhere HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    )
    methods = ["GET", "HEAD", "GET", "GET", "GET", "GET", "DELETE", "GET"]
    home, head, partial, gzipped, not_modified, unsatisfiable, not_allowed, missing = serve(requests, methods)
    for response in (home, head, partial, gzipped, not_modified, unsatisfiable, not_allowed, missing):
        assert response.version == 11 and response.getheader("Date") == DATE
    assert home.status == 200 and home.body == b"<!doctype html><title>home</title>\n"
    assert home.getheader("Content-Type") == "text/html; charset=utf-8" and home.getheader("ETag") == '"home-1"'
    assert not home.will_close
    assert head.status == 200 and head.body == b"" and head.getheader("Content-Length") == "23"
    assert partial.status == 206 and partial.body == b"3456"
    assert partial.getheader("Content-Range") == "bytes 3-6/10"
    assert gzipped.getheader("Content-Encoding") == "gzip" and gzipped.getheader("Vary") == "Accept-Encoding"
    assert gzipped.body.startswith(b"\x1f\x8b")
    assert not_modified.status == 304 and not_modified.body == b"" and not_modified.getheader("ETag") == '"app-1"'
    assert unsatisfiable.status == 416 and unsatisfiable.getheader("Content-Range") == "bytes */10"
    assert not_allowed.status == 405 and not_allowed.getheader("Allow") == "GET, HEAD"
    assert missing.status == 404 and missing.body == b"404 Not Found\n" and missing.will_close


def test_refusals_parse_with_http_client() -> None:
    cases = [
        (b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400),
        (b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X: y\r\n" * 20 + b"\r\n", 431),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n", 413),
        (b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        (b"GET / HTTP/3.0\r\nHost: h\r\n\r\n", 505),
    ]
    for request, status in cases:
        (response,) = serve(request, ["GET"])
        assert response.status == status, request
        assert response.will_close and response.getheader("Connection") == "close"
        assert response.body.startswith(str(status).encode())


def test_chunked_body_is_skipped_for_the_next_request() -> None:
    not_allowed, style = serve(
        b"PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n"
        b"GET /style.css HTTP/1.1\r\nHost: h\r\n\r\n",
        ["PUT", "GET"],
    )
    assert not_allowed.status == 405 and style.status == 200 and style.body == b"body { color: black; }\n"
    # A chunk longer than its size: the framing is lost, so nothing after it is answered.
    (not_allowed,) = serve(
        b"PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello world\r\n0\r\n\r\n"
        b"GET /style.css HTTP/1.1\r\nHost: h\r\n\r\n",
        ["PUT"],
    )
    assert not_allowed.status == 405


def test_http10_keep_alive_parses_with_http_client() -> None:
    first, second = serve(
        b"GET /docs/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /style.css HTTP/1.0\r\n\r\n", ["GET", "GET"]
    )
    assert first.status == 200 and first.body == b"<p>docs</p>\n" and not first.will_close
    assert second.status == 200 and second.will_close


class RecordingSocket:
    """What HTTPConnection needs of a socket to send: the bytes it writes are kept."""

    def __init__(self) -> None:
        self.sent = b""

    def sendall(self, data: bytes) -> None:
        self.sent += data


def written_by_http_client(method: str, url: str, **kwargs: object) -> bytes:
    """The bytes HTTPConnection writes for one request (one connection each, as it sends one at a time)."""
    connection = HTTPConnection("example.org")
    connection.sock = RecordingSocket()  # type: ignore[assignment]
    connection.request(method, url, **kwargs)  # type: ignore[arg-type]
    return connection.sock.sent  # type: ignore[attr-defined,no-any-return]


def test_requests_written_by_http_client_are_served() -> None:
    sent = (
        written_by_http_client("GET", "/docs/a%20b.txt", headers={"Range": "bytes=0-3"})
        + written_by_http_client("HEAD", "/app.js", headers={"Accept-Encoding": "gzip"})
        + written_by_http_client("POST", "/form", body=b"a=1&b=2")
    )
    assert b"Host: example.org\r\n" in sent and b"Content-Length: 7\r\n" in sent
    partial, head, not_allowed = serve(sent, ["GET", "HEAD", "POST"])
    assert partial.status == 206 and partial.body == b"0123"
    assert head.status == 200 and head.getheader("Content-Encoding") == "gzip" and head.body == b""
    assert not_allowed.status == 405
