"""The release engine against CodeDeploy as it really answers: races, throttling, outages,
failing progress calls, the return point, history, hotfixes, refresh, credentials.

Real botocore clients (request validation, signing, standard-mode retries, response parsing)
talk to the time-driven fake in `tests/fake_codedeploy.py`; nothing waits for real.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from components.release.codedeploy.credentials import AwsIdentity, session_for
from components.release.codedeploy.release import CodeDeployDeploymentProvider
from components.release.codedeploy.releaser import CodeDeployReleaser, DeploymentError
from components.release.codedeploy.spec import ReleaseSpec
from tests.fake_codedeploy import (
    APP,
    BLUE_TG,
    CLUSTER,
    GREEN_TG,
    GROUP,
    REGION,
    SERVICE,
    Deployment,
    FakeAws,
    Fault,
)

OLD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7"
NEW = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:8"
SPEC = ReleaseSpec(
    application_name=APP,
    deployment_group_name=GROUP,
    cluster_name=CLUSTER,
    service_name=SERVICE,
    task_definition_arn=NEW,
    container_name="web",
    container_port=3000,
    region=REGION,
    timeout_minutes=30,
)
ALARMS = {BLUE_TG: ("web-blue-5xx", "web-blue-unhealthy"), GREEN_TG: ("web-green-5xx",)}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeAws:
    fake = FakeAws(serving=OLD)
    FakeAws.patch_backoff(monkeypatch, fake)
    return fake


def _releaser(
    fake: FakeAws, spec: ReleaseSpec = SPEC, lines: list[str] | None = None, **kwargs: Any
) -> CodeDeployReleaser:
    clients = fake.clients()
    return CodeDeployReleaser(
        spec,
        clients.__getitem__,
        sleep=fake.sleep,
        clock=fake.clock,
        log=(lines if lines is not None else []).append,
        **kwargs,
    )


def _provider(fake: FakeAws, lines: list[str]) -> CodeDeployDeploymentProvider:
    clients = fake.clients()
    return CodeDeployDeploymentProvider(
        clients=lambda identity, quick=False: clients.__getitem__,
        sleep=fake.sleep,
        clock=fake.clock,
        log=lines.append,
    )


def _props(spec: ReleaseSpec = SPEC, **change: Any) -> dict[str, Any]:
    props = {
        key: getattr(spec, key)
        for key in (
            "application_name",
            "deployment_group_name",
            "cluster_name",
            "service_name",
            "task_definition_arn",
            "container_name",
            "container_port",
            "region",
            "timeout_minutes",
        )
    }
    return props | {"hooks": {}, "poll_interval_seconds": 15} | change


def _calls(fake: FakeAws, operation: str) -> list[dict[str, Any]]:
    return [body for _, op, _, body in fake.requests if op == operation]


# --- the return point ------------------------------------------------------------------------


def test_returns_when_users_are_on_green_and_tells_how_to_roll_back(fake: FakeAws) -> None:
    lines: list[str] = []
    outcome = _releaser(fake, lines=lines).release()

    assert (outcome.status, outcome.rollback_window_minutes) == ("UsersOnGreen", 5)
    # AfterAllowTraffic passes 130 s after CreateDeployment; the next poll sees it.
    assert 130 <= fake.now < 160
    assert fake.serving == NEW
    [deployment] = fake.deployments.values()
    assert deployment.status(fake.now) == "InProgress"  # the rollback window goes on
    assert any(
        f"--deployment-id {outcome.deployment_id} --auto-rollback-enabled" in line for line in lines
    )


def test_waits_for_full_completion_when_asked(fake: FakeAws) -> None:
    outcome = _releaser(fake, replace(SPEC, wait_for_completion=True)).release()

    assert outcome.status == "Succeeded"
    assert fake.now >= 130 + 300


def test_a_new_release_ends_the_previous_termination_wait(fake: FakeAws) -> None:
    previous = fake.add(
        Deployment("d-PREV", created=-200, content={}, task_definition=OLD, termination_wait=3600)
    )
    lines: list[str] = []

    outcome = _releaser(fake, lines=lines).release()

    assert _calls(fake, "ContinueDeployment") == [
        {"deploymentId": "d-PREV", "deploymentWaitType": "TERMINATION_WAIT"}
    ]
    assert previous.status(fake.now) == "Succeeded"
    assert outcome.status == "UsersOnGreen"
    # Minutes, not the hour the previous release's window had left.
    assert fake.now < 300
    assert any("ending the window (ContinueDeployment TERMINATION_WAIT)" in line for line in lines)


def test_a_previous_deployment_leaving_its_wait_before_the_request_is_followed_to_its_end(
    fake: FakeAws,
) -> None:
    # Between the poll that saw it waiting and ContinueDeployment, its window closed: CodeDeploy
    # answers DeploymentIsNotInReadyStateException, and the new release waits for it to end.
    previous = fake.add(
        Deployment(
            "d-PREV",
            created=-200,
            content={},
            task_definition=OLD,
            termination_wait=3600,
            leaves_wait_on_continue=True,
        )
    )

    outcome = _releaser(fake).release()

    assert len(_calls(fake, "ContinueDeployment")) == 1
    assert previous.status(fake.now) == "Succeeded"
    assert outcome.status == "UsersOnGreen"
    assert fake.serving == NEW


def test_a_deployment_ending_as_the_timeout_stops_it_is_reported_as_it_ended(
    fake: FakeAws,
) -> None:
    # The budget (5 min) ends before blue's termination wait does; between the last poll and
    # StopDeployment the deployment succeeds, and CodeDeploy refuses the stop as too late.
    fake.ends_as_stop_arrives = True
    lines: list[str] = []

    outcome = _releaser(
        fake, replace(SPEC, wait_for_completion=True, timeout_minutes=5), lines=lines
    ).release()

    assert len(_calls(fake, "StopDeployment")) == 1
    assert outcome.status == "Succeeded"
    assert fake.serving == NEW
    assert any("stopping it with rollback" in line for line in lines)


# --- races, throttling, outages --------------------------------------------------------------


def test_the_real_race_refusal_is_queued_on(fake: FakeAws) -> None:
    fake.slip_in_on_create = Deployment(
        "d-OTHER", created=0, content={}, task_definition=OLD, termination_wait=0
    )
    lines: list[str] = []

    outcome = _releaser(fake, lines=lines).release()

    assert outcome.status == "UsersOnGreen"
    creates = [op for _, op, _, _ in fake.requests if op == "CreateDeployment"]
    assert len(creates) >= 2
    assert any("DeploymentLimitExceededException" in line for line in lines)
    assert fake.deployments["d-OTHER"].status(fake.now) == "Succeeded"


@pytest.mark.parametrize(
    "fault",
    [
        Fault("CreateDeployment", 0, 400),
        Fault("CreateDeployment", 0, 400, status=503, code=None),
    ],
    ids=["throttling", "503"],
)
def test_create_deployment_refused_longer_than_botocores_retries_is_asked_again(
    fake: FakeAws, fault: Fault
) -> None:
    # Only CreateDeployment is refused, from the first request on, for minutes: botocore's
    # standard mode (10 attempts here) gives up first, and the release asks again until the
    # refusal ends, as it does for every other call.
    fake.faults.append(fault)
    lines: list[str] = []

    outcome = _releaser(fake, lines=lines).release()

    assert outcome.status == "UsersOnGreen"
    refused = [t for t, op, _, _ in fake.requests if op == "CreateDeployment" and t < fault.end]
    assert len(refused) > 10  # more than one botocore call's worth of attempts
    assert len(fake.deployments) == 1
    assert fake.serving == NEW
    assert any(line.endswith("; asking again") for line in lines)
    assert not any("queueing behind it" in line for line in lines)


def test_a_20_second_throttling_burst_does_not_end_the_watch(fake: FakeAws) -> None:
    fake.throttled.append((30, 50))

    outcome = _releaser(fake).release()

    assert outcome.status == "UsersOnGreen"
    throttled = [t for t, _, _, _ in fake.requests if 30 <= t < 50]
    assert len(throttled) >= 3  # botocore retried within the burst, with backoff


def test_a_30_second_connection_outage_does_not_end_the_watch(fake: FakeAws) -> None:
    fake.outages.append((40, 70))

    outcome = _releaser(fake).release()

    assert outcome.status == "UsersOnGreen"
    # botocore's standard mode kept asking through the outage.
    assert len([t for t, _, _, _ in fake.requests if 40 <= t < 70]) >= 3


def test_an_outage_longer_than_botocores_retries_is_ridden_out_by_the_watch(
    fake: FakeAws,
) -> None:
    fake.outages.append((40, 400))
    lines: list[str] = []

    outcome = _releaser(fake, lines=lines).release()

    assert outcome.status == "UsersOnGreen"
    failed = [line for line in lines if "failed (EndpointConnectionError" in line]
    assert len(failed) == 1
    assert any("answers again after" in line for line in lines)


def test_an_outage_past_the_budget_fails_naming_where_to_look(fake: FakeAws) -> None:
    fake.outages.append((30, 10_000))

    with pytest.raises(DeploymentError, match=r"kept failing .*EndpointConnectionError"):
        _releaser(fake, replace(SPEC, timeout_minutes=5)).release()


def test_errors_on_progress_calls_never_end_a_watch(fake: FakeAws) -> None:
    fake.detail_outages.append((0, 100))
    lines: list[str] = []

    outcome = _releaser(fake, lines=lines).release()

    assert outcome.status == "UsersOnGreen"
    assert sum("lifecycle details unavailable for now" in line for line in lines) == 1


# --- history ---------------------------------------------------------------------------------


def _failed_attempt(fake: FakeAws, description: str = "") -> Deployment:
    revision = SPEC.revision()["appSpecContent"]
    failed = fake.add(
        Deployment(
            "d-FAILED",
            created=-600,
            content=revision,
            description=description,
            task_definition=NEW,
            error={"code": "ALARM_ACTIVE", "message": "web-green-5xx is in ALARM"},
        )
    )
    failed.ended_at = -300
    failed.status_at_end = "Stopped"
    return failed


def test_refuses_to_repeat_an_appspec_whose_last_attempt_failed(fake: FakeAws) -> None:
    _failed_attempt(fake)

    with pytest.raises(DeploymentError) as error:
        _releaser(fake).release()

    assert str(error.value).startswith(
        f"Not releasing {NEW} again: its last attempt, CodeDeploy deployment d-FAILED, Stopped: "
        "[ALARM_ACTIVE] web-green-5xx is in ALARM"
    )
    assert "pulumi config set releaseRetry" in str(error.value)
    assert _calls(fake, "CreateDeployment") == []


def test_a_new_release_retry_value_asks_for_another_attempt(fake: FakeAws) -> None:
    _failed_attempt(fake, description="Release x [pulumi CodeDeployDeployment] retry:1")

    with pytest.raises(DeploymentError, match="the failed attempt used '1'"):
        _releaser(fake, replace(SPEC, release_retry="1")).release()
    outcome = _releaser(fake, replace(SPEC, release_retry="2")).release()

    assert outcome.status == "UsersOnGreen"
    [create] = _calls(fake, "CreateDeployment")
    assert create["description"].endswith("retry:2")


# --- alarms ----------------------------------------------------------------------------------


def test_each_release_watches_only_greens_alarms(fake: FakeAws) -> None:
    _releaser(fake, replace(SPEC, alarms_by_target_group=ALARMS)).release()

    [create] = _calls(fake, "CreateDeployment")
    # Blue serves now, so green is the other target group.
    assert create["overrideAlarmConfiguration"] == {
        "enabled": True,
        "ignorePollAlarmFailure": False,
        "alarms": [{"name": "web-green-5xx"}],
    }


def test_the_hotfix_override_turns_alarms_off_for_one_release_loudly(fake: FakeAws) -> None:
    lines: list[str] = []
    provider = _provider(fake, lines)
    props = _props(target_group_alarms=[], override_alarms="INC-42")

    provider.update("id", _props(task_definition_arn=OLD), props)

    [create] = _calls(fake, "CreateDeployment")
    assert create["overrideAlarmConfiguration"] == {
        "enabled": False,
        "ignorePollAlarmFailure": False,
        "alarms": [],
    }
    assert "alarms-off:INC-42" in create["description"]
    assert any(line.startswith("WARNING") and "alarms are OFF" in line for line in lines)

    # The next release, with the value unchanged, has its alarms again.
    fake.sleep(3600)
    newer = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:9"
    provider.update("id", props, props | {"task_definition_arn": newer})
    second = _calls(fake, "CreateDeployment")[1]
    assert "overrideAlarmConfiguration" not in second
    assert "alarms-off" not in second["description"]


# --- truthful state --------------------------------------------------------------------------


def test_read_after_a_manual_rollback_reports_what_serves(fake: FakeAws) -> None:
    lines: list[str] = []
    provider = _provider(fake, lines)
    created = provider.create(_props())
    assert created.outs is not None
    # Someone rolls back by hand: a deployment of the old revision made live.
    fake.serving, fake.serving_deployment = OLD, "d-MANUAL"
    fake.add(Deployment("d-MANUAL", created=fake.now, content={}, task_definition=OLD))

    read = provider.read("id", created.outs)

    assert read.outs is not None
    assert (read.outs["task_definition_arn"], read.outs["deployment_id"]) == (OLD, "d-MANUAL")
    # `pulumi refresh` then plans the release of NEW again.
    assert provider.diff("id", read.outs, _props()).changes is True


def test_a_rollback_after_pulumi_up_returned_is_reported_by_the_next_preview(
    fake: FakeAws,
) -> None:
    lines: list[str] = []
    provider = _provider(fake, lines)
    created = provider.create(_props())
    assert created.outs is not None
    assert created.outs["release_status"] == "UsersOnGreen"
    assert provider.diff("id", created.outs, _props()).changes is False

    # An alarm fires in the rollback window; CodeDeploy rolls back after `pulumi up` returned.
    fake.alarm_stops(created.outs["deployment_id"])
    fake.sleep(120)
    fake.tick()
    assert fake.serving == OLD

    diff = provider.diff("id", created.outs, _props())

    assert diff.changes is True
    warning = next(line for line in lines if line.startswith("WARNING"))
    assert f"serving task definition {OLD} -> {NEW}" in warning
    assert f"deployment {created.outs['deployment_id']} Stopped after `pulumi up` returned" in (
        "\n".join(lines)
    )
    # And the release it plans refuses to repeat the failed AppSpec.
    with pytest.raises(DeploymentError, match=r"Not releasing .*\[ALARM_ACTIVE\]"):
        provider.update("id", created.outs, _props())


def test_a_preview_without_aws_access_diffs_on_inputs() -> None:
    lines: list[str] = []

    def no_access(identity: AwsIdentity, quick: bool = False) -> Any:
        raise RuntimeError("no credentials")

    provider = CodeDeployDeploymentProvider(clients=no_access, log=lines.append)

    assert provider.diff("id", _props(), _props()).changes is False
    assert lines == [
        "codedeploy: could not check what serves (RuntimeError: no credentials); diff on inputs"
    ]


# --- credentials -----------------------------------------------------------------------------


def test_assumed_role_credentials_are_refreshed_mid_release(
    fake: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prod-length release (one-hour window, waited for) outlives a one-hour role session:
    botocore refreshes the credentials and later calls sign with the new ones."""
    role = "arn:aws:iam::210987654321:role/deployer"
    start = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)

    def now() -> datetime:
        return start + timedelta(seconds=fake.now)

    base_session = botocore.session.get_session()
    sts = base_session.create_client(
        "sts", region_name=REGION, aws_access_key_id="AKIDBASE", aws_secret_access_key="x"
    )
    stubber = Stubber(sts)
    stubber.add_response(
        "get_caller_identity",
        {"Arn": "arn:aws:sts::123456789012:assumed-role/ci/run", "Account": "123456789012"},
    )
    for key, minutes in (("ASIAFIRST0000000", 0), ("ASIASECOND000000", 50)):
        stubber.add_response(
            "assume_role",
            {
                "Credentials": {
                    "AccessKeyId": key,
                    "SecretAccessKey": "secret",
                    "SessionToken": "token",
                    "Expiration": start + timedelta(minutes=minutes + 60),
                }
            },
            {"RoleArn": role, "RoleSessionName": "pulumi-codedeploy-release"},
        )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDBASE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    fake.termination_wait_minutes = 60
    with stubber:
        session = session_for(
            AwsIdentity(REGION, role_arns=(role,)), sts=lambda credentials: sts, now=now
        )
        clients = fake.clients(session)
        releaser = CodeDeployReleaser(
            replace(SPEC, wait_for_completion=True, timeout_minutes=120),
            clients.__getitem__,
            sleep=fake.sleep,
            clock=fake.clock,
            log=lambda line: None,
        )
        outcome = releaser.release()
        stubber.assert_no_pending_responses()

    assert outcome.status == "Succeeded"
    keys = [(t, key) for t, _, key, _ in fake.requests]
    assert keys[0][1] == "ASIAFIRST0000000"
    assert keys[-1][1] == "ASIASECOND000000"
    switched = next(t for t, key in keys if key == "ASIASECOND000000")
    # botocore refreshes 15 minutes before expiry (advisory): around minute 45.
    assert 44 * 60 <= switched <= 47 * 60
    assert "AKIDBASE" not in {key for _, key in keys}


def test_a_process_that_already_is_the_role_does_not_assume_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDBASE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    role = "arn:aws:iam::210987654321:role/ci/deployer"
    sts = botocore.session.get_session().create_client(
        "sts", region_name=REGION, aws_access_key_id="AKIDBASE", aws_secret_access_key="x"
    )
    with Stubber(sts) as stubber:
        stubber.add_response(
            "get_caller_identity",
            {"Arn": "arn:aws:sts::210987654321:assumed-role/deployer/oidc", "Account": "1"},
        )
        session = session_for(AwsIdentity(REGION, role_arns=(role,)), sts=lambda credentials: sts)
        stubber.assert_no_pending_responses()
    credentials = session.get_credentials()
    assert credentials is not None
    assert credentials.method != "assume-role-chain"


def test_identity_inputs_round_trip() -> None:
    identity = AwsIdentity.from_props(
        {"region": REGION, "profile": "ops", "role_arns": ["arn:aws:iam::1:role/a"]}
    )
    assert identity == AwsIdentity(REGION, "ops", ("arn:aws:iam::1:role/a",))
    assert AwsIdentity.from_props({"region": REGION, "profile": None}) == AwsIdentity(REGION)
