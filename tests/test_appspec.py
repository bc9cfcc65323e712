"""The inline AppSpec against AWS's documented ECS shape."""

from __future__ import annotations

import hashlib
import json

import pytest

from components.release.codedeploy.appspec import (
    LIFECYCLE_EVENTS,
    appspec_content,
    appspec_revision,
    build_appspec,
    hook_errors,
)

TASK_DEF = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7"
GATE = "arn:aws:lambda:eu-west-1:123456789012:function:web-test-gate-gate-1a2b3c4"
SMOKE = "arn:aws:lambda:eu-west-1:123456789012:function:smoke"


def test_minimal_appspec_matches_the_documented_ecs_shape() -> None:
    appspec = build_appspec(task_definition_arn=TASK_DEF, container_name="web", container_port=3000)

    assert appspec == {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": TASK_DEF,
                        "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 3000},
                    },
                }
            }
        ],
    }


def test_platform_version_and_hooks_appear_only_when_given() -> None:
    appspec = build_appspec(
        task_definition_arn=TASK_DEF,
        container_name="web",
        container_port=3000,
        platform_version="1.4.0",
        # Given out of order on purpose: the AppSpec lists hooks in lifecycle order.
        hooks={"AfterAllowTraffic": SMOKE, "AfterAllowTestTraffic": GATE},
    )

    properties = appspec["Resources"][0]["TargetService"]["Properties"]
    assert properties["PlatformVersion"] == "1.4.0"
    # A list of single-key dicts, as in AWS's JSON example, not one mapping.
    assert appspec["Hooks"] == [{"AfterAllowTestTraffic": GATE}, {"AfterAllowTraffic": SMOKE}]


def test_unknown_hook_event_is_rejected_with_the_allowed_names() -> None:
    with pytest.raises(ValueError, match="'AfterTraffic' is not an ECS lifecycle event") as error:
        build_appspec(
            task_definition_arn=TASK_DEF,
            container_name="web",
            container_port=3000,
            hooks={"AfterTraffic": SMOKE},
        )
    assert all(event in str(error.value) for event in LIFECYCLE_EVENTS)
    assert hook_errors({"BeforeInstall": SMOKE}) == []


def test_revision_is_inline_content_with_its_sha256() -> None:
    appspec = build_appspec(task_definition_arn=TASK_DEF, container_name="web", container_port=80)

    revision = appspec_revision(appspec)

    assert revision["revisionType"] == "AppSpecContent"
    content = revision["appSpecContent"]["content"]
    assert json.loads(content) == appspec
    assert revision["appSpecContent"]["sha256"] == hashlib.sha256(content.encode()).hexdigest()


def test_content_is_deterministic_for_equal_specs() -> None:
    first = {"b": 1, "a": [{"y": 2, "x": 1}]}
    second = {"a": [{"x": 1, "y": 2}], "b": 1}
    assert appspec_content(first) == appspec_content(second)


def test_network_configuration_travels_in_the_appspec_in_a_stable_order() -> None:
    from components.release.codedeploy.appspec import AwsvpcConfiguration  # noqa: PLC0415

    appspec = build_appspec(
        task_definition_arn=TASK_DEF,
        container_name="web",
        container_port=8000,
        network=AwsvpcConfiguration(("subnet-b", "subnet-a"), ("sg-1",), assign_public_ip=False),
    )

    properties = appspec["Resources"][0]["TargetService"]["Properties"]
    assert properties["NetworkConfiguration"] == {
        "AwsvpcConfiguration": {
            "Subnets": ["subnet-a", "subnet-b"],
            "SecurityGroups": ["sg-1"],
            "AssignPublicIp": "DISABLED",
        }
    }
    assert properties["LoadBalancerInfo"]["ContainerPort"] == 8000


def test_capacity_provider_strategy_appears_only_when_given() -> None:
    plain = build_appspec(task_definition_arn=TASK_DEF, container_name="app", container_port=3000)
    assert "CapacityProviderStrategy" not in plain["Resources"][0]["TargetService"]["Properties"]
    spot = build_appspec(
        task_definition_arn=TASK_DEF,
        container_name="app",
        container_port=3000,
        capacity_provider_strategy=(("FARGATE", 1, 50), ("FARGATE_SPOT", 0, 50)),
    )
    assert spot["Resources"][0]["TargetService"]["Properties"]["CapacityProviderStrategy"] == [
        {"Base": 1, "CapacityProvider": "FARGATE", "Weight": 50},
        {"Base": 0, "CapacityProvider": "FARGATE_SPOT", "Weight": 50},
    ]
