"""parliament (PyPI) over every IAM permission document the project generates (trust policies,
which have no Resource, are outside what it checks); each finding is fixed or justified here.

Justified findings are matched by document, issue and action, so a new finding (a typo in an
action, a condition key the action does not take, a resource the action cannot use) fails.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.access_logs import bucket_policy_document
from components.flow_logs import delivery_policy_document
from components.log_encryption import key_policy_document
from components.test_traffic_gate import gate_policy_document
from platform_stack.permissions import boundary_policy, deploy_policies, runtime_policies
from tests.platform.test_deploy_role_evaluation import ACCOUNT, DEV, ORDERS, REGION, RUNTIME

LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/web-test-gate-gate-abc"


def _documents() -> dict[str, dict[str, Any]]:
    documents = dict(deploy_policies(DEV)) | {"boundary": boundary_policy(DEV)}
    attached = deploy_policies(ORDERS)
    documents |= {"attach": attached["attach"], "attached-isolation": attached["isolation"]}
    documents |= {f"runtime-{name}": doc for name, doc in runtime_policies(RUNTIME).items()}
    component = {
        "gate": gate_policy_document(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:web-probe", LOGS),
        "flow-logs": delivery_policy_document(LOGS),
        "access-log-bucket": bucket_policy_document(
            "arn:aws:s3:::web-dev-alb-logs-1", REGION, ACCOUNT
        ),
        "log-key": key_policy_document(REGION, ACCOUNT),
    }
    return documents | {name: json.loads(text) for name, text in component.items()}


#: Statements granting a whole service (`ecs:*`) on the stack's named resources: parliament lists
#: every action of the service whose resource type differs; those can never match the ARNs, so
#: they grant nothing.
SERVICE_WILDCARDS = "service wildcard on named resources"
REASONS: dict[tuple[str, str], str] = {
    ("compute", "RESOURCE_MISMATCH"): SERVICE_WILDCARDS,
    ("network", "RESOURCE_MISMATCH"): SERVICE_WILDCARDS,
    ("release", "RESOURCE_MISMATCH"): SERVICE_WILDCARDS,
    ("audit", "RESOURCE_MISMATCH"): SERVICE_WILDCARDS,
    ("attach", "RESOURCE_MISMATCH"): SERVICE_WILDCARDS,
    # Scalable targets and policies have generated IDs; region-limited, and the isolation
    # policy denies acting on another stack's tagged targets.
    ("compute", "RESOURCE_STAR"): "Application Auto Scaling IDs are generated",
    # Describe/List calls accept no resource; region-limited.
    ("read", "RESOURCE_STAR"): "account-wide reads",
    ("boundary", "RESOURCE_STAR"): "a boundary caps actions; the roles' own policies scope them",
    # In a key policy "*" means this key.
    ("log-key", "RESOURCE_STAR"): "key policy",
    # AWS's documented key policy for CloudWatch Logs uses ArnLike on the encryption context
    # and puts kms:Describe* under it (docs: encrypt-log-data-kms.html).
    ("log-key", "MISMATCHED_TYPE"): "AWS's documented form",
    ("log-key", "UNKNOWN_CONDITION_FOR_ACTION"): "AWS's documented form",
    # KMS requires kms:TagResource on all keys to tag a key in CreateKey; the request tags must
    # be this stack's.
    ("audit", "RESOURCE_STAR"): "tagging at CreateKey",
    # parliament 1.6.4 carries two "Elastic Load Balancing V2" entries; the older one lacks the
    # elasticloadbalancing:CreateAction key of AddTags, which the newer lists (tag on create).
    ("attach", "UNKNOWN_CONDITION_FOR_ACTION"): "ELBv2 AddTags CreateAction (newer entry)",
}
#: Non-wildcard statements parliament's (older) service data disagrees with, by action.
ACTION_REASONS: dict[tuple[str, str], str] = {
    # AWS's current service reference (iam-data in tests/platform/iam_simulate) lists the
    # security-group-rule resource for these actions; parliament 1.6.4's data predates it.
    ("network", "ec2:ModifySecurityGroupRules"): "newer resource type",
    ("network", "ec2:AuthorizeSecurityGroupIngress"): "newer resource type",
    ("network", "ec2:AuthorizeSecurityGroupEgress"): "newer resource type",
    # Detach also authorises the instance side; the probe's Lambda interfaces are the only
    # target, and granting instance/* would reach every instance in the region.
    ("network", "ec2:DetachNetworkInterface"): "deliberately interface-only",
    # CreateAlias/DeleteAlias/UpdateAlias authorise the alias and the key: one statement grants
    # each (the alias by name, the key by tag).
    ("audit", "kms:CreateAlias"): "two-resource action",
    ("audit", "kms:DeleteAlias"): "two-resource action",
    ("audit", "kms:UpdateAlias"): "two-resource action",
    # parliament reads the rule calls' "listener/app*, listener/net*" (either one, in AWS's
    # service reference) as both required; iam-simulate, on the current reference, matches the
    # ALB forms (tests/platform/test_deploy_role_evaluation.py, ATTACHED).
    ("attach", "elasticloadbalancing:CreateRule"): "ALB or NLB resource, not both",
    ("attach", "elasticloadbalancing:ModifyRule"): "ALB or NLB resource, not both",
    ("attach", "elasticloadbalancing:DeleteRule"): "ALB or NLB resource, not both",
}


def _wildcard_services(document: dict[str, Any]) -> set[str]:
    return {
        action.split(":")[0]
        for statement in document["Statement"]
        for action in statement["Action"]
        if isinstance(statement["Action"], list) and action.endswith(":*")
    }


def _unexplained(document_name: str, document: dict[str, Any]) -> list[str]:
    # The runtime role's policies and the attached stack's isolation are built by the same
    # functions as the application's: the same reasons hold.
    # Imported here: parliament's import (pkg_resources) costs every test worker a fifth of a
    # second at collection, and only this module's worker needs it.
    from parliament import analyze_policy_string  # noqa: PLC0415 (lazy on purpose)

    name = document_name.removeprefix("runtime-").removeprefix("attached-")
    policy = analyze_policy_string(json.dumps(document), include_community_auditors=False)
    problems = []
    for finding in policy.findings:
        if finding.issue == "RESOURCE_MISMATCH":
            actions = {item["action"] for item in finding.detail}
            wildcard = {a for a in actions if a.split(":")[0] in _wildcard_services(document)}
            named = {a for a in actions - wildcard if (name, a) not in ACTION_REASONS}
            if wildcard and (name, finding.issue) not in REASONS:
                problems.append(f"{finding.issue} {sorted(wildcard)}")
            if named:
                problems.append(f"{finding.issue} {sorted(named)}")
        elif (name, finding.issue) not in REASONS:
            problems.append(f"{finding.issue} {finding.detail}")
    return problems


@pytest.mark.parametrize("name", sorted(_documents()))
def test_parliament_finds_nothing_unexplained(name: str) -> None:
    assert _unexplained(name, _documents()[name]) == []


def test_a_resource_the_action_cannot_take_is_caught() -> None:
    # The gate's hook-status permission once named the deployment group, which the action
    # does not take: IAM would never have matched it.
    document = json.loads(gate_policy_document("arn:aws:lambda:eu-west-1:1:function:p", LOGS))
    document["Statement"][0]["Resource"] = (
        f"arn:aws:codedeploy:{REGION}:{ACCOUNT}:deploymentgroup:web-app/web-group"
    )
    assert _unexplained("gate", document) != []
