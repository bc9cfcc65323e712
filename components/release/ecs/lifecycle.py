"""The stages of an ECS service deployment at which a lifecycle hook can run.

Source: `DeploymentLifecycleHookStage` in botocore's ECS model and the pulumi-aws 7.51
`ServiceDeploymentConfigurationLifecycleHookArgs.lifecycle_stages` docs. botocore also lists
`PRE_PRODUCTION_TRAFFIC_SHIFT`, which the pulumi-aws 7.51 docs do not; it is left out until the
provider documents it.
"""

from __future__ import annotations

#: In the order a deployment passes them.
STAGES: tuple[str, ...] = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
)

#: The built-in test gate runs here: green has test traffic, production has not moved yet.
TEST_GATE_STAGE = "POST_TEST_TRAFFIC_SHIFT"

#: The manual-approval PAUSE hook runs here. ECS refuses PAUSE hooks at TEST_TRAFFIC_SHIFT and
#: PRODUCTION_TRAFFIC_SHIFT; this is the last stage before production traffic moves. (Its
#: timeout, 1-20160 minutes for ECS, is `approvalWaitMinutes`, which args cap at 2880.)
APPROVAL_STAGE = "POST_TEST_TRAFFIC_SHIFT"
