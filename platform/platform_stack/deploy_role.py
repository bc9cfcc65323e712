"""The IAM role Pulumi Deployments assumes for one application stack, and its permissions."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from platform_stack.config import PlatformConfig, StackSettings, deploy_role_name
from platform_stack.oidc import deploy_trust_policy
from platform_stack.permissions import POLICY_NAMES, Scope, deploy_policies


@dataclass
class DeployRole:
    role: aws.iam.Role
    policies: list[aws.iam.Policy]


def create_deploy_role(
    config: PlatformConfig,
    stack: StackSettings,
    provider_arn: pulumi.Output[str],
    image_repository_arn: pulumi.Output[str] | None,
    opts: pulumi.ResourceOptions,
) -> DeployRole:
    name = deploy_role_name(config.project, stack.name)
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
    documents = repository_arn.apply(
        lambda arn: deploy_policies(
            Scope(
                account=config.aws_account_id,
                region=config.aws_region,
                name_prefix=stack.name_prefix,
                attachable_policy_arns=config.attachable_policy_arns,
                allow_vpc_management=config.allow_vpc_management,
                image_repository_arn=arn or None,
            )
        )
    )
    policies = []
    for short_name in POLICY_NAMES:
        document = documents.apply(lambda docs, short_name=short_name: json.dumps(docs[short_name]))
        policy = aws.iam.Policy(
            f"{stack.name}-deploy-{short_name}",
            name=f"{name}-{short_name}"[:128],
            description=f"{short_name} permissions of {name}",
            policy=document,
            opts=opts,
        )
        aws.iam.RolePolicyAttachment(
            f"{stack.name}-deploy-{short_name}",
            role=role.name,
            policy_arn=policy.arn,
            opts=opts,
        )
        policies.append(policy)
    return DeployRole(role, policies)
