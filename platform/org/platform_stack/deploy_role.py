"""The IAM roles Pulumi Deployments assumes: one per application stack and one per runtime
stack, each with its permissions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pulumi
import pulumi_aws as aws

from platform_stack.config import (
    PlatformConfig,
    RuntimeStackSettings,
    StackSettings,
    boundary_policy_name,
    deploy_role_name,
)
from platform_stack.oidc import deploy_trust_policy
from platform_stack.permissions import (
    RUNTIME_POLICY_NAMES,
    Document,
    Runtime,
    Scope,
    boundary_policy,
    deploy_policies,
    policy_names,
    runtime_policies,
)


def _policy_json(documents: pulumi.Output[dict[str, Any]], name: str) -> pulumi.Output[str]:
    return documents.apply(lambda docs: json.dumps(docs[name]))


@dataclass
class DeployRole:
    role: aws.iam.Role
    boundary: aws.iam.Policy
    """Every role the stack creates must carry it; the deployment passes its ARN to the
    program."""


def runtime_of(config: PlatformConfig, runtime: RuntimeStackSettings) -> Runtime:
    return Runtime(project=config.runtime_project, stack=runtime.name, name=runtime.runtime_name)


def _role_with_policies(
    resource_name: str,
    config: PlatformConfig,
    *,
    project: str,
    stack: str,
    provider_arn: pulumi.Output[str],
    documents: pulumi.Output[dict[str, Document]],
    names: Sequence[str],
    opts: pulumi.ResourceOptions,
) -> aws.iam.Role:
    """The role only `project`/`stack`'s deployments may assume, one managed policy each of
    `names` attached."""
    name = deploy_role_name(project, stack)
    role = aws.iam.Role(
        resource_name,
        name=name,
        description=(
            f"Pulumi Deployments of {config.organization}/{project}/{stack} "
            "(managed by the ecs-blue-green-platform project)"
        ),
        assume_role_policy=provider_arn.apply(
            lambda arn: deploy_trust_policy(arn, config.organization, project, stack)
        ),
        # A release waits for CodeDeploy or ECS (test traffic, canary, bake time) inside one
        # session; the role must allow the duration the deployment settings request (IAM's
        # own minimum is one hour).
        max_session_duration=max(3600, config.session_duration_minutes * 60),
        opts=opts,
    )
    for short_name in names:
        policy = aws.iam.Policy(
            f"{resource_name}-{short_name}",
            name=f"{name}-{short_name}"[:128],
            description=f"{short_name} permissions of {name}",
            policy=_policy_json(documents, short_name),
            opts=opts,
        )
        aws.iam.RolePolicyAttachment(
            f"{resource_name}-{short_name}",
            role=role.name,
            policy_arn=policy.arn,
            opts=opts,
        )
    return role


def create_deploy_role(
    config: PlatformConfig,
    stack: StackSettings,
    provider_arn: pulumi.Output[str],
    image_repository_arn: pulumi.Output[str] | None,
    opts: pulumi.ResourceOptions,
) -> DeployRole:
    """The role of one application stack, with its boundary (and the attach policy when the
    stack names a `runtimeStack`)."""
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
        runtime=(
            runtime_of(config, config.runtime(stack.runtime_stack)) if stack.runtime_stack else None
        ),
    )
    boundary = aws.iam.Policy(
        f"{stack.name}-boundary",
        name=scope.boundary_name,
        description=f"Permissions boundary of every role {config.project}/{stack.name} creates",
        policy=json.dumps(boundary_policy(scope)),
        opts=opts,
    )
    repository_arn = image_repository_arn or pulumi.Output.from_input("")

    def build(arn: str) -> dict[str, Document]:
        return deploy_policies(replace(scope, image_repository_arn=arn or None))

    role = _role_with_policies(
        f"{stack.name}-deploy",
        config,
        project=config.project,
        stack=stack.name,
        provider_arn=provider_arn,
        documents=repository_arn.apply(build),
        names=policy_names(scope),
        opts=opts,
    )
    return DeployRole(role, boundary)


def create_runtime_deploy_role(
    config: PlatformConfig,
    runtime: RuntimeStackSettings,
    provider_arn: pulumi.Output[str],
    opts: pulumi.ResourceOptions,
) -> aws.iam.Role:
    """The role of one runtime stack: its own VPC, cluster, load balancer, listeners and
    security group, by its `runtimeName-` prefix and its tags. It creates no IAM roles, so it
    has no boundary and no IAM writes."""
    scope = Scope(
        account=config.aws_account_id,
        region=config.aws_region,
        name_prefix=runtime.name_prefix,
        attachable_policy_arns=(),
        allow_vpc_management=True,
        image_repository_arn=None,
        project=config.runtime_project,
        stack=runtime.name,
        boundary_name="",
    )
    return _role_with_policies(
        f"runtime-{runtime.name}-deploy",
        config,
        project=config.runtime_project,
        stack=runtime.name,
        provider_arn=provider_arn,
        documents=pulumi.Output.from_input(runtime_policies(scope)),
        names=RUNTIME_POLICY_NAMES,
        opts=opts,
    )
