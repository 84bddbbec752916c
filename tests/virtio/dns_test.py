"""DNS through virtio-net with QEMU user networking: a host port on 127.0.0.1 forwarded to the guest's port 53."""

from __future__ import annotations

import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest
from dns_server.servers import free_udp_port
from virtio.runner import ACCELERATORS, dns_behind_port_forward, require

DNS = "examples.dns/image.virtio"


@pytest.mark.parametrize("accel", ACCELERATORS)
def test_dns_answers_through_a_user_network_port_forward(accel: str) -> None:
    require(accel)
    port = free_udp_port()
    with dns_behind_port_forward(DNS, port, runner_args=[f"--accel={accel}"]) as server:
        query = dns.message.make_query("www.example.org", "A")
        deadline = time.monotonic() + 20
        while True:
            try:
                response = dns.query.udp(query, "127.0.0.1", port=port, timeout=1)
                break
            except dns.exception.Timeout:
                assert time.monotonic() < deadline, "no answer through the port forward within 20 s"
        assert response.rcode() == dns.rcode.NOERROR
        assert {rdata.to_text() for rrset in response.answer for rdata in rrset} == {"192.0.2.80", "192.0.2.81"}
        assert server.poll() is None
