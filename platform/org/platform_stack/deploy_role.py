"""The IAM role Pulumi Deployments assumes for one application stack, and its permissions."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import pulumi
import pulumi_aws as aws

from platform_stack.config import (
    PlatformConfig,
    StackSettings,
    boundary_policy_name,
    deploy_role_name,
)
from platform_stack.oidc import deploy_trust_policy
from platform_stack.permissions import POLICY_NAMES, Scope, boundary_policy, deploy_policies


def _policy_json(documents: pulumi.Output[dict[str, Any]], name: str) -> pulumi.Output[str]:
    return documents.apply(lambda docs: json.dumps(docs[name]))


@dataclass
class DeployRole:
    role: aws.iam.Role
    boundary: aws.iam.Policy
    """Every role the stack creates must carry it; the deployment passes its ARN to the
    program."""


def create_deploy_role(
    config: PlatformConfig,
    stack: StackSettings,
    provider_arn: pulumi.Output[str],
    image_repository_arn: pulumi.Output[str] | None,
    opts: pulumi.ResourceOptions,
) -> DeployRole:
    name = deploy_role_name(config.project, stack.name)
    scope = Scope(
        account=config.aws_account_id,
        region=config.aws_region,
        name_prefix=stack.name_prefix,
        attachable_policy_arns=config.attachable_policy_arns,
        allow_vpc_management=config.allow_vpc_management,
        image_repository_arn=None,
        project=config.project,
        stack=stack.name,
        boundary_name=boundary_policy_name(config.project, stack.name),
    )
    boundary = aws.iam.Policy(
        f"{stack.name}-boundary",
        name=scope.boundary_name,
        description=f"Permissions boundary of every role {config.project}/{stack.name} creates",
        policy=json.dumps(boundary_policy(scope)),
        opts=opts,
    )
    role = aws.iam.Role(
        f"{stack.name}-deploy",
        name=name,
        description=(
            f"Pulumi Deployments of {config.organization}/{config.project}/{stack.name} "
            "(managed by the ecs-blue-green-platform project)"
        ),
        assume_role_policy=provider_arn.apply(
            lambda arn: deploy_trust_policy(arn, config.organization, config.project, stack.name)
        ),
        # A release waits for CodeDeploy (test traffic, canary, termination wait) inside one
        # session; the role must allow the duration the deployment settings request (IAM's
        # own minimum is one hour).
        max_session_duration=max(3600, config.session_duration_minutes * 60),
        opts=opts,
    )
    repository_arn = image_repository_arn or pulumi.Output.from_input("")
    documents: pulumi.Output[dict[str, Any]] = repository_arn.apply(
        lambda arn: deploy_policies(replace(scope, image_repository_arn=arn or None))
    )
    for short_name in POLICY_NAMES:
        policy = aws.iam.Policy(
            f"{stack.name}-deploy-{short_name}",
            name=f"{name}-{short_name}"[:128],
            description=f"{short_name} permissions of {name}",
            policy=_policy_json(documents, short_name),
            opts=opts,
        )
        aws.iam.RolePolicyAttachment(
            f"{stack.name}-deploy-{short_name}",
            role=role.name,
            policy_arn=policy.arn,
            opts=opts,
        )
    return DeployRole(role, boundary)
