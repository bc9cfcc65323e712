"""A team's own workload, from stack config to resources under both release controllers:
environment, secrets, task-role policies, CPU architecture, ECS Exec, sidecars, the container
health check of a foreign image, and unknown keys refused before any resource."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.args import BlueGreenServiceArgs, SidecarArgs
from components.identity_guard import identity_errors, identity_of
from components.release.codedeploy.spec import ReleaseSpec, Serving
from components.task_definition import policy_resource_name
from tests.harness import StackRun, run_main, stack_config

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE = "aws:iam/role:Role"
IMAGE = "docker-build:index:Image"
DYNAMIC = "pulumi-python:dynamic:Resource"
FOREIGN_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:v7"
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-AbCdEf"
PARAMETER = "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/api-url"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
QUEUE_POLICY = "arn:aws:iam::123456789012:policy/orders-queue"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
LOG_ROUTER = {
    "name": "log-router",
    "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
    "essential": True,
    "environment": {"FLB_LOG_LEVEL": "info"},
    "portMappings": [2020],
}
AGENT = {"name": "apm", "image": "datadog/agent:7", "dependsOn": {"log-router": "START"}}
#: A team's own service, every workload setting on.
WORKLOAD = {
    "imageUri": FOREIGN_IMAGE,
    "healthCheckPath": "/healthz",
    "environment": ["LOG_LEVEL=debug", "NODE_ENV=staging", "GREETING=a=b"],
    "secrets": [f"DB_PASSWORD={SECRET}:password::", f"API_URL={PARAMETER}"],
    "secretsKmsKeyArn": KEY,
    "taskRolePolicyArns": [QUEUE_POLICY, READ_ONLY],
    "cpuArchitecture": "ARM64",
    "enableExecuteCommand": True,
    "sidecars": [json.dumps(LOG_ROUTER), json.dumps(AGENT)],
}


HEALTH_CHECK_KEY = "ecs-blue-green:containerHealthCheckCommand"


def _config(**overrides: Any) -> dict[str, Any]:
    """The dev stack with `overrides`, without its container health check (that of the sample
    image), so each test starts from the component's default."""
    dev = {k: v for k, v in stack_config("dev").items() if k != HEALTH_CHECK_KEY}
    return {**dev, **{f"ecs-blue-green:{k}": v for k, v in overrides.items()}}


@pytest.fixture(scope="module", params=["CODE_DEPLOY", "ECS"])
def workload(request: pytest.FixtureRequest) -> StackRun:
    return run_main(_config(**WORKLOAD, deploymentController=request.param))


@pytest.fixture(scope="module")
def plain() -> StackRun:
    """The dev stack on a foreign image with no workload setting."""
    return run_main(_config(imageUri=FOREIGN_IMAGE))


def _containers(run: StackRun) -> dict[str, dict[str, Any]]:
    definitions = json.loads(run.one(TASK_DEFINITION).inputs["containerDefinitions"])
    return {c["name"]: c for c in definitions}


def _policy(registration: Any) -> dict[str, Any]:
    return json.loads(registration.inputs["policy"])


# --- 1. environment ------------------------------------------------------------------------
def test_environment_is_merged_with_ours_and_yours_win_except_port(workload: StackRun) -> None:
    app = _containers(workload)["app"]
    assert app["environment"] == [
        {"name": "PORT", "value": "3000"},
        {"name": "APP_VERSION", "value": "orders:v7"},
        {"name": "NODE_ENV", "value": "staging"},
        {"name": "LOG_LEVEL", "value": "debug"},
        {"name": "GREETING", "value": "a=b"},
    ]


def test_port_in_environment_is_refused_naming_container_port() -> None:
    run = run_main(_config(environment=["PORT=8080"]), raise_errors=False)
    assert "PORT is set from containerPort" in str(run.error)
    assert run.registrations == []


# --- 2. secrets ----------------------------------------------------------------------------
def test_secrets_reach_the_container_by_arn_only(workload: StackRun) -> None:
    app = _containers(workload)["app"]
    assert app["secrets"] == [
        {"name": "API_URL", "valueFrom": PARAMETER},
        {"name": "DB_PASSWORD", "valueFrom": f"{SECRET}:password::"},
    ]
    assert not {"DB_PASSWORD", "API_URL"} & {e["name"] for e in app["environment"]}


def test_execution_role_may_read_exactly_the_secrets(workload: StackRun) -> None:
    read = workload.one(ROLE_POLICY, "-execution-secrets")
    execution_role = workload.one(ROLE, "-execution-role")
    assert read.inputs["role"] == execution_role.outputs["name"]
    assert _policy(read)["Statement"] == [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": [SECRET]},
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": [PARAMETER]},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY},
    ]
    # The task definition waits for the grant, so no task starts unable to read its secrets.
    assert read.urn in workload.one(TASK_DEFINITION).dependencies


def test_no_secrets_no_secrets_policy(plain: StackRun) -> None:
    assert not any(r.name.endswith("-execution-secrets") for r in plain.of_type(ROLE_POLICY))
    assert "secrets" not in _containers(plain)["app"]


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("arn:aws:secretsmanager:eu-west-1:123456789012:db", "neither a Secrets Manager secret"),
        ("my-parameter", "neither a Secrets Manager secret"),
        (f"{SECRET}:password", "neither a Secrets Manager secret"),
    ],
)
def test_bad_secret_arn_is_refused_naming_the_variable(secret: str, message: str) -> None:
    run = run_main(_config(secrets=[f"DB_PASSWORD={secret}"]), raise_errors=False)
    assert f"secrets.DB_PASSWORD: {secret!r} is {message}" in str(run.error)
    assert run.registrations == []


# --- 3. task role policies -----------------------------------------------------------------
def test_task_role_gets_the_managed_policies_under_the_boundary(workload: StackRun) -> None:
    task_role = workload.one(ROLE, "-task-role")
    attached = {
        r.inputs["policyArn"]: r
        for r in workload.of_type(ATTACHMENT)
        if r.inputs["role"] == task_role.outputs["name"]
    }
    assert set(attached) == {QUEUE_POLICY, READ_ONLY}
    assert attached[QUEUE_POLICY].name == policy_resource_name("web", QUEUE_POLICY)


def test_boundary_still_caps_the_task_role() -> None:
    boundary = "arn:aws:iam::123456789012:policy/deploy-boundary"
    run = run_main(_config(taskRolePolicyArns=[QUEUE_POLICY], permissionsBoundaryArn=boundary))
    assert run.one(ROLE, "-task-role").inputs["permissionsBoundary"] == boundary


def test_policy_names_do_not_move_when_the_list_is_reordered() -> None:
    assert policy_resource_name("web", QUEUE_POLICY) != policy_resource_name("web", READ_ONLY)
    assert policy_resource_name("web", QUEUE_POLICY) == policy_resource_name("web", QUEUE_POLICY)


# --- 4. CPU architecture -------------------------------------------------------------------
def test_arm64_task_and_image_build_match() -> None:
    run = run_main(_config(cpuArchitecture="ARM64"))
    platform = run.one(TASK_DEFINITION).inputs["runtimePlatform"]
    assert platform == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}
    assert run.one(IMAGE).inputs["platforms"] == ["linux/arm64"]


def test_default_architecture_is_x86_64(plain: StackRun) -> None:
    assert plain.one(TASK_DEFINITION).inputs["runtimePlatform"]["cpuArchitecture"] == "X86_64"


def test_fargate_sizes_are_checked_whatever_the_architecture() -> None:
    args = BlueGreenServiceArgs(cpu_architecture="ARM64", cpu=256, memory=4096)
    with pytest.raises(ValueError, match="memory: 4096 does not pair with cpu 256"):
        args.validate("web")
    with pytest.raises(ValueError, match="cpuArchitecture: 'arm64' is not one of X86_64, ARM64"):
        BlueGreenServiceArgs(cpu_architecture="arm64").validate("web")  # type: ignore[arg-type]


# --- 6. ECS Exec ---------------------------------------------------------------------------
def test_exec_turns_on_the_service_and_the_task_role_channels(workload: StackRun) -> None:
    assert workload.one(SERVICE).inputs["enableExecuteCommand"] is True
    exec_policy = workload.one(ROLE_POLICY, "-task-exec")
    assert exec_policy.inputs["role"] == workload.one(ROLE, "-task-role").outputs["name"]
    [statement] = _policy(exec_policy)["Statement"]
    assert statement["Action"][0].startswith("ssmmessages:")


def test_exec_off_grants_nothing(plain: StackRun) -> None:
    assert "enableExecuteCommand" not in plain.one(SERVICE).inputs
    assert [r.name for r in plain.of_type(ROLE_POLICY) if r.name.endswith("-task-exec")] == []


def test_exec_change_of_a_running_codedeploy_service_is_refused() -> None:
    before = identity_of("web", BlueGreenServiceArgs())
    after = identity_of("web", BlueGreenServiceArgs(enable_execute_command=True))
    [error] = identity_errors(before, after, allow_rename=False)
    assert error.startswith("enableExecuteCommand: false -> true cannot be applied")
    ecs = BlueGreenServiceArgs(deployment_controller="ECS")
    ecs_on = BlueGreenServiceArgs(deployment_controller="ECS", enable_execute_command=True)
    assert identity_errors(identity_of("web", ecs), identity_of("web", ecs_on), False) == []


# --- 7. sidecars ---------------------------------------------------------------------------
def test_sidecars_join_the_task_and_the_load_balancer_keeps_the_app(workload: StackRun) -> None:
    containers = _containers(workload)
    assert list(containers) == ["app", "log-router", "apm"]
    router, agent = containers["log-router"], containers["apm"]
    assert router["essential"] is True
    assert router["portMappings"] == [{"containerPort": 2020, "protocol": "tcp"}]
    assert router["environment"] == [{"name": "FLB_LOG_LEVEL", "value": "info"}]
    assert router["logConfiguration"]["options"]["awslogs-stream-prefix"] == "log-router"
    assert agent["essential"] is False
    assert agent["dependsOn"] == [{"containerName": "log-router", "condition": "START"}]
    [binding] = workload.one(SERVICE).inputs["loadBalancers"]
    assert binding["containerName"] == "app"
    for release in workload.of_type(DYNAMIC):
        if "container_name" in release.inputs:
            assert release.inputs["container_name"] == "app"


@pytest.mark.parametrize(
    ("sidecar", "message"),
    [
        (SidecarArgs("app", "datadog/agent:7"), "must be unique and not 'app'"),
        (SidecarArgs("apm", "agent"), "sidecars.apm.image: 'agent' is not an image reference"),
        (SidecarArgs("apm", "datadog/agent:7", port_mappings=(3000,)), "3000 is already taken"),
        (
            SidecarArgs("apm", "datadog/agent:7", depends_on={"db": "START"}),
            "sidecars.apm.dependsOn: 'db' is not another container",
        ),
        (
            SidecarArgs("apm", "datadog/agent:7", depends_on={"app": "READY"}),
            "sidecars.apm.dependsOn.app: 'READY' is not one of",
        ),
    ],
)
def test_bad_sidecar_is_refused_naming_it(sidecar: SidecarArgs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BlueGreenServiceArgs(sidecars=(sidecar,)).validate("web")


def test_sidecar_config_entry_must_be_a_json_object_with_known_fields() -> None:
    run = run_main(
        _config(sidecars=['{"name": "x", "image": "a/b", "port": 1}']), raise_errors=False
    )
    assert "['port'] are not sidecar fields" in str(run.error)
    assert run.registrations == []


# --- health check of a foreign image (issue 21, item 6) --------------------------------------
def test_foreign_image_gets_no_container_health_check_by_default(plain: StackRun) -> None:
    assert "healthCheck" not in _containers(plain)["app"]


def test_building_the_sample_gets_its_checker_on_health_check_path() -> None:
    run = run_main(_config(healthCheckPath="/ready"))
    command = _containers(run)["app"]["healthCheck"]["command"]
    assert command == ["CMD", "node", "/app/healthcheck.js", "/ready"]


def test_shipped_stacks_name_the_sample_checker_and_it_follows_the_path() -> None:
    """CI builds service/ and passes the image by URI: the stack files say what is inside."""
    assert stack_config("dev")[HEALTH_CHECK_KEY][-1] == "{healthCheckPath}"
    run = run_main({**stack_config("dev"), "ecs-blue-green:imageUri": FOREIGN_IMAGE,
                    "ecs-blue-green:healthCheckPath": "/ready"})  # fmt: skip
    command = _containers(run)["app"]["healthCheck"]["command"]
    assert command == ["CMD", "node", "/app/healthcheck.js", "/ready"]


def test_own_health_check_command_and_none(plain: StackRun) -> None:
    curl = ["CMD-SHELL", "curl -fs http://localhost:{containerPort}{healthCheckPath} || exit 1"]
    run = run_main(
        _config(
            imageUri=FOREIGN_IMAGE, healthCheckPath="/healthz", containerHealthCheckCommand=curl
        )
    )
    assert _containers(run)["app"]["healthCheck"]["command"] == [
        "CMD-SHELL",
        "curl -fs http://localhost:3000/healthz || exit 1",
    ]
    off = run_main(_config(containerHealthCheckCommand=["NONE"]))
    assert "healthCheck" not in _containers(off)["app"]


# --- 9. unknown keys -----------------------------------------------------------------------
def test_unknown_key_is_refused_before_any_resource() -> None:
    run = run_main(_config(cpuArchitecure="ARM64"), raise_errors=False)
    assert "ecs-blue-green:cpuArchitecure: unknown config key; did you mean " in str(run.error)
    assert "ecs-blue-green:cpuArchitecture?" in str(run.error)
    assert run.registrations == []


# --- 5. Fargate Spot -----------------------------------------------------------------------
CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
HALF_SPOT = [
    {"capacity_provider": "FARGATE", "base": 1, "weight": 50},
    {"capacity_provider": "FARGATE_SPOT", "base": 0, "weight": 50},
]


def test_cluster_offers_fargate_and_fargate_spot(plain: StackRun) -> None:
    providers = plain.one(CAPACITY)
    assert providers.inputs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert "defaultCapacityProviderStrategies" not in providers.inputs


def test_no_spot_keeps_launch_type_and_an_unchanged_release(plain: StackRun) -> None:
    service = plain.one(SERVICE).inputs
    assert service["launchType"] == "FARGATE"
    assert "capacityProviderStrategies" not in service
    release = plain.one(DYNAMIC, "-release")
    assert "capacity_provider_strategy" not in release.inputs


def test_spot_under_codedeploy_goes_out_in_the_appspec() -> None:
    run = run_main(_config(fargateSpotPercent=50))
    service = run.one(SERVICE)
    assert service.inputs["launchType"] == "FARGATE"
    assert "capacityProviderStrategies" in service.ignore_changes
    assert run.one(DYNAMIC, "-release").inputs["capacity_provider_strategy"] == HALF_SPOT


def test_spot_under_ecs_is_the_service_strategy_with_a_base_on_fargate() -> None:
    run = run_main(_config(fargateSpotPercent=100, deploymentController="ECS"))
    service = run.one(SERVICE)
    assert "launchType" not in service.inputs
    assert service.inputs["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "base": 1, "weight": 0},
        {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 100},
    ]
    assert service.inputs["forceNewDeployment"] is True
    assert run.one(CAPACITY).urn in service.dependencies


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"fargate_spot_percent": 101}, "fargateSpotPercent: 101 is outside 0..100"),
        (
            {"fargate_spot_percent": 20, "cpu_architecture": "ARM64"},
            "fargateSpotPercent: Fargate Spot runs X86_64 tasks only",
        ),
    ],
)
def test_bad_spot_share_is_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BlueGreenServiceArgs(**settings).validate("web")


@pytest.mark.parametrize(
    ("controller", "before", "after", "refused"),
    [
        ("ECS", 0, 50, True),
        ("ECS", 50, 0, True),
        ("ECS", 50, 80, False),
        ("CODE_DEPLOY", 0, 50, False),
        ("CODE_DEPLOY", 50, 0, False),
    ],
)
def test_ecs_service_cannot_move_between_launch_type_and_spot(
    controller: str, before: int, after: int, refused: bool
) -> None:
    def identity(percent: int) -> dict[str, Any]:
        args = BlueGreenServiceArgs(deployment_controller=controller, fargate_spot_percent=percent)  # type: ignore[arg-type]
        return identity_of("web", args)

    errors = identity_errors(identity(before), identity(after), allow_rename=False)
    assert bool(errors) is refused
    if refused:
        assert errors[0].startswith("fargateSpotPercent/deploymentController: the service would")


def test_a_spot_change_alone_is_a_codedeploy_release() -> None:
    """The releaser deploys only what differs from the PRIMARY task set: Spot must count."""
    props = {
        "application_name": "web", "deployment_group_name": "web", "cluster_name": "c",
        "service_name": "s", "task_definition_arn": "td:2", "container_name": "app",
        "container_port": 3000, "region": "eu-west-1", "capacity_provider_strategy": HALF_SPOT,
    }  # fmt: skip
    spec = ReleaseSpec.from_props(props)
    on_demand = Serving.from_service({"taskSets": [{"status": "PRIMARY", "taskDefinition": "td:2",
                                                    "launchType": "FARGATE"}]})  # fmt: skip
    assert spec.differences(on_demand) == [
        "capacity launch type -> FARGATE base 1 weight 50, FARGATE_SPOT base 0 weight 50"
    ]
    half = Serving.from_service(
        {
            "taskSets": [
                {
                    "status": "PRIMARY",
                    "taskDefinition": "td:2",
                    "capacityProviderStrategy": [
                        {"capacityProvider": "FARGATE_SPOT", "weight": 50, "base": 0},
                        {"capacityProvider": "FARGATE", "weight": 50, "base": 1},
                    ],
                }
            ]
        }
    )
    assert spec.differences(half) == []
    back = ReleaseSpec.from_props({**props, "capacity_provider_strategy": None})
    assert back.differences(half) == [
        "capacity FARGATE base 1 weight 50, FARGATE_SPOT base 0 weight 50 -> launch type"
    ]
    content = json.loads(spec.revision()["appSpecContent"]["content"])
    strategy = content["Resources"][0]["TargetService"]["Properties"]["CapacityProviderStrategy"]
    assert [item["CapacityProvider"] for item in strategy] == ["FARGATE", "FARGATE_SPOT"]
