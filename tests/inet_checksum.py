"""The Internet checksum (RFC 1071) that IPv4, UDP and TCP headers carry, for the frames the network tests' probe
scripts write. Standard library only, because those scripts run inside network namespaces as `python3 -c`:
`with_checksum(script)` puts this module's source in front of such a script."""

import inspect
import struct
import sys


def checksum(data: bytes) -> int:
    """The complement of the ones'-complement sum of `data`'s 16-bit words, an odd length padded with a zero octet."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def with_checksum(script: str) -> str:
    """`script` preceded by this module, so that `checksum` is defined where `python3 -c` runs it."""
    return inspect.getsource(sys.modules[__name__]) + "\n" + script
