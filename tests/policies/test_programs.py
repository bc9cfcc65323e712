"""Program and pack together: what `pulumi preview --policy-pack policies` would report.

Programs run under mocks (tests/harness.py); every registration is sent to the running pack as
the engine sends it: Analyze with the resource's inputs, then one AnalyzeStack with every
resource's outputs and dependency graph.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from tests.harness import StackRun, run_dev_stack, run_main, run_program, stack_config
from tests.policies.analyzer import Diagnostic, PackClient, StackResource


def analyze_run(pack: PackClient, run: StackRun) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    for registration in run.registrations:
        result = pack.analyze(registration.type, registration.inputs, registration.name)
        diagnostics += [
            Diagnostic(d.policy, d.level, d.message, registration.urn) for d in result.diagnostics
        ]
    stack = [
        StackResource(
            r.type,
            r.name,
            r.outputs,
            dependencies=r.dependencies,
            property_dependencies=r.property_dependencies,
            parent=r.parent,
            urn=r.urn,
        )
        for r in run.registrations
    ]
    return diagnostics + pack.analyze_stack(stack).diagnostics


def _resource_name(diagnostic: Diagnostic) -> str:
    return diagnostic.urn.rsplit("::", 1)[1]


def test_dev_stack_has_no_mandatory_violation(pack: PackClient) -> None:
    run = run_dev_stack()
    assert run.of_type("aws:ecs/service:Service"), "the dev stack deploys no ECS service"
    diagnostics = analyze_run(pack, run)
    assert [d for d in diagnostics if d.level == "mandatory"] == []


def test_ecs_controller_stacks_have_no_mandatory_violation(pack: PackClient) -> None:
    for stack, config in (
        ("dev", {**stack_config("dev"), "ecs-blue-green:deploymentController": "ECS"}),
        ("staging", stack_config("staging")),
    ):
        run = run_main(config, stack=stack)
        assert run.one("aws:ecs/service:Service").inputs["deploymentController"]["type"] == "ECS"
        diagnostics = analyze_run(pack, run)
        assert [d for d in diagnostics if d.level == "mandatory"] == [], stack
        # The native rules ran and passed: a broken ECS setup would be reported by them.
        assert not [d for d in diagnostics if d.policy == "ecs-service-blue-green"]


def _wrong_program() -> None:
    """Everything the pack exists to stop: a rolling service, no health checks, and a
    CODE_DEPLOY service that no deployment group can ever release."""
    cluster = aws.ecs.Cluster("main")
    container = {
        "name": "web",
        "image": "public.ecr.aws/nginx/nginx:1.27",
        "essential": True,
        "portMappings": [{"containerPort": 80}],
        "user": "1000",
        "readonlyRootFilesystem": True,
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "web"}},
    }
    task = aws.ecs.TaskDefinition(
        "web",
        family="web",
        cpu="256",
        memory="512",
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        container_definitions=json.dumps([container]),
    )
    target_group = aws.lb.TargetGroup(
        "web-tg",
        port=80,
        protocol="HTTP",
        target_type="ip",
        vpc_id="vpc-0123",
        deregistration_delay=30,
    )
    for name, controller in (("rolling", "ECS"), ("orphan", "CODE_DEPLOY")):
        aws.ecs.Service(
            name,
            cluster=cluster.arn,
            task_definition=task.arn,
            desired_count=2,
            launch_type="FARGATE",
            health_check_grace_period_seconds=30,
            deployment_controller={"type": controller},
            deployment_circuit_breaker={"enable": True, "rollback": True},
            load_balancers=[
                {
                    "target_group_arn": target_group.arn,
                    "container_name": "web",
                    "container_port": 80,
                }
            ],
            opts=pulumi.ResourceOptions(depends_on=[target_group]),
        )


def test_wrong_program_has_exactly_the_expected_mandatory_violations(pack: PackClient) -> None:
    run = run_program(_wrong_program, config={}, project="wrong", stack="dev")
    mandatory = {
        (d.policy, _resource_name(d)) for d in analyze_run(pack, run) if d.level == "mandatory"
    }
    assert mandatory == {
        ("ecs-service-blue-green", "rolling"),
        ("target-group-health-check", "web-tg"),
        ("ecs-container-health-check", "web"),
        ("codedeploy-service-has-deployment-group", "orphan"),
    }
