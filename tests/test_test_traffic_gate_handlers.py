"""The gate's two Lambda handlers, run locally.

The probe talks to the REAL sample service (`node service/server.js`, bound to a free port) for
the healthy and 404 cases, and to a small stdlib server for what the sample service never does
(a 500, a redirect, a flaky start, a hang). The gate runs with Stubber-backed codedeploy, ec2
and lambda clients, fed with the probe's real results.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.response import StreamingBody
from botocore.stub import Stubber

from components.lambdas.test_traffic_gate import gate, probe
from tests.harness import ROOT

pytestmark = pytest.mark.long

# One botocore session for all stubbed clients: it caches the service models.
BOTOCORE = botocore.session.get_session()
LB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
PROBE_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:web-test-gate-probe-1a2b3c4"
HOOK_EVENT = {"DeploymentId": "d-NEW", "LifecycleEventHookExecutionId": "hook-execution-1"}


@pytest.fixture(scope="module")
def green_port() -> Iterator[int]:
    """The sample service, started as its container starts it, on a free port."""
    node = shutil.which("node")
    assert node, "node is not on PATH"
    process = subprocess.Popen(
        [node, "server.js"],
        cwd=ROOT / "service",
        env={**os.environ, "PORT": "0", "APP_VERSION": "green"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = None
        deadline = time.monotonic() + 15
        while port is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if "listening on port" in line:
                port = int(line.rsplit(" ", 1)[1])
        assert port, f"service did not start: {process.stderr.read() if process.stderr else ''}"
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


@dataclass
class Odd:
    """A server for answers the sample service never gives; counts the requests per path."""

    port: int
    hits: Counter[str] = field(default_factory=Counter)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture(scope="module")
def odd() -> Iterator[Odd]:
    state = Odd(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] += 1
            if self.path == "/hang":
                state.release.wait(10)
                return
            if self.path == "/flaky":
                status = 503 if state.hits[self.path] == 1 else 200
            elif self.path == "/redirect":
                status = 302
            elif self.path.startswith("/status/"):
                status = int(self.path.rsplit("/", 1)[1])
            else:
                status = 200
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


def _probe(port: int, paths: list[str], **kwargs: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "targets": ["127.0.0.1"],
        "port": port,
        "paths": paths,
        "attempts": 3,
        "interval_seconds": 0.01,
        "timeout_seconds": 2,
    } | kwargs
    return probe.probe(**settings)


# --- probe --------------------------------------------------------------------------------------


def test_healthy_green_passes_on_every_alb_address(green_port: int) -> None:
    # The sample service listens on every interface: two loopback addresses stand in for two
    # ALB nodes.
    result = _probe(green_port, ["/health", "/"], targets=["127.0.0.1", "127.0.0.2"])

    assert result["passed"] is True
    assert result["attempts_used"] == 1
    assert [(c["target"], c["path"], c["status"]) for c in result["checks"]] == [
        ("127.0.0.1", "/health", 200),
        ("127.0.0.1", "/", 200),
        ("127.0.0.2", "/health", 200),
        ("127.0.0.2", "/", 200),
    ]


def test_a_missing_route_fails_after_every_attempt(green_port: int) -> None:
    sleeps: list[float] = []

    result = _probe(green_port, ["/health", "/missing"], sleep=sleeps.append)

    assert result["passed"] is False
    assert result["attempts_used"] == 3
    assert sleeps == [0.01, 0.01]
    by_path = {c["path"]: c for c in result["checks"]}
    assert by_path["/health"]["passed"] is True
    assert (by_path["/missing"]["status"], by_path["/missing"]["passed"]) == (404, False)


def test_only_failing_pairs_are_retried_and_a_late_success_passes(odd: Odd) -> None:
    odd.hits.clear()

    result = _probe(odd.port, ["/ok", "/flaky"])

    assert result["passed"] is True
    assert result["attempts_used"] == 2
    assert odd.hits == Counter({"/ok": 1, "/flaky": 2})


@pytest.mark.parametrize(("path", "status"), [("/status/500", 500), ("/redirect", 302)])
def test_non_2xx_answers_fail_and_redirects_are_not_followed(
    odd: Odd, path: str, status: int
) -> None:
    odd.hits.clear()

    result = _probe(odd.port, [path], attempts=1)

    assert result["passed"] is False
    assert result["checks"][0]["status"] == status
    assert "/ok" not in odd.hits


def test_a_hanging_green_fails_within_the_request_timeout(odd: Odd) -> None:
    started = time.monotonic()

    result = _probe(odd.port, ["/hang"], attempts=2, timeout_seconds=0.3)

    assert result["passed"] is False
    assert result["checks"][0]["status"] is None
    assert "timed out" in result["checks"][0]["error"]
    assert time.monotonic() - started < 2


def test_an_unreachable_address_fails_the_probe(odd: Odd) -> None:
    # The stdlib server listens on 127.0.0.1 only, so 127.0.0.2 refuses: one bad ALB node fails
    # the whole check.
    result = _probe(odd.port, ["/ok"], targets=["127.0.0.1", "127.0.0.2"], attempts=1)

    assert result["passed"] is False
    passed = {c["target"]: c["passed"] for c in result["checks"]}
    assert passed == {"127.0.0.1": True, "127.0.0.2": False}
    assert "ConnectionRefusedError" in result["checks"][1]["error"]


def test_nothing_to_check_is_a_failure_not_a_pass() -> None:
    assert _probe(1, [], attempts=1)["passed"] is False
    assert _probe(1, ["/health"], targets=[])["passed"] is False


def test_probe_handler_reads_the_gate_event(
    green_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    event = gate.Settings.from_env(_env(green_port)).probe_event(["127.0.0.1"])

    result = probe.handler(event, None)

    assert result["passed"] is True
    assert json.loads(capsys.readouterr().out) == result


# --- gate ---------------------------------------------------------------------------------------


@dataclass
class GateAws:
    codedeploy: Stubber
    ec2: Stubber
    lambda_: Stubber
    clients: dict[str, Any]

    def interfaces(self, *addresses: str) -> None:
        self.ec2.add_response(
            "describe_network_interfaces",
            {"NetworkInterfaces": [{"PrivateIpAddress": address} for address in addresses]},
            {"Filters": [{"Name": "description", "Values": ["ELB app/web/50dc6c495c0c9188"]}]},
        )

    def invoke(
        self, event: dict[str, Any], payload: Any, function_error: str | None = None
    ) -> None:
        body = json.dumps(payload).encode()
        response: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": StreamingBody(io.BytesIO(body), len(body)),
        }
        if function_error:
            response["FunctionError"] = function_error
        self.lambda_.add_response(
            "invoke",
            response,
            {
                "FunctionName": PROBE_ARN,
                "InvocationType": "RequestResponse",
                "Payload": json.dumps(event).encode(),
            },
        )

    def report(self, status: str) -> None:
        self.codedeploy.add_response(
            "put_lifecycle_event_hook_execution_status",
            {"lifecycleEventHookExecutionId": "hook-execution-1"},
            {
                "deploymentId": "d-NEW",
                "lifecycleEventHookExecutionId": "hook-execution-1",
                "status": status,
            },
        )

    def run(self, settings: gate.Settings) -> dict[str, Any]:
        return gate.run_gate(
            HOOK_EVENT,
            codedeploy=self.clients["codedeploy"],
            check=lambda: gate.check_test_traffic(
                settings, ec2=self.clients["ec2"], lambda_client=self.clients["lambda"]
            ),
        )


@pytest.fixture
def gate_aws() -> Iterator[GateAws]:
    clients = {
        service: BOTOCORE.create_client(
            service,
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for service in ("codedeploy", "ec2", "lambda")
    }
    with (
        Stubber(clients["codedeploy"]) as codedeploy,
        Stubber(clients["ec2"]) as ec2,
        Stubber(clients["lambda"]) as lambda_,
    ):
        yield GateAws(codedeploy, ec2, lambda_, clients)
        for stubber in (codedeploy, ec2, lambda_):
            stubber.assert_no_pending_responses()


def _env(port: int, paths: tuple[str, ...] = ("/health",)) -> dict[str, str]:
    return {
        "PROBE_FUNCTION": PROBE_ARN,
        "PROBE_TIMEOUT_SECONDS": "53",
        "LOAD_BALANCER_ARN": LB_ARN,
        "TEST_LISTENER_PORT": str(port),
        "PATHS": json.dumps(list(paths)),
        "ATTEMPTS": "2",
        "INTERVAL_SECONDS": "0.01",
        "TIMEOUT_SECONDS": "2",
    }


def test_gate_reports_succeeded_for_a_healthy_green(gate_aws: GateAws, green_port: int) -> None:
    settings = gate.Settings.from_env(_env(green_port))
    event = settings.probe_event(["10.0.1.10", "10.0.2.10"])
    # What the probe in the VPC would answer, produced by the real probe against the service.
    answer = probe.handler(event | {"targets": ["127.0.0.1", "127.0.0.2"]}, None)
    gate_aws.interfaces("10.0.2.10", "10.0.1.10")
    gate_aws.invoke(event, answer)
    gate_aws.report("Succeeded")

    report = gate_aws.run(settings)

    assert report["status"] == "Succeeded"
    assert report["deploymentId"] == "d-NEW"


def test_gate_reports_failed_for_a_missing_route(gate_aws: GateAws, green_port: int) -> None:
    settings = gate.Settings.from_env(_env(green_port, ("/health", "/missing")))
    event = settings.probe_event(["10.0.1.10"])
    answer = probe.handler(event | {"targets": ["127.0.0.1"]}, None)
    gate_aws.interfaces("10.0.1.10")
    gate_aws.invoke(event, answer)
    gate_aws.report("Failed")

    report = gate_aws.run(settings)

    assert report["status"] == "Failed"
    assert {c["path"]: c["status"] for c in report["checks"]} == {"/health": 200, "/missing": 404}


def test_gate_reports_failed_when_the_probe_crashes(gate_aws: GateAws) -> None:
    settings = gate.Settings.from_env(_env(8080))
    event = settings.probe_event(["10.0.1.10"])
    gate_aws.interfaces("10.0.1.10")
    gate_aws.invoke(
        event,
        {"errorMessage": "Task timed out after 53.00 seconds", "errorType": "Sandbox.Timedout"},
        function_error="Unhandled",
    )
    gate_aws.report("Failed")

    report = gate_aws.run(settings)

    assert report["status"] == "Failed"
    assert "Task timed out after 53.00 seconds" in report["error"]


def test_gate_reports_failed_when_the_alb_has_no_interfaces(gate_aws: GateAws) -> None:
    gate_aws.interfaces()
    gate_aws.report("Failed")

    report = gate_aws.run(gate.Settings.from_env(_env(8080)))

    assert report["error"] == (
        "GateError: no network interfaces described 'ELB app/web/50dc6c495c0c9188'"
    )


def test_gate_reports_failed_even_when_its_settings_are_broken(
    gate_aws: GateAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Session:
        def client(self, service: str, config: object = None) -> Any:
            return gate_aws.clients[service]

    monkeypatch.setattr(gate.boto3.session, "Session", Session)
    monkeypatch.delenv("PROBE_FUNCTION", raising=False)
    gate_aws.report("Failed")

    report = gate.handler(dict(HOOK_EVENT), None)

    assert report["status"] == "Failed"
    assert report["error"] == "KeyError: 'PROBE_FUNCTION'"


def test_eni_description_accepts_only_application_load_balancers() -> None:
    assert gate.eni_description(LB_ARN) == "ELB app/web/50dc6c495c0c9188"
    with pytest.raises(gate.GateError, match="not an Application Load Balancer ARN"):
        gate.eni_description(LB_ARN.replace("/app/", "/net/"))


# --- a gate that always reports -----------------------------------------------------------------


@dataclass
class Context:
    """The Lambda context's clock: `remaining` seconds when the handler starts."""

    remaining: float
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int((self.remaining - (time.monotonic() - self.started)) * 1000)


def test_gate_reports_failed_with_what_it_saw_when_ec2_hangs(
    gate_aws: GateAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    hang = threading.Event()

    def slow_ec2(**_: Any) -> None:
        hang.wait(10)  # EC2 answers nothing while the gate's time runs out
        raise ReadTimeoutError(endpoint_url="https://ec2.eu-west-1.amazonaws.com/")

    gate_aws.clients["ec2"].meta.events.register_first(
        "provide-client-params.ec2.DescribeNetworkInterfaces", slow_ec2
    )

    class Session:
        def client(self, service: str, config: object = None) -> Any:
            return gate_aws.clients[service]

    monkeypatch.setattr(gate.boto3.session, "Session", Session)
    for key, value in _env(8080).items():
        monkeypatch.setenv(key, value)
    gate_aws.report("Failed")
    started = time.monotonic()

    try:
        report = gate.handler(dict(HOOK_EVENT), Context(remaining=1.5), reserve_seconds=1.0)
    finally:
        hang.set()

    # Reported at the reserve, well before Lambda would stop the function.
    assert time.monotonic() - started < 1.4
    assert report["status"] == "Failed"
    assert report["error"].startswith("the check did not finish within 0.5 s")
    assert "looking up the ALB's private addresses" in report["error"]
    # The abandoned check ends once EC2 answers (its traceback goes to the function's log, and
    # here to this test's captured output, not to the terminal after the test).
    for worker in [t for t in threading.enumerate() if t.name == "test-traffic-check"]:
        worker.join(5)
        assert not worker.is_alive()


def test_every_gate_client_is_bounded() -> None:
    session = gate.boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    clients = gate.gate_clients(session, probe_timeout_seconds=53)
    for service, (read_timeout, attempts) in {"ec2": (3, 2), "lambda": (58, 1)}.items():
        config = clients[service].meta.config
        assert (config.connect_timeout, config.read_timeout) == (2, read_timeout), service
        assert config.retries["total_max_attempts"] == attempts, service
    assert gate.QUICK_CALL_CONFIG.read_timeout + gate.QUICK_CALL_CONFIG.connect_timeout <= (
        gate.REPORT_RESERVE_SECONDS / 2
    )


def test_a_throttled_probe_invoke_is_retried_within_the_gates_time(gate_aws: GateAws) -> None:
    settings = gate.Settings.from_env(_env(8080))
    event = settings.probe_event(["10.0.1.10"])
    gate_aws.interfaces("10.0.1.10")
    gate_aws.lambda_.add_client_error(
        "invoke", "TooManyRequestsException", "Rate exceeded", http_status_code=429
    )
    gate_aws.invoke(event, {"passed": True, "attempts_used": 1, "checks": []})
    sleeps: list[float] = []

    result = gate.check_test_traffic(
        settings,
        ec2=gate_aws.clients["ec2"],
        lambda_client=gate_aws.clients["lambda"],
        deadline=time.monotonic() + 120,
        sleep=sleeps.append,
    )

    assert result["passed"] is True
    assert sleeps == [1.0]


def test_a_throttled_invoke_is_not_retried_past_the_gates_time(gate_aws: GateAws) -> None:
    settings = gate.Settings.from_env(_env(8080))
    gate_aws.interfaces("10.0.1.10")
    gate_aws.lambda_.add_client_error(
        "invoke", "TooManyRequestsException", "Rate exceeded", http_status_code=429
    )

    with pytest.raises(gate.GateError, match="no time left for another whole probe run"):
        gate.check_test_traffic(
            settings,
            ec2=gate_aws.clients["ec2"],
            lambda_client=gate_aws.clients["lambda"],
            deadline=time.monotonic() + 30,  # less than one probe run (53 s)
        )


def test_a_trickling_green_fails_within_the_whole_request_timeout() -> None:
    """A server that sends its answer a byte every 0.2 s: each socket read succeeds, so only a
    bound on the whole request stops the probe from waiting for all of it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(1024)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Padding: " + b"x" * 100:
                if stop.wait(0.2):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        result = _probe(listener.getsockname()[1], ["/health"], attempts=1, timeout_seconds=1)
    finally:
        stop.set()
        listener.close()

    assert time.monotonic() - started < 2
    assert result["passed"] is False
    assert "timed out" in result["checks"][0]["error"]
