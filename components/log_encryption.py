"""A customer-managed KMS key for CloudWatch Logs log groups.

Service-managed encryption gives no separate decrypt control and no record of reads; with this
key, reading a log group needs `kms:Decrypt` on it (logged in CloudTrail), and scheduling the key's
deletion makes the logs unreadable (crypto-erase). The key policy is written out rather than
left to the default: the account administers the key, and CloudWatch Logs in this region may use
it only for log groups of this account (AWS, "Encrypt log data in CloudWatch Logs using AWS KMS",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).

`create_log_key` takes a name and an alias prefix only, so a shared runtime program can make
its own key with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

#: Days between scheduling deletion and deletion (7-30): long enough to undo a mistake.
DELETION_WINDOW_DAYS = 30


@dataclass
class LogKey:
    key: aws.kms.Key
    alias: aws.kms.Alias
    arn: pulumi.Output[str]
    """What a log group's `kms_key_id` takes."""


def key_policy_document(region: str, account: str) -> str:
    """The account administers the key (so IAM policies decide who may manage it);
    CloudWatch Logs may use it for this account's log groups in this region only."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersTheKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudWatchLogsOfThisAccountAndRegion",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                    "Action": [
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": (
                                f"arn:aws:logs:{region}:{account}:log-group:*"
                            )
                        }
                    },
                },
            ],
        }
    )


def create_log_key(
    name: str,
    *,
    alias_prefix: str,
    region: pulumi.Input[str],
    account: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> LogKey:
    """The key (rotated yearly by KMS) and an alias `alias/<alias_prefix>-logs`."""
    key = aws.kms.Key(
        f"{name}-logs",
        description=f"{name}: CloudWatch Logs encryption",
        enable_key_rotation=True,
        deletion_window_in_days=DELETION_WINDOW_DAYS,
        policy=pulumi.Output.all(region, account).apply(
            lambda values: key_policy_document(values[0], values[1])
        ),
        tags=dict(tags),
        # Logs written under the key stay encrypted with it after a log group lets go of it;
        # deleting the key with the stack (or when encryption is turned off) would make them
        # unreadable. Schedule its deletion by hand once those logs have expired.
        opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=True),
    )
    alias = aws.kms.Alias(
        f"{name}-logs",
        name=f"alias/{alias_prefix}-logs",
        target_key_id=key.key_id,
        opts=pulumi.ResourceOptions(parent=key),
    )
    return LogKey(key, alias, key.arn)
