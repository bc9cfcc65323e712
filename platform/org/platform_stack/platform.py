"""Everything one platform stack manages for one AWS account and the organisation's stacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from platform_stack.config import NAMESPACE, PlatformConfig
from platform_stack.deploy_role import create_deploy_role, create_runtime_deploy_role
from platform_stack.deployment_settings import (
    create_deployment_settings,
    create_runtime_deployment_settings,
)
from platform_stack.image_pipeline import create_image_pipeline, image_uri_command
from platform_stack.oidc import GITHUB_AUDIENCE, GITHUB_ISSUER, PULUMI_ISSUER, oidc_provider_arn
from platform_stack.policy_groups import create_policy_groups


@dataclass
class Platform:
    outputs: dict[str, Any] = field(default_factory=dict)


def _image_uri_command(config: PlatformConfig, repository_url: str, role_arn: str) -> str:
    return image_uri_command(
        repository_url=repository_url,
        repository_name=config.image.repository_name,
        account=config.aws_account_id,
        region=config.aws_region,
        service_path=config.image.service_path,
        deploy_role_arn=role_arn,
        wait_minutes=config.image.wait_minutes,
    )


def build_platform(config: PlatformConfig) -> Platform:
    """Creates the OIDC trust, a deploy role and deployment settings per application and
    runtime stack, the image pipeline (imageSource "ci") and the policy groups. `config` is
    already validated."""
    provider = aws.Provider(
        "aws",
        region=config.aws_region,
        # Credentials for any other account stop the update before it changes anything.
        allowed_account_ids=[config.aws_account_id],
        default_tags={
            "tags": {"managed-by": "ecs-blue-green-platform", "app:project": config.project}
        },
    )
    opts = pulumi.ResourceOptions(provider=provider)
    pulumi_provider_arn = oidc_provider_arn(
        "pulumi-oidc", PULUMI_ISSUER, config.organization, config.pulumi_oidc_provider_arn, opts
    )
    platform = Platform()
    platform.outputs["pulumiOidcProviderArn"] = pulumi_provider_arn

    if config.image.source == "deployment" and not config.agent_pool_id:
        pulumi.log.warn(
            f"{NAMESPACE}:imageSource is 'deployment' on Pulumi-hosted runners, which are not "
            "documented to offer a Docker daemon: if `pulumi up` cannot build the image, set "
            "agentPoolId to a customer-managed pool with Docker, or use imageSource 'ci'"
        )
    pipeline = None
    if config.image.source == "ci":
        github_provider_arn = oidc_provider_arn(
            "github-oidc", GITHUB_ISSUER, GITHUB_AUDIENCE, config.github_oidc_provider_arn, opts
        )
        pipeline = create_image_pipeline(config, github_provider_arn, opts)
        # The repository variables .github/workflows/image.yml reads (`gh variable set`).
        platform.outputs["githubVariables"] = {
            "AWS_REGION": config.aws_region,
            "IMAGE_PUSH_ROLE_ARN": pipeline.push_role.arn,
            "IMAGE_REPOSITORY_URL": pipeline.repository.repository_url,
            "SERVICE_PATH": config.image.service_path,
        }

    role_arns: dict[str, pulumi.Output[str]] = {}
    for stack in config.stacks:
        deploy = create_deploy_role(
            config, stack, pulumi_provider_arn, pipeline.repository.arn if pipeline else None, opts
        )
        role = deploy.role
        role_arns[stack.name] = role.arn
        pre_run = None
        if pipeline:
            pre_run = pulumi.Output.all(pipeline.repository.repository_url, role.arn).apply(
                lambda values: [_image_uri_command(config, values[0], values[1])]
            )
        create_deployment_settings(config, stack, role.arn, pre_run, deploy.boundary.arn)
    platform.outputs["deployRoleArns"] = role_arns
    runtime_role_arns: dict[str, pulumi.Output[str]] = {}
    for runtime in config.runtimes:
        runtime_role = create_runtime_deploy_role(config, runtime, pulumi_provider_arn, opts)
        runtime_role_arns[runtime.name] = runtime_role.arn
        create_runtime_deployment_settings(config, runtime, runtime_role.arn)
    if runtime_role_arns:
        platform.outputs["runtimeDeployRoleArns"] = runtime_role_arns
    platform.outputs["policyGroups"] = [group.name for group in create_policy_groups(config)]
    return platform
