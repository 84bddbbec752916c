"""The differential tests' shared parts: the query corpus, the EDNS variants each query is asked in, and a summary of
a response that two servers' answers are compared by (record order and the message ID aside)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import dns.flags
import dns.message
import dns.rdatatype

QUERIES = Path("tests/dns_server/queries.txt")


def corpus() -> List[Tuple[str, str]]:
    lines = [line.split() for line in QUERIES.read_text().splitlines() if line and not line.startswith("#")]
    return [(name, rdtype) for name, rdtype in lines]


class Variant(NamedTuple):
    edns: Optional[int]  # None: no OPT record
    payload: int = 1232
    do: bool = False


# Plain DNS, EDNS0 at the common 1232, with DO, at the smallest and a large payload, and a version we lack (BADVERS).
VARIANTS: Dict[str, Variant] = {
    "plain": Variant(None),
    "edns": Variant(0),
    "edns-do": Variant(0, do=True),
    "edns-512": Variant(0, payload=512),
    "edns-4096": Variant(0, payload=4096),
    "edns-version-1": Variant(1),
}


def make_query(name: str, rdtype: str, variant: Variant) -> dns.message.Message:
    if variant.edns is None:
        return dns.message.make_query(name, rdtype, use_edns=False)
    # want_dnssec, not ednsflags alone: make_query clears DO unless want_dnssec is set.
    return dns.message.make_query(name, rdtype, use_edns=variant.edns, payload=variant.payload, want_dnssec=variant.do)


def summary(response: dns.message.Message) -> dict:
    def section(rrsets) -> list:
        return sorted(
            f"{rrset.name.to_text().lower()} {rrset.ttl} {dns.rdatatype.to_text(rrset.rdtype)} {rdata}"
            for rrset in rrsets
            for rdata in rrset
        )

    return {
        "rcode": response.rcode(),  # with the OPT record's extended bits
        "flags": dns.flags.to_text(response.flags),
        "question": [str(rrset) for rrset in response.question],
        "answer": section(response.answer),
        "authority": section(response.authority),
        "additional": section(response.additional),
        "opt": None
        if response.edns < 0
        else {
            "version": response.edns,
            "payload": response.payload,
            "do": bool(response.ednsflags & dns.flags.DO),
            "extended rcode": (response.ednsflags >> 24) & 0xFF,
            "other flags": response.ednsflags & 0xFFFF & ~dns.flags.DO,
            "options": [option.to_text() for option in response.options],
        },
    }
