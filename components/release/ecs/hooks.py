"""Lifecycle hooks of an ECS deployment: the test gate, your own hooks, manual approval.

- Lambda hooks (`AWS_LAMBDA`) run as the hook role: trusted by `ecs.amazonaws.com`, allowed
  `lambda:InvokeFunction` on exactly the hook functions (AWS has no managed policy for it).
- Manual approval is a `PAUSE` hook at `lifecycle.APPROVAL_STAGE` whose timeout action is
  `ROLLBACK`: a release nobody approves within `approvalWaitMinutes` is rolled back, as the
  CodeDeploy controller's STOP_DEPLOYMENT does. Resume with `aws ecs
  continue-service-deployment` (docs/controllers.md).

pulumi-aws 7.51 argument names: `lifecycle_stages`, `hook_target_arn`, `role_arn`,
`target_type`, `timeout_configuration{action, timeout_in_minutes}` (a string).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import invoke_policy, service_trust_policy
from components.release.ecs import lifecycle


def create_hook_role(
    name: str,
    hook_arns: list[pulumi.Input[str]],
    tags: dict[str, str],
    parent: pulumi.Resource,
    permissions_boundary: str | None = None,
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """The role ECS assumes to invoke the hook Lambdas, and its invoke-only policy."""
    role = aws.iam.Role(
        f"{name}-ecs-hook-role",
        assume_role_policy=service_trust_policy("ecs.amazonaws.com"),
        description="ECS blue/green: invokes the deployment lifecycle hooks",
        permissions_boundary=permissions_boundary,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    policy = aws.iam.RolePolicy(
        f"{name}-ecs-hook-invoke",
        role=role.id,
        policy=invoke_policy(hook_arns),
        opts=pulumi.ResourceOptions(parent=role),
    )
    return role, policy


def lambda_hooks(
    hooks_by_stage: Mapping[str, pulumi.Input[str]], role_arn: pulumi.Input[str]
) -> list[dict[str, Any]]:
    """One `AWS_LAMBDA` hook per stage, in the order the stages run."""
    return [
        {
            "lifecycle_stages": [stage],
            "hook_target_arn": hooks_by_stage[stage],
            "role_arn": role_arn,
            "target_type": "AWS_LAMBDA",
        }
        for stage in lifecycle.STAGES
        if stage in hooks_by_stage
    ]


def approval_hook(approval_minutes: int) -> dict[str, Any]:
    """The manual-approval PAUSE hook: rolls back when nobody continues in time."""
    return {
        "lifecycle_stages": [lifecycle.APPROVAL_STAGE],
        "target_type": "PAUSE",
        "timeout_configuration": {
            "action": "ROLLBACK",
            "timeout_in_minutes": str(approval_minutes),
        },
    }
