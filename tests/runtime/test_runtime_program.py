"""platform/runtime/__main__.py under mocks: what `pulumi up` of a runtime stack creates."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
import yaml

from components.runtime import DEFAULT_NAME, SharedRuntimeArgs
from components.runtime import TYPE as COMPONENT
from components.runtime_ref import OUTPUT_FIELDS
from tests.harness import ROOT, StackRun
from tests.runtime.support import DECLARED, RUNTIME, run_runtime, runtime_config

LISTENER = "aws:lb/listener:Listener"
ALB = "aws:lb/loadBalancer:LoadBalancer"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
NOT_FOUND = {
    "type": "fixed-response",
    "fixedResponse": {
        "contentType": "text/plain",
        "messageBody": "No service is routed for this host or path.",
        "statusCode": "404",
    },
}


@pytest.fixture(scope="module")
def dev() -> StackRun:
    return run_runtime(runtime_config("dev"))


def test_outputs_are_exactly_the_documented_names(dev: StackRun) -> None:
    assert list(dev.outputs) == list(OUTPUT_FIELDS)
    alb = dev.one(ALB)
    cluster = dev.one("aws:ecs/cluster:Cluster")
    listeners = {r.name: r for r in dev.of_type(LISTENER)}
    assert dev.outputs == {
        "vpcId": "vpc-0123",
        "publicSubnetIds": ["subnet-pub-a", "subnet-pub-b"],
        "privateSubnetIds": [],  # no NAT in dev: tasks go to the public subnets
        "clusterArn": cluster.outputs["arn"],
        "clusterName": cluster.outputs["name"],
        "loadBalancerArn": alb.outputs["arn"],
        "loadBalancerArnSuffix": alb.outputs["arnSuffix"],
        "loadBalancerDnsName": alb.outputs["dnsName"],
        "loadBalancerSecurityGroupId": dev.one(SG, "alb-sg").outputs["id"],
        "productionListenerArn": listeners["dev-production"].outputs["arn"],
        "testListenerArn": listeners["dev-test"].outputs["arn"],
    }


def test_listeners_answer_unmatched_requests_with_404(dev: StackRun) -> None:
    listeners = {r.name: r for r in dev.of_type(LISTENER)}
    assert set(listeners) == {"dev-production", "dev-test"}
    assert (
        listeners["dev-production"].inputs["port"],
        listeners["dev-production"].inputs["protocol"],
    ) == (
        80,
        "HTTP",
    )
    assert listeners["dev-test"].inputs["port"] == 8080
    alb_arn = dev.one(ALB).outputs["arn"]
    for listener in listeners.values():
        assert listener.inputs["defaultActions"] == [NOT_FOUND]
        assert listener.inputs["loadBalancerArn"] == alb_arn
        # Only the runtime sets default actions; services add rules.
        assert listener.ignore_changes == []


def test_load_balancer_is_internet_facing_in_the_public_subnets(dev: StackRun) -> None:
    alb = dev.one(ALB).inputs
    assert (alb["loadBalancerType"], alb["internal"]) == ("application", False)
    assert alb["subnets"] == ["subnet-pub-a", "subnet-pub-b"]
    assert alb["securityGroups"] == [dev.one(SG, "alb-sg").outputs["id"]]
    assert alb["dropInvalidHeaderFields"] is True


def test_test_listener_is_closed_to_the_internet(dev: StackRun) -> None:
    sg = dev.one(SG, "alb-sg")
    assert sg.inputs["vpcId"] == "vpc-0123"
    rules = [r.inputs for r in dev.of_type(INGRESS)]
    assert [(r["securityGroupId"], r["fromPort"], r["cidrIpv4"]) for r in rules] == [
        (sg.outputs["id"], 80, "0.0.0.0/0")
    ]
    assert dev.of_type(EGRESS) == [], "each service opens the way to its own tasks"


def test_test_listener_cidrs_open_only_the_test_port() -> None:
    run = run_runtime(runtime_config("dev", testListenerCidrs=["10.0.0.0/8"]))
    test_rules = [r.inputs for r in run.of_type(INGRESS) if r.inputs["fromPort"] == 8080]
    assert [(r["cidrIpv4"], r["toPort"]) for r in test_rules] == [("10.0.0.0/8", 8080)]


def test_cluster_has_container_insights(dev: StackRun) -> None:
    cluster = dev.one("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]


def test_every_resource_is_a_child_of_the_runtime(dev: StackRun) -> None:
    [component] = dev.of_type(COMPONENT)
    assert component.name == "dev"
    for registration in dev.registrations:
        chain = registration
        while chain is not component and chain.parent and chain.parent != component.urn:
            chain = dev.by_urn(chain.parent)
        assert chain is component or chain.parent == component.urn, registration.name


PROTECTED = {
    "awsx:ec2:Vpc",
    "aws:ecs/cluster:Cluster",
    # Inherited from the cluster: services on Fargate Spot need the association.
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    ALB,
    LISTENER,
}


def test_what_every_service_runs_on_is_protected(dev: StackRun) -> None:
    protected = {r.type for r in dev.registrations if r.protect}
    assert protected == PROTECTED
    assert len([r for r in dev.registrations if r.type == LISTENER and r.protect]) == 2
    # Who may connect changes routinely: groups and rules can be replaced.
    assert not any(r.protect for r in dev.of_type(SG) + dev.of_type(INGRESS))


def test_throwaway_runtime_is_unprotected() -> None:
    run = run_runtime(runtime_config("dev", protect=False))
    assert not any(r.protect for r in run.registrations)


def test_prod_puts_tasks_in_private_subnets_behind_nat_per_az() -> None:
    run = run_runtime(runtime_config("prod"))
    assert run.one("awsx:ec2:Vpc").inputs["natGateways"] == {"strategy": "OnePerAz"}
    assert run.outputs["privateSubnetIds"] == ["subnet-priv-a", "subnet-priv-b"]


def test_https_serves_443_and_redirects_80() -> None:
    run = run_runtime(runtime_config("dev", certificateArn=CERT))
    listeners = {r.name: r for r in run.of_type(LISTENER)}
    assert set(listeners) == {"dev-production", "dev-http-redirect", "dev-test"}
    https = listeners["dev-production"].inputs
    assert (https["port"], https["protocol"], https["certificateArn"]) == (443, "HTTPS", CERT)
    assert https["defaultActions"] == [NOT_FOUND]
    assert listeners["dev-http-redirect"].inputs["defaultActions"][0]["redirect"] == {
        "protocol": "HTTPS",
        "port": "443",
        "statusCode": "HTTP_301",
    }
    assert run.outputs["productionListenerArn"] == listeners["dev-production"].outputs["arn"]
    world = sorted(
        r.inputs["fromPort"] for r in run.of_type(INGRESS) if r.inputs["cidrIpv4"] == "0.0.0.0/0"
    )
    assert world == [80, 443]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"natStrategy": "double"}, "natStrategy: 'double' is not one of none, single, onePerAz"),
        ({"testListenerCidrs": ["0.0.0.0/0"]}, "testListenerCidrs: must not open"),
        ({"testListenerPort": 80}, "testListenerPort: 80 clashes with the production listener"),
        ({"certificateArn": "arn:aws:iam::1:cert"}, "certificateArn: 'arn:aws:iam::1:cert' is not"),
        ({"allowedCidrs": ["10.0.0.1/8"]}, "allowedCidrs: '10.0.0.1/8' is not a CIDR block"),
        ({"runtimeName": "Prod_Env"}, "name: 'Prod_Env' must be 1-20 lowercase"),
    ],
)
def test_bad_config_fails_before_anything_is_created(overrides: dict, message: str) -> None:
    run = run_runtime(runtime_config("dev", **overrides), raise_errors=False)
    assert isinstance(run.error, ValueError)
    assert message in str(run.error)
    assert run.registrations == []


def test_declared_defaults_are_the_code_defaults() -> None:
    defaults = SharedRuntimeArgs()
    assert DECLARED["natStrategy"]["default"] == defaults.nat_strategy
    assert DECLARED["certificateArn"]["default"] == ""
    assert defaults.certificate_arn is None
    assert DECLARED["testListenerPort"]["default"] == defaults.test_listener_port
    assert DECLARED["allowedCidrs"]["default"] == list(defaults.allowed_cidrs)
    assert DECLARED["testListenerCidrs"]["default"] == list(defaults.test_listener_cidrs)
    assert DECLARED["protect"]["default"] is defaults.protect is True
    fields = {f.name for f in dataclasses.fields(SharedRuntimeArgs)} - {"tags"}
    assert len(DECLARED) == len(fields) + 1  # + runtimeName, the component's name


def test_runtime_name_default_is_the_code_default() -> None:
    assert DECLARED["runtimeName"]["default"] == DEFAULT_NAME


def test_program_imports_components_from_its_own_folder() -> None:
    """As Pulumi starts it: cwd platform/runtime/, the repository root not on sys.path. Without
    an engine the program builds its resources and first fails at `pulumi.export`."""
    script = (
        "import runpy, sys; "
        f"sys.path = [p for p in sys.path if p not in ('', {str(ROOT)!r})]; "
        "runpy.run_path('__main__.py', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=RUNTIME,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        timeout=60,
        check=False,
    )
    assert "ModuleNotFoundError" not in result.stderr
    assert "Failed to export output" in result.stderr, result.stderr[-2000:]


def test_program_runs_on_the_root_environment() -> None:
    project = yaml.safe_load((RUNTIME / "Pulumi.yaml").read_text())
    root = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    venv = project["runtime"]["options"]["virtualenv"]
    assert (RUNTIME / venv).resolve() == (ROOT / root["runtime"]["options"]["virtualenv"]).resolve()
    assert (RUNTIME / "requirements.txt").read_text().splitlines()[
        -1
    ] == "-r ../../requirements.txt"
