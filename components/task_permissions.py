"""What the task's two roles may do for a workload: read its secrets, open ECS Exec channels.

Both documents follow the ECS developer guide: "Amazon ECS task execution IAM role" (secrets:
`secretsmanager:GetSecretValue` on the secret, `ssm:GetParameters` on the parameter, and
`kms:Decrypt` when a customer managed key encrypts them) and "Monitor Amazon ECS containers with
ECS Exec" (the task role's four `ssmmessages` actions, which have no resource type in the
Service Authorization Reference, so only `"*"` grants them). tests/platform/ evaluates both with
iam-simulate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from components.args import secret_resource_arn

#: ECS Exec's channel actions (the SSM agent inside the task opens them).
EXEC_ACTIONS: tuple[str, ...] = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)


def secrets_policy(value_froms: Iterable[str], kms_key_arn: str | None = None) -> str:
    """The execution role's policy: read exactly these secrets and parameters, decrypt with
    exactly this key. `value_froms` are the container `valueFrom` ARNs; a Secrets Manager
    json-key form is reduced to its secret's ARN, which is what IAM authorises."""
    resources = sorted({arn for v in value_froms if (arn := secret_resource_arn(v)) is not None})
    secrets = [arn for arn in resources if ":secretsmanager:" in arn]
    parameters = [arn for arn in resources if ":ssm:" in arn]
    statements = []
    if secrets:
        statements.append(
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secrets}
        )
    if parameters:
        statements.append(
            {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameters}
        )
    if kms_key_arn:
        statements.append({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": kms_key_arn})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def execute_command_policy() -> str:
    """The task role's policy for ECS Exec."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(EXEC_ACTIONS), "Resource": "*"}],
        }
    )
