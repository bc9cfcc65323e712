"""The test-traffic gate: checks green through the test listener before production moves.

CodeDeploy opens the test listener to the green task set, then runs the AfterAllowTestTraffic
hook; production traffic moves only if the hook reports Succeeded. This component ships that hook
as two Lambda functions from one source folder (`components/lambdas/test_traffic_gate/`):

- gate (`gate.handler`), NOT in a VPC: the hook CodeDeploy invokes. It looks up the ALB's
  private addresses (EC2 DescribeNetworkInterfaces), invokes the probe synchronously and reports
  the verdict with PutLifecycleEventHookExecutionStatus, always, also when anything fails.
- probe (`probe.handler`), IN the VPC with its own security group: plain HTTP GETs of
  `http://<alb private ip>:<test port><path>`; stdlib only, no AWS API calls.

Why two: the ALB is internet-facing, so its DNS name resolves to public addresses even inside
the VPC, where a security-group rule naming the probe's group would not match. Its private
addresses are reachable only from inside the VPC, and there the default network has no NAT, so a
VPC Lambda cannot reach the AWS APIs (CodeDeploy, EC2) it must call. Splitting the job gives each
half the network it needs, and the test listener stays closed to the internet: the caller opens
the ALB security group's test port to `probe_security_group_id` only.

The caller also lets the CodeDeploy service role invoke `function_arn` (AWSCodeDeployRoleForECS
only covers functions named `CodeDeployHook_*`, and these names are generated).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.args import LOG_RETENTION_DAYS
from components.iam import service_trust_policy

SOURCE_DIR = Path(__file__).resolve().parent / "lambdas" / "test_traffic_gate"
SOURCE_FILES: tuple[str, ...] = ("gate.py", "probe.py", "ecs_hook.py")
RUNTIME = "python3.13"

ATTEMPTS_RANGE = (1, 10)
INTERVAL_SECONDS_RANGE = (1, 30)
TIMEOUT_SECONDS_RANGE = (1, 10)
MAX_PATHS = 10
#: Cold start of the probe in the VPC plus slack, on top of its worst-case checking time.
PROBE_MARGIN_SECONDS = 10
#: The gate's own work around the probe: one EC2 call, the invoke, the CodeDeploy report.
GATE_MARGIN_SECONDS = 30

_LAMBDA_TRUST = service_trust_policy("lambda.amazonaws.com")


@dataclass
class TestTrafficGateArgs:
    """Where green is reachable and how hard to check it.

    The defaults keep the gate short, since it sits on the critical path of every release: a
    healthy green passes in one round (about a second); a broken one fails in under a minute
    (6 rounds: at most 6 x 3 s of requests + 5 x 5 s of pauses = 43 s), and the rollback starts.
    """

    __test__ = False  # not a pytest test class, despite the name

    vpc_id: pulumi.Input[str]
    """The VPC of the load balancer and the tasks."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets for the probe's network interfaces; any subnets of the VPC that route to the
    ALB's (the tasks' subnets do)."""
    load_balancer_arn: pulumi.Input[str]
    """The Application Load Balancer with the test listener."""
    test_listener_port: pulumi.Input[int]
    """The test listener's port, e.g. 8080; an output when read from a shared runtime's
    listener (validated here when it is a plain number)."""
    load_balancer_security_group_id: pulumi.Input[str]
    """The ALB's security group: the probe's only egress is to it, on the test port."""
    paths: Sequence[str] = ("/health",)
    """Paths that must answer 2xx on every ALB address. Default: the health path."""
    host_header: str | None = None
    """`Host` header of every request, so a shared test listener routes it to this service's
    test rule (host-header condition). Default None: the address requested, as before, which
    the service's own test listener routes whatever the host."""
    attempts: int = 6
    """Rounds of requests before giving up. Default 6: about 30 s of retries, which covers the
    seconds a new listener rule or target needs to answer, and no more."""
    interval_seconds: int = 5
    """Pause between rounds. Default 5 s."""
    timeout_seconds: int = 3
    """Per request (connect and read). Default 3 s: a health path answers in milliseconds,
    and a hanging green must fail fast rather than stall the release."""
    log_retention_days: int = 14
    """Retention of both functions' logs. Default 14 days."""
    controller: Literal["CODE_DEPLOY", "ECS"] = "CODE_DEPLOY"
    """Which release controller calls the gate: CodeDeploy's AfterAllowTestTraffic hook
    (`gate.handler`, reports with PutLifecycleEventHookExecutionStatus) or ECS's
    POST_TEST_TRAFFIC_SHIFT hook (`ecs_hook.handler`, returns hookStatus and needs no
    CodeDeploy permission). Default CODE_DEPLOY."""
    kms_key_id: pulumi.Input[str] | None = None
    """Customer-managed KMS key of both log groups. Default None: CloudWatch's own encryption."""
    permissions_boundary: str | None = None
    """Permissions boundary of both roles. Default None: none (see docs/platform.md)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every taggable resource."""

    def __post_init__(self) -> None:
        errors: list[str] = []

        def in_range(key: str, value: int, bounds: tuple[int, int]) -> None:
            if not bounds[0] <= value <= bounds[1]:
                errors.append(f"{key}: {value} is outside {bounds[0]}..{bounds[1]}")

        if isinstance(self.test_listener_port, int):
            in_range("test_listener_port", self.test_listener_port, (1, 65535))
        if self.host_header is not None and not self.host_header.strip():
            errors.append("host_header: must be a host name, or None")
        in_range("attempts", self.attempts, ATTEMPTS_RANGE)
        in_range("interval_seconds", self.interval_seconds, INTERVAL_SECONDS_RANGE)
        in_range("timeout_seconds", self.timeout_seconds, TIMEOUT_SECONDS_RANGE)
        if isinstance(self.paths, str):
            errors.append(f"paths: {self.paths!r} must be a list of paths, not one string")
        elif not 1 <= len(self.paths) <= MAX_PATHS:
            errors.append(f"paths: {len(self.paths)} paths given; allowed 1..{MAX_PATHS}")
        else:
            errors.extend(
                f"paths: {path!r} must start with '/' and contain no spaces or control characters"
                for path in self.paths
                if not path.startswith("/") or any(c.isspace() or ord(c) < 32 for c in path)
            )
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            errors.append(
                f"log_retention_days: {self.log_retention_days} is not one of "
                f"{list(LOG_RETENTION_DAYS)}"
            )
        if errors:
            raise ValueError("invalid TestTrafficGate settings: " + "; ".join(errors))

    @property
    def probe_timeout_seconds(self) -> int:
        """The probe function's timeout: its worst case (every round times out) plus margin."""
        worst = self.attempts * self.timeout_seconds + (self.attempts - 1) * self.interval_seconds
        return math.ceil(worst) + PROBE_MARGIN_SECONDS

    @property
    def gate_timeout_seconds(self) -> int:
        return self.probe_timeout_seconds + GATE_MARGIN_SECONDS


def gate_policy_document(
    probe_function_arn: str, log_group_arn: str, reports_to_codedeploy: bool = True
) -> str:
    """Least privilege for the gate: report to CodeDeploy (its CodeDeploy hook only), find the
    ALB's addresses, invoke the probe and nothing else, write its own log group."""
    report = [
        {
            "Sid": "ReportHookStatus",
            "Effect": "Allow",
            "Action": "codedeploy:PutLifecycleEventHookExecutionStatus",
            # The action takes no resource: IAM's service reference lists none, so a
            # statement naming the deployment group would never match.
            "Resource": "*",
        }
    ]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                *(report if reports_to_codedeploy else []),
                {
                    # Describe* actions support no resource-level scoping.
                    "Sid": "FindLoadBalancerAddresses",
                    "Effect": "Allow",
                    "Action": "ec2:DescribeNetworkInterfaces",
                    "Resource": "*",
                },
                {
                    "Sid": "InvokeProbe",
                    "Effect": "Allow",
                    "Action": "lambda:InvokeFunction",
                    "Resource": probe_function_arn,
                },
                {
                    "Sid": "WriteOwnLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{log_group_arn}:*",
                },
            ],
        }
    )


class TestTrafficGate(pulumi.ComponentResource):
    """The AfterAllowTestTraffic hook (gate) and its in-VPC probe. See the module docstring.

    `function_arn` goes into the AppSpec hooks; `probe_security_group_id` is what the ALB's
    security group must admit on the test port. The resources are exposed as attributes.
    """

    __test__ = False  # not a pytest test class, despite the name

    function_arn: pulumi.Output[str]
    probe_security_group_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: TestTrafficGateArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ecs-blue-green:index:TestTrafficGate", name, None, opts)
        tags = dict(args.tags)
        code = pulumi.AssetArchive(
            {file: pulumi.FileAsset(str(SOURCE_DIR / file)) for file in SOURCE_FILES}
        )

        # --- probe: in the VPC, HTTP only ---------------------------------------------------
        self.probe_security_group = aws.ec2.SecurityGroup(
            f"{name}-probe",
            vpc_id=args.vpc_id,
            description="Test-traffic probe: requests green through the ALB test listener",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The probe only ever requests the ALB's private addresses on the test port.
        self.probe_egress = aws.vpc.SecurityGroupEgressRule(
            f"{name}-probe-egress",
            security_group_id=self.probe_security_group.id,
            ip_protocol="tcp",
            from_port=args.test_listener_port,
            to_port=args.test_listener_port,
            referenced_security_group_id=args.load_balancer_security_group_id,
            description="Probe requests to the load balancer's test listener",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.probe_role = aws.iam.Role(
            f"{name}-probe",
            assume_role_policy=_LAMBDA_TRUST,
            permissions_boundary=args.permissions_boundary,
            description="Test-traffic probe: network interfaces in the VPC and its logs",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.probe_vpc_access = aws.iam.RolePolicyAttachment(
            f"{name}-probe-vpc-access",
            role=self.probe_role.name,
            policy_arn=aws.iam.ManagedPolicy.AWS_LAMBDA_VPC_ACCESS_EXECUTION_ROLE,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.probe_log_group = aws.cloudwatch.LogGroup(
            f"{name}-probe",
            name_prefix=f"/aws/lambda/{name}-probe-",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_id,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.probe_function = aws.lambda_.Function(
            f"{name}-probe",
            description="Checks green through the ALB test listener from inside the VPC",
            runtime=RUNTIME,
            architectures=["arm64"],
            handler="probe.handler",
            code=code,
            role=self.probe_role.arn,
            memory_size=128,
            timeout=args.probe_timeout_seconds,
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=args.subnet_ids,
                security_group_ids=[self.probe_security_group.id],
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="Text", log_group=self.probe_log_group.name
            ),
            # Lambda keeps a deleted function's network interfaces, and so its security group,
            # for 20-45 minutes (pulumi-aws#2642). On destroy the provider first moves the
            # function to the VPC's default group, so the probe's group deletes at once.
            replace_security_groups_on_destroy=True,
            tags=tags,
            # Lambda checks at creation that the role may create network interfaces.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.probe_vpc_access]),
        )

        # --- gate: outside the VPC, AWS APIs only ------------------------------------------
        self.gate_role = aws.iam.Role(
            f"{name}-gate",
            assume_role_policy=_LAMBDA_TRUST,
            permissions_boundary=args.permissions_boundary,
            description="Test-traffic gate: CodeDeploy AfterAllowTestTraffic hook",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.gate_log_group = aws.cloudwatch.LogGroup(
            f"{name}-gate",
            name_prefix=f"/aws/lambda/{name}-gate-",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_id,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.gate_policy = aws.iam.RolePolicy(
            f"{name}-gate",
            role=self.gate_role.id,
            policy=pulumi.Output.all(self.probe_function.arn, self.gate_log_group.arn).apply(
                lambda values: gate_policy_document(
                    values[0], values[1], args.controller == "CODE_DEPLOY"
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.gate_function = aws.lambda_.Function(
            f"{name}-gate",
            description=(
                "CodeDeploy AfterAllowTestTraffic hook: passes green only if it answers"
                if args.controller == "CODE_DEPLOY"
                else "ECS POST_TEST_TRAFFIC_SHIFT hook: passes green only if it answers"
            ),
            runtime=RUNTIME,
            architectures=["arm64"],
            handler="gate.handler" if args.controller == "CODE_DEPLOY" else "ecs_hook.handler",
            code=code,
            role=self.gate_role.arn,
            memory_size=128,
            timeout=args.gate_timeout_seconds,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "PROBE_FUNCTION": self.probe_function.arn,
                    "PROBE_TIMEOUT_SECONDS": str(args.probe_timeout_seconds),
                    "LOAD_BALANCER_ARN": args.load_balancer_arn,
                    "TEST_LISTENER_PORT": pulumi.Output.from_input(args.test_listener_port).apply(
                        str
                    ),
                    "PATHS": json.dumps(list(args.paths)),
                    # Only when set: existing gates keep their environment unchanged.
                    **({"HOST_HEADER": args.host_header} if args.host_header else {}),
                    "ATTEMPTS": str(args.attempts),
                    "INTERVAL_SECONDS": str(args.interval_seconds),
                    "TIMEOUT_SECONDS": str(args.timeout_seconds),
                }
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="Text", log_group=self.gate_log_group.name
            ),
            tags=tags,
            # A release may call it right after creation: its permissions must exist first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.gate_policy]),
        )

        self.function_arn = self.gate_function.arn
        self.probe_security_group_id = self.probe_security_group.id
        self.register_outputs(
            {
                "functionArn": self.function_arn,
                "probeSecurityGroupId": self.probe_security_group_id,
            }
        )
