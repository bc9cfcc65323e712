"""The BlueGreenService graph under Pulumi mocks: inputs, options and outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.blue_green_service import TYPE as COMPONENT
from components.image import source_tag, split_image_uri
from tests.harness import ROOT, StackRun, run_dev_stack, run_main, stack_config

SERVICE = "aws:ecs/service:Service"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
DYNAMIC = "pulumi-python:dynamic:Resource"


@pytest.fixture(scope="module")
def dev() -> StackRun:
    return run_dev_stack()


@pytest.fixture(scope="module", params=["CODE_DEPLOY", "ECS"])
def either(request: pytest.FixtureRequest, dev: StackRun) -> StackRun:
    """The dev stack under each release controller, for what both must build alike."""
    if request.param == "CODE_DEPLOY":
        return dev
    return run_main(_config(deploymentController="ECS"))


def _config(**overrides: Any) -> dict[str, Any]:
    return {**stack_config("dev"), **{f"ecs-blue-green:{k}": v for k, v in overrides.items()}}


def _container(run: StackRun) -> dict[str, Any]:
    definitions = json.loads(run.one(TASK_DEFINITION).inputs["containerDefinitions"])
    assert len(definitions) == 1
    return definitions[0]


def test_service_is_released_by_codedeploy_and_ignores_what_codedeploy_owns(dev: StackRun) -> None:
    service = dev.one(SERVICE)
    assert service.inputs["deploymentController"] == {"type": "CODE_DEPLOY"}
    assert service.ignore_changes == [
        "taskDefinition",
        "loadBalancers",
        "networkConfiguration",
        "launchType",
        "capacityProviderStrategies",
    ]
    assert service.inputs["desiredCount"] == 2
    assert service.inputs["healthCheckGracePeriodSeconds"] == 15
    assert service.inputs["launchType"] == "FARGATE"
    # No NAT in dev: tasks need public IPs to reach ECR.
    assert service.inputs["networkConfiguration"]["assignPublicIp"] is True
    [binding] = service.inputs["loadBalancers"]
    blue = dev.one(TARGET_GROUP, "-blue")
    assert binding["targetGroupArn"] == blue.outputs["arn"]
    assert (binding["containerName"], binding["containerPort"]) == ("app", 3000)


def test_forwarding_listeners_ignore_default_actions(dev: StackRun) -> None:
    listeners = {r.name: r for r in dev.of_type(LISTENER)}
    assert set(listeners) == {"web-production", "web-test"}
    for listener in listeners.values():
        assert listener.ignore_changes == ["defaultActions"]
    assert listeners["web-production"].inputs["port"] == 80
    assert listeners["web-test"].inputs["port"] == 8080
    blue_arn = dev.one(TARGET_GROUP, "-blue").outputs["arn"]
    for listener in listeners.values():
        assert listener.inputs["defaultActions"] == [
            {"type": "forward", "targetGroupArn": blue_arn}
        ]


def test_every_resource_is_a_child_of_the_component(either: StackRun) -> None:
    [component] = either.of_type(COMPONENT)
    assert component.name == "web"
    for registration in either.registrations:
        if registration is component:
            continue
        chain = registration
        while chain.parent and chain.parent != component.urn:
            chain = either.by_urn(chain.parent)
        assert chain.parent == component.urn, f"{registration.name} escapes the component"


def test_deployment_group_pairs_blue_green_with_prod_and_test_routes(dev: StackRun) -> None:
    group = dev.one(GROUP).inputs
    assert group["deploymentStyle"] == {
        "deploymentOption": "WITH_TRAFFIC_CONTROL",
        "deploymentType": "BLUE_GREEN",
    }
    pair = group["loadBalancerInfo"]["targetGroupPairInfo"]
    production = dev.one(LISTENER, "production").outputs["arn"]
    assert pair["prodTrafficRoute"]["listenerArns"] == [production]
    assert pair["testTrafficRoute"]["listenerArns"] == [dev.one(LISTENER, "test").outputs["arn"]]
    assert [g["name"] for g in pair["targetGroups"]] == [
        dev.one(TARGET_GROUP, "-blue").outputs["name"],
        dev.one(TARGET_GROUP, "-green").outputs["name"],
    ]
    assert group["autoRollbackConfiguration"] == {
        "enabled": True,
        "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
    }
    assert group["deploymentConfigName"] == "CodeDeployDefault.ECSAllAtOnce"
    assert group["blueGreenDeploymentConfig"] == {
        "deploymentReadyOption": {
            "actionOnTimeout": "CONTINUE_DEPLOYMENT",
            "waitTimeInMinutes": 0,
        },
        "terminateBlueInstancesOnDeploymentSuccess": {
            "action": "TERMINATE",
            "terminationWaitTimeInMinutes": 5,
        },
    }
    service = dev.one(SERVICE)
    assert group["ecsService"] == {
        "clusterName": dev.one("aws:ecs/cluster:Cluster").outputs["name"],
        "serviceName": service.outputs["name"],
    }


def test_alarms_roll_back_a_release(dev: StackRun) -> None:
    alarms = dev.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert sorted(a.inputs["metricName"] for a in alarms) == [
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_Target_5XX_Count",
        "UnHealthyHostCount",
        "UnHealthyHostCount",
    ]
    # Each about one target group, never the whole load balancer (green's signal is its own).
    assert all("TargetGroup" in a.inputs["dimensions"] for a in alarms)
    config = dev.one(GROUP).inputs["alarmConfiguration"]
    assert config["enabled"] is True
    assert sorted(config["alarms"]) == sorted(a.outputs["name"] for a in alarms)


def test_alarms_can_be_turned_off() -> None:
    run = run_main(_config(alarmsEnabled=False))
    assert run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") == []
    assert "alarmConfiguration" not in run.one(GROUP).inputs


def test_target_groups_check_health_fast_and_drain_quickly(dev: StackRun) -> None:
    for group in dev.of_type(TARGET_GROUP):
        assert group.inputs["targetType"] == "ip"
        assert group.inputs["port"] == 80, "a constant: containerPort must not replace it"
        assert group.inputs["deregistrationDelay"] == 30
        check = group.inputs["healthCheck"]
        assert check["enabled"] is True
        assert check["path"] == "/health"
        assert (check["interval"], check["healthyThreshold"], check["unhealthyThreshold"]) == (
            10,
            2,
            3,
        )


def test_security_groups_keep_the_test_listener_and_tasks_private(either: StackRun) -> None:
    alb_sg = either.one("aws:ec2/securityGroup:SecurityGroup", "alb").outputs["id"]
    tasks_sg = either.one("aws:ec2/securityGroup:SecurityGroup", "tasks").outputs["id"]
    rules = [r.inputs for r in either.of_type(INGRESS)]
    world = [r for r in rules if r.get("cidrIpv4") == "0.0.0.0/0"]
    assert [(r["securityGroupId"], r["fromPort"]) for r in world] == [(alb_sg, 80)]
    test_port = [r for r in rules if r["fromPort"] == 8080]
    gate = either.one("aws:ec2/securityGroup:SecurityGroup", "probe").outputs["id"]
    assert test_port == [
        {
            "securityGroupId": alb_sg,
            "ipProtocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
            "referencedSecurityGroupId": gate,
            "description": "test listener from the test gate",
        }
    ]
    to_tasks = [r for r in rules if r["securityGroupId"] == tasks_sg]
    assert [(r["fromPort"], r["toPort"], r.get("referencedSecurityGroupId")) for r in to_tasks] == [
        (0, 65535, alb_sg)
    ]


def test_test_listener_cidrs_add_ingress_but_never_the_world() -> None:
    run = run_main(_config(testListenerCidrs=["10.0.0.0/8"]))
    cidrs = [r.inputs.get("cidrIpv4") for r in run.of_type(INGRESS) if r.inputs["fromPort"] == 8080]
    assert sorted(c for c in cidrs if c) == ["10.0.0.0/8"]
    with pytest.raises(ValueError, match="testListenerCidrs: must not open"):
        run_main(_config(testListenerCidrs=["0.0.0.0/0"]))


def test_task_definition_is_kept_hardened_and_checks_health(either: StackRun) -> None:
    definition = either.one(TASK_DEFINITION)
    assert definition.inputs["skipDestroy"] is True
    assert definition.inputs["requiresCompatibilities"] == ["FARGATE"]
    assert (definition.inputs["cpu"], definition.inputs["memory"]) == ("256", "512")
    container = _container(either)
    assert container["healthCheck"]["command"] == ["CMD", "node", "/app/healthcheck.js", "/health"]
    assert container["user"] == "1000"
    assert container["readonlyRootFilesystem"] is True
    assert container["privileged"] is False
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert container["logConfiguration"]["options"]["awslogs-region"] == "eu-west-1"
    assert container["stopTimeout"] == 30
    image = either.one("docker-build:index:Image").outputs["ref"]
    assert container["image"] == image
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["APP_VERSION"] == source_tag(ROOT / "service")
    assert env["PORT"] == "3000"


def test_cluster_logs_and_roles(dev: StackRun) -> None:
    cluster = dev.one("aws:ecs/cluster:Cluster").inputs
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    logs = dev.one("aws:cloudwatch/logGroup:LogGroup", "web-logs")
    assert logs.inputs["retentionInDays"] == 7  # Pulumi.dev.yaml
    assert _container(dev)["logConfiguration"]["options"]["awslogs-group"] == logs.outputs["name"]
    definition = dev.one(TASK_DEFINITION).inputs
    execution = dev.one("aws:iam/role:Role", "execution-role")
    task = dev.one("aws:iam/role:Role", "task-role")
    assert definition["executionRoleArn"] == execution.outputs["arn"]
    assert definition["taskRoleArn"] == task.outputs["arn"]
    trust = json.loads(task.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    attached = {
        (r.inputs["role"], r.inputs["policyArn"])
        for r in dev.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert (
        execution.outputs["name"],
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    ) in attached
    task_role_policies = [
        r
        for r in dev.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        + dev.of_type("aws:iam/rolePolicy:RolePolicy")
        if r.inputs["role"] in (task.outputs["name"], task.outputs["id"])
    ]
    assert task_role_policies == [], "the sample service calls no AWS API"
    codedeploy_role = dev.one("aws:iam/role:Role", "codedeploy-role")
    assert dev.one(GROUP).inputs["serviceRoleArn"] == codedeploy_role.outputs["arn"]
    assert (
        codedeploy_role.outputs["name"],
        "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS",
    ) in attached


def test_image_is_built_for_amd64_with_a_source_tag_and_pushed(dev: StackRun) -> None:
    build = dev.one("docker-build:index:Image").inputs
    assert build["platforms"] == ["linux/amd64"]
    assert build["push"] is True
    assert build["buildOnPreview"] is False
    repository = dev.one("aws:ecr/repository:Repository")
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
    assert build["tags"] == [
        f"{repository.outputs['repositoryUrl']}:{source_tag(ROOT / 'service')}"
    ]
    lifecycle = json.loads(dev.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])
    assert lifecycle["rules"][0]["selection"]["countNumber"] == 20


def test_source_tag_changes_with_the_source(tmp_path: Any) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "dep.js").write_text("1")
    before = source_tag(tmp_path)
    (tmp_path / "node_modules" / "dep.js").write_text("2")
    assert source_tag(tmp_path) == before, "node_modules is not part of the build context"
    (tmp_path / "server.js").write_text("changed")
    assert source_tag(tmp_path) != before


def test_an_unchanged_source_keeps_its_tag_across_versions_of_this_code(tmp_path: Path) -> None:
    # A new tag for the same source is a rebuild and a release of every stack on its next `up`:
    # the digest (paths in pathlib's order, `a/` before `a-b.js`, then contents) is fixed.
    files = {
        "Dockerfile": "FROM scratch\n",
        "server.js": "listen()\n",
        "src/a-b.js": "1\n",
        "src/a/b.js": "2\n",
        "src/test": "not source\n",
        "test/server.test.js": "t\n",
        "node_modules/dep/index.js": "d\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert source_tag(tmp_path) == "src-c47ca9af7d89"


def test_prebuilt_image_builds_nothing() -> None:
    uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v42"
    run = run_main(_config(imageUri=uri))
    assert run.of_type("docker-build:index:Image") == []
    assert run.of_type("aws:ecr/repository:Repository") == [], "its pipeline owns the repository"
    assert _container(run)["image"] == uri
    assert run.outputs["imageUri"] == uri
    assert run.outputs["repositoryUrl"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web"
    env = {e["name"]: e["value"] for e in _container(run)["environment"]}
    assert env["APP_VERSION"] == "web:v42"


def test_drill_keys_change_the_task_definition_only_as_asked(dev: StackRun) -> None:
    """appVersion relabels the running version without a build; the fault switch reaches the
    container only when on, so stacks that never use it keep an unchanged definition."""
    assert "FAIL_HEALTH_CHECK" not in {e["name"] for e in _container(dev)["environment"]}
    run = run_main(_config(appVersion="drill-good-1", failHealthCheck=True))
    env = {e["name"]: e["value"] for e in _container(run)["environment"]}
    assert env["APP_VERSION"] == "drill-good-1"
    assert env["FAIL_HEALTH_CHECK"] == "true"
    assert _container(run)["image"] == _container(dev)["image"], "no new image for a relabel"


def test_image_uri_from_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Push-to-deploy: CI built the image; the deployment passes its URI in the environment."""
    uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-blue-green/web:tree-" + "a" * 40
    monkeypatch.setenv("ECS_BLUE_GREEN_IMAGE_URI", uri)
    run = run_main(_config(imageUri="123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:old"))
    assert run.of_type("docker-build:index:Image") == []
    assert _container(run)["image"] == uri


def test_empty_image_uri_in_the_environment_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECS_BLUE_GREEN_IMAGE_URI", "")
    assert len(run_main(_config()).of_type("docker-build:index:Image")) == 1


@pytest.mark.parametrize(
    ("uri", "repository", "version"),
    [
        ("registry:5000/team/web:1.2", "registry:5000/team/web", "web:1.2"),
        (f"r.example/web@sha256:{'0' * 64}", "r.example/web", "web"),
        (f"r.example/web:v2@sha256:{'0' * 64}", "r.example/web", "web:v2"),
    ],
)
def test_split_image_uri(uri: str, repository: str, version: str) -> None:
    assert split_image_uri(uri) == (repository, version)


def test_outputs(dev: StackRun) -> None:
    dns = dev.one("aws:lb/loadBalancer:LoadBalancer").outputs["dnsName"]
    assert dev.outputs["url"] == f"http://{dns}"
    assert dev.outputs["testUrl"] == f"http://{dns}:8080"
    assert dev.outputs["repositoryUrl"].endswith(".amazonaws.com/web-repo")
    assert dev.outputs["imageUri"] == dev.one("docker-build:index:Image").outputs["ref"]
    assert dev.outputs["clusterName"] == dev.one("aws:ecs/cluster:Cluster").outputs["name"]
    assert dev.outputs["serviceName"] == dev.one(SERVICE).outputs["name"]
    assert (
        dev.outputs["codedeployApplication"]
        == dev.one("aws:codedeploy/application:Application").outputs["name"]
    )
    assert dev.outputs["codedeployDeploymentGroup"] == "web"


def test_default_network_is_a_public_only_vpc_over_two_azs(either: StackRun) -> None:
    vpc = either.one("awsx:ec2:Vpc").inputs
    assert vpc["numberOfAvailabilityZones"] == 2
    assert vpc["natGateways"] == {"strategy": "None"}
    assert vpc["subnetSpecs"] == [{"type": "Public"}]
    assert either.one(SERVICE).inputs["networkConfiguration"]["subnets"] == [
        "subnet-pub-a",
        "subnet-pub-b",
    ]


def test_nat_strategy_puts_tasks_in_private_subnets() -> None:
    run = run_main(_config(natStrategy="single"))
    assert run.one("awsx:ec2:Vpc").inputs["natGateways"] == {"strategy": "Single"}
    network = run.one(SERVICE).inputs["networkConfiguration"]
    assert network["subnets"] == ["subnet-priv-a", "subnet-priv-b"]
    assert network["assignPublicIp"] is False


def test_existing_vpc_creates_no_vpc() -> None:
    run = run_main(
        _config(
            vpcId="vpc-0abc",
            publicSubnetIds=["subnet-0a", "subnet-0b"],
            privateSubnetIds=["subnet-1a", "subnet-1b"],
        )
    )
    assert run.of_type("awsx:ec2:Vpc") == []
    assert run.one(TARGET_GROUP, "-blue").inputs["vpcId"] == "vpc-0abc"
    assert run.one("aws:lb/loadBalancer:LoadBalancer").inputs["subnets"] == [
        "subnet-0a",
        "subnet-0b",
    ]
    network = run.one(SERVICE).inputs["networkConfiguration"]
    assert (network["subnets"], network["assignPublicIp"]) == (["subnet-1a", "subnet-1b"], False)


CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def test_https_serves_443_and_redirects_80() -> None:
    run = run_main(_config(certificateArn=CERT))
    listeners = {r.name: r for r in run.of_type(LISTENER)}
    assert set(listeners) == {"web-production", "web-http-redirect", "web-test"}
    https = listeners["web-production"]
    assert (https.inputs["port"], https.inputs["protocol"]) == (443, "HTTPS")
    assert https.inputs["certificateArn"] == CERT
    assert https.ignore_changes == ["defaultActions"]
    assert https.inputs["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    redirect = listeners["web-http-redirect"]
    assert redirect.ignore_changes == []
    assert redirect.inputs["defaultActions"][0]["redirect"]["protocol"] == "HTTPS"
    routes = run.one(GROUP).inputs["loadBalancerInfo"]["targetGroupPairInfo"]
    assert routes["prodTrafficRoute"]["listenerArns"] == [https.outputs["arn"]]
    world_ports = sorted(
        r.inputs["fromPort"]
        for r in run.of_type(INGRESS)
        if r.inputs.get("cidrIpv4") == "0.0.0.0/0"
    )
    assert world_ports == [80, 443]
    assert run.outputs["url"].startswith("https://")


def test_predefined_canary_uses_the_aws_config() -> None:
    run = run_main(_config(trafficShift="Canary10Percent15Minutes"))
    assert run.of_type("aws:codedeploy/deploymentConfig:DeploymentConfig") == []
    assert (
        run.one(GROUP).inputs["deploymentConfigName"]
        == "CodeDeployDefault.ECSCanary10Percent15Minutes"
    )


def test_custom_linear_shift_creates_a_deployment_config() -> None:
    run = run_main(_config(trafficShift="Linear25PercentEvery2Minutes"))
    config = run.one("aws:codedeploy/deploymentConfig:DeploymentConfig")
    assert config.inputs["computePlatform"] == "ECS"
    assert config.inputs["trafficRoutingConfig"] == {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"interval": 2, "percentage": 25},
    }
    assert run.one(GROUP).inputs["deploymentConfigName"] == config.outputs["deploymentConfigName"]


def test_autoscaling_owns_desired_count() -> None:
    run = run_main(_config(autoscalingEnabled=True, autoscalingMinCount=2, autoscalingMaxCount=5))
    assert run.one(SERVICE).ignore_changes == [
        "taskDefinition",
        "loadBalancers",
        "networkConfiguration",
        "launchType",
        "capacityProviderStrategies",
        "desiredCount",
    ]
    target = run.one("aws:appautoscaling/target:Target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 5)
    policy = run.one("aws:appautoscaling/policy:Policy").inputs
    tracking = policy["targetTrackingScalingPolicyConfiguration"]
    assert tracking["targetValue"] == 60
    assert tracking["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ECSServiceAverageCPUUtilization"
    }


def test_manual_approval_window_stops_unapproved_releases() -> None:
    run = run_main(_config(approvalWaitMinutes=30))
    ready = run.one(GROUP).inputs["blueGreenDeploymentConfig"]["deploymentReadyOption"]
    assert ready == {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 30}


def test_release_resource_is_wired_to_group_and_task_definition(dev: StackRun) -> None:
    [release] = [r for r in dev.of_type(DYNAMIC) if r.name == "web-release"]
    inputs = release.inputs
    assert inputs["task_definition_arn"] == dev.one(TASK_DEFINITION).outputs["arn"]
    assert (
        inputs["application_name"]
        == dev.one("aws:codedeploy/application:Application").outputs["name"]
    )
    assert inputs["deployment_group_name"] == "web"
    assert (inputs["container_name"], inputs["container_port"]) == ("app", 3000)
    assert inputs["region"] == "eu-west-1"
    [gate] = [r for r in dev.of_type("aws:lambda/function:Function") if r.name.endswith("-gate")]
    assert inputs["hooks"] == {"AfterAllowTestTraffic": gate.outputs["arn"]}
    group = dev.one(GROUP)
    assert group.urn in release.dependencies
    assert dev.one(SERVICE).urn in release.dependencies
    hook_policy = json.loads(
        dev.one("aws:iam/rolePolicy:RolePolicy", "codedeploy-hooks").inputs["policy"]
    )
    assert hook_policy["Statement"][0]["Resource"] == [gate.outputs["arn"]]


def test_user_hooks_without_gate() -> None:
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:smoke"
    run = run_main(_config(testGateEnabled=False, afterAllowTestTrafficHook=arn))
    [release] = [r for r in run.of_type(DYNAMIC) if r.name == "web-release"]
    assert release.inputs["hooks"] == {"AfterAllowTestTraffic": arn}
    assert run.of_type("aws:lambda/function:Function") == []
    assert [r for r in run.of_type(INGRESS) if r.inputs["fromPort"] == 8080] == []


def test_prod_stack_example_runs() -> None:
    run = run_main(stack_config("prod"), stack="prod")
    assert run.one(SERVICE).inputs["desiredCount"] == 3
    assert (
        run.one(GROUP).inputs["deploymentConfigName"]
        == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    )
    group = run.one(GROUP).inputs["blueGreenDeploymentConfig"]
    assert group["terminateBlueInstancesOnDeploymentSuccess"]["terminationWaitTimeInMinutes"] == 60
    assert run.one("awsx:ec2:Vpc").inputs["natGateways"] == {"strategy": "OnePerAz"}
