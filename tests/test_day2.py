"""The resource options that make day-2 changes safe, as the engine receives them."""

from __future__ import annotations

from typing import Any

import pytest

from components.args import BlueGreenServiceArgs
from components.identity_guard import IDENTITY_OUTPUT, identity_errors, identity_of
from tests.harness import StackRun, run_dev_stack, run_main, stack_config

LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


@pytest.fixture(scope="module")
def dev() -> StackRun:
    return run_dev_stack()


@pytest.fixture(scope="module")
def https() -> StackRun:
    return run_main(_config(certificateArn=CERT))


def _config(**overrides: Any) -> dict[str, Any]:
    return {**stack_config("dev"), **{f"ecs-blue-green:{k}": v for k, v in overrides.items()}}


def test_service_leaves_network_changes_to_the_release(dev: StackRun) -> None:
    assert "networkConfiguration" in dev.one("aws:ecs/service:Service").ignore_changes


def test_target_groups_keep_whatever_port_they_were_created_with(dev: StackRun) -> None:
    for group in dev.of_type(TARGET_GROUP):
        assert group.ignore_changes == ["port"]
    ports = {g.inputs["port"] for g in run_main(_config(containerPort=8000)).of_type(TARGET_GROUP)}
    assert ports == {80}


def test_load_balancer_reaches_tasks_on_any_port(dev: StackRun) -> None:
    alb_sg = dev.one("aws:ec2/securityGroup:SecurityGroup", "alb-sg").outputs["id"]
    tasks_sg = dev.one("aws:ec2/securityGroup:SecurityGroup", "tasks-sg").outputs["id"]
    ingress = dev.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "tasks-in-alb")
    egress = dev.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "alb-out-tasks")
    for rule, peer in ((ingress, alb_sg), (egress, tasks_sg)):
        assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (0, 65535)
        assert rule.inputs["referencedSecurityGroupId"] == peer


def test_forwarding_listeners_depend_on_both_target_groups(dev: StackRun) -> None:
    groups = {g.urn for g in dev.of_type(TARGET_GROUP)}
    for listener in dev.of_type(LISTENER):
        assert groups <= set(listener.dependencies), listener.name


def test_one_production_listener_adopts_the_old_http_and_https_ones(
    dev: StackRun, https: StackRun
) -> None:
    http_listener = dev.one(LISTENER, "production")
    https_listener = https.one(LISTENER, "production")
    assert http_listener.urn == https_listener.urn
    assert http_listener.alias_names == ["web-http", "web-https"]
    assert (https_listener.inputs["port"], https_listener.inputs["protocol"]) == (443, "HTTPS")
    assert (http_listener.inputs["port"], http_listener.inputs["protocol"]) == (80, "HTTP")
    assert "sslPolicy" not in http_listener.inputs


def test_redirect_waits_for_port_80_to_be_free(https: StackRun) -> None:
    redirect = https.one(LISTENER, "http-redirect")
    assert https.one(LISTENER, "production").urn in redirect.dependencies
    assert redirect.inputs["port"] == 80


def test_tls_policy_is_configurable_and_validated() -> None:
    run = run_main(_config(certificateArn=CERT, sslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06"))
    assert run.one(LISTENER, "production").inputs["sslPolicy"] == (
        "ELBSecurityPolicy-TLS13-1-3-2021-06"
    )
    with pytest.raises(ValueError, match=r"sslPolicy: 'TLS1\.3' is not an ELB security policy"):
        BlueGreenServiceArgs(ssl_policy="TLS1.3").validate("web")


def test_without_redirect_port_80_is_closed() -> None:
    run = run_main(_config(certificateArn=CERT, httpRedirect=False))
    assert sorted(listener.name for listener in run.of_type(LISTENER)) == [
        "web-production",
        "web-test",
    ]
    world = [
        r.inputs["fromPort"]
        for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs.get("cidrIpv4") == "0.0.0.0/0"
    ]
    assert world == [443]


def test_probe_lambda_gives_back_its_security_group_on_destroy(dev: StackRun) -> None:
    probe = dev.one("aws:lambda/function:Function", "probe")
    assert probe.inputs["replaceSecurityGroupsOnDestroy"] is True


def test_image_repository_outlives_the_stack_and_keeps_its_images(dev: StackRun) -> None:
    repository = dev.one("aws:ecr/repository:Repository")
    assert repository.retain_on_delete is True
    assert "forceDelete" not in repository.inputs
    assert dev.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").delete_before_replace is True


def test_identity_is_exported_for_the_next_run(dev: StackRun) -> None:
    assert dev.outputs[IDENTITY_OUTPUT] == {
        "serviceName": "web",
        "network": "new VPC (natStrategy=none)",
        "productionPort": 80,
        "httpRedirect": False,
        "executeCommand": False,
        "capacityProviders": False,
    }


def test_rename_is_refused_before_anything_is_registered(dev: StackRun) -> None:
    previous = {IDENTITY_OUTPUT: dev.outputs[IDENTITY_OUTPUT]}
    run = run_main(_config(serviceName="api"), raise_errors=False, previous_outputs=previous)
    assert "serviceName: 'web' -> 'api' would re-create" in str(run.error)
    assert [r for r in run.registrations if r.custom] == []
    allowed = run_main(
        _config(serviceName="api", allowServiceRename=True), previous_outputs=previous
    )
    assert allowed.outputs[IDENTITY_OUTPUT]["serviceName"] == "api"


def test_turning_https_off_needs_the_redirect_gone_first(https: StackRun) -> None:
    previous = {IDENTITY_OUTPUT: https.outputs[IDENTITY_OUTPUT]}
    run = run_main(_config(), raise_errors=False, previous_outputs=previous)
    assert "httpRedirect=false" in str(run.error)
    step_one = run_main(_config(certificateArn=CERT, httpRedirect=False), previous_outputs=previous)
    step_two = run_main(_config(), previous_outputs={IDENTITY_OUTPUT: step_one.outputs["identity"]})
    assert step_two.one(LISTENER, "production").inputs["port"] == 80


EXISTING_VPC = {"vpc_id": "vpc-0abc", "public_subnet_ids": ("subnet-0a", "subnet-0b")}


@pytest.mark.parametrize(
    ("before", "change", "refused"),
    [
        ({}, EXISTING_VPC, "vpcId/natStrategy/sharedStack"),
        ({}, {"nat_strategy": "onePerAz"}, "vpcId/natStrategy/sharedStack"),
        (EXISTING_VPC, {"private_subnet_ids": ("subnet-1c",)}, None),
        ({}, {"certificate_arn": CERT}, None),
    ],
)
def test_identity_errors_name_the_setting(
    before: dict[str, Any], change: dict[str, Any], refused: str | None
) -> None:
    previous = identity_of("web", BlueGreenServiceArgs(**before))
    current = identity_of("web", BlueGreenServiceArgs(**(before | change)))
    errors = identity_errors(previous, current, allow_rename=True)
    assert [e.split(":")[0] for e in errors] == ([refused] if refused else [])
    assert identity_errors(None, current, allow_rename=False) == []
