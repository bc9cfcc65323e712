"""The `ecs-blue-green` component package, driven over gRPC as the engine drives it (no CLI).

The plugin runs as a process from its real entry point (`python package/`); a fake engine and a
fake resource monitor answer it (tests/package_host.py). Each Construct is one consumer program
creating one component: what the plugin registers is what the engine would create.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import errors_pb2, status_pb2

from components.args import AutoscalingArgs, BlueGreenServiceArgs, SidecarArgs
from components.release.plugin import CODEDEPLOY_RELEASE, ECS_RELEASE_CHECK
from components.runtime import SharedRuntimeArgs
from components.runtime_ref import OUTPUT_FIELDS
from package import schema
from tests.package_host import STACK_URN, Constructed, PluginProcess
from tests.runtime.support import mocks_with_runtime, runtime_outputs

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v1"
RUNTIME = runtime_outputs()
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


@pytest.fixture(scope="module")
def plugin() -> Iterator[PluginProcess]:
    process = PluginProcess()
    yield process
    process.close()


@pytest.fixture(scope="module")
def codedeploy(plugin: PluginProcess) -> Constructed:
    """A TypeScript `new BlueGreenService("web", {cpu: 512, ...})`: integers arrive as floats."""
    return plugin.construct(
        schema.SERVICE,
        "web",
        {"cpu": 512, "memory": 1024, "containerPort": 8080, "desiredCount": 3, "imageUri": IMAGE},
    )


@pytest.fixture(scope="module")
def ecs(plugin: PluginProcess) -> Constructed:
    """An ECS-controlled service on a SharedRuntime's outputs, routed by host."""
    return plugin.construct(
        schema.SERVICE,
        "api",
        {
            "deploymentController": "ECS",
            "trafficShift": "Linear10PercentEvery1Minutes",
            "sharedRuntime": RUNTIME,
            "hostHeaders": ["api.example.com"],
            "imageUri": IMAGE,
        },
        mocks=mocks_with_runtime(RUNTIME),
    )


@pytest.fixture(scope="module")
def workload(plugin: PluginProcess) -> Constructed:
    """A TypeScript service with a sidecar, variables and Graviton tasks."""
    return plugin.construct(
        schema.SERVICE,
        "wl",
        {
            "imageUri": IMAGE,
            "cpuArchitecture": "ARM64",
            "environment": {"LOG_LEVEL": "debug"},
            "sidecars": [
                {
                    "name": "otel",
                    "image": "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0",
                    "portMappings": [4317, 4318],
                    "environment": {"OTEL_MODE": "agent"},
                    "dependsOn": {"app": "START"},
                }
            ],
        },
    )


@pytest.fixture(scope="module")
def runtime(plugin: PluginProcess) -> Constructed:
    return plugin.construct(
        schema.RUNTIME, "shared", {"natStrategy": "single", "testListenerPort": 9000}
    )


def _input_errors(error: grpc.RpcError) -> dict[str, str]:
    """The InputPropertiesError details the engine prints per property."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            details = errors_pb2.InputPropertiesError()
            status.details[0].Unpack(details)
            return {e.property_path: e.reason for e in details.errors}
    return {}


# --- schema ----------------------------------------------------------------------------------


def test_get_schema_serves_the_checked_in_snapshot(plugin: PluginProcess) -> None:
    served = plugin.provider.GetSchema(proto.GetSchemaRequest(version=0)).schema
    assert json.loads(served) == json.loads(schema.SNAPSHOT.read_text())
    assert plugin.provider.GetPluginInfo(empty_pb2.Empty()).version == schema.VERSION


def test_the_snapshot_is_regenerated_from_the_settings_classes() -> None:
    assert schema.SNAPSHOT.read_text() == schema.render(), (
        "package/schema.json is stale: run `.venv/bin/python -m package.schema --write`"
    )


@pytest.mark.parametrize(
    ("token", "settings"),
    [(schema.SERVICE, BlueGreenServiceArgs), (schema.RUNTIME, SharedRuntimeArgs)],
)
def test_every_setting_is_an_optional_input_with_the_python_default(
    token: str, settings: type[Any]
) -> None:
    resource = schema.schema()["resources"][token]
    properties = resource["inputProperties"]
    assert resource["requiredInputs"] == []
    assert set(properties) == {schema.camel(f.name) for f in dataclasses.fields(settings)}
    defaults = settings()
    for field in dataclasses.fields(settings):
        spec = properties[schema.camel(field.name)]
        assert spec["description"], field.name
        if "default" in spec:
            assert spec["default"] == getattr(defaults, field.name), field.name


def test_settings_with_a_python_scalar_default_carry_it() -> None:
    properties = schema.schema()["resources"][schema.SERVICE]["inputProperties"]
    assert properties["cpu"]["default"] == 256
    assert properties["trafficShift"]["default"] == "AllAtOnce"
    assert properties["alarmsEnabled"]["default"] is True
    autoscaling = schema.schema()["types"]["ecs-blue-green:index:Autoscaling"]["properties"]
    assert autoscaling["minCount"]["default"] == AutoscalingArgs().min_count


def test_enum_like_settings_are_enums_and_resource_ids_accept_outputs() -> None:
    document = schema.schema()
    properties = document["resources"][schema.SERVICE]["inputProperties"]
    controller = document["types"]["ecs-blue-green:index:DeploymentController"]
    assert [e["value"] for e in controller["enum"]] == ["CODE_DEPLOY", "ECS"]
    assert properties["natStrategy"]["$ref"].endswith(":NatStrategy")
    takes_outputs = {key for key, spec in properties.items() if not spec.get("plain")}
    assert takes_outputs == {
        "vpcId",
        "publicSubnetIds",
        "privateSubnetIds",
        "certificateArn",
        "sharedRuntime",
    }
    runtime_inputs = document["resources"][schema.RUNTIME]["inputProperties"]
    assert "plain" not in runtime_inputs["certificateArn"]


def test_workload_settings_are_typed_in_the_schema() -> None:
    document = schema.schema()
    properties = document["resources"][schema.SERVICE]["inputProperties"]
    assert properties["cpuArchitecture"]["$ref"].endswith(":CpuArchitecture")
    architecture = document["types"]["ecs-blue-green:index:CpuArchitecture"]
    assert [e["value"] for e in architecture["enum"]] == ["X86_64", "ARM64"]
    assert properties["sidecars"]["items"]["$ref"].endswith(":Sidecar")
    assert properties["environment"]["additionalProperties"] == {"type": "string"}
    assert properties["containerHealthCheckCommand"]["items"] == {"type": "string"}
    sidecar = document["types"]["ecs-blue-green:index:Sidecar"]
    assert sidecar["required"] == ["name", "image"]
    assert sidecar["properties"]["portMappings"]["items"] == {"type": "integer"}
    assert sidecar["properties"]["essential"]["default"] is False


def test_the_runtime_returns_its_eleven_outputs() -> None:
    resource = schema.schema()["resources"][schema.RUNTIME]
    assert set(resource["properties"]) == set(OUTPUT_FIELDS)
    assert len(resource["properties"]) == 11


# --- Construct -------------------------------------------------------------------------------


def _children_of(constructed: Constructed, component_urn: str) -> set[str]:
    """URNs of every registration whose parent chain reaches `component_urn`."""
    tree = {component_urn}
    for registration in constructed.registrations:  # parents register before children
        if registration.parent in tree:
            tree.add(registration.urn)
    return tree - {component_urn}


def test_codedeploy_service_is_built_under_the_consumers_stack(codedeploy: Constructed) -> None:
    [component] = codedeploy.of_type(schema.SERVICE)
    assert component.parent == STACK_URN
    assert component.urn == codedeploy.urn
    others = {r.urn for r in codedeploy.registrations} - {component.urn}
    assert others == _children_of(codedeploy, component.urn)


def test_the_release_is_a_custom_resource_of_the_package(codedeploy: Constructed) -> None:
    [release] = codedeploy.of_type(CODEDEPLOY_RELEASE)
    assert release.custom
    assert release.name == "web-release"
    assert "__provider" not in release.inputs
    assert not codedeploy.of_type("pulumi-python:dynamic:Resource")
    # The same properties the dynamic resource has, so the same engine code serves both.
    assert release.inputs["container_port"] == 8080
    assert release.inputs["container_name"] == "app"


def test_integers_reach_aws_as_integers(codedeploy: Constructed) -> None:
    [task] = codedeploy.of_type(TASK_DEFINITION)
    [container] = json.loads(task.inputs["containerDefinitions"])
    assert container["portMappings"][0]["containerPort"] == 8080
    assert isinstance(container["portMappings"][0]["containerPort"], int)
    assert (task.inputs["cpu"], task.inputs["memory"]) == ("512", "1024")
    [service] = codedeploy.of_type("aws:ecs/service:Service")
    assert service.inputs["desiredCount"] == 3


def test_the_service_returns_the_outputs_users_need(codedeploy: Constructed) -> None:
    state = codedeploy.state
    assert state["url"].startswith("http://web-alb")
    assert state["testUrl"].endswith(":8080")
    assert state["serviceName"] == "web-service"
    assert state["clusterName"] == "web-cluster"
    assert state["imageUri"] == IMAGE
    assert state["codedeployDeploymentGroup"]
    assert state["releaseEventsTopicArn"].startswith("arn:aws:sns:")
    # What the Python component registers as its outputs is what the schema declares (the
    # mocked release made no deployment, so its deploymentId is unset).
    registered = set(codedeploy.outputs[codedeploy.urn])
    assert registered | {"deploymentId"} == {o.name for o in schema.SERVICE_OUTPUTS}


def test_ecs_controller_registers_the_release_check(ecs: Constructed) -> None:
    [check] = ecs.of_type(ECS_RELEASE_CHECK)
    assert check.custom
    assert check.name == "api-release-check"
    assert not ecs.of_type("aws:codedeploy/deploymentGroup:DeploymentGroup")
    assert not ecs.of_type(CODEDEPLOY_RELEASE)
    assert "codedeployDeploymentGroup" not in ecs.state
    assert ecs.state["serviceName"] == "api-service"


def test_workload_settings_reach_the_task_definition(workload: Constructed) -> None:
    [task] = workload.of_type(TASK_DEFINITION)
    assert task.inputs["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    app, otel = json.loads(task.inputs["containerDefinitions"])
    assert {"name": "LOG_LEVEL", "value": "debug"} in app["environment"]
    assert otel["name"] == "otel"
    assert otel["image"].endswith("aws-otel-collector:v0.40.0")
    assert otel["essential"] is False  # the Python default
    ports = [mapping["containerPort"] for mapping in otel["portMappings"]]
    assert ports == [4317, 4318]
    assert all(isinstance(port, int) for port in ports)  # floats on the wire, ints to AWS
    assert otel["environment"] == [{"name": "OTEL_MODE", "value": "agent"}]
    assert otel["dependsOn"] == [{"containerName": "app", "condition": "START"}]


def test_a_service_on_the_runtime_outputs_uses_its_network_and_listeners(
    ecs: Constructed,
) -> None:
    for own in ("awsx:ec2:Vpc", "aws:lb/loadBalancer:LoadBalancer", "aws:ecs/cluster:Cluster"):
        assert not ecs.of_type(own), own
    groups = ecs.of_type("aws:lb/targetGroup:TargetGroup")
    assert {g.inputs["vpcId"] for g in groups} == {RUNTIME["vpcId"]}
    rules = ecs.of_type("aws:lb/listenerRule:ListenerRule")
    assert RUNTIME["productionListenerArn"] in {r.inputs["listenerArn"] for r in rules}


def test_shared_runtime_returns_the_runtime_outputs(runtime: Constructed) -> None:
    [component] = runtime.of_type(schema.RUNTIME)
    assert component.parent == STACK_URN
    assert set(runtime.state) == set(OUTPUT_FIELDS)
    [test_listener] = [
        r for r in runtime.of_type("aws:lb/listener:Listener") if r.name.endswith("test")
    ]
    assert test_listener.inputs["port"] == 9000
    assert runtime.of_type("awsx:ec2:Vpc")[0].protect


# --- errors reach the consumer naming the setting --------------------------------------------


def test_bad_settings_fail_naming_each_setting_before_anything_exists(
    plugin: PluginProcess,
) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        plugin.construct(
            schema.SERVICE,
            "web",
            {"cpu": 300, "testListenerCidrs": ["0.0.0.0/0"], "imageUri": IMAGE},
        )
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    errors = _input_errors(failure.value)
    assert set(errors) == {"cpu", "testListenerCidrs"}
    assert "is not a Fargate size" in errors["cpu"]


@pytest.mark.parametrize(
    ("inputs", "setting", "reason"),
    [
        ({"cpu": 256.5}, "cpu", "not an integer"),
        ({"deploymentControler": "ECS"}, "deploymentControler", "not a setting"),
        ({"autoscaling": {"minCount": "two"}}, "autoscaling.minCount", "not an integer"),
        ({"cpu": rpc.UNKNOWN}, "cpu", "must be known"),
        ({"sharedRuntime": {"vpcId": "vpc-1"}}, "sharedRuntime", "clusterArn"),
        ({"sidecars": [{"name": "otel"}]}, "sidecars.otel.image", "required"),
        ({"sidecars": [{"name": "otel", "image": 7}]}, "sidecars.otel.image", "not a string"),
        (
            {"sidecars": [{"name": "a", "image": "b:1", "portMappings": [80.5]}]},
            "sidecars.a.portMappings[0]",
            "not an integer",
        ),
        (
            {"sidecars": [{"name": "otel", "image": "b:1", "cpu": 1}]},
            "sidecars.otel.cpu",
            "allowed",
        ),
        ({"sidecars": [{"image": "b:1"}]}, "sidecars[0].name", "required"),
        ({"sidecars": {"name": "otel"}}, "sidecars", "is not a list"),
        ({"environment": {"LOG_LEVEL": 1}}, "environment.LOG_LEVEL", "not a string"),
    ],
)
def test_inputs_of_the_wrong_shape_fail_naming_the_setting(
    plugin: PluginProcess, inputs: dict[str, Any], setting: str, reason: str
) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        plugin.construct(schema.SERVICE, "web", inputs, dry_run=True)
    errors = _input_errors(failure.value)
    assert list(errors) == [setting]
    assert reason in errors[setting]


def test_a_sidecar_setting_has_one_name_in_every_check(plugin: PluginProcess) -> None:
    """A sidecar's image refused by the package's conversion (not a string), by the settings
    checks (not an image reference) or by those checks in a Python stack: the consumer reads
    `sidecars.otel.image` each time, the sidecar named by its name."""
    names = set()
    for image in (7, "not an image"):
        sidecar = {"name": "otel", "image": image}
        with pytest.raises(grpc.RpcError) as failure:
            plugin.construct(schema.SERVICE, "web", {"imageUri": IMAGE, "sidecars": [sidecar]})
        errors = _input_errors(failure.value)
        names |= set(errors)
        assert all(reason.startswith("sidecars.otel.image: ") for reason in errors.values())
    assert names == {"sidecars.otel.image"}
    python = BlueGreenServiceArgs(
        image_uri=IMAGE, sidecars=(SidecarArgs(name="otel", image="not an image"),)
    )
    with pytest.raises(ValueError, match=r"\n  - sidecars\.otel\.image: 'not an image' is not"):
        python.validate("web")


def test_a_bad_cpu_architecture_fails_naming_the_allowed_values(plugin: PluginProcess) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        plugin.construct(schema.SERVICE, "web", {"cpuArchitecture": "arm64", "imageUri": IMAGE})
    assert "X86_64" in _input_errors(failure.value)["cpuArchitecture"]


def test_a_runtime_setting_error_names_the_setting(plugin: PluginProcess) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        plugin.construct(schema.RUNTIME, "shared", {"natStrategy": "two"})
    assert "not one of none, single, onePerAz" in _input_errors(failure.value)["natStrategy"]


def test_a_vpc_unknown_at_preview_is_passed_on(plugin: PluginProcess) -> None:
    """A consumer creating its VPC in the same program: ids are unknown until `up`."""
    constructed = plugin.construct(
        schema.SERVICE,
        "web",
        {
            "vpcId": rpc.UNKNOWN,
            "publicSubnetIds": rpc.UNKNOWN,
            "imageUri": IMAGE,
            "testGateEnabled": False,
            "alarmsEnabled": False,
        },
        dry_run=True,
    )
    assert not constructed.of_type("awsx:ec2:Vpc")
    groups = constructed.of_type("aws:lb/targetGroup:TargetGroup")
    assert len(groups) == 2
    assert all("vpcId" not in group.inputs for group in groups)  # unknown, not invented
    [release] = constructed.of_type(CODEDEPLOY_RELEASE)
    assert release.custom


def test_a_known_bad_vpc_id_is_refused(plugin: PluginProcess) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        plugin.construct(
            schema.SERVICE,
            "web",
            {"vpcId": "vpc-NOPE", "publicSubnetIds": ["subnet-1a", "subnet-2b"], "imageUri": IMAGE},
        )
    assert "is not a VPC id" in _input_errors(failure.value)["vpcId"]
