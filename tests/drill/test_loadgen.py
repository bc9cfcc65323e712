"""The load generator against the real sample service under node, behind a local ALB stand-in.

A release the right way (the switch stops routing to the old version, waits for its requests in
flight, then SIGTERM) loses no request; a task killed while it still gets traffic loses some,
and every one of them is counted.
"""

from __future__ import annotations

import signal
import socket
import time

from drill.loadgen import LoadGenerator
from tests.drill.switch import service, switch, wait_exit

RATE = 60.0


def test_sigterm_after_deregistration_loses_no_request() -> None:
    with switch() as alb, service("blue") as (blue, blue_port), service("green") as (_, green_port):
        alb.register(blue_port)
        load = LoadGenerator(alb.url, rate=RATE, connections=4)
        load.start()
        time.sleep(0.5)
        switched = load.now()
        alb.register(green_port)
        alb.drain(blue_port)
        blue.send_signal(signal.SIGTERM)
        assert wait_exit(blue) == 0, "blue did not drain and exit 0 on SIGTERM"
        time.sleep(0.5)
        elapsed = load.now()
        samples = load.stop()
    assert [s for s in samples if s.failed] == []
    assert {s.version for s in samples} == {"blue", "green"}
    assert all(s.version == "green" for s in samples if s.t > switched + 0.1)
    # Steady and bounded: the rate is kept, never exceeded.
    assert 0.8 * RATE <= len(samples) / elapsed <= 1.05 * RATE
    # Keep-alive, as browsers: one connection per worker for the whole run.
    assert alb.accepted == 4


def test_sigkill_without_deregistration_loses_requests_and_counts_them() -> None:
    with switch() as alb, service("blue") as (blue, blue_port), service("green") as (_, green_port):
        alb.register(blue_port)
        load = LoadGenerator(alb.url, rate=RATE, connections=4)
        load.start()
        time.sleep(0.3)
        blue.send_signal(signal.SIGKILL)
        wait_exit(blue)
        time.sleep(0.3)  # until health checks notice and the target is replaced
        alb.register(green_port)
        time.sleep(0.3)
        samples = load.stop()
    failed = [s for s in samples if s.failed]
    assert len(failed) >= 0.2 * RATE
    assert {s.status for s in failed} == {502}
    assert {s.version for s in samples if not s.failed} == {"blue", "green"}


def test_connection_errors_are_recorded_not_raised() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the load starts: nothing listens
    load = LoadGenerator(f"http://127.0.0.1:{port}/", rate=50, connections=2)
    load.start()
    time.sleep(0.2)
    samples = load.stop()
    assert samples
    assert all(s.failed and s.status is None for s in samples)
    assert all(s.error and s.error.startswith("ConnectionRefusedError") for s in samples)
