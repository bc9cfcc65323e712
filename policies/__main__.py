"""Entry point the Pulumi CLI runs (`python <pack dir> <engine address>`, cwd = this directory).

Constructing the PolicyPack starts the Analyzer gRPC server, prints its port and blocks.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from ecs_blue_green_policies.pack import PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=policies(),
    description="Blue/green releases and health checks for Amazon ECS services.",
    display_name="ECS blue/green",
    provider="aws",
    tags=["aws", "ecs", "codedeploy", "blue-green"],
)
