"""NSD as a secondary of our server (RFC 5936), and the comparison of its answers with ours: shared by the test on
loopback (the unix image) and the one inside a network namespace (the direct stack on every ABI)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import dns.flags
import dns.message
import dns.query
from dns_server.answers import VARIANTS, make_query, summary
from dns_server.servers import ORIGIN, write_nsd_config

# NSD answers ANY (RFC 8482) with the first RRset it stores for the name: loaded from the master file, the SOA at
# the apex (first in the file), as we answer; taken by transfer, the first after the opening SOA, which marks the
# start of the transfer and is stored last. Both are one RRset of the name, as RFC 8482 allows; the order is NSD's.
# secondary_test.py's test_the_secondary_answers_apex_any_from_its_storage_order pins it.
STORAGE_ORDER = {("example.org", "ANY")}


def secondary_config(folder: Path, address: str, port: int, primary: str, primary_port: int, request: str = "") -> Path:
    """NSD's configuration in `folder`: secondary for the zone, listening on `address`:`port`, transferring from
    `primary`@`primary_port` (`request`: "" lets NSD choose IXFR or AXFR, "AXFR " asks for AXFR only); verbose
    enough that its log names each transfer."""
    zone = (
        f'zonefile: "{folder}/secondary.zone"\n'
        f"request-xfr: {request}{primary}@{primary_port} NOKEY\n"
        f"allow-notify: {primary} NOKEY"
    )
    return write_nsd_config(folder, address, port, zone=zone, verbosity=2)


def compare(primary: Tuple[str, int], secondary: Tuple[str, int], queries: List[tuple]) -> List[str]:
    """Every query in every EDNS variant to both servers over UDP; one line per answer that differs."""
    differences: List[str] = []
    for name, rdtype in queries:
        for variant in VARIANTS:
            query = make_query(name, rdtype, VARIANTS[variant])
            ours = summary(dns.query.udp(query, primary[0], port=primary[1], timeout=3))
            theirs = summary(dns.query.udp(query, secondary[0], port=secondary[1], timeout=3))
            if ours != theirs:
                keys = [key for key in ours if ours[key] != theirs[key]]
                differences.append(
                    f"{name} {rdtype} {variant}: "
                    + "; ".join(f"{k}: ours {ours[k]!r}, secondary {theirs[k]!r}" for k in keys)
                )
    return differences


def soa_serial(server: Tuple[str, int]) -> int:
    """The serial `server` answers for the zone with authority; -1 when it has none (yet)."""
    response = dns.query.udp(dns.message.make_query(ORIGIN, "SOA"), server[0], port=server[1], timeout=0.3)
    if response.flags & dns.flags.AA and response.answer:
        return response.answer[0][0].serial
    return -1
