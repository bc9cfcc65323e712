"""The ECS release controller under Pulumi mocks: service, listener rules, roles, hooks, timeouts.

The CODE_DEPLOY controller's graph is tested in test_component.py; the tests there that hold for
both controllers run for both (the `controller` fixture).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from components.args import BlueGreenServiceArgs
from components.ecs_service import IGNORED_BY_CONTROLLER
from components.release.ecs import strategy
from components.traffic_shift import PREDEFINED, parse_traffic_shift
from tests.harness import StackRun, run_main, stack_config

SERVICE = "aws:ecs/service:Service"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ROLE = "aws:iam/role:Role"
DYNAMIC = "pulumi-python:dynamic:Resource"
HOOK_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:smoke"


def _config(**overrides: Any) -> dict[str, Any]:
    values = {"deploymentController": "ECS", **overrides}
    return {**stack_config("dev"), **{f"ecs-blue-green:{k}": v for k, v in values.items()}}


@pytest.fixture(scope="module")
def ecs() -> StackRun:
    return run_main(_config())


def _trust(run: StackRun, role_name: str) -> Any:
    return json.loads(run.one(ROLE, role_name).inputs["assumeRolePolicy"])["Statement"][0][
        "Principal"
    ]


def test_service_is_released_by_ecs_and_ignores_only_the_pair_ecs_swaps(ecs: StackRun) -> None:
    service = ecs.one(SERVICE)
    assert service.inputs["deploymentController"] == {"type": "ECS"}
    # The update is the release: the task definition, network and port must reach ECS; the
    # target-group pair is ECS's after the first release (tests/test_ecs_target_group_swap.py).
    assert service.ignore_changes == [
        "loadBalancers[0].targetGroupArn",
        "loadBalancers[0].advancedConfiguration.alternateTargetGroupArn",
    ]
    assert service.inputs["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    assert service.inputs["deploymentConfiguration"]["bakeTimeInMinutes"] == "5"
    assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service.inputs["waitForSteadyState"] is True
    assert service.inputs["sigintRollback"] is True
    # AllAtOnce, 5 minutes of bake, no approval, blue's clean-up (30 s deregistration delay +
    # 30 s stop timeout: 1 minute): 0 + 5 + 1 + 15 minutes of provisioning margin.
    assert service.custom_timeouts == {"create": "21m", "update": "21m"}


def test_advanced_configuration_names_green_both_rules_and_the_role(ecs: StackRun) -> None:
    [binding] = ecs.one(SERVICE).inputs["loadBalancers"]
    assert binding["targetGroupArn"] == ecs.one(TARGET_GROUP, "-blue").outputs["arn"]
    assert binding["advancedConfiguration"] == {
        "alternateTargetGroupArn": ecs.one(TARGET_GROUP, "-green").outputs["arn"],
        "productionListenerRule": ecs.one(RULE, "production").outputs["arn"],
        "testListenerRule": ecs.one(RULE, "test-rule").outputs["arn"],
        "roleArn": ecs.one(ROLE, "ecs-lb-role").outputs["arn"],
    }


def test_load_balancer_role_is_trusted_by_ecs_with_the_managed_policy(ecs: StackRun) -> None:
    assert _trust(ecs, "ecs-lb-role") == {"Service": "ecs.amazonaws.com"}
    attachment = ecs.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ecs-lb-policy")
    assert attachment.inputs == {
        "role": ecs.one(ROLE, "ecs-lb-role").outputs["name"],
        "policyArn": "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
    }


def test_rules_forward_with_weights_and_ignore_only_their_actions(ecs: StackRun) -> None:
    blue = ecs.one(TARGET_GROUP, "-blue").outputs["arn"]
    green = ecs.one(TARGET_GROUP, "-green").outputs["arn"]
    expected = {
        "production-rule": ("web-production", blue, green),
        "test-rule": ("web-test", green, blue),
    }
    for name, (listener, primary, other) in expected.items():
        rule = ecs.one(RULE, name)
        assert rule.ignore_changes == ["actions"]
        assert rule.inputs["listenerArn"] == ecs.one(LISTENER, listener).outputs["arn"]
        assert rule.inputs["priority"] == 1
        assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/*"]}}]
        assert rule.inputs["actions"] == [
            {
                "type": "forward",
                "forward": {
                    "targetGroups": [
                        {"arn": primary, "weight": 100},
                        {"arn": other, "weight": 0},
                    ]
                },
            }
        ]


def test_listeners_answer_unmatched_requests_and_keep_drift_detection(ecs: StackRun) -> None:
    for listener in ecs.of_type(LISTENER):
        assert listener.ignore_changes == []
        assert listener.inputs["defaultActions"] == [
            {
                "type": "fixed-response",
                "fixedResponse": {
                    "contentType": "text/plain",
                    "messageBody": "Not Found",
                    "statusCode": "404",
                },
            }
        ]


def test_rules_exist_before_the_service(ecs: StackRun) -> None:
    service = ecs.one(SERVICE)
    for dependency in (
        ecs.one(RULE, "production"),
        ecs.one(RULE, "test-rule"),
        ecs.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ecs-lb-policy"),
        ecs.one("aws:iam/rolePolicy:RolePolicy", "ecs-hook-invoke"),
    ):
        assert dependency.urn in service.dependencies, dependency.name


def test_test_gate_is_a_lambda_hook_after_test_traffic(ecs: StackRun) -> None:
    gate = ecs.one("aws:lambda/function:Function", "gate-gate")
    assert gate.inputs["handler"] == "ecs_hook.handler"
    hook_role = ecs.one(ROLE, "ecs-hook-role")
    assert _trust(ecs, "ecs-hook-role") == {"Service": "ecs.amazonaws.com"}
    invoke = json.loads(
        ecs.one("aws:iam/rolePolicy:RolePolicy", "ecs-hook-invoke").inputs["policy"]
    )
    assert invoke["Statement"] == [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [gate.outputs["arn"]]}
    ]
    assert ecs.one(SERVICE).inputs["deploymentConfiguration"]["lifecycleHooks"] == [
        {
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
            "hookTargetArn": gate.outputs["arn"],
            "roleArn": hook_role.outputs["arn"],
            "targetType": "AWS_LAMBDA",
        }
    ]


def test_no_codedeploy_resources(ecs: StackRun) -> None:
    assert [r.name for r in ecs.registrations if r.type.startswith("aws:codedeploy")] == []
    assert [r.name for r in ecs.of_type(ROLE) if "codedeploy" in r.name] == []
    assert sorted(r.name for r in ecs.of_type(DYNAMIC)) == ["web-first-run", "web-release-check"]
    gate_policy = json.loads(ecs.one("aws:iam/rolePolicy:RolePolicy", "gate-gate").inputs["policy"])
    assert all("codedeploy" not in str(s["Action"]) for s in gate_policy["Statement"])
    assert ecs.outputs["codedeployApplication"] is None
    assert ecs.outputs["codedeployDeploymentGroup"] is None


def test_release_check_follows_the_service_and_the_task_definition(ecs: StackRun) -> None:
    check = ecs.one(DYNAMIC, "release-check")
    service = ecs.one(SERVICE)
    assert service.urn in check.dependencies
    assert check.inputs["task_definition_arn"] == service.inputs["taskDefinition"]
    assert (check.inputs["cluster_name"], check.inputs["region"]) == (
        ecs.one("aws:ecs/cluster:Cluster").outputs["name"],
        "eu-west-1",
    )
    assert check.inputs["service_name"] == service.outputs["name"]
    # Network and port changes start a deployment under ECS: they re-run the check.
    network = service.inputs["networkConfiguration"]
    [binding] = service.inputs["loadBalancers"]
    assert check.inputs["release_inputs"] == {
        "subnets": network["subnets"],
        "security_groups": network["securityGroups"],
        "assign_public_ip": network["assignPublicIp"],
        "container_name": binding["containerName"],
        "container_port": binding["containerPort"],
    }
    assert datetime.fromisoformat(check.inputs["started_at"]).tzinfo is not None


def test_release_check_acts_as_the_stack_like_the_codedeploy_release() -> None:
    """One identity mechanism for both controllers (`stack_identity`): the default provider's
    profile and assume-role chain reach the check."""
    role = "arn:aws:iam::123456789012:role/deployer"
    run = run_main(
        _config() | {"aws:profile": "ops", "aws:assumeRoles": json.dumps([{"roleArn": role}])}
    )
    check = run.one(DYNAMIC, "release-check")
    assert (check.inputs["profile"], check.inputs["role_arns"]) == ("ops", [role])


def test_alarms_roll_the_deployment_back(ecs: StackRun) -> None:
    alarms = ecs.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    wired = ecs.one(SERVICE).inputs["alarms"]
    assert (wired["enable"], wired["rollback"]) == (True, True)
    assert sorted(wired["alarmNames"]) == sorted(a.outputs["name"] for a in alarms)
    # 5xx and unhealthy hosts, per target group.
    assert len(alarms) == 4
    quiet = run_main(_config(alarmsEnabled=False))
    assert "alarms" not in quiet.one(SERVICE).inputs


@pytest.mark.parametrize(
    ("shift", "expected"),
    [
        ("AllAtOnce", {"strategy": "BLUE_GREEN"}),
        *[
            (
                name,
                {
                    "strategy": "CANARY",
                    "canary_configuration": {
                        "canary_percent": float(parse_traffic_shift(name).percentage),
                        "canary_bake_time_in_minutes": str(
                            parse_traffic_shift(name).interval_minutes
                        ),
                    },
                },
            )
            for name in (
                *[p for p in PREDEFINED if p.startswith("Canary")],
                "Canary25Percent2Minutes",
            )
        ],
        *[
            (
                name,
                {
                    "strategy": "LINEAR",
                    "linear_configuration": {
                        "step_percent": float(parse_traffic_shift(name).percentage),
                        "step_bake_time_in_minutes": str(
                            parse_traffic_shift(name).interval_minutes
                        ),
                    },
                },
            )
            for name in (
                *[p for p in PREDEFINED if p.startswith("Linear")],
                "Linear3PercentEvery1440Minutes",
            )
        ],
    ],
)
def test_every_traffic_shift_maps_to_an_ecs_strategy(shift: str, expected: dict[str, Any]) -> None:
    configuration = strategy.deployment_configuration(parse_traffic_shift(shift), 7, [])
    assert configuration == {**expected, "bake_time_in_minutes": "7"}
    assert strategy.strategy_errors(parse_traffic_shift(shift), 7) == []


def test_a_linear_shift_reaches_the_service() -> None:
    run = run_main(_config(trafficShift="Linear25PercentEvery2Minutes", terminationWaitMinutes=30))
    configuration = run.one(SERVICE).inputs["deploymentConfiguration"]
    assert configuration["strategy"] == "LINEAR"
    assert configuration["linearConfiguration"] == {
        "stepPercent": 25.0,
        "stepBakeTimeInMinutes": "2",
    }
    assert configuration["bakeTimeInMinutes"] == "30"
    # 3 more steps of 2 minutes + 30 minutes of bake + 1 of clean-up + 15 margin.
    assert run.one(SERVICE).custom_timeouts["update"] == "52m"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"traffic_shift": "Linear2PercentEvery1Minutes"},
            "LINEAR stepPercent must be 3..100",
        ),
        (
            {"traffic_shift": "Linear10PercentEvery1441Minutes"},
            "stepBakeTimeInMinutes must be 0..1440",
        ),
        (
            {"traffic_shift": "Canary10Percent2000Minutes"},
            "canaryBakeTimeInMinutes must be 0..1440",
        ),
        ({"termination_wait_minutes": 1441}, "terminationWaitMinutes: 1441 is outside 0..1440"),
        (
            {"hooks": {"BeforeInstall": HOOK_ARN}},
            "hooks.BeforeInstall: CodeDeploy lifecycle events do not apply",
        ),
        ({"ecs_hooks": {"PRE_INSTALL": HOOK_ARN}}, "'PRE_INSTALL' is not an ECS lifecycle stage"),
        ({"ecs_hooks": {"POST_SCALE_UP": "smoke"}}, "ecsHooks.POST_SCALE_UP: 'smoke' is not"),
        (
            {"ecs_hooks": {"POST_TEST_TRAFFIC_SHIFT": HOOK_ARN}},
            "the built-in test gate uses this stage",
        ),
    ],
)
def test_ecs_ranges_and_hooks_are_checked(settings: dict[str, Any], message: str) -> None:
    args = BlueGreenServiceArgs(deployment_controller="ECS", **settings)
    with pytest.raises(ValueError, match=message):
        args.validate("web")


@pytest.mark.parametrize(
    "settings",
    [
        {"traffic_shift": "Linear3PercentEvery1440Minutes"},
        {"traffic_shift": "Linear99PercentEvery1Minutes"},
        {"traffic_shift": "Canary99Percent1440Minutes"},
        {"termination_wait_minutes": 0},
        {"termination_wait_minutes": 1440},
    ],
)
def test_ecs_range_boundaries_are_accepted(settings: dict[str, Any]) -> None:
    BlueGreenServiceArgs(deployment_controller="ECS", **settings).validate("web")


def test_controller_and_its_keys_are_checked() -> None:
    with pytest.raises(ValueError, match="deploymentController: 'LAMBDA' is not one of"):
        BlueGreenServiceArgs(deployment_controller="LAMBDA").validate("web")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ecsHooks: only apply with deploymentController ECS"):
        BlueGreenServiceArgs(ecs_hooks={"POST_SCALE_UP": HOOK_ARN}).validate("web")
    # CodeDeploy allows 2880 minutes; only ECS caps the bake at 1440.
    BlueGreenServiceArgs(termination_wait_minutes=2880).validate("web")


def test_manual_approval_is_a_pause_hook_that_rolls_back() -> None:
    run = run_main(_config(approvalWaitMinutes=30))
    hooks = run.one(SERVICE).inputs["deploymentConfiguration"]["lifecycleHooks"]
    pause = [h for h in hooks if h["targetType"] == "PAUSE"]
    assert pause == [
        {
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
            "targetType": "PAUSE",
            "timeoutConfiguration": {"action": "ROLLBACK", "timeoutInMinutes": "30"},
        }
    ]
    # ECS refuses PAUSE hooks at the traffic-shift stages themselves.
    assert not {"TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"} & set(pause[0]["lifecycleStages"])
    assert run.one(SERVICE).custom_timeouts["update"] == "51m"  # 30 + 0 + 5 + 1 + 15


def test_user_hooks_run_at_their_stages_with_the_hook_role() -> None:
    run = run_main(
        _config(
            testGateEnabled=False,
            ecsHooks=[f"POST_SCALE_UP={HOOK_ARN}", f"POST_TEST_TRAFFIC_SHIFT={HOOK_ARN}-2"],
        )
    )
    role = run.one(ROLE, "ecs-hook-role").outputs["arn"]
    assert run.one(SERVICE).inputs["deploymentConfiguration"]["lifecycleHooks"] == [
        {
            "lifecycleStages": [stage],
            "hookTargetArn": arn,
            "roleArn": role,
            "targetType": "AWS_LAMBDA",
        }
        for stage, arn in (
            ("POST_SCALE_UP", HOOK_ARN),
            ("POST_TEST_TRAFFIC_SHIFT", f"{HOOK_ARN}-2"),
        )
    ]
    invoke = json.loads(
        run.one("aws:iam/rolePolicy:RolePolicy", "ecs-hook-invoke").inputs["policy"]
    )
    assert invoke["Statement"][0]["Resource"] == [HOOK_ARN, f"{HOOK_ARN}-2"]


def test_no_lambda_hook_means_no_hook_role() -> None:
    run = run_main(_config(testGateEnabled=False))
    assert [r.name for r in run.of_type(ROLE) if "hook" in r.name] == []
    assert "lifecycleHooks" not in run.one(SERVICE).inputs["deploymentConfiguration"]


def test_timeout_covers_a_canary_and_its_bake_or_is_given() -> None:
    run = run_main(_config(trafficShift="Canary10Percent15Minutes", terminationWaitMinutes=60))
    assert run.one(SERVICE).custom_timeouts == {"create": "91m", "update": "91m"}
    # The deployment is SUCCESSFUL only after CLEAN_UP: blue's drain counts (10 minutes here).
    slow = run_main(_config(deregistrationDelaySeconds=570))
    assert slow.one(SERVICE).custom_timeouts["update"] == "30m"  # 5 + 10 + 15
    given = run_main(_config(deploymentTimeoutMinutes=240))
    assert given.one(SERVICE).custom_timeouts == {"create": "240m", "update": "240m"}


def test_autoscaling_owns_desired_count_under_ecs_too() -> None:
    run = run_main(_config(autoscalingEnabled=True))
    assert run.one(SERVICE).ignore_changes == [*IGNORED_BY_CONTROLLER["ECS"], "desiredCount"]


def test_ecs_hooks_config_entries_are_checked() -> None:
    with pytest.raises(ValueError, match="ecsHooks: 'POST_SCALE_UP' is not STAGE=LAMBDA_ARN"):
        run_main(_config(ecsHooks=["POST_SCALE_UP"]))


def test_staging_stack_example_runs_on_ecs_with_a_linear_shift() -> None:
    run = run_main(stack_config("staging"), stack="staging")
    configuration = run.one(SERVICE).inputs["deploymentConfiguration"]
    assert run.one(SERVICE).inputs["deploymentController"] == {"type": "ECS"}
    assert configuration["strategy"] == "LINEAR"
    assert configuration["linearConfiguration"]["stepPercent"] == 20.0
    assert configuration["bakeTimeInMinutes"] == "10"
    assert [r for r in run.registrations if r.type.startswith("aws:codedeploy")] == []


def test_switching_code_deploy_to_ecs_keeps_the_service_and_load_balancer() -> None:
    """The config switch as Pulumi plans it: the same URNs are updated, never replaced (the
    mocks cannot show a replace; terraform-provider-aws marks no ForceNew on
    `deployment_controller.type`, see docs/controllers.md), CodeDeploy's resources are deleted
    and the ECS controller's are created."""
    before = run_main({**stack_config("dev")})
    after = run_main(_config())
    urns_before = {r.urn: r for r in before.registrations}
    urns_after = {r.urn: r for r in after.registrations}
    removed = sorted(urns_before[u].name for u in urns_before.keys() - urns_after.keys())
    created = sorted(urns_after[u].name for u in urns_after.keys() - urns_before.keys())
    assert removed == [
        "web-app",
        "web-codedeploy-hooks",
        "web-codedeploy-notify",
        "web-codedeploy-policy",
        "web-codedeploy-role",
        "web-group",
        "web-release",
        "web-release-events",
    ]
    assert created == [
        "web-ecs-hook-invoke",
        "web-ecs-hook-role",
        "web-ecs-lb-policy",
        "web-ecs-lb-role",
        "web-first-run",
        "web-production-rule",
        "web-release-check",
        "web-test-rule",
    ]
    kept = {urns_before[u].name for u in urns_before.keys() & urns_after.keys()}
    assert {
        "web-service",
        "web-cluster",
        "web-production",
        "web-test",
        "web-blue",
        "web-green",
    } <= kept
    service_before, service_after = before.one(SERVICE), after.one(SERVICE)
    changed = sorted(
        key
        for key in service_before.inputs.keys() | service_after.inputs.keys()
        if service_before.inputs.get(key) != service_after.inputs.get(key)
    )
    assert changed == [
        "alarms",
        "deploymentCircuitBreaker",
        "deploymentConfiguration",
        "deploymentController",
        "loadBalancers",
        "sigintRollback",
        "waitForSteadyState",
    ]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"release_wait_for_completion": True}, "releaseWaitForCompletion: only applies with"),
        ({"release_retry": "2026-11-29"}, "releaseRetry: only applies with"),
        ({"release_override_alarms": "INC-1"}, "releaseOverrideAlarms: only applies with"),
    ],
)
def test_codedeploy_release_settings_are_refused_under_ecs(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BlueGreenServiceArgs(deployment_controller="ECS", **settings).validate("web")
    BlueGreenServiceArgs(**settings).validate("web")
