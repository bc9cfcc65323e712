"""Uses `BlueGreenService` through the `ecs-blue-green` plugin, not through `components`: a remote
component, which is what every generated SDK registers. Config `appVersion` and `cpu` vary it."""

import pulumi

#: The component's outputs the program reads (a remote component's outputs are the keys it sends).
OUTPUTS = ("url", "serviceName", "codedeployDeploymentGroup", "deploymentId")

config = pulumi.Config()
settings = {
    "imageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v1",
    "cpu": config.get_int("cpu") or 512,
    "memory": 1024,
    "appVersion": config.get("appVersion") or "v1",
}
web = pulumi.ComponentResource(
    "ecs-blue-green:index:BlueGreenService",
    "web",
    {**settings, **dict.fromkeys(OUTPUTS)},
    remote=True,
)
for key in OUTPUTS:
    pulumi.export(key, getattr(web, key))
