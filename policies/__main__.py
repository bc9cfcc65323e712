"""Entry point the Pulumi CLI runs (`python <pack dir> <engine address>`, cwd = this directory).

Constructing the PolicyPack starts the Analyzer gRPC server, prints its port and blocks, so the
collector is settled before it.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from ecs_blue_green_policies import collector
from ecs_blue_green_policies.pack import PACK_NAME, policies

pack_policies = policies()
collector.settle()
PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=pack_policies,
    description="Blue/green releases and health checks for Amazon ECS services.",
    display_name="ECS blue/green",
    provider="aws",
    tags=["aws", "ecs", "codedeploy", "blue-green"],
)
