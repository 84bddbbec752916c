"""NSD as a secondary of our server (RFC 5936): configured with `request-xfr` pointing at the unix unikernel on
loopback, NSD transfers the zone from it over TCP (by AXFR, or by IXFR, which we answer in AXFR form), then answers
the whole differential query set, in every EDNS variant, exactly as our server does."""

from __future__ import annotations

import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Tuple

import dns.exception
import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.zone
import pytest
from dns_server.answers import VARIANTS, corpus, make_query, summary
from dns_server.servers import ORIGIN, ZONE_FILE, free_port, nsd_server, stop_nsd, unix_dns_server
from dns_tcp.secondary import STORAGE_ORDER, compare, secondary_config


@contextmanager
def nsd_secondary(primary_port: int, request: str) -> Iterator[tuple]:
    """NSD, secondary for the zone, transferring it from 127.0.0.1@primary_port; yields its port and folder once it
    answers the zone's SOA with authority."""
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        config = secondary_config(folder, "127.0.0.1", port, "127.0.0.1", primary_port, request)
        process = subprocess.Popen(["nsd", "-d", "-c", str(config)], stderr=subprocess.PIPE, text=True)
        try:
            serial = dns.zone.from_file(ZONE_FILE, origin=ORIGIN).get_soa().serial
            deadline = time.monotonic() + 20
            # NSD reloads after a transfer and may answer SERVFAIL ("zone configured but not loaded") from a server
            # process for a moment after another one answered: wait for a run of authoritative answers, not one.
            in_a_row = 0
            while in_a_row < 10:
                assert process.poll() is None, f"nsd exited: {process.stderr.read() if process.stderr else ''}"
                try:
                    response = dns.query.udp(dns.message.make_query(ORIGIN, "SOA"), "127.0.0.1", port=port, timeout=0.3)
                    loaded = (
                        response.flags & dns.flags.AA and response.answer and response.answer[0][0].serial == serial
                    )
                    in_a_row = in_a_row + 1 if loaded else 0
                except dns.exception.Timeout:
                    in_a_row = 0
                log = folder / "nsd.log"
                assert time.monotonic() < deadline, "NSD did not take the zone within 20 s:\n" + (
                    log.read_text() if log.exists() else ""
                )
                time.sleep(0.1)
            yield port, folder
        finally:
            stop_nsd(process)


@pytest.fixture(scope="module")
def primary_console() -> Iterator[Tuple[int, List[str]]]:
    with unix_dns_server("--axfr-allow=127.0.0.1") as served:
        yield served


@pytest.fixture(scope="module")
def primary(primary_console: Tuple[int, List[str]]) -> int:
    return primary_console[0]


def wait_for_line(lines: List[str], text: str, start: int = 0, seconds: float = 10) -> None:
    """Waits until the server's console, from line `start` on, has a line with `text`."""
    deadline = time.monotonic() + seconds
    while not any(text in line for line in lines[start:]):
        assert time.monotonic() < deadline, f"the server never printed {text!r}:\n" + "".join(lines)
        time.sleep(0.05)


# "" lets NSD choose (IXFR, AXFR when it holds no copy yet); "AXFR " asks for AXFR only.
@pytest.mark.parametrize("request_kind", ["", "AXFR "], ids=["nsd-default", "axfr-only"])
def test_nsd_transfers_the_zone_and_answers_as_we_do(
    primary: int, primary_console: Tuple[int, List[str]], request_kind: str
) -> None:
    serial = dns.zone.from_file(ZONE_FILE, origin=ORIGIN).get_soa().serial
    with nsd_secondary(primary, request_kind) as (secondary, folder):
        wait_for_line(primary_console[1], f"XFR of {ORIGIN}. to 127.0.0.1: the whole zone")
        log = (folder / "nsd.log").read_text()
        assert f"received update to serial {serial}" in log and f"from 127.0.0.1@{primary}" in log, log
        queries = [query for query in corpus() if query not in STORAGE_ORDER]
        differences = compare(("127.0.0.1", primary), ("127.0.0.1", secondary), queries)
        assert differences == [], f"{len(differences)} answers differ from the secondary's:\n" + "\n".join(differences)


def test_the_secondary_answers_apex_any_from_its_storage_order(primary: int) -> None:
    with nsd_secondary(primary, "AXFR ") as (secondary, _), nsd_server() as from_file:
        apex_any = make_query(ORIGIN, "ANY", VARIANTS["plain"])
        ours = dns.query.udp(apex_any, "127.0.0.1", port=primary, timeout=3)
        loaded = dns.query.udp(apex_any, "127.0.0.1", port=from_file, timeout=3)
        transferred = dns.query.udp(apex_any, "127.0.0.1", port=secondary, timeout=3)
        assert summary(ours) == summary(loaded)  # NSD from the master file: the SOA, as we answer
        apex = dns.zone.from_file(ZONE_FILE, origin=ORIGIN).find_node("@")
        (rrset,) = transferred.answer  # one RRset of the apex, not the SOA
        assert rrset.rdtype != dns.rdatatype.SOA and set(rrset) == set(
            apex.find_rdataset(dns.rdataclass.IN, rrset.rdtype)
        )
        assert (
            compare(("127.0.0.1", primary), ("127.0.0.1", secondary), [(ORIGIN, "ANY")]) != []
        ), "NSD now answers as we do: drop STORAGE_ORDER"


def test_a_notified_secondary_asks_by_ixfr_and_is_told_it_is_current(primary_console: Tuple[int, List[str]]) -> None:
    """RFC 1996 NOTIFY makes NSD check its copy: it asks us by IXFR with its serial, which is ours, and we answer
    with the SOA alone (RFC 1995 section 2), which NSD takes as up to date."""
    primary, lines = primary_console
    with nsd_secondary(primary, "") as (secondary, folder):
        before = len(lines)
        notify = dns.message.make_query(ORIGIN, "SOA")
        notify.set_opcode(dns.opcode.NOTIFY)
        notify.flags |= dns.flags.AA
        response = dns.query.udp(notify, "127.0.0.1", port=secondary, timeout=3)
        assert response.rcode() == dns.rcode.NOERROR and response.opcode() == dns.opcode.NOTIFY
        wait_for_line(lines, f"IXFR of {ORIGIN}. to 127.0.0.1: current: the SOA alone", start=before)
        log = (folder / "nsd.log").read_text()
        assert "error" not in log.lower(), log
        answer = dns.query.udp(dns.message.make_query(ORIGIN, "SOA"), "127.0.0.1", port=secondary, timeout=3)
        assert answer.flags & dns.flags.AA and answer.answer, answer
