"""The probe half of the test-traffic gate: runs INSIDE the VPC and only speaks HTTP.

The gate Lambda (outside the VPC) hands it the load balancer's private addresses. From inside the
VPC those addresses are reachable, and the ALB's security group can admit the probe's security
group on the test port, so the test listener stays closed to the internet. The probe needs no
AWS API, which matters: without a NAT gateway a VPC Lambda cannot reach one.

Event: {"targets": ["10.0.1.23", ...], "port": 8080, "paths": ["/health"], "attempts": 6,
        "interval_seconds": 5, "timeout_seconds": 3, "host": "orders.example.com"}
("host" is optional: the `Host` header, so a shared test listener picks the service's rule.)
Result: {"passed": bool, "attempts_used": n, "checks": [{"target", "path", "status", "error",
         "passed"}, ...]} with the last result of every target/path pair.

A pair passes on a 2xx answer. Redirects are not followed and do not pass: a 3xx from a health
path means a login or HTTPS redirect answered, not the application. Every path must pass on
every ALB address, since each address is a separate load balancer node. A pair that passed is
not asked again; retries give only the failing pairs time (listener-rule propagation, a target
that is still warming up). Requests of one round run in parallel, so a round lasts at most about
one timeout whatever the number of addresses.

`timeout_seconds` bounds each WHOLE request (connect, send, status, headers, body), not each
socket operation: a green that trickles a byte every second never trips a per-operation
timeout, and would hold the probe, and the gate behind it, past their own time limits.

Standard library only: the Lambda runtime has nothing else we need.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

USER_AGENT = "ecs-blue-green-test-traffic-gate"


@dataclass(frozen=True)
class Check:
    """The last answer one ALB address gave for one path."""

    target: str
    path: str
    status: int | None
    error: str | None

    @property
    def passed(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def check_once(
    target: str, port: int, path: str, timeout_seconds: float, host: str | None = None
) -> Check:
    """One GET of http://target:port/path (with `Host: host` when given), done within
    `timeout_seconds` in all or failed; connection errors become a failed Check."""
    connection = http.client.HTTPConnection(target, port, timeout=timeout_seconds)
    outcome: list[Check] = []

    def run() -> None:
        try:
            headers = {"User-Agent": USER_AGENT, **({"Host": host} if host else {})}
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            outcome.append(Check(target, path, response.status, None))
        except (OSError, http.client.HTTPException) as error:
            outcome.append(Check(target, path, None, f"{type(error).__name__}: {error}"))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout_seconds)
    timed_out = worker.is_alive()
    if timed_out:
        # Unblock the worker's read so the thread ends now rather than at the next byte.
        if connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)
        worker.join(1)
    connection.close()
    if outcome and not timed_out:
        return outcome[0]
    return Check(
        target,
        path,
        None,
        f"TimeoutError: timed out, no complete answer within {timeout_seconds:g} s",
    )


def probe(
    *,
    targets: Sequence[str],
    port: int,
    paths: Sequence[str],
    attempts: int,
    interval_seconds: float,
    timeout_seconds: float,
    host: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Checks every path on every target, retrying only failing pairs, up to `attempts` rounds.
    `host`: the `Host` header of every request; None sends the target address."""
    if not targets or not paths:
        return {"passed": False, "attempts_used": 0, "checks": [], "error": "nothing to check"}
    results: dict[tuple[str, str], Check] = {}
    pending = [(target, path) for target in targets for path in paths]
    used = 0
    with ThreadPoolExecutor(max_workers=min(len(pending), 16)) as pool:
        for used in range(1, attempts + 1):
            checks = list(
                pool.map(
                    lambda pair: check_once(pair[0], port, pair[1], timeout_seconds, host), pending
                )
            )
            for check in checks:
                results[(check.target, check.path)] = check
            pending = [(c.target, c.path) for c in checks if not c.passed]
            if not pending:
                break
            if used < attempts:
                sleep(interval_seconds)
    ordered = [results[(target, path)] for target in targets for path in paths]
    return {
        "passed": not pending,
        "attempts_used": used,
        "checks": [check.as_dict() for check in ordered],
    }


def handler(event: dict[str, Any], _context: object) -> dict[str, Any]:
    result = probe(
        targets=list(event["targets"]),
        port=int(event["port"]),
        paths=list(event["paths"]),
        attempts=int(event["attempts"]),
        interval_seconds=float(event["interval_seconds"]),
        timeout_seconds=float(event["timeout_seconds"]),
        host=event.get("host"),
    )
    print(json.dumps(result))  # one line in CloudWatch Logs per probe run
    return result
