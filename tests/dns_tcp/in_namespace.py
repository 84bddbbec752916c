"""The DNS checks of secondary_direct_test.py, run inside the test's network namespace, where the guest's tap is:
`ip netns exec NS python -m dns_tcp.in_namespace COMMAND JSON`. Prints one JSON result."""

from __future__ import annotations

import json
import sys
import time

import dns.exception
from dns_server.answers import corpus
from dns_tcp.secondary import STORAGE_ORDER, compare, soa_serial


def wait_for_serial(server: list, serial: int, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    seen = -1
    while time.monotonic() < deadline:
        try:
            seen = soa_serial((server[0], server[1]))
            if seen == serial:
                return {"ok": True}
        except dns.exception.Timeout:
            pass
        time.sleep(0.1)
    return {"ok": False, "seen": seen}


def main() -> None:
    command, args = sys.argv[1], json.loads(sys.argv[2])
    if command == "wait_for_serial":
        result = wait_for_serial(args["server"], args["serial"], args["seconds"])
    elif command == "compare":
        queries = [query for query in corpus() if query not in STORAGE_ORDER]
        result = {"differences": compare(tuple(args["primary"]), tuple(args["secondary"]), queries)}
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
