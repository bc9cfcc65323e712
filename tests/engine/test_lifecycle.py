"""The engine tier: the dev stack's whole life on the real Pulumi CLI (see test_engine.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.support import (
    CLI,
    ENABLED,
    SKIP_REASON,
    by_op,
    document,
    operations,
    pulumi,
    type_of,
    up,
)

pytestmark = [pytest.mark.skipif(CLI is None or not ENABLED, reason=SKIP_REASON), pytest.mark.long]

RELEASE = "pulumi-python:dynamic:Resource"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def test_dev_lifecycle(tmp_path: Path) -> None:
    """up; a preview with no changes; appVersion released in place; a broken release fails
    `pulumi up` with the rollback in its output; destroy in dependency order."""
    state = tmp_path / "state"
    first = up(state, "dev")
    assert first.code == 0, first.output
    assert "codedeploy" in first.output.lower()

    # The policy pack in the analyzer host passes our stack, and nothing changes after up.
    again = pulumi(
        state, "preview", "--stack", "dev", "--expect-no-changes", "--policy-pack", "policies"
    )
    assert again.code == 0, again.output
    assert "ecs-blue-green" in again.output.lower(), again.output

    # appVersion: a new task definition revision, released in place by the release resource.
    released = up(
        state,
        "dev",
        "--config",
        "ecs-blue-green:appVersion=v2",
        "--json",
    )
    assert released.code == 0, released.output
    started = operations(released.events())
    # The program reads its own last outputs before any other step of its starts, and after
    # the refresh (Pulumi.yaml: refresh always) has ended: no checkpoint write meets the read
    # (components/previous_run.py).
    refreshes = [i for i, (op, _) in enumerate(started) if op == "refresh"]
    program = [(op, type_of(urn)) for op, urn in started if op != "refresh"]
    assert refreshes == list(range(len(refreshes))), started
    assert program[:2] == [("same", "pulumi:pulumi:Stack"), ("read", STACK_REFERENCE)], program
    assert [t for _, t in program].count(STACK_REFERENCE) == 1, program
    plan = by_op(started)
    assert plan["update"] == {RELEASE}, plan
    assert plan["create-replacement"] == {TASK_DEFINITION}, plan
    assert "delete" not in plan, plan
    assert any("d-0002" in json.dumps(event) for event in released.events())

    broken = up(
        state,
        "dev",
        "--config",
        "ecs-blue-green:appVersion=v3",
        env={"OFFLINE_RELEASE_FAILS": "1"},
    )
    assert broken.code != 0, broken.output
    assert "roll" in broken.output.lower(), broken.output

    exported = pulumi(state, "stack", "export", "--stack", "dev")
    resources = document(exported)["deployment"]["resources"]
    destroyed = pulumi(state, "destroy", "--stack", "dev", "--yes", "--skip-preview", "--json")
    assert destroyed.code == 0, destroyed.output
    order = [urn for op, urn in operations(destroyed.events()) if op == "delete"]
    position = {urn: i for i, urn in enumerate(order)}
    checked = 0
    for resource in resources:
        for dependency in resource.get("dependencies") or []:
            if resource["urn"] in position and dependency in position:
                assert position[resource["urn"]] < position[dependency], (
                    resource["urn"],
                    dependency,
                )
                checked += 1
    assert checked > 20, order
