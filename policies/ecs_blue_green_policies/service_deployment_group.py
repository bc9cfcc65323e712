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
from dataclasses import dataclass, field
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
    """(cluster name, service name); either may be UNKNOWN. A name not set yet (aws-native lets
    CloudFormation generate it) counts as unknown."""
    props = service.props
    name = props.get("serviceName") if service.type == types.ECS_SERVICE_NATIVE else None
    name = name if name is not None else props.get("name")
    return cluster_name(props.get("cluster")), UNKNOWN if name is None else name


@dataclass
class _Targets:
    """What the stack's ECS deployment groups target, indexed so each service is checked in
    constant time (stacks with hundreds of services and groups are common org-wide)."""

    by_dependency: set[str] = field(default_factory=set)
    """URNs of services some group's `ecsService(s)` was computed from."""
    by_name: dict[str, list[tuple[Any, bool]]] = field(default_factory=dict)
    """Known service name -> (cluster name or UNKNOWN, group has service dependencies)."""
    unknown_names: bool = False
    """Some target's service name is unknown and not computed from any service: it could be
    any service."""
    names_without_deps: bool = False
    """Some known target name was not computed from a service (a literal): it could be the
    name of a service whose own name is unknown."""

    def add(self, stack: Stack, group: PolicyResource) -> None:
        view = stack.view(group)
        try:
            targets = deployment_group.ecs_targets(view)
        except NotApplicable:
            return
        key = deployment_group.shape(view).ecs_services
        deps = stack.property_dependencies(group, key, types.ECS_SERVICE) or []
        self.by_dependency.update(d.urn for d in deps)
        for target in [UNKNOWN] if targets is None else targets:
            name = get(target, "serviceName")
            if name is UNKNOWN:
                # Computed from services' outputs, it names one of them (in by_dependency).
                self.unknown_names = self.unknown_names or not deps
                continue
            if name is None:
                continue
            cluster = cluster_name(get(target, "clusterName"))
            self.by_name.setdefault(name, []).append((cluster, bool(deps)))
            self.names_without_deps = self.names_without_deps or not deps

    def covers(self, service: PolicyResource, cluster: Any, name: Any) -> bool | None:
        """True if some group targets the service, False if none does, None if undecided."""
        if service.urn in self.by_dependency:
            return True
        undecided = self.unknown_names
        if name is UNKNOWN:
            return None if undecided or self.names_without_deps else False
        for target_cluster, has_deps in self.by_name.get(name, []):
            if target_cluster is not UNKNOWN and cluster is not UNKNOWN:
                if target_cluster == cluster:
                    return True
            elif not has_deps:
                undecided = True
        return None if undecided else False


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    services = [
        s
        for s in stack.of_type(types.ECS_SERVICE)
        if get(stack.view(s).props, "deploymentController", "type") == "CODE_DEPLOY"
    ]
    if not services:
        return
    targets = _Targets()
    for group in stack.of_type(types.DEPLOYMENT_GROUP):
        targets.add(stack, group)
    for service in services:
        view = stack.view(service)
        cluster, name = service_identity(view)
        if targets.covers(service, cluster, name) is not False:
            continue
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
