"""The organisation's policy pack applied to the application stacks through policy groups.

Both groups are preventative, so the pack runs inside every `pulumi preview` and `pulumi up` of
their stacks, including the ones Pulumi Deployments runs. Production stacks get every rule at
`mandatory` (a violation stops the update); the other stacks default to `advisory` (reported,
not blocking). Each group carries its own per-rule config, and one rollback window that it
writes into both controllers' rules, so a stack cannot get a shorter window by picking the
other controller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi_pulumiservice as pulumiservice

from platform_stack.config import ROLLBACK_WINDOW_SETTINGS, PlatformConfig


def group_name(project: str, kind: str) -> str:
    return f"{project}-{kind}"


def with_rollback_window(rules: Mapping[str, Any], minutes: int) -> dict[str, Any]:
    """`rules` plus the same rollback window on each controller's rule (a rule configured by a
    level alone keeps that level)."""
    merged = dict(rules)
    for rule, setting in ROLLBACK_WINDOW_SETTINGS.items():
        current = merged.get(rule, {})
        base = {"enforcementLevel": current} if isinstance(current, str) else dict(current)
        merged[rule] = {**base, setting: minutes}
    return merged


#: Levels the platform sets per group, after the organisation's own rule config. ECS Exec is a
#: debugging aid: in production the pack warns about it rather than blocking a debugging session
#: (every other rule stays mandatory there); elsewhere it is expected and stays quiet.
PLATFORM_RULE_LEVELS: dict[str, dict[str, str]] = {
    "production": {"ecs-service-execute-command": "advisory"},
    "non-production": {"ecs-service-execute-command": "disabled"},
}


def _policy_group(
    config: PlatformConfig,
    kind: str,
    stacks: list[str],
    enforcement_level: str,
    rules: Mapping[str, Any],
) -> pulumiservice.PolicyGroup:
    return pulumiservice.PolicyGroup(
        kind,
        name=group_name(config.project, kind),
        organization_name=config.organization,
        entity_type="stacks",
        mode="preventative",
        policy_packs=[
            {
                "name": config.policy.pack_name,
                "version_tag": config.policy.pack_version,
                # "all" is the default level of every rule; named rules add their settings.
                "config": {"all": enforcement_level, **rules, **PLATFORM_RULE_LEVELS[kind]},
            }
        ],
        stacks=[{"name": stack, "routing_project": config.project} for stack in stacks],
    )


def create_policy_groups(config: PlatformConfig) -> list[pulumiservice.PolicyGroup]:
    production = [s.name for s in config.stacks if s.production]
    others = [s.name for s in config.stacks if not s.production]
    groups = []
    if production:
        groups.append(
            _policy_group(
                config,
                "production",
                production,
                "mandatory",
                with_rollback_window(
                    config.policy.production_config,
                    config.policy.production_rollback_window_minutes,
                ),
            )
        )
    if others:
        groups.append(
            _policy_group(
                config,
                "non-production",
                others,
                config.policy.non_production_enforcement_level,
                with_rollback_window(
                    config.policy.non_production_config,
                    config.policy.non_production_rollback_window_minutes,
                ),
            )
        )
    return groups
