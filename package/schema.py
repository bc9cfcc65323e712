"""The package schema of `ecs-blue-green`, derived from the Python settings classes.

Every input of `BlueGreenService` and `SharedRuntime` is a field of `BlueGreenServiceArgs` or
`SharedRuntimeArgs` (components/args.py, components/runtime.py): its name (camelCased), type,
default and description (the field's docstring) come from there, so the Python component and
every generated SDK share one source. Why not the SDK's own analyzer
(`pulumi.provider.experimental`): it reads annotations without evaluating string annotations,
refuses `Literal` and unions, ignores dataclass defaults and serves components only, while this
package also serves the release resources (package/provider.py).

Inputs are plain values (the component decides from them which resources exist), except the few
a program takes from its other resources (`OUTPUT_INPUTS`): a VPC and its subnets, a
certificate, a shared runtime's outputs. Those may be unknown at preview.

Regenerate the checked-in snapshot (tests/test_package.py compares it) with
`.venv/bin/python -m package.schema --write`.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import json
import sys
import textwrap
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from components.args import AutoscalingArgs, BlueGreenServiceArgs, SidecarArgs
from components.release.plugin import PACKAGE
from components.runtime_ref import OUTPUT_FIELDS, SharedRuntimeRef

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).resolve().parent / "schema.json"
VERSION: str = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

SERVICE = f"{PACKAGE}:index:BlueGreenService"
RUNTIME = f"{PACKAGE}:index:SharedRuntime"

#: Settings whose values may be outputs of the consumer's other resources (unknown at preview).
OUTPUT_INPUTS = frozenset(
    {"vpc_id", "public_subnet_ids", "private_subnet_ids", "certificate_arn", "shared_runtime"}
)

#: Literal-typed settings and the enum type each becomes.
ENUMS: dict[str, str] = {
    "nat_strategy": "NatStrategy",
    "deployment_controller": "DeploymentController",
    "cpu_architecture": "CpuArchitecture",
}

#: Object-typed settings: the settings class and the schema type it becomes.
OBJECTS: dict[type, str] = {
    AutoscalingArgs: "Autoscaling",
    SidecarArgs: "Sidecar",
    SharedRuntimeRef: "SharedRuntimeRef",
}

#: The runtime outputs that are lists (the others are strings).
_LIST_OUTPUTS = frozenset({"publicSubnetIds", "privateSubnetIds"})


@dataclasses.dataclass(frozen=True)
class Output:
    """An output property of a component: schema name, attribute, type, required, description."""

    name: str
    attribute: str
    type: str
    required: bool
    description: str


#: What `BlueGreenService` returns (its registered outputs, tests/test_package.py checks).
SERVICE_OUTPUTS: tuple[Output, ...] = (
    Output("url", "url", "string", True, "Production URL (HTTP 80, or HTTPS 443)."),
    Output("testUrl", "test_url", "string", True, "The test listener's URL (green only)."),
    Output("repositoryUrl", "repository_url", "string", True, "The ECR repository of the image."),
    Output("imageUri", "image_uri", "string", True, "The image the task definition runs."),
    Output("clusterName", "cluster_name", "string", True, "The ECS cluster."),
    Output("serviceName", "service_name", "string", True, "The ECS service."),
    Output(
        "codedeployApplication",
        "codedeploy_application",
        "string",
        False,
        "The CodeDeploy application (CODE_DEPLOY controller only).",
    ),
    Output(
        "codedeployDeploymentGroup",
        "codedeploy_deployment_group",
        "string",
        False,
        "The CodeDeploy deployment group (CODE_DEPLOY controller only).",
    ),
    Output(
        "deploymentId",
        "deployment_id",
        "string",
        False,
        "The deployment that made the serving revision live: a CodeDeploy deployment id, or an "
        "ECS service deployment ARN.",
    ),
    Output(
        "releaseEventsTopicArn",
        "release_events_topic_arn",
        "string",
        False,
        "SNS topic of CodeDeploy's release events (CODE_DEPLOY controller only).",
    ),
)

#: What `SharedRuntime` returns: the runtime stack's outputs (components.runtime_ref).
RUNTIME_OUTPUTS: tuple[Output, ...] = tuple(
    Output(
        key,
        attribute,
        "array" if key in _LIST_OUTPUTS else "string",
        True,
        f"The runtime's `{key}`; pass all of them as a service's `sharedRuntime`.",
    )
    for key, attribute in OUTPUT_FIELDS.items()
)


def camel(name: str) -> str:
    """`alarm_5xx_threshold` -> `alarm5xxThreshold`: the config keys' spelling."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def field_docs(cls: type) -> dict[str, str]:
    """Each field's docstring (the string right after its annotation), whitespace folded."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for statement, following in itertools.pairwise(body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[statement.target.id] = " ".join(following.value.value.split())
    return docs


def unwrap_optional(hint: Any) -> tuple[Any, bool]:
    """`X | None` -> (X, True); anything else -> (hint, False)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(members) == 1:
            return members[0], True
    return hint, False


_SCALARS: dict[Any, str] = {str: "string", Path: "string", int: "integer", bool: "boolean"}


def type_spec(field_name: str, hint: Any) -> dict[str, Any]:
    """The schema type of one settings field."""
    hint, _ = unwrap_optional(hint)
    if field_name in ENUMS:
        return {"$ref": f"#/types/{PACKAGE}:index:{ENUMS[field_name]}"}
    if hint in OBJECTS:
        return {"$ref": f"#/types/{PACKAGE}:index:{OBJECTS[hint]}"}
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    # Lists of strings, integers (ports) or objects (sidecars); nothing nests deeper.
    if origin is Sequence and (args[0] in (str, int) or args[0] in OBJECTS):
        return {"type": "array", "items": type_spec(f"{field_name}[]", args[0])}
    if origin is Mapping and args == (str, str):
        return {"type": "object", "additionalProperties": {"type": "string"}}
    raise TypeError(f"{field_name}: no schema type for {hint!r}; extend package/schema.py")


def required_fields(cls: type) -> list[str]:
    """The schema names of the fields of `cls` without a default (a sidecar's name, image)."""
    return [
        camel(field.name)
        for field in dataclasses.fields(cls)
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    ]


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None


def input_properties(cls: type) -> dict[str, dict[str, Any]]:
    """One schema property per field of the settings dataclass `cls`, with its default."""
    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    properties: dict[str, dict[str, Any]] = {}
    for field in dataclasses.fields(cls):
        spec = type_spec(field.name, hints[field.name])
        default = _default(field)
        # Scalar defaults go into the SDKs; a path default is this machine's, so only described.
        if isinstance(default, str | int | bool) and spec.get("type") in (
            "string",
            "integer",
            "boolean",
        ):
            spec["default"] = default
        if field.name not in OUTPUT_INPUTS:
            spec["plain"] = True
        spec["description"] = docs.get(field.name, "")
        properties[camel(field.name)] = spec
    return properties


def _outputs(outputs: Sequence[Output]) -> tuple[dict[str, Any], list[str]]:
    properties: dict[str, Any] = {}
    for output in outputs:
        spec: dict[str, Any] = {"type": output.type, "description": output.description}
        if output.type == "array":
            spec["items"] = {"type": "string"}
        properties[output.name] = spec
    return properties, [output.name for output in outputs if output.required]


def _enum(cls: type, field_name: str, description: str) -> dict[str, Any]:
    hint, _ = unwrap_optional(typing.get_type_hints(cls)[field_name])
    return {
        "type": "string",
        "description": description,
        "enum": [{"value": value} for value in typing.get_args(hint)],
    }


def _component(cls: type, outputs: Sequence[Output], description: str) -> dict[str, Any]:
    properties, required = _outputs(outputs)
    return {
        "isComponent": True,
        "description": description,
        "inputProperties": input_properties(cls),
        "requiredInputs": [],
        "properties": properties,
        "required": required,
    }


def _object_type(cls: type) -> dict[str, Any]:
    """A settings class used inside a setting (`autoscaling`, `sidecars`) as an object type.
    Its properties are not marked plain: `plain` applies to a resource's inputs only."""
    properties = input_properties(cls)
    for spec in properties.values():
        spec.pop("plain", None)
    spec = {
        "type": "object",
        "description": " ".join((cls.__doc__ or "").split()),
        "properties": properties,
    }
    if required := required_fields(cls):
        spec["required"] = required
    return spec


def _shared_runtime_ref() -> dict[str, Any]:
    """The runtime's 11 outputs, as a service's `sharedRuntime` input (all required)."""
    properties = {
        key: (
            {"type": "array", "items": {"type": "string"}}
            if key in _LIST_OUTPUTS
            else {"type": "string"}
        )
        | {"description": f"The runtime's `{key}` output."}
        for key in OUTPUT_FIELDS
    }
    return {
        "type": "object",
        "description": "A `SharedRuntime`'s outputs: its VPC, cluster and load balancer.",
        "properties": properties,
        "required": list(OUTPUT_FIELDS),
    }


def schema() -> dict[str, Any]:
    """The whole package schema (what GetSchema returns)."""
    from components.runtime import SharedRuntimeArgs  # noqa: PLC0415 (loads pulumi_aws)

    return {
        "name": PACKAGE,
        "displayName": "ECS blue/green",
        "version": VERSION,
        "description": "Zero-downtime blue/green releases of containerised services on Amazon "
        "ECS, by CodeDeploy or by ECS itself, with a test-traffic gate and automatic rollback.",
        "keywords": ["aws", "ecs", "blue-green", "codedeploy", "category/cloud", "kind/component"],
        "license": "Apache-2.0",
        "language": {
            "nodejs": {"respectSchemaVersion": True},
            "python": {"respectSchemaVersion": True},
            "csharp": {"respectSchemaVersion": True},
            "go": {"respectSchemaVersion": True},
        },
        "resources": {
            SERVICE: _component(
                BlueGreenServiceArgs,
                SERVICE_OUTPUTS,
                "ECR image, Fargate service, dual-listener ALB and a release controller; every "
                "task-definition change is released blue/green and a failed release fails the "
                "update.",
            ),
            RUNTIME: _component(
                SharedRuntimeArgs,
                RUNTIME_OUTPUTS,
                "The VPC, ECS cluster and load balancer that many services of one environment "
                "share.",
            ),
        },
        "types": {
            f"{PACKAGE}:index:NatStrategy": _enum(
                BlueGreenServiceArgs, "nat_strategy", "NAT for a VPC the package creates."
            ),
            f"{PACKAGE}:index:DeploymentController": _enum(
                BlueGreenServiceArgs, "deployment_controller", "Who runs releases."
            ),
            f"{PACKAGE}:index:CpuArchitecture": _enum(
                BlueGreenServiceArgs, "cpu_architecture", "The CPU architecture of the tasks."
            ),
            f"{PACKAGE}:index:Autoscaling": _object_type(AutoscalingArgs),
            f"{PACKAGE}:index:Sidecar": _object_type(SidecarArgs),
            f"{PACKAGE}:index:SharedRuntimeRef": _shared_runtime_ref(),
        },
    }


def render() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        SNAPSHOT.write_text(render())
    else:
        sys.stdout.write(render())
