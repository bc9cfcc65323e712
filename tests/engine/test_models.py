"""The modelled provider plugins and the local CodeDeploy endpoint, without the CLI.

The engine tier (test_engine.py, test_lifecycle.py) needs the Pulumi CLI; these check the facts
the engine gets from the models: replacements from the ForceNew data, delete-before-replace for
names the user set, deterministic outputs, unknowns in a preview, and the endpoint botocore
reaches through its endpoint settings.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from pulumi.runtime.proto import provider_pb2

from offline import aws, docker_build, dynamic_host
from offline.endpoint import Endpoint
from offline.modelled import DEFAULTS, UNKNOWN, ModelledProvider, to_dict, to_struct

TG = "aws:lb/targetGroup:TargetGroup"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def urn(typ: str, name: str) -> str:
    return f"urn:pulumi:dev::ecs-blue-green::components:index:BlueGreenService${typ}::{name}"


@pytest.fixture
def provider() -> ModelledProvider:
    return ModelledProvider(aws.MODEL)


def check(provider: ModelledProvider, typ: str, news: dict[str, Any], olds: Any = None) -> Any:
    request = provider_pb2.CheckRequest(
        urn=urn(typ, "web-blue"), news=to_struct(news), olds=to_struct(olds or {})
    )
    return to_dict(provider.Check(request, None).inputs)


def diff(provider: ModelledProvider, typ: str, olds: Any, news: Any) -> Any:
    request = provider_pb2.DiffRequest(
        urn=urn(typ, "web-blue"), id="x", olds=to_struct(olds), news=to_struct(news)
    )
    request.old_inputs.CopyFrom(to_struct(olds))
    return provider.Diff(request, None)


def test_every_force_new_input_replaces_and_others_update(provider: ModelledProvider) -> None:
    data = json.loads(aws.FORCE_NEW_FILE.read_text())["resources"]
    for typ, entry in data.items():
        for key in entry["forceNew"]:
            found = diff(provider, typ, {key: "a", "tags": {}}, {key: "b", "tags": {}})
            assert list(found.replaces) == [key], (typ, key)
        found = diff(provider, typ, {"tags": {"a": "1"}}, {"tags": {"a": "2"}})
        assert found.changes == provider_pb2.DiffResponse.DIFF_SOME
        assert list(found.replaces) == [], typ


def test_no_change_is_no_diff(provider: ModelledProvider) -> None:
    found = diff(provider, TG, {"port": 80.0}, {"port": 80.0})
    assert found.changes == provider_pb2.DiffResponse.DIFF_NONE


def test_switching_a_rule_source_replaces_changing_its_value_does_not(
    provider: ModelledProvider,
) -> None:
    old = {"securityGroupId": "sg-1", "cidrIpv4": "10.0.0.0/8"}
    assert list(diff(provider, RULE, old, {**old, "cidrIpv4": "10.1.0.0/16"}).replaces) == []
    switched = {"securityGroupId": "sg-1", "referencedSecurityGroupId": "sg-2"}
    assert set(diff(provider, RULE, old, switched).replaces) == {
        "cidrIpv4",
        "referencedSecurityGroupId",
    }


def test_a_name_the_user_set_is_deleted_before_its_replacement(
    provider: ModelledProvider,
) -> None:
    named = {"name": "web-blue", "port": 80.0}
    assert diff(provider, TG, named, {**named, "port": 8080.0}).deleteBeforeReplace
    auto = check(provider, TG, {"port": 80.0})
    assert auto[DEFAULTS] == ["name"]
    found = diff(provider, TG, auto, {**auto, "port": 8080.0})
    assert list(found.replaces) == ["port"]
    assert not found.deleteBeforeReplace


def test_auto_names_are_deterministic_and_kept(provider: ModelledProvider) -> None:
    first = check(provider, TG, {"port": 80.0})
    assert first["name"] == check(provider, TG, {"port": 80.0})["name"]
    assert first["name"].startswith("web-blue-")
    kept = check(provider, TG, {"port": 81.0}, olds={"name": "web-blue-old"})
    assert kept["name"] == "web-blue-old"


def test_outputs_are_deterministic_and_unknown_in_a_preview(provider: ModelledProvider) -> None:
    typ = "aws:lb/loadBalancer:LoadBalancer"

    def create(preview: bool) -> Any:
        request = provider_pb2.CreateRequest(
            urn=urn(typ, "web-alb"), properties=to_struct({"name": "web"}), preview=preview
        )
        return provider.Create(request, None)

    made, again, planned = create(False), create(False), create(True)
    outputs = to_dict(made.properties)
    assert made.id == again.id
    assert outputs == to_dict(again.properties)
    assert outputs["dnsName"].endswith(".eu-west-1.elb.amazonaws.com")
    assert outputs["arn"] == made.id
    assert ":loadbalancer/app/web/" in made.id
    assert to_dict(planned.properties)["dnsName"] == UNKNOWN
    assert to_dict(planned.properties)["name"] == "web"


def test_a_new_task_definition_is_a_new_revision() -> None:
    typ = "aws:ecs/taskDefinition:TaskDefinition"
    one = aws.outputs(typ, "td", urn(typ, "td"), {"family": "web", "cpu": "256"})
    two = aws.outputs(typ, "td", urn(typ, "td"), {"family": "web", "cpu": "512"})
    assert one["arn"] != two["arn"]
    assert one["arn"].startswith("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:")


def test_the_image_digest_follows_the_build_context(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM node:22\n")
    inputs = {"context": {"location": str(tmp_path)}, "tags": ["repo:v1"]}
    before = docker_build.outputs("docker-build:index:Image", "img", "u", inputs)
    (tmp_path / "server.js").write_text("changed\n")
    after = docker_build.outputs("docker-build:index:Image", "img", "u", inputs)
    assert before["digest"] != after["digest"]
    assert after["ref"] == f"repo@{after['digest']}"


def test_unanswered_invokes_say_so() -> None:
    with pytest.raises(NotImplementedError, match="aws:ec2/getVpc:getVpc"):
        aws.invoke("aws:ec2/getVpc:getVpc", {})


def _session() -> boto3.Session:
    """Clients that reach the endpoint through the settings in the environment."""
    return boto3.Session(
        aws_access_key_id="offline", aws_secret_access_key="offline", region_name="eu-west-1"
    )


def _deploy(codedeploy: Any, task_definition: str) -> Any:
    """CreateDeployment of TASK_DEFINITION, with the AppSpec our release resource sends."""
    spec = {"Resources": [{"TargetService": {"Properties": {"TaskDefinition": task_definition}}}]}
    return codedeploy.create_deployment(
        applicationName="app",
        deploymentGroupName="group",
        revision={
            "revisionType": "AppSpecContent",
            "appSpecContent": {"content": json.dumps(spec)},
        },
    )


def test_botocore_reaches_the_endpoint_through_its_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = Endpoint(tmp_path / "codedeploy.json", factor=600)
    url = endpoint.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEDEPLOY", url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_ECS", url)
        session = _session()
        codedeploy, ecs = session.client("codedeploy"), session.client("ecs")
        created = _deploy(codedeploy, "td:2")
        assert created["deploymentId"] == "d-0001"
        endpoint.started -= 500 / 600  # 500 compressed seconds: traffic moved, wait over
        info = codedeploy.get_deployment(deploymentId="d-0001")["deploymentInfo"]
        assert info["status"] == "Succeeded"
        serving = ecs.describe_services(cluster="c", services=["s"])["services"][0]
        assert serving["taskSets"][0]["taskDefinition"] == "td:2"
    finally:
        endpoint.stop()
    # What serves and what was deployed outlive the endpoint: the next run starts from them.
    assert json.loads((tmp_path / "codedeploy.json").read_text())["serving"] == "td:2"
    later = Endpoint(tmp_path / "codedeploy.json", factor=600)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CODEDEPLOY", later.start())
    try:
        codedeploy = session.client("codedeploy")
        info = codedeploy.get_deployment(deploymentId="d-0001")["deploymentInfo"]
        assert info["status"] == "Succeeded"
        again = _deploy(codedeploy, "td:2")
        assert again["deploymentId"] == "d-0002"
    finally:
        later.stop()


@pytest.mark.parametrize(("fail", "status"), [(False, "SUCCESSFUL"), (True, "ROLLBACK_SUCCESSFUL")])
def test_the_ecs_check_finds_this_runs_deployment_and_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: bool, status: str
) -> None:
    endpoint = Endpoint(tmp_path / "codedeploy.json", fail=fail)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECS", endpoint.start())
    asked = datetime.now(UTC)
    try:
        ecs = _session().client("ecs")
        listed = ecs.list_service_deployments(cluster="c", service="s", createdAt={"after": asked})[
            "serviceDeployments"
        ]
        assert ecs.list_services(cluster="c")["serviceArns"] == []
    finally:
        endpoint.stop()
    assert [(d["serviceArn"].rsplit("/", 1)[1], d["status"]) for d in listed] == [("s", status)]
    assert listed[0]["createdAt"] >= asked - timedelta(seconds=1)


def test_the_offline_dynamic_host_compresses_the_providers_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(dynamic_host, "FACTOR", 300.0)
    monkeypatch.setattr(dynamic_host, "_real_sleep", slept.append)
    dynamic_host.compressed_sleep(15)
    dynamic_host.compressed_sleep(-1)
    assert slept == [15 / 300, 0.0]
