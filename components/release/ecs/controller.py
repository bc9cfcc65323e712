"""The ECS controller wired end to end: listener rules and roles, hooks, service settings and
the check that fails `pulumi up` on a rolled-back release.

No CodeDeploy resource exists in this mode: the service update is the release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs
from components.ecs_service import EcsService, ServiceRelease
from components.listener_rules import ListenerRules
from components.release.codedeploy.credentials import stack_identity
from components.release.ecs import first_run, hooks, lifecycle, strategy
from components.release.ecs.deployment_check import EcsDeploymentCheck, EcsDeploymentCheckArgs
from components.release.ecs.load_balancer_role import create_load_balancer_role


@dataclass
class EcsController:
    rules: ListenerRules
    load_balancer_role: aws.iam.Role
    hook_role: aws.iam.Role | None
    """None when no Lambda hook is configured."""
    release: ServiceRelease
    """What the service must carry for ECS to run its releases."""
    service_depends_on: list[pulumi.Resource]
    """Rules and permissions ECS checks when the service is created or updated."""


def create_ecs_controller(
    name: str,
    args: BlueGreenServiceArgs,
    *,
    rules: ListenerRules,
    alternate_target_group_arn: pulumi.Input[str],
    alarm_names: Sequence[pulumi.Input[str]],
    test_gate_arn: pulumi.Input[str] | None,
    region: pulumi.Input[str],
    run_started_at: str,
    switches_from_code_deploy: bool,
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> EcsController:
    """`rules`: the service's production and test rules (`components.listener_rules`), on its
    own load balancer or on the shared one; `alternate_target_group_arn`: green's group;
    `switches_from_code_deploy`: this stack's last run released with CodeDeploy (its
    `CODE_DEPLOY_OUTPUT` is set, `components.previous_run`), so this run moves the service to
    the ECS controller."""
    lb_role, lb_policy = create_load_balancer_role(
        name, tags, parent, args.permissions_boundary_arn
    )
    depends_on: list[pulumi.Resource] = [rules.production, rules.test, lb_policy]

    lambdas: dict[str, pulumi.Input[str]] = dict(args.ecs_hooks)
    if test_gate_arn is not None:
        lambdas[lifecycle.TEST_GATE_STAGE] = test_gate_arn
    hook_role: aws.iam.Role | None = None
    yours: list[dict[str, Any]] = []
    ours: list[dict[str, Any]] = []
    if lambdas:
        hook_role, hook_policy = hooks.create_hook_role(
            name, list(lambdas.values()), tags, parent, args.permissions_boundary_arn
        )
        depends_on.append(hook_policy)
        for hook in hooks.lambda_hooks(lambdas, hook_role.arn):
            gate = hook["lifecycle_stages"] == [lifecycle.TEST_GATE_STAGE] and (
                test_gate_arn is not None
            )
            (ours if gate else yours).append(hook)
    if args.approval_wait_minutes > 0:
        ours.append(hooks.approval_hook(args.approval_wait_minutes))

    def lifecycle_hooks(cluster_arn: pulumi.Output[str]) -> pulumi.Input[list[Any]]:
        """Your hooks always; the gate and the approval hold from the first release on."""
        if not ours:
            return list(yours)
        identity = stack_identity(parent)
        marker = first_run.ServiceFirstRun(
            f"{name}-first-run",
            cluster=cluster_arn,
            service_name_prefix=f"{name}-service-",
            started_at=run_started_at,
            region=region,
            profile=identity[0],
            role_arns=identity[1],
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return first_run.hooks_after_creation(marker, run_started_at, yours, ours)

    shift = args.shift
    release = ServiceRelease(
        controller="ECS",
        # The run that moves a CODE_DEPLOY service to ECS sends the whole pair: ECS has swapped
        # nothing yet, and the last inputs have no advanced configuration, so an ignored
        # alternate would be dropped from the update (tests/test_ecs_target_group_swap.py).
        ignored=() if switches_from_code_deploy else None,
        deployment_configuration=strategy.deployment_configuration(
            shift, args.termination_wait_minutes, []
        ),
        lifecycle_hooks=lifecycle_hooks if yours or ours else None,
        advanced_configuration={
            "alternate_target_group_arn": alternate_target_group_arn,
            "production_listener_rule": rules.production.arn,
            "test_listener_rule": rules.test.arn,
            "role_arn": lb_role.arn,
        },
        alarm_names=list(alarm_names),
        circuit_breaker=True,
        wait_for_steady_state=True,
        timeout_minutes=args.deployment_timeout_minutes
        or strategy.update_timeout_minutes(
            shift,
            args.termination_wait_minutes,
            args.approval_wait_minutes,
            args.deregistration_delay_seconds + args.stop_timeout_seconds,
        ),
    )
    return EcsController(rules, lb_role, hook_role, release, depends_on)


#: The stack output a CODE_DEPLOY stack exports its CodeDeploy application under (`__main__.py`);
#: None under ECS.
CODE_DEPLOY_OUTPUT = "codedeployApplication"


def create_deployment_check(
    name: str,
    *,
    ecs: EcsService,
    task_definition_arn: pulumi.Input[str],
    release_inputs: Mapping[str, Any],
    region: pulumi.Input[str],
    run_started_at: str,
    parent: pulumi.Resource,
) -> EcsDeploymentCheck:
    """After the service update (which waits for the deployment): fail if any deployment this
    `pulumi up` started was rolled back. Acts as the stack's aws provider, as the CodeDeploy
    release does (`stack_identity`)."""
    profile, role_arns = stack_identity(parent)
    return EcsDeploymentCheck(
        f"{name}-release-check",
        EcsDeploymentCheckArgs(
            cluster_name=ecs.cluster_name,
            service_name=ecs.service.name,
            task_definition_arn=task_definition_arn,
            release_inputs=release_inputs,
            region=region,
            started_at=run_started_at,
            profile=profile,
            role_arns=role_arns,
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[ecs.service]),
    )
