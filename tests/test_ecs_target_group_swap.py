"""ECS's target-group swap over three consecutive releases, through the engine, the bridged
provider and ECS, with the service inputs and ignoreChanges the component really registers.

Each piece of the model cites what it encodes:

- ECS: after a successful blue/green release the service's production target group is the one
  that was the alternate, and the old production group becomes the alternate (ECS developer
  guide, "Amazon ECS blue/green service deployments workflow": green becomes production at
  completion; terraform-provider-aws#45678: DescribeServices shows the swapped pair, and a
  deployment sent the original pair does not alternate). An UpdateService that names the other
  pair tells ECS to route production to the group it just drained: that is the fight.
- The provider (terraform-provider-aws `internal/service/ecs/service.go`): Update sends
  `LoadBalancers` only when `d.HasChange("load_balancer")`, waits for the deployment
  (`wait_for_steady_state`), then Reads; Read stores DescribeServices' `loadBalancers`
  (`flattenServiceLoadBalancers`, advanced configuration included).
- The bridge (pulumi-terraform-bridge v3): Diff compares the engine's inputs with the prior
  *state*; `load_balancer` is a Terraform set keyed by a hash of the whole element, and
  ignoreChanges only drops the ignored attributes' own keys (`pkg/tfbridge/diff.go`
  computeIgnoreChanges, `pkg/tfshim/sdk-v2` processIgnoreChanges), so an element that differs
  anywhere is planned (and sent) whole. Refresh re-extracts the inputs it already has from the
  new outputs (`ExtractInputsFromOutputs` with isRefresh).
- The engine (Pulumi): an ignored path takes its value from the resource's last *inputs*, and
  is deleted from the new inputs when the last inputs lack it (`processIgnoreChanges` in the
  step generator, `PropertyPath.Reset` in sdk/go/common/resource/properties_path.go). Pulumi.yaml's
  `options.refresh: always` runs the refresh before every update (Pulumi project file reference).
- The provider's schema: `advanced_configuration.alternate_target_group_arn` is Required, so an
  advanced configuration without it is refused before any call.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.ecs_service import IGNORED_BY_CONTROLLER
from tests.harness import StackRun, run_main, stack_config

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "aws:ecs/service:Service"


class FightError(AssertionError):
    """UpdateService named a target-group pair other than the one ECS holds."""


class MissingAlternateError(AssertionError):
    """The provider refuses an advanced configuration without its alternate target group."""


@dataclass
class Ecs:
    """The service as ECS holds it: one load-balancer binding."""

    binding: dict[str, Any]
    task_definition: str
    releases: int = 0

    def describe(self) -> dict[str, Any]:
        return {
            "loadBalancers": [copy.deepcopy(self.binding)],
            "taskDefinition": self.task_definition,
        }

    def update_service(
        self, load_balancers: list[dict[str, Any]] | None, task_definition: str
    ) -> None:
        if load_balancers is not None:
            [sent] = load_balancers
            if _pair(sent) != _pair(self.binding):
                raise FightError(
                    f"release {self.releases + 1} sent {_pair(sent)} while ECS holds "
                    f"{_pair(self.binding)}"
                )
            self.binding = copy.deepcopy(sent)
        self.task_definition = task_definition
        self.releases += 1
        # The release succeeds: green serves production, the old production group waits.
        advanced = self.binding["advancedConfiguration"]
        self.binding["targetGroupArn"], advanced["alternateTargetGroupArn"] = (
            advanced["alternateTargetGroupArn"],
            self.binding["targetGroupArn"],
        )


def _pair(binding: dict[str, Any]) -> tuple[str, str]:
    return binding["targetGroupArn"], binding["advancedConfiguration"]["alternateTargetGroupArn"]


def _path(path: str) -> list[str | int]:
    return [
        int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"\[\d+\]|[^.\[\]]+", path)
    ]


def _reset(old: Any, new: Any, path: list[str | int]) -> None:
    """The engine's ignoreChanges for one path: the old value, or deleted when old has none."""
    for key in path[:-1]:
        old = old.get(key) if isinstance(old, dict) else (old[key] if old else None)
        new = new[key]
    leaf = path[-1]
    if isinstance(old, dict) and leaf in old:
        new[leaf] = copy.deepcopy(old[leaf])
    else:
        new.pop(leaf, None)


@dataclass
class Stack:
    """The service's entry in the stack's state: last inputs and outputs."""

    inputs: dict[str, Any]
    outputs: dict[str, Any]
    sent: list[list[dict[str, Any]] | None] = field(default_factory=list)

    def up(self, program: dict[str, Any], ignore: list[str], ecs: Ecs, *, refresh: bool) -> None:
        if refresh:
            self.outputs = ecs.describe()
            self.inputs = {key: copy.deepcopy(self.outputs[key]) for key in self.inputs}
        news = copy.deepcopy(program)
        for path in map(_path, ignore):
            _reset(self.inputs, news, path)
        for binding in news["loadBalancers"]:
            if "alternateTargetGroupArn" not in binding.get("advancedConfiguration", {"-": 1}):
                raise MissingAlternateError("alternate_target_group_arn is required")
        lb_changed = news["loadBalancers"] != self.outputs["loadBalancers"]
        load_balancers = copy.deepcopy(news["loadBalancers"]) if lb_changed else None
        self.sent.append(load_balancers)
        ecs.update_service(load_balancers, news["taskDefinition"])
        self.outputs = ecs.describe()
        self.inputs = news


@pytest.fixture(scope="module")
def ecs_run() -> StackRun:
    values = {"deploymentController": "ECS"}
    return run_main(
        {**stack_config("dev"), **{f"ecs-blue-green:{k}": v for k, v in values.items()}}
    )


def _program(run: StackRun, task_definition: str) -> dict[str, Any]:
    """The service inputs the program sends (only what the model needs)."""
    service = run.one(SERVICE)
    return {
        "loadBalancers": copy.deepcopy(service.inputs["loadBalancers"]),
        "taskDefinition": task_definition,
    }


def _create(run: StackRun) -> tuple[Stack, Ecs]:
    """The service as created: ECS holds what the program sent."""
    program = _program(run, "web:1")
    ecs = Ecs(copy.deepcopy(program["loadBalancers"][0]), "web:1")
    return Stack(inputs=copy.deepcopy(program), outputs=ecs.describe()), ecs


def test_three_releases_never_send_ecs_a_stale_pair(ecs_run: StackRun) -> None:
    ignore = ecs_run.one(SERVICE).ignore_changes
    stack, ecs = _create(ecs_run)
    blue, green = _pair(ecs.binding)
    for release in (2, 3, 4):
        stack.up(_program(ecs_run, f"web:{release}"), ignore, ecs, refresh=True)
    # Release N+1 sent nothing about target groups (or exactly what ECS held), and ECS
    # alternated: green, blue, green.
    assert stack.sent == [None, None, None]
    assert ecs.releases == 3
    assert _pair(ecs.binding) == (green, blue)


def test_a_port_change_still_goes_out_with_the_pair_ecs_holds(ecs_run: StackRun) -> None:
    ignore = ecs_run.one(SERVICE).ignore_changes
    stack, ecs = _create(ecs_run)
    blue, green = _pair(ecs.binding)
    stack.up(_program(ecs_run, "web:2"), ignore, ecs, refresh=True)
    moved = _program(ecs_run, "web:3")
    moved["loadBalancers"][0]["containerPort"] = 8080
    stack.up(moved, ignore, ecs, refresh=True)
    [sent] = stack.sent[-1] or [{}]
    assert (sent["containerPort"], _pair(sent)) == (8080, (green, blue))
    assert ecs.binding["containerPort"] == 8080
    assert stack.sent[-1] is not None
    # The container name and port stay live: only the swapped pair is ignored.
    assert sorted(ignore) == sorted(IGNORED_BY_CONTROLLER["ECS"])
    assert not any("container" in path for path in ignore)


def test_without_the_ignored_pair_the_second_release_fights_ecs(ecs_run: StackRun) -> None:
    """The defect of issue 17 item 1, in the model: the program's original pair goes back."""
    stack, ecs = _create(ecs_run)
    stack.up(_program(ecs_run, "web:2"), [], ecs, refresh=True)
    with pytest.raises(FightError, match="release 2 sent"):
        stack.up(_program(ecs_run, "web:3"), [], ecs, refresh=True)


def test_without_a_refresh_the_ignored_pair_is_stale_and_the_bridge_sends_it(
    ecs_run: StackRun,
) -> None:
    """Why the project refreshes before every run: the engine takes ignored values from the
    last inputs, which only a refresh updates; the set element then differs from state."""
    ignore = ecs_run.one(SERVICE).ignore_changes
    stack, ecs = _create(ecs_run)
    stack.up(_program(ecs_run, "web:2"), ignore, ecs, refresh=False)
    with pytest.raises(FightError, match="release 2 sent"):
        stack.up(_program(ecs_run, "web:3"), ignore, ecs, refresh=False)


def test_switching_from_code_deploy_sends_the_whole_pair_then_follows_ecs() -> None:
    """The run that moves a CODE_DEPLOY service to ECS: the last inputs have no advanced
    configuration, so ignoring the alternate would drop it; that run ignores nothing, later
    runs ignore the pair ECS swaps."""
    config = {**stack_config("dev"), "ecs-blue-green:deploymentController": "ECS"}
    switching = run_main(config, previous_outputs={"codedeployApplication": "web-app"})
    assert switching.one(SERVICE).ignore_changes == []
    program = _program(switching, "web:2")
    blue, green = _pair(program["loadBalancers"][0])
    code_deploy = {
        k: v for k, v in program["loadBalancers"][0].items() if k != "advancedConfiguration"
    }
    ecs = Ecs(copy.deepcopy(code_deploy) | {"advancedConfiguration": {}}, "web:1")
    stack = Stack(
        inputs={"loadBalancers": [code_deploy], "taskDefinition": "web:1"},
        outputs={"loadBalancers": [copy.deepcopy(code_deploy)], "taskDefinition": "web:1"},
    )
    with pytest.raises(MissingAlternateError):
        Stack(copy.deepcopy(stack.inputs), copy.deepcopy(stack.outputs)).up(
            program, IGNORED_BY_CONTROLLER["ECS"], copy.deepcopy(ecs), refresh=True
        )
    # The switch itself gives ECS its alternate: production stays blue (the migration runbook
    # requires traffic on blue), green becomes the alternate.
    ecs.binding = copy.deepcopy(code_deploy) | {
        "advancedConfiguration": {"alternateTargetGroupArn": green}
    }
    stack.up(program, switching.one(SERVICE).ignore_changes, ecs, refresh=False)
    [sent] = stack.sent[-1] or [{}]
    assert _pair(sent) == (blue, green)
    later = run_main(config, previous_outputs={"codedeployApplication": None})
    for release in (3, 4):
        stack.up(
            _program(later, f"web:{release}"), later.one(SERVICE).ignore_changes, ecs, refresh=True
        )
    assert stack.sent[1:] == [None, None]
    assert _pair(ecs.binding) == (green, blue)


@pytest.mark.parametrize("project", ["Pulumi.yaml", "examples/two-services/Pulumi.yaml"])
def test_every_project_building_the_service_refreshes_before_each_run(project: str) -> None:
    path = ROOT / project
    assert "BlueGreenService" in "".join(p.read_text() for p in path.parent.glob("*.py"))
    assert yaml.safe_load(path.read_text()).get("options", {}).get("refresh") == "always"
