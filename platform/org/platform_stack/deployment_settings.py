"""Pulumi Deployments settings of one application stack: what triggers it, and with which role.

Uses the `github` block although pulumi-pulumiservice 1.5 marks it deprecated in favour of
`vcs`: switching to `vcs={"provider": "github"}` silently stops push-triggered deployments
(pulumi/pulumi-pulumiservice#754, open).
"""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_pulumiservice as pulumiservice

from platform_stack.config import PlatformConfig, StackSettings

#: Read by the application program (components/stack_config.py PERMISSIONS_BOUNDARY_ENV).
PERMISSIONS_BOUNDARY_VARIABLE: Final = "ECS_BLUE_GREEN_PERMISSIONS_BOUNDARY_ARN"


def path_filters(config: PlatformConfig, stack: StackSettings) -> list[str]:
    """Globs, from the repository root, of the changes that release `stack`: the program, its
    components and dependencies, this stack's own config, and the service's build context.
    Other stacks' config, the policy pack, the platform and docs do not trigger it."""
    program = [
        "__main__.py",
        "Pulumi.yaml",
        f"Pulumi.{stack.name}.yaml",
        "requirements.txt",
        "components/**",
    ]
    return [config.repo_path(path) for path in program] + [f"{config.image.service_path}/**"]


def session_duration(minutes: int) -> str:
    """Deployments' `XhYmZs` duration format."""
    return f"{minutes // 60}h{minutes % 60}m0s"


def create_deployment_settings(
    config: PlatformConfig,
    stack: StackSettings,
    role_arn: pulumi.Output[str],
    pre_run_commands: pulumi.Input[list[str]] | None,
    boundary_arn: pulumi.Input[str],
) -> pulumiservice.DeploymentSettings:
    """`boundary_arn` reaches the program as `ECS_BLUE_GREEN_PERMISSIONS_BOUNDARY_ARN`: the
    deploy role may create roles only with it, so the program must set it on every role."""
    operation_context: pulumiservice.DeploymentSettingsOperationContextArgsDict = {
        "oidc": {
            "aws": {
                "role_arn": role_arn,
                # Rendered by Pulumi Cloud; the version makes each run findable in CloudTrail.
                "session_name": f"pulumi-{stack.name}-${{deployment.version}}",
                "duration": session_duration(config.session_duration_minutes),
            }
        },
        # A release takes minutes (CodeDeploy shifts traffic, then waits to terminate blue);
        # pushes that queue up meanwhile collapse into one update of the newest commit.
        "options": {"skip_intermediate_deployments": True},
        "environment_variables": {PERMISSIONS_BOUNDARY_VARIABLE: boundary_arn},
    }
    if pre_run_commands is not None:
        operation_context["pre_run_commands"] = pre_run_commands
    return pulumiservice.DeploymentSettings(
        stack.name,
        organization=config.organization,
        project=config.project,
        stack=stack.name,
        github={
            "repository": config.repository,
            "deploy_commits": True,
            "preview_pull_requests": stack.preview_pull_requests,
            "paths": path_filters(config, stack),
        },
        source_context={
            "git": {
                "branch": f"refs/heads/{stack.branch}",
                **({"repo_dir": config.project_dir} if config.project_dir else {}),
            }
        },
        operation_context=operation_context,
        # Pulumi-hosted runners cache the venv and plugins between runs; customer-managed pools
        # have no such cache.
        cache_options=None if config.agent_pool_id else {"enable": True},
        agent_pool_id=config.agent_pool_id or None,
    )
