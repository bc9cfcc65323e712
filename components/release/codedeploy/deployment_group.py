"""The CodeDeploy application, deployment group, traffic-shift config, service role, and the
SNS topic that announces failures and rollbacks.

`pulumi up` returns once users are on green, while the rollback window runs on in CodeDeploy
(see `release.py`): a rollback after that point has nobody watching the terminal. The group's
trigger publishes DeploymentFailure, DeploymentStop and DeploymentRollback events to a topic
(stack output `releaseEventsTopicArn`) that a team subscribes its chat or pager to.

CodeDeploy publishes a trigger with the group's service role ("Grant Amazon SNS permissions to a
CodeDeploy service role", CodeDeploy User Guide), the topic's only publisher. With
`logEncryptionEnabled` the topic is encrypted with the stack's log key (Checkov CKV_AWS_26), and
the role gets what a publisher to an encrypted topic needs: `kms:GenerateDataKey*` and
`kms:Decrypt` on the key ("Encryption at rest", Amazon SNS Developer Guide, Key management), which
the key policy delegates to IAM (components/log_encryption.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs
from components.iam import invoke_policy, service_trust_policy
from components.load_balancer import LoadBalancer

CODEDEPLOY_ECS_POLICY = "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
#: CodeDeploy trigger events (TriggerEventType) that mean users may have been moved back.
NOTIFIED_EVENTS = ["DeploymentFailure", "DeploymentStop", "DeploymentRollback"]


@dataclass
class CodeDeploy:
    application: aws.codedeploy.Application
    deployment_group: aws.codedeploy.DeploymentGroup
    deployment_config: aws.codedeploy.DeploymentConfig | None
    """The custom config when the traffic shift is not one AWS predefines."""
    role: aws.iam.Role
    deployment_config_name: pulumi.Output[str]
    events_topic: aws.sns.Topic
    """Failure, stop and rollback notifications of the group's deployments."""


def publish_policy_document(topic_arn: str, key_arn: str | None, region: str) -> str:
    """The CodeDeploy role publishes to the topic and, when it is encrypted, uses the key for
    it through SNS only."""
    statements: list[dict[str, Any]] = [
        {"Sid": "PublishReleaseEvents", "Effect": "Allow", "Action": "sns:Publish",
         "Resource": topic_arn},
    ]  # fmt: skip
    if key_arn:
        statements.append(
            {
                "Sid": "EncryptReleaseEvents",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"sns.{region}.amazonaws.com"}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def create_codedeploy(
    name: str,
    args: BlueGreenServiceArgs,
    *,
    cluster_name: pulumi.Input[str],
    service_name: pulumi.Input[str],
    lb: LoadBalancer,
    alarm_names: Sequence[pulumi.Input[str]],
    events_key_arn: pulumi.Input[str] | None,
    region: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> CodeDeploy:
    """`events_key_arn`: the KMS key that encrypts the release-events topic (None: SNS's
    default, unencrypted)."""
    child = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-codedeploy-role",
        assume_role_policy=service_trust_policy("codedeploy.amazonaws.com"),
        permissions_boundary=args.permissions_boundary_arn,
        tags=tags,
        opts=child,
    )
    attachment = aws.iam.RolePolicyAttachment(
        f"{name}-codedeploy-policy",
        role=role.name,
        policy_arn=CODEDEPLOY_ECS_POLICY,
        opts=pulumi.ResourceOptions(parent=role),
    )
    application = aws.codedeploy.Application(
        f"{name}-app", compute_platform="ECS", tags=tags, opts=child
    )
    shift = args.shift
    custom: aws.codedeploy.DeploymentConfig | None = None
    if shift.predefined_config_name:
        config_name = pulumi.Output.from_input(shift.predefined_config_name)
    else:
        routing = aws.codedeploy.DeploymentConfigTrafficRoutingConfigArgs(
            type=f"TimeBased{shift.kind}",
            time_based_canary=(
                aws.codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedCanaryArgs(
                    interval=shift.interval_minutes, percentage=shift.percentage
                )
                if shift.kind == "Canary"
                else None
            ),
            time_based_linear=(
                aws.codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedLinearArgs(
                    interval=shift.interval_minutes, percentage=shift.percentage
                )
                if shift.kind == "Linear"
                else None
            ),
        )
        custom = aws.codedeploy.DeploymentConfig(
            f"{name}-shift", compute_platform="ECS", traffic_routing_config=routing, opts=child
        )
        config_name = custom.deployment_config_name
    events_topic = aws.sns.Topic(
        f"{name}-release-events", kms_master_key_id=events_key_arn, tags=tags, opts=child
    )
    # AWSCodeDeployRoleForECS may publish only to topics named CodeDeployTopic_*.
    publish = aws.iam.RolePolicy(
        f"{name}-codedeploy-notify",
        role=role.id,
        policy=pulumi.Output.all(events_topic.arn, events_key_arn, region).apply(
            lambda values: publish_policy_document(values[0], values[1], values[2])
        ),
        opts=pulumi.ResourceOptions(parent=role),
    )
    manual_approval = args.approval_wait_minutes > 0
    group = aws.codedeploy.DeploymentGroup(
        f"{name}-group",
        app_name=application.name,
        deployment_group_name=name,
        service_role_arn=role.arn,
        deployment_config_name=config_name,
        ecs_service={"cluster_name": cluster_name, "service_name": service_name},
        deployment_style={
            "deployment_option": "WITH_TRAFFIC_CONTROL",
            "deployment_type": "BLUE_GREEN",
        },
        blue_green_deployment_config={
            "deployment_ready_option": {
                "action_on_timeout": "STOP_DEPLOYMENT"
                if manual_approval
                else "CONTINUE_DEPLOYMENT",
                "wait_time_in_minutes": args.approval_wait_minutes,
            },
            "terminate_blue_instances_on_deployment_success": {
                "action": "TERMINATE",
                "termination_wait_time_in_minutes": args.termination_wait_minutes,
            },
        },
        load_balancer_info={
            "target_group_pair_info": {
                "prod_traffic_route": {"listener_arns": [lb.production_listener.arn]},
                "test_traffic_route": {"listener_arns": [lb.test_listener.arn]},
                "target_groups": [{"name": lb.blue.name}, {"name": lb.green.name}],
            }
        },
        auto_rollback_configuration={"enabled": True, "events": ROLLBACK_EVENTS},
        trigger_configurations=[
            {
                "trigger_events": NOTIFIED_EVENTS,
                "trigger_name": f"{name}-release-events",
                "trigger_target_arn": events_topic.arn,
            }
        ],
        alarm_configuration=(
            {"alarms": list(alarm_names), "enabled": True} if alarm_names else None
        ),
        tags=tags,
        # CodeDeploy checks its role's permissions when the group is created.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[attachment, publish]),
    )
    return CodeDeploy(application, group, custom, role, config_name, events_topic)


def allow_hook_invocation(
    name: str, role: aws.iam.Role, hook_arns: Sequence[pulumi.Input[str]]
) -> aws.iam.RolePolicy:
    """Lets CodeDeploy invoke the hook Lambdas.

    AWSCodeDeployRoleForECS only covers functions named `CodeDeployHook_*`; naming is not
    something a user-supplied hook can be relied on for.
    """
    return aws.iam.RolePolicy(
        f"{name}-codedeploy-hooks",
        role=role.id,
        policy=invoke_policy(hook_arns),
        opts=pulumi.ResourceOptions(parent=role),
    )
