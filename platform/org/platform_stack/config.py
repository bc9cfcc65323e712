"""Platform configuration: every key of `platform/org/Pulumi.<stack>.yaml`, parsed and validated.

`KEYS` is the one table of settings: `__main__.py` reads it through Pulumi's typed getters,
`Pulumi.yaml` declares the same keys (a test keeps them equal), and `parse` turns the values
into a `PlatformConfig` or raises `ConfigError` naming the setting and what it accepts, before
any resource exists. Object-valued keys (`stackSettings`, `*PolicyConfig`) cannot be declared in
`Pulumi.yaml`, whose schema only knows string, integer, boolean and array.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import pulumi
from pulumi.runtime import config as runtime_config

NAMESPACE: Final = "ecs-blue-green-platform"

IMAGE_SOURCES: Final = ("ci", "deployment")
ENFORCEMENT_LEVELS: Final = ("advisory", "mandatory", "disabled")
#: Levels a whole policy group may default to; "disabled" would make the group pointless.
GROUP_ENFORCEMENT_LEVELS: Final = ("advisory", "mandatory")
STACK_SETTING_FIELDS: Final = ("branch", "previewPullRequests", "namePrefix", "runtimeStack")
RUNTIME_SETTING_FIELDS: Final = ("branch", "previewPullRequests", "runtimeName")
#: The runtime program's folder, relative to the application project (it imports components/
#: from the project root: platform/runtime/__main__.py).
RUNTIME_DIR: Final = "platform/runtime"

#: Managed policies the application stack attaches to the roles it creates (components/): the
#: CodeDeploy role, the task execution role, the test gate's VPC access, and the ECS
#: controller's load-balancer role (AWS's ARN has no service-role/ path).
DEFAULT_ATTACHABLE_POLICIES: Final = (
    "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS",
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
)

#: The pack's rollback-window setting of each controller's rule: the CodeDeploy group keeps blue
#: `minTerminationWaitMinutes` after success, an ECS-native service `minBakeTimeMinutes` after
#: the shift (policies/ecs_blue_green_policies/deployment_group.py and ecs_service.py; a test
#: keeps these names equal to the pack's). The platform sets both from one key per group.
ROLLBACK_WINDOW_SETTINGS: Final = {
    "codedeploy-ecs-blue-green": "minTerminationWaitMinutes",
    "ecs-service-blue-green": "minBakeTimeMinutes",
}
#: ECS's bake time is 0-1440 minutes (components/release/ecs/strategy.py): a longer window
#: would refuse every ECS-controller stack. CodeDeploy allows up to 2880.
MAX_ROLLBACK_WINDOW_MINUTES: Final = 1440

_REQUIRED: Final = object()


class ConfigError(ValueError):
    """A platform setting is missing or invalid; the message names the key."""


@dataclass(frozen=True)
class Key:
    name: str
    kind: type
    """str, int, bool, list (of strings) or dict (undeclared in Pulumi.yaml)."""
    default: Any
    description: str

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED


KEYS: Final[tuple[Key, ...]] = (
    Key("organization", str, _REQUIRED,
        "Pulumi Cloud organisation of the application stacks; also the OIDC audience "
        "(case-sensitive)."),
    Key("repository", str, _REQUIRED,
        "GitHub repository (owner/name) that the Pulumi GitHub App watches."),
    Key("awsAccountId", str, _REQUIRED,
        "AWS account (12 digits) of the application stacks; the provider refuses any other."),
    Key("awsRegion", str, _REQUIRED,
        "AWS region of the application stacks and the image repository."),
    Key("project", str, "ecs-blue-green", "Pulumi project name of the application."),
    Key("projectDir", str, "",
        "Folder of the application's Pulumi.yaml, relative to the repository root; '' is the "
        "root."),
    Key("stacks", list, ["dev", "prod"], "Application stacks released by git push."),
    Key("productionStacks", list, ["prod"],
        "Stacks whose policy group is preventative and mandatory; a subset of stacks."),
    Key("branch", str, "main", "Branch whose pushes release every stack (see stackSettings)."),
    Key("previewPullRequests", bool, True,
        "Run `pulumi preview` on pull requests (PR code runs with the stack's role)."),
    Key("namePrefix", str, "web-",
        "Name prefix of the application's AWS resources; scopes the deploy roles' write access."),
    Key("stackSettings", dict, {},
        "Per-stack overrides: {<stack>: {branch, previewPullRequests, namePrefix, "
        "runtimeStack}}."),
    Key("imageSource", str, "ci",
        "'ci': GitHub Actions builds the image and the deployment waits for it; 'deployment': "
        "`pulumi up` builds it on the runner (needs a Docker daemon)."),
    Key("imageRepositoryName", str, "ecs-blue-green/web",
        "ECR repository the image workflow pushes to (imageSource ci)."),
    Key("imageRetainCount", int, 100,
        "Images the ECR lifecycle rule keeps; every image a stack may still run must be among "
        "them."),
    Key("servicePath", str, "service",
        "Docker build context, relative to projectDir; its git tree id is the image tag."),
    Key("imageWaitMinutes", int, 30,
        "How long an update waits for the image workflow to push the image (imageSource ci)."),
    Key("agentPoolId", str, "",
        "Customer-managed runner pool for the deployments; '' uses Pulumi-hosted runners."),
    Key("sessionDurationMinutes", int, 120,
        "Lifetime of the AWS session of one deployment (15-720); a release waits for CodeDeploy."),
    Key("pulumiOidcProviderArn", str, "",
        "Existing IAM OIDC provider for https://api.pulumi.com/oidc; '' creates one."),
    Key("githubOidcProviderArn", str, "",
        "Existing IAM OIDC provider for GitHub Actions; '' creates one (imageSource ci)."),
    Key("allowVpcManagement", bool, True,
        "Let the deploy roles create and delete VPCs, subnets, routes, gateways and EIPs "
        "(the application's optional awsx VPC)."),
    Key("attachablePolicyArns", list, list(DEFAULT_ATTACHABLE_POLICIES),
        "The only managed policies the deploy roles may attach to the roles they create."),
    Key("policyPackName", str, "ecs-blue-green", "Name of the published policy pack."),
    Key("policyPackVersion", str, _REQUIRED,
        "Published version tag of the policy pack (`pulumi policy publish` prints it)."),
    Key("nonProductionEnforcementLevel", str, "advisory",
        "Default enforcement level of the non-production policy group: advisory or mandatory."),
    Key("productionRollbackWindowMinutes", int, 5,
        "Minutes every production stack must keep blue after a release, under either "
        f"controller (0-{MAX_ROLLBACK_WINDOW_MINUTES}); the pack's own default is 5."),
    Key("nonProductionRollbackWindowMinutes", int, 5,
        "Minutes every other stack must keep blue after a release, under either controller "
        f"(0-{MAX_ROLLBACK_WINDOW_MINUTES})."),
    Key("productionPolicyConfig", dict, {},
        "Per-rule policy config of the production group; rules stay mandatory."),
    Key("nonProductionPolicyConfig", dict, {},
        "Per-rule policy config (and enforcementLevel) of the non-production group."),
    Key("runtimeProject", str, "ecs-blue-green-runtime",
        "Pulumi project of the shared runtime stacks (platform/runtime)."),
    Key("runtimeStacks", list, [],
        "Shared runtime stacks released by git push of platform/runtime; each gets a deploy "
        "role and deployment settings. Application stacks attach with stackSettings "
        "runtimeStack."),
    Key("runtimeStackSettings", dict, {},
        "Per runtime stack: {<stack>: {runtimeName, branch, previewPullRequests}}."),
)  # fmt: skip

_KEYS_BY_NAME: Final = {key.name: key for key in KEYS}


@dataclass(frozen=True)
class StackSettings:
    """One application stack released by Pulumi Deployments."""

    name: str
    branch: str
    """Pushes to this branch run `pulumi up`. Default `branch`."""
    production: bool
    """Member of `productionStacks`: its policy group blocks, and cannot be relaxed."""
    preview_pull_requests: bool
    """Default `previewPullRequests` (true): pull requests get a `pulumi preview`."""
    name_prefix: str
    """Default `namePrefix` ("web-", the application's default service name plus "-")."""
    runtime_stack: str | None = None
    """`runtimeStack`: the runtime stack (one of `runtimeStacks`) whose cluster and listeners
    the stack attaches to (its `sharedStack`). Default None: the stack brings its own."""


@dataclass(frozen=True)
class RuntimeStackSettings:
    """One shared runtime stack (`platform/runtime/`) released by Pulumi Deployments."""

    name: str
    runtime_name: str
    """The stack's `runtimeName` (its resources' name prefix). Default: the stack name, as in
    platform/runtime/Pulumi.dev.yaml and Pulumi.prod.yaml."""
    branch: str
    """Default `branch`."""
    preview_pull_requests: bool
    """Default `previewPullRequests`."""

    @property
    def name_prefix(self) -> str:
        return f"{self.runtime_name}-"


@dataclass(frozen=True)
class ImageSettings:
    source: str
    """Default "ci": no published statement says Pulumi-hosted runners offer a Docker daemon,
    while GitHub-hosted runners do, so the build runs in GitHub Actions."""
    repository_name: str
    retain_count: int
    service_path: str
    """Relative to the repository root (projectDir joined with servicePath)."""
    wait_minutes: int


@dataclass(frozen=True)
class PolicySettings:
    pack_name: str
    pack_version: str
    non_production_enforcement_level: str
    """Default "advisory": non-production stacks report violations without blocking."""
    production_config: Mapping[str, Any]
    non_production_config: Mapping[str, Any]
    production_rollback_window_minutes: int = 5
    """Default 5, the pack's: blue kept after a prod release, whichever the controller."""
    non_production_rollback_window_minutes: int = 5
    """Default 5, the pack's: blue kept after any other stack's release."""


@dataclass(frozen=True)
class PlatformConfig:
    organization: str
    repository: str
    aws_account_id: str
    aws_region: str
    project: str
    project_dir: str
    """"" for the repository root, else a relative folder without a trailing slash."""
    stacks: tuple[StackSettings, ...]
    image: ImageSettings
    policy: PolicySettings
    agent_pool_id: str
    session_duration_minutes: int
    pulumi_oidc_provider_arn: str
    github_oidc_provider_arn: str
    allow_vpc_management: bool
    attachable_policy_arns: tuple[str, ...]
    runtime_project: str
    runtimes: tuple[RuntimeStackSettings, ...] = ()
    """Default none: every application stack brings its own cluster and load balancer."""

    def runtime(self, name: str) -> RuntimeStackSettings:
        """The runtime stack `name` (validated to be one of `runtimeStacks`)."""
        return next(r for r in self.runtimes if r.name == name)

    @property
    def release_branches(self) -> tuple[str, ...]:
        return tuple(sorted({stack.branch for stack in self.stacks}))

    def repo_path(self, relative: str) -> str:
        """`relative` (a path inside the application project) from the repository root."""
        return f"{self.project_dir}/{relative}" if self.project_dir else relative


def deploy_role_name(project: str, stack: str) -> str:
    """IAM role Pulumi Deployments assumes for `stack` (IAM allows 64 characters)."""
    return f"pulumi-deploy-{project}-{stack}"[:64]


def boundary_policy_name(project: str, stack: str) -> str:
    """Managed policy every role of `stack` must carry as its permissions boundary."""
    return f"{deploy_role_name(project, stack)}-boundary"


def image_push_role_name(project: str) -> str:
    """IAM role the image workflow assumes through GitHub's OIDC provider."""
    return f"github-image-push-{project}"[:64]


_ORGANIZATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_ACCOUNT = re.compile(r"^\d{12}$")
#: Commercial partition only: every ARN the platform writes starts with "arn:aws:".
_REGION = re.compile(r"^(?!cn-)[a-z]{2}-[a-z]+-\d$")
_PULUMI_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_BRANCH = re.compile(r"^(?!refs/)(?!/)(?!.*//)(?!.*\.\.)[A-Za-z0-9._/-]{1,200}(?<!/)(?<!\.lock)$")
_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9_.@+-]+$")
_NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
#: components/runtime.py `_NAME` (the runtime's load balancer name must fit 32 characters).
_RUNTIME_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_ECR_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_POLICY_ARN = re.compile(r"^arn:aws:iam::(aws|\d{12}):policy/[A-Za-z0-9+=,.@_/-]+$")
_VERSION_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
_RULE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_AGENT_POOL = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def _fail(key: str, message: str) -> ConfigError:
    return ConfigError(f"{NAMESPACE}:{key}: {message}")


def _check(key: str, ok: bool, message: str) -> None:
    if not ok:
        raise _fail(key, message)


_KIND_NAMES: Final = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list of strings",
    dict: "an object",
}


def _typed(key: Key, value: Any) -> Any:
    """`value` as `key.kind`, accepting the string forms the CLI passes."""
    kind = key.kind
    if kind is int and isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    if kind is bool and value in ("true", "false"):
        return value == "true"
    wrong_list = isinstance(value, list) and not all(isinstance(item, str) for item in value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)) or wrong_list:
        raise _fail(key.name, f"expected {_KIND_NAMES[kind]}, got {value!r}")
    return value


def _relative_path(key: str, value: str, *, allow_empty: bool) -> str:
    path = value.strip().strip("/")
    if not path:
        _check(key, allow_empty, "must not be empty")
        return ""
    segments = path.split("/")
    _check(
        key,
        all(_PATH_SEGMENT.match(s) and s not in (".", "..") for s in segments),
        f"{value!r} must be a relative folder like 'app' or 'apps/web' (letters, digits, "
        "'_.@+-'; no '..', no glob characters)",
    )
    return path


def _oidc_provider_arn(key: str, value: str, host: str, account: str) -> str:
    if not value:
        return ""
    expected = f"arn:aws:iam::{account}:oidc-provider/{host}"
    _check(key, value == expected, f"{value!r} must be '' (create one) or {expected!r}")
    return value


def _policy_config(key: str, value: Mapping[str, Any], *, production: bool) -> dict[str, Any]:
    """Per-rule config as a policy group takes it: `{rule: level}` or `{rule: {...}}`."""
    window_key = ("p" if production else "nonP") + "roductionRollbackWindowMinutes"
    checked: dict[str, Any] = {}
    for rule, setting in value.items():
        _check(
            key,
            rule != "all",
            "'all' is set by the platform (productionStacks are mandatory, the others use "
            "nonProductionEnforcementLevel); configure rules by name",
        )
        _check(key, bool(_RULE_NAME.match(rule)), f"{rule!r} is not a policy name")
        window = ROLLBACK_WINDOW_SETTINGS.get(rule)
        _check(
            key,
            not (window and isinstance(setting, Mapping) and window in setting),
            f"{rule}.{window}: set the rollback window with {window_key} instead, which sets it "
            "for both controllers' rules at once",
        )
        level = setting if isinstance(setting, str) else None
        if isinstance(setting, Mapping):
            level = setting.get("enforcementLevel")
        elif not isinstance(setting, str):
            raise _fail(key, f"{rule}: expected an enforcement level or an object, got {setting!r}")
        if level is not None:
            _check(
                key,
                level in ENFORCEMENT_LEVELS,
                f"{rule}.enforcementLevel: {level!r} is not one of {list(ENFORCEMENT_LEVELS)}",
            )
            _check(
                key,
                not production or level == "mandatory",
                f"{rule}.enforcementLevel: {level!r} is not allowed; every rule is mandatory "
                "for productionStacks (move the stack out of productionStacks to relax it)",
            )
        checked[rule] = dict(setting) if isinstance(setting, Mapping) else setting
    return checked


def _runtime_settings(values: Mapping[str, Any]) -> tuple[RuntimeStackSettings, ...]:
    runtimes = values["runtimeStacks"]
    _check("runtimeStacks", len(set(runtimes)) == len(runtimes), f"{runtimes} names a stack twice")
    bad = [s for s in runtimes if not _PULUMI_NAME.match(s)]
    _check("runtimeStacks", not bad, f"{bad} are not Pulumi stack names")
    overrides = values["runtimeStackSettings"]
    unknown = sorted(set(overrides) - set(runtimes))
    _check("runtimeStackSettings", not unknown, f"{unknown} are not in runtimeStacks {runtimes}")
    result = []
    for name in runtimes:
        own = overrides.get(name, {})
        where = f"runtimeStackSettings.{name}"
        _check(where, isinstance(own, Mapping), "expected an object")
        extra = sorted(set(own) - set(RUNTIME_SETTING_FIELDS))
        allowed = list(RUNTIME_SETTING_FIELDS)
        _check(where, not extra, f"unknown field(s) {extra}; allowed: {allowed}")
        runtime_name = own.get("runtimeName", name)
        _check(
            where,
            isinstance(runtime_name, str) and bool(_RUNTIME_NAME.match(runtime_name)),
            f"runtimeName: {runtime_name!r} must be the runtime stack's runtimeName: 1-20 "
            "lowercase letters, digits or '-', starting with a letter (set it when the stack "
            "name is not one)",
        )
        branch = own.get("branch", values["branch"])
        _check(
            where if "branch" in own else "branch",
            isinstance(branch, str) and bool(_BRANCH.match(branch)),
            f"{branch!r} is not a branch name like 'main' or 'release/v2' (no 'refs/' prefix)",
        )
        preview = own.get("previewPullRequests", values["previewPullRequests"])
        _check(
            where,
            isinstance(preview, bool),
            f"previewPullRequests: expected true or false, got {preview!r}",
        )
        result.append(RuntimeStackSettings(name, runtime_name, branch, preview))
    return tuple(result)


def _stack_settings(
    values: Mapping[str, Any], stacks: list[str], production: set[str]
) -> tuple[StackSettings, ...]:
    overrides = values["stackSettings"]
    unknown = sorted(set(overrides) - set(stacks))
    _check("stackSettings", not unknown, f"{unknown} are not in stacks {stacks}")
    result = []
    for name in stacks:
        own = overrides.get(name, {})
        _check("stackSettings", isinstance(own, Mapping), f"{name}: expected an object")
        extra = sorted(set(own) - set(STACK_SETTING_FIELDS))
        _check(
            "stackSettings",
            not extra,
            f"{name}: unknown field(s) {extra}; allowed: {list(STACK_SETTING_FIELDS)}",
        )
        branch = own.get("branch", values["branch"])
        prefix = own.get("namePrefix", values["namePrefix"])
        preview = own.get("previewPullRequests", values["previewPullRequests"])
        where = f"stackSettings.{name}" if "branch" in own else "branch"
        _check(
            where,
            isinstance(branch, str) and bool(_BRANCH.match(branch)),
            f"{branch!r} is not a branch name like 'main' or 'release/v2' (no 'refs/' prefix)",
        )
        where = f"stackSettings.{name}" if "namePrefix" in own else "namePrefix"
        _check(
            where,
            isinstance(prefix, str) and bool(_NAME_PREFIX.match(prefix)),
            f"{prefix!r} must be 2-32 lowercase letters, digits or '-', starting with a letter "
            "(an empty or short prefix would widen the deploy role to other resources)",
        )
        _check(
            f"stackSettings.{name}",
            isinstance(preview, bool),
            f"previewPullRequests: expected true or false, got {preview!r}",
        )
        runtime = own.get("runtimeStack")
        _check(
            f"stackSettings.{name}",
            runtime is None or runtime in values["runtimeStacks"],
            f"runtimeStack: {runtime!r} is not one of runtimeStacks {values['runtimeStacks']} "
            "(the platform grants attaching only to a runtime stack it knows)",
        )
        result.append(StackSettings(name, branch, name in production, preview, prefix, runtime))
    return tuple(result)


def _check_prefixes_spare_platform(
    stacks: tuple[StackSettings, ...],
    runtimes: tuple[RuntimeStackSettings, ...],
    project: str,
    runtime_project: str,
    image_repository: str,
) -> None:
    """A deploy role may write to every resource named `<namePrefix>*`: the platform's own
    roles and image repository must not be among them, and an application stack's and a
    runtime's names must not cover each other (nor two runtimes')."""
    platform_names = [deploy_role_name(project, s.name) for s in stacks]
    platform_names += [boundary_policy_name(project, s.name) for s in stacks]
    platform_names += [deploy_role_name(runtime_project, r.name) for r in runtimes]
    platform_names += [image_push_role_name(project), image_repository]
    for stack in stacks:
        clash = [n for n in platform_names if n.startswith(stack.name_prefix)]
        _check(
            "namePrefix",
            not clash,
            f"{stack.name}: prefix {stack.name_prefix!r} would let the deploy role modify the "
            f"platform's own {clash}",
        )
    for runtime in runtimes:
        clash = [n for n in platform_names if n.startswith(runtime.name_prefix)]
        _check(
            f"runtimeStackSettings.{runtime.name}",
            not clash,
            f"runtimeName {runtime.runtime_name!r} would let the runtime's deploy role modify "
            f"the platform's own {clash}",
        )
        others = [(s.name, s.name_prefix) for s in stacks] + [
            (r.name, r.name_prefix) for r in runtimes if r is not runtime
        ]
        overlap = [
            name
            for name, prefix in others
            if prefix.startswith(runtime.name_prefix) or runtime.name_prefix.startswith(prefix)
        ]
        _check(
            f"runtimeStackSettings.{runtime.name}",
            not overlap,
            f"runtimeName {runtime.runtime_name!r} (prefix {runtime.name_prefix!r}) overlaps the "
            f"name prefix of {overlap}: each deploy role could write the other's resources by "
            "name; pick names that do not start with one another",
        )


def parse(raw: Mapping[str, Any]) -> PlatformConfig:
    """Validates decoded config values (keys without the namespace) into a `PlatformConfig`.

    Unset keys take the defaults of `KEYS` (the same as Pulumi.yaml's); unknown keys are an
    error, because a typo must not silently keep a default.
    """
    unknown = sorted(set(raw) - set(_KEYS_BY_NAME))
    if unknown:
        raise ConfigError(
            f"{NAMESPACE}: unknown key(s) {unknown}; allowed: {sorted(_KEYS_BY_NAME)}"
        )
    missing = [k.name for k in KEYS if k.required and raw.get(k.name) in (None, "")]
    if missing:
        raise ConfigError(
            f"{NAMESPACE}: missing required setting(s) {missing}; set them in "
            f"platform/org/Pulumi.<stack>.yaml (see platform/org/Pulumi.example.yaml)"
        )
    values = {
        k.name: _typed(k, raw[k.name]) if raw.get(k.name) is not None else k.default for k in KEYS
    }

    organization = values["organization"]
    _check(
        "organization",
        bool(_ORGANIZATION.match(organization)),
        f"{organization!r} is not a Pulumi organisation name",
    )
    _check(
        "repository",
        bool(_REPOSITORY.match(values["repository"])),
        f"{values['repository']!r} must be 'owner/name' of a GitHub repository",
    )
    account = values["awsAccountId"]
    _check("awsAccountId", bool(_ACCOUNT.match(account)), f"{account!r} must be 12 digits")
    _check(
        "awsRegion",
        bool(_REGION.match(values["awsRegion"])),
        f"{values['awsRegion']!r} is not a commercial AWS region like 'eu-west-1'",
    )
    _check(
        "project",
        bool(_PULUMI_NAME.match(values["project"])),
        f"{values['project']!r} is not a Pulumi project name",
    )

    stacks = values["stacks"]
    _check("stacks", bool(stacks), "must name at least one stack")
    _check("stacks", len(set(stacks)) == len(stacks), f"{stacks} names a stack twice")
    bad = [s for s in stacks if not _PULUMI_NAME.match(s)]
    _check("stacks", not bad, f"{bad} are not Pulumi stack names")
    production = set(values["productionStacks"])
    outside = sorted(production - set(stacks))
    _check("productionStacks", not outside, f"{outside} are not in stacks {stacks}")
    stack_settings = _stack_settings(values, stacks, production)
    runtime_project = values["runtimeProject"]
    _check(
        "runtimeProject",
        bool(_PULUMI_NAME.match(runtime_project)) and runtime_project != values["project"],
        f"{runtime_project!r} must be a Pulumi project name other than project "
        f"{values['project']!r} (the runtime's tags must differ from the application's)",
    )
    runtimes = _runtime_settings(values)

    project_dir = _relative_path("projectDir", values["projectDir"], allow_empty=True)
    service_path = _relative_path("servicePath", values["servicePath"], allow_empty=False)

    source = values["imageSource"]
    _check(
        "imageSource", source in IMAGE_SOURCES, f"{source!r} is not one of {list(IMAGE_SOURCES)}"
    )
    repository_name = values["imageRepositoryName"]
    _check(
        "imageRepositoryName",
        2 <= len(repository_name) <= 256 and bool(_ECR_NAME.match(repository_name)),
        f"{repository_name!r} is not an ECR repository name (lowercase, '/._-' separators)",
    )
    _check(
        "imageRetainCount",
        10 <= values["imageRetainCount"] <= 10000,
        f"{values['imageRetainCount']} must be 10-10000",
    )
    _check(
        "imageWaitMinutes",
        1 <= values["imageWaitMinutes"] <= 120,
        f"{values['imageWaitMinutes']} must be 1-120",
    )
    _check(
        "sessionDurationMinutes",
        15 <= values["sessionDurationMinutes"] <= 720,
        f"{values['sessionDurationMinutes']} must be 15-720 (AWS allows 12 hours at most)",
    )
    agent_pool = values["agentPoolId"]
    _check(
        "agentPoolId",
        not agent_pool or bool(_AGENT_POOL.match(agent_pool)),
        f"{agent_pool!r} is not an agent pool id",
    )
    _check_prefixes_spare_platform(
        stack_settings, runtimes, values["project"], runtime_project, repository_name
    )

    policies = tuple(values["attachablePolicyArns"])
    bad = [p for p in policies if not _POLICY_ARN.match(p)]
    _check(
        "attachablePolicyArns",
        not bad,
        f"{bad} are not IAM managed policy ARNs (arn:aws:iam::aws:policy/...)",
    )
    _check(
        "policyPackName",
        bool(_PULUMI_NAME.match(values["policyPackName"])),
        f"{values['policyPackName']!r} is not a policy pack name",
    )
    _check(
        "policyPackVersion",
        bool(_VERSION_TAG.match(values["policyPackVersion"])),
        f"{values['policyPackVersion']!r} is not a version tag like '1.0.0'",
    )
    level = values["nonProductionEnforcementLevel"]
    _check(
        "nonProductionEnforcementLevel",
        level in GROUP_ENFORCEMENT_LEVELS,
        f"{level!r} is not one of {list(GROUP_ENFORCEMENT_LEVELS)}",
    )
    for window_key in ("productionRollbackWindowMinutes", "nonProductionRollbackWindowMinutes"):
        _check(
            window_key,
            0 <= values[window_key] <= MAX_ROLLBACK_WINDOW_MINUTES,
            f"{values[window_key]} is not within 0-{MAX_ROLLBACK_WINDOW_MINUTES} minutes (the "
            "ECS controller's bake time cannot be longer)",
        )

    return PlatformConfig(
        organization=organization,
        repository=values["repository"],
        aws_account_id=account,
        aws_region=values["awsRegion"],
        project=values["project"],
        project_dir=project_dir,
        stacks=stack_settings,
        image=ImageSettings(
            source=source,
            repository_name=repository_name,
            retain_count=values["imageRetainCount"],
            service_path=f"{project_dir}/{service_path}" if project_dir else service_path,
            wait_minutes=values["imageWaitMinutes"],
        ),
        policy=PolicySettings(
            pack_name=values["policyPackName"],
            pack_version=values["policyPackVersion"],
            non_production_enforcement_level=level,
            production_config=_policy_config(
                "productionPolicyConfig", values["productionPolicyConfig"], production=True
            ),
            non_production_config=_policy_config(
                "nonProductionPolicyConfig", values["nonProductionPolicyConfig"], production=False
            ),
            production_rollback_window_minutes=values["productionRollbackWindowMinutes"],
            non_production_rollback_window_minutes=values["nonProductionRollbackWindowMinutes"],
        ),
        agent_pool_id=agent_pool,
        session_duration_minutes=values["sessionDurationMinutes"],
        pulumi_oidc_provider_arn=_oidc_provider_arn(
            "pulumiOidcProviderArn", values["pulumiOidcProviderArn"], "api.pulumi.com/oidc", account
        ),
        github_oidc_provider_arn=_oidc_provider_arn(
            "githubOidcProviderArn",
            values["githubOidcProviderArn"],
            "token.actions.githubusercontent.com",
            account,
        ),
        allow_vpc_management=values["allowVpcManagement"],
        attachable_policy_arns=policies,
        runtime_project=runtime_project,
        runtimes=runtimes,
    )


def read_pulumi_config() -> dict[str, Any]:
    """The set keys of this platform stack, each read with the getter of its type (Pulumi's
    own type errors name the key), plus any other key of the namespace, so `parse` can reject
    a typo instead of silently using a default."""
    config = pulumi.Config(NAMESPACE)
    getters: dict[type, Callable[[str], Any]] = {
        str: config.get,
        int: config.get_int,
        bool: config.get_bool,
        list: config.get_object,
        dict: config.get_object,
    }
    values = {k.name: v for k in KEYS if (v := getters[k.kind](k.name)) is not None}
    prefix = f"{NAMESPACE}:"
    present = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    for key in present:
        if key.startswith(prefix) and key[len(prefix) :] not in _KEYS_BY_NAME:
            values[key[len(prefix) :]] = config.get(key[len(prefix) :])
    return values
