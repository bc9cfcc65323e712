"""`examples/two-services/`: one runtime and two ECS-controlled services in one program, run
under mocks as `pulumi up` would run it; and a release of one that leaves the other untouched."""

from __future__ import annotations

import hashlib
import json
import runpy
from collections import Counter
from typing import Any

import pulumi
import pytest

from tests.harness import ACCOUNT, REGION, ROOT, StackMocks, StackRun, run_program

EXAMPLE = ROOT / "examples" / "two-services"
PROJECT = "ecs-blue-green-two-services"
RULE = "aws:lb/listenerRule:ListenerRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/{}:v1"


class RevisionMocks(StackMocks):
    """As AWS does, each distinct task definition gets its own revision ARN, so a changed
    container definition shows up in everything that references the task definition."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id, state = super().new_resource(args)
        if args.typ == "aws:ecs/taskDefinition:TaskDefinition":
            digest = hashlib.sha256(json.dumps(args.inputs, sort_keys=True).encode()).hexdigest()
            revision = int(digest[:6], 16)
            family = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{args.name}"
            state |= {"arn": f"{family}:{revision}", "revision": revision}
        return resource_id, state


def run_example(**config: Any) -> StackRun:
    base = {"aws:region": REGION, "ordersImage": IMAGE.format("orders")}
    return run_program(
        lambda: runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__"),
        config=base | {"billingImage": IMAGE.format("billing")} | config,
        project=PROJECT,
        mocks=RevisionMocks(),
    )


@pytest.fixture(scope="module")
def run() -> StackRun:
    return run_example(ordersAppVersion="v1", billingAppVersion="v1")


def test_one_load_balancer_and_its_two_listeners_for_both_services(run: StackRun) -> None:
    [alb] = run.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert alb.name == "example-alb"
    assert sorted(r.name for r in run.of_type("aws:lb/listener:Listener")) == [
        "example-production",
        "example-test",
    ]
    assert len(run.of_type("aws:ecs/cluster:Cluster")) == len(run.of_type("awsx:ec2:Vpc")) == 1
    assert sorted(s.name for s in run.of_type("aws:ecs/service:Service")) == [
        "billing-service",
        "orders-service",
    ]


def test_each_service_has_its_rules_at_distinct_priorities_with_its_host(run: StackRun) -> None:
    listeners = {r.name: r.outputs["arn"] for r in run.of_type("aws:lb/listener:Listener")}
    rules = run.of_type(RULE)
    assert len(rules) == 4
    slots = Counter((r.inputs["listenerArn"], r.inputs["priority"]) for r in rules)
    assert set(slots.values()) == {1}, "two rules share a priority on one listener"
    for service in ("orders", "billing"):
        for kind, listener in (("production", "example-production"), ("test", "example-test")):
            rule = run.one(RULE, f"{service}-{kind}-rule").inputs
            assert rule["listenerArn"] == listeners[listener]
            assert rule["conditions"] == [{"hostHeader": {"values": [f"{service}.example.com"]}}]


def test_each_service_opens_the_shared_load_balancer_group_to_its_own_tasks(
    run: StackRun,
) -> None:
    shared = run.one(SG, "example-alb-sg").outputs["id"]
    for service in ("orders", "billing"):
        tasks = run.one(SG, f"{service}-tasks-sg").outputs["id"]
        egress = run.one(EGRESS, f"{service}-alb-out-tasks").inputs
        assert (egress["securityGroupId"], egress["referencedSecurityGroupId"]) == (shared, tasks)
        ingress = run.one(INGRESS, f"{service}-tasks-in-alb").inputs
        assert (ingress["securityGroupId"], ingress["referencedSecurityGroupId"]) == (
            tasks,
            shared,
        )
        gate = run.one(INGRESS, f"{service}-alb-in-test-gate").inputs
        probe = run.one(SG, f"{service}-test-gate-probe").outputs["id"]
        assert (gate["securityGroupId"], gate["referencedSecurityGroupId"]) == (shared, probe)
        assert gate["fromPort"] == 8080
    assert not [r for r in run.of_type(SG) if r.name in ("orders-alb-sg", "billing-alb-sg")]


def test_urls_name_each_service_host(run: StackRun) -> None:
    assert run.outputs["ordersUrl"] == "http://orders.example.com"
    assert run.outputs["billingTestUrl"] == "http://billing.example.com:8080"


def _comparable(value: Any) -> Any:
    """Inputs as the engine diffs them: an archive by its files (its Python objects differ)."""
    if isinstance(value, pulumi.AssetArchive):
        return {name: _comparable(asset) for name, asset in value.assets.items()}
    if isinstance(value, pulumi.FileAsset):
        return value.path
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def _changed(before: StackRun, after: StackRun) -> set[str]:
    """Resources whose inputs differ between two runs, by name (names are unique here)."""

    def diffed(inputs: dict[str, Any]) -> Any:
        # The release check's own diff ignores the run's start time (CHECK_KEYS).
        return _comparable({k: v for k, v in inputs.items() if k != "started_at"})

    inputs = {r.urn: diffed(r.inputs) for r in before.registrations}
    assert inputs.keys() == {r.urn for r in after.registrations}, "same resources both runs"
    return {r.name for r in after.registrations if diffed(r.inputs) != inputs[r.urn]}


def test_a_release_of_orders_leaves_billing_and_the_runtime_untouched(run: StackRun) -> None:
    released = run_example(ordersAppVersion="v2", billingAppVersion="v1")
    # The new revision, the service update that is the ECS release, and its outcome check.
    assert _changed(run, released) == {
        "orders-task",
        "orders-service",
        "orders-release-check",
    }
