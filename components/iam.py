"""IAM documents shared by the component's roles."""

from __future__ import annotations

import json


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
