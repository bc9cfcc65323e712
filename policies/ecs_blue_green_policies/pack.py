"""The `ecs-blue-green` policy pack: its rules in a fixed order and their SDK policies."""

from __future__ import annotations

from pulumi_policy import Policy

from ecs_blue_green_policies import (
    deployment_group,
    ecr_repository,
    ecs_service,
    listener_rule,
    load_balancer,
    service_deployment_group,
    service_listener_rules,
    target_group,
    task_definition,
    test_listener,
)
from ecs_blue_green_policies.rule import ResourceRule, StackRule, to_policy

PACK_NAME = "ecs-blue-green"
"""Published name; organisations enable the pack by it, so it never changes."""

RULES: tuple[ResourceRule | StackRule, ...] = (
    ecs_service.BLUE_GREEN,
    target_group.HEALTH_CHECK,
    task_definition.CONTAINER_HEALTH_CHECK,
    deployment_group.BLUE_GREEN,
    service_deployment_group.RULE,
    ecs_service.HEALTH_CHECK_GRACE_PERIOD,
    ecs_service.ROLLBACK_ON_FAILURE,
    deployment_group.ALARM_ROLLBACK,
    test_listener.RULE,
    target_group.DEREGISTRATION_DELAY,
    ecr_repository.SCAN_ON_PUSH,
    ecr_repository.IMMUTABLE_TAGS,
    task_definition.CONTAINER_HARDENING,
    task_definition.CONTAINER_LOGGING,
    load_balancer.DROP_INVALID_HEADERS,
    listener_rule.RULE,
    service_listener_rules.RULE,
    task_definition.SECRET_ENVIRONMENT,
    ecs_service.EXECUTE_COMMAND,
)


def policies() -> list[Policy]:
    """One SDK policy per rule, for `PolicyPack(policies=...)`."""
    return [to_policy(rule) for rule in RULES]
