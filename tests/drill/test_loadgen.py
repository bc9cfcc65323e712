"""The load generator against the real sample service under node, behind a local ALB stand-in.

A release the right way (the switch stops routing to the old version, waits for its requests in
flight, then SIGTERM) loses no request; a task killed while it still gets traffic loses some,
and every one of them is counted.

The tests wait for what they need to have happened (samples recorded), never for a fixed time:
a loaded machine makes them slower, not wrong.
"""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest

from drill.loadgen import LoadGenerator, Sample
from tests.drill.switch import service, switch, wait_exit

RATE = 60.0
#: How many samples of a kind each phase waits for.
ENOUGH = 5


def _until(load: LoadGenerator, done: Callable[[list[Sample]], bool], what: str) -> None:
    """Waits until the samples recorded so far satisfy `done`; a generous bound only turns a
    hang into a failure."""
    deadline = time.monotonic() + 30
    while not done(load.recorded()):
        assert time.monotonic() < deadline, f"no {what} within 30 s"
        time.sleep(0.01)


def _answered_by(version: str) -> Callable[[list[Sample]], bool]:
    return lambda samples: sum(s.version == version for s in samples) >= ENOUGH


def test_sigterm_after_deregistration_loses_no_request() -> None:
    with switch() as alb, service("blue") as (blue, blue_port), service("green") as (_, green_port):
        alb.register(blue_port)
        load = LoadGenerator(alb.url, rate=RATE, connections=4)
        load.start()
        _until(load, _answered_by("blue"), "answers from blue")
        alb.register(green_port)
        # Every request due from now on is sent after the switch routes to green.
        switched = load.now()
        alb.drain(blue_port)
        blue.send_signal(signal.SIGTERM)
        assert wait_exit(blue) == 0, "blue did not drain and exit 0 on SIGTERM"
        time.sleep(0.5)
        _until(load, _answered_by("green"), "answers from green")
        elapsed = load.now()
        samples = load.stop()
    assert [s for s in samples if s.failed] == []
    assert {s.version for s in samples} == {"blue", "green"}
    assert all(s.version == "green" for s in samples if s.t > switched)
    # Steady and bounded: the rate is kept, never exceeded. Counted up to `elapsed`: requests
    # due while a loaded machine is slow to reach stop() would raise the rate measured.
    assert 0.8 * RATE <= sum(s.t <= elapsed for s in samples) / elapsed <= 1.05 * RATE
    # Keep-alive, as browsers: one connection per worker for the whole run.
    assert alb.accepted == 4


def test_sigkill_without_deregistration_loses_requests_and_counts_them() -> None:
    with switch() as alb, service("blue") as (blue, blue_port), service("green") as (_, green_port):
        alb.register(blue_port)
        load = LoadGenerator(alb.url, rate=RATE, connections=4)
        load.start()
        _until(load, _answered_by("blue"), "answers from blue")
        blue.send_signal(signal.SIGKILL)
        wait_exit(blue)
        # Every request due from now on reaches a dead target until the switch moves on, as an
        # ALB sends to a task until its health checks notice.
        killed = load.now()
        _until(
            load,
            lambda samples: sum(s.failed and s.t > killed for s in samples) >= ENOUGH,
            "failed requests after the kill",
        )
        alb.register(green_port)
        _until(load, _answered_by("green"), "answers from green")
        samples = load.stop()
    failed = [s for s in samples if s.failed]
    assert len(failed) >= ENOUGH
    assert {s.status for s in failed} == {502}
    assert all(s.failed or s.version == "green" for s in samples if s.t > killed)
    assert {s.version for s in samples if not s.failed} == {"blue", "green"}


def test_connection_errors_are_recorded_not_raised() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the load starts: nothing listens
    load = LoadGenerator(f"http://127.0.0.1:{port}/", rate=50, connections=2)
    load.start()
    _until(load, lambda samples: len(samples) >= ENOUGH, "samples")
    samples = load.stop()
    assert all(s.failed and s.status is None for s in samples)
    assert all(s.error and s.error.startswith("ConnectionRefusedError") for s in samples)


class _Answer(BaseHTTPRequestHandler):
    """Answers every GET with `status`, as a service whose every request fails."""

    protocol_version = "HTTP/1.1"
    status = 200

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("X-App-Version", "broken")
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def _answering(status: int) -> Iterator[str]:
    handler = type("_AnswerStatus", (_Answer,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("status", "failed"), [(500, True), (503, True), (404, False)])
def test_every_5xx_is_a_failed_request_and_a_4xx_is_not(status: int, failed: bool) -> None:
    # The service's own 500 (the broken release's health path answers 500) fails the drill as
    # surely as the load balancer's 502; a 404 is an answer a user can act on.
    with _answering(status) as url:
        load = LoadGenerator(url, rate=50, connections=2)
        load.start()
        _until(load, lambda samples: len(samples) >= ENOUGH, "samples")
        samples = load.stop()
    assert {s.status for s in samples} == {status}
    assert all(s.failed is failed for s in samples)
