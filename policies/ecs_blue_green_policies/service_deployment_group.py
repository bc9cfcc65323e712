"""Stack rule: every CODE_DEPLOY ECS service is targeted by a deployment group in the stack.

A CODE_DEPLOY service ignores task definition changes made through its own API: only a
CodeDeploy deployment of a deployment group that targets it can release a new version.

Matching a service to a group: by names when both are known (the group's
`clusterName`/`serviceName` against the service's `name`/`serviceName` and the cluster name
or ARN in `cluster`); while names are unknown (preview of new resources), by the group's
property dependencies: an `ecsService(s)` value computed from the service's outputs targets
it, one computed only from other services' outputs does not. Anything else is undecided, and
an undecided service is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from ecs_blue_green_policies import deployment_group
from ecs_blue_green_policies import resource_types as types
from ecs_blue_green_policies.rule import (
    Config,
    Finding,
    NotApplicable,
    Resource,
    RuleInfo,
    Stack,
    StackRule,
)
from ecs_blue_green_policies.values import UNKNOWN, get


def cluster_name(value: Any) -> Any:
    """Cluster name from a name or an ARN (`arn:aws:ecs:region:account:cluster/NAME`);
    ECS uses the cluster named "default" when none is given."""
    if value is None:
        return "default"
    if isinstance(value, str) and value.startswith("arn:") and "/" in value:
        return value.rsplit("/", 1)[1]
    return value


def service_identity(service: Resource) -> tuple[Any, Any]:
    """(cluster name, service name); either may be UNKNOWN."""
    props = service.props
    name = props.get("serviceName") if service.type == types.ECS_SERVICE_NATIVE else None
    return cluster_name(props.get("cluster")), name if name is not None else props.get("name")


def _same(a: Any, b: Any) -> bool | None:
    if a is UNKNOWN or b is UNKNOWN or a is None or b is None:
        return None
    return bool(a == b)


def _targets(stack: Stack, group: PolicyResource, service: PolicyResource) -> bool | None:
    """Whether ``group`` deploys ``service``: True, False, or None when it cannot be known."""
    view = stack.view(group)
    try:
        targets = deployment_group.ecs_targets(view)
    except NotApplicable:
        return False
    key = deployment_group.shape(view).ecs_services
    deps = stack.property_dependencies(group, key, types.ECS_SERVICE)
    if deps and any(d.urn == service.urn for d in deps):
        return True
    if targets is None:
        return False if deps else None
    cluster, name = service_identity(stack.view(service))
    result: bool | None = False
    for target in targets:
        same_name = _same(get(target, "serviceName"), name)
        same_cluster = _same(cluster_name(get(target, "clusterName")), cluster)
        if same_name and same_cluster:
            return True
        if same_name is False or same_cluster is False:
            continue
        # Undecided by names: a value computed from other services only is not this one.
        if not deps:
            result = None
    return result


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    services = [
        s
        for s in stack.of_type(types.ECS_SERVICE)
        if get(stack.view(s).props, "deploymentController", "type") == "CODE_DEPLOY"
    ]
    if not services:
        return
    groups = stack.of_type(types.DEPLOYMENT_GROUP)
    for service in services:
        verdicts = [_targets(stack, group, service) for group in groups]
        if True in verdicts or None in verdicts:
            continue
        view = stack.view(service)
        cluster, name = service_identity(view)
        yield Finding(
            view,
            "CODE_DEPLOY service that no CodeDeploy deployment group in this stack targets, so"
            " no release can ever reach it: add a deployment group with"
            f" `ecsService{{clusterName: {cluster}, serviceName: {name}}}` (aws) or"
            " `ecsServices[]` (aws-native)",
        )


RULE = StackRule(
    RuleInfo(
        "codedeploy-service-has-deployment-group",
        "Every CODE_DEPLOY ECS service must be targeted by a CodeDeploy deployment group in the"
        " same stack.",
        EnforcementLevel.MANDATORY,
        "Add a CodeDeploy deployment group whose `ecsService` (aws) or `ecsServices` (aws-native)"
        " names the service's cluster and service, preferably from the service's outputs.",
        severity=Severity.HIGH,
    ),
    check,
)
