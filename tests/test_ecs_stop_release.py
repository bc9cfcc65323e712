"""The ECS stop-and-roll-back tool against botocore's Stubber: every request is validated
against the ECS model (StopServiceDeployment, stopType ROLLBACK), every error code stubbed
exists in it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from components.release.ecs import stop_release

ARN = "arn:aws:ecs:eu-west-1:123456789012:service-deployment/web-cluster/web/"
LIST = {"cluster": "web-cluster", "service": "web", "status": ["PENDING", "IN_PROGRESS"]}


@pytest.fixture
def ecs() -> Iterator[tuple[Stubber, Any]]:
    client = botocore.session.get_session().create_client(
        "ecs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield stubber, client
        stubber.assert_no_pending_responses()


def _listed(stubber: Stubber, *pages: list[str]) -> None:
    for index, names in enumerate(pages):
        request = dict(LIST) | ({"nextToken": f"t{index}"} if index else {})
        answer: dict[str, Any] = {
            "serviceDeployments": [{"serviceDeploymentArn": ARN + n} for n in names]
        }
        if index + 1 < len(pages):
            answer["nextToken"] = f"t{index + 1}"
        stubber.add_response("list_service_deployments", answer, request)


def _described(stubber: Stubber, **statuses: str) -> None:
    stubber.add_response(
        "describe_service_deployments",
        {
            "serviceDeployments": [
                {"serviceDeploymentArn": ARN + n, "status": s} for n, s in statuses.items()
            ]
        },
        {"serviceDeploymentArns": [ARN + n for n in statuses]},
    )


def _stop(stubber: Stubber, client: Any) -> tuple[bool, list[str], list[float]]:
    said: list[str] = []
    sleeps: list[float] = []
    ok = stop_release.stop_and_roll_back(
        client, "web-cluster", "web", sleep=sleeps.append, clock=lambda: 0.0, say=said.append
    )
    return ok, said, sleeps


def test_a_running_release_is_stopped_with_rollback_and_waited_for(ecs: Any) -> None:
    stubber, client = ecs
    _listed(stubber, ["d1"])
    stubber.add_response(
        "stop_service_deployment",
        {"serviceDeploymentArn": ARN + "d1"},
        {"serviceDeploymentArn": ARN + "d1", "stopType": "ROLLBACK"},
    )
    _described(stubber, d1="ROLLBACK_IN_PROGRESS")
    _described(stubber, d1="ROLLBACK_SUCCESSFUL")
    ok, said, sleeps = _stop(stubber, client)
    assert ok is True
    assert said == [f"rolling back {ARN}d1", f"{ARN}d1: ROLLBACK_SUCCESSFUL"]
    assert sleeps == [15]


def test_every_running_deployment_on_every_page_is_stopped(ecs: Any) -> None:
    stubber, client = ecs
    _listed(stubber, ["d1"], ["d2"])
    for name in ("d1", "d2"):
        stubber.add_response(
            "stop_service_deployment",
            {"serviceDeploymentArn": ARN + name},
            {"serviceDeploymentArn": ARN + name, "stopType": "ROLLBACK"},
        )
    _described(stubber, d1="ROLLBACK_SUCCESSFUL", d2="ROLLBACK_FAILED")
    ok, said, _ = _stop(stubber, client)
    assert ok is False  # a failed rollback is reported, not hidden
    assert said[-1] == f"{ARN}d2: ROLLBACK_FAILED"


def test_a_deployment_already_ending_is_waited_for_not_an_error(ecs: Any) -> None:
    stubber, client = ecs
    _listed(stubber, ["d1"])
    stubber.add_client_error(
        "stop_service_deployment", service_error_code="ConflictException", service_message="ending"
    )
    _described(stubber, d1="STOPPED")
    ok, said, _ = _stop(stubber, client)
    assert ok is True
    assert said[0] == f"{ARN}d1 is already ending: ending"


def test_nothing_running_is_said_and_succeeds(ecs: Any) -> None:
    stubber, client = ecs
    _listed(stubber, [])
    assert _stop(stubber, client)[:2] == (True, ["no running deployment of web in web-cluster"])


def test_access_denied_is_not_swallowed(ecs: Any) -> None:
    stubber, client = ecs
    _listed(stubber, ["d1"])
    stubber.add_client_error("stop_service_deployment", service_error_code="AccessDeniedException")
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        _stop(stubber, client)
