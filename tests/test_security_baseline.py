"""The security baseline under Pulumi mocks: access logs, the log key, flow logs, WAF, the
permissions boundary on every role, and the settings that turn them on."""

from __future__ import annotations

import json
import runpy
from typing import Any

import pulumi
import pytest

from components.access_logs import access_log_bucket_prefix, log_delivery_principal
from components.args import BlueGreenServiceArgs
from components.stack_config import PERMISSIONS_BOUNDARY_ENV, read_pulumi_config
from components.waf import MANAGED_RULE_GROUPS
from platform_stack.deployment_settings import PERMISSIONS_BOUNDARY_VARIABLE
from platform_stack.permissions import Scope
from tests.harness import ACCOUNT, REGION, ROOT, StackMocks, StackRun, run_program, stack_config

BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/pulumi-deploy-ecs-blue-green-prod-boundary"
BUCKET = "aws:s3/bucket:Bucket"
KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ALB = "aws:lb/loadBalancer:LoadBalancer"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"


class BaselineMocks(StackMocks):
    """Bucket names and key ARNs shaped as AWS returns them."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id, state = super().new_resource(args)
        if args.typ == BUCKET:
            name = f"{args.inputs['bucketPrefix']}20260101"
            state |= {"bucket": name, "arn": f"arn:aws:s3:::{name}", "id": name}
        if args.typ == KEY:
            key_id = "00000000-0000-0000-0000-000000000000"
            state |= {"keyId": key_id, "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"}
        return resource_id, state


def _run(stack: str, **overrides: Any) -> StackRun:
    config = stack_config(stack) | {f"ecs-blue-green:{k}": v for k, v in overrides.items()}
    return run_program(
        lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"),
        config=config,
        stack=stack,
        mocks=BaselineMocks(),
    )


@pytest.fixture(scope="module")
def prod() -> StackRun:
    """Prod as configured, plus WAF and the boundary the platform would pass."""
    return _run("prod", wafEnabled=True, permissionsBoundaryArn=BOUNDARY)


@pytest.fixture(scope="module")
def dev() -> StackRun:
    return _run("dev")


def _one_input(run: StackRun, type_: str, key: str) -> Any:
    return run.one(type_).inputs[key]


def test_prod_alb_writes_access_logs_to_its_own_private_tls_only_bucket(prod: StackRun) -> None:
    bucket = prod.one(BUCKET)
    alb = prod.one(ALB)
    policy = prod.one("aws:s3/bucketPolicy:BucketPolicy")

    assert bucket.inputs["bucketPrefix"] == "web-prod-alb-logs-"
    assert alb.inputs["accessLogs"] == {"bucket": bucket.outputs["bucket"], "enabled": True}
    # ELB checks its write access when logging is switched on: the policy must exist first.
    assert policy.urn in alb.dependencies
    block = prod.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(
        block[k] is True
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    assert _one_input(prod, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "rule") == {
        "objectOwnership": "BucketOwnerEnforced"
    }
    [rule] = _one_input(
        prod,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "rules",
    )
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    [lifecycle] = _one_input(
        prod, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "rules"
    )
    assert (lifecycle["status"], lifecycle["expiration"]) == ("Enabled", {"days": 365})


def test_access_logs_keep_versions_that_expire_within_the_stacks_retention(
    prod: StackRun,
) -> None:
    # Checkov CKV_AWS_21 (versioning); old versions go after accessLogsExpirationDays.
    versioning = prod.one("aws:s3/bucketVersioning:BucketVersioning")
    lifecycle = prod.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    [rule] = lifecycle.inputs["rules"]

    assert versioning.inputs["bucket"] == lifecycle.inputs["bucket"]
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 365}
    assert versioning.urn in lifecycle.dependencies
    shorter = _run("prod", accessLogsExpirationDays=30)
    [rule] = shorter.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs[
        "rules"
    ]
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 30}


def test_bucket_policy_admits_the_regions_log_delivery_and_refuses_plain_http(
    prod: StackRun,
) -> None:
    bucket_arn = prod.one(BUCKET).outputs["arn"]
    statements = json.loads(prod.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])[
        "Statement"
    ]
    delivery, insecure = statements

    # eu-west-1 predates August 2022: its ELB account writes.
    assert delivery["Principal"] == {"AWS": "arn:aws:iam::156460612806:root"}
    assert (delivery["Action"], delivery["Resource"]) == (
        "s3:PutObject",
        f"{bucket_arn}/AWSLogs/{ACCOUNT}/*",
    )
    assert insecure["Effect"] == "Deny"
    assert insecure["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert insecure["Resource"] == [bucket_arn, f"{bucket_arn}/*"]


def test_newer_regions_deliver_as_the_service_principal() -> None:
    assert log_delivery_principal("ap-southeast-5") == {
        "Service": "logdelivery.elasticloadbalancing.amazonaws.com"
    }
    assert log_delivery_principal("us-east-1") == {"AWS": "arn:aws:iam::127311923021:root"}


def test_every_log_group_is_encrypted_with_the_rotated_stack_key(prod: StackRun) -> None:
    key = prod.one(KEY)
    groups = prod.of_type(LOG_GROUP)

    assert key.retain_on_delete  # logs already written stay readable
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert prod.one("aws:kms/alias:Alias").inputs["name"] == "alias/web-prod-logs"
    # The app's, the gate's, the probe's and the flow logs'.
    assert len(groups) == 4
    assert {g.inputs.get("kmsKeyId") for g in groups} == {key.outputs["arn"]}


def test_key_policy_lets_only_this_accounts_log_groups_in_this_region_use_it(
    prod: StackRun,
) -> None:
    owner, logs = json.loads(prod.one(KEY).inputs["policy"])["Statement"]

    assert owner["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert logs["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"
        }
    }
    assert "kms:Decrypt*" in logs["Action"]


def test_release_events_are_encrypted_with_the_stack_key_its_publisher_may_use(
    prod: StackRun, dev: StackRun
) -> None:
    # Checkov CKV_AWS_26. CodeDeploy publishes the trigger with the group's service role.
    key_arn = prod.one(KEY).outputs["arn"]
    topic = prod.one("aws:sns/topic:Topic", "release-events")
    publish, encrypt = json.loads(
        prod.one("aws:iam/rolePolicy:RolePolicy", "codedeploy-notify").inputs["policy"]
    )["Statement"]

    assert topic.inputs["kmsMasterKeyId"] == key_arn
    assert (publish["Action"], publish["Resource"]) == ("sns:Publish", topic.outputs["arn"])
    assert encrypt["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
    assert encrypt["Resource"] == key_arn
    assert encrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": f"sns.{REGION}.amazonaws.com"}
    }
    # Without logEncryptionEnabled (dev) the topic keeps SNS's default and no key is named.
    assert "kmsMasterKeyId" not in dev.one("aws:sns/topic:Topic", "release-events").inputs
    dev_policy = dev.one("aws:iam/rolePolicy:RolePolicy", "codedeploy-notify").inputs["policy"]
    assert "kms:" not in dev_policy


def test_flow_logs_record_all_traffic_of_the_new_vpc(prod: StackRun) -> None:
    flow_log = prod.one(FLOW_LOG)
    group = prod.one(LOG_GROUP, "flow-logs")
    role = prod.one(ROLE, "flow-logs")
    policy = prod.one("aws:iam/rolePolicy:RolePolicy", "flow-logs")

    assert flow_log.inputs["vpcId"] == "vpc-0123"
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
    assert flow_log.inputs["logDestination"] == group.outputs["arn"]
    assert flow_log.inputs["iamRoleArn"] == role.outputs["arn"]
    assert policy.urn in flow_log.dependencies
    assert group.inputs["retentionInDays"] == 90
    [trust] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


def test_waf_puts_the_managed_rule_groups_in_front_of_the_alb(prod: StackRun) -> None:
    acl = prod.one("aws:wafv2/webAcl:WebAcl").inputs
    association = prod.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs

    assert acl["scope"] == "REGIONAL"
    assert acl["defaultAction"] == {"allow": {}}
    assert [r["name"] for r in acl["rules"]] == list(MANAGED_RULE_GROUPS)
    assert all(r["overrideAction"] == {"none": {}} for r in acl["rules"])
    assert association["resourceArn"] == prod.one(ALB).outputs["arn"]


def test_every_role_carries_the_boundary(prod: StackRun) -> None:
    roles = prod.of_type(ROLE)

    # execution, task, CodeDeploy, probe, gate, flow logs
    assert len(roles) == 6
    assert {r.name: r.inputs.get("permissionsBoundary") for r in roles} == {
        r.name: BOUNDARY for r in roles
    }


def test_every_role_of_the_ecs_controller_carries_the_boundary() -> None:
    run = _run("staging", permissionsBoundaryArn=BOUNDARY)
    roles = {r.name: r.inputs.get("permissionsBoundary") for r in run.of_type(ROLE)}

    # The ECS controller's own: the load-balancer role and the lifecycle-hook role.
    assert {"web-ecs-lb-role", "web-ecs-hook-role"} <= set(roles)
    assert roles == dict.fromkeys(roles, BOUNDARY)


def test_dev_has_none_of_the_paid_extras(dev: StackRun) -> None:
    for type_ in (BUCKET, KEY, FLOW_LOG, "aws:wafv2/webAcl:WebAcl"):
        assert dev.of_type(type_) == [], type_
    assert "accessLogs" not in dev.one(ALB).inputs
    assert all("kmsKeyId" not in g.inputs for g in dev.of_type(LOG_GROUP))
    assert all("permissionsBoundary" not in r.inputs for r in dev.of_type(ROLE))


def test_probe_egress_goes_only_to_the_alb_on_the_test_port(dev: StackRun) -> None:
    alb_group = dev.one("aws:ec2/securityGroup:SecurityGroup", "alb-sg")
    egress = dev.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "probe-egress")

    assert egress.inputs["referencedSecurityGroupId"] == alb_group.outputs["id"]
    assert (egress.inputs["fromPort"], egress.inputs["toPort"]) == (8080, 8080)
    assert "cidrIpv4" not in egress.inputs


def test_the_platform_passes_the_boundary_through_the_environment() -> None:
    class Config:
        def get(self, key: str) -> None:
            return None

        get_int = get_bool = get_object = get

    values = read_pulumi_config(Config(), {PERMISSIONS_BOUNDARY_ENV: BOUNDARY})  # type: ignore[arg-type]

    assert values == {"permissionsBoundaryArn": BOUNDARY}
    assert PERMISSIONS_BOUNDARY_VARIABLE == PERMISSIONS_BOUNDARY_ENV


@pytest.mark.parametrize("stack", ["dev", "Prod_EU", "a-stack-name-of-29-characters"])
def test_the_deploy_role_bucket_scope_covers_the_bucket_the_component_names(stack: str) -> None:
    scope = Scope(
        account=ACCOUNT,
        region=REGION,
        name_prefix="web-",
        attachable_policy_arns=(),
        allow_vpc_management=True,
        image_repository_arn=None,
        project="ecs-blue-green",
        stack=stack,
        boundary_name="b",
    )
    prefix = access_log_bucket_prefix("web", stack)

    assert len(prefix) <= 37
    assert prefix == prefix.lower()
    assert prefix.startswith(f"web-{scope.stack_part}-")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"access_logs_expiration_days": 0}, r"accessLogsExpirationDays: 0 is outside 1..3650"),
        ({"flow_logs_retention_days": 10}, r"flowLogsRetentionDays: 10 is not one of"),
        (
            {
                "flow_logs_enabled": True,
                "vpc_id": "vpc-0abc",
                "public_subnet_ids": ("subnet-0a", "subnet-0b"),
            },
            r"flowLogsEnabled: applies only to the VPC this component creates",
        ),
        (
            {"permissions_boundary_arn": "arn:aws:iam::aws:policy/AdministratorAccess"},
            r"permissionsBoundaryArn: .* is not a customer managed policy ARN",
        ),
    ],
)
def test_bad_settings_are_refused_naming_the_key(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BlueGreenServiceArgs(**change).validate("web")
