"""Trust policies and the deploy role's permissions, as documents."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase

import pytest

from platform_stack.config import DEFAULT_ATTACHABLE_POLICIES
from platform_stack.oidc import deploy_trust_policy, image_push_trust_policy
from platform_stack.permissions import (
    MANAGED_POLICY_MAX_CHARS,
    PASSED_TO_SERVICES,
    RUNTIME_ATTACH_ACTIONS,
    Runtime,
    Scope,
    Statement,
    deploy_policies,
    image_push_policy,
    runtime_policies,
)

PROVIDER = "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc"
IMAGES = "arn:aws:ecr:eu-west-1:123456789012:repository/ecs-blue-green/web"


RUNTIME = Runtime(project="ecs-blue-green-runtime", stack="dev", name="dev")


def _scope(
    *,
    vpc: bool = True,
    images: str | None = IMAGES,
    stack: str = "dev",
    runtime: Runtime | None = None,
) -> Scope:
    return Scope(
        account="123456789012",
        region="eu-west-1",
        name_prefix="web-",
        attachable_policy_arns=DEFAULT_ATTACHABLE_POLICIES,
        allow_vpc_management=vpc,
        image_repository_arn=images,
        project="ecs-blue-green",
        stack=stack,
        boundary_name=f"pulumi-deploy-ecs-blue-green-{stack}-boundary",
        runtime=runtime,
    )


def _statements(scope: Scope) -> list[Statement]:
    return [s for doc in deploy_policies(scope).values() for s in doc["Statement"]]


def _sub_matches(pattern: str, subject: str) -> bool:
    """IAM StringLike: `*` matches any run of characters, `?` one character."""
    return fnmatchcase(subject, pattern)


def test_deploy_trust_admits_every_operation_of_its_stack_and_nothing_else() -> None:
    trust = json.loads(deploy_trust_policy(PROVIDER, "acme", "ecs-blue-green", "prod"))
    (statement,) = trust["Statement"]
    pattern = statement["Condition"]["StringLike"]["api.pulumi.com/oidc:sub"]

    assert statement["Condition"]["StringEquals"] == {"api.pulumi.com/oidc:aud": "acme"}
    subject = "pulumi:deploy:org:acme:project:ecs-blue-green:stack:prod:operation:{}:scope:write"
    for operation in ("update", "preview", "refresh", "destroy"):
        assert _sub_matches(pattern, subject.format(operation))
    for other in (
        "pulumi:deploy:org:acme:project:ecs-blue-green:stack:dev:operation:update:scope:write",
        "pulumi:deploy:org:acme:project:ecs-blue-green:stack:prod2:operation:update:scope:write",
        "pulumi:deploy:org:acme:project:other:stack:prod:operation:update:scope:write",
        "pulumi:deploy:org:evil:project:ecs-blue-green:stack:prod:operation:update:scope:write",
    ):
        assert not _sub_matches(pattern, other), other


def test_image_push_trust_admits_pushes_to_release_branches_not_pull_requests() -> None:
    provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    trust = json.loads(image_push_trust_policy(provider, "acme/shop", ("main", "release")))
    (statement,) = trust["Statement"]
    equals = statement["Condition"]["StringEquals"]

    assert statement["Principal"] == {"Federated": provider}
    assert equals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    subjects = equals["token.actions.githubusercontent.com:sub"]
    assert subjects == [
        "repo:acme/shop:ref:refs/heads/main",
        "repo:acme/shop:ref:refs/heads/release",
    ]
    assert "repo:acme/shop:pull_request" not in subjects


@pytest.mark.parametrize("vpc", [True, False])
@pytest.mark.parametrize("runtime", [None, RUNTIME])
def test_every_policy_fits_a_managed_policy(vpc: bool, runtime: Runtime | None) -> None:
    scope = _scope(vpc=vpc, runtime=runtime)
    documents = deploy_policies(scope) | {
        f"runtime-{n}": d for n, d in runtime_policies(scope).items()
    }
    for name, document in documents.items():
        size = len(json.dumps(document, separators=(",", ":")))
        assert size <= MANAGED_POLICY_MAX_CHARS, (name, size)


def test_only_an_attached_stack_gets_rights_on_a_runtime() -> None:
    alone, attached = deploy_policies(_scope()), deploy_policies(_scope(runtime=RUNTIME))

    assert "attach" not in alone
    assert set(attached) == set(alone) | {"attach"}
    assert "NotAction" not in json.dumps(alone["isolation"])
    unchanged = [name for name in alone if name != "isolation"]
    assert [attached[name] for name in unchanged] == [alone[name] for name in unchanged]


def test_attach_rights_need_the_runtimes_names_or_tags_and_the_stacks_own() -> None:
    by_sid = {s["Sid"]: s for s in deploy_policies(_scope(runtime=RUNTIME))["attach"]["Statement"]}
    runtime_tags = {
        "aws:ResourceTag/app:stack": "dev",
        "aws:ResourceTag/app:project": "ecs-blue-green-runtime",
    }
    own_request_tags = {
        "aws:RequestTag/app:stack": "dev",
        "aws:RequestTag/app:project": "ecs-blue-green",
    }

    services = by_sid["TheStacksServicesInTheRuntimesCluster"]["Resource"]
    assert all(":service" in r and "/dev-cluster-*/web-*" in r for r in services)
    create = by_sid["NewRulesOnTheRuntimesListenersTaggedForTheStack"]
    assert create["Resource"] == [
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/dev-alb-*/*/*"
    ]
    assert create["Condition"] == {"StringEquals": runtime_tags | own_request_tags}
    assert by_sid["OnlyTheStacksRulesOnTheRuntimesListeners"]["Condition"] == {
        "StringEquals": {
            "aws:ResourceTag/app:stack": "dev",
            "aws:ResourceTag/app:project": "ecs-blue-green",
        }
    }
    group = by_sid["RulesOnTheRuntimesLoadBalancerGroup"]
    assert group["Condition"] == {"StringEquals": runtime_tags}
    assert set(group["Action"]) < set(RUNTIME_ATTACH_ACTIONS)


def test_an_attached_stacks_isolation_lets_through_only_the_attach_calls() -> None:
    statements = deploy_policies(_scope(runtime=RUNTIME))["isolation"]["Statement"]
    carved = [s for s in statements if "NotAction" in s]
    attach = [s for s in statements if s.get("Action") == list(RUNTIME_ATTACH_ACTIONS)]

    assert [s["Sid"] for s in carved] == [
        "NothingOnAnotherStacksResources",
        "NothingOnAnotherProjectsResources",
    ]
    assert all(s["NotAction"] == list(RUNTIME_ATTACH_ACTIONS) for s in carved)
    assert [s["Condition"]["StringNotEquals"] for s in attach] == [
        {"aws:ResourceTag/app:stack": ["dev", "dev"]},
        {"aws:ResourceTag/app:project": ["ecs-blue-green", "ecs-blue-green-runtime"]},
    ]


def test_the_runtime_role_creates_no_roles_and_no_application_resources() -> None:
    scope = _scope(images=None)
    actions = {
        a
        for document in runtime_policies(scope).values()
        for s in document["Statement"]
        if s["Effect"] == "Allow"
        for a in s["Action"]
    }

    assert {a for a in actions if a.startswith("iam:")} == {"iam:CreateServiceLinkedRole"}
    assert not {a.split(":")[0] for a in actions} & {"codedeploy", "lambda", "s3", "kms", "wafv2"}


#: The allow statements whose Resource is "*", each for a reason documented in permissions.py.
UNSCOPED = {
    "EcsTaskDefinitionsAcceptNoResource",
    "EcrLoginAcceptsNoResource",
    "AutoScalingHasNoNamedArns",
    "DeploymentTargetsHaveNoNamedArns",
    "StopAndContinueTakeNoResource",
    "DescribeWhatTheStackUses",
    "KmsAndWafCallsAcceptNoResource",
    "LogKeysCreatedTaggedForTheStack",
}
#: EC2 and KMS have ID-based ARNs: their allows are limited by the stack's tags instead.
TAG_SCOPED = {"Ec2ChangesOnlyToResourcesTaggedForTheStack", "LogKeysTaggedForTheStack"}
REQUEST_TAG_SCOPED = {"NewRulesTaggedForTheStack"}
#: Creates (nothing existing changes), untagged leftovers and rules of tagged groups.
ACCOUNT_AND_REGION = {
    "Ec2CreatesChangeNothingThatExists": "*",
    "Ec2TagsOnlyWhileCreating": "*",
    "UntaggedRulesOfTaggedGroups": "security-group-rule/*",
    "LambdaLeftoverInterfacesCarryNoTags": "network-interface/*",
}


def test_writes_are_scoped_to_the_name_prefix_or_explained() -> None:
    for statement in _statements(_scope()):
        if statement["Effect"] == "Deny":
            continue
        sid, actions, resources = statement["Sid"], statement["Action"], statement["Resource"]
        assert "*" not in actions, sid
        assert "iam:*" not in actions, sid
        if resources == ["*"]:
            assert sid in UNSCOPED
        elif sid in TAG_SCOPED:
            assert statement["Condition"] == {
                "StringEquals": {
                    "aws:ResourceTag/app:stack": "dev",
                    "aws:ResourceTag/app:project": "ecs-blue-green",
                }
            }
        elif sid in REQUEST_TAG_SCOPED:
            assert statement["Condition"] == {
                "StringEquals": {
                    "aws:RequestTag/app:stack": "dev",
                    "aws:RequestTag/app:project": "ecs-blue-green",
                }
            }
        elif sid in ACCOUNT_AND_REGION:
            assert resources == [f"arn:aws:ec2:eu-west-1:123456789012:{ACCOUNT_AND_REGION[sid]}"]
        elif sid == "WaitForTheCiImage":
            assert resources == [IMAGES]
        elif sid == "ServiceLinkedRolesOnFirstUse":
            assert set(statement["Condition"]["StringEquals"]) == {"iam:AWSServiceName"}
        elif sid in ("AccessLogBucketsNamedForTheStack", "LogKeyAliasesNamedForTheStack"):
            assert all("web-dev-*" in r for r in resources), sid
        else:
            named = [r for r in resources if "CodeDeployDefault" not in r]
            named = [r for r in named if "managedruleset" not in r]
            assert all("web-*" in r for r in named), sid


def test_account_wide_reads_are_describe_and_list_only() -> None:
    (reads,) = [s for s in _statements(_scope()) if s["Sid"] == "DescribeWhatTheStackUses"]

    verbs = {action.split(":")[1].rstrip("*") for action in reads["Action"]}
    assert {v for v in verbs if not v.startswith(("Describe", "List"))} == set()
    assert reads["Condition"] == {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}


def test_roles_are_passed_only_to_the_services_that_run_them() -> None:
    by_sid = {s["Sid"]: s for s in _statements(_scope())}
    passing = [
        s for s in by_sid.values() if "iam:PassRole" in s["Action"] and s["Effect"] == "Allow"
    ]

    assert [s["Sid"] for s in passing] == ["PassRolesOnlyToTheServicesThatRunThem"]
    assert passing[0]["Resource"] == ["arn:aws:iam::123456789012:role/web-*"]
    assert passing[0]["Condition"] == {
        "StringEquals": {"iam:PassedToService": list(PASSED_TO_SERVICES)}
    }
    attach = by_sid["AttachOnlyListedManagedPolicies"]
    assert attach["Condition"] == {
        "ArnEquals": {
            "iam:PolicyARN": list(DEFAULT_ATTACHABLE_POLICIES),
            "iam:PermissionsBoundary": (
                "arn:aws:iam::123456789012:policy/pulumi-deploy-ecs-blue-green-dev-boundary"
            ),
        }
    }


def test_vpc_writes_only_when_the_stack_may_manage_its_vpc() -> None:
    def vpc_actions(scope: Scope) -> set[str]:
        return {a for s in _statements(scope) for a in s["Action"] if "Vpc" in a or "Nat" in a}

    assert "ec2:CreateVpc" in vpc_actions(_scope(vpc=True))
    assert vpc_actions(_scope(vpc=False)) == set()


def test_the_ci_image_repository_is_readable_only_when_the_deployment_waits_for_it() -> None:
    sids = {s["Sid"] for s in _statements(_scope(images=None))}

    assert "WaitForTheCiImage" not in sids
    assert IMAGES not in json.dumps(deploy_policies(_scope(images=None)))


def test_image_push_policy_reaches_one_repository() -> None:
    statements = image_push_policy(IMAGES)["Statement"]

    assert [s["Resource"] for s in statements] == [["*"], [IMAGES]]
    assert statements[0]["Action"] == ["ecr:GetAuthorizationToken"]
    assert "ecr:PutImage" in statements[1]["Action"]
    assert not any(a.startswith("ecr:Delete") for a in statements[1]["Action"])


def test_the_deploy_role_manages_the_release_events_topic() -> None:
    [statement] = [
        s for s in _statements(_scope()) if s["Sid"] == "ReleaseEventsTopicNamedWithThePrefix"
    ]
    assert "sns:CreateTopic" in statement["Action"]
    assert statement["Resource"] == ["arn:aws:sns:eu-west-1:123456789012:web-*"]
