"""Rules on ECS services: how they release (blue/green), health check grace, rollback."""

from __future__ import annotations

from collections.abc import Iterator
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
from ecs_blue_green_policies.values import UNKNOWN, get, number, truthy

NATIVE_BLUE_GREEN_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")
ADVANCED_CONFIGURATION_FIELDS = ("alternateTargetGroupArn", "productionListenerRule", "roleArn")


def _load_balancers(resource: Resource) -> list[Any] | None:
    """The service's load balancer entries; None when unknown (rule cannot decide)."""
    entries = get(resource.props, "loadBalancers")
    if entries is UNKNOWN:
        return None
    if not entries:
        raise NotApplicable("the service has no load balancer; blue/green needs one")
    return list(entries)


def _controller(resource: Resource) -> Any:
    """`deploymentController.type`, which defaults to ECS when unset."""
    controller = get(resource.props, "deploymentController", "type")
    return "ECS" if controller is None else controller


def check_blue_green(resource: Resource, config: Config) -> Iterator[str]:
    entries = _load_balancers(resource)
    controller = _controller(resource)
    if entries is None or controller is UNKNOWN or controller == "CODE_DEPLOY":
        return
    alternatives = (
        "set `deploymentController.type` to CODE_DEPLOY, or use the ECS controller with "
        f"`deploymentConfiguration.strategy` in {'/'.join(NATIVE_BLUE_GREEN_STRATEGIES)} and "
        "`loadBalancers[].advancedConfiguration`"
    )
    if controller != "ECS":
        yield f"`deploymentController.type` is {controller}, not blue/green: {alternatives}"
        return
    strategy = get(resource.props, "deploymentConfiguration", "strategy")
    if strategy is UNKNOWN:
        return
    if strategy not in NATIVE_BLUE_GREEN_STRATEGIES:
        shown = strategy or "unset (ROLLING)"
        yield f"`deploymentConfiguration.strategy` is {shown}, a rolling update: {alternatives}"
        return
    for index, entry in enumerate(entries):
        advanced = get(entry, "advancedConfiguration")
        if advanced is UNKNOWN:
            continue
        if advanced is None:
            yield (
                f"strategy {strategy} needs `loadBalancers[{index}].advancedConfiguration` with "
                f"{', '.join(ADVANCED_CONFIGURATION_FIELDS)} for its traffic shifts"
            )
            continue
        missing = [f for f in ADVANCED_CONFIGURATION_FIELDS if get(advanced, f) in (None, "")]
        for name in missing:
            yield (
                f"strategy {strategy} needs `loadBalancers[{index}].advancedConfiguration.{name}`"
                " (alternate target group, production listener rule and role for traffic shifts)"
            )


MINIMUM_GRACE_SECONDS = Setting(
    "minimumSeconds",
    "integer",
    10,
    "Smallest `healthCheckGracePeriodSeconds` accepted. Unset (0) lets ECS replace tasks that"
    " fail load balancer health checks while still starting; raise it for slow starters.",
    minimum=0,
)


def check_grace_period(resource: Resource, config: Config) -> Iterator[str]:
    if _load_balancers(resource) is None:
        return
    minimum = config[MINIMUM_GRACE_SECONDS.name]
    grace = number(get(resource.props, "healthCheckGracePeriodSeconds"))
    if grace is UNKNOWN:
        return
    if grace is None or grace < minimum:
        shown = "unset" if grace is None else f"{grace:g}"
        yield (
            f"`healthCheckGracePeriodSeconds` is {shown}: set it to at least {minimum} so new "
            "tasks are not killed by load balancer health checks while they start"
        )


def check_rollback_on_failure(resource: Resource, config: Config) -> Iterator[str]:
    controller = _controller(resource)
    if controller is UNKNOWN:
        return
    if controller != "ECS":
        raise NotApplicable(f"deployments are run by the {controller} controller, not ECS")
    # aws-native follows CloudFormation, which nests the breaker in the deployment configuration.
    path = (
        ("deploymentConfiguration", "deploymentCircuitBreaker")
        if resource.type == types.ECS_SERVICE_NATIVE
        else ("deploymentCircuitBreaker",)
    )
    breaker = get(resource.props, *path)
    for flag in ("enable", "rollback"):
        value = truthy(get(breaker, flag))
        if value is not UNKNOWN and value is not True:
            yield f"set `{'.'.join(path)}.{flag}` to true so a failed deployment rolls back"


BLUE_GREEN = ResourceRule(
    RuleInfo(
        "ecs-service-blue-green",
        "ECS services behind a load balancer must deploy blue/green (CodeDeploy or native ECS"
        " blue/green, linear or canary).",
        EnforcementLevel.MANDATORY,
        "Set `deploymentController.type: CODE_DEPLOY` (and add a CodeDeploy deployment group), or"
        " keep the ECS controller with `deploymentConfiguration.strategy: BLUE_GREEN|LINEAR|CANARY`"
        " and `advancedConfiguration{alternateTargetGroupArn, productionListenerRule, roleArn}` on"
        " every `loadBalancers` entry.",
        severity=Severity.HIGH,
    ),
    types.ECS_SERVICE,
    check_blue_green,
)

HEALTH_CHECK_GRACE_PERIOD = ResourceRule(
    RuleInfo(
        "ecs-service-health-check-grace-period",
        "ECS services behind a load balancer should set a health check grace period.",
        EnforcementLevel.ADVISORY,
        "Set `healthCheckGracePeriodSeconds` to at least `minimumSeconds` (default 10).",
        (MINIMUM_GRACE_SECONDS,),
    ),
    types.ECS_SERVICE,
    check_grace_period,
)

ROLLBACK_ON_FAILURE = ResourceRule(
    RuleInfo(
        "ecs-service-rollback-on-failure",
        "ECS-controller services should enable the deployment circuit breaker with rollback.",
        EnforcementLevel.ADVISORY,
        "Set `deploymentCircuitBreaker{enable: true, rollback: true}` (aws) or"
        " `deploymentConfiguration.deploymentCircuitBreaker{enable: true, rollback: true}`"
        " (aws-native).",
    ),
    types.ECS_SERVICE,
    check_rollback_on_failure,
)
