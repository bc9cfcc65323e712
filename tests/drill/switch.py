"""A small local stand-in for the ALB, and the real sample service under node, for the drill's
offline tests. Loopback only.

Like an ALB, the switch ends the client's keep-alive connections itself and forwards each
request to the one registered target over its own connections; a target that fails answers
502. Moving to a new target first stops sending new requests to the old one and waits for its
requests in flight (the deregistration delay); only then is the old one stopped, as ECS stops
a task only after the load balancer has deregistered it.
"""

from __future__ import annotations

import http.client
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SERVICE_DIR = Path(__file__).resolve().parents[2] / "service"


class Switch(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.target: int | None = None
        self.in_flight: Counter[int] = Counter()
        self.accepted = 0
        self.condition = threading.Condition()
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def process_request(self, request: Any, client_address: Any) -> None:
        self.accepted += 1
        super().process_request(request, client_address)

    def start(self) -> Switch:
        self._thread.start()
        return self

    def close(self) -> None:
        self.shutdown()
        self.server_close()

    def register(self, port: int) -> int | None:
        """Routes every new request to `port`; returns the previous target."""
        with self.condition:
            previous, self.target = self.target, port
            return previous

    def drain(self, port: int, timeout: float = 5.0) -> None:
        """Waits until no request to `port` is in flight (the deregistration delay)."""
        with self.condition:
            assert self.condition.wait_for(lambda: self.in_flight[port] == 0, timeout)


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive with the client, as an ALB
    server: Switch
    _backends = threading.local()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the load generator records every request."""

    def do_GET(self) -> None:
        with self.server.condition:
            port = self.server.target
            assert port is not None
            self.server.in_flight[port] += 1
        try:
            status, headers, body = self._forward(port)
        finally:
            with self.server.condition:
                self.server.in_flight[port] -= 1
                self.server.condition.notify_all()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self, port: int) -> tuple[int, dict[str, str], bytes]:
        connections: dict[int, http.client.HTTPConnection] = getattr(
            self._backends, "connections", {}
        )
        self._backends.connections = connections
        connection = connections.pop(port, None) or http.client.HTTPConnection(
            "127.0.0.1", port, timeout=5
        )
        try:
            connection.request("GET", self.path)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            return 502, {"Content-Type": "text/plain"}, b"502 Bad Gateway"
        if not response.will_close:
            connections[port] = connection
        headers = {
            name: value
            for name in ("Content-Type", "X-App-Version")
            if (value := response.getheader(name)) is not None
        }
        return response.status, headers, body


@contextmanager
def switch() -> Iterator[Switch]:
    server = Switch().start()
    try:
        yield server
    finally:
        server.close()


@contextmanager
def service(version: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """The real sample service (`node server.js`) on a free loopback port."""
    node = shutil.which("node")
    assert node, "node is not on PATH"
    process = subprocess.Popen(
        [node, "server.js"],
        cwd=SERVICE_DIR,
        env={"PATH": "/usr/bin:/bin", "PORT": "0", "APP_VERSION": version},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening on port "), f"service did not start: {line}"
        yield process, int(line.rsplit(" ", 1)[1])
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=5)


def wait_exit(process: subprocess.Popen[str], timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.returncode is not None, "the service did not exit"
    return process.returncode
