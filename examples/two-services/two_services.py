"""Two services, `orders` and `billing`, on one runtime, routed by host name.

One `SharedRuntime` (VPC, cluster, load balancer with a production and a test listener) and two
`BlueGreenService`s under the ECS controller, each with its own target groups and its own rules
on the runtime's listeners (`orders.<domain>`, `billing.<domain>`). The runtime is handed over
with `runtime.ref()`: no stack reference. Each service releases on its own: a new image or
`<service>AppVersion` changes only that service's task definition and service.
"""

from __future__ import annotations

import pulumi

from components import BlueGreenService, BlueGreenServiceArgs
from components.args import SAMPLE_HEALTH_CHECK
from components.runtime import SharedRuntime, SharedRuntimeArgs

SERVICES = ("orders", "billing")


def main() -> None:
    config = pulumi.Config()
    domain = config.get("domain") or "example.com"
    # A throwaway example: unprotected, so `pulumi destroy` removes it.
    runtime = SharedRuntime("example", SharedRuntimeArgs(protect=False))
    for name in SERVICES:
        service = BlueGreenService(
            name,
            BlueGreenServiceArgs(
                shared_runtime=runtime.ref(),
                deployment_controller="ECS",
                host_headers=[f"{name}.{domain}"],
                image_uri=config.get(f"{name}Image") or None,
                # Both run the sample service, built here or prebuilt: its checker is inside.
                container_health_check_command=SAMPLE_HEALTH_CHECK,
                app_version=config.get(f"{name}AppVersion") or None,
            ),
            # Never released with CodeDeploy (it exports no codedeployApplication): nothing to
            # read back, so no read of the stack's own checkpoint while the first service's
            # resources are being created (components/previous_run.py).
            previous_outputs={},
        )
        pulumi.export(f"{name}Url", service.url)
        pulumi.export(f"{name}TestUrl", service.test_url)
    pulumi.export("loadBalancerDnsName", runtime.outputs["loadBalancerDnsName"])
