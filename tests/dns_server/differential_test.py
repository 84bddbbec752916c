"""Differential test: NSD and our server answer the same zone; every query of the corpus, plain and with EDNS
variants, gets the same answer from our server on every ABI as from NSD: rcode, header flags, every section
(record order and the message ID aside) and the OPT record (present or not, payload size, DO bit, extended rcode,
EDNS version, options).

Each ABI's server boots once and answers the whole corpus: unix on loopback sockets; unix-direct, hvt, spt and
virtio on a tap in a network namespace, asked from a socket opened inside it. NSD runs once, on loopback: the
answers must not depend on the transport."""

from __future__ import annotations

import socket
import subprocess
import time
from contextlib import contextmanager
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
from dns_server.answers import VARIANTS, corpus, make_query, summary
from dns_server.netns_sockets import udp_socket
from dns_server.servers import nsd_server, unix_dns_server
from freestanding.boot import TENDERS, require_abi
from netns import tap_namespace

GUEST_ADDRESS = "10.0.0.2"
ABIS = ["unix", "unix-direct", "hvt", "spt", "virtio"]


class Server(NamedTuple):
    address: str
    port: int
    sock: Optional[socket.socket]  # a socket inside the server's namespace, or None for the host's loopback

    def ask(self, query: dns.message.Message, timeout: float = 2, skip_stale: bool = False) -> dns.message.Message:
        # skip_stale: the start-up probe shares its socket with earlier probes that timed out; their late answers
        # are not answers to this query and are passed over instead of failing it.
        return dns.query.udp(
            query, self.address, port=self.port, timeout=timeout, sock=self.sock, ignore_errors=skip_stale
        )


def tap_command(abi: str) -> List[str]:
    boot_arguments = [f"--ipv4={GUEST_ADDRESS}/24", "--port=53"]
    if abi == "unix-direct":
        return ["examples.dns/direct.unix", "--tap=tap0", *boot_arguments]
    return [TENDERS[abi], "--net:stack_netif=tap0", f"examples.dns/image.{abi}", *boot_arguments]


def drain(sock: socket.socket) -> None:
    """Drops late answers to the start-up probes, which would otherwise be read as answers to the corpus."""
    time.sleep(0.5)
    while True:
        try:
            sock.recv(65535)
        except BlockingIOError:
            return


@contextmanager
def tap_server(abi: str) -> Iterator[Server]:
    require_abi("unix" if abi == "unix-direct" else abi)
    with tap_namespace("dns-diff", host_address="10.0.0.1/24") as namespace:
        process = subprocess.Popen(
            ["ip", "netns", "exec", namespace, *tap_command(abi)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        sock = udp_socket(namespace)
        try:
            assert process.stdout is not None
            banner = process.stdout.readline()
            assert banner.startswith("dns: serving example.org. "), banner
            server = Server(GUEST_ADDRESS, 53, sock)
            # The first query waits for ARP and, under QEMU, for the guest's network to come up.
            deadline = time.monotonic() + 20
            while True:
                try:
                    server.ask(dns.message.make_query("example.org", "SOA"), timeout=0.5, skip_stale=True)
                    break
                except dns.exception.Timeout:
                    assert time.monotonic() < deadline, f"{abi}: no answer on the tap within 20 s"
            drain(sock)
            yield server
            assert process.poll() is None, f"{abi}: the server died: {process.stdout.read()}"
        finally:
            sock.close()
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def nsd() -> Iterator[Server]:
    with nsd_server() as port:
        yield Server("127.0.0.1", port, None)


@pytest.fixture(scope="module")
def expected(nsd: Server) -> Dict[Tuple[str, str, str], dict]:
    """NSD's answer to every query of the corpus in every variant, asked once."""
    return {
        (name, rdtype, variant): summary(nsd.ask(make_query(name, rdtype, VARIANTS[variant])))
        for name, rdtype in corpus()
        for variant in VARIANTS
    }


@pytest.fixture(scope="module", params=ABIS)
def ours(request) -> Iterator[Server]:
    """Our server on one ABI, booted once for every variant of the corpus."""
    if request.param == "unix":
        with unix_dns_server() as (port, _):
            yield Server("127.0.0.1", port, None)
    else:
        with tap_server(request.param) as server:
            yield server


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_same_answers_as_nsd(ours: Server, expected: Dict[Tuple[str, str, str], dict], variant: str) -> None:
    differences = []
    for name, rdtype in corpus():
        actual = summary(ours.ask(make_query(name, rdtype, VARIANTS[variant])))
        wanted = expected[(name, rdtype, variant)]
        if actual != wanted:
            keys = [key for key in wanted if actual[key] != wanted[key]]
            differences.append(
                f"{name} {rdtype}: " + "; ".join(f"{key}: ours {actual[key]!r}, nsd {wanted[key]!r}" for key in keys)
            )
    assert differences == [], f"{len(differences)} answers differ from NSD's ({variant}):\n" + "\n".join(differences)


def test_the_variants_exercise_the_opt_record(expected: Dict[Tuple[str, str, str], dict]) -> None:
    """The comparison means something only if NSD's answers show what the variants are for."""
    soa = {variant: expected[("example.org", "SOA", variant)] for variant in VARIANTS}
    assert soa["plain"]["opt"] is None
    assert soa["edns"]["opt"] is not None and not soa["edns"]["opt"]["do"]
    assert soa["edns-do"]["opt"]["do"]
    assert soa["edns-version-1"]["rcode"] == dns.rcode.BADVERS and soa["edns-version-1"]["answer"] == []
    big = {variant: expected[("big.example.org", "TXT", variant)] for variant in VARIANTS}
    assert "TC" in big["edns-512"]["flags"].split() and "TC" not in big["edns-4096"]["flags"].split()
