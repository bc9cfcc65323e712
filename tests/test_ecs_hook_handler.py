"""The gate as an ECS lifecycle hook, run locally against the REAL sample service.

As in test_test_traffic_gate_handlers.py: the probe requests `node service/server.js`; the
gate's EC2 and Lambda clients are Stubber-backed and fed the probe's real answers. The hook
contract (ECS developer guide, "Lambda hooks for Amazon ECS service deployments"): return
`hookStatus` SUCCEEDED or FAILED, or IN_PROGRESS with `callBackDelay`, and carry state between
invocations in `hookDetails`.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from components.lambdas.test_traffic_gate import ecs_hook, gate, probe
from tests import test_test_traffic_gate_handlers as handlers
from tests.test_test_traffic_gate_handlers import GateAws, _env

# The same fixtures: the sample service under node, and the Stubber-backed clients.
green_port = handlers.green_port
gate_aws = handlers.gate_aws

REVISION = "arn:aws:ecs:eu-west-1:123456789012:service-revision/web-cluster/web/1234"
# The event's shape (ECS developer guide, "Lambda hooks for Amazon ECS service deployments"):
# what is being deployed sits under executionDetails; hookDetails carries state between calls.
EVENT: dict[str, Any] = {
    "executionDetails": {
        "serviceArn": "arn:aws:ecs:eu-west-1:123456789012:service/web-cluster/web",
        "targetServiceRevisionArn": REVISION,
        "testTrafficWeights": {REVISION: 100},
        "productionTrafficWeights": {},
    },
    "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
}


def _round(aws: GateAws, settings: gate.Settings, port_paths_ok: bool = True) -> None:
    """Stubs one round: the ALB's addresses, then the probe invocation answered by the real
    probe against the real service (one attempt per round)."""
    one_round = dataclasses.replace(settings, attempts=1)
    event = one_round.probe_event(["10.0.1.10"])
    answer = probe.handler(event | {"targets": ["127.0.0.1"]}, None)
    assert answer["passed"] is port_paths_ok
    aws.interfaces("10.0.1.10")
    aws.invoke(event, answer)


def _run(aws: GateAws, settings: gate.Settings, event: dict[str, Any]) -> dict[str, Any]:
    return ecs_hook.run_hook(
        event,
        settings,
        lambda s: gate.check_test_traffic(
            s, ec2=aws.clients["ec2"], lambda_client=aws.clients["lambda"]
        ),
    )


def test_healthy_green_succeeds_in_one_round(gate_aws: GateAws, green_port: int) -> None:
    settings = gate.Settings.from_env(_env(green_port))
    _round(gate_aws, settings)
    assert _run(gate_aws, settings, EVENT) == {"hookStatus": "SUCCEEDED"}


def test_failing_green_is_called_back_instead_of_sleeping(
    gate_aws: GateAws, green_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = gate.Settings.from_env(_env(green_port, ("/health", "/missing")))
    assert settings.attempts == 2
    _round(gate_aws, settings, port_paths_ok=False)
    answer = _run(gate_aws, settings, EVENT)
    # interval 0.01 s rounds up: ECS takes whole seconds.
    assert answer == {
        "hookStatus": "IN_PROGRESS",
        "callBackDelay": 1,
        "hookDetails": {"testGateRounds": 1},
    }
    log = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (log["round"], log["targetServiceRevisionArn"]) == (1, REVISION)

    # ECS calls again with the hookDetails it was given: the last round fails the release.
    _round(gate_aws, settings, port_paths_ok=False)
    assert _run(gate_aws, settings, EVENT | {"hookDetails": answer["hookDetails"]}) == {
        "hookStatus": "FAILED"
    }


def test_a_green_that_recovers_on_a_later_round_succeeds(
    gate_aws: GateAws, green_port: int
) -> None:
    settings = gate.Settings.from_env(_env(green_port))
    _round(gate_aws, settings)
    event = EVENT | {"hookDetails": {"testGateRounds": 1}}
    assert _run(gate_aws, settings, event) == {"hookStatus": "SUCCEEDED"}


def test_a_broken_gate_fails_at_once_without_waiting(gate_aws: GateAws, green_port: int) -> None:
    settings = gate.Settings.from_env(_env(green_port))
    gate_aws.ec2.add_response("describe_network_interfaces", {"NetworkInterfaces": []})
    assert _run(gate_aws, settings, EVENT) == {"hookStatus": "FAILED"}


def test_broken_settings_fail_the_hook_instead_of_raising(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("PROBE_FUNCTION", "LOAD_BALANCER_ARN"):
        monkeypatch.delenv(key, raising=False)
    assert ecs_hook.handler(dict(EVENT), None) == {"hookStatus": "FAILED"}


@pytest.mark.parametrize(
    ("details", "rounds"),
    [(None, 0), ({}, 0), ({"testGateRounds": 3}, 3), ({"testGateRounds": "x"}, 0)],
)
def test_rounds_come_from_hook_details(details: Any, rounds: int) -> None:
    event = dict(EVENT) if details is None else EVENT | {"hookDetails": details}
    assert ecs_hook.rounds_done(event) == rounds


# --- on the shared test listener ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_listener() -> Iterator[int]:
    """Stands in for the runtime's test listener: it answers by `Host` as the service's test
    rule (host-header condition) would, and 404 like its default action for any other host."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            routed = self.headers.get("Host") == "orders.example.com" and self.path == "/health"
            self.send_response(200 if routed else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_on_the_shared_test_listener_the_gate_sends_the_service_host(
    gate_aws: GateAws, shared_listener: int
) -> None:
    env = _env(shared_listener) | {"HOST_HEADER": "orders.example.com"}
    settings = gate.Settings.from_env(env)
    assert settings.probe_event(["10.0.1.10"])["host"] == "orders.example.com"
    _round(gate_aws, settings)
    assert _run(gate_aws, settings, EVENT) == {"hookStatus": "SUCCEEDED"}


def test_without_the_host_the_shared_listener_answers_its_default_404(
    shared_listener: int,
) -> None:
    settings = gate.Settings.from_env(_env(shared_listener))
    assert "host" not in settings.probe_event(["127.0.0.1"])
    assert probe.handler(settings.probe_event(["127.0.0.1"]), None)["passed"] is False


def test_a_rollback_returning_test_traffic_to_blue_passes_without_a_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Hooks run again during a rollback; failing there can end in ROLLBACK_FAILED. With no
    test traffic on the target revision there is no green to judge: the gate passes at once."""
    blue = REVISION.replace("1234", "1111")
    details = EVENT["executionDetails"] | {"testTrafficWeights": {REVISION: 0, blue: 100}}

    def no_check(_settings: gate.Settings) -> dict[str, Any]:
        raise AssertionError("the gate must not probe during a rollback")

    settings = gate.Settings.from_env(_env(8080))
    answer = ecs_hook.run_hook(EVENT | {"executionDetails": details}, settings, no_check)
    assert answer == {"hookStatus": "SUCCEEDED"}
    assert json.loads(capsys.readouterr().out.strip())["rollback"] is True
