"""A release's critical path, computed from the settings that set it, for both controllers.

Clock zero is "green tasks are running" (image pull and container start depend on the image,
not on this configuration). `python -m tools.docs.timeline` prints the tables docs/releases.md shows
for each stack file: the phases, then the three moments that differ by release controller, side
by side, whichever controller the stack uses:

- all production traffic on green: the same for both (the same health checks, test gate,
  approval window and traffic shift);
- `pulumi up` returns: CODE_DEPLOY's release resource returns once all production traffic is
  on green and the after-traffic hooks passed, and CodeDeploy keeps blue for the rollback window
  on its own; ECS's service update waits for the deployment (`wait_for_steady_state`: the
  provider waits for SUCCESSFUL), and ECS marks it so only after BAKE_TIME
  (`terminationWaitMinutes`) and CLEAN_UP, "when the blue service revision has completely
  scaled down to 0 running tasks" (ECS API Reference, ServiceDeployment `lifecycleStage`): so
  under ECS `pulumi up` returns when blue is gone;
- blue gone: both keep blue for `terminationWaitMinutes`, then drain and stop it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.args import BlueGreenServiceArgs
from components.release.codedeploy.spec import (
    HOOK_MARGIN_MINUTES,
    PROVISIONING_MARGIN_MINUTES,
    derive_timeout_minutes,
    termination_wait_minutes,
    traffic_shift_minutes,
)
from components.stack_config import args_from_values, values_from_stack_file

#: A healthy green passes the gate on its first attempt: two Lambda invocations and one HTTP
#: request per path take a few seconds; 10 s is a conservative estimate.
TEST_GATE_SECONDS = 10


@dataclass(frozen=True)
class Phase:
    label: str
    seconds: int


@dataclass(frozen=True)
class Timeline:
    to_production: tuple[Phase, ...]
    """Phases from green running until it has all production traffic."""
    rollback_window_seconds: int
    drain: tuple[Phase, ...]
    """Phases from the end of the rollback window until blue is gone."""

    @property
    def production_seconds(self) -> int:
        return sum(p.seconds for p in self.to_production)

    @property
    def drain_seconds(self) -> int:
        return sum(p.seconds for p in self.drain)


def release_timeline(args: BlueGreenServiceArgs) -> Timeline:
    phases = [
        Phase(
            f"green healthy in its target group ({args.healthy_threshold} checks x "
            f"{args.health_check_interval_seconds} s)",
            args.healthy_threshold * args.health_check_interval_seconds,
        )
    ]
    if args.test_gate_enabled:
        phases.append(Phase("test gate on the test listener", TEST_GATE_SECONDS))
    if args.approval_wait_minutes:
        phases.append(Phase("manual approval window (at most)", args.approval_wait_minutes * 60))
    shift = args.shift
    phases.append(Phase(f"production traffic shift ({shift.name})", shift.shift_seconds))
    drain = (
        Phase("blue targets drain (deregistration delay)", args.deregistration_delay_seconds),
        Phase("blue tasks stop (SIGTERM, at most stop timeout)", args.stop_timeout_seconds),
    )
    return Timeline(tuple(phases), args.termination_wait_minutes * 60, drain)


@dataclass(frozen=True)
class Milestones:
    """Seconds from green running to each moment, under one release controller."""

    production_on_green: int
    pulumi_up_returns: int
    blue_gone: int


def controller_milestones(args: BlueGreenServiceArgs) -> dict[str, Milestones]:
    """The moments that differ by controller, for both controllers (side by side)."""
    timeline = release_timeline(args)
    on_green = timeline.production_seconds
    blue_gone = on_green + timeline.rollback_window_seconds + timeline.drain_seconds
    return {
        "CODE_DEPLOY": Milestones(on_green, on_green, blue_gone),
        # The deployment is SUCCESSFUL only after CLEAN_UP: blue drained and stopped.
        "ECS": Milestones(on_green, blue_gone, blue_gone),
    }


def _clock(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


def render(stack: str, timeline: Timeline) -> str:
    """A Markdown table: each phase with its duration and the running clock."""
    rows = [f"**{stack}**", "", "| phase | takes | clock |", "| --- | --- | --- |"]
    clock = 0
    for phase in timeline.to_production:
        clock += phase.seconds
        rows.append(f"| {phase.label} | {_clock(phase.seconds)} | {_clock(clock)} |")
    rows.append(f"| **all production traffic on green** | | **{_clock(clock)}** |")
    clock += timeline.rollback_window_seconds
    rows.append(
        f"| rollback window (blue kept) | {_clock(timeline.rollback_window_seconds)} | "
        f"{_clock(clock)} |"
    )
    for phase in timeline.drain:
        clock += phase.seconds
        rows.append(f"| {phase.label} | {_clock(phase.seconds)} | {_clock(clock)} |")
    rows.append(f"| **blue gone** | | **{_clock(clock)}** |")
    return "\n".join(rows)


def render_controllers(args: BlueGreenServiceArgs) -> str:
    """A Markdown table: the controller-dependent moments, both controllers side by side."""
    both = controller_milestones(args)
    code_deploy, ecs = both["CODE_DEPLOY"], both["ECS"]
    in_use = {c: " (this stack)" if args.deployment_controller == c else "" for c in both}
    rows = [
        f"| moment | `deploymentController: CODE_DEPLOY`{in_use['CODE_DEPLOY']} | "
        f"`deploymentController: ECS`{in_use['ECS']} |",
        "| --- | --- | --- |",
    ]
    for label, field_name in (
        ("all production traffic on green", "production_on_green"),
        ("`pulumi up` returns", "pulumi_up_returns"),
        ("blue gone", "blue_gone"),
    ):
        rows.append(
            f"| {label} | {_clock(getattr(code_deploy, field_name))} | "
            f"{_clock(getattr(ecs, field_name))} |"
        )
    return "\n".join(rows)


def release_budget_parts(args: BlueGreenServiceArgs) -> tuple[int, ...]:
    """The CodeDeploy release budget's terms, in minutes, as the release derives them from its
    deployment group (`derive_timeout_minutes`): approval, shift, rollback window, margins."""
    group = {
        "blueGreenDeploymentConfiguration": {
            "deploymentReadyOption": {"waitTimeInMinutes": args.approval_wait_minutes},
            "terminateBlueInstancesOnDeploymentSuccess": {
                "terminationWaitTimeInMinutes": args.termination_wait_minutes
            },
        }
    }
    shift = args.shift
    routings: dict[str, dict[str, Any]] = {
        "AllAtOnce": {"type": "AllAtOnce"},
        "Canary": {
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryInterval": shift.interval_minutes},
        },
        "Linear": {
            "type": "TimeBasedLinear",
            "timeBasedLinear": {
                "linearInterval": shift.interval_minutes,
                "linearPercentage": shift.percentage,
            },
        },
    }
    routing = routings[shift.kind]
    hooks = len(args.hooks) + (1 if args.test_gate_enabled else 0)
    parts = (
        args.approval_wait_minutes,
        traffic_shift_minutes(routing),
        termination_wait_minutes(group),
        PROVISIONING_MARGIN_MINUTES,
        HOOK_MARGIN_MINUTES * hooks,
    )
    assert sum(parts) == derive_timeout_minutes(group, routing, hooks)
    return parts


def render_stack_file(path: Path) -> str:
    _, args = args_from_values(values_from_stack_file(path))
    stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
    return render(stack, release_timeline(args)) + "\n\n" + render_controllers(args)


def main(paths: list[str]) -> None:
    root = Path(__file__).resolve().parents[2]
    files = [Path(p) for p in paths] or sorted(root.glob("Pulumi.*.yaml"))
    print("\n\n".join(render_stack_file(path) for path in files))


if __name__ == "__main__":
    main(sys.argv[1:])
