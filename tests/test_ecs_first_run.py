"""No approval hold and no test gate on the run that creates an ECS service; both from the
first release on (issue 17 item 4). The marker's provider against botocore's Stubber, and the
service's hooks under mocks in the creation run and in a later run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.session
import pulumi
import pytest
from botocore.stub import Stubber

from components.release.codedeploy.credentials import AwsIdentity
from components.release.ecs.first_run import EXISTED, ServiceFirstRunProvider
from tests.harness import StackMocks, StackRun, run_main, stack_config

SERVICE = "aws:ecs/service:Service"
CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/web-cluster-1a2b3c4"
STARTED = "2026-12-04T21:00:00+00:00"
HOOK_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:smoke"
PROPS: dict[str, Any] = {
    "cluster": CLUSTER,
    "service_name_prefix": "web-service-",
    "started_at": STARTED,
    "region": "eu-west-1",
    "profile": "ops",
    "role_arns": [],
    "created_in_run": None,
}


@pytest.fixture
def stubbed() -> Iterator[tuple[Stubber, ServiceFirstRunProvider, list[AwsIdentity]]]:
    client = botocore.session.get_session().create_client(
        "ecs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    identities: list[AwsIdentity] = []

    def clients(identity: AwsIdentity) -> Any:
        identities.append(identity)
        return lambda service: {"ecs": client}[service]

    with Stubber(client) as stubber:
        yield stubber, ServiceFirstRunProvider(clients=clients), identities
        stubber.assert_no_pending_responses()


def _services(stubber: Stubber, *pages: list[str]) -> None:
    for index, names in enumerate(pages):
        request: dict[str, Any] = {"cluster": CLUSTER}
        if index:
            request["nextToken"] = f"t{index}"
        answer: dict[str, Any] = {
            "serviceArns": [
                f"arn:aws:ecs:eu-west-1:123456789012:service/web-cluster/{n}" for n in names
            ]
        }
        if index + 1 < len(pages):
            answer["nextToken"] = f"t{index + 1}"
        stubber.add_response("list_services", answer, request)


def test_a_new_service_is_created_in_this_run(stubbed: Any) -> None:
    stubber, provider, identities = stubbed
    _services(stubber, ["billing-service-9z8y7x6"], [])
    created = provider.create(dict(PROPS))
    assert created.outs is not None
    assert created.outs["created_in_run"] == STARTED
    assert identities == [AwsIdentity("eu-west-1", profile="ops")]


def test_a_service_that_already_runs_is_not_created_again(stubbed: Any) -> None:
    """A stack made before the marker: its service is on the second page."""
    stubber, provider, _ = stubbed
    _services(stubber, ["billing-service-9z8y7x6"], ["web-service-1a2b3c4"])
    created = provider.create(dict(PROPS))
    assert created.outs is not None
    assert created.outs["created_in_run"] == EXISTED


def test_a_cluster_not_there_yet_means_a_new_service(stubbed: Any) -> None:
    stubber, provider, _ = stubbed
    stubber.add_client_error("list_services", service_error_code="ClusterNotFoundException")
    created = provider.create(dict(PROPS))
    assert created.outs is not None
    assert created.outs["created_in_run"] == STARTED


def test_the_marker_never_changes(stubbed: Any) -> None:
    _, provider, _ = stubbed
    later = dict(PROPS) | {"started_at": "2026-12-05T09:00:00+00:00", "cluster": "other"}
    assert (
        provider.diff("web-service-", PROPS | {"created_in_run": STARTED}, later).changes is False
    )


class CreatingMocks(StackMocks):
    """The run that creates the service: the marker's provider records this run's start."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id, state = super().new_resource(args)
        if args.name.endswith("-first-run"):
            state["created_in_run"] = args.inputs["started_at"]
        return resource_id, state


def _run(*, creating: bool, **values: Any) -> StackRun:
    config = stack_config("dev") | {
        f"ecs-blue-green:{key}": value
        for key, value in ({"deploymentController": "ECS"} | values).items()
    }
    return run_main(config, mocks=CreatingMocks() if creating else None)


def _hooks(run: StackRun) -> list[tuple[str, str]]:
    hooks = run.one(SERVICE).inputs["deploymentConfiguration"].get("lifecycleHooks", [])
    return [(h["lifecycleStages"][0], h["targetType"]) for h in hooks]


def test_creating_the_service_holds_for_no_approval_and_runs_no_gate() -> None:
    run = _run(creating=True, approvalWaitMinutes=30, ecsHooks=[f"POST_SCALE_UP={HOOK_ARN}"])
    # Your own hooks run on creation, as ECS runs them; ours wait for the first release.
    assert _hooks(run) == [("POST_SCALE_UP", "AWS_LAMBDA")]


def test_the_first_release_holds_for_approval_after_the_gate() -> None:
    run = _run(creating=False, approvalWaitMinutes=30, ecsHooks=[f"POST_SCALE_UP={HOOK_ARN}"])
    assert _hooks(run) == [
        ("POST_SCALE_UP", "AWS_LAMBDA"),
        ("POST_TEST_TRAFFIC_SHIFT", "AWS_LAMBDA"),
        ("POST_TEST_TRAFFIC_SHIFT", "PAUSE"),
    ]


def test_no_marker_without_a_hook_of_ours() -> None:
    run = _run(creating=True, testGateEnabled=False)
    assert [r.name for r in run.of_type("pulumi-python:dynamic:Resource")] == ["web-release-check"]
