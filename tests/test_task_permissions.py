"""The task roles' workload permissions, evaluated with iam-simulate: the execution role reads
exactly the secrets the task names (a json-key form reduced to its secret), decrypts with
exactly the named key; ECS Exec's channels only when asked for."""

from __future__ import annotations

import json

import pytest

from components.task_permissions import EXEC_ACTIONS, execute_command_policy, secrets_policy
from tests.platform.iam_simulator import ACCOUNT, Request, simulate

REGION = "eu-west-1"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/db-AbCdEf"
OTHER_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/other-XyZ123"
PARAMETER = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/api-url"
OTHER_PARAMETER = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/other"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
OTHER_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
#: A key policy that delegates to IAM (AWS's default key policy), so identity policies decide.
KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}
VALUE_FROMS = (f"{SECRET}:password::", PARAMETER)


def _outcome(request: Request, policy: str) -> str:
    [outcome] = simulate([request], {"secrets": json.loads(policy)})
    return outcome.result


@pytest.mark.parametrize(
    ("request_", "result"),
    [
        (Request("secretsmanager:GetSecretValue", SECRET), "Allowed"),
        (Request("secretsmanager:GetSecretValue", OTHER_SECRET), "ImplicitlyDenied"),
        (Request("ssm:GetParameters", PARAMETER), "Allowed"),
        (Request("ssm:GetParameters", OTHER_PARAMETER), "ImplicitlyDenied"),
        (Request("kms:Decrypt", KEY, resource_policy=KEY_POLICY), "Allowed"),
        (Request("kms:Decrypt", OTHER_KEY, resource_policy=KEY_POLICY), "ImplicitlyDenied"),
        (Request("secretsmanager:PutSecretValue", SECRET), "ImplicitlyDenied"),
    ],
    ids=lambda v: v.action + " " + v.resource.rsplit(":", 1)[-1] if isinstance(v, Request) else v,
)
def test_execution_role_reads_exactly_the_named_secrets(request_: Request, result: str) -> None:
    assert _outcome(request_, secrets_policy(VALUE_FROMS, KEY)) == result


def test_no_key_named_no_decrypt() -> None:
    request = Request("kms:Decrypt", KEY, resource_policy=KEY_POLICY)
    assert _outcome(request, secrets_policy(VALUE_FROMS)) == "ImplicitlyDenied"


def test_json_key_suffix_is_no_part_of_the_resource() -> None:
    """ECS's valueFrom may end in :json-key:version-stage:version-id; IAM sees the secret."""
    policy = json.loads(secrets_policy([f"{SECRET}:password:AWSCURRENT:", f"{SECRET}:user::"]))
    assert policy["Statement"] == [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": [SECRET]}
    ]


@pytest.mark.parametrize("action", EXEC_ACTIONS)
def test_exec_policy_opens_the_ssm_channels(action: str) -> None:
    assert _outcome(Request(action, "*"), execute_command_policy()) == "Allowed"
