"""platform/org/Pulumi.<stack>.yaml -> PlatformConfig: defaults, the example, and clear errors."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ecs_blue_green_policies.pack import RULES
from platform_stack.config import KEYS, ConfigError, parse
from tests.platform.support import PLATFORM, example_values

REQUIRED_ONLY = {
    "organization": "acme",
    "repository": "acme/shop",
    "awsAccountId": "123456789012",
    "awsRegion": "eu-west-1",
    "policyPackVersion": "0.1.0",
}


def test_defaults_release_dev_and_prod_from_main_with_prod_mandatory() -> None:
    config = parse(REQUIRED_ONLY)

    assert [(s.name, s.branch, s.production) for s in config.stacks] == [
        ("dev", "main", False),
        ("prod", "main", True),
    ]
    assert {s.name_prefix for s in config.stacks} == {"web-"}
    assert all(s.preview_pull_requests for s in config.stacks)
    assert config.project == "ecs-blue-green"
    assert config.image.source == "ci"
    assert config.image.service_path == "service"
    assert config.policy.non_production_enforcement_level == "advisory"
    assert config.release_branches == ("main",)


def test_example_stack_file_releases_prod_from_its_own_branch() -> None:
    config = parse(example_values())

    branches = {s.name: s.branch for s in config.stacks}
    assert branches == {"dev": "main", "prod": "release"}
    assert config.release_branches == ("main", "release")
    assert config.policy.production_rollback_window_minutes == 30
    assert config.policy.non_production_rollback_window_minutes == 5


def test_project_dir_prefixes_every_repository_path() -> None:
    config = parse(REQUIRED_ONLY | {"projectDir": "apps/shop/", "servicePath": "svc"})

    assert config.project_dir == "apps/shop"
    assert config.image.service_path == "apps/shop/svc"
    assert config.repo_path("Pulumi.yaml") == "apps/shop/Pulumi.yaml"


def test_values_arrive_as_the_strings_the_cli_passes() -> None:
    config = parse(
        REQUIRED_ONLY
        | {"imageWaitMinutes": "45", "previewPullRequests": "false", "allowVpcManagement": "false"}
    )

    assert config.image.wait_minutes == 45
    assert not any(s.preview_pull_requests for s in config.stacks)
    assert config.allow_vpc_management is False


def test_missing_required_settings_are_all_named() -> None:
    with pytest.raises(ConfigError) as error:
        parse({"organization": "acme"})

    message = str(error.value)
    for key in ("repository", "awsAccountId", "awsRegion", "policyPackVersion"):
        assert key in message
    assert "organization'" not in message


def test_unknown_keys_are_rejected_rather_than_ignored() -> None:
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['stack'\]"):
        parse(REQUIRED_ONLY | {"stack": ["dev"]})


INVALID: list[tuple[str, Any, str]] = [
    ("organization", "acme corp", "is not a Pulumi organisation name"),
    ("repository", "shop", "must be 'owner/name'"),
    ("awsAccountId", "12345", "must be 12 digits"),
    ("awsRegion", "cn-north-1", "is not a commercial AWS region"),
    ("project", "my project", "is not a Pulumi project name"),
    ("stacks", [], "must name at least one stack"),
    ("stacks", ["dev", "dev"], "names a stack twice"),
    ("stacks", "dev", "expected a list of strings"),
    ("stacks", ["dev", 1], "expected a list of strings"),
    ("productionStacks", ["staging"], "['staging'] are not in stacks"),
    ("branch", "refs/heads/main", "no 'refs/' prefix"),
    ("branch", "a..b", "is not a branch name"),
    ("previewPullRequests", "yes", "expected true or false"),
    ("namePrefix", "", "must be 2-32 lowercase letters"),
    ("namePrefix", "Web-", "must be 2-32 lowercase letters"),
    ("namePrefix", "pulumi-", "would let the deploy role modify the platform's own"),
    ("namePrefix", "ecs-", "would let the deploy role modify the platform's own"),
    ("imageSource", "docker", "is not one of ['ci', 'deployment']"),
    ("imageRepositoryName", "Shop_Images", "is not an ECR repository name"),
    ("imageRetainCount", "many", "expected an integer"),
    ("imageRetainCount", True, "expected an integer"),
    ("stackSettings", ["prod"], "expected an object"),
    ("imageRetainCount", 5, "must be 10-10000"),
    ("projectDir", "../shop", "must be a relative folder"),
    ("servicePath", "", "must not be empty"),
    ("servicePath", "svc/*", "must be a relative folder"),
    ("imageWaitMinutes", 0, "must be 1-120"),
    ("sessionDurationMinutes", 1000, "must be 15-720"),
    ("agentPoolId", "pool one", "is not an agent pool id"),
    (
        "pulumiOidcProviderArn",
        "arn:aws:iam::999999999999:oidc-provider/api.pulumi.com/oidc",
        "must be '' (create one) or 'arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc'",
    ),
    (
        "githubOidcProviderArn",
        "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc",
        "token.actions.githubusercontent.com",
    ),
    ("attachablePolicyArns", ["AdministratorAccess"], "are not IAM managed policy ARNs"),
    ("policyPackName", "my pack", "is not a policy pack name"),
    ("policyPackVersion", "latest please", "is not a version tag"),
    ("nonProductionEnforcementLevel", "disabled", "is not one of ['advisory', 'mandatory']"),
    (
        "productionPolicyConfig",
        {"codedeploy-ecs-blue-green": {"enforcementLevel": "advisory"}},
        "every rule is mandatory for productionStacks",
    ),
    ("productionPolicyConfig", {"ecr-scan-on-push": "disabled"}, "every rule is mandatory"),
    ("nonProductionPolicyConfig", {"all": "mandatory"}, "'all' is set by the platform"),
    # One rollback window for both controllers (issue 21): never one rule's setting alone.
    (
        "productionPolicyConfig",
        {"ecs-service-blue-green": {"minBakeTimeMinutes": 5}},
        "set the rollback window with productionRollbackWindowMinutes instead",
    ),
    (
        "nonProductionPolicyConfig",
        {"codedeploy-ecs-blue-green": {"minTerminationWaitMinutes": 1}},
        "set the rollback window with nonProductionRollbackWindowMinutes instead",
    ),
    ("productionRollbackWindowMinutes", 1441, "is not within 0-1440 minutes"),
    ("nonProductionRollbackWindowMinutes", -1, "is not within 0-1440 minutes"),
    ("nonProductionPolicyConfig", {"some-rule": {"enforcementLevel": "sometimes"}}, "not one of"),
    ("nonProductionPolicyConfig", {"some-rule": 5}, "expected an enforcement level or an object"),
    ("stackSettings", {"staging": {"branch": "main"}}, "['staging'] are not in stacks"),
    ("stackSettings", {"prod": {"region": "us-east-1"}}, "unknown field(s) ['region']"),
    ("stackSettings", {"prod": {"branch": "release/"}}, "is not a branch name"),
    ("stackSettings", {"prod": {"namePrefix": "x"}}, "must be 2-32 lowercase letters"),
    ("stackSettings", {"prod": {"previewPullRequests": "yes"}}, "expected true or false"),
    ("stackSettings", {"prod": {"runtimeStack": "dev"}}, "is not one of runtimeStacks []"),
    ("runtimeProject", "ecs-blue-green", "other than project 'ecs-blue-green'"),
    ("runtimeStacks", ["dev", "dev"], "names a stack twice"),
    ("runtimeStacks", ["my dev"], "are not Pulumi stack names"),
    ("runtimeStackSettings", {"dev": {"runtimeName": "dev"}}, "['dev'] are not in runtimeStacks"),
]


@pytest.mark.parametrize(("key", "value", "message"), INVALID)
def test_invalid_setting_is_named_with_what_it_accepts(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse(REQUIRED_ONLY | {key: value})

    assert str(error.value).startswith(f"ecs-blue-green-platform:{key}")
    assert message in str(error.value)


RUNTIME_INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"dev": {"runtimeName": "Dev"}}, "runtimeStackSettings.dev", "must be the runtime stack's"),
    ({"dev": {"runtimeName": "a" * 21}}, "runtimeStackSettings.dev", "1-20 lowercase letters"),
    ({"dev": {"region": "x"}}, "runtimeStackSettings.dev", "unknown field(s) ['region']"),
    ({"dev": {"branch": "refs/heads/x"}}, "runtimeStackSettings.dev", "no 'refs/' prefix"),
    ({"dev": {"previewPullRequests": 1}}, "runtimeStackSettings.dev", "expected true or false"),
    # "web-" (the application's prefix) would cover the runtime's names, and the other way.
    ({"dev": {"runtimeName": "web"}}, "runtimeStackSettings.dev", "overlaps the name prefix"),
    ({"dev": {"runtimeName": "pulumi"}}, "runtimeStackSettings.dev", "platform's own"),
]


@pytest.mark.parametrize(("settings", "key", "message"), RUNTIME_INVALID)
def test_invalid_runtime_setting_is_named(settings: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse(REQUIRED_ONLY | {"runtimeStacks": ["dev"], "runtimeStackSettings": settings})

    assert str(error.value).startswith(f"ecs-blue-green-platform:{key}")
    assert message in str(error.value)


def test_runtime_stacks_default_their_name_and_branch_and_stacks_attach_by_name() -> None:
    config = parse(
        REQUIRED_ONLY
        | {
            "stacks": ["dev", "orders-dev"],
            "productionStacks": [],
            "stackSettings": {"orders-dev": {"namePrefix": "orders-", "runtimeStack": "eu"}},
            "runtimeStacks": ["eu", "us"],
            "runtimeStackSettings": {"us": {"runtimeName": "us-shared", "branch": "release"}},
        }
    )

    assert [(s.name, s.runtime_stack) for s in config.stacks] == [
        ("dev", None),
        ("orders-dev", "eu"),
    ]
    assert [(r.name, r.runtime_name, r.branch) for r in config.runtimes] == [
        ("eu", "eu", "main"),
        ("us", "us-shared", "release"),
    ]
    assert config.runtime("us").name_prefix == "us-shared-"
    assert config.runtime_project == "ecs-blue-green-runtime"
    assert parse(REQUIRED_ONLY).runtimes == ()


def test_pulumi_yaml_declares_every_scalar_and_list_key_with_the_code_defaults() -> None:
    declared = yaml.safe_load((PLATFORM / "Pulumi.yaml").read_text())["config"]
    types = {str: "string", int: "integer", bool: "boolean", list: "array"}

    expected = {key.name for key in KEYS if key.kind is not dict}
    assert set(declared) == expected
    for key in KEYS:
        if key.kind is dict:
            continue
        declaration = declared[key.name]
        assert declaration["type"] == types[key.kind], key.name
        assert declaration["description"] == key.description, key.name
        if key.required:
            assert "default" not in declaration, key.name
        else:
            assert declaration["default"] == key.default, key.name


def test_example_policy_config_names_rules_and_settings_of_the_pack() -> None:
    settings = {rule.info.id: {s.name for s in rule.info.all_settings} for rule in RULES}
    config = parse(example_values())
    for group in (config.policy.production_config, config.policy.non_production_config):
        for rule, values in group.items():
            assert rule in settings
            assert set(values) - {"enforcementLevel"} <= settings[rule]
