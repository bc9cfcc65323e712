"""The modelled `aws` provider plugin (pulumi-aws 7.51.1, the version requirements.txt pins).

Replacements come from `tests/data/provider_force_new.json` (the inputs terraform-provider-aws
marks ForceNew, the same facts tests/change_matrix.py used under mocks) plus `EXTRA_FORCE_NEW`
for the types the awsx VPC creates. Outputs are made from the URN (see `offline.modelled` for
what is and is not modelled). Account 123456789012; the region is the stack's `aws:region`.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from offline.modelled import Model, Props, digest, serve

VERSION = "7.51.1"
ACCOUNT = "123456789012"
ROOT = Path(__file__).resolve().parent.parent
FORCE_NEW_FILE = ROOT / "tests" / "data" / "provider_force_new.json"

#: Types outside the data file that the awsx VPC creates. Not re-read for this model: the inputs
#: terraform-provider-aws documents as forcing a new resource (internal/service/ec2/vpc_*.go).
EXTRA_FORCE_NEW: dict[str, frozenset[str]] = {
    "aws:ec2/vpc:Vpc": frozenset({"cidrBlock", "instanceTenancy"}),
    "aws:ec2/subnet:Subnet": frozenset({"vpcId", "cidrBlock", "availabilityZone"}),
    "aws:ec2/routeTable:RouteTable": frozenset({"vpcId"}),
    "aws:ec2/route:Route": frozenset({"routeTableId", "destinationCidrBlock"}),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": frozenset({"subnetId"}),
    "aws:ec2/natGateway:NatGateway": frozenset({"allocationId", "subnetId", "connectivityType"}),
    "aws:ec2/eip:Eip": frozenset({"domain"}),
}

#: Types whose `name` the provider generates when unset (logical name + random suffix; here a
#: suffix from the URN), and the input holding it.
AUTO_NAMED = {
    "aws:iam/role:Role": "name",
    "aws:iam/policy:Policy": "name",
    "aws:iam/rolePolicy:RolePolicy": "name",
    "aws:ec2/securityGroup:SecurityGroup": "name",
    "aws:lb/targetGroup:TargetGroup": "name",
    "aws:lb/loadBalancer:LoadBalancer": "name",
    "aws:ecs/cluster:Cluster": "name",
    "aws:ecs/service:Service": "name",
    "aws:ecr/repository:Repository": "name",
    "aws:lambda/function:Function": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
    "aws:codedeploy/application:Application": "name",
    "aws:sns/topic:Topic": "name",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:kms/alias:Alias": "name",
    "aws:wafv2/webAcl:WebAcl": "name",
    "aws:appautoscaling/policy:Policy": "name",
}
#: The prefix input that replaces the logical name in an auto-name.
PREFIX = {"name": "namePrefix", "bucket": "bucketPrefix"}


@cache
def force_new() -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = json.loads(FORCE_NEW_FILE.read_text())["resources"]
    return resources


def replaces(typ: str) -> frozenset[str]:
    entry = force_new().get(typ)
    if entry is None:
        return EXTRA_FORCE_NEW.get(typ, frozenset())
    return frozenset(entry["forceNew"])


def source_groups(typ: str) -> frozenset[str]:
    return frozenset(force_new().get(typ, {}).get("replaceWhenSourceChanges", ()))


def auto_name(typ: str, name: str, news: Props) -> Props:
    key = AUTO_NAMED.get(typ)
    if key is None:
        return {}
    prefix = news.get(PREFIX[key]) or f"{name}-"
    suffix = digest(typ, name, length=7)
    value = f"{prefix}{suffix}"
    if typ in ("aws:lb/targetGroup:TargetGroup", "aws:lb/loadBalancer:LoadBalancer"):
        value = value[:32].rstrip("-")  # ELBv2 names are at most 32 characters
    if key == "bucket":
        value = value.lower()
    return {key: value}


def region() -> str:
    return os.environ.get("OFFLINE_AWS_REGION", "eu-west-1")


def arn(service: str, resource: str, *, regional: bool = True) -> str:
    where = region() if regional else ""
    account = "" if service == "s3" else ACCOUNT
    return f"arn:aws:{service}:{where}:{account}:{resource}"


def outputs(typ: str, name: str, urn: str, inputs: Props) -> Props:
    """The computed outputs of one resource: the ones the programs and the policy pack read."""
    h = digest(urn)
    short = typ.rsplit(":", maxsplit=1)[-1]
    label = inputs.get("name") or name
    module = typ.split(":")[1].split("/", maxsplit=1)[0]
    table: dict[str, Props] = {
        "aws:lb/loadBalancer:LoadBalancer": {
            "id": arn("elasticloadbalancing", f"loadbalancer/app/{label}/{h[:16]}"),
            "arnSuffix": f"app/{label}/{h[:16]}",
            "dnsName": f"{label}-{int(h[:8], 16)}.{region()}.elb.amazonaws.com",
            "zoneId": "Z32O12XQLNTSW2",
        },
        "aws:lb/targetGroup:TargetGroup": {
            "id": arn("elasticloadbalancing", f"targetgroup/{label}/{h[:16]}"),
            "arnSuffix": f"targetgroup/{label}/{h[:16]}",
        },
        "aws:lb/listener:Listener": {
            # The last segment carries the port, so getListener can answer from the ARN alone.
            "id": arn(
                "elasticloadbalancing",
                f"listener/app/lb/{h[:16]}/{h[16:28]}{int(inputs.get('port', 80)):04d}",
            ),
        },
        "aws:lb/listenerRule:ListenerRule": {
            "id": arn("elasticloadbalancing", f"listener-rule/app/lb/{h[:16]}/{h[16:32]}"),
        },
        "aws:ecr/repository:Repository": {
            "id": label,
            "arn": arn("ecr", f"repository/{label}"),
            "registryId": ACCOUNT,
            "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{region()}.amazonaws.com/{label}",
        },
        "aws:ecs/cluster:Cluster": {"id": arn("ecs", f"cluster/{label}")},
        "aws:ecs/service:Service": {"id": arn("ecs", f"service/cluster/{label}")},
        "aws:ecs/taskDefinition:TaskDefinition": _task_definition(inputs),
        "aws:iam/role:Role": {
            "id": label,
            "arn": arn("iam", f"role{inputs.get('path', '/')}{label}", regional=False),
            "uniqueId": f"AROA{h[:17].upper()}",
        },
        "aws:iam/policy:Policy": {
            "arn": arn("iam", f"policy{inputs.get('path', '/')}{label}", regional=False),
            "policyId": f"ANPA{h[:17].upper()}",
        },
        "aws:lambda/function:Function": {
            "id": label,
            "arn": arn("lambda", f"function:{label}"),
            "invokeArn": f"arn:aws:apigateway:{region()}:lambda:path/2015-03-31/functions/"
            + arn("lambda", f"function:{label}")
            + "/invocations",
            "qualifiedArn": arn("lambda", f"function:{label}:$LATEST"),
            "version": "$LATEST",
        },
        "aws:cloudwatch/logGroup:LogGroup": {
            "id": label,
            "arn": arn("logs", f"log-group:{label}"),
        },
        "aws:codedeploy/application:Application": {
            "id": label,
            "applicationId": _uuid(h),
            "arn": arn("codedeploy", f"application:{label}"),
        },
        "aws:codedeploy/deploymentGroup:DeploymentGroup": {
            "id": _uuid(h),
            "deploymentGroupId": _uuid(h),
            "arn": arn(
                "codedeploy",
                f"deploymentgroup:{inputs.get('appName')}/{inputs.get('deploymentGroupName')}",
            ),
        },
        "aws:codedeploy/deploymentConfig:DeploymentConfig": {
            "id": inputs.get("deploymentConfigName", name),
            "deploymentConfigId": _uuid(h),
            "arn": arn("codedeploy", f"deploymentconfig:{inputs.get('deploymentConfigName')}"),
        },
        "aws:ec2/securityGroup:SecurityGroup": {
            "id": f"sg-{h}",
            "arn": arn("ec2", f"security-group/sg-{h}"),
            "ownerId": ACCOUNT,
        },
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
            "id": f"sgr-{h}",
            "securityGroupRuleId": f"sgr-{h}",
        },
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
            "id": f"sgr-{h}",
            "securityGroupRuleId": f"sgr-{h}",
        },
        "aws:s3/bucketV2:BucketV2": _bucket(inputs),
        "aws:s3/bucket:Bucket": _bucket(inputs),
        "aws:kms/key:Key": {
            "id": _uuid(h),
            "keyId": _uuid(h),
            "arn": arn("kms", f"key/{_uuid(h)}"),
        },
        "aws:kms/alias:Alias": {"id": label, "arn": arn("kms", label)},
        "aws:sns/topic:Topic": {"id": arn("sns", label), "arn": arn("sns", label)},
        "aws:wafv2/webAcl:WebAcl": {
            "id": _uuid(h),
            "arn": arn("wafv2", f"regional/webacl/{label}/{_uuid(h)}"),
            "capacity": 0,
        },
        "aws:appautoscaling/target:Target": {"id": inputs.get("resourceId", name)},
        "aws:ec2/vpc:Vpc": {
            "id": f"vpc-{h}",
            "arn": arn("ec2", f"vpc/vpc-{h}"),
            "defaultSecurityGroupId": f"sg-{h[::-1]}",
            "mainRouteTableId": f"rtb-{h[::-1]}",
        },
        "aws:ec2/subnet:Subnet": {"id": f"subnet-{h}", "arn": arn("ec2", f"subnet/subnet-{h}")},
        "aws:ec2/routeTable:RouteTable": {"id": f"rtb-{h}"},
        "aws:ec2/route:Route": {"id": f"r-rtb-{h}"},
        "aws:ec2/routeTableAssociation:RouteTableAssociation": {"id": f"rtbassoc-{h}"},
        "aws:ec2/internetGateway:InternetGateway": {"id": f"igw-{h}"},
        "aws:ec2/eip:Eip": {
            "id": f"eipalloc-{h}",
            "allocationId": f"eipalloc-{h}",
            "publicIp": f"203.0.113.{int(h[:2], 16) % 250 + 1}",
        },
        "aws:ec2/natGateway:NatGateway": {"id": f"nat-{h}"},
        "aws:ec2/flowLog:FlowLog": {"id": f"fl-{h}"},
    }
    found = table.get(typ, {})
    generic_id = found.get("id", f"{short.lower()}-{h}")
    return {"id": generic_id, "arn": found.get("arn", _arn_of(module, short, generic_id)), **found}


def _arn_of(module: str, short: str, rid: str) -> str:
    if rid.startswith("arn:"):
        return rid
    return arn(module, f"{short.lower()}/{rid}")


def _uuid(h: str) -> str:
    x = (h * 2)[:32]
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:32]}"


def _task_definition(inputs: Props) -> Props:
    # Each distinct definition is a new revision, as ECS registers one per change.
    family = inputs.get("family", "task")
    revision = int(digest(json.dumps(inputs, sort_keys=True)), 16) % 9000 + 1
    task_arn = arn("ecs", f"task-definition/{family}:{revision}")
    return {
        "id": family,
        "arn": task_arn,
        "arnWithoutRevision": arn("ecs", f"task-definition/{family}"),
        "revision": revision,
    }


def _bucket(inputs: Props) -> Props:
    bucket = inputs.get("bucket", "bucket")
    return {
        "id": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{region()}.amazonaws.com",
    }


def invoke(tok: str, args: Props) -> Props:
    """The data sources the programs call, answered for the modelled account."""
    if tok == "aws:index/getRegion:getRegion":
        return {"id": region(), "name": region(), "region": region(), "endpoint": ""}
    if tok == "aws:index/getCallerIdentity:getCallerIdentity":
        return {
            "id": ACCOUNT,
            "accountId": ACCOUNT,
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/offline/session",
            "userId": "AROAOFFLINE:session",
        }
    if tok == "aws:iam/getSessionContext:getSessionContext":
        return {
            "arn": args.get("arn", ""),
            "id": args.get("arn", ""),
            "issuerArn": f"arn:aws:iam::{ACCOUNT}:role/offline",
            "issuerId": "AROAOFFLINE",
            "issuerName": "offline",
            "sessionName": "session",
        }
    if tok == "aws:index/getAvailabilityZones:getAvailabilityZones":
        zones = [f"{region()}{z}" for z in "abc"]
        return {"id": region(), "names": zones, "zoneIds": [f"euw1-az{i}" for i in (1, 2, 3)]}
    if tok == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
        return {
            "id": ACCOUNT,
            "authorizationToken": "QVdTOm9mZmxpbmU=",
            "userName": "AWS",
            "password": "offline",
            "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.{region()}.amazonaws.com",
            "expiresAt": "2099-01-01T00:00:00Z",
        }
    if tok == "aws:lb/getListener:getListener":
        # The modelled Listener ARN ends in its port (see `outputs`); the protocol follows it.
        listener_arn = str(args.get("arn", ""))
        tail = listener_arn.rsplit("/", 1)[-1]
        port = int(tail[-4:]) if tail[-4:].isdigit() else 80
        balancer = listener_arn.replace(":listener/", ":loadbalancer/").rsplit("/", 1)[0]
        return {
            "id": listener_arn,
            "arn": listener_arn,
            "loadBalancerArn": balancer,
            "port": port,
            "protocol": "HTTPS" if port == 443 else "HTTP",
            "defaultActions": [],
        }
    raise NotImplementedError(f"the modelled aws provider does not answer {tok}")


MODEL = Model(
    name="aws",
    version=VERSION,
    outputs=outputs,
    replaces=replaces,
    source_groups=source_groups,
    auto_name=auto_name,
    invoke=invoke,
)

if __name__ == "__main__":
    serve(MODEL)
