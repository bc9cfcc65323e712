"""Runs Pulumi programs under mocks and records what the engine would see.

`pulumi.runtime.Mocks.new_resource` sees inputs only; resource options (parent, dependencies,
ignore_changes) reach the engine through `RegisterResource`, so a `MockMonitor` subclass records
the request itself. Every run starts from fresh mocks, config and registry, so tests in one
pytest process cannot leak resources into each other.
"""

from __future__ import annotations

import asyncio
import json
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from unittest import mock

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "ecs-blue-green"
ACCOUNT = "123456789012"
REGION = "eu-west-1"


@dataclass
class Registration:
    """One `RegisterResource` request as the engine receives it, plus what the mock returned."""

    type: str
    name: str
    urn: str
    parent: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    ignore_changes: list[str]
    custom: bool
    provider: str
    protect: bool
    retain_on_delete: bool
    alias_names: list[str]
    """Names of the resource's aliases (earlier names it adopts in place)."""
    delete_before_replace: bool
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    """create/update/delete timeouts that were set (e.g. `{"update": "35m"}`)."""


@dataclass
class StackRun:
    """Everything one mocked `pulumi up` registered, and the stack outputs it exported."""

    registrations: list[Registration]
    outputs: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None
    """What the program raised, when run with `raise_errors=False`."""

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def one(self, type_: str, name_contains: str = "") -> Registration:
        found = [r for r in self.of_type(type_) if name_contains in r.name]
        if len(found) != 1:
            names = [r.name for r in found]
            raise AssertionError(f"expected one {type_} named *{name_contains}*, got {names}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.registrations if r.urn == urn)


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


class StackMocks(pulumi.runtime.Mocks):
    """Returns inputs as outputs plus the computed attributes AWS would fill in.

    `previous_outputs` are what a `StackReference` reads: the program reads its own stack's
    last outputs through one (components.identity_guard); empty is a new stack.
    """

    stack_outputs: Mapping[str, Mapping[str, Any]] = MappingProxyType({})
    """Outputs of the stacks a `pulumi.StackReference` may name, by stack name."""
    listeners: Mapping[str, Mapping[str, Any]] = MappingProxyType({})
    """Listeners of other stacks (a runtime's) that `aws.lb.getListener` finds, by ARN."""

    def __init__(self, previous_outputs: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.previous_outputs = dict(previous_outputs or {})
        self.created_listeners: dict[str, dict[str, Any]] = {}
        """Listeners the program created, by ARN: `aws.lb.getListener` finds them too."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            # Another stack (a shared runtime) by name, else this stack's own last outputs.
            stack = args.inputs["name"]
            outputs = self.stack_outputs.get(stack, self.previous_outputs)
            return stack, {"name": stack, "outputs": dict(outputs)}
        name = args.name
        state = dict(args.inputs)
        state.setdefault("name", name)
        computed_by_type: dict[str, dict[str, Any]] = {
            "awsx:ec2:Vpc": {
                "vpcId": "vpc-0123",
                "publicSubnetIds": ["subnet-pub-a", "subnet-pub-b"],
                "privateSubnetIds": ["subnet-priv-a", "subnet-priv-b"],
            },
            "aws:ecr/repository:Repository": {
                "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}",
                "registryId": ACCOUNT,
            },
            "docker-build:index:Image": {
                "ref": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}@sha256:{'ab' * 32}",
                "digest": f"sha256:{'ab' * 32}",
            },
            "aws:lb/loadBalancer:LoadBalancer": {
                "dnsName": f"{name}-1234.{REGION}.elb.amazonaws.com",
                "arnSuffix": f"app/{name}/0123456789abcdef",
                "zoneId": "Z32O12XQLNTSW2",
            },
            "aws:lb/targetGroup:TargetGroup": {"arnSuffix": f"targetgroup/{name}/0123456789"},
            "aws:ecs/taskDefinition:TaskDefinition": {
                "arnWithoutRevision": _arn("ecs", f"task-definition/{name}"),
                "revision": 1,
            },
            "aws:ecs/service:Service": {"clusterName": name},
            "aws:lambda/function:Function": {
                "invokeArn": f"arn:aws:apigateway:{REGION}:lambda:path/{name}"
            },
            "aws:codedeploy/deploymentConfig:DeploymentConfig": {"deploymentConfigName": name},
            "aws:codedeploy/deploymentGroup:DeploymentGroup": {
                "deploymentGroupName": args.inputs.get("deploymentGroupName", name)
            },
        }
        computed = computed_by_type.get(args.typ, {})
        if args.typ.startswith("awsx:"):
            # awsx components are one opaque resource under mocks; their outputs differ in
            # type from their inputs (natGateways), so echoing inputs would break them.
            return f"{name}-id", computed
        state.update(computed)
        state.setdefault("arn", _arn(args.typ.split(":")[1].split("/")[0], name))
        state.setdefault("id", f"{name}-id")
        if args.typ == "aws:lb/listener:Listener":
            self.created_listeners[state["arn"]] = state
        return f"{name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        # A bare dict: MockMonitor.Invoke iterates the failures of a (dict, None) tuple.
        results: dict[str, dict[str, Any]] = {
            "aws:index/getRegion:getRegion": {"name": REGION, "region": REGION, "id": REGION},
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/test",
                "userId": "AIDTEST",
            },
            "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
                "userName": "AWS",
                "password": "token",
                "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com",
                "authorizationToken": "dG9rZW4=",
            },
            "aws:index/getPartition:getPartition": {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
            },
        }
        if args.token == "aws:lb/getListener:getListener":
            arn = args.args["arn"]
            return dict(self.listeners.get(arn) or self.created_listeners[arn])
        return results.get(args.token, {})


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps every RegisterResource request, options included."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.requests: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.requests.append((request, response))
        return response


def _registration(request: Any, response: Any) -> Registration:
    return Registration(
        type=request.type,
        name=request.name,
        urn=response.urn,
        parent=request.parent,
        inputs=_plain(rpc.deserialize_properties(request.object)),
        outputs=_plain(rpc.deserialize_properties(response.object)),
        dependencies=list(request.dependencies),
        property_dependencies={
            key: list(deps.urns) for key, deps in request.propertyDependencies.items()
        },
        ignore_changes=list(request.ignoreChanges),
        custom=request.custom,
        provider=request.provider,
        protect=request.protect,
        retain_on_delete=request.retainOnDelete,
        custom_timeouts={
            key: value
            for key in ("create", "update", "delete")
            if (value := getattr(request.customTimeouts, key))
        },
        alias_names=[alias.spec.name for alias in request.aliases if alias.spec.name],
        delete_before_replace=request.deleteBeforeReplace,
    )


def _plain(value: Any) -> Any:
    """Turns protobuf-derived containers into plain dicts and lists for easy assertions."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _cancel_leftover_tasks() -> None:
    """Cancels what a failed earlier run left pending on the shared event loop: otherwise the
    next program that blocks on the loop (components.identity_guard) runs those tasks and
    inherits their errors."""
    loop = asyncio.get_event_loop()
    leftovers = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in leftovers:
        task.cancel()
    if leftovers:
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
    with SETTINGS.lock:
        SETTINGS.outputs.clear()


def run_program(
    program: Callable[[], Any],
    *,
    config: Mapping[str, Any],
    project: str = PROJECT,
    stack: str = "dev",
    mocks: pulumi.runtime.Mocks | None = None,
    raise_errors: bool = True,
) -> StackRun:
    """Runs `program` under fresh mocks and returns what it registered and exported.

    `config` keys without a namespace belong to `project`; values that are not strings are
    JSON-encoded, as the CLI passes structured config. Exceptions raised by the program
    (validation errors included) propagate to the caller.
    """
    _cancel_leftover_tasks()
    monitor = RecordingMonitor(mocks or StackMocks())
    pulumi.runtime.set_mocks(
        monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor
    )
    set_all_config(
        {
            (key if ":" in key else f"{project}:{key}"): (
                value if isinstance(value, str) else json.dumps(value)
            )
            for key, value in config.items()
        }
    )
    exported: dict[str, Any] = {}

    def export(name: str, value: Any) -> None:
        exported[name] = value

    with mock.patch.object(pulumi, "export", export):
        try:
            _sync_await(run_pulumi_func(program))
        except Exception as error:
            if raise_errors:
                raise
            registrations = [_registration(req, resp) for req, resp in monitor.requests]
            return StackRun(registrations, error=error)
    outputs = {
        name: _sync_await(pulumi.Output.from_input(value).future())
        for name, value in exported.items()
    }
    return StackRun([_registration(req, resp) for req, resp in monitor.requests], outputs)


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` block of `Pulumi.<stack>.yaml`, as the CLI would pass it."""
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    return dict(document.get("config") or {})


def run_main(
    config: Mapping[str, Any],
    stack: str = "dev",
    *,
    raise_errors: bool = True,
    mocks: pulumi.runtime.Mocks | None = None,
    previous_outputs: Mapping[str, Any] | None = None,
) -> StackRun:
    """Runs the project's real `__main__.py` with the given config; `previous_outputs` are the
    stack's outputs from its last run (default: a new stack), read by `mocks` when given."""
    if mocks is None:
        mocks = StackMocks(previous_outputs)
    elif previous_outputs is not None:
        assert isinstance(mocks, StackMocks)
        mocks.previous_outputs = dict(previous_outputs)
    return run_program(
        lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"),
        config=config,
        stack=stack,
        raise_errors=raise_errors,
        mocks=mocks,
    )


def run_dev_stack() -> StackRun:
    """The dev stack exactly as `pulumi up --stack dev` would configure it."""
    return run_main(stack_config("dev"), stack="dev")
