"""The stack reads its own last outputs once, before it registers anything else.

During `pulumi up` the engine rewrites the stack's checkpoint after each step, and a read of it
that meets a file backend's rewrite fails with "failed to load checkpoint: EOF"
(components/previous_run.py). So every read of the stack's own outputs must be over before any
other registration starts: then no step runs beside it.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import pytest
from pulumi.runtime import rpc

import tests.harness
from components.release.ecs.controller import CODE_DEPLOY_OUTPUT
from tests.harness import RecordingMonitor, StackRun, run_main, stack_config

#: The stack the runs are (the organisation is whatever the mocks say).
OWN_STACK = "/ecs-blue-green/dev"
REFERENCE = "pulumi:pulumi:StackReference"


class OrderMonitor(RecordingMonitor):
    """Keeps when each registration starts and ends, in the order the program sends them."""

    events: ClassVar[list[tuple[str, str, str, bool]]] = []  # (start|end, type, name, own read)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        with _LOCK:
            OrderMonitor.events.append(("start", request.type, request.name, False))
        return super().RegisterResource(request)

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        """A StackReference is a read (the engine's Read step), not a registration."""
        own = request.type == REFERENCE and str(
            rpc.deserialize_properties(request.properties).get("name", "")
        ).endswith(OWN_STACK)
        with _LOCK:
            OrderMonitor.events.append(("start", request.type, request.name, own))
        response = super().ReadResource(request)
        with _LOCK:
            OrderMonitor.events.append(("end", request.type, request.name, own))
        return response


_LOCK = threading.Lock()


def _run(monkeypatch: pytest.MonkeyPatch, previous: dict[str, Any], **settings: Any) -> StackRun:
    OrderMonitor.events = []
    monkeypatch.setattr(tests.harness, "RecordingMonitor", OrderMonitor)
    config = stack_config("dev") | {f"ecs-blue-green:{k}": v for k, v in settings.items()}
    return run_main(config, previous_outputs=previous)


def _started_before_the_last_read() -> list[str]:
    """Registrations (other than the root stack and the reads themselves) that had started
    when the last read of the stack's own outputs ended."""
    events = OrderMonitor.events
    ends = [i for i, (what, _, _, own) in enumerate(events) if what == "end" and own]
    assert ends, "the program never read its own stack"
    return [
        f"{typ} {name}"
        for what, typ, name, own in events[: ends[-1]]
        if what == "start" and not own and typ != "pulumi:pulumi:Stack"
    ]


@pytest.mark.parametrize(
    ("settings", "previous"),
    [
        ({}, {}),
        ({"deploymentController": "ECS"}, {}),
        # The run that moves a CODE_DEPLOY stack to ECS reads codedeployApplication.
        ({"deploymentController": "ECS"}, {CODE_DEPLOY_OUTPUT: "web-app"}),
    ],
)
def test_the_stack_reads_its_own_outputs_before_registering_anything(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any], previous: dict[str, Any]
) -> None:
    run = _run(monkeypatch, previous, **settings)
    assert _started_before_the_last_read() == []
    own_reads = [e for e in OrderMonitor.events if e[0] == "start" and e[3]]
    assert len(own_reads) == 1, own_reads
    assert len(run.registrations) > 20  # the rest of the stack came after the read


def test_the_read_decides_the_controller_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the single read returns reaches the ECS controller: a stack that released with
    CodeDeploy last time sends the whole target-group pair (ignores nothing) this time."""
    service = "aws:ecs/service:Service"
    switching = _run(monkeypatch, {CODE_DEPLOY_OUTPUT: "web-app"}, deploymentController="ECS")
    staying = _run(monkeypatch, {CODE_DEPLOY_OUTPUT: None}, deploymentController="ECS")
    assert switching.one(service).ignore_changes == []
    assert staying.one(service).ignore_changes != []
