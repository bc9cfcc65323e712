"""platform/org/__main__.py under mocks: what `pulumi up` of the example platform stack creates."""

from __future__ import annotations

import json

import pulumi
import pytest

from platform_stack.config import ConfigError
from platform_stack.permissions import POLICY_NAMES, RUNTIME_POLICY_NAMES
from tests.harness import ACCOUNT, REGION, StackRun
from tests.platform.support import NAMESPACE, PlatformMocks, example_config, run_platform

ROLE = "aws:iam/role:Role"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
SETTINGS = "pulumiservice:index:DeploymentSettings"
GROUP = "pulumiservice:index:PolicyGroup"
REPOSITORY_URL = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/ecs-blue-green/web"


@pytest.fixture(scope="module")
def example() -> StackRun:
    return run_platform(example_config())


def _trust(run: StackRun, role: str) -> dict:
    statement = json.loads(run.one(ROLE, role).inputs["assumeRolePolicy"])["Statement"]
    assert len(statement) == 1
    return statement[0]


def test_pulumi_cloud_oidc_provider_has_the_organisation_as_audience(example: StackRun) -> None:
    provider = example.one(OIDC, "pulumi-oidc")

    assert provider.inputs["url"] == "https://api.pulumi.com/oidc"
    assert provider.inputs["clientIdLists"] == ["acme"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stack_role_trusts_only_its_own_stack_of_the_organisation(
    example: StackRun, stack: str
) -> None:
    trust = _trust(example, f"{stack}-deploy")
    provider_arn = example.one(OIDC, "pulumi-oidc").outputs["arn"]

    assert trust["Principal"] == {"Federated": provider_arn}
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"] == {
        "StringEquals": {"api.pulumi.com/oidc:aud": "acme"},
        "StringLike": {
            "api.pulumi.com/oidc:sub": (
                f"pulumi:deploy:org:acme:project:ecs-blue-green:stack:{stack}"
                ":operation:*:scope:write"
            )
        },
    }
    role = example.one(ROLE, f"{stack}-deploy")
    assert role.inputs["name"] == f"pulumi-deploy-ecs-blue-green-{stack}"
    assert role.inputs["maxSessionDuration"] == 7200


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_deploy_role_gets_its_stack_policies_attached(example: StackRun, stack: str) -> None:
    attachments = [
        a for a in example.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.name.startswith(f"{stack}-deploy-")
    ]  # fmt: skip
    policies = {
        p.outputs["arn"]: json.loads(p.inputs["policy"])
        for p in example.of_type("aws:iam/policy:Policy")
        if p.name.startswith(f"{stack}-deploy-")
    }

    assert {a.inputs["role"] for a in attachments} == {f"pulumi-deploy-ecs-blue-green-{stack}"}
    assert {a.inputs["policyArn"] for a in attachments} == set(policies)
    assert len(policies) == len(POLICY_NAMES)
    resources = json.dumps(list(policies.values()))
    assert "role/web-*" in resources
    # The pre-run command polls the CI image repository with the deploy role.
    assert f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/ecs-blue-green/web" in resources


@pytest.mark.parametrize(("stack", "branch"), [("dev", "main"), ("prod", "release")])
def test_deployment_settings_release_on_push_to_the_stack_branch(
    example: StackRun, stack: str, branch: str
) -> None:
    settings = example.one(SETTINGS, stack).inputs

    assert (settings["organization"], settings["project"], settings["stack"]) == (
        "acme",
        "ecs-blue-green",
        stack,
    )
    assert settings["github"] == {
        "repository": "acme/ecs-blue-green",
        "deployCommits": True,
        "previewPullRequests": True,
        "paths": [
            "__main__.py",
            "Pulumi.yaml",
            f"Pulumi.{stack}.yaml",
            "requirements.txt",
            "components/**",
            "service/**",
        ],
    }
    assert settings["sourceContext"] == {"git": {"branch": f"refs/heads/{branch}"}}
    assert settings["operationContext"]["options"] == {"skipIntermediateDeployments": True}
    assert settings["cacheOptions"] == {"enable": True}
    assert "agentPoolId" not in settings


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_deployment_settings_use_the_stack_role_through_oidc(example: StackRun, stack: str) -> None:
    registration = example.one(SETTINGS, stack)
    role = example.one(ROLE, f"{stack}-deploy")
    context = registration.inputs["operationContext"]

    assert context["oidc"]["aws"] == {
        "roleARN": role.outputs["arn"],
        "sessionName": f"pulumi-{stack}-${{deployment.version}}",
        "duration": "2h0m0s",
    }
    assert role.urn in registration.property_dependencies["operationContext"]
    (command,) = context["preRunCommands"]
    assert f"AWS_ROLE_ARN:-{role.outputs['arn']}" in command
    assert f'uri={REPOSITORY_URL}":$tag"' in command


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stack_gets_its_boundary_and_hands_it_to_the_program(
    example: StackRun, stack: str
) -> None:
    boundary = example.one("aws:iam/policy:Policy", f"{stack}-boundary")
    settings = example.one(SETTINGS, stack)
    deploy_policies = json.dumps(
        [
            json.loads(p.inputs["policy"])
            for p in example.of_type("aws:iam/policy:Policy")
            if p.name.startswith(f"{stack}-deploy-")
        ]
    )

    assert boundary.inputs["name"] == f"pulumi-deploy-ecs-blue-green-{stack}-boundary"
    # Not attached to the deploy role: it bounds the roles the deployment creates.
    attached = {
        a.inputs["policyArn"]
        for a in example.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert boundary.outputs["arn"] not in attached
    assert settings.inputs["operationContext"]["environmentVariables"] == {
        "ECS_BLUE_GREEN_PERMISSIONS_BOUNDARY_ARN": boundary.outputs["arn"]
    }
    # The deploy role's conditions name this stack's boundary, not another stack's.
    assert boundary.outputs["arn"] in deploy_policies
    other = "prod" if stack == "dev" else "dev"
    assert f"{other}-boundary" not in deploy_policies


def test_policy_groups_make_prod_mandatory_and_dev_advisory(example: StackRun) -> None:
    groups = {group.name: group.inputs for group in example.of_type(GROUP)}
    production, other = groups["production"], groups["non-production"]

    assert production["name"] == "ecs-blue-green-production"
    assert production["stacks"] == [{"name": "prod", "routingProject": "ecs-blue-green"}]
    assert other["stacks"] == [{"name": "dev", "routingProject": "ecs-blue-green"}]
    for group in (production, other):
        assert group["organizationName"] == "acme"
        assert group["entityType"] == "stacks"
        assert group["mode"] == "preventative"
    assert production["policyPacks"] == [
        {
            "name": "ecs-blue-green",
            "versionTag": "0.1.0",
            "config": {
                "all": "mandatory",
                "codedeploy-ecs-blue-green": {"minTerminationWaitMinutes": 30},
                "ecs-service-blue-green": {"minBakeTimeMinutes": 30},
                "ecs-service-execute-command": "advisory",
            },
        }
    ]
    assert other["policyPacks"][0]["config"] == {
        "all": "advisory",
        "codedeploy-ecs-blue-green": {"minTerminationWaitMinutes": 5},
        "ecs-service-blue-green": {"minBakeTimeMinutes": 5},
        "ecs-service-execute-command": "disabled",
    }


def test_image_pipeline_pushes_only_from_release_branches(example: StackRun) -> None:
    repository = example.one("aws:ecr/repository:Repository", "image").inputs
    trust = _trust(example, "image-push")
    provider = example.one(OIDC, "github-oidc")

    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert trust["Principal"] == {"Federated": provider.outputs["arn"]}
    assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == [
        "repo:acme/ecs-blue-green:ref:refs/heads/main",
        "repo:acme/ecs-blue-green:ref:refs/heads/release",
    ]
    assert set(example.outputs["githubVariables"]) == {
        "AWS_REGION",
        "IMAGE_PUSH_ROLE_ARN",
        "IMAGE_REPOSITORY_URL",
        "SERVICE_PATH",
    }
    assert example.outputs["githubVariables"]["IMAGE_REPOSITORY_URL"] == REPOSITORY_URL


def test_aws_resources_use_a_provider_pinned_to_the_account(example: StackRun) -> None:
    provider = example.one("pulumi:providers:aws", "aws")

    assert provider.inputs["allowedAccountIds"] == json.dumps([ACCOUNT])
    assert provider.inputs["region"] == REGION
    aws = [r for r in example.registrations if r.type.startswith("aws:")]
    assert aws
    # A provider reference is "<urn>::<id>".
    assert {r.provider.rsplit("::", 1)[0] for r in aws} == {provider.urn}


def test_existing_oidc_providers_are_reused_not_created() -> None:
    pulumi_arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/api.pulumi.com/oidc"
    github_arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    config = example_config() | {
        f"{NAMESPACE}:pulumiOidcProviderArn": pulumi_arn,
        f"{NAMESPACE}:githubOidcProviderArn": github_arn,
    }

    run = run_platform(config)

    assert run.of_type(OIDC) == []
    assert _trust(run, "dev-deploy")["Principal"] == {"Federated": pulumi_arn}
    assert _trust(run, "image-push")["Principal"] == {"Federated": github_arn}


def test_building_in_the_deployment_needs_no_image_pipeline() -> None:
    config = example_config() | {
        f"{NAMESPACE}:imageSource": "deployment",
        f"{NAMESPACE}:agentPoolId": "docker-runners",
    }

    run = run_platform(config)

    assert run.of_type("aws:ecr/repository:Repository") == []
    assert [r.name for r in run.of_type(OIDC)] == ["pulumi-oidc"]
    assert "githubVariables" not in run.outputs
    settings = run.one(SETTINGS, "dev").inputs
    assert "preRunCommands" not in settings["operationContext"]
    assert settings["agentPoolId"] == "docker-runners"
    assert "cacheOptions" not in settings
    assert (
        "WaitForTheCiImage"
        not in run.one("aws:iam/policy:Policy", "dev-deploy-compute").inputs["policy"]
    )


def test_building_on_hosted_runners_warns_that_docker_may_be_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *_, **__: warnings.append(message))

    run_platform(example_config() | {f"{NAMESPACE}:imageSource": "deployment"})

    assert len(warnings) == 1
    assert "Docker daemon" in warnings[0]
    assert "agentPoolId" in warnings[0]


def test_project_in_a_subfolder_filters_paths_and_sets_the_repo_dir() -> None:
    run = run_platform(example_config() | {f"{NAMESPACE}:projectDir": "apps/shop"})

    settings = run.one(SETTINGS, "dev").inputs
    assert settings["sourceContext"]["git"] == {"branch": "refs/heads/main", "repoDir": "apps/shop"}
    assert all(path.startswith("apps/shop/") for path in settings["github"]["paths"])


def test_invalid_config_fails_before_any_resource_exists() -> None:
    mocks = PlatformMocks()

    with pytest.raises(ConfigError, match="productionStacks"):
        run_platform(example_config() | {f"{NAMESPACE}:productionStacks": ["staging"]}, mocks)

    assert mocks.created == []


def test_a_misspelt_key_in_the_stack_file_is_an_error() -> None:
    config = example_config() | {f"{NAMESPACE}:imageWaitMinute": "10"}

    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['imageWaitMinute'\]"):
        run_platform(config)


ATTACHED_CONFIG = {
    f"{NAMESPACE}:stacks": ["dev", "prod", "orders-dev"],
    f"{NAMESPACE}:stackSettings": {
        "prod": {"branch": "release"},
        "orders-dev": {"namePrefix": "orders-", "runtimeStack": "dev"},
    },
    f"{NAMESPACE}:runtimeStacks": ["dev"],
}


@pytest.fixture(scope="module")
def attached() -> StackRun:
    return run_platform(example_config() | ATTACHED_CONFIG)


def _policies(run: StackRun, prefix: str) -> dict[str, dict]:
    return {
        p.inputs["name"]: json.loads(p.inputs["policy"])
        for p in run.of_type("aws:iam/policy:Policy")
        if p.name.startswith(prefix)
    }


def test_a_runtime_stack_is_released_by_pushes_to_its_program(attached: StackRun) -> None:
    settings = attached.one(SETTINGS, "runtime-dev").inputs
    role = attached.one(ROLE, "runtime-dev-deploy")

    assert (settings["project"], settings["stack"]) == ("ecs-blue-green-runtime", "dev")
    assert settings["sourceContext"] == {
        "git": {"branch": "refs/heads/main", "repoDir": "platform/runtime"}
    }
    assert settings["github"]["paths"] == [
        "platform/runtime/__main__.py",
        "platform/runtime/Pulumi.yaml",
        "platform/runtime/Pulumi.dev.yaml",
        "platform/runtime/requirements.txt",
        "requirements.txt",
        "components/**",
    ]
    context = settings["operationContext"]
    assert context["oidc"]["aws"]["roleARN"] == role.outputs["arn"]
    # No boundary variable and no image wait: the runtime creates no roles and builds nothing.
    assert "environmentVariables" not in context
    assert "preRunCommands" not in context
    assert role.inputs["name"] == "pulumi-deploy-ecs-blue-green-runtime-dev"
    assert _trust(attached, "runtime-dev-deploy")["Condition"]["StringLike"] == {
        "api.pulumi.com/oidc:sub": (
            "pulumi:deploy:org:acme:project:ecs-blue-green-runtime:stack:dev"
            ":operation:*:scope:write"
        )
    }
    assert set(_policies(attached, "runtime-dev-deploy-")) == {
        f"pulumi-deploy-ecs-blue-green-runtime-dev-{name}" for name in RUNTIME_POLICY_NAMES
    }


def test_only_the_attached_stack_gets_the_attach_policy(attached: StackRun) -> None:
    orders = _policies(attached, "orders-dev-deploy-")
    dev = _policies(attached, "dev-deploy-")

    assert len(dev) == len(POLICY_NAMES)
    attach = orders["pulumi-deploy-ecs-blue-green-orders-dev-attach"]
    assert len(orders) == len(POLICY_NAMES) + 1
    assert "listener/app/dev-alb-*/*/*" in json.dumps(attach)
    assert "service/dev-cluster-*/orders-*" in json.dumps(attach)
    assert attached.one(SETTINGS, "orders-dev").inputs["stack"] == "orders-dev"


def test_the_example_creates_no_runtime_role(example: StackRun) -> None:
    assert not [r for r in example.of_type(ROLE) if r.name.startswith("runtime-")]
