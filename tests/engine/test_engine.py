"""The engine tier: the real Pulumi CLI on our programs, with the modelled providers.

What mocks cannot show: the engine's own plan (steps, replacements, ordering), config checked
against Pulumi.yaml, StackReferences between real stacks, the dynamic release provider in its
own process against a CodeDeploy endpoint, the policy pack in the analyzer host, exit codes.
Skipped when no CLI is there (scripts/test says so in one line). The dev stack's lifecycle, the
longest of the tier, is in test_lifecycle.py, so that another worker runs it beside these.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.support import (
    CLI,
    ENABLED,
    ROOT,
    SKIP_REASON,
    by_op,
    document,
    operations,
    pulumi,
    steps,
    type_of,
    up,
)

pytestmark = [pytest.mark.skipif(CLI is None or not ENABLED, reason=SKIP_REASON), pytest.mark.long]

ROLLING = ROOT / "tests" / "engine" / "programs" / "rolling"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_staging_and_prod_preview_and_up(tmp_path: Path, stack: str) -> None:
    # A preview of a new stack: every output unknown, the path a first `pulumi preview` takes.
    state = tmp_path / "state"
    previewed = {step["op"] for step in steps(state, "--stack", stack).values()}
    assert previewed == {"create", "read"}, previewed  # read: the identity guard's reference
    created = up(state, stack, "--json")
    assert created.code == 0, created.output
    assert set(by_op(operations(created.events()))) == previewed


def test_policy_pack_flags_a_rolling_service(tmp_path: Path) -> None:
    result = pulumi(
        tmp_path / "state",
        "preview",
        "--stack",
        "dev",
        "--policy-pack",
        str(ROOT / "policies"),
        project=ROLLING,
    )
    assert result.code != 0, result.output
    assert "a rolling update" in result.output, result.output


def test_a_service_attached_to_the_shared_runtime_through_a_stack_reference(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    runtime = up(state, "dev", project=ROOT / "platform" / "runtime")
    assert runtime.code == 0, runtime.output
    outputs = pulumi(
        state, "stack", "output", "--json", "--stack", "dev", project=ROOT / "platform" / "runtime"
    )
    listener = document(outputs)["productionListenerArn"]
    attached = [
        "--config",
        "ecs-blue-green:sharedStack=organization/ecs-blue-green-runtime/dev",
        "--config",
        "ecs-blue-green:deploymentController=ECS",
        "--config-path",
        "--config",
        "ecs-blue-green:hostHeaders[0]=api.example.com",
        "--config",
        "ecs-blue-green:imageUri=123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v2",
    ]
    # A preview: the reference is read and the rules planned on the runtime's listener. (An
    # `up` would also run the ECS deployment check, which the local endpoint does not serve.)
    planned = steps(state, "--stack", "dev", *attached)
    rules = [
        step["newState"]["inputs"]
        for urn, step in planned.items()
        if type_of(urn) == "aws:lb/listenerRule:ListenerRule"
    ]
    assert listener in {rule.get("listenerArn") for rule in rules}, rules
    assert not [
        urn
        for urn in planned
        if type_of(urn) in ("awsx:ec2:Vpc", "aws:lb/loadBalancer:LoadBalancer")
    ]
