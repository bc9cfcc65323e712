"""Stack rules through AnalyzeStack: resources carry outputs and the dependency graph."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.analyzer import UNKNOWN, PackClient, StackResource, urn
from tests.policies.fixtures import (
    AWS_DEPLOYMENT_GROUP,
    AWS_LOAD_BALANCER,
    AWS_SERVICE_CODE_DEPLOY,
    AWS_SERVICE_ECS_BLUE_GREEN,
    CLUSTER_ARN,
    DELETE,
    LB_ARN,
    NATIVE_DEPLOYMENT_GROUP,
    NATIVE_LOAD_BALANCER,
    NATIVE_SERVICE_CODE_DEPLOY,
    PROD_LISTENER_ARN,
    TEST_LISTENER_ARN,
)

HAS_GROUP = "codedeploy-service-has-deployment-group"
TEST_LISTENER = "test-listener-not-public"
SERVICE = "aws:ecs/service:Service"
GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
LISTENER = "aws:lb/listener:Listener"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
WORLD = "0.0.0.0/0"


def _service(**props: Any) -> StackResource:
    return StackResource(SERVICE, "web", {**AWS_SERVICE_CODE_DEPLOY.props(), **props})


def _group(service: StackResource | None = None, **props: Any) -> StackResource:
    deps = {"ecsService": [service.urn]} if service else {}
    return StackResource(
        GROUP, "web-group", {**AWS_DEPLOYMENT_GROUP.props(), **props}, property_dependencies=deps
    )


@pytest.mark.parametrize(
    ("group_props", "with_deps", "reported"),
    [
        ({}, False, False),
        ({"ecsService": {"clusterName": "main", "serviceName": "api"}}, False, True),
        ({"ecsService": {"clusterName": "other", "serviceName": "web"}}, False, True),
        # While names are unknown, a value computed from the service's outputs targets it ...
        ({"ecsService": {"clusterName": UNKNOWN, "serviceName": UNKNOWN}}, True, False),
        ({"ecsService": UNKNOWN}, True, False),
        # ... and one computed from nothing known cannot be told apart: not reported.
        ({"ecsService": UNKNOWN}, False, False),
        ({"ecsService": {"clusterName": "main", "serviceName": UNKNOWN}}, False, False),
        # A server (EC2/on-premises) group deploys no ECS service.
        ({"ecsService": DELETE}, False, True),
    ],
)
def test_service_needs_a_deployment_group(
    pack: PackClient, group_props: dict[str, Any], with_deps: bool, reported: bool
) -> None:
    service = _service()
    group = _group(service if with_deps else None)
    for key, value in group_props.items():
        if value is DELETE:
            del group.props[key]
        else:
            group.props[key] = value
    found = pack.analyze_stack([service, group]).of(HAS_GROUP)
    assert len(found) == int(reported)
    for diagnostic in found:
        assert diagnostic.urn == service.urn
        assert diagnostic.level == "mandatory"
        assert (
            "web (aws:ecs/service:Service): CODE_DEPLOY service that no CodeDeploy deployment"
            in (diagnostic.message)
        )
        assert "`ecsService{clusterName: main, serviceName: web}`" in diagnostic.message


def test_group_computed_from_another_service_does_not_cover_this_one(pack: PackClient) -> None:
    web, api = _service(), _service(name="api")
    api.name, api.urn = "api", urn(SERVICE, "api")
    group = _group(api, ecsService={"clusterName": UNKNOWN, "serviceName": UNKNOWN})
    found = pack.analyze_stack([web, api, group]).of(HAS_GROUP)
    assert [d.urn for d in found] == [web.urn]


def test_orphan_service_alone(pack: PackClient) -> None:
    found = pack.analyze_stack([_service()]).of(HAS_GROUP)
    assert [d.urn for d in found] == [urn(SERVICE, "web")]


def test_service_default_cluster_and_name_cluster(pack: PackClient) -> None:
    service = _service(cluster=DELETE)
    del service.props["cluster"]
    group = _group(ecsService={"clusterName": "default", "serviceName": "web"})
    assert pack.analyze_stack([service, group]).of(HAS_GROUP) == []


def test_aws_native_service_and_group(pack: PackClient) -> None:
    service = StackResource("aws-native:ecs:Service", "web", NATIVE_SERVICE_CODE_DEPLOY.props())
    group = StackResource(
        "aws-native:codedeploy:DeploymentGroup", "web-group", NATIVE_DEPLOYMENT_GROUP.props()
    )
    assert pack.analyze_stack([service, group]).of(HAS_GROUP) == []
    group.props["ecsServices"] = [{"clusterName": CLUSTER_ARN, "serviceName": "other"}]
    assert [d.urn for d in pack.analyze_stack([service, group]).of(HAS_GROUP)] == [service.urn]


def test_only_code_deploy_services_need_a_group(pack: PackClient) -> None:
    service = StackResource(SERVICE, "web", AWS_SERVICE_ECS_BLUE_GREEN.props())
    assert pack.analyze_stack([service]).diagnostics == []


def test_exempt_service_needs_no_group(pack: PackClient) -> None:
    service = _service(tags={"blue-green-exempt": HAS_GROUP})
    assert pack.analyze_stack([service]).diagnostics == []


# --- test-listener-not-public ---------------------------------------------------------------


def _listener_stack(
    *, known_arns: bool = True, test_cidr: str | None = None, prod_arn_known: bool | None = None
) -> list[StackResource]:
    """An ALB with a world-open production listener (443) and a test listener (8080), its
    security group with standalone ingress rules, and the CodeDeploy group naming both."""
    prod_known = known_arns if prod_arn_known is None else prod_arn_known
    sg = StackResource(SG, "alb-sg", {"vpcId": "vpc-0123", "id": "sg-alb"})
    lb = StackResource(
        "aws:lb/loadBalancer:LoadBalancer",
        "alb",
        {**AWS_LOAD_BALANCER.props(), "arn": LB_ARN if known_arns else UNKNOWN},
        property_dependencies={"securityGroups": [sg.urn]},
    )
    prod = StackResource(
        LISTENER,
        "prod",
        {"port": 443, "loadBalancerArn": lb.props["arn"], "arn": PROD_LISTENER_ARN},
        property_dependencies={"loadBalancerArn": [lb.urn]},
    )
    test = StackResource(
        LISTENER,
        "test",
        {"port": 8080, "loadBalancerArn": lb.props["arn"], "arn": TEST_LISTENER_ARN},
        property_dependencies={"loadBalancerArn": [lb.urn]},
    )
    rules = [
        StackResource(
            INGRESS_RULE,
            "alb-in-443",
            {
                "securityGroupId": "sg-alb",
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrIpv4": WORLD,
            },
            property_dependencies={"securityGroupId": [sg.urn]},
        )
    ]
    if test_cidr:
        rules.append(
            StackResource(
                INGRESS_RULE,
                "alb-in-test",
                {
                    "securityGroupId": "sg-alb",
                    "ipProtocol": "tcp",
                    "fromPort": 8080,
                    "toPort": 8080,
                    ("cidrIpv6" if ":" in test_cidr else "cidrIpv4"): test_cidr,
                },
                property_dependencies={"securityGroupId": [sg.urn]},
            )
        )
    pair = AWS_DEPLOYMENT_GROUP.props()["loadBalancerInfo"]["targetGroupPairInfo"]
    pair["prodTrafficRoute"]["listenerArns"] = [PROD_LISTENER_ARN if prod_known else UNKNOWN]
    pair["testTrafficRoute"]["listenerArns"] = [TEST_LISTENER_ARN if known_arns else UNKNOWN]
    group = StackResource(
        GROUP,
        "web-group",
        {**AWS_DEPLOYMENT_GROUP.props(), "loadBalancerInfo": {"targetGroupPairInfo": pair}},
        property_dependencies={"loadBalancerInfo": [prod.urn, test.urn]},
    )
    for resource in (prod, test):
        if not known_arns:
            resource.props["arn"] = UNKNOWN
    if prod_known:
        prod.props["arn"] = PROD_LISTENER_ARN
    return [sg, lb, prod, test, *rules, group]


@pytest.mark.parametrize("known_arns", [True, False])
def test_test_listener_closed_to_the_world_passes(pack: PackClient, known_arns: bool) -> None:
    stack = _listener_stack(known_arns=known_arns, test_cidr="10.0.0.0/8")
    assert pack.analyze_stack(stack).of(TEST_LISTENER) == []


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_world_open_test_listener_is_reported_on_the_listener(pack: PackClient, cidr: str) -> None:
    (diagnostic,) = pack.analyze_stack(_listener_stack(test_cidr=cidr)).of(TEST_LISTENER)
    assert diagnostic.urn == urn(LISTENER, "test")
    assert diagnostic.level == "advisory"
    assert (
        "test (aws:lb/listener:Listener): test listener of deployment group web-group: port 8080"
        " is open to the internet by alb-in-test: remove that ingress" in diagnostic.message
    )


def test_unknown_test_arn_with_known_production_arn_is_resolved(pack: PackClient) -> None:
    stack = _listener_stack(known_arns=False, prod_arn_known=True, test_cidr=WORLD)
    (diagnostic,) = pack.analyze_stack(stack).of(TEST_LISTENER)
    assert diagnostic.urn == urn(LISTENER, "test")


def test_all_arns_unknown_reports_only_when_every_candidate_is_open(pack: PackClient) -> None:
    stack = _listener_stack(known_arns=False, test_cidr=WORLD)
    (diagnostic,) = pack.analyze_stack(stack).of(TEST_LISTENER)
    assert diagnostic.urn == urn(GROUP, "web-group")
    assert "its test listener is one of prod, test, and every one of them is open" in (
        diagnostic.message
    )


@pytest.mark.parametrize(
    ("ingress", "reported"),
    [
        ({"protocol": "tcp", "fromPort": 8000, "toPort": 9000, "cidrBlocks": [WORLD]}, True),
        ({"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]}, True),
        ({"protocol": "tcp", "fromPort": 8081, "toPort": 9000, "cidrBlocks": [WORLD]}, False),
        ({"protocol": "udp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": [WORLD]}, False),
        ({"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": [UNKNOWN]}, False),
    ],
)
def test_inline_security_group_ingress(
    pack: PackClient, ingress: dict[str, Any], reported: bool
) -> None:
    stack = _listener_stack()
    stack[0].props["ingress"] = [ingress]
    found = pack.analyze_stack(stack).of(TEST_LISTENER)
    assert [d.urn for d in found] == ([urn(LISTENER, "test")] if reported else [])
    if reported:
        assert "open to the internet by alb-sg.ingress[0]" in found[0].message


@pytest.mark.parametrize(("kind", "reported"), [("ingress", True), ("egress", False)])
def test_ec2_security_group_rule(pack: PackClient, kind: str, reported: bool) -> None:
    stack = _listener_stack()
    # Attached by literal ID (no dependency): matched through the group's `id` output.
    stack.append(
        StackResource(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "legacy-rule",
            {
                "type": kind,
                "securityGroupId": "sg-alb",
                "protocol": "-1",
                "fromPort": 0,
                "toPort": 0,
                "cidrBlocks": [WORLD],
            },
        )
    )
    assert len(pack.analyze_stack(stack).of(TEST_LISTENER)) == int(reported)


def test_world_open_cidrs_are_configurable(pack: PackClient) -> None:
    stack = _listener_stack(test_cidr="::/0")
    pack.configure({TEST_LISTENER: {"worldOpenCidrs": ["0.0.0.0/0"]}})
    assert pack.analyze_stack(stack).of(TEST_LISTENER) == []


def test_exempt_listener(pack: PackClient) -> None:
    stack = _listener_stack(test_cidr=WORLD)
    pack.configure({TEST_LISTENER: {"exemptResourceNames": ["test"]}})
    assert pack.analyze_stack(stack).of(TEST_LISTENER) == []


def test_aws_native_test_listener(pack: PackClient) -> None:
    sg = StackResource(
        "aws-native:ec2:SecurityGroup",
        "alb-sg",
        {
            "groupId": "sg-alb",
            "securityGroupIngress": [
                {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIp": WORLD}
            ],
        },
    )
    lb = StackResource(
        "aws-native:elasticloadbalancingv2:LoadBalancer",
        "alb",
        {**NATIVE_LOAD_BALANCER.props(), "loadBalancerArn": LB_ARN},
        property_dependencies={"securityGroups": [sg.urn]},
    )
    listeners = [
        StackResource(
            "aws-native:elasticloadbalancingv2:Listener",
            name,
            {"port": port, "loadBalancerArn": LB_ARN, "listenerArn": arn},
        )
        for name, port, arn in (("prod", 443, PROD_LISTENER_ARN), ("test", 8080, TEST_LISTENER_ARN))
    ]
    ingress = StackResource(
        "aws-native:ec2:SecurityGroupIngress",
        "alb-in-test",
        {
            "groupId": "sg-alb",
            "ipProtocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
            "cidrIp": WORLD,
        },
    )
    group = StackResource(
        "aws-native:codedeploy:DeploymentGroup", "web-group", NATIVE_DEPLOYMENT_GROUP.props()
    )
    stack = [sg, lb, *listeners, group]
    assert pack.analyze_stack(stack).of(TEST_LISTENER) == []
    found = pack.analyze_stack([*stack, ingress]).of(TEST_LISTENER)
    assert [d.urn for d in found] == [listeners[1].urn]


@pytest.mark.parametrize(("group_has_deps", "reported"), [(False, False), (True, True)])
def test_service_with_unknown_name(pack: PackClient, group_has_deps: bool, reported: bool) -> None:
    """A literal target name might be the unknown name; one computed from another service's
    outputs is not."""
    web = _service(name=UNKNOWN)
    api = _service(name="api")
    api.name, api.urn = "api", urn(SERVICE, "api")
    group = _group(api if group_has_deps else None)
    group.props["ecsService"] = {"clusterName": "main", "serviceName": "api"}
    found = pack.analyze_stack([web, api, group]).of(HAS_GROUP)
    assert [d.urn for d in found] == ([web.urn] if reported else [])
