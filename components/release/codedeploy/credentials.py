"""The AWS identity and clients of the release provider: the same identity as the stack's.

The dynamic provider runs in its own process and never sees the aws provider's configuration,
so the component passes the provider's profile and assume-role chain in as inputs
(`AwsIdentity`), and this module rebuilds that identity from them:

- the base credentials come from the normal chain of the process (environment, `profile`, SSO,
  the OIDC web identity Pulumi Deployments injects);
- each role of `role_arns` is assumed in turn with the previous credentials (a chain, as the aws
  provider's `assumeRoles` list does);
- the result is botocore's `DeferredRefreshableCredentials`: botocore calls our refresh before
  the session expires (15 minutes before, advisory; 10 minutes, mandatory). A chained role
  session lasts at most one hour, which a prod release (66 minutes and more) outlives.

Clients use botocore's standard retry mode with more attempts than the default 3: throttling
and connection errors are retried with exponential backoff (at most 20 s apart); the release's
own watch loop tolerates what outlasts them (see `release.py`).

`stack_identity` runs in the Pulumi program and reads those inputs from the aws provider.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pulumi
import pulumi_aws as aws
from botocore.config import Config
from botocore.credentials import (
    CredentialProvider,
    CredentialResolver,
    Credentials,
    DeferredRefreshableCredentials,
)

#: Clients that watch a release: about 2 minutes of retries per call (standard mode backs off
#: up to 20 s), and bounded sockets so a dead connection fails instead of hanging.
#: botocore rewrites a Config's `retries` dict in place once a client uses it
#: (`max_attempts` becomes `total_max_attempts`), so the number lives here too.
WATCH_MAX_ATTEMPTS = 10
WATCH_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": WATCH_MAX_ATTEMPTS},
    connect_timeout=10,
    read_timeout=30,
)
#: Clients of a preview's diff and of `pulumi refresh`: a quick look, never a long stall.
LOOK_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=15
)
SESSION_NAME = "pulumi-codedeploy-release"

#: Builds an STS client that signs with the given credentials.
StsFactory = Callable[[Credentials], Any]
#: Builds a client for a service name ("codedeploy", "ecs").
ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class AwsIdentity:
    """Who the release acts as; the aws provider's settings, as resource inputs."""

    region: str
    profile: str | None = None
    """A named profile of the shared config; None: the process's default chain."""
    role_arns: tuple[str, ...] = ()
    """Roles assumed in order, each with the previous one's credentials; () assumes none."""

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> AwsIdentity:
        return cls(
            region=props["region"],
            profile=props.get("profile") or None,
            role_arns=tuple(props.get("role_arns") or ()),
        )


def roles_from_provider_config(assume_roles: Any) -> list[str]:
    """The role ARNs of an aws provider's `assumeRoles` (a list of `{roleArn, ...}`) or legacy
    `assumeRole` (one mapping) setting, in the order the provider assumes them."""
    entries: Sequence[Any] = (
        [assume_roles] if isinstance(assume_roles, Mapping) else list(assume_roles or [])
    )
    return [
        str(entry.get("roleArn") or entry.get("role_arn"))
        for entry in entries
        if isinstance(entry, Mapping) and (entry.get("roleArn") or entry.get("role_arn"))
    ]


def already_acting_as(caller_arn: str, role_arn: str) -> bool:
    """Whether `caller_arn` (GetCallerIdentity, `arn:aws:sts::<account>:assumed-role/<name>/<s>`)
    is a session of `role_arn` (`arn:aws:iam::<account>:role/<path/><name>`)."""
    caller = caller_arn.split(":")
    role = role_arn.split(":")
    if len(caller) < 6 or len(role) < 6 or caller[4] != role[4]:
        return False
    kind, _, rest = caller[5].partition("/")
    return kind == "assumed-role" and rest.split("/")[0] == role[5].rsplit("/", 1)[-1]


class _Fixed(CredentialProvider):
    """A credential provider that always answers with the same (refreshable) credentials."""

    METHOD = "assume-role-chain"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


def assumed_role_credentials(
    base: Credentials,
    role_arns: Sequence[str],
    sts: StsFactory,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DeferredRefreshableCredentials:
    """Credentials of the last role of the chain, assumed afresh whenever botocore asks."""

    def refresh() -> dict[str, str]:
        current: Credentials = base
        expiry = ""
        for role_arn in role_arns:
            answer = sts(current).assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)
            issued = answer["Credentials"]
            current = Credentials(
                issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]
            )
            expiry = issued["Expiration"].isoformat()
        return {
            "access_key": current.access_key,
            "secret_key": current.secret_key,
            "token": current.token,
            "expiry_time": expiry,
        }

    return DeferredRefreshableCredentials(
        refresh_using=refresh, method=_Fixed.METHOD, time_fetcher=now
    )


def session_for(
    identity: AwsIdentity,
    *,
    sts: StsFactory | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> botocore.session.Session:
    """A botocore session acting as `identity`."""
    base_session = botocore.session.Session(profile=identity.profile)
    if not identity.role_arns:
        return base_session
    base = base_session.get_credentials()
    if base is None:
        raise RuntimeError(
            f"no AWS credentials to assume {identity.role_arns[0]} with (profile "
            f"{identity.profile or 'default'})"
        )

    def real_sts(credentials: Credentials) -> Any:
        frozen = credentials.get_frozen_credentials()
        return base_session.create_client(
            "sts",
            region_name=identity.region,
            aws_access_key_id=frozen.access_key,
            aws_secret_access_key=frozen.secret_key,
            aws_session_token=frozen.token,
            config=LOOK_CONFIG,
        )

    sts = sts or real_sts
    if already_acting_as(sts(base).get_caller_identity()["Arn"], identity.role_arns[-1]):
        # The process already is that role (Pulumi Deployments' OIDC credentials, say): a role
        # need not trust itself, so assuming it again could fail.
        return base_session
    credentials = assumed_role_credentials(base, identity.role_arns, sts, now=now)
    session = botocore.session.Session(profile=identity.profile)
    session.register_component("credential_provider", CredentialResolver([_Fixed(credentials)]))
    return session


def clients_for(identity: AwsIdentity, config: Config = WATCH_CONFIG) -> ClientFactory:
    """Clients acting as `identity` in its region, built once per service."""
    session = session_for(identity)
    built: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in built:
            built[service] = session.create_client(
                service, region_name=identity.region, config=config
            )
        return built[service]

    return client


def stack_identity(
    component: pulumi.Resource,
) -> tuple[pulumi.Output[str | None], pulumi.Output[list[str]]]:
    """The profile and role of the aws provider `component`'s AWS resources use.

    The default provider: its config (`aws:profile`, `aws:assumeRoles`, or the older
    `aws:assumeRole`), the whole chain. An explicit provider (the component's `provider` or
    `providers` option): its `profile` output, and the role it ends up acting as, asked of AWS
    through that provider (GetCallerIdentity, then the session's issuer role from
    `aws.iam.get_session_context`). A provider's object-valued inputs such as `assume_roles` are
    not readable outputs of the Python provider resource (they are not declared output
    properties, so the SDK drops them), hence the question to AWS; a chain of roles in an explicit
    provider is thereby reduced to its last role, which must trust the base credentials.
    """
    provider = component.get_provider("aws:ecs/service:Service")
    if provider is None:
        config = pulumi.Config("aws")
        roles = config.get_object("assumeRoles") or config.get_object("assumeRole")
        return (
            pulumi.Output.from_input(config.get("profile")),
            pulumi.Output.from_input(roles_from_provider_config(roles)),
        )
    opts = pulumi.InvokeOutputOptions(parent=component, provider=provider)
    caller = aws.get_caller_identity_output(opts=opts)
    issuer = aws.iam.get_session_context_output(arn=caller.arn, opts=opts).issuer_arn
    profile: pulumi.Output[str | None] = getattr(
        provider, "profile", pulumi.Output.from_input(None)
    )
    return profile, issuer.apply(lambda arn: [arn] if ":role/" in (arn or "") else [])
