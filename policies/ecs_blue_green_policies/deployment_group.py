"""Rules on CodeDeploy deployment groups for ECS: blue/green with safe rollback.

pulumi-aws and aws-native name the same settings differently (`blueGreenDeploymentConfig` vs
`blueGreenDeploymentConfiguration`, one `targetGroupPairInfo` vs `targetGroupPairInfoList`,
`ecsService` vs `ecsServices`); :class:`GroupShape` maps both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from ecs_blue_green_policies import resource_types as types
from ecs_blue_green_policies.rule import (
    Config,
    NotApplicable,
    Resource,
    ResourceRule,
    RuleInfo,
    Setting,
)
from ecs_blue_green_policies.values import UNKNOWN, get, lacks, number, truthy


@dataclass(frozen=True)
class GroupShape:
    """Property names of one provider's deployment group."""

    ecs_services: str
    blue_green: str
    pairs: str
    """Path under `loadBalancerInfo` of the target group pair(s)."""
    pair_is_list: bool


AWS_SHAPE = GroupShape("ecsService", "blueGreenDeploymentConfig", "targetGroupPairInfo", False)
NATIVE_SHAPE = GroupShape(
    "ecsServices", "blueGreenDeploymentConfiguration", "targetGroupPairInfoList", True
)


def shape(resource: Resource) -> GroupShape:
    return NATIVE_SHAPE if resource.type == types.DEPLOYMENT_GROUP_NATIVE else AWS_SHAPE


def ecs_targets(resource: Resource) -> list[Any] | None:
    """The `{clusterName, serviceName}` entries the group deploys to; None when unknown.
    Raises NotApplicable for server (EC2/on-premises) and Lambda groups."""
    value = resource.props.get(shape(resource).ecs_services)
    if value is UNKNOWN:
        return None
    entries = value if isinstance(value, list) else [value] if value else []
    if not entries:
        raise NotApplicable("not an ECS deployment group (EC2/on-premises or Lambda)")
    return entries


def target_group_pairs(resource: Resource) -> list[Any] | None:
    """The group's target group pairs (at most one for ECS); None when unknown."""
    s = shape(resource)
    value = get(resource.props, "loadBalancerInfo", s.pairs)
    if value is UNKNOWN:
        return None
    if s.pair_is_list:
        return list(value or [])
    return [value] if value else []


def _check_style(props: Mapping[str, Any]) -> Iterator[str]:
    for field, wanted in (
        ("deploymentType", "BLUE_GREEN"),
        ("deploymentOption", "WITH_TRAFFIC_CONTROL"),
    ):
        value = get(props, "deploymentStyle", field)
        if value is not UNKNOWN and value != wanted:
            yield f"`deploymentStyle.{field}` is {value or 'unset'}: set it to {wanted}"


def _check_rollback(props: Mapping[str, Any]) -> Iterator[str]:
    enabled = truthy(get(props, "autoRollbackConfiguration", "enabled"))
    events = get(props, "autoRollbackConfiguration", "events")
    if enabled is not UNKNOWN and enabled is not True:
        yield "automatic rollback is off: set `autoRollbackConfiguration.enabled` to true"
    if lacks(events, "DEPLOYMENT_FAILURE"):
        yield "add DEPLOYMENT_FAILURE to `autoRollbackConfiguration.events`"


def _check_pair(resource: Resource) -> Iterator[str]:
    s = shape(resource)
    pairs = target_group_pairs(resource)
    base = f"loadBalancerInfo.{s.pairs}{'[0]' if s.pair_is_list else ''}"
    if pairs is None:
        return
    if not pairs:
        yield (
            f"no target group pair: set `{base}` with two targetGroups, prodTrafficRoute and"
            " testTrafficRoute"
        )
        return
    pair = pairs[0]
    if pair is UNKNOWN:
        return
    groups = get(pair, "targetGroups")
    if groups is not UNKNOWN and len(groups or []) != 2:
        yield f"set `{base}.targetGroups` to the blue and the green target group (two entries)"
    for route in ("prodTrafficRoute", "testTrafficRoute"):
        arns = get(pair, route, "listenerArns")
        if arns is not UNKNOWN and not arns:
            yield f"set `{base}.{route}.listenerArns`"


def _check_termination(resource: Resource, minimum: int) -> Iterator[str]:
    path = f"{shape(resource).blue_green}.terminateBlueInstancesOnDeploymentSuccess"
    terminate = get(resource.props, *path.split("."))
    action = get(terminate, "action")
    wait = number(get(terminate, "terminationWaitTimeInMinutes"))
    if action is UNKNOWN or wait is UNKNOWN or action == "KEEP_ALIVE":
        return
    if wait is None or wait < minimum:
        shown = "unset (0)" if wait is None else f"{wait:g}"
        yield (
            f"blue is terminated after {shown} minutes: set `{path}.terminationWaitTimeInMinutes`"
            f" to at least {minimum} so a bad release can still be rolled back"
        )


MIN_TERMINATION_WAIT = Setting(
    "minTerminationWaitMinutes",
    "integer",
    5,
    "Minutes the blue task set must be kept after a successful deployment (rollback window).",
    minimum=0,
)


def check_blue_green(resource: Resource, config: Config) -> Iterator[str]:
    if ecs_targets(resource) is None:
        return
    yield from _check_style(resource.props)
    yield from _check_rollback(resource.props)
    yield from _check_pair(resource)
    yield from _check_termination(resource, config[MIN_TERMINATION_WAIT.name])


def check_alarm_rollback(resource: Resource, config: Config) -> Iterator[str]:
    if ecs_targets(resource) is None:
        return
    props = resource.props
    enabled = truthy(get(props, "alarmConfiguration", "enabled"))
    alarms = get(props, "alarmConfiguration", "alarms")
    events = get(props, "autoRollbackConfiguration", "events")
    if enabled is not UNKNOWN and enabled is not True:
        yield "set `alarmConfiguration.enabled` to true"
    if alarms is not UNKNOWN and not alarms:
        yield "set `alarmConfiguration.alarms` to the alarms that mean a release is bad"
    if lacks(events, "DEPLOYMENT_STOP_ON_ALARM"):
        yield "add DEPLOYMENT_STOP_ON_ALARM to `autoRollbackConfiguration.events`"


BLUE_GREEN = ResourceRule(
    RuleInfo(
        "codedeploy-ecs-blue-green",
        "CodeDeploy deployment groups for ECS must run blue/green with traffic control,"
        " automatic rollback, a production and a test route, and a rollback window.",
        EnforcementLevel.MANDATORY,
        "Set `deploymentStyle{deploymentType: BLUE_GREEN, deploymentOption:"
        " WITH_TRAFFIC_CONTROL}`, `autoRollbackConfiguration{enabled: true, events:"
        " [DEPLOYMENT_FAILURE, ...]}`, a target group pair (two `targetGroups`,"
        " `prodTrafficRoute.listenerArns`, `testTrafficRoute.listenerArns`) and"
        " `terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes` >="
        " `minTerminationWaitMinutes` (default 5).",
        (MIN_TERMINATION_WAIT,),
        severity=Severity.HIGH,
    ),
    types.DEPLOYMENT_GROUP,
    check_blue_green,
)

ALARM_ROLLBACK = ResourceRule(
    RuleInfo(
        "codedeploy-alarm-rollback",
        "CodeDeploy deployment groups for ECS should stop and roll back on CloudWatch alarms.",
        EnforcementLevel.ADVISORY,
        "Set `alarmConfiguration{enabled: true, alarms: [...]}` and add DEPLOYMENT_STOP_ON_ALARM"
        " to `autoRollbackConfiguration.events`.",
    ),
    types.DEPLOYMENT_GROUP,
    check_alarm_rollback,
)
