"""The release resources as custom resources of the plugin: CRUD over gRPC against the fakes.

The plugin serves `ecs-blue-green:index:CodeDeployRelease` and `...:EcsReleaseCheck` with the
very provider classes Python stacks run as dynamic resources; here they get the same test seams
(FakeAws behind real botocore clients, botocore Stubber), and every call crosses the wire as
the engine makes it: properties as protobuf structs, numbers as floats.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pulumi
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import proto, rpc

from components.release import plugin
from components.release.codedeploy.credentials import AwsIdentity
from components.release.codedeploy.release import (
    CodeDeployDeployment,
    CodeDeployDeploymentArgs,
    CodeDeployDeploymentProvider,
)
from components.release.codedeploy.spec import ReleaseSpec
from components.release.ecs.deployment_check import EcsDeploymentCheckProvider
from package.provider import EcsBlueGreenProvider
from tests.fake_codedeploy import APP, CLUSTER, GROUP, REGION, SERVICE, Deployment, FakeAws
from tests.harness import run_program
from tests.package_host import serve_in_process, struct
from tests.test_ecs_deployment_check import PROPS, Clock, Ecs, _brief, _deployment_arn, ecs

OLD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7"
NEW = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:8"
RELEASE_URN = (
    "urn:pulumi:dev::consumer::ecs-blue-green:index:BlueGreenService$"
    f"{plugin.CODEDEPLOY_RELEASE}::web-release"
)
CHECK_URN = (
    f"urn:pulumi:dev::consumer::ecs-blue-green:index:BlueGreenService${plugin.ECS_RELEASE_CHECK}"
    "::web-release-check"
)
RELEASE_PROPS: dict[str, Any] = {
    "application_name": APP,
    "deployment_group_name": GROUP,
    "cluster_name": CLUSTER,
    "service_name": SERVICE,
    "task_definition_arn": NEW,
    "container_name": "web",
    "container_port": 3000,
    "region": REGION,
    "timeout_minutes": 30,
    "hooks": {},
    "poll_interval_seconds": 15,
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeAws:
    fake = FakeAws(serving=OLD)
    FakeAws.patch_backoff(monkeypatch, fake)
    return fake


@pytest.fixture
def release_stub(fake: FakeAws) -> Iterator[Any]:
    clients = fake.clients()
    provider = EcsBlueGreenProvider(
        {
            plugin.CODEDEPLOY_RELEASE: CodeDeployDeploymentProvider(
                clients=lambda identity, quick=False: clients.__getitem__,
                sleep=fake.sleep,
                clock=fake.clock,
                log=lambda line: None,
            )
        }
    )
    with serve_in_process(provider) as stub:
        yield stub


def _props(message: struct_pb2.Struct) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(message))


def test_codedeploy_release_crud_over_grpc(fake: FakeAws, release_stub: Any) -> None:
    checked = release_stub.Check(
        proto.CheckRequest(urn=RELEASE_URN, olds=struct({}), news=struct(RELEASE_PROPS))
    )
    assert not checked.failures
    created = release_stub.Create(
        proto.CreateRequest(urn=RELEASE_URN, properties=checked.inputs, timeout=3600)
    )
    state = _props(created.properties)
    assert created.id == f"{APP}/{GROUP}"
    assert state["release_status"] == "UsersOnGreen"
    assert fake.serving == NEW
    deployment_id = state["deployment_id"]
    assert deployment_id in fake.deployments

    same = release_stub.Diff(
        proto.DiffRequest(
            urn=RELEASE_URN, id=created.id, olds=created.properties, news=struct(RELEASE_PROPS)
        )
    )
    assert same.changes == proto.DiffResponse.DIFF_NONE

    # Someone rolls back by hand: Read reports what serves, and the next diff plans a release.
    fake.serving, fake.serving_deployment = OLD, "d-MANUAL"
    fake.add(Deployment("d-MANUAL", created=fake.now, content={}, task_definition=OLD))
    read = release_stub.Read(
        proto.ReadRequest(urn=RELEASE_URN, id=created.id, properties=created.properties)
    )
    refreshed = _props(read.properties)
    assert (refreshed["task_definition_arn"], refreshed["deployment_id"]) == (OLD, "d-MANUAL")
    again = release_stub.Diff(
        proto.DiffRequest(
            urn=RELEASE_URN, id=created.id, olds=read.properties, news=struct(RELEASE_PROPS)
        )
    )
    assert again.changes == proto.DiffResponse.DIFF_SOME
    assert list(again.replaces) == []  # a release is an update, never a replacement

    updated = release_stub.Update(
        proto.UpdateRequest(
            urn=RELEASE_URN, id=created.id, olds=read.properties, news=struct(RELEASE_PROPS)
        )
    )
    assert _props(updated.properties)["deployment_id"] not in (deployment_id, "d-MANUAL")
    assert fake.serving == NEW

    release_stub.Delete(
        proto.DeleteRequest(urn=RELEASE_URN, id=created.id, properties=updated.properties)
    )
    stopped = [body for _, op, _, body in fake.requests if op == "StopDeployment"]
    assert stopped  # the release still in its rollback window is stopped with the service


def test_a_failed_release_fails_the_update_with_codedeploys_message(
    fake: FakeAws, release_stub: Any
) -> None:
    # The last attempt of this very AppSpec was stopped by an alarm: the release is refused.
    failed = fake.add(
        Deployment(
            "d-FAILED",
            created=-600,
            content=ReleaseSpec.from_props(RELEASE_PROPS).revision()["appSpecContent"],
            task_definition=NEW,
            error={"code": "ALARM_ACTIVE", "message": "web-green-5xx is in ALARM"},
        )
    )
    failed.ended_at, failed.status_at_end = -300, "Stopped"
    with pytest.raises(grpc.RpcError) as failure:
        release_stub.Update(
            proto.UpdateRequest(
                urn=RELEASE_URN,
                id=f"{APP}/{GROUP}",
                olds=struct(RELEASE_PROPS | {"task_definition_arn": OLD}),
                news=struct(RELEASE_PROPS),
            )
        )
    assert str(failure.value.details()).startswith(f"Not releasing {NEW} again")
    assert "[ALARM_ACTIVE] web-green-5xx is in ALARM" in str(failure.value.details())
    assert "releaseRetry" in str(failure.value.details())


@pytest.fixture
def identities() -> list[AwsIdentity]:
    """Who the check acted as, one entry per Create/Update."""
    return []


@pytest.fixture
def check_stub(ecs: Ecs, identities: list[AwsIdentity]) -> Iterator[Any]:
    clock = Clock()

    def clients(identity: AwsIdentity) -> Any:
        identities.append(identity)
        return {"ecs": ecs.client}.__getitem__

    provider = EcsBlueGreenProvider(
        {
            plugin.ECS_RELEASE_CHECK: EcsDeploymentCheckProvider(
                clients=clients, sleep=clock.sleep, clock=lambda: clock.now
            )
        }
    )
    with serve_in_process(provider) as stub:
        yield stub


__all__ = ["ecs"]  # the Stubber fixture of tests/test_ecs_deployment_check.py


def test_ecs_release_check_crud_over_grpc(
    ecs: Ecs, check_stub: Any, identities: list[AwsIdentity]
) -> None:
    props = PROPS | {"profile": "ops", "role_arns": ["arn:aws:iam::1:role/deployer"]}
    ecs.deployments([_brief(2, "SUCCESSFUL")])
    created = check_stub.Create(proto.CreateRequest(urn=CHECK_URN, properties=struct(props)))
    assert created.id == "web-cluster/web"
    assert _props(created.properties)["service_deployment_arn"] == _deployment_arn(2)
    # The check acts as the stack: the aws provider's identity crossed the wire intact.
    assert identities == [
        AwsIdentity("eu-west-1", profile="ops", role_arns=("arn:aws:iam::1:role/deployer",))
    ]

    # A later run (new started_at, other polling) of the same release plans no check.
    later = {"poll_seconds": 5, "started_at": "2026-12-01T00:00:00+00:00"}
    same = check_stub.Diff(
        proto.DiffRequest(urn=CHECK_URN, olds=created.properties, news=struct(props | later))
    )
    assert same.changes == proto.DiffResponse.DIFF_NONE
    changed = check_stub.Diff(
        proto.DiffRequest(
            urn=CHECK_URN,
            olds=created.properties,
            news=struct(props | {"release_inputs": {"container_port": 8080}}),
        )
    )
    assert changed.changes == proto.DiffResponse.DIFF_SOME
    assert list(changed.replaces) == []

    ecs.deployments([_brief(3, "ROLLBACK_SUCCESSFUL", "alarm web-target-5xx")])
    with pytest.raises(grpc.RpcError) as failure:
        check_stub.Update(
            proto.UpdateRequest(
                urn=CHECK_URN, id=created.id, olds=created.properties, news=struct(props)
            )
        )
    details = str(failure.value.details())
    assert f"{_deployment_arn(3)} ended ROLLBACK_SUCCESSFUL: alarm web-target-5xx" in details
    assert not details.startswith("Unexpected")  # ECS's reason, not gRPC's wrapping


def test_release_calls_run_while_the_registrations_of_constructs_hold_the_default_threads() -> None:
    """The SDK registers a component's children on the event loop's default threads, each held
    until the engine answers, and the engine answers only after checking the release resources
    before them: a Check that needed a default thread would wait for ever (a two-service preview
    hung so). Here the plugin's one default thread is held; the Check still returns."""
    loop = asyncio.new_event_loop()
    loop.set_default_executor(futures.ThreadPoolExecutor(1))
    engine_answers = threading.Event()

    async def register() -> None:
        await asyncio.get_running_loop().run_in_executor(None, engine_answers.wait)

    with serve_in_process(EcsBlueGreenProvider(), loop) as stub:
        held = asyncio.run_coroutine_threadsafe(register(), loop)
        try:
            checked = stub.Check(
                proto.CheckRequest(urn=CHECK_URN, olds=struct({}), news=struct(PROPS)), timeout=10
            )
        finally:
            engine_answers.set()
        held.result(10)
    assert not checked.failures


def test_a_type_the_package_does_not_serve_is_refused(check_stub: Any) -> None:
    with pytest.raises(grpc.RpcError, match="is not a resource of ecs-blue-green"):
        check_stub.Diff(
            proto.DiffRequest(
                urn="urn:pulumi:dev::consumer::ecs-blue-green:index:Other::x",
                olds=struct({}),
                news=struct({}),
            )
        )


# --- Python stacks keep their dynamic resources ------------------------------------------------


def _release_program() -> None:
    CodeDeployDeployment(
        "web-release",
        CodeDeployDeploymentArgs(
            application_name=APP,
            deployment_group_name=GROUP,
            cluster_name=CLUSTER,
            service_name=SERVICE,
            task_definition_arn=NEW,
            container_name="web",
            container_port=3000,
            region=REGION,
        ),
        opts=pulumi.ResourceOptions(),
    )


def test_python_stacks_keep_the_dynamic_type_and_the_plugin_registers_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_process = run_program(_release_program, config={})
    [dynamic] = in_process.registrations
    # An existing stack's release resource keeps its type, so its state loads unchanged.
    assert dynamic.type == "pulumi-python:dynamic:Resource"
    assert "__provider" in dynamic.inputs

    monkeypatch.setattr(plugin, "_hosted", True)
    hosted = run_program(_release_program, config={})
    [custom] = hosted.registrations
    assert (custom.type, custom.name, custom.custom) == (
        plugin.CODEDEPLOY_RELEASE,
        "web-release",
        True,
    )
    assert "__provider" not in custom.inputs
    assert {k: v for k, v in dynamic.inputs.items() if k != "__provider"} == custom.inputs
