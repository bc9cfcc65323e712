"""`EcsDeploymentCheck` against botocore's Stubber: every request is validated against the ECS
model, and every error code stubbed exists in it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from components.release.ecs.deployment_check import (
    EcsDeploymentChecker,
    EcsDeploymentCheckProvider,
    ReleaseFailedError,
)

BOTOCORE = botocore.session.get_session()
PREFIX = "arn:aws:ecs:eu-west-1:123456789012"
NEW_TD = f"{PREFIX}:task-definition/web:8"
OLD_TD = f"{PREFIX}:task-definition/web:7"
PROPS: dict[str, Any] = {
    "cluster_name": "web-cluster",
    "service_name": "web",
    "task_definition_arn": NEW_TD,
    "region": "eu-west-1",
    "wait_minutes": 15,
    "poll_seconds": 15,
    "service_deployment_arn": None,
}


def _deployment_arn(n: int) -> str:
    return f"{PREFIX}:service-deployment/web-cluster/web/d{n}"


def _revision_arn(n: int) -> str:
    return f"{PREFIX}:service-revision/web-cluster/web/r{n}"


class Ecs:
    def __init__(self, stubber: Stubber, client: Any) -> None:
        self.stubber = stubber
        self.client = client

    def deployments(self, *entries: tuple[int, str]) -> None:
        """ListServiceDeployments then DescribeServiceRevisions: (n, task definition) pairs,
        newest last; revision rN runs the given task definition."""
        self.stubber.add_response(
            "list_service_deployments",
            {
                "serviceDeployments": [
                    {
                        "serviceDeploymentArn": _deployment_arn(n),
                        "targetServiceRevisionArn": _revision_arn(n),
                        "createdAt": datetime(2026, 11, 29, 12, n, tzinfo=UTC),
                        "status": "IN_PROGRESS",
                    }
                    for n, _ in entries
                ]
            },
            {"cluster": "web-cluster", "service": "web", "maxResults": 20},
        )
        if not entries:
            return
        self.stubber.add_response(
            "describe_service_revisions",
            {
                "serviceRevisions": [
                    {"serviceRevisionArn": _revision_arn(n), "taskDefinition": td}
                    for n, td in entries
                ]
            },
            {"serviceRevisionArns": sorted(_revision_arn(n) for n, _ in entries)},
        )

    def status(self, n: int, status: str, reason: str | None = None) -> None:
        deployment: dict[str, Any] = {"serviceDeploymentArn": _deployment_arn(n), "status": status}
        if reason:
            deployment["statusReason"] = reason
        self.stubber.add_response(
            "describe_service_deployments",
            {"serviceDeployments": [deployment]},
            {"serviceDeploymentArns": [_deployment_arn(n)]},
        )

    def error(self, code: str) -> None:
        self.stubber.add_client_error(
            "list_service_deployments", service_error_code=code, service_message=f"{code}!"
        )


@pytest.fixture
def ecs() -> Iterator[Ecs]:
    client = BOTOCORE.create_client(
        "ecs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield Ecs(stubber, client)
        stubber.assert_no_pending_responses()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _checker(ecs: Ecs, clock: Clock, **props: Any) -> EcsDeploymentChecker:
    return EcsDeploymentChecker(
        PROPS | props, ecs.client, sleep=clock.sleep, clock=lambda: clock.now
    )


def test_a_successful_release_passes(ecs: Ecs) -> None:
    ecs.deployments((1, OLD_TD), (2, NEW_TD))
    ecs.status(2, "SUCCESSFUL")
    assert _checker(ecs, Clock()).check() == _deployment_arn(2)


def test_a_rolled_back_release_fails_with_the_status_reason(ecs: Ecs) -> None:
    ecs.deployments((2, NEW_TD), (1, OLD_TD))
    ecs.status(2, "ROLLBACK_SUCCESSFUL", "Service deployment rolled back because of alarm")
    with pytest.raises(ReleaseFailedError, match="ended ROLLBACK_SUCCESSFUL: Service deployment"):
        _checker(ecs, Clock()).check()


@pytest.mark.parametrize("status", ["ROLLBACK_FAILED", "STOPPED"])
def test_other_unsuccessful_ends_fail(ecs: Ecs, status: str) -> None:
    ecs.deployments((2, NEW_TD))
    ecs.status(2, status)
    with pytest.raises(ReleaseFailedError, match=f"ended {status}: no reason given"):
        _checker(ecs, Clock()).check()


def test_the_deployment_of_our_task_definition_is_judged_not_a_newer_one(ecs: Ecs) -> None:
    # A newer deployment (someone else's revision) succeeded; ours was rolled back.
    ecs.deployments((3, OLD_TD), (2, NEW_TD))
    ecs.status(2, "ROLLBACK_SUCCESSFUL", "circuit breaker")
    with pytest.raises(ReleaseFailedError, match=re.escape(_deployment_arn(2))):
        _checker(ecs, Clock()).check()


def test_a_running_deployment_is_waited_for(ecs: Ecs) -> None:
    clock = Clock()
    ecs.deployments((2, NEW_TD))
    ecs.status(2, "ROLLBACK_IN_PROGRESS")
    ecs.deployments((2, NEW_TD))
    ecs.status(2, "ROLLBACK_SUCCESSFUL", "hook failed")
    with pytest.raises(ReleaseFailedError, match="hook failed"):
        _checker(ecs, clock).check()
    assert clock.sleeps == [15.0]


def test_a_deployment_still_running_at_the_deadline_fails(ecs: Ecs) -> None:
    clock = Clock()
    for _ in range(3):
        ecs.deployments((2, NEW_TD))
        ecs.status(2, "IN_PROGRESS")
    with pytest.raises(ReleaseFailedError, match=r"still IN_PROGRESS after 0\.5 minutes"):
        _checker(ecs, clock, wait_minutes=0.5).check()
    assert clock.sleeps == [15.0, 15.0]


def test_no_deployment_of_the_revision_on_record_passes(ecs: Ecs) -> None:
    ecs.deployments((1, OLD_TD))
    assert _checker(ecs, Clock()).check() is None
    ecs.deployments()
    assert _checker(ecs, Clock()).check() is None


@pytest.mark.parametrize("code", ["ServiceNotFoundException", "ClusterNotFoundException"])
def test_a_missing_service_fails_naming_the_code(ecs: Ecs, code: str) -> None:
    ecs.error(code)
    with pytest.raises(ReleaseFailedError, match=rf"\[{code}\] {code}!"):
        _checker(ecs, Clock()).check()


def test_a_server_error_is_retried_and_access_denied_is_not(ecs: Ecs) -> None:
    clock = Clock()
    ecs.error("ServerException")
    ecs.deployments((2, NEW_TD))
    ecs.status(2, "SUCCESSFUL")
    assert _checker(ecs, clock).check() == _deployment_arn(2)
    assert clock.sleeps == [15.0]
    ecs.error("AccessDeniedException")
    with pytest.raises(ClientError, match="AccessDeniedException"):
        _checker(ecs, Clock()).check()


def test_provider_fails_the_update_and_diffs_only_on_what_it_checks(ecs: Ecs) -> None:
    clock = Clock()
    provider = EcsDeploymentCheckProvider(
        ecs=lambda region: ecs.client, sleep=clock.sleep, clock=lambda: clock.now
    )
    ecs.deployments((2, NEW_TD))
    ecs.status(2, "SUCCESSFUL")
    created = provider.create(dict(PROPS))
    assert created.id == "web-cluster/web"
    assert created.outs is not None
    assert created.outs["service_deployment_arn"] == _deployment_arn(2)

    ecs.deployments((3, NEW_TD))
    ecs.status(3, "ROLLBACK_SUCCESSFUL", "alarm web-target-5xx")
    with pytest.raises(ReleaseFailedError, match="alarm web-target-5xx") as failure:
        provider.update("web-cluster/web", created.outs, dict(PROPS))
    assert failure.value.__cause__ is None  # the message, not our traceback, is what shows

    same = provider.diff("id", created.outs, dict(PROPS) | {"poll_seconds": 5})
    assert same.changes is False
    new = provider.diff("id", created.outs, dict(PROPS) | {"task_definition_arn": OLD_TD})
    assert (new.changes, new.replaces) == (True, [])
