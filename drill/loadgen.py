"""A steady, bounded load of GET requests over keep-alive connections, every response recorded.

Standard library only (`http.client` over a small pool of persistent connections): the drill
needs exact control of the request rate, the connection reuse a browser does, and one record
per request including connection errors. Load tools (locust, k6) bring their own runners and
reports, and async clients (aiohttp, httpx) add a dependency to do what a few threads do at
20 requests per second.
"""

from __future__ import annotations

import http.client
import queue
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

VERSION_HEADER = "X-App-Version"


@dataclass(frozen=True)
class Sample:
    """One request: when it was due, how it ended."""

    t: float
    """Seconds from the load's start to when the request was due."""
    latency: float
    """Seconds from sending to the end of the response (or the error)."""
    status: int | None
    """HTTP status; None when the connection failed."""
    version: str | None
    """The X-App-Version header of the response."""
    error: str | None
    """The connection error (`ConnectionRefusedError: ...`), if any."""

    @property
    def failed(self) -> bool:
        """A user would have seen an error: no response, or a 5xx."""
        return self.status is None or self.status >= 500


class LoadGenerator:
    """Sends `rate` requests per second to `url`, spread over `connections` keep-alive
    connections that are reused as long as the server keeps them open (as browsers do).

    A request that finds every connection busy waits for the next free one: the rate is an
    upper bound, never exceeded to catch up, so a slow server is not flooded.
    """

    def __init__(
        self,
        url: str,
        *,
        rate: float = 20.0,
        connections: int = 4,
        timeout: float = 5.0,
    ) -> None:
        if rate <= 0 or connections < 1:
            raise ValueError("rate must be > 0 and connections >= 1")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url: {url!r} is not an http(s) URL")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.rate = rate
        self.connections = connections
        self.timeout = timeout
        self.samples: list[Sample] = []
        self._lock = threading.Lock()
        self._due: queue.Queue[float | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.started = 0.0

    def now(self) -> float:
        """Seconds since the load started, on the clock the samples use."""
        return time.monotonic() - self.started

    def start(self) -> None:
        self.started = time.monotonic()
        self._threads = [
            threading.Thread(target=self._worker, name=f"load-{i}", daemon=True)
            for i in range(self.connections)
        ]
        self._threads.append(threading.Thread(target=self._schedule, name="load", daemon=True))
        for thread in self._threads:
            thread.start()

    def recorded(self) -> list[Sample]:
        """The samples recorded so far, in the order their requests ended."""
        with self._lock:
            return list(self.samples)

    def stop(self) -> list[Sample]:
        """Stops scheduling, lets requests in flight finish, returns the samples by time."""
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 1)
        with self._lock:
            return sorted(self.samples, key=lambda s: s.t)

    def _schedule(self) -> None:
        interval = 1.0 / self.rate
        n = 0
        while not self._stop.is_set():
            due = n * interval
            delay = due - self.now()
            if delay > 0 and self._stop.wait(delay):
                break
            self._due.put(due)
            n += 1
        for _ in range(self.connections):
            self._due.put(None)

    def _connect(self) -> http.client.HTTPConnection:
        if self._scheme == "https":
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout)
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _worker(self) -> None:
        connection: http.client.HTTPConnection | None = None
        while (due := self._due.get()) is not None:
            if connection is None:
                connection = self._connect()
            sample, reusable = self._request(connection, due)
            if not reusable:
                connection.close()
                connection = None
            with self._lock:
                self.samples.append(sample)
        if connection is not None:
            connection.close()

    def _request(self, connection: http.client.HTTPConnection, due: float) -> tuple[Sample, bool]:
        """One GET; returns its sample and whether the connection may carry the next one."""
        sent = time.monotonic()
        try:
            connection.request("GET", self._path, headers={"Connection": "keep-alive"})
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            # No retry: a browser may retry an idempotent GET, but a drill that hid a reset
            # connection would prove less than it claims.
            error_text = f"{type(error).__name__}: {error}"
            return Sample(due, time.monotonic() - sent, None, None, error_text), False
        sample = Sample(
            due, time.monotonic() - sent, response.status, response.getheader(VERSION_HEADER), None
        )
        # A server that announced it will close gets a new connection for the next request,
        # as a browser opens one, instead of a write to a dead socket.
        return sample, not response.will_close
