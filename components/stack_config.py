"""Stack configuration -> `BlueGreenServiceArgs`.

One table maps every config key to its type and argument, so `__main__.py` stays a few lines,
`Pulumi.yaml` can be checked against it, and tools (the release timeline) can read a stack
file without the Pulumi runtime. Unset keys keep the argument's documented default.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml

from components.args import AutoscalingArgs, BlueGreenServiceArgs
from components.runtime_ref import OUTPUT_FIELDS, SharedRuntimeRef, from_stack_reference

PROJECT = "ecs-blue-green"
IMAGE_URI_ENV = "ECS_BLUE_GREEN_IMAGE_URI"
#: Set by the platform's deployment settings: the boundary its deploy role requires.
PERMISSIONS_BOUNDARY_ENV = "ECS_BLUE_GREEN_PERMISSIONS_BOUNDARY_ARN"
DEFAULT_SERVICE_NAME = "web"


@dataclass(frozen=True)
class Setting:
    key: str
    kind: type
    target: str
    """`BlueGreenServiceArgs` field, or `autoscaling.<field>` / `hooks.<event>`."""


def _setting(key: str, kind: type, target: str | None = None) -> Setting:
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in key)
    return Setting(key, kind, target or snake)


SETTINGS: tuple[Setting, ...] = (
    _setting("imageUri", str),
    _setting("imageRetainCount", int),
    _setting("containerPort", int),
    _setting("healthCheckPath", str),
    _setting("containerHealthCheckCommand", list),
    _setting("cpu", int),
    _setting("memory", int),
    _setting("desiredCount", int),
    _setting("healthCheckGracePeriodSeconds", int),
    _setting("stopTimeoutSeconds", int),
    _setting("logRetentionDays", int),
    _setting("readOnlyRootFilesystem", bool),
    _setting("autoscalingMinCount", int, "autoscaling.min_count"),
    _setting("autoscalingMaxCount", int, "autoscaling.max_count"),
    _setting("autoscalingCpuTargetPercent", int, "autoscaling.cpu_target_percent"),
    _setting("certificateArn", str),
    _setting("testListenerPort", int),
    _setting("allowedCidrs", list),
    _setting("testListenerCidrs", list),
    _setting("healthCheckIntervalSeconds", int),
    _setting("healthyThreshold", int),
    _setting("unhealthyThreshold", int),
    _setting("healthCheckTimeoutSeconds", int),
    _setting("deregistrationDelaySeconds", int),
    _setting("trafficShift", str),
    _setting("terminationWaitMinutes", int),
    _setting("approvalWaitMinutes", int),
    _setting("alarmsEnabled", bool),
    _setting("alarm5xxThreshold", int, "alarm_5xx_threshold"),
    _setting("testGateEnabled", bool),
    _setting("testGatePaths", list),
    _setting("beforeInstallHook", str, "hooks.BeforeInstall"),
    _setting("afterInstallHook", str, "hooks.AfterInstall"),
    _setting("afterAllowTestTrafficHook", str, "hooks.AfterAllowTestTraffic"),
    _setting("beforeAllowTrafficHook", str, "hooks.BeforeAllowTraffic"),
    _setting("afterAllowTrafficHook", str, "hooks.AfterAllowTraffic"),
    _setting("deploymentTimeoutMinutes", int),
    _setting("natStrategy", str),
    _setting("vpcId", str),
    _setting("publicSubnetIds", list),
    _setting("privateSubnetIds", list),
    _setting("deploymentController", str),
    _setting("ecsHooks", list),
    _setting("accessLogsEnabled", bool),
    _setting("accessLogsExpirationDays", int),
    _setting("logEncryptionEnabled", bool),
    _setting("flowLogsEnabled", bool),
    _setting("flowLogsRetentionDays", int),
    _setting("wafEnabled", bool),
    _setting("permissionsBoundaryArn", str),
    _setting("hostHeaders", list),
    _setting("pathPatterns", list),
    _setting("listenerRulePriority", int),
    _setting("appVersion", str),
    _setting("failHealthCheck", bool),
    _setting("releaseWaitForCompletion", bool),
    _setting("releaseRetry", str),
    _setting("releaseOverrideAlarms", str),
    _setting("sslPolicy", str),
    _setting("httpRedirect", bool),
)
#: Values that Pulumi.yaml declares as defaults but that mean "not set".
_UNSET: dict[str, tuple[Any, ...]] = {
    "deploymentTimeoutMinutes": (0,),
    "listenerRulePriority": (0,),
}
#: Opt-in to re-creating the stack's resources under a new serviceName (components.identity_guard).
ALLOW_RENAME_KEY = "allowServiceRename"
#: The runtime stack a service attaches to (components.runtime_ref).
SHARED_STACK_KEY = "sharedStack"
#: Keys that are not `BlueGreenServiceArgs` fields.
EXTRA_KEYS = ("serviceName", "autoscalingEnabled", SHARED_STACK_KEY, ALLOW_RENAME_KEY)
#: A fully qualified stack reference: the runtime is another project.
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def _check_kind(key: str, value: Any, kind: type) -> Any:
    if kind is int and isinstance(value, bool):
        raise ValueError(f"{PROJECT}:{key}: expected an integer, got {value!r}")
    if kind is int and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if kind is bool and isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    if not isinstance(value, kind):
        raise ValueError(f"{PROJECT}:{key}: expected {kind.__name__}, got {value!r}")
    if isinstance(value, list) and not all(isinstance(item, str) for item in value):
        raise ValueError(f"{PROJECT}:{key}: expected a list of strings, got {value!r}")
    return value


def args_from_values(values: Mapping[str, Any]) -> tuple[str, BlueGreenServiceArgs]:
    """Builds the component's name and args from decoded config values (keys without the
    project prefix). Unknown keys are an error: a typo must not silently keep a default."""
    known = {s.key for s in SETTINGS} | set(EXTRA_KEYS)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{PROJECT}: unknown config key(s) {unknown}; allowed: {sorted(known)}")
    kwargs: dict[str, Any] = {}
    scaling: dict[str, Any] = {}
    hooks: dict[str, str] = {}
    for setting in SETTINGS:
        if values.get(setting.key) is None:
            continue
        value = _check_kind(setting.key, values[setting.key], setting.kind)
        if value in _UNSET.get(setting.key, ("",) if setting.kind is str else ()):
            continue
        if setting.key == "ecsHooks":
            value = _stage_arns(value)
        elif isinstance(value, list):
            value = tuple(value)
        group, _, field_name = setting.target.rpartition(".")
        if group == "autoscaling":
            scaling[field_name] = value
        elif group == "hooks":
            hooks[field_name] = value
        else:
            kwargs[field_name] = value
    enabled = _check_kind("autoscalingEnabled", values.get("autoscalingEnabled", False), bool)
    # The CLI passes Pulumi.yaml's defaults for the autoscaling keys even when autoscaling is
    # off, so their presence alone means nothing.
    if enabled:
        kwargs["autoscaling"] = AutoscalingArgs(**scaling)
    if hooks:
        kwargs["hooks"] = hooks
    name = _check_kind("serviceName", values.get("serviceName", DEFAULT_SERVICE_NAME), str)
    _shared_stack(values)
    return name, BlueGreenServiceArgs(**kwargs)


def _stage_arns(entries: list[str]) -> dict[str, str]:
    """`["POST_SCALE_UP=arn:...", ...]` -> `{"POST_SCALE_UP": "arn:..."}`; config values are
    strings, lists or scalars, so a stage map travels as `STAGE=ARN` entries."""
    stages: dict[str, str] = {}
    for entry in entries:
        stage, found, arn = entry.partition("=")
        if not found or not stage or not arn:
            raise ValueError(f"{PROJECT}:ecsHooks: {entry!r} is not STAGE=LAMBDA_ARN")
        if stage in stages:
            raise ValueError(f"{PROJECT}:ecsHooks: stage {stage} is given twice")
        stages[stage] = arn
    return stages


def _shared_stack(values: Mapping[str, Any]) -> str | None:
    stack = _check_kind(SHARED_STACK_KEY, values.get(SHARED_STACK_KEY, ""), str)
    if stack and not _STACK_NAME.match(stack):
        raise ValueError(
            f"{PROJECT}:sharedStack: {stack!r} is not a stack reference like acme/runtime/prod "
            "(<organization>/<project>/<stack> of a platform/runtime stack)"
        )
    return stack or None


def attach_shared_runtime(
    args: BlueGreenServiceArgs, values: Mapping[str, Any]
) -> BlueGreenServiceArgs:
    """`args` on the runtime named by `sharedStack` (read through a stack reference), if any.
    Needs the Pulumi runtime; call it after `args_from_values`, which checks the name.

    The settings are validated as attached before the stack reference is registered, so a bad
    one (say, no host header on the shared listeners) is refused with nothing registered."""
    stack = _shared_stack(values)
    if stack is None:
        return args
    name = _check_kind("serviceName", values.get("serviceName", DEFAULT_SERVICE_NAME), str)
    dataclasses.replace(args, shared_runtime=_NOT_YET_READ).validate(name)
    return dataclasses.replace(args, shared_runtime=from_stack_reference(stack))


#: Stands in for a runtime during validation, which looks only at whether there is one.
_NOT_YET_READ = SharedRuntimeRef(**dict.fromkeys(OUTPUT_FIELDS.values(), ""))


def read_pulumi_config(
    config: pulumi.Config, environ: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """The set keys of the stack, each read with the getter of its type (Pulumi's own type
    errors name the key).

    `ECS_BLUE_GREEN_IMAGE_URI`, when set, wins over `imageUri`: in push-to-deploy runs the CI
    pipeline builds the image and the deployment's pre-run step passes its URI this way, so the
    runner needs no Docker daemon and no commit has to carry the tag.
    `ECS_BLUE_GREEN_PERMISSIONS_BOUNDARY_ARN` likewise wins over `permissionsBoundaryArn`: the
    platform that creates the deploy role knows the boundary that role requires.
    """
    getters: dict[type, Callable[[str], Any]] = {
        str: config.get,
        int: config.get_int,
        bool: config.get_bool,
        list: config.get_object,
    }
    kinds = {s.key: s.kind for s in SETTINGS} | {
        "serviceName": str,
        "autoscalingEnabled": bool,
        SHARED_STACK_KEY: str,
        ALLOW_RENAME_KEY: bool,
    }
    values = {
        key: value for key, kind in kinds.items() if (value := getters[kind](key)) is not None
    }
    if environ.get(IMAGE_URI_ENV):
        values["imageUri"] = environ[IMAGE_URI_ENV]
    if environ.get(PERMISSIONS_BOUNDARY_ENV):
        values["permissionsBoundaryArn"] = environ[PERMISSIONS_BOUNDARY_ENV]
    return values


def values_from_stack_file(path: Path) -> dict[str, Any]:
    """Decoded values of our project's keys in a `Pulumi.<stack>.yaml`."""
    config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    prefix = f"{PROJECT}:"
    return {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}
