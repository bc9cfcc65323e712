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

from components.release.codedeploy.credentials import AwsIdentity
from components.release.ecs.deployment_check import (
    EcsDeploymentChecker,
    EcsDeploymentCheckProvider,
    ReleaseFailedError,
)

BOTOCORE = botocore.session.get_session()
PREFIX = "arn:aws:ecs:eu-west-1:123456789012"
NEW_TD = f"{PREFIX}:task-definition/web:8"
OLD_TD = f"{PREFIX}:task-definition/web:7"
STARTED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PROPS: dict[str, Any] = {
    "cluster_name": "web-cluster",
    "service_name": "web",
    "task_definition_arn": NEW_TD,
    "release_inputs": {"container_port": 3000},
    "region": "eu-west-1",
    "started_at": STARTED.isoformat(),
    "profile": None,
    "role_arns": [],
    "wait_minutes": 15,
    "poll_seconds": 15,
    "service_deployment_arn": None,
}
LIST_REQUEST = {"cluster": "web-cluster", "service": "web", "createdAt": {"after": STARTED}}


def _deployment_arn(n: int) -> str:
    return f"{PREFIX}:service-deployment/web-cluster/web/d{n}"


def _brief(n: int, status: str, reason: str | None = None) -> dict[str, Any]:
    brief: dict[str, Any] = {
        "serviceDeploymentArn": _deployment_arn(n),
        "targetServiceRevisionArn": f"{PREFIX}:service-revision/web-cluster/web/r{n}",
        "createdAt": datetime(2026, 11, 29, 12, n, tzinfo=UTC),
        "status": status,
    }
    if reason:
        brief["statusReason"] = reason
    return brief


class Ecs:
    def __init__(self, stubber: Stubber, client: Any) -> None:
        self.stubber = stubber
        self.client = client

    def deployments(self, *pages: list[dict[str, Any]]) -> None:
        """One ListServiceDeployments answer per page (createdAt after STARTED), chained by
        nextToken. ECS's own filter is trusted: what it lists was created after STARTED."""
        for index, page in enumerate(pages or ([],)):
            request = dict(LIST_REQUEST)
            if index:
                request["nextToken"] = f"t{index}"
            answer: dict[str, Any] = {"serviceDeployments": page}
            if index + 1 < len(pages):
                answer["nextToken"] = f"t{index + 1}"
            self.stubber.add_response("list_service_deployments", answer, request)

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
    ecs.deployments([_brief(2, "SUCCESSFUL")])
    assert _checker(ecs, Clock()).check() == _deployment_arn(2)


def test_a_rolled_back_release_fails_with_the_status_reason(ecs: Ecs) -> None:
    ecs.deployments([_brief(2, "ROLLBACK_SUCCESSFUL", "rolled back because of alarm")])
    with pytest.raises(ReleaseFailedError, match="ended ROLLBACK_SUCCESSFUL: rolled back because"):
        _checker(ecs, Clock()).check()


@pytest.mark.parametrize("status", ["ROLLBACK_FAILED", "STOPPED"])
def test_other_unsuccessful_ends_fail(ecs: Ecs, status: str) -> None:
    ecs.deployments([_brief(2, status)])
    with pytest.raises(ReleaseFailedError, match=f"ended {status}: no reason given"):
        _checker(ecs, Clock()).check()


def test_every_deployment_of_the_run_is_judged_on_every_page_in_any_order(ecs: Ecs) -> None:
    """A network change and a task-definition change in one run: two deployments. The failed
    one sits on the second page, listed before a newer success: it still fails the run."""
    ecs.deployments(
        [_brief(4, "SUCCESSFUL")],
        [_brief(5, "SUCCESSFUL"), _brief(3, "ROLLBACK_SUCCESSFUL", "circuit breaker")],
    )
    with pytest.raises(ReleaseFailedError, match=re.escape(_deployment_arn(3))):
        _checker(ecs, Clock()).check()


def test_the_newest_deployment_is_reported_whatever_the_listing_order(ecs: Ecs) -> None:
    ecs.deployments([_brief(5, "SUCCESSFUL"), _brief(7, "SUCCESSFUL"), _brief(6, "SUCCESSFUL")])
    assert _checker(ecs, Clock()).check() == _deployment_arn(7)


def test_a_running_deployment_is_waited_for(ecs: Ecs) -> None:
    clock = Clock()
    ecs.deployments([_brief(2, "ROLLBACK_IN_PROGRESS")])
    ecs.deployments([_brief(2, "ROLLBACK_SUCCESSFUL", "hook failed")])
    with pytest.raises(ReleaseFailedError, match="hook failed"):
        _checker(ecs, clock).check()
    assert clock.sleeps == [15.0]


def test_a_deployment_still_running_at_the_deadline_fails(ecs: Ecs) -> None:
    clock = Clock()
    for _ in range(3):
        ecs.deployments([_brief(2, "IN_PROGRESS"), _brief(1, "SUCCESSFUL")])
    with pytest.raises(ReleaseFailedError, match=r"d2 is still IN_PROGRESS after 0\.5 minutes"):
        _checker(ecs, clock, wait_minutes=0.5).check()
    assert clock.sleeps == [15.0, 15.0]


def test_no_deployment_since_the_run_began_fails_after_a_short_grace(ecs: Ecs) -> None:
    """Never a pass for want of a deployment: the check ran because something that starts one
    changed. ListServiceDeployments may lag a moment, so an empty answer is asked again for a
    minute (five polls of 15 s), not for the whole wait."""
    clock = Clock()
    for _ in range(5):
        ecs.deployments()
    with pytest.raises(ReleaseFailedError, match="no ECS deployment of web in web-cluster was"):
        _checker(ecs, clock).check()
    assert clock.sleeps == [15.0] * 4


def test_a_deployment_that_shows_up_late_is_judged(ecs: Ecs) -> None:
    clock = Clock()
    ecs.deployments()
    ecs.deployments([_brief(2, "SUCCESSFUL")])
    assert _checker(ecs, clock).check() == _deployment_arn(2)


@pytest.mark.parametrize("code", ["ServiceNotFoundException", "ClusterNotFoundException"])
def test_a_missing_service_fails_naming_the_code(ecs: Ecs, code: str) -> None:
    ecs.error(code)
    with pytest.raises(ReleaseFailedError, match=rf"\[{code}\] {code}!"):
        _checker(ecs, Clock()).check()


def test_a_server_error_is_retried_and_access_denied_is_not(ecs: Ecs) -> None:
    clock = Clock()
    ecs.error("ServerException")
    ecs.deployments([_brief(2, "SUCCESSFUL")])
    assert _checker(ecs, clock).check() == _deployment_arn(2)
    assert clock.sleeps == [15.0]
    ecs.error("AccessDeniedException")
    with pytest.raises(ClientError, match="AccessDeniedException"):
        _checker(ecs, Clock()).check()


def test_a_server_error_that_outlasts_the_deadline_ends_the_check(ecs: Ecs) -> None:
    """Issue 24 item 4: a persistent ServerException is retried until the deadline and no
    longer (the Stubber holds exactly the calls a 30 s wait makes at a 15 s poll: at 0, 15 and
    30 s); the failure names the code."""
    clock = Clock()
    for _ in range(3):
        ecs.error("ServerException")
    with pytest.raises(ReleaseFailedError, match=r"\[ServerException\] ServerException!, still"):
        _checker(ecs, clock, wait_minutes=0.5).check()
    assert clock.sleeps == [15.0, 15.0]


def test_provider_acts_as_the_stack_and_diffs_only_on_what_starts_a_deployment(
    ecs: Ecs,
) -> None:
    clock = Clock()
    identities: list[AwsIdentity] = []

    def clients(identity: AwsIdentity) -> Any:
        identities.append(identity)
        return lambda service: {"ecs": ecs.client}[service]

    provider = EcsDeploymentCheckProvider(
        clients=clients, sleep=clock.sleep, clock=lambda: clock.now
    )
    props = PROPS | {"profile": "ops", "role_arns": ["arn:aws:iam::1:role/deployer"]}
    ecs.deployments([_brief(2, "SUCCESSFUL")])
    created = provider.create(dict(props))
    assert identities == [
        AwsIdentity("eu-west-1", profile="ops", role_arns=("arn:aws:iam::1:role/deployer",))
    ]
    assert created.id == "web-cluster/web"
    assert created.outs is not None
    assert created.outs["service_deployment_arn"] == _deployment_arn(2)

    ecs.deployments([_brief(3, "ROLLBACK_SUCCESSFUL", "alarm web-target-5xx")])
    with pytest.raises(ReleaseFailedError, match="alarm web-target-5xx") as failure:
        provider.update("web-cluster/web", created.outs, dict(props))
    assert failure.value.__cause__ is None  # the message, not our traceback, is what shows

    later = {"poll_seconds": 5, "started_at": "2026-12-01T00:00:00+00:00", "profile": "x"}
    assert provider.diff("id", created.outs, dict(props) | later).changes is False
    for change in (
        {"task_definition_arn": OLD_TD},
        {"release_inputs": {"container_port": 8080}},
        {"release_inputs": {"container_port": 3000, "subnets": ["subnet-2"]}},
    ):
        new = provider.diff("id", created.outs, dict(props) | change)
        assert (new.changes, new.replaces) == (True, [])
