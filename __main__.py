"""One blue/green service per stack: stack config in, `BlueGreenService` built, outputs out."""

import pulumi

from components import BlueGreenService
from components.identity_guard import IDENTITY_OUTPUT, check_identity
from components.previous_run import previous_outputs
from components.release.ecs.controller import CODE_DEPLOY_OUTPUT
from components.stack_config import (
    ALLOW_RENAME_KEY,
    SHARED_STACK_KEY,
    args_from_values,
    attach_shared_runtime,
    read_pulumi_config,
)

values = read_pulumi_config(pulumi.Config())
name, args = args_from_values(values)
# Before anything is registered, and once (components/previous_run.py says why): a rename or
# network move is refused, not planned.
previous = previous_outputs(f"{name}-identity", [IDENTITY_OUTPUT, CODE_DEPLOY_OUTPUT])
identity = check_identity(
    name,
    args,
    previous=previous[IDENTITY_OUTPUT],
    allow_rename=bool(values.get(ALLOW_RENAME_KEY)),
    shared_stack=values.get(SHARED_STACK_KEY) or None,
)
service = BlueGreenService(name, attach_shared_runtime(args, values), previous_outputs=previous)

pulumi.export("url", service.url)
pulumi.export("testUrl", service.test_url)
pulumi.export("repositoryUrl", service.repository_url)
pulumi.export("imageUri", service.image_uri)
pulumi.export("clusterName", service.cluster_name)
pulumi.export("serviceName", service.service_name)
pulumi.export(CODE_DEPLOY_OUTPUT, service.codedeploy_application)
pulumi.export("codedeployDeploymentGroup", service.codedeploy_deployment_group)
pulumi.export("deploymentId", service.deployment_id)
pulumi.export("releaseEventsTopicArn", service.release_events_topic_arn)
pulumi.export(IDENTITY_OUTPUT, identity)
