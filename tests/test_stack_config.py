"""Pulumi.yaml, the stack files and the config table agree; the timeline meets its targets."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.args import AutoscalingArgs, BlueGreenServiceArgs
from components.stack_config import (
    DEFAULT_SERVICE_NAME,
    EXTRA_KEYS,
    SETTINGS,
    args_from_values,
    values_from_stack_file,
)
from components.traffic_shift import PREDEFINED, parse_traffic_shift
from tools.docs.timeline import controller_milestones, release_timeline, render_stack_file

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILE = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
DECLARED: dict[str, dict[str, Any]] = PROJECT_FILE["config"]
YAML_TYPES = {str: "string", int: "integer", bool: "boolean", list: "array"}


def test_every_setting_is_declared_with_type_description_and_default() -> None:
    assert set(DECLARED) == {s.key for s in SETTINGS} | set(EXTRA_KEYS)
    for setting in SETTINGS:
        declaration = DECLARED[setting.key]
        assert declaration["type"] == YAML_TYPES[setting.kind], setting.key
        assert declaration["description"], setting.key
        assert "default" in declaration, f"{setting.key}: Pulumi requires undeclared defaults"


def test_declared_defaults_equal_the_code_defaults() -> None:
    """The CLI passes Pulumi.yaml defaults; they must build exactly the default args."""
    defaults = {key: d["default"] for key, d in DECLARED.items()}
    name, args = args_from_values(defaults)
    assert name == DEFAULT_SERVICE_NAME
    assert args == BlueGreenServiceArgs()
    scaling = AutoscalingArgs()
    assert defaults["autoscalingMinCount"] == scaling.min_count
    assert defaults["autoscalingMaxCount"] == scaling.max_count
    assert defaults["autoscalingCpuTargetPercent"] == scaling.cpu_target_percent


def test_runtime_uses_the_project_venv() -> None:
    assert PROJECT_FILE["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": ".venv"},
    }


@pytest.mark.parametrize("stack", ["dev", "prod", "staging"])
def test_stack_files_are_valid(stack: str) -> None:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    assert document["config"]["aws:region"]
    name, args = args_from_values(values_from_stack_file(ROOT / f"Pulumi.{stack}.yaml"))
    args.validate(name)


@pytest.mark.parametrize("path", sorted(ROOT.glob("Pulumi.*.yaml")), ids=lambda p: p.name)
def test_shipped_stacks_never_turn_the_fault_switch_on(path: Path) -> None:
    """Only the release drill turns failHealthCheck on, for one release, and restores it."""
    _, args = args_from_values(values_from_stack_file(path))
    assert args.fail_health_check is False
    assert DECLARED["failHealthCheck"]["default"] is False


def test_unknown_key_is_an_error_naming_the_nearest_known_key() -> None:
    with pytest.raises(ValueError, match="unknown config key") as refused:
        args_from_values({"cpuArchitecure": "ARM64", "cpu": 256, "zzzz": 1})
    lines = str(refused.value).splitlines()
    assert lines[0] == (
        "ecs-blue-green:cpuArchitecure: unknown config key; did you mean "
        "ecs-blue-green:cpuArchitecture?"
    )
    assert lines[1] == "ecs-blue-green:zzzz: unknown config key; no known key is close"


def test_wrong_type_names_the_key() -> None:
    with pytest.raises(ValueError, match="ecs-blue-green:desiredCount: expected int"):
        args_from_values({"desiredCount": "two"})
    with pytest.raises(ValueError, match="ecs-blue-green:allowedCidrs: expected a list of strings"):
        args_from_values({"allowedCidrs": [1]})


def test_unset_markers_mean_defaults() -> None:
    _, args = args_from_values(
        {"imageUri": "", "deploymentTimeoutMinutes": 0, "certificateArn": ""}
    )
    assert (args.image_uri, args.deployment_timeout_minutes, args.certificate_arn) == (
        None,
        None,
        None,
    )


def test_dev_releases_within_90_s_and_drains_blue_within_60_s() -> None:
    _, args = args_from_values(values_from_stack_file(ROOT / "Pulumi.dev.yaml"))
    timeline = release_timeline(args)
    assert timeline.production_seconds <= 90
    assert timeline.drain_seconds <= 60
    assert timeline.rollback_window_seconds == 5 * 60


def test_aws_defaults_would_miss_the_target() -> None:
    """The check has teeth: AWS's own defaults (30 s x 5 checks, 300 s drain) fail it."""
    slow = dataclasses.replace(
        BlueGreenServiceArgs(),
        health_check_interval_seconds=30,
        healthy_threshold=5,
        deregistration_delay_seconds=300,
    )
    timeline = release_timeline(slow)
    assert timeline.production_seconds > 90
    assert timeline.drain_seconds > 60


def test_timeline_counts_canary_linear_and_approval() -> None:
    base = BlueGreenServiceArgs()
    canary = release_timeline(dataclasses.replace(base, traffic_shift="Canary10Percent5Minutes"))
    assert canary.production_seconds == 20 + 10 + 300
    linear = release_timeline(
        dataclasses.replace(
            base, traffic_shift="Linear10PercentEvery1Minutes", test_gate_enabled=False
        )
    )
    assert linear.production_seconds == 20 + 9 * 60
    approval = release_timeline(dataclasses.replace(base, approval_wait_minutes=15))
    assert approval.production_seconds == 20 + 10 + 15 * 60


@pytest.mark.parametrize("name", PREDEFINED)
def test_predefined_shifts_map_to_aws_names(name: str) -> None:
    assert parse_traffic_shift(name).predefined_config_name == f"CodeDeployDefault.ECS{name}"


def test_custom_shift_is_not_predefined() -> None:
    shift = parse_traffic_shift("Canary20Percent10Minutes")
    assert (shift.kind, shift.percentage, shift.interval_minutes) == ("Canary", 20, 10)
    assert shift.predefined_config_name is None


def test_timeline_shows_both_controllers_side_by_side() -> None:
    """CODE_DEPLOY's `pulumi up` returns once production is on green; ECS's waits for the bake
    (terminationWaitMinutes) and the CLEAN_UP stage (blue drained and stopped), so it returns
    when blue is gone; blue is gone at the same moment under both."""
    _, args = args_from_values(values_from_stack_file(ROOT / "Pulumi.prod.yaml"))
    both = controller_milestones(args)
    on_green = release_timeline(args).production_seconds
    assert both["CODE_DEPLOY"].production_on_green == both["ECS"].production_on_green == on_green
    assert both["CODE_DEPLOY"].pulumi_up_returns == on_green
    assert both["ECS"].pulumi_up_returns == on_green + 60 * 60 + 60
    assert both["CODE_DEPLOY"].blue_gone == both["ECS"].blue_gone == on_green + 3600 + 60
    rendered = render_stack_file(ROOT / "Pulumi.staging.yaml")
    assert "| `pulumi up` returns | 4m30s | 15m30s |" in rendered
    assert "`deploymentController: ECS` (this stack)" in rendered
