"""The typed inputs of `BlueGreenService`, their defaults, and their validation.

Defaults are chosen for release speed without flapping (see `tools.docs.timeline`): a green task
is healthy after 2 checks 10 s apart, blue drains in 30 s, and production traffic moves all at
once. Every value is checked by `validate()` before the component registers anything, so a bad
setting never leaves half a stack behind.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pulumi

from components.fargate import FARGATE_MEMORY_BY_CPU, describe_allowed_memory
from components.listener_rules import (
    MAX_CONDITION_VALUES,
    MAX_CONDITION_WILDCARDS,
    PRIORITY_MAX,
    PRIORITY_MIN,
    host_header_error,
    path_matches,
    path_pattern_error,
    routed_paths,
)
from components.release.codedeploy.appspec import LIFECYCLE_EVENTS
from components.release.codedeploy.spec import token_errors
from components.release.ecs import lifecycle
from components.release.ecs.strategy import strategy_errors
from components.runtime_ref import SharedRuntimeRef
from components.traffic_shift import TrafficShift, parse_traffic_shift

NatStrategy = Literal["none", "single", "onePerAz"]
NAT_STRATEGIES: tuple[str, ...] = ("none", "single", "onePerAz")
DeploymentController = Literal["CODE_DEPLOY", "ECS"]
DEPLOYMENT_CONTROLLERS: tuple[str, ...] = ("CODE_DEPLOY", "ECS")
CpuArchitecture = Literal["X86_64", "ARM64"]
CPU_ARCHITECTURES: tuple[str, ...] = ("X86_64", "ARM64")


#: CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip

#: CodeDeploy's limit for the ready wait and the blue termination wait (two days).
MAX_WAIT_MINUTES = 2880

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,17}$")
_CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")
_LAMBDA_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:\S+)?$"
)
_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:policy/[\w+=,.@/-]{1,128}$")
_SSL_POLICY = re.compile(r"^ELBSecurityPolicy-[A-Za-z0-9-]+$")
_IMAGE_URI = re.compile(r"^[a-z0-9.-]+(:\d+)?/[a-z0-9._/-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$")
#: AWS managed (`iam::aws:policy/...`) or customer managed policies.
_MANAGED_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\w+=,.@/-]{1,128}$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$")
#: A POSIX-style variable name; ECS passes names through to the container as they are.
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
#: ECS container names: up to 255 letters, digits, hyphens and underscores.
_CONTAINER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
#: `dependsOn` conditions ECS accepts (ContainerDependency.condition).
DEPENDENCY_CONDITIONS: tuple[str, ...] = ("START", "COMPLETE", "SUCCESS", "HEALTHY")
#: IAM's default quota of managed policies attached to one role.
MAX_ROLE_POLICIES = 10
#: The sample service's own checker (service/healthcheck.js), for images of service/ however they
#: were built; its slim image has neither curl nor wget.
SAMPLE_HEALTH_CHECK: tuple[str, ...] = ("CMD", "node", "/app/healthcheck.js", "{healthCheckPath}")
#: The container the load balancer routes to; sidecars may not take its name.
APP_CONTAINER_NAME = "app"

#: The sample service's own rule for APP_VERSION (service/src/config.js).
_APP_VERSION = re.compile(r"^[\x21-\x7e]{1,128}$")

DEFAULT_SERVICE_DIR = Path(__file__).resolve().parent.parent / "service"

#: TLS 1.3 with 1.2 fallback: AWS's recommended policy for HTTPS listeners.
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass
class AutoscalingArgs:
    """Target-tracking autoscaling on average CPU. Off unless given."""

    min_count: int = 2
    """Fewest tasks. Default 2: one per AZ, so an AZ outage keeps the service up."""
    max_count: int = 6
    """Most tasks. Default 6: three times the minimum, a common burst headroom."""
    cpu_target_percent: int = 60
    """Average CPU the service is scaled to. Default 60 %, leaving room for a release's
    second task set without scaling during the shift."""


@dataclass
class SidecarArgs:
    """One extra container in the task, beside the app (a log router, an APM agent). The load
    balancer keeps routing to the app container; all containers share the task's network, so
    their ports must differ."""

    name: str
    """Container name (letters, digits, '-', '_'); not `app`, which is the app's."""
    image: str
    """Image reference (`registry/repo:tag` or `@sha256:`). Pulled by the execution role, which
    may pull from ECR and public registries."""
    essential: bool = False
    """Whether the task stops when this container stops. Default False: a crashed agent should
    not take the app down; a log router the app cannot run without may set True (the policy
    pack then asks for a health check)."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Plain variables of this container. Default none."""
    port_mappings: Sequence[int] = ()
    """TCP ports the container listens on. Default none; never the app's `container_port`."""
    depends_on: Mapping[str, str] = field(default_factory=dict)
    """Container name -> condition (START, COMPLETE, SUCCESS, HEALTHY) to wait for before this
    one starts. Default none."""


@dataclass
class BlueGreenServiceArgs:
    """Everything that shapes one blue/green service. All fields have working defaults."""

    # --- image -------------------------------------------------------------------------
    service_dir: Path = DEFAULT_SERVICE_DIR
    """Docker build context (with its Dockerfile). Default: the sample Express service."""
    image_uri: str | None = None
    """A prebuilt image (`registry/repo:tag` or `@sha256:`); when set nothing is built.
    Default None: build `service_dir` for the task's `cpu_architecture` and push it to the ECR
    repository."""
    image_retain_count: int = 20
    """ECR lifecycle: keep the newest N images. Default 20, far beyond any rollback target."""

    # --- runtime -----------------------------------------------------------------------
    container_port: int = 3000
    """Port the container listens on. Default 3000, the sample service's PORT default."""
    health_check_path: str = "/health"
    """Path that the target groups' and the test gate's health checks request, and the sample
    service's container health check. Default `/health`."""
    container_health_check_command: Sequence[str] | None = None
    """The container health check (`["CMD", ...]` or `["CMD-SHELL", "..."]`), in which
    `{healthCheckPath}` and `{containerPort}` stand for those settings; `()` turns it off.
    Default None, automatic: when the stack builds the sample service (`service_dir` default,
    no `image_uri`), `SAMPLE_HEALTH_CHECK`; for any other image none, because ECS runs the
    command inside the image and only its owner knows what the image contains (curl? a shell?).
    Without one, the target group's check on `health_check_path` still gates every release and
    replaces failing tasks; the policy pack's `ecs-container-health-check` asks for one."""
    cpu: int = 256
    """Fargate CPU units. Default 256 (0.25 vCPU), the cheapest size."""
    memory: int = 512
    """Fargate memory (MiB); must pair with `cpu`. Default 512."""
    desired_count: int = 2
    """Tasks per task set. Default 2, one per AZ."""
    health_check_grace_period_seconds: int = 15
    """ECS ignores load-balancer health for this long after a task starts. Default 15 s:
    the sample service listens within a second; longer only delays replacing a bad task."""
    stop_timeout_seconds: int = 30
    """SIGTERM to SIGKILL. Default 30 s: longer than the service's 10 s drain deadline."""
    log_retention_days: int = 14
    """CloudWatch log retention. Default 14 days."""
    read_only_root_filesystem: bool = True
    """Default True: the sample service writes nothing to disk."""
    autoscaling: AutoscalingArgs | None = None
    """Target-tracking on CPU. Default None: a fixed `desired_count`."""
    cpu_architecture: CpuArchitecture = "X86_64"
    """`X86_64` or `ARM64` (Graviton, about 20 % cheaper per vCPU-hour); the image is built for
    the same platform (linux/amd64 or linux/arm64). Default X86_64: what most images are built
    for. A change is a new task-definition revision, so a release."""
    fargate_spot_percent: int = 0
    """Share (0-100 %) of tasks beyond the first on FARGATE_SPOT, about 70 % cheaper; the first
    task of each task set always runs on FARGATE (the strategy's base), so an interruption
    never empties blue or green. Spot tasks get a two-minute warning (SIGTERM) and ECS replaces
    them: during a release green may briefly have fewer healthy targets, which slows the shift
    and can fire the unhealthy-host alarm, rolling the release back. Default 0: no Spot, the
    service keeps launch type FARGATE. Not with ARM64 (Fargate Spot runs X86_64 only)."""
    enable_execute_command: bool = False
    """ECS Exec (`aws ecs execute-command`) into running tasks, for debugging; grants the task
    role the ssmmessages channel permissions only while on. Default False: a shell in a
    production container is a privilege to grant on purpose. Under CODE_DEPLOY it is fixed
    when the service is created (UpdateService cannot change it there)."""

    # --- workload ------------------------------------------------------------------------
    environment: Mapping[str, str] = field(default_factory=dict)
    """Plain variables of the app container, merged with the component's (`PORT`,
    `APP_VERSION`, `NODE_ENV`): yours win, except `PORT`, which always comes from
    `container_port` (setting it here is refused). Values live in the task definition and the
    stack state in clear: put credentials in `secrets`. Default none."""
    secrets: Mapping[str, str] = field(default_factory=dict)
    """Variable name -> Secrets Manager secret ARN (optionally `...:json-key:version-stage:
    version-id`, e.g. `arn:...:secret:db-AbCdEf:password::`) or SSM parameter ARN. ECS reads
    them when a task starts (container `secrets`, `valueFrom`); the execution role may read
    exactly these, and the program and state hold only the ARNs. A rotated value reaches
    tasks started afterwards: the next release, or
    `aws ecs update-service --cluster C --service S --force-new-deployment`
    under the ECS controller. Default none."""
    secrets_kms_key_arn: str | None = None
    """The customer managed KMS key that encrypts those secrets; the execution role may
    `kms:Decrypt` with it. Default None: AWS managed keys, which need no grant."""
    task_role_policy_arns: Sequence[str] = ()
    """Managed policies attached to the task role, so the app can reach its bucket or queue.
    `permissions_boundary_arn` still caps what they grant. Default none: the sample service
    calls no AWS API."""
    sidecars: Sequence[SidecarArgs] = ()
    """Extra containers in the task (log routers, APM agents). Default none."""

    # --- traffic -----------------------------------------------------------------------
    certificate_arn: str | None = None
    """ACM certificate: production becomes HTTPS 443 plus an HTTP->HTTPS redirect on 80.
    Default None: production is HTTP 80."""
    test_listener_port: int = 8080
    """Port of the listener that reaches green only. Default 8080."""
    allowed_cidrs: Sequence[str] = ("0.0.0.0/0",)
    """Who may reach production. Default: the world (it is a public service)."""
    test_listener_cidrs: Sequence[str] = ()
    """Who may reach the test listener besides the test gate. Default: nobody else, so an
    unreleased version is never public."""
    health_check_interval_seconds: int = 10
    """Target-group health check interval. Default 10 s (AWS: 30 s)."""
    healthy_threshold: int = 2
    """Consecutive passes before a target is healthy. Default 2 (AWS: 5): 20 s to healthy."""
    unhealthy_threshold: int = 3
    """Consecutive failures before unhealthy. Default 3: one slow answer does not flap."""
    health_check_timeout_seconds: int = 5
    """Per-check timeout; must be below the interval. Default 5 s."""
    deregistration_delay_seconds: int = 30
    """Connection draining of a deregistered target. Default 30 s (AWS: 300 s); the sample
    service answers in milliseconds and drains itself on SIGTERM."""

    # --- release (CodeDeploy) ----------------------------------------------------------
    traffic_shift: str = "AllAtOnce"
    """How production traffic moves; see `components.traffic_shift`. Default AllAtOnce, as
    the test gate has already checked green."""
    termination_wait_minutes: int = 5
    """Blue stays alive this long after a successful shift, for instant rollback. Default 5,
    the policy pack's minimum."""
    approval_wait_minutes: int = 0
    """When > 0, CodeDeploy waits this long for `continue-deployment` before moving
    production traffic and stops the release if nobody approves. Default 0: no manual gate."""
    alarms_enabled: bool = True
    """Roll back on target 5xx or unhealthy-host alarms. Default True."""
    alarm_5xx_threshold: int = 5
    """Target 5xx responses per minute that fire the rollback alarm. Default 5."""
    test_gate_enabled: bool = True
    """Deploy the AfterAllowTestTraffic Lambda that checks green on the test listener.
    Default True: a bad build never sees a user."""
    test_gate_paths: Sequence[str] = ()
    """Paths the test gate requests. Default: the health path only."""
    hooks: Mapping[str, str] = field(default_factory=dict)
    """Your own lifecycle-hook Lambda ARNs by event (see LIFECYCLE_EVENTS). Default none."""
    deployment_timeout_minutes: int | None = None
    """Give up on a release after this long (rolled back). Default None: derived from the
    group's waits by the deployment resource."""

    # --- network -----------------------------------------------------------------------
    nat_strategy: NatStrategy = "none"
    """For a new VPC: `none` (tasks in public subnets with public IPs, cheapest), `single`
    or `onePerAz` (tasks in private subnets). Default none."""
    vpc_id: str | None = None
    """Use this VPC instead of creating one. Default None: a new VPC over two AZs."""
    public_subnet_ids: Sequence[str] = ()
    """With `vpc_id`: subnets for the ALB (at least two AZs)."""
    private_subnet_ids: Sequence[str] = ()
    """With `vpc_id`: subnets for tasks. Default: the public subnets, with public IPs."""

    # --- release controller ----------------------------------------------------------------
    deployment_controller: DeploymentController = "CODE_DEPLOY"
    """Who runs releases: `CODE_DEPLOY` (a CodeDeploy deployment group and the release
    resource) or `ECS` (ECS-native blue/green, linear or canary through listener rules; see
    docs/controllers.md). Default CODE_DEPLOY: existing stacks keep what they run."""
    ecs_hooks: Mapping[str, str] = field(default_factory=dict)
    """ECS controller only: your own lifecycle-hook Lambda ARNs by ECS stage (see
    `components.release.ecs.lifecycle.STAGES`). Default none. `hooks` is CodeDeploy's."""
    # --- security baseline -----------------------------------------------------------
    access_logs_enabled: bool = False
    """ALB access logs into an S3 bucket made for them. Default False: the bucket's storage
    and requests cost money a throwaway stack does not need; prod turns it on."""
    access_logs_expiration_days: int = 90
    """Days before an access-log object expires. Default 90: a quarter of incident history."""
    log_encryption_enabled: bool = False
    """Encrypt the log groups with a customer-managed KMS key. Default False: the key costs
    USD 1 a month; prod turns it on."""
    flow_logs_enabled: bool = False
    """VPC flow logs of the VPC this component creates. Default False (ingestion is billed per
    GB); prod turns it on. Refused with `vpc_id`: that VPC's owner decides its flow logs."""
    flow_logs_retention_days: int = 30
    """Retention of the flow-log group. Default 30 days."""
    waf_enabled: bool = False
    """An AWS WAF web ACL of AWS managed rule groups on the ALB. Default False: about
    USD 8 a month plus USD 0.60 per million requests, see components.waf."""
    permissions_boundary_arn: str | None = None
    """Managed policy set as the permissions boundary of every IAM role the component
    creates. Default None; the platform's deploy roles may only create roles that carry theirs,
    and Pulumi Deployments passes it (see docs/platform.md)."""
    # --- shared runtime (many services on one network, cluster and load balancer) -------
    shared_runtime: SharedRuntimeRef | None = None
    """The environment's shared VPC, cluster and load balancer (`components.runtime_ref`; the
    `sharedStack` setting reads it from a runtime stack). The service then creates no VPC and
    no cluster; under CODE_DEPLOY it keeps a load balancer of its own, because CodeDeploy moves
    whole listeners. Default None: the service brings its own network and cluster."""
    host_headers: Sequence[str] = ()
    """Host names (ALB `host-header` values, `*`/`?` wildcards) that route to this service on
    the shared listeners. Default none; with `path_patterns` empty too that is an error there."""
    path_patterns: Sequence[str] = ()
    """Paths (ALB `path-pattern` values) that route to this service on the shared listeners.
    Default none."""
    listener_rule_priority: int | None = None
    """Priority (1-50000, lower is evaluated first) of this service's rules on the shared
    listeners. Default None: derived from the service name (`components.listener_rules`)."""
    # --- release drill (scripts/drill) -------------------------------------------------
    app_version: str | None = None
    """The container's APP_VERSION (the X-App-Version header). Default None: the image tag.
    Setting it makes a new task-definition revision, so a release, without an image build."""
    fail_health_check: bool = False
    """The sample service's fault switch (FAIL_HEALTH_CHECK): its health path answers 500, so
    the release must roll back. Default False; the drill turns it on for one release only."""
    # --- release engine (CodeDeploy) -------------------------------------------------------
    release_wait_for_completion: bool = False
    """Default False: `pulumi up` returns once users are on green and the after-traffic hooks
    passed; the rollback window (`termination_wait_minutes`) runs on in CodeDeploy. True holds
    `pulumi up` until the deployment Succeeded (blue gone)."""
    release_retry: str | None = None
    """A new value (any, e.g. a date) asks for another attempt of a release whose last attempt
    failed or was stopped. Default None: such a release is refused, never blindly retried."""
    release_override_alarms: str | None = None
    """A new value (a reason, e.g. a ticket id) releases the next deployment with CloudWatch
    alarms off, for a hotfix that must go out while alarms fire. Default None: alarms apply."""
    # --- day-2 operations (HTTPS listener) ---------------------------------------------
    ssl_policy: str = DEFAULT_SSL_POLICY
    """ELB security policy of the HTTPS listener. Default: TLS 1.3 with 1.2 fallback, AWS's
    recommendation for new listeners; an in-place change of the listener."""
    http_redirect: bool = True
    """With `certificate_arn`: also listen on 80 and redirect to HTTPS. Default True. Turning
    HTTPS off takes two runs: this false first (port 80 is freed), then no certificate, as the
    production listener can only move to 80 once nothing else listens there."""

    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on every taggable resource."""

    @property
    def shift(self) -> TrafficShift:
        return parse_traffic_shift(self.traffic_shift)

    @property
    def production_port(self) -> int:
        return 443 if self.certificate_arn else 80

    @property
    def capacity_provider_strategy(self) -> tuple[tuple[str, int, int], ...]:
        """(capacity provider, base, weight) items; empty without Spot (launch type FARGATE)."""
        if not self.fargate_spot_percent:
            return ()
        return (
            ("FARGATE", 1, 100 - self.fargate_spot_percent),
            ("FARGATE_SPOT", 0, self.fargate_spot_percent),
        )

    @property
    def builds_sample(self) -> bool:
        """True when the stack builds the sample service, whose image carries its checker."""
        return self.image_uri is None and self.service_dir == DEFAULT_SERVICE_DIR

    @property
    def health_check_command(self) -> tuple[str, ...]:
        """The container health check in effect; empty when there is none."""
        command = self.container_health_check_command
        if command is None:
            command = SAMPLE_HEALTH_CHECK if self.builds_sample else ()
        return tuple(
            part.replace("{healthCheckPath}", self.health_check_path).replace(
                "{containerPort}", str(self.container_port)
            )
            for part in command
        )

    @property
    def gate_paths(self) -> tuple[str, ...]:
        return tuple(self.test_gate_paths) or (self.health_check_path,)

    @property
    def uses_shared_listeners(self) -> bool:
        """True when the service routes through rules of its own on the runtime's listeners.

        Only a controller that shifts listener *rules* (ECS-native blue/green) can do that;
        CODE_DEPLOY shifts whole listeners, so an attached CODE_DEPLOY service keeps its own
        load balancer."""
        return self.shared_runtime is not None and self.deployment_controller == "ECS"

    def validate(self, name: str) -> None:
        """Raises ValueError listing every bad setting; nothing is created before this."""
        errors = list(_errors(name, self))
        if errors:
            raise ValueError(
                "invalid BlueGreenService settings:\n" + "\n".join(f"  - {e}" for e in errors)
            )


class _Checks:
    """Collects every problem, so one run reports all bad settings at once."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.errors.append(message)

    def in_range(self, key: str, value: int, low: int, high: int) -> None:
        self.check(low <= value <= high, f"{key}: {value} is outside {low}..{high}")


def _errors(name: str, a: BlueGreenServiceArgs) -> list[str]:
    c = _Checks()
    c.check(
        bool(_NAME.match(name)),
        f"serviceName: {name!r} must be 1-18 lowercase letters, digits or '-', starting with a "
        "letter (it prefixes target-group names, which AWS limits to 32 characters)",
    )
    for section in (
        _image_errors,
        _runtime_errors,
        _traffic_errors,
        _release_errors,
        _network_errors,
        _controller_errors,
        _security_errors,
        _shared_runtime_errors,
        _drill_errors,
        _release_engine_errors,
        _operations_errors,
        _workload_errors,
        _sidecar_errors,
    ):
        section(c, a)
    return c.errors


def _image_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    if a.image_uri is not None:
        c.check(
            bool(_IMAGE_URI.match(a.image_uri)),
            f"imageUri: {a.image_uri!r} is not an image reference like "
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v1 (or @sha256:<digest>)",
        )
    else:
        c.check(
            (a.service_dir / "Dockerfile").is_file(),
            f"serviceDir: {a.service_dir} has no Dockerfile; set imageUri to use a prebuilt image",
        )
    c.in_range("imageRetainCount", a.image_retain_count, 1, 1000)


def _runtime_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    if a.cpu not in FARGATE_MEMORY_BY_CPU:
        c.errors.append(
            f"cpu: {a.cpu} is not a Fargate size; allowed: {list(FARGATE_MEMORY_BY_CPU)}"
        )
    elif a.memory not in FARGATE_MEMORY_BY_CPU[a.cpu]:
        c.errors.append(
            f"memory: {a.memory} does not pair with cpu {a.cpu}; allowed: "
            f"{describe_allowed_memory(a.cpu)}"
        )
    c.check(
        a.health_check_path.startswith("/") and " " not in a.health_check_path,
        f"healthCheckPath: {a.health_check_path!r} must start with '/' and contain no spaces",
    )
    c.in_range("desiredCount", a.desired_count, 1, 1000)
    c.in_range("healthCheckGracePeriodSeconds", a.health_check_grace_period_seconds, 0, 2147483647)
    c.in_range("stopTimeoutSeconds", a.stop_timeout_seconds, 2, 120)
    c.check(
        a.log_retention_days in LOG_RETENTION_DAYS,
        f"logRetentionDays: {a.log_retention_days} is not one of {list(LOG_RETENTION_DAYS)}",
    )
    if a.autoscaling is not None:
        s = a.autoscaling
        c.in_range("autoscalingMinCount", s.min_count, 1, 1000)
        c.check(
            s.max_count >= s.min_count,
            f"autoscalingMaxCount: {s.max_count} must be >= autoscalingMinCount {s.min_count}",
        )
        c.check(
            s.min_count <= a.desired_count <= s.max_count,
            f"desiredCount: {a.desired_count} must lie within autoscalingMinCount..MaxCount "
            f"({s.min_count}..{s.max_count})",
        )
        c.in_range("autoscalingCpuTargetPercent", s.cpu_target_percent, 10, 90)


def _traffic_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    c.in_range("containerPort", a.container_port, 1, 65535)
    listener_errors(
        c,
        certificate_arn=a.certificate_arn,
        test_listener_port=a.test_listener_port,
        allowed_cidrs=a.allowed_cidrs,
        test_listener_cidrs=a.test_listener_cidrs,
    )
    c.in_range("healthCheckIntervalSeconds", a.health_check_interval_seconds, 5, 300)
    c.in_range("healthyThreshold", a.healthy_threshold, 2, 10)
    c.in_range("unhealthyThreshold", a.unhealthy_threshold, 2, 10)
    c.in_range("healthCheckTimeoutSeconds", a.health_check_timeout_seconds, 2, 120)
    c.check(
        a.health_check_timeout_seconds < a.health_check_interval_seconds,
        f"healthCheckTimeoutSeconds: {a.health_check_timeout_seconds} must be below "
        f"healthCheckIntervalSeconds {a.health_check_interval_seconds}",
    )
    c.in_range("deregistrationDelaySeconds", a.deregistration_delay_seconds, 0, 3600)


def listener_errors(
    c: _Checks,
    *,
    certificate_arn: str | None,
    test_listener_port: int,
    allowed_cidrs: Sequence[str],
    test_listener_cidrs: Sequence[str],
) -> None:
    """The listener settings a service's own load balancer and a shared runtime's have alike:
    ports that do not clash, a real certificate, CIDRs, and a test listener never open to all."""
    c.in_range("testListenerPort", test_listener_port, 1, 65535)
    reserved = {443, 80} if certificate_arn else {80}
    c.check(
        test_listener_port not in reserved,
        f"testListenerPort: {test_listener_port} clashes with the production listener "
        f"port(s) {sorted(reserved)}; pick another, e.g. 8080",
    )
    if certificate_arn is not None and _known(certificate_arn):
        c.check(
            bool(_CERTIFICATE_ARN.match(certificate_arn)),
            f"certificateArn: {certificate_arn!r} is not an ACM certificate ARN like "
            "arn:aws:acm:eu-west-1:123456789012:certificate/<uuid>",
        )
    for key, cidrs in (("allowedCidrs", allowed_cidrs), ("testListenerCidrs", test_listener_cidrs)):
        for cidr in cidrs:
            c.errors.extend(_cidr_error(key, cidr))
    c.check(
        not any(_is_world(cidr) for cidr in test_listener_cidrs),
        "testListenerCidrs: must not open the test listener to the world (0.0.0.0/0 or ::/0); "
        "it serves unreleased versions",
    )
    c.check(bool(allowed_cidrs), "allowedCidrs: must name at least one CIDR")


def _release_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    try:
        parse_traffic_shift(a.traffic_shift)
    except ValueError as error:
        c.errors.append(str(error))
    c.in_range("terminationWaitMinutes", a.termination_wait_minutes, 0, MAX_WAIT_MINUTES)
    c.in_range("approvalWaitMinutes", a.approval_wait_minutes, 0, MAX_WAIT_MINUTES)
    c.in_range("alarm5xxThreshold", a.alarm_5xx_threshold, 1, 100000)
    for path in a.test_gate_paths:
        c.check(path.startswith("/"), f"testGatePaths: {path!r} must start with '/'")
    for event, arn in a.hooks.items():
        c.check(
            event in LIFECYCLE_EVENTS,
            f"hooks: {event!r} is not a lifecycle event; allowed: {', '.join(LIFECYCLE_EVENTS)}",
        )
        c.check(
            bool(_LAMBDA_ARN.match(arn)), f"hooks.{event}: {arn!r} is not a Lambda function ARN"
        )
    c.check(
        not (a.test_gate_enabled and "AfterAllowTestTraffic" in a.hooks),
        "hooks.AfterAllowTestTraffic: the built-in test gate uses this event; set "
        "testGateEnabled=false to use your own hook",
    )
    if a.deployment_timeout_minutes is not None:
        c.in_range(
            "deploymentTimeoutMinutes", a.deployment_timeout_minutes, 5, 3 * MAX_WAIT_MINUTES
        )


def _network_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    c.check(
        a.nat_strategy in NAT_STRATEGIES,
        f"natStrategy: {a.nat_strategy!r} is not one of {', '.join(NAT_STRATEGIES)}",
    )
    if a.vpc_id is None:
        c.check(
            not a.public_subnet_ids and not a.private_subnet_ids,
            "publicSubnetIds/privateSubnetIds: only apply with vpcId (an existing VPC)",
        )
    else:
        # An output of another resource, unknown at preview, is checked at `up` (package/).
        c.check(
            not _known(a.vpc_id) or bool(re.match(r"^vpc-[0-9a-f]+$", a.vpc_id)),
            f"vpcId: {a.vpc_id!r} is not a VPC id",
        )
        c.check(
            not _known(a.public_subnet_ids) or len(a.public_subnet_ids) >= 2,
            "publicSubnetIds: an existing VPC needs at least two public subnets (an ALB spans "
            "two AZs)",
        )
        for subnets in (a.public_subnet_ids, a.private_subnet_ids):
            for subnet in subnets if _known(subnets) else ():
                c.check(
                    not _known(subnet) or bool(re.match(r"^subnet-[0-9a-f]+$", subnet)),
                    f"publicSubnetIds/privateSubnetIds: {subnet!r} is not a subnet id",
                )


def _controller_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    if a.deployment_controller not in DEPLOYMENT_CONTROLLERS:
        c.errors.append(
            f"deploymentController: {a.deployment_controller!r} is not one of "
            f"{', '.join(DEPLOYMENT_CONTROLLERS)}"
        )
        return
    if a.deployment_controller == "CODE_DEPLOY":
        c.check(
            not a.ecs_hooks,
            "ecsHooks: only apply with deploymentController ECS; CodeDeploy hooks are "
            "beforeInstallHook ... afterAllowTrafficHook",
        )
        return
    # An unparsable trafficShift is already reported by _release_errors.
    with contextlib.suppress(ValueError):
        c.errors.extend(strategy_errors(a.shift, a.termination_wait_minutes))
    for event in a.hooks:
        c.errors.append(
            f"hooks.{event}: CodeDeploy lifecycle events do not apply with deploymentController "
            f"ECS; use ecsHooks with a stage ({', '.join(lifecycle.STAGES)})"
        )
    # The CodeDeploy release resource's settings would be silently ignored under ECS.
    for key, value, instead in (
        (
            "releaseWaitForCompletion",
            a.release_wait_for_completion,
            "ECS always waits for the bake",
        ),
        ("releaseRetry", a.release_retry, "ECS retries on the next `pulumi up` by itself"),
        ("releaseOverrideAlarms", a.release_override_alarms, "set alarmsEnabled false instead"),
    ):
        c.check(
            not value,
            f"{key}: only applies with deploymentController CODE_DEPLOY ({instead})",
        )
    for stage, arn in a.ecs_hooks.items():
        c.check(
            stage in lifecycle.STAGES,
            f"ecsHooks: {stage!r} is not an ECS lifecycle stage; allowed: "
            f"{', '.join(lifecycle.STAGES)}",
        )
        c.check(bool(_LAMBDA_ARN.match(arn)), f"ecsHooks.{stage}: {arn!r} is not a Lambda ARN")
    c.check(
        not (a.test_gate_enabled and lifecycle.TEST_GATE_STAGE in a.ecs_hooks),
        f"ecsHooks.{lifecycle.TEST_GATE_STAGE}: the built-in test gate uses this stage; set "
        "testGateEnabled=false to use your own hook there",
    )


def _security_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    c.in_range("accessLogsExpirationDays", a.access_logs_expiration_days, 1, 3650)
    c.check(
        a.flow_logs_retention_days in LOG_RETENTION_DAYS,
        f"flowLogsRetentionDays: {a.flow_logs_retention_days} is not one of "
        f"{list(LOG_RETENTION_DAYS)}",
    )
    c.check(
        not (a.flow_logs_enabled and a.vpc_id is not None),
        "flowLogsEnabled: applies only to the VPC this component creates; with vpcId, turn it "
        "off and enable flow logs where that VPC is managed",
    )
    if a.permissions_boundary_arn is not None:
        c.check(
            bool(_POLICY_ARN.match(a.permissions_boundary_arn)),
            f"permissionsBoundaryArn: {a.permissions_boundary_arn!r} is not a customer managed "
            "policy ARN like arn:aws:iam::123456789012:policy/pulumi-deploy-boundary",
        )


def _shared_runtime_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    if a.shared_runtime is not None:
        c.check(
            a.vpc_id is None and a.nat_strategy == "none",
            "vpcId/natStrategy: the shared runtime (sharedStack) owns the network and its NAT; "
            "remove them from the service",
        )
    c.errors.extend(listener_rule_errors(a, on_shared_listeners=a.uses_shared_listeners))
    if a.uses_shared_listeners:
        c.errors.extend(_shared_load_balancer_errors(a))


#: Settings of a service's own load balancer (config key, field), unused while falsy; on the
#: shared listeners the runtime stack owns them (`platform/runtime`).
_OWN_LOAD_BALANCER_SETTINGS: tuple[tuple[str, str], ...] = (
    ("certificateArn", "certificate_arn"),
    ("testListenerCidrs", "test_listener_cidrs"),
    ("wafEnabled", "waf_enabled"),
    ("accessLogsEnabled", "access_logs_enabled"),
)


def _shared_load_balancer_errors(a: BlueGreenServiceArgs) -> list[str]:
    """What a service on the shared listeners cannot set, and whether its test gate's requests
    reach its own test rule."""
    errors = [
        f"{key}: belongs to the shared load balancer (set it in the runtime stack); a service on "
        f"the shared listeners has no load balancer of its own, remove it"
        for key, attribute in _OWN_LOAD_BALANCER_SETTINGS
        if getattr(a, attribute)
    ]
    if a.test_gate_enabled and a.path_patterns:
        errors.extend(
            f"testGatePaths: the test gate would request {path!r}, which pathPatterns "
            f"{list(a.path_patterns)} do not route to this service; list paths they match"
            for path in routed_paths(a.gate_paths, a.path_patterns)
            if not path_matches(path, a.path_patterns)
        )
    return errors


def listener_rule_errors(a: BlueGreenServiceArgs, *, on_shared_listeners: bool) -> list[str]:
    """Problems with `hostHeaders`, `pathPatterns` and `listenerRulePriority`.

    On the shared listeners the service needs at least one host or path (a rule without
    conditions would take every request); elsewhere the settings would be silently ignored, so
    they are refused."""
    c = _Checks()
    values = [*a.host_headers, *a.path_patterns]
    c.errors.extend(e for e in map(host_header_error, a.host_headers) if e)
    c.errors.extend(e for e in map(path_pattern_error, a.path_patterns) if e)
    c.check(
        len(values) <= MAX_CONDITION_VALUES,
        f"hostHeaders/pathPatterns: {len(values)} values; an ALB rule takes at most "
        f"{MAX_CONDITION_VALUES}",
    )
    wildcards = sum(v.count("*") + v.count("?") for v in values)
    c.check(
        wildcards <= MAX_CONDITION_WILDCARDS,
        f"hostHeaders/pathPatterns: {wildcards} wildcards; an ALB rule takes at most "
        f"{MAX_CONDITION_WILDCARDS}",
    )
    if a.listener_rule_priority is not None:
        c.in_range("listenerRulePriority", a.listener_rule_priority, PRIORITY_MIN, PRIORITY_MAX)
    if on_shared_listeners:
        c.check(
            bool(values),
            "hostHeaders/pathPatterns: a service on the shared listeners needs at least one "
            "host header or path pattern, or its rule would take every request",
        )
    else:
        c.check(
            not values and a.listener_rule_priority is None,
            "hostHeaders/pathPatterns/listenerRulePriority: only apply to a service routed by "
            "rules on the shared listeners (sharedStack with the ECS controller); a CODE_DEPLOY "
            "service keeps a load balancer of its own",
        )
    return c.errors


def _drill_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    if a.app_version is not None:
        c.check(
            bool(_APP_VERSION.match(a.app_version)),
            f"appVersion: {a.app_version!r} must be 1-128 printable ASCII characters without "
            "spaces (it becomes a response header)",
        )
    # The broken version must be stopped on the test listener, before production traffic
    # moves; without a gate on the health path it would reach users until the alarms fire.
    c.check(
        not a.fail_health_check or (a.test_gate_enabled and a.health_check_path in a.gate_paths),
        "failHealthCheck: true needs testGateEnabled with healthCheckPath among testGatePaths, "
        "so the faulty version is rolled back before it takes production traffic",
    )


def _release_engine_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    c.errors.extend(token_errors("releaseRetry", a.release_retry))
    c.errors.extend(token_errors("releaseOverrideAlarms", a.release_override_alarms))


def _operations_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    c.check(
        bool(_SSL_POLICY.match(a.ssl_policy)),
        f"sslPolicy: {a.ssl_policy!r} is not an ELB security policy name like "
        f"{DEFAULT_SSL_POLICY} (see `aws elbv2 describe-ssl-policies`)",
    )


def _workload_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    c.check(
        a.cpu_architecture in CPU_ARCHITECTURES,
        f"cpuArchitecture: {a.cpu_architecture!r} is not one of {', '.join(CPU_ARCHITECTURES)}",
    )
    c.in_range("fargateSpotPercent", a.fargate_spot_percent, 0, 100)
    # ECS developer guide, "AWS Fargate capacity providers": Linux tasks with the ARM64
    # architecture don't support the Fargate Spot capacity provider.
    c.check(
        not (a.fargate_spot_percent and a.cpu_architecture == "ARM64"),
        "fargateSpotPercent: Fargate Spot runs X86_64 tasks only; set it to 0 with "
        "cpuArchitecture ARM64",
    )
    command = a.container_health_check_command
    if command:
        c.check(
            command[0] in ("CMD", "CMD-SHELL") and len(command) >= 2,
            f'containerHealthCheckCommand: {list(command)!r} must be ["CMD", program, args...] '
            'or ["CMD-SHELL", "command"] (or ["NONE"] for no container health check)',
        )
    for name in a.environment:
        c.check(
            bool(_VARIABLE_NAME.match(name)),
            f"environment: {name!r} is not a variable name (letters, digits, '_'; not a digit "
            "first)",
        )
    c.check(
        "PORT" not in a.environment and "PORT" not in a.secrets,
        "environment/secrets: PORT is set from containerPort; set containerPort instead",
    )
    for name, arn in a.secrets.items():
        c.check(
            bool(_VARIABLE_NAME.match(name)),
            f"secrets: {name!r} is not a variable name (letters, digits, '_'; not a digit first)",
        )
        c.check(
            secret_resource_arn(arn) is not None,
            f"secrets.{name}: {arn!r} is neither a Secrets Manager secret ARN "
            "(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>, optionally "
            "followed by :json-key:version-stage:version-id) nor an SSM parameter ARN "
            "(arn:aws:ssm:<region>:<account>:parameter/<name>)",
        )
    both = sorted(set(a.environment) & set(a.secrets))
    c.check(not both, f"environment/secrets: {both} are given in both; keep each in one")
    if a.secrets_kms_key_arn is not None:
        c.check(
            bool(_KMS_KEY_ARN.match(a.secrets_kms_key_arn)),
            f"secretsKmsKeyArn: {a.secrets_kms_key_arn!r} is not a KMS key ARN like "
            "arn:aws:kms:eu-west-1:123456789012:key/<uuid> (kms:Decrypt is granted on keys, not "
            "aliases)",
        )
        c.check(bool(a.secrets), "secretsKmsKeyArn: only applies with secrets")
    for arn in a.task_role_policy_arns:
        c.check(
            bool(_MANAGED_POLICY_ARN.match(arn)),
            f"taskRolePolicyArns: {arn!r} is not a managed policy ARN like "
            "arn:aws:iam::123456789012:policy/orders-queue or arn:aws:iam::aws:policy/...",
        )
    c.check(
        len(set(a.task_role_policy_arns)) == len(a.task_role_policy_arns),
        "taskRolePolicyArns: a policy is listed twice",
    )
    c.check(
        len(a.task_role_policy_arns) <= MAX_ROLE_POLICIES,
        f"taskRolePolicyArns: {len(a.task_role_policy_arns)} policies; IAM attaches at most "
        f"{MAX_ROLE_POLICIES} managed policies to a role by default",
    )


def _sidecar_errors(c: _Checks, a: BlueGreenServiceArgs) -> None:
    names = [s.name for s in a.sidecars]
    containers = {APP_CONTAINER_NAME, *names}
    c.check(
        len(set(names)) == len(names) and APP_CONTAINER_NAME not in names,
        f"sidecars: names {names} must be unique and not {APP_CONTAINER_NAME!r} (the app's)",
    )
    ports: list[int] = [a.container_port]
    for sidecar in a.sidecars:
        key = f"sidecars.{sidecar.name}"
        c.check(
            bool(_CONTAINER_NAME.match(sidecar.name)),
            f"{key}: the name must be 1-255 letters, digits, '-' or '_'",
        )
        c.check(
            bool(_IMAGE_URI.match(sidecar.image)),
            f"{key}.image: {sidecar.image!r} is not an image reference like "
            "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
        )
        for name in sidecar.environment:
            c.check(
                bool(_VARIABLE_NAME.match(name)),
                f"{key}.environment: {name!r} is not a variable name",
            )
        for port in sidecar.port_mappings:
            c.in_range(f"{key}.portMappings", port, 1, 65535)
            c.check(
                port not in ports,
                f"{key}.portMappings: {port} is already taken in the task (containerPort or "
                "another sidecar); containers of a task share one network namespace",
            )
            ports.append(port)
        for container, condition in sidecar.depends_on.items():
            c.check(
                container in containers and container != sidecar.name,
                f"{key}.dependsOn: {container!r} is not another container of the task "
                f"({', '.join(sorted(containers - {sidecar.name}))})",
            )
            c.check(
                condition in DEPENDENCY_CONDITIONS,
                f"{key}.dependsOn.{container}: {condition!r} is not one of "
                f"{', '.join(DEPENDENCY_CONDITIONS)}",
            )


#: Secrets Manager ARN as ECS takes it: the secret's ARN, then optionally
#: `:json-key:version-stage:version-id` (each part may be empty).
_SECRETS_MANAGER_ARN = re.compile(
    r"^(?P<secret>arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+)"
    r"(:[^:]*:[^:]*:[^:]*)?$"
)
_SSM_PARAMETER_ARN = re.compile(r"^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/[\w./-]+$")


def secret_resource_arn(value_from: str) -> str | None:
    """The ARN IAM authorises a secret's read on: a Secrets Manager `valueFrom` reduced to the
    secret's own ARN (the json-key, version-stage and version-id suffix is no resource), or an
    SSM parameter ARN as it is. None when `value_from` is neither."""
    if match := _SECRETS_MANAGER_ARN.match(value_from):
        return match.group("secret")
    return value_from if _SSM_PARAMETER_ARN.match(value_from) else None


def _known(value: object) -> bool:
    """False for another resource's output the component package passes on unknown at
    preview (package/inputs.py); the engine constructs the component again at `up`, known."""
    return not isinstance(value, pulumi.Output)


def _cidr_error(key: str, cidr: str) -> list[str]:
    try:
        ipaddress.ip_network(cidr, strict=True)
    except ValueError as error:
        return [f"{key}: {cidr!r} is not a CIDR block ({error})"]
    return []


def _is_world(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def tags_for(args: BlueGreenServiceArgs, name: str) -> dict[str, str]:
    """Tags on every taggable resource: the service, the stack, and the caller's own."""
    return {
        "app:service": name,
        "app:project": pulumi.get_project(),
        "app:stack": pulumi.get_stack(),
        **args.tags,
    }
