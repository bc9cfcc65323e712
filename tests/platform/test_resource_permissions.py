"""Every resource type a stack declares can be created, updated and destroyed by its role.

The graphs are the programs as `pulumi up` runs them under mocks: the dev, staging and prod
stacks, prod with the WAF on, a service attached to a shared runtime, the runtime stack and the
org program. Each resource type in them needs a declared set of the IAM actions its provider
calls (tests/platform/provider_actions.py, with the provider source each set comes from); each
action is evaluated with the IAM simulator against the role that deploys the graph, on every
resource type AWS's reference lists for it, named and tagged as the stack makes them. The org
program runs as the organisation's administrator: its sets must exist and name real actions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import pytest

from components.log_encryption import key_policy_document
from platform_stack.config import DEFAULT_ATTACHABLE_POLICIES
from platform_stack.permissions import Scope, deploy_policies, runtime_policies
from tests.harness import StackRun, run_main, stack_config
from tests.platform.iam_simulator import ACCOUNT, Request, simulate
from tests.platform.provider_actions import (
    NOT_AWS,
    PROVIDER_ACTIONS,
    RECORDED,
    Call,
    ProviderActions,
)
from tests.platform.service_reference import REGION, action_exists, resource_arns
from tests.platform.support import example_config, run_platform
from tests.platform.test_deploy_role_evaluation import DEV, DEV_RUNTIME, PROD, RUNTIME, _scope
from tests.runtime.support import (
    SHARED_STACK,
    mocks_with_runtime,
    run_runtime,
    runtime_config,
    runtime_outputs,
)

pytestmark = pytest.mark.long

IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:v1"
KEY_POLICY = json.loads(key_policy_document(REGION, ACCOUNT))
#: Names as a stack named with prefix `p` makes them (Pulumi auto-naming appends `-` and 7
#: characters), by the placeholder of AWS's ARN templates. IDs are AWS's.
SUFFIX = "1a2b3c4"


def _names(p: str, stack: str, cluster: str) -> dict[str, tuple[str, ...]]:
    return {
        "ApplicationName": (f"{p}app-{SUFFIX}",),
        "DeploymentGroupName": (p.rstrip("-"),),
        "DeploymentConfigurationName": (f"{p}shift-{SUFFIX}",),
        "ClusterName": (cluster,),
        "ServiceName": (f"{p}service-{SUFFIX}",),
        "ServiceDeploymentId": ("aBcD1234eFgH5678",),
        "TaskDefinitionFamilyName": (f"{p}task-{SUFFIX}",),
        "TaskDefinitionRevisionNumber": ("3",),
        "FunctionName": (f"{p}test-gate-gate-{SUFFIX}",),
        "RoleNameWithPath": (f"{p}task-role-{SUFFIX}",),
        "RepositoryName": (f"{p}images-{SUFFIX}",),
        "LogGroupName": (f"/ecs/{p}logs-{SUFFIX}", f"/aws/lambda/{p}test-gate-gate-{SUFFIX}"),
        "AlarmName": (f"{p}5xx-{SUFFIX}",),
        "TopicName": (f"{p}release-events-{SUFFIX}",),
        "LoadBalancerName": (f"{p}alb-{SUFFIX}",),
        "LoadBalancerId": ("50dc6c495c0c9188",),
        "ListenerId": ("f2f7dc8efc522ab2",),
        "ListenerRuleId": ("9683b2d02a6cabee",),
        "TargetGroupName": (f"{p}blue-{SUFFIX}",),
        "TargetGroupId": ("73e2d6bc24d8a067",),
        "BucketName": (f"{p}{stack}-alb-logs-20260101000000000000000001",),
        "KeyId": ("00000000-0000-0000-0000-000000000000",),
        "Alias": (f"{p}{stack}-logs",),
        "Scope": ("regional",),
        "Name": (f"{p}waf-{SUFFIX}",),
        "Id": ("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",),
        "ManagedRuleSetName": ("AWSManagedRulesCommonRuleSet",),
        "ResourceId": ("0123456789abcdef0123456789abcdef",),
        "VpcId": ("vpc-0123",),
        "SubnetId": ("subnet-0123",),
        "SecurityGroupId": ("sg-0123",),
        "SecurityGroupRuleId": ("sgr-0123",),
        "RouteTableId": ("rtb-0123",),
        "InternetGatewayId": ("igw-0123",),
        "NatGatewayId": ("nat-0123",),
        "AllocationId": ("eipalloc-0123",),
        "NetworkInterfaceId": ("eni-0123",),
        "VpcFlowLogId": ("fl-0123",),
    }


@dataclass(frozen=True)
class Graph:
    name: str
    run: Callable[[], StackRun]
    scope: Scope | None
    """Whose role deploys it (None: the org program, run by an administrator)."""
    policies: Callable[[Scope], dict[str, Any]] = deploy_policies
    attached_policies: tuple[str, ...] = DEFAULT_ATTACHABLE_POLICIES


def _app(stack: str, **overrides: Any) -> Callable[[], StackRun]:
    config = stack_config(stack) | {f"ecs-blue-green:{k}": v for k, v in overrides.items()}
    return lambda: run_main(config, stack=stack)


def _attached() -> StackRun:
    config = stack_config("dev") | {
        "ecs-blue-green:imageUri": IMAGE,
        "ecs-blue-green:sharedStack": SHARED_STACK,
    }
    return run_main(config, mocks=mocks_with_runtime(runtime_outputs()))


GRAPHS = (
    Graph("dev", _app("dev"), DEV),
    Graph("staging", _app("staging"), _scope("staging")),
    Graph("prod", _app("prod"), PROD),
    Graph("prod with WAF", _app("prod", wafEnabled=True), PROD),
    Graph("attached", _attached, replace(DEV, runtime=DEV_RUNTIME)),
    Graph("runtime", lambda: run_runtime(runtime_config()), RUNTIME, runtime_policies, ()),
    Graph("org", lambda: run_platform(example_config()), None),
)


@cache
def graph_types(name: str) -> frozenset[str]:
    graph = next(g for g in GRAPHS if g.name == name)
    run = graph.run()
    # awsx's Vpc is one opaque component under mocks: its children are its declared set.
    return frozenset(r.type for r in run.registrations if r.custom or r.type == "awsx:ec2:Vpc")


def _names_for(scope: Scope) -> dict[str, tuple[str, ...]]:
    p = scope.name_prefix
    cluster = (
        f"{scope.runtime.name_prefix}cluster-{SUFFIX}" if scope.runtime else f"{p}cluster-{SUFFIX}"
    )
    return _names(p, scope.stack_part, cluster)


def _contexts(graph: Graph, call: Call, resource_type: str) -> list[dict[str, Any]]:
    """What IAM sees: the stack's tags on the resource and in the request (creates tag in the
    call), the boundary on its roles, and each managed policy it attaches."""
    assert graph.scope is not None
    tags = graph.scope.stack_tags
    context: dict[str, Any] = {"aws:RequestedRegion": REGION}
    if resource_type != "*":
        context |= {f"aws:ResourceTag/{k}": v for k, v in tags.items()}
    context |= {f"aws:RequestTag/{k}": v for k, v in tags.items()}
    untagging = any(verb in call.action for verb in ("Untag", "RemoveTags", "DeleteTags"))
    # The provider removes only the tags a program drops: never the stack's own.
    context["aws:TagKeys"] = ["owner"] if untagging else [*tags, "app:service"]
    if call.action.startswith("iam:") and graph.scope.boundary_name:
        context["iam:PermissionsBoundary"] = graph.scope.boundary_arn
    context |= dict(call.context)
    if call.action in ("iam:AttachRolePolicy", "iam:DetachRolePolicy"):
        return [context | {"iam:PolicyARN": arn} for arn in graph.attached_policies]
    return [context]


@dataclass(frozen=True)
class Evaluated:
    graph: str
    type: str
    step: str
    action: str
    resource: str
    result: str


def requests_for(graph: Graph, type_: str) -> list[tuple[str, Request]]:
    declared = PROVIDER_ACTIONS[type_]
    assert isinstance(declared, ProviderActions)
    assert graph.scope is not None
    names = _names_for(graph.scope)
    found = []
    for step, call in declared.calls():
        for resource_type, listed_arn in resource_arns(
            call.action, names | dict(call.names), on=call.on
        ):
            arn = listed_arn
            if call.action.startswith("elasticloadbalancing:") and resource_type == "loadbalancer":
                # The reference (iam-data) lists only Classic ELB's `loadbalancer/<name>` type
                # for some calls both APIs share (CreateLoadBalancer, ModifyLoadBalancerAttributes,
                # DeleteLoadBalancer): IAM checks the Application Load Balancer's own ARN.
                arn = arn.replace(":loadbalancer/", ":loadbalancer/app/") + "/50dc6c495c0c9188"
            for context in _contexts(graph, call, resource_type):
                key_policy = KEY_POLICY if resource_type == "key" else None
                found.append((step, Request(call.action, arn, context, key_policy)))
    return found


@cache
def evaluated(graph_name: str) -> tuple[Evaluated, ...]:
    graph = next(g for g in GRAPHS if g.name == graph_name)
    assert graph.scope is not None
    pending = [
        (type_, step, request)
        for type_ in sorted(graph_types(graph_name))
        if isinstance(PROVIDER_ACTIONS.get(type_), ProviderActions)
        for step, request in requests_for(graph, type_)
    ]
    outcomes = simulate([r for _, _, r in pending], graph.policies(graph.scope))
    return tuple(
        Evaluated(graph_name, type_, step, r.action, r.resource, o.result)
        for (type_, step, r), o in zip(pending, outcomes, strict=True)
    )


@pytest.mark.parametrize("graph", [g.name for g in GRAPHS])
def test_every_resource_type_has_a_declared_set(graph: str) -> None:
    assert sorted(graph_types(graph) - set(PROVIDER_ACTIONS)) == []


def test_every_declared_action_is_an_aws_action() -> None:
    actions = {
        call.action
        for declared in PROVIDER_ACTIONS.values()
        if isinstance(declared, ProviderActions)
        for _, call in declared.calls()
    }
    assert sorted(a for a in actions if not action_exists(a)) == []
    assert {v for v in PROVIDER_ACTIONS.values() if isinstance(v, str)} == {RECORDED, NOT_AWS}


@pytest.mark.parametrize("graph", [g.name for g in GRAPHS if g.scope is not None])
def test_the_role_can_create_update_and_delete_every_resource_of_the_graph(graph: str) -> None:
    denied = [
        (e.type, e.step, e.action, e.resource) for e in evaluated(graph) if e.result != "Allowed"
    ]
    assert denied == []


def test_a_type_without_a_declared_set_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(PROVIDER_ACTIONS, "aws:sns/topic:Topic")
    with pytest.raises(AssertionError):
        test_every_resource_type_has_a_declared_set("dev")


def test_an_action_the_role_lacks_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    # A provider that changed an account-wide ECS setting would not be allowed.
    mutant = ProviderActions("mutant", create=(Call("ecs:PutAccountSetting"),))
    monkeypatch.setitem(PROVIDER_ACTIONS, "mutant", mutant)
    graph = GRAPHS[0]
    assert graph.scope is not None
    requests = [r for _, r in requests_for(graph, "mutant")]
    assert [o.result for o in simulate(requests, graph.policies(graph.scope))] == [
        "ImplicitlyDenied"
    ]


def test_counts_for_the_closing_note() -> None:
    counts = {
        g.name: {
            "types": len(graph_types(g.name)),
            "actions": len({e.action for e in evaluated(g.name)}) if g.scope else 0,
            "requests": len(evaluated(g.name)) if g.scope else 0,
        }
        for g in GRAPHS
    }
    print(json.dumps(counts, indent=1))  # pytest -s
    assert all(c["requests"] > c["types"] for name, c in counts.items() if name != "org")
