"""Differential test: NSD and our server answer the same zone; every query of the corpus gets the same answer,
section by section (record order and the message ID aside)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import pytest

from dns_server.servers import nsd_server, unix_dns_server

QUERIES = Path("tests/dns_server/queries.txt")


def corpus() -> List[Tuple[str, str]]:
    lines = [line.split() for line in QUERIES.read_text().splitlines() if line and not line.startswith("#")]
    return [(name, rdtype) for name, rdtype in lines]


def summary(response: dns.message.Message) -> dict:
    def section(rrsets) -> list:
        return sorted(
            f"{rrset.name.to_text().lower()} {rrset.ttl} {dns.rdatatype.to_text(rrset.rdtype)} {rdata}"
            for rrset in rrsets
            for rdata in rrset
        )

    return {
        "rcode": response.rcode(),
        "flags": dns.flags.to_text(response.flags & (dns.flags.AA | dns.flags.TC | dns.flags.QR)),
        "answer": section(response.answer),
        "authority": section(response.authority),
        "additional": section(response.additional),
    }


@pytest.fixture(scope="module")
def servers() -> Tuple[int, int]:
    with unix_dns_server() as (ours, _), nsd_server() as nsd:
        yield ours, nsd


@pytest.mark.parametrize("edns", [False, True], ids=["plain", "edns"])
@pytest.mark.parametrize("name, rdtype", corpus())
def test_same_answer_as_nsd(servers: Tuple[int, int], name: str, rdtype: str, edns: bool) -> None:
    ours, nsd = servers
    query = dns.message.make_query(name, rdtype, use_edns=0 if edns else None, payload=1232)
    expected = summary(dns.query.udp(query, "127.0.0.1", port=nsd, timeout=2))
    actual = summary(dns.query.udp(query, "127.0.0.1", port=ours, timeout=2))
    assert actual == expected
