"""One rollback window for the organisation, whichever controller a stack picks.

The platform (platform/org) sets the window once per policy group and writes it into both
controllers' rules; here the pack, configured exactly so, holds a CodeDeploy group and an
ECS-native service to the same window.
"""

from __future__ import annotations

import pytest

from ecs_blue_green_policies import deployment_group, ecs_service
from ecs_blue_green_policies.pack import RULES
from platform_stack.config import ROLLBACK_WINDOW_SETTINGS
from platform_stack.policy_groups import with_rollback_window
from tests.policies.analyzer import PackClient
from tests.policies.fixtures import AWS_DEPLOYMENT_GROUP, AWS_SERVICE_ECS_BLUE_GREEN, Fixture

WAIT = (
    "blueGreenDeploymentConfig",
    "terminateBlueInstancesOnDeploymentSuccess",
    "terminationWaitTimeInMinutes",
)
BAKE = ("deploymentConfiguration", "bakeTimeInMinutes")
# (rule, its compliant fixture, the property that holds the window, how the engine sends 30)
CONTROLLERS = [
    pytest.param(
        deployment_group.BLUE_GREEN.info.id, AWS_DEPLOYMENT_GROUP, WAIT, 30, id="codedeploy"
    ),
    pytest.param(ecs_service.BLUE_GREEN.info.id, AWS_SERVICE_ECS_BLUE_GREEN, BAKE, "30", id="ecs"),
]


def test_the_platform_names_every_rollback_window_setting_of_the_pack() -> None:
    windows = {
        rule.info.id: setting.name
        for rule in RULES
        for setting in rule.info.settings
        if "rollback window" in setting.description
    }
    assert windows == ROLLBACK_WINDOW_SETTINGS
    assert windows == {
        deployment_group.BLUE_GREEN.info.id: deployment_group.MIN_TERMINATION_WAIT.name,
        ecs_service.BLUE_GREEN.info.id: ecs_service.MIN_BAKE_TIME.name,
    }


def test_one_window_is_written_into_both_rules_keeping_their_other_settings() -> None:
    rules = {"ecs-service-blue-green": "advisory", "ecr-scan-on-push": "disabled"}
    assert with_rollback_window(rules, 30) == {
        "ecs-service-blue-green": {"enforcementLevel": "advisory", "minBakeTimeMinutes": 30},
        "codedeploy-ecs-blue-green": {"minTerminationWaitMinutes": 30},
        "ecr-scan-on-push": "disabled",
    }


@pytest.mark.parametrize(("rule", "fixture", "path", "thirty"), CONTROLLERS)
def test_a_release_that_keeps_blue_for_the_window_passes(
    pack: PackClient, rule: str, fixture: Fixture, path: tuple[str, ...], thirty: object
) -> None:
    pack.configure(with_rollback_window({}, 30))
    props = fixture.props((path, thirty))
    assert pack.analyze(fixture.type, props).of(rule) == []


@pytest.mark.parametrize(("rule", "fixture", "path", "thirty"), CONTROLLERS)
def test_a_shorter_window_is_refused_under_either_controller(
    pack: PackClient, rule: str, fixture: Fixture, path: tuple[str, ...], thirty: object
) -> None:
    pack.configure(with_rollback_window({}, 30))
    [found] = pack.analyze(fixture.type, fixture.props()).of(rule)  # the fixtures keep 5
    assert "at least 30" in found.message
