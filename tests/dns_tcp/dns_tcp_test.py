"""DNS over TCP (RFC 7766) from the unix DNS unikernel, asked by dig, dnspython and a hand-framing Python socket:
answers over TCP, dig's fallback from a truncated UDP answer, pipelining, partial reads, half-close, backpressure,
the idle timeout, the connection limit, zone transfers to allowed and refused addresses, and the NSD differential
query set over TCP."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from typing import Dict, Iterator, List, Tuple

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest
from dns_server.answers import VARIANTS, corpus, make_query, summary
from dns_server.servers import ZONE_FILE, nsd_server, unix_dns_server
from dns_tcp.tcp_client import closed_by_server, connect, frame, read_message, read_messages

LARGE_TXT = 16  # records of large.example.org: 1,951 octets, more than the 1,232 dig offers over UDP


@pytest.fixture(scope="module")
def console() -> Iterator[Tuple[int, List[str]]]:
    with unix_dns_server("--axfr-allow=127.0.0.1") as (port, lines):
        assert lines[0].rstrip().endswith("UDP and TCP"), lines
        yield port, lines


@pytest.fixture(scope="module")
def server(console: Tuple[int, List[str]]) -> int:
    return console[0]


def dig(port: int, *args: str) -> str:
    result = subprocess.run(
        ["dig", "@127.0.0.1", "-p", str(port), "+tries=1", "+time=3", *args],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_dig_tcp_gets_the_www_address(server: int) -> None:
    output = dig(server, "+tcp", "+short", "www.example.org", "A")
    assert sorted(output.split()) == ["192.0.2.80", "192.0.2.81"]


def test_dig_falls_back_to_tcp_on_a_truncated_answer_and_gets_it_all(server: int) -> None:
    output = dig(server, "large.example.org", "TXT")
    assert "Truncated, retrying in TCP mode" in output, output
    assert f"ANSWER: {LARGE_TXT}," in output and "(TCP)" in output, output
    assert "sixteen" in output


def test_over_tcp_the_edns_size_does_not_truncate(server: int) -> None:
    query = dns.message.make_query("large.example.org", "TXT", use_edns=0, payload=512)
    response = dns.query.tcp(query, "127.0.0.1", port=server, timeout=3)
    assert not response.flags & dns.flags.TC and len(response.answer[0]) == LARGE_TXT


def test_pipelined_queries_are_answered_in_order(server: int) -> None:
    names = ["www.example.org", "large.example.org", "nonexistent.example.org", "example.com", "ns1.example.org"]
    queries = [dns.message.make_query(name, "TXT" if name.startswith("large") else "A") for name in names * 4]
    with connect(server) as sock:
        sock.sendall(b"".join(frame(query.to_wire()) for query in queries))  # one write, 20 queries
        answers = read_messages(sock, len(queries))
    assert [answer.id for answer in answers] == [query.id for query in queries]
    assert [answer.question[0].name.to_text() for answer in answers] == [f"{name}." for name in names * 4]
    assert [dns.rcode.to_text(answer.rcode()) for answer in answers[:4]] == [
        "NOERROR",
        "NOERROR",
        "NXDOMAIN",
        "REFUSED",
    ]


def test_queries_cut_into_pieces_are_reassembled(server: int) -> None:
    wire = b"".join(
        frame(dns.message.make_query(name, "A").to_wire()) for name in ["www.example.org", "mail.example.org"]
    )
    with connect(server) as sock:
        for offset in range(0, len(wire), 3):  # three octets per write, the length fields split too
            sock.sendall(wire[offset : offset + 3])
            time.sleep(0.002)
        answers = read_messages(sock, 2)
    assert [str(answer.answer[0].name) for answer in answers] == ["www.example.org.", "mail.example.org."]


def test_the_client_ending_its_stream_still_gets_every_answer(server: int) -> None:
    queries = [dns.message.make_query(f"{name}.example.org", "A") for name in ["www", "ns1", "mail"]]
    with connect(server) as sock:
        sock.sendall(b"".join(frame(query.to_wire()) for query in queries))
        sock.shutdown(socket.SHUT_WR)
        answers = read_messages(sock, 3)
        assert closed_by_server(sock), "the server kept the connection open after answering a half-closed client"
    assert [answer.id for answer in answers] == [query.id for query in queries]


@pytest.mark.parametrize("garbage", [b"\x00\x00", b"\xff\xff" + b"x" * 100])
def test_a_zero_or_oversized_length_closes_the_connection_only(server: int, garbage: bytes) -> None:
    with connect(server) as sock:
        sock.sendall(garbage)
        assert closed_by_server(sock)
    assert dig(server, "+tcp", "+short", "ns1.example.org", "A").split() == ["192.0.2.53"]


def test_answers_the_client_is_slow_to_read_wait_for_it(server: int) -> None:
    """Backpressure: 4,000 large answers (about 8 MB) queued while the client reads nothing; the server keeps what
    the stack does not take, resumes when it may write, and every answer arrives whole and in order."""
    count = 4000
    queries = [dns.message.make_query("large.example.org", "TXT") for _ in range(count)]
    with connect(server, timeout=30) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sender = threading.Thread(target=sock.sendall, args=(b"".join(frame(q.to_wire()) for q in queries),))
        sender.start()
        time.sleep(1)  # the server fills the socket buffers and must hold the rest
        answers = read_messages(sock, count)
        sender.join(timeout=30)
    assert [answer.id for answer in answers] == [query.id for query in queries]
    assert all(len(answer.answer[0]) == LARGE_TXT for answer in answers)


def test_an_allowed_address_transfers_the_whole_zone(server: int) -> None:
    transferred = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", "example.org", port=server, timeout=5))
    expected = dns.zone.from_file(ZONE_FILE, origin="example.org", relativize=True)
    assert transferred == expected


def test_ixfr_from_a_current_client_is_the_single_soa(server: int) -> None:
    serial = dns.zone.from_file(ZONE_FILE, origin="example.org").get_soa().serial
    query = dns.message.make_query("example.org", "IXFR")
    query.authority.append(
        dns.rrset.from_text(
            "example.org.", 0, "IN", "SOA", f"ns1.example.org. hostmaster.example.org. {serial} 1 1 1 1"
        )
    )
    for response in [
        dns.query.tcp(query, "127.0.0.1", port=server, timeout=3),
        dns.query.udp(query, "127.0.0.1", port=server, timeout=3),
    ]:
        assert [rrset.rdtype for rrset in response.answer] == [dns.rdatatype.SOA] and len(response.answer[0]) == 1


def test_a_disallowed_address_is_refused(console: Tuple[int, List[str]]) -> None:
    # 127.0.0.2 is the host too, but not in --axfr-allow=127.0.0.1.
    server, lines = console
    query = dns.message.make_query("example.org", "AXFR")
    with connect(server, source="127.0.0.2") as sock:
        sock.sendall(frame(query.to_wire()))
        response = read_message(sock)
    assert response.rcode() == dns.rcode.REFUSED and response.answer == []
    deadline = time.monotonic() + 5
    while "dns: AXFR of example.org. to 127.0.0.2: refused (not in axfr-allow)\n" not in lines:
        assert time.monotonic() < deadline, "the refusal was not logged:\n" + "".join(lines)
        time.sleep(0.05)
    assert "Transfer failed" in dig(server, "-b", "127.0.0.2", "example.org", "AXFR")


def test_transfers_are_refused_to_everyone_by_default() -> None:
    with unix_dns_server() as (port, _):
        query = dns.message.make_query("example.org", "AXFR")
        with connect(port) as sock:
            sock.sendall(frame(query.to_wire()))
            assert read_message(sock).rcode() == dns.rcode.REFUSED


def test_an_idle_connection_is_closed_and_a_busy_one_is_not() -> None:
    with unix_dns_server("--tcp-idle-timeout=400") as (port, _):
        with connect(port) as idle, connect(port) as busy:
            started = time.monotonic()
            query = dns.message.make_query("www.example.org", "A")
            while time.monotonic() - started < 1.2:  # three timeouts: the busy one asks every 100 ms
                busy.sendall(frame(query.to_wire()))
                assert read_message(busy).id == query.id
                time.sleep(0.1)
            idle.settimeout(2)
            assert closed_by_server(idle), "an idle connection outlived three idle timeouts"
            busy.sendall(frame(query.to_wire()))
            assert read_message(busy).id == query.id
            busy.settimeout(2)
            assert closed_by_server(busy), "the busy connection was not closed once it went idle"
            assert time.monotonic() - started < 3


def test_beyond_the_connection_limit_a_client_waits_until_one_closes() -> None:
    with unix_dns_server("--tcp-connections-max=2") as (port, _):
        query = dns.message.make_query("www.example.org", "A")
        first, second = connect(port), connect(port)
        for sock in (first, second):
            sock.sendall(frame(query.to_wire()))
            assert read_message(sock).id == query.id
        with connect(port, timeout=1) as third:  # the kernel completes the handshake; the server does not serve it
            third.sendall(frame(query.to_wire()))
            assert not closed_by_server(third), "a third connection was served or closed at a limit of two"
            first.close()
            third.settimeout(5)
            assert read_message(third).id == query.id
        second.close()


@pytest.fixture(scope="module")
def nsd_over_tcp() -> Iterator[Dict[Tuple[str, str, str], dict]]:
    with nsd_server() as port:
        yield {
            (name, rdtype, variant): summary(
                dns.query.tcp(make_query(name, rdtype, VARIANTS[variant]), "127.0.0.1", port=port, timeout=3)
            )
            for name, rdtype in corpus()
            for variant in VARIANTS
        }


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_same_answers_as_nsd_over_tcp(
    server: int, nsd_over_tcp: Dict[Tuple[str, str, str], dict], variant: str
) -> None:
    differences: List[str] = []
    for name, rdtype in corpus():
        actual = summary(
            dns.query.tcp(make_query(name, rdtype, VARIANTS[variant]), "127.0.0.1", port=server, timeout=3)
        )
        wanted = nsd_over_tcp[(name, rdtype, variant)]
        if actual != wanted:
            keys = [key for key in wanted if actual[key] != wanted[key]]
            differences.append(
                f"{name} {rdtype}: " + "; ".join(f"{k}: ours {actual[k]!r}, nsd {wanted[k]!r}" for k in keys)
            )
    assert differences == [], f"{len(differences)} answers differ from NSD's over TCP ({variant}):\n" + "\n".join(
        differences
    )


def test_over_tcp_nothing_in_the_corpus_is_truncated(nsd_over_tcp: Dict[Tuple[str, str, str], dict]) -> None:
    """The TCP comparison covers what UDP truncates: NSD answers big and large whole over TCP, as we must."""
    for name in ["big.example.org", "large.example.org"]:
        wanted = nsd_over_tcp[(name, "TXT", "edns-512")]
        assert "TC" not in wanted["flags"].split() and wanted["answer"], wanted
