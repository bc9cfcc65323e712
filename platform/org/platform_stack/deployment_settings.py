"""Pulumi Deployments settings of one application stack: what triggers it, and with which role.

Uses the `github` block although pulumi-pulumiservice 1.5 marks it deprecated in favour of
`vcs`: switching to `vcs={"provider": "github"}` silently stops push-triggered deployments
(pulumi/pulumi-pulumiservice#754, open).
"""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_pulumiservice as pulumiservice

from platform_stack.config import RUNTIME_DIR, PlatformConfig, RuntimeStackSettings, StackSettings

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


def runtime_path_filters(config: PlatformConfig, runtime: RuntimeStackSettings) -> list[str]:
    """Globs of the changes that release a runtime stack: its program and this stack's config,
    and the application's components and dependencies, which the runtime program imports
    (platform/runtime/requirements.txt includes the root's)."""
    program = [
        f"{RUNTIME_DIR}/__main__.py",
        f"{RUNTIME_DIR}/Pulumi.yaml",
        f"{RUNTIME_DIR}/Pulumi.{runtime.name}.yaml",
        f"{RUNTIME_DIR}/requirements.txt",
        "requirements.txt",
        "components/**",
    ]
    return [config.repo_path(path) for path in program]


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
    operation_context = _operation_context(config, stack.name, role_arn)
    operation_context["environment_variables"] = {PERMISSIONS_BOUNDARY_VARIABLE: boundary_arn}
    if pre_run_commands is not None:
        operation_context["pre_run_commands"] = pre_run_commands
    return _settings(
        stack.name,
        config,
        project=config.project,
        stack=stack.name,
        branch=stack.branch,
        preview_pull_requests=stack.preview_pull_requests,
        paths=path_filters(config, stack),
        repo_dir=config.project_dir,
        operation_context=operation_context,
    )


def create_runtime_deployment_settings(
    config: PlatformConfig, runtime: RuntimeStackSettings, role_arn: pulumi.Output[str]
) -> pulumiservice.DeploymentSettings:
    """Push-to-deploy of one runtime stack from `platform/runtime/`, with its own role."""
    return _settings(
        f"runtime-{runtime.name}",
        config,
        project=config.runtime_project,
        stack=runtime.name,
        branch=runtime.branch,
        preview_pull_requests=runtime.preview_pull_requests,
        paths=runtime_path_filters(config, runtime),
        repo_dir=config.repo_path(RUNTIME_DIR),
        operation_context=_operation_context(config, f"runtime-{runtime.name}", role_arn),
    )


def _operation_context(
    config: PlatformConfig, session: str, role_arn: pulumi.Output[str]
) -> pulumiservice.DeploymentSettingsOperationContextArgsDict:
    return {
        "oidc": {
            "aws": {
                "role_arn": role_arn,
                # Rendered by Pulumi Cloud; the version makes each run findable in CloudTrail.
                "session_name": f"pulumi-{session}-${{deployment.version}}",
                "duration": session_duration(config.session_duration_minutes),
            }
        },
        # A release takes minutes (CodeDeploy shifts traffic, then waits to terminate blue);
        # pushes that queue up meanwhile collapse into one update of the newest commit.
        "options": {"skip_intermediate_deployments": True},
    }


def _settings(
    resource_name: str,
    config: PlatformConfig,
    *,
    project: str,
    stack: str,
    branch: str,
    preview_pull_requests: bool,
    paths: list[str],
    repo_dir: str,
    operation_context: pulumiservice.DeploymentSettingsOperationContextArgsDict,
) -> pulumiservice.DeploymentSettings:
    return pulumiservice.DeploymentSettings(
        resource_name,
        organization=config.organization,
        project=project,
        stack=stack,
        github={
            "repository": config.repository,
            "deploy_commits": True,
            "preview_pull_requests": preview_pull_requests,
            "paths": paths,
        },
        source_context={
            "git": {
                "branch": f"refs/heads/{branch}",
                **({"repo_dir": repo_dir} if repo_dir else {}),
            }
        },
        operation_context=operation_context,
        # Pulumi-hosted runners cache the venv and plugins between runs; customer-managed pools
        # have no such cache.
        cache_options=None if config.agent_pool_id else {"enable": True},
        agent_pool_id=config.agent_pool_id or None,
    )
