"""The DNS unikernel on unix, asked by real clients (dig and dnspython) as a user would."""

from __future__ import annotations

import subprocess

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
from dns_server.servers import unix_dns_server


def ask(port: int, name: str, rdtype: str, **kwargs) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, **kwargs)
    return dns.query.udp(query, "127.0.0.1", port=port, timeout=2, ignore_trailing=False)


def rrset_texts(section) -> set:
    return {f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)} {rdata}" for rrset in section for rdata in rrset}


@pytest.fixture(scope="module")
def server() -> int:
    with unix_dns_server() as (port, _):
        yield port


def test_dig_gets_the_www_address(server: int) -> None:
    result = subprocess.run(
        ["dig", "@127.0.0.1", "-p", str(server), "www.example.org", "A", "+short", "+tries=1", "+time=2"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == ["192.0.2.80", "192.0.2.81"]


def test_authoritative_answer(server: int) -> None:
    response = ask(server, "www.example.org", "A")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert rrset_texts(response.answer) == {
        "www.example.org. A 192.0.2.80",
        "www.example.org. A 192.0.2.81",
    }


def test_nxdomain_carries_the_soa(server: int) -> None:
    response = ask(server, "nonexistent.example.org", "A")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert response.answer == []
    assert [rrset.rdtype for rrset in response.authority] == [dns.rdatatype.SOA]
    assert response.authority[0].ttl == 300


def test_nodata_carries_the_soa(server: int) -> None:
    response = ask(server, "www.example.org", "MX")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.answer == []
    assert [rrset.rdtype for rrset in response.authority] == [dns.rdatatype.SOA]


def test_cname_chain_is_followed_inside_the_zone(server: int) -> None:
    response = ask(server, "docs.example.org", "A")
    assert rrset_texts(response.answer) == {
        "docs.example.org. CNAME ftp.example.org.",
        "ftp.example.org. CNAME www.example.org.",
        "www.example.org. A 192.0.2.80",
        "www.example.org. A 192.0.2.81",
    }


def test_delegation_gets_a_referral_with_glue(server: int) -> None:
    response = ask(server, "www.sub.example.org", "A")
    assert response.rcode() == dns.rcode.NOERROR
    assert not response.flags & dns.flags.AA
    assert response.answer == []
    assert rrset_texts(response.authority) == {
        "sub.example.org. NS ns.sub.example.org.",
        "sub.example.org. NS ns.example.net.",
    }
    assert "ns.sub.example.org. A 192.0.2.200" in rrset_texts(response.additional)


def test_wildcard_synthesises_the_asked_name(server: int) -> None:
    response = ask(server, "anything.wild.example.org", "A")
    assert rrset_texts(response.answer) == {"anything.wild.example.org. A 192.0.2.99"}
    existing = ask(server, "host.wild.example.org", "TXT")
    assert existing.answer == [] and existing.rcode() == dns.rcode.NOERROR


def test_names_outside_the_zone_are_refused(server: int) -> None:
    assert ask(server, "example.com", "A").rcode() == dns.rcode.REFUSED


def test_large_answers_are_truncated_without_edns_and_fit_with_it(server: int) -> None:
    plain = ask(server, "big.example.org", "TXT")
    assert plain.flags & dns.flags.TC
    with_edns = ask(server, "big.example.org", "TXT", use_edns=0, payload=4096)
    assert not with_edns.flags & dns.flags.TC
    assert len(list(with_edns.answer[0])) == 8


def test_other_opcodes_are_not_implemented(server: int) -> None:
    query = dns.message.make_query("example.org", "SOA")
    query.set_opcode(dns.opcode.STATUS)
    response = dns.query.udp(query, "127.0.0.1", port=server, timeout=2)
    assert response.rcode() == dns.rcode.NOTIMP


def test_boot_argument_port_is_the_one_served() -> None:
    # unix_dns_server passes --port; a bad one is refused at boot with exit code 2.
    result = subprocess.run(["examples.dns/image.unix", "--port=70000"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    assert "--port=70000 is not a UDP port" in result.stdout
