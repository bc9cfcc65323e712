"""The release-events topic's only publisher can publish to it once it is encrypted.

CodeDeploy publishes the deployment group's trigger with the group's service role ("Grant Amazon
SNS permissions to a CodeDeploy service role", CodeDeploy User Guide). A publisher to a topic
encrypted with a customer managed key needs `kms:GenerateDataKey*` and `kms:Decrypt` on it
("Encryption at rest", Amazon SNS Developer Guide), allowed three times over: by the role's own
policy (components/release/codedeploy/deployment_group.py), by the permissions boundary every
role of the stack carries, and by the key policy (components/log_encryption.py), which delegates
to IAM. Evaluated with the IAM simulator, the role as the stack builds it.
"""

from __future__ import annotations

import json

import pytest

from components.log_encryption import key_policy_document
from components.release.codedeploy.deployment_group import publish_policy_document
from platform_stack.permissions import boundary_policy
from tests.platform.iam_simulator import ACCOUNT, Request, simulate
from tests.platform.test_deploy_role_evaluation import PROD

REGION = "eu-west-1"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:web-release-events-1a2b3c4"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
KEY_POLICY = json.loads(key_policy_document(REGION, ACCOUNT))
THROUGH_SNS = {"kms:ViaService": f"sns.{REGION}.amazonaws.com"}
CASES = [
    ("publish", Request("sns:Publish", TOPIC), "Allowed"),
    ("encrypt the message", Request("kms:GenerateDataKey", KEY, THROUGH_SNS,
                                    resource_policy=KEY_POLICY), "Allowed"),
    ("decrypt the data key", Request("kms:Decrypt", KEY, THROUGH_SNS,
                                     resource_policy=KEY_POLICY), "Allowed"),
    ("use the key outside SNS", Request("kms:Decrypt", KEY, {"kms:ViaService": (
        f"s3.{REGION}.amazonaws.com")}, resource_policy=KEY_POLICY), "ImplicitlyDenied"),
    ("use another key", Request("kms:Decrypt", KEY.replace("00000000-", "11111111-"), THROUGH_SNS,
                                resource_policy=KEY_POLICY), "ImplicitlyDenied"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "request_", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_codedeploy_role_publishes_to_the_encrypted_topic(
    case: str, request_: Request, expected: str
) -> None:
    policy = json.loads(publish_policy_document(TOPIC, KEY, REGION))
    [outcome] = simulate([request_], {"codedeploy-notify": policy}, boundary_policy(PROD))
    assert outcome.result == expected, case
    assert not {k for k in request_.context if k.startswith("kms:")} & set(
        outcome.ignored_context_keys
    )
