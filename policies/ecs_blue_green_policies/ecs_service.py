"""Rules on ECS services: how they release (blue/green), health check grace, rollback, ECS
Exec."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from ecs_blue_green_policies import resource_types as types
from ecs_blue_green_policies.deployment_group import MIN_TERMINATION_WAIT
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
ADVANCED_CONFIGURATION_FIELDS = (
    "alternateTargetGroupArn",
    "productionListenerRule",
    "testListenerRule",
    "roleArn",
)

MIN_BAKE_TIME = Setting(
    "minBakeTimeMinutes",
    "integer",
    # The same rollback window the pack asks of CodeDeploy groups (minTerminationWaitMinutes).
    MIN_TERMINATION_WAIT.default,
    "Minutes an ECS-native blue/green, linear or canary deployment must keep blue after all"
    " traffic is on green (`bakeTimeInMinutes`, the rollback window).",
    minimum=0,
)


def recipe(min_bake_minutes: int) -> str:
    """Everything a service needs to release blue/green, for both controllers, so one round of
    fixes is enough."""
    return (
        "to release blue/green, EITHER (CodeDeploy) set `deploymentController.type: "
        "CODE_DEPLOY`, add a second target group, a test listener and a CodeDeploy deployment "
        "group (BLUE_GREEN with WITH_TRAFFIC_CONTROL, both target groups, production and test "
        "listener routes, autoRollbackConfiguration on DEPLOYMENT_FAILURE); OR (ECS) keep the ECS "
        "controller with `deploymentConfiguration.strategy` BLUE_GREEN, LINEAR or CANARY and "
        f"`deploymentConfiguration.bakeTimeInMinutes` >= {min_bake_minutes}, add a second target "
        "group and a production and a test listener rule, set `loadBalancers[].advancedConfigura"
        "tion{alternateTargetGroupArn, productionListenerRule, testListenerRule, roleArn}` (a role"
        " trusted by ecs.amazonaws.com), and a rollback trigger (`deploymentCircuitBreaker{enable:"
        " true, rollback: true}` or `alarms{alarmNames, enable: true, rollback: true}`)"
    )


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


def _config_path(resource: Resource, name: str) -> tuple[str, ...]:
    """aws-native follows CloudFormation, which nests the breaker and the alarms in the
    deployment configuration; pulumi-aws has them at the top."""
    if resource.type == types.ECS_SERVICE_NATIVE:
        return ("deploymentConfiguration", name)
    return (name,)


def _check_advanced_configuration(strategy: str, entries: list[Any]) -> Iterator[str]:
    for index, entry in enumerate(entries):
        advanced = get(entry, "advancedConfiguration")
        if advanced is UNKNOWN:
            continue
        base = f"loadBalancers[{index}].advancedConfiguration"
        if advanced is None:
            yield (
                f"strategy {strategy} needs `{base}` with "
                f"{', '.join(ADVANCED_CONFIGURATION_FIELDS)} for its traffic shifts"
            )
            continue
        missing = [f for f in ADVANCED_CONFIGURATION_FIELDS if get(advanced, f) in (None, "")]
        if missing:
            yield (
                f"strategy {strategy} needs "
                + ", ".join(f"`{base}.{name}`" for name in missing)
                + " (alternate target group, production and test listener rules, and the role"
                " ECS shifts traffic with)"
            )
        alternate, primary = get(advanced, "alternateTargetGroupArn"), get(entry, "targetGroupArn")
        if isinstance(alternate, str) and alternate and alternate == primary:
            yield (
                f"`{base}.alternateTargetGroupArn` is the service's own `targetGroupArn`: name a"
                " second target group for green"
            )


def _check_bake_time(resource: Resource, minimum: int) -> Iterator[str]:
    bake = number(get(resource.props, "deploymentConfiguration", "bakeTimeInMinutes"))
    if bake is UNKNOWN:
        return
    if bake is None or bake < minimum:
        shown = "unset" if bake is None else f"{bake:g}"
        yield (
            f"`deploymentConfiguration.bakeTimeInMinutes` is {shown}: set it to at least"
            f" {minimum} so blue is kept and a bad release can still be rolled back"
        )


def _check_rollback_trigger(resource: Resource) -> Iterator[str]:
    triggers = []
    for name in ("deploymentCircuitBreaker", "alarms"):
        block = get(resource.props, *_config_path(resource, name))
        enabled = truthy(get(block, "enable"))
        rollback = truthy(get(block, "rollback"))
        if UNKNOWN in (block, enabled, rollback):
            return
        triggers.append(enabled is True and rollback is True)
    if not any(triggers):
        breaker, alarms = (
            ".".join(_config_path(resource, n)) for n in ("deploymentCircuitBreaker", "alarms")
        )
        yield (
            f"nothing rolls a failed release back: set `{breaker}{{enable: true, rollback:"
            f" true}}` or `{alarms}{{alarmNames, enable: true, rollback: true}}`"
        )


def check_blue_green(resource: Resource, config: Config) -> Iterator[str]:
    entries = _load_balancers(resource)
    controller = _controller(resource)
    if entries is None or controller is UNKNOWN or controller == "CODE_DEPLOY":
        return
    how = recipe(config[MIN_BAKE_TIME.name])
    if controller != "ECS":
        yield f"`deploymentController.type` is {controller}, not blue/green: {how}"
        return
    strategy = get(resource.props, "deploymentConfiguration", "strategy")
    if strategy is UNKNOWN:
        return
    if strategy not in NATIVE_BLUE_GREEN_STRATEGIES:
        shown = strategy or "unset (ROLLING)"
        yield f"`deploymentConfiguration.strategy` is {shown}, a rolling update: {how}"
        return
    yield from _check_advanced_configuration(strategy, entries)
    yield from _check_bake_time(resource, config[MIN_BAKE_TIME.name])
    yield from _check_rollback_trigger(resource)


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
    path = _config_path(resource, "deploymentCircuitBreaker")
    breaker = get(resource.props, *path)
    for flag in ("enable", "rollback"):
        value = truthy(get(breaker, flag))
        if value is not UNKNOWN and value is not True:
            yield f"set `{'.'.join(path)}.{flag}` to true so a failed deployment rolls back"


def check_execute_command(resource: Resource, config: Config) -> Iterator[str]:
    # Both providers spell it `enableExecuteCommand` at the top level.
    if truthy(get(resource.props, "enableExecuteCommand")) is True:
        yield (
            "`enableExecuteCommand` is true: anyone allowed ecs:ExecuteCommand gets a shell in"
            " this service's running tasks; turn it off once debugging is done"
        )


BLUE_GREEN = ResourceRule(
    RuleInfo(
        "ecs-service-blue-green",
        "ECS services behind a load balancer must deploy blue/green (CodeDeploy or native ECS"
        " blue/green, linear or canary) with a test route, a rollback window and a rollback"
        " trigger.",
        EnforcementLevel.MANDATORY,
        recipe(MIN_BAKE_TIME.default)[0].upper() + recipe(MIN_BAKE_TIME.default)[1:] + ".",
        (MIN_BAKE_TIME,),
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

EXECUTE_COMMAND = ResourceRule(
    RuleInfo(
        "ecs-service-execute-command",
        "ECS Exec (a shell in running tasks) should be off in production. The organisation's"
        " platform sets this rule advisory in its production policy group and disabled in the"
        " others, so it warns where it matters without blocking a debugging session.",
        EnforcementLevel.ADVISORY,
        "Set `enableExecuteCommand` to false (the component's `enableExecuteCommand` setting).",
    ),
    types.ECS_SERVICE,
    check_execute_command,
)
