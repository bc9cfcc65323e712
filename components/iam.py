"""IAM documents shared by the component's roles."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi


def service_trust_policy(service: str) -> str:
    """The assume-role policy that lets one AWS service (e.g. `ecs-tasks.amazonaws.com`)
    assume a role, and nothing else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def invoke_policy(function_arns: Sequence[pulumi.Input[str]]) -> pulumi.Output[str]:
    """A policy that may invoke exactly these Lambda functions (a release controller's hooks)."""
    return pulumi.Output.all(*function_arns).apply(
        lambda arns: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arns}
                ],
            }
        )
    )
