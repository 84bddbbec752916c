"""The responder's wire format as a real client reads it: dnspython builds the queries and parses the responses of
`dns_test --answer-hex`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import List

import dns.flags
import dns.message
import dns.rcode

DNS_TEST = "lib.dns.tests/dns_test"

ZONE = """\
$TTL 3600
@       SOA   ns1 hostmaster 2024010101 7200 3600 604800 300
        NS    ns1
        MX    10 mail
ns1     A     192.0.2.53
mail    A     192.0.2.25
        AAAA  2001:db8::25
www     CNAME web
web     A     192.0.2.80
txt     TXT   "hello world" "second"
_sip._udp SRV 10 60 5060 www
caa     CAA   0 issue "ca.example.net"
*.wild  A     192.0.2.99
sub     NS    ns.sub
ns.sub  A     192.0.2.200
""" + "".join(
    f"big A 192.0.2.{i}\n" for i in range(1, 41)
)


def answer(tmp_path: Path, queries: List["dns.message.Message"]) -> List["dns.message.Message"]:
    zone = tmp_path / "example.org.zone"
    zone.write_text(ZONE)
    lines = "".join(q.to_wire().hex() + "\n" for q in queries)
    result = subprocess.run(
        [DNS_TEST, "--answer-hex", "example.org.", str(zone)], input=lines, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [dns.message.from_wire(bytes.fromhex(line)) for line in result.stdout.split()]


def test_positive_answers_parse(tmp_path: Path) -> None:
    queries = [
        dns.message.make_query("www.example.org.", "A"),
        dns.message.make_query("example.org.", "MX", use_edns=0, payload=1232),
        dns.message.make_query("txt.example.org.", "TXT"),
        dns.message.make_query("_sip._udp.example.org.", "SRV"),
        dns.message.make_query("caa.example.org.", "CAA"),
        dns.message.make_query("x.wild.example.org.", "A"),
    ]
    www, mx, txt, srv, caa, wild = answer(tmp_path, queries)
    for response, query in zip((www, mx, txt, srv, caa, wild), queries):
        assert response.id == query.id
        assert response.flags & dns.flags.AA
        assert response.rcode() == dns.rcode.NOERROR
    assert [str(r) for r in www.answer] == [
        "www.example.org. 3600 IN CNAME web.example.org.",
        "web.example.org. 3600 IN A 192.0.2.80",
    ]
    assert str(mx.answer[0]) == "example.org. 3600 IN MX 10 mail.example.org."
    assert mx.additional == []  # minimal responses: the resolver asks for the exchange's address itself
    assert mx.edns == 0 and mx.payload == 1232
    assert str(txt.answer[0]) == 'txt.example.org. 3600 IN TXT "hello world" "second"'
    assert str(srv.answer[0]) == "_sip._udp.example.org. 3600 IN SRV 10 60 5060 www.example.org."
    assert str(caa.answer[0]) == 'caa.example.org. 3600 IN CAA 0 issue "ca.example.net"'
    assert str(wild.answer[0]) == "x.wild.example.org. 3600 IN A 192.0.2.99"


def test_negative_answers_and_referrals_parse(tmp_path: Path) -> None:
    queries = [
        dns.message.make_query("nope.example.org.", "A"),
        dns.message.make_query("web.example.org.", "AAAA"),
        dns.message.make_query("host.sub.example.org.", "A"),
        dns.message.make_query("www.example.com.", "A"),
        dns.message.make_query("www.example.com.", "A", use_edns=0),
        dns.message.make_query("www.example.org.", "A", use_edns=0, rdclass="CH"),
    ]
    nxdomain, nodata, referral, refused, refused_edns, refused_class = answer(tmp_path, queries)
    assert nxdomain.rcode() == dns.rcode.NXDOMAIN
    assert [str(r) for r in nxdomain.authority] == [
        "example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 604800 300"
    ]
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer and nodata.authority
    assert not referral.flags & dns.flags.AA
    assert str(referral.authority[0]) == "sub.example.org. 3600 IN NS ns.sub.example.org."
    assert str(referral.additional[0]) == "ns.sub.example.org. 3600 IN A 192.0.2.200"
    assert refused.rcode() == dns.rcode.REFUSED and refused.edns < 0
    # With EDNS, REFUSED says why as NSD does (RFC 8914): 20 Not Authoritative, 21 Not Supported (the class).
    assert [option.to_text() for option in refused_edns.options] == ["EDE 20 (Not Authoritative)"]
    assert refused_class.rcode() == dns.rcode.REFUSED
    assert [option.to_text() for option in refused_class.options] == ["EDE 21 (Not Supported)"]


def test_edns_version_and_truncation(tmp_path: Path) -> None:
    queries = [
        dns.message.make_query("www.example.org.", "A", use_edns=1),
        dns.message.make_query("big.example.org.", "A"),
        dns.message.make_query("big.example.org.", "A", use_edns=0, payload=4096),
    ]
    badvers, truncated, whole = answer(tmp_path, queries)
    assert badvers.rcode() == dns.rcode.BADVERS
    assert truncated.flags & dns.flags.TC and not truncated.answer
    assert not whole.flags & dns.flags.TC
    assert len(whole.answer[0]) == 40 and whole.payload == 1232
