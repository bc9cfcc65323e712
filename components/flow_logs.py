"""VPC flow logs into a CloudWatch Logs log group, with the role the delivery assumes.

Only for a VPC this program creates: an existing VPC's flow logs belong to whoever manages it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com"


@dataclass
class FlowLogs:
    flow_log: aws.ec2.FlowLog
    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role


def trust_policy_document(account: str, region: str) -> str:
    """Flow-log delivery may assume the role only on behalf of this account's flow logs (the
    confused-deputy conditions AWS recommends for `vpc-flow-logs.amazonaws.com`)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": FLOW_LOGS_SERVICE},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account},
                        "ArnLike": {
                            "aws:SourceArn": f"arn:aws:ec2:{region}:{account}:vpc-flow-log/*"
                        },
                    },
                }
            ],
        }
    )


def delivery_policy_document(log_group_arn: str) -> str:
    """Write streams and events into the one log group (the describe calls are part of the
    delivery AWS documents for flow logs to CloudWatch Logs)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DeliverToTheFlowLogGroup",
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": [log_group_arn, f"{log_group_arn}:*"],
                },
                {
                    # Lists every group: it accepts no log-group ARN.
                    "Sid": "FindTheFlowLogGroup",
                    "Effect": "Allow",
                    "Action": "logs:DescribeLogGroups",
                    "Resource": "*",
                },
            ],
        }
    )


def create_flow_logs(
    name: str,
    *,
    vpc_id: pulumi.Input[str],
    retention_days: int,
    kms_key_id: pulumi.Input[str] | None,
    permissions_boundary: str | None,
    region: pulumi.Input[str],
    account: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> FlowLogs:
    """Accepted and rejected traffic of every interface in the VPC (`traffic_type` ALL)."""
    child = pulumi.ResourceOptions(parent=parent)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-flow-logs",
        name_prefix=f"/vpc/{name}-flow-logs-",
        retention_in_days=retention_days,
        kms_key_id=kms_key_id,
        tags=dict(tags),
        opts=child,
    )
    role = aws.iam.Role(
        f"{name}-flow-logs",
        assume_role_policy=pulumi.Output.all(account, region).apply(
            lambda values: trust_policy_document(values[0], values[1])
        ),
        description=f"{name}: VPC flow log delivery to CloudWatch Logs",
        permissions_boundary=permissions_boundary,
        tags=dict(tags),
        opts=child,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-flow-logs",
        role=role.id,
        policy=log_group.arn.apply(delivery_policy_document),
        opts=pulumi.ResourceOptions(parent=role),
    )
    flow_log = aws.ec2.FlowLog(
        f"{name}-flow-logs",
        vpc_id=vpc_id,
        traffic_type="ALL",
        log_destination_type="cloud-watch-logs",
        log_destination=log_group.arn,
        iam_role_arn=role.arn,
        tags=dict(tags),
        # EC2 checks the role's permissions when the flow log is created.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[policy]),
    )
    return FlowLogs(flow_log, log_group, role)
