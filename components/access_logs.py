"""An S3 bucket that receives Application Load Balancer access logs.

ALB log delivery writes with SSE-S3 only (SSE-KMS buckets receive no logs), so the bucket uses
AES256. Who may write depends on the region: regions opened before August 2022 deliver as a
regional Elastic Load Balancing account, newer ones as the `logdelivery.elasticloadbalancing.
amazonaws.com` service principal (AWS, "Enable access logs for your Application Load Balancer",
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html;
the same table is `accountIDPerRegionMap` in terraform-provider-aws
internal/service/elb/service_account_data_source.go).

The bucket keeps versions (Checkov CKV_AWS_21), so a deleted or overwritten log can be restored;
old versions expire after the same retention as the logs, so a log leaves the bucket at most twice
that retention after it was written (expiry makes it an old version first).

`create_access_log_bucket` takes a name and a bucket prefix only, so any program that owns a load
balancer (this component, or a shared runtime) can make its own bucket with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

#: Elastic Load Balancing's log-delivery account per region opened before August 2022.
ELB_LOG_ACCOUNTS: Mapping[str, str] = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
}
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
#: S3 allows 63 characters in a bucket name and 37 in a prefix (the rest is generated).
MAX_BUCKET_PREFIX = 37


@dataclass
class AccessLogs:
    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy
    """Depend on it: the ALB checks at configuration time that it may write."""
    bucket_name: pulumi.Output[str]


def access_log_bucket_prefix(name: str, stack: str) -> str:
    """`<name>-<stack>-alb-logs-`, lowercased and cut to S3's limit. The stack is in it so that
    each stack's deploy role can be limited to its own buckets by name (see docs/platform.md)."""
    stack_part = re.sub(r"[^a-z0-9-]", "-", stack.lower())
    return f"{name}-{stack_part}-alb-logs-"[:MAX_BUCKET_PREFIX]


def log_delivery_principal(region: str) -> dict[str, str]:
    """Who writes ALB access logs in `region` (see the module docstring)."""
    account = ELB_LOG_ACCOUNTS.get(region)
    if account:
        return {"AWS": f"arn:aws:iam::{account}:root"}
    return {"Service": LOG_DELIVERY_SERVICE}


def bucket_policy_document(bucket_arn: str, region: str, account: str) -> str:
    """Log delivery may put objects under this account's prefix; nobody may use plain HTTP."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "LoadBalancerLogDelivery",
            "Effect": "Allow",
            "Principal": log_delivery_principal(region),
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/{account}/*",
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def create_access_log_bucket(
    name: str,
    *,
    bucket_prefix: str,
    expiration_days: int,
    region: pulumi.Input[str],
    account: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> AccessLogs:
    """The bucket, private and TLS-only, whose objects expire after `expiration_days`.

    `bucket_prefix` (lowercase, at most 37 characters) starts the generated bucket name; deploy
    roles scope S3 by it, because S3 bucket actions take no resource-tag conditions.
    """
    if len(bucket_prefix) > MAX_BUCKET_PREFIX or bucket_prefix != bucket_prefix.lower():
        raise ValueError(
            f"bucket_prefix: {bucket_prefix!r} must be lowercase and at most "
            f"{MAX_BUCKET_PREFIX} characters"
        )
    child = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(
        f"{name}-access-logs", bucket_prefix=bucket_prefix, tags=dict(tags), opts=child
    )
    in_bucket = pulumi.ResourceOptions(parent=bucket)
    block = aws.s3.BucketPublicAccessBlock(
        f"{name}-access-logs",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=in_bucket,
    )
    # Objects belong to the bucket owner whoever writes them; ACLs are off.
    aws.s3.BucketOwnershipControls(
        f"{name}-access-logs",
        bucket=bucket.id,
        rule={"object_ownership": "BucketOwnerEnforced"},
        opts=in_bucket,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-access-logs",
        bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
        opts=in_bucket,
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-access-logs",
        bucket=bucket.id,
        versioning_configuration={"status": "Enabled"},
        opts=in_bucket,
    )
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-access-logs",
        bucket=bucket.id,
        rules=[
            {
                "id": "expire-access-logs",
                "status": "Enabled",
                "filter": {},
                "expiration": {"days": expiration_days},
                "noncurrent_version_expiration": {"noncurrent_days": expiration_days},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
            }
        ],
        # The lifecycle rules act on versions once versioning is on (terraform-provider-aws
        # website/docs/r/s3_bucket_lifecycle_configuration.html.markdown: depend on the
        # versioning resource).
        opts=pulumi.ResourceOptions(parent=bucket, depends_on=[versioning]),
    )
    policy = aws.s3.BucketPolicy(
        f"{name}-access-logs",
        bucket=bucket.id,
        policy=pulumi.Output.all(bucket.arn, region, account).apply(
            lambda values: bucket_policy_document(values[0], values[1], values[2])
        ),
        # One configuration write at a time: S3 answers concurrent writes to a bucket's
        # public access block and policy with OperationAborted.
        opts=pulumi.ResourceOptions(parent=bucket, depends_on=[block]),
    )
    return AccessLogs(bucket, policy, bucket.bucket)
