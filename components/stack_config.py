"""Stack configuration -> `BlueGreenServiceArgs`.

One table maps every config key to its type and argument, so `__main__.py` stays a few lines,
`Pulumi.yaml` can be checked against it, and tools (the release timeline) can read a stack
file without the Pulumi runtime. Unset keys keep the argument's documented default.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime.config
import yaml

from components.args import AutoscalingArgs, BlueGreenServiceArgs, SidecarArgs
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
    _setting("environment", list),
    _setting("secrets", list),
    _setting("secretsKmsKeyArn", str),
    _setting("taskRolePolicyArns", list),
    _setting("cpuArchitecture", str),
    _setting("enableExecuteCommand", bool),
    _setting("fargateSpotPercent", int),
    _setting("sidecars", list),
)
#: Values that Pulumi.yaml declares as defaults but that mean "not set".
_UNSET: dict[str, tuple[Any, ...]] = {
    "deploymentTimeoutMinutes": (0,),
    "listenerRulePriority": (0,),
    "containerHealthCheckCommand": ([],),
}
#: Docker's spelling of "no health check" (HEALTHCHECK NONE); ECS has none, so it becomes ().
NO_HEALTH_CHECK = ["NONE"]
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
    unknown_key_errors(values)
    kwargs: dict[str, Any] = {}
    scaling: dict[str, Any] = {}
    hooks: dict[str, str] = {}
    for setting in SETTINGS:
        if values.get(setting.key) is None:
            continue
        value = _check_kind(setting.key, values[setting.key], setting.kind)
        if value in _UNSET.get(setting.key, ("",) if setting.kind is str else ()):
            continue
        value = _converted(setting.key, value)
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


def _converted(key: str, value: Any) -> Any:
    """A checked config value as the args field takes it (lists become tuples or maps)."""
    if key == "ecsHooks":
        return _stage_arns(value)
    if key in ("environment", "secrets"):
        return _name_values(key, value)
    if key == "sidecars":
        return tuple(_sidecar(entry) for entry in value)
    if key == "containerHealthCheckCommand" and value == NO_HEALTH_CHECK:
        return ()
    return tuple(value) if isinstance(value, list) else value


def unknown_key_errors(values: Mapping[str, Any]) -> None:
    """Raises ValueError for keys the program does not read, naming the nearest known key: a
    typo must not silently keep a default while the user believes the setting took effect."""
    known = sorted({s.key for s in SETTINGS} | set(EXTRA_KEYS))
    unknown = sorted(set(values) - set(known))
    if not unknown:
        return
    lines = []
    for key in unknown:
        nearest = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"did you mean {PROJECT}:{nearest[0]}?" if nearest else "no known key is close"
        lines.append(f"{PROJECT}:{key}: unknown config key; {hint}")
    raise ValueError("\n".join(lines) + "\n(every known key: docs/configuration.md)")


def _name_values(key: str, entries: list[str]) -> dict[str, str]:
    """`["NAME=value", ...]` -> `{"NAME": "value"}`: project config declares no maps, so a map
    travels as entries; the value may itself hold '='."""
    pairs: dict[str, str] = {}
    for entry in entries:
        name, found, value = entry.partition("=")
        if not found or not name:
            raise ValueError(f"{PROJECT}:{key}: {entry!r} is not NAME=VALUE")
        if name in pairs:
            raise ValueError(f"{PROJECT}:{key}: {name} is given twice")
        pairs[name] = value
    return pairs


#: The JSON fields of one `sidecars` entry -> SidecarArgs fields.
_SIDECAR_FIELDS = {
    "name": "name",
    "image": "image",
    "essential": "essential",
    "environment": "environment",
    "portMappings": "port_mappings",
    "dependsOn": "depends_on",
}


def _sidecar(entry: str) -> SidecarArgs:
    """One `sidecars` entry: a JSON object such as
    `{"name": "log-router", "image": "...", "essential": false, "environment": {"K": "v"},
    "portMappings": [8125], "dependsOn": {"app": "START"}}`."""
    where = f"{PROJECT}:sidecars"
    try:
        fields = json.loads(entry)
    except json.JSONDecodeError as error:
        raise ValueError(f"{where}: {entry!r} is not a JSON object ({error})") from error
    if not isinstance(fields, dict) or not {"name", "image"} <= set(fields):
        raise ValueError(f'{where}: {entry!r} needs at least "name" and "image"')
    extra = sorted(set(fields) - set(_SIDECAR_FIELDS))
    if extra:
        raise ValueError(
            f"{where}: {extra} are not sidecar fields; allowed: {list(_SIDECAR_FIELDS)}"
        )
    kinds = {"name": str, "image": str, "essential": bool, "environment": dict,
             "portMappings": list, "dependsOn": dict}  # fmt: skip
    for field_name, value in fields.items():
        kind = kinds[field_name]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ValueError(f"{where}: {field_name} of {entry!r} must be a {kind.__name__}")
    if not all(
        isinstance(p, int) and not isinstance(p, bool) for p in fields.get("portMappings", [])
    ):
        raise ValueError(f"{where}: portMappings of {entry!r} must be integers")
    for mapping in ("environment", "dependsOn"):
        if not all(isinstance(v, str) for v in fields.get(mapping, {}).values()):
            raise ValueError(f"{where}: {mapping} of {entry!r} must map names to strings")
    kwargs = {_SIDECAR_FIELDS[k]: v for k, v in fields.items()}
    if "port_mappings" in kwargs:
        kwargs["port_mappings"] = tuple(kwargs["port_mappings"])
    return SidecarArgs(**kwargs)


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


def set_project_keys() -> list[str]:
    """Every key of our project's namespace the CLI passed (stack file and Pulumi.yaml
    defaults), without the prefix. The language host hands the whole config to the runtime
    (`pulumi.runtime.config`); the SDK has no public listing."""
    prefix = f"{PROJECT}:"
    everything = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return sorted(k[len(prefix) :] for k in everything if k.startswith(prefix))


def read_pulumi_config(
    config: pulumi.Config,
    environ: Mapping[str, str] = os.environ,
    set_keys: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The set keys of the stack, each read with the getter of its type (Pulumi's own type
    errors name the key). Keys of the namespace that the program does not know (`set_keys`,
    default: what the CLI passed) are kept, so `args_from_values` refuses them by name.

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
    for key in set_project_keys() if set_keys is None else set_keys:
        if key not in kinds:
            values[key] = config.get(key)
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
