"""Least privilege for the deployers: the policies `python -m program.deployer` generates, exactly,
linted by parliament and validated by moto, and the copies docs/ci.md shows. What moto enforces of
them when it deploys: tests/test_deployer_emulator.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from conftest import ROOT
from moto import mock_aws
from test_policy_documents_lint import COMMUNITY_CONFIG, parliament

from cross_account.validation import InvalidInputError
from program.deployer import (
    for_settings,
    main,
    preview_policy,
    stack_config,
    trusted_deployer_policy,
    trusting_deployer_policy,
)
from program.settings import load, read_config, rollout_settings, trusting_settings

TRUSTING = "111122223333"
TRUSTED = "444455556666"
ROLE = f"arn:aws:iam::{TRUSTING}:role/my-s3-x-account-role"
ROLE_ACTIONS = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
]
TRUSTING_EXAMPLE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ManageTheRole", "Effect": "Allow", "Action": ROLE_ACTIONS, "Resource": ROLE},
        {
            "Sid": "AttachOnlyTheListedPolicies",
            "Effect": "Allow",
            "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            "Resource": ROLE,
            "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}},
        },
    ],
}
POLICY = f"arn:aws:iam::{TRUSTED}:policy/my-s3-x-account-policy"
POLICY_ACTIONS = [
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyTags",
    "iam:ListPolicyVersions",
    "iam:TagPolicy",
    "iam:UntagPolicy",
]
TRUSTED_EXAMPLE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ManageTheAssumeRolePolicies",
            "Effect": "Allow",
            "Action": POLICY_ACTIONS,
            "Resource": [POLICY, f"{POLICY}-*"],
        },
        {
            "Sid": "AttachThePoliciesToUsers",
            "Effect": "Allow",
            "Action": ["iam:AttachUserPolicy", "iam:DetachUserPolicy"],
            "Resource": [f"arn:aws:iam::{TRUSTED}:user/alice", f"arn:aws:iam::{TRUSTED}:user/*/alice"],
            "Condition": {"ArnLike": {"iam:PolicyARN": [POLICY, f"{POLICY}-*"]}},
        },
        {
            "Sid": "ReadUserAttachments",
            "Effect": "Allow",
            "Action": "iam:ListAttachedUserPolicies",
            "Resource": [f"arn:aws:iam::{TRUSTED}:user/alice", f"arn:aws:iam::{TRUSTED}:user/*/alice"],
        },
        {
            "Sid": "AttachThePoliciesToGroups",
            "Effect": "Allow",
            "Action": ["iam:AttachGroupPolicy", "iam:DetachGroupPolicy"],
            "Resource": [
                f"arn:aws:iam::{TRUSTED}:group/s3-readers",
                f"arn:aws:iam::{TRUSTED}:group/*/s3-readers",
            ],
            "Condition": {"ArnLike": {"iam:PolicyARN": [POLICY, f"{POLICY}-*"]}},
        },
        {
            "Sid": "ReadGroupAttachments",
            "Effect": "Allow",
            "Action": "iam:ListAttachedGroupPolicies",
            "Resource": [
                f"arn:aws:iam::{TRUSTED}:group/s3-readers",
                f"arn:aws:iam::{TRUSTED}:group/*/s3-readers",
            ],
        },
    ],
}


def example(stack: str, account: str, partition: str = "aws") -> dict[str, Any]:
    return for_settings(load(stack_config(stack), stack), partition, account)


def test_the_trusting_example_gets_its_role_and_attaches_only_its_policy() -> None:
    assert example("trusting", TRUSTING) == TRUSTING_EXAMPLE


def test_the_trusted_example_gets_its_policy_and_attaches_it_only_to_its_user_and_group() -> None:
    assert example("trusted", TRUSTED) == TRUSTED_EXAMPLE


def test_a_partition_reaches_every_arn() -> None:
    text = json.dumps(example("trusting", TRUSTING, "aws-us-gov"))
    assert "arn:aws:" not in text and text.count("arn:aws-us-gov:") == 3


def test_a_rollout_also_assumes_the_deployment_role_in_each_other_account() -> None:
    values = read_config(stack_config("trusting"))
    values |= {"targetAccountIds": [TRUSTING, "444466667777", "444477778888"], "rolePath": "/x/"}
    rollout = rollout_settings(values)
    assert rollout is not None
    document = trusting_deployer_policy(
        "aws", TRUSTING, "/x/", "my-s3-x-account-role", [], deployment_role_name=rollout.deployment_role_name,
        target_account_ids=rollout.target_account_ids,
    )  # fmt: skip
    assert document["Statement"] == [
        {
            "Sid": "ManageTheRole",
            "Effect": "Allow",
            "Action": ROLE_ACTIONS,
            "Resource": f"arn:aws:iam::{TRUSTING}:role/x/my-s3-x-account-role",
        },
        {
            "Sid": "AssumeTheDeploymentRole",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": [
                "arn:aws:iam::444466667777:role/OrganizationAccountAccessRole",
                "arn:aws:iam::444477778888:role/OrganizationAccountAccessRole",
            ],
        },
    ]


def test_a_rollout_to_units_lists_their_accounts_and_assumes_the_role_in_any_account() -> None:
    values = read_config(stack_config("trusting"))
    values |= {
        "targetOrganizationalUnitIds": ["ou-ab12-cdefgh34"],
        "deploymentRoleName": "Deployer",
        "rolloutMode": "providers",
    }
    settings = trusting_settings(values)
    assert example_of(settings)["Statement"][2:] == [
        {
            "Sid": "AssumeTheDeploymentRole",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": "arn:aws:iam::*:role/Deployer",
        },
        {
            "Sid": "ListTheUnitsAccounts",
            "Effect": "Allow",
            "Action": [
                "organizations:ListAccountsForParent",
                "organizations:ListOrganizationalUnitsForParent",
            ],
            "Resource": "*",
        },
    ]


def example_of(settings: Any) -> dict[str, Any]:
    return for_settings(settings, "aws", TRUSTING)


def test_a_permissions_boundary_is_the_only_one_the_role_can_be_created_or_bounded_with() -> None:
    boundary = f"arn:aws:iam::{TRUSTING}:policy/boundary"
    document = trusting_deployer_policy("aws", TRUSTING, "/", "r", [], permissions_boundary_arn=boundary)
    role = f"arn:aws:iam::{TRUSTING}:role/r"
    assert document["Statement"] == [
        {
            "Sid": "ManageTheRole",
            "Effect": "Allow",
            "Action": [a for a in ROLE_ACTIONS if a != "iam:CreateRole"],
            "Resource": role,
        },
        {
            "Sid": "CreateTheRoleWithItsBoundary",
            "Effect": "Allow",
            "Action": ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
            "Resource": role,
            "Condition": {"ArnEquals": {"iam:PermissionsBoundary": boundary}},
        },
    ]


def test_the_trusted_side_with_roles_and_a_new_group_of_members() -> None:
    document = trusted_deployer_policy(
        "aws", TRUSTED, "/teams/", "release", role_names=["ci-deployer"], new_group_name="release-team",
        new_group_path="/teams/", new_group_members=["dave"],
    )  # fmt: skip
    policies = [
        f"arn:aws:iam::{TRUSTED}:policy/teams/release",
        f"arn:aws:iam::{TRUSTED}:policy/teams/release-*",
    ]
    group = f"arn:aws:iam::{TRUSTED}:group/teams/release-team"
    roles = [f"arn:aws:iam::{TRUSTED}:role/ci-deployer", f"arn:aws:iam::{TRUSTED}:role/*/ci-deployer"]
    assert document["Statement"][1:] == [
        {
            "Sid": "AttachThePoliciesToGroups",
            "Effect": "Allow",
            "Action": ["iam:AttachGroupPolicy", "iam:DetachGroupPolicy"],
            "Resource": group,
            "Condition": {"ArnLike": {"iam:PolicyARN": policies}},
        },
        {
            "Sid": "ReadGroupAttachments",
            "Effect": "Allow",
            "Action": "iam:ListAttachedGroupPolicies",
            "Resource": group,
        },
        {
            "Sid": "AttachThePoliciesToRoles",
            "Effect": "Allow",
            "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            "Resource": roles,
            "Condition": {"ArnLike": {"iam:PolicyARN": policies}},
        },
        {
            "Sid": "ReadRoleAttachments",
            "Effect": "Allow",
            "Action": "iam:ListAttachedRolePolicies",
            "Resource": roles,
        },
        {
            "Sid": "ManageTheNewGroup",
            "Effect": "Allow",
            "Action": [
                "iam:AddUserToGroup",
                "iam:CreateGroup",
                "iam:DeleteGroup",
                "iam:GetGroup",
                "iam:RemoveUserFromGroup",
                "iam:UpdateGroup",
            ],
            "Resource": group,
        },
        {
            "Sid": "ReadTheMembersGroups",
            "Effect": "Allow",
            "Action": "iam:ListGroupsForUser",
            "Resource": [f"arn:aws:iam::{TRUSTED}:user/dave", f"arn:aws:iam::{TRUSTED}:user/*/dave"],
        },
    ]


def test_a_preview_policy_keeps_only_the_reads_on_the_same_resources() -> None:
    document = trusting_deployer_policy(
        "aws", TRUSTING, "/", "r", ["arn:aws:iam::aws:policy/ReadOnlyAccess"], deployment_role_name="Deployer",
        organizational_unit_ids=["ou-ab12-cdefgh34"],
    )  # fmt: skip
    assert preview_policy(document) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ManageTheRole",
                "Effect": "Allow",
                "Action": [
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                    "iam:ListRolePolicies",
                    "iam:ListRoleTags",
                ],
                "Resource": f"arn:aws:iam::{TRUSTING}:role/r",
            },
            {
                "Sid": "AssumeTheDeploymentRole",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": "arn:aws:iam::*:role/Deployer",
            },
            {
                "Sid": "ListTheUnitsAccounts",
                "Effect": "Allow",
                "Action": [
                    "organizations:ListAccountsForParent",
                    "organizations:ListOrganizationalUnitsForParent",
                ],
                "Resource": "*",
            },
        ],
    }


def every_document() -> dict[str, dict[str, Any]]:
    boundary = f"arn:aws:iam::{TRUSTING}:policy/boundary"
    full = trusting_deployer_policy(
        "aws", TRUSTING, "/x/", "r", ["arn:aws:iam::aws:policy/ReadOnlyAccess", f"arn:aws:iam::{TRUSTING}:policy/p"],
        permissions_boundary_arn=boundary, deployment_role_name="Deployer", organizational_unit_ids=["ou-ab12-cdefgh34"],
    )  # fmt: skip
    trusted = trusted_deployer_policy(
        "aws", TRUSTED, "/", "p", user_names=["a"], group_names=["g"], role_names=["ci"], new_group_name="n",
        new_group_members=["m"],
    )  # fmt: skip
    documents = {
        "trusting example": example("trusting", TRUSTING),
        "trusted example": example("trusted", TRUSTED),
        "trusting full": full,
        "trusted full": trusted,
    }
    documents |= {f"{label} preview": preview_policy(d) for label, d in list(documents.items())}
    return documents


DEPLOYER_FINDINGS = {
    "trusting example": {"PERMISSIONS_MANAGEMENT_ACTIONS"},
    "trusted example": {
        "PERMISSIONS_MANAGEMENT_ACTIONS",
        "PRIVILEGE_ESCALATION AttachGroupPolicy",
        "PRIVILEGE_ESCALATION AttachUserPolicy",
        "PRIVILEGE_ESCALATION CreateNewPolicyVersion",
    },
    "trusting full": {
        "CREDENTIALS_EXPOSURE",
        "PERMISSIONS_MANAGEMENT_ACTIONS",
        "PRIVILEGE_ESCALATION AttachRolePolicy",
        "PRIVILEGE_ESCALATION PutRolePolicy",
        "PRIVILEGE_ESCALATION UpdateRolePolicyToAssumeIt",
    },
    "trusted full": {
        "PERMISSIONS_MANAGEMENT_ACTIONS",
        "PRIVILEGE_ESCALATION AddUserToGroup",
        "PRIVILEGE_ESCALATION AttachGroupPolicy",
        "PRIVILEGE_ESCALATION AttachUserPolicy",
        "PRIVILEGE_ESCALATION CreateNewPolicyVersion",
    },
    "trusting example preview": set(),
    "trusted example preview": set(),
    "trusting full preview": {"CREDENTIALS_EXPOSURE"},
    "trusted full preview": set(),
}
"""What parliament (with its community auditors) reports, exactly, and nothing else: the findings a
deployer policy exists to have. PERMISSIONS_MANAGEMENT_ACTIONS and PRIVILEGE_ESCALATION are read from
the actions alone, whatever the resources and conditions (the escalations they name need a role,
policy, user or group the statements do not cover); CREDENTIALS_EXPOSURE is a rollout's
sts:AssumeRole of its deployment role. Grammar, resources matching actions, condition keys and
their types, and every other auditor report nothing."""


def parliament_findings(document: dict[str, Any]) -> set[str]:
    policy = parliament.analyze_policy_string(json.dumps(document), include_community_auditors=True)
    return {
        " ".join(part for part in (f.issue, str(f.location.get("type", ""))) if part)
        for f in map(parliament.enhance_finding, policy.findings)
    }


def test_every_deployer_policy_lints_clean_but_for_what_a_deployer_is_for() -> None:
    saved = json.loads(json.dumps(parliament.config))
    parliament.override_config(str(COMMUNITY_CONFIG))
    try:
        found = {label: parliament_findings(document) for label, document in every_document().items()}
    finally:
        parliament.config.clear()
        parliament.config.update(saved)
    assert found == DEPLOYER_FINDINGS


def test_moto_accepts_every_deployer_policy() -> None:
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        for index, document in enumerate(every_document().values()):
            iam.create_policy(PolicyName=f"deployer-{index}", PolicyDocument=json.dumps(document))


# The command and the docs ------------------------------------------------------------


def test_the_command_prints_the_policy_of_a_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trusting", "--account", TRUSTING]) == 0
    assert json.loads(capsys.readouterr().out) == TRUSTING_EXAMPLE
    assert main(["trusted", "--account", TRUSTED, "--preview"]) == 0
    assert json.loads(capsys.readouterr().out) == preview_policy(TRUSTED_EXAMPLE)


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["trusting", "--account", "1111"], "--account: '1111' is not a 12-digit AWS account id"),
        (
            ["trusting", "--account", "\uff11" * 12],
            f"--account: {chr(0xFF11) * 12!r} is not a 12-digit AWS account id",
        ),
        (
            ["trusting", "--account", TRUSTING, "--partition", "aws*"],
            "--partition: 'aws*' is not an AWS partition (aws, aws-us-gov, aws-cn, ...)",
        ),
    ],
)
def test_the_command_refuses_a_bad_account_or_partition_in_one_line(
    argv: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == f"error: {error}\n"


def test_the_command_reports_a_bad_stack_config_as_the_program_does(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.trusting.yaml").write_text(
        "config:\n  cross-account-access:trustedAccountIds: ['444455556666']\n  cross-account-access:roleName: 'bad role'\n"
    )
    assert stack_config("trusting", tmp_path)["cross-account-access:roleName"] == "bad role"
    assert main(["trusting", "--account", TRUSTING], root=tmp_path) == 2
    assert capsys.readouterr().err == (
        "error: roleName: 'bad role' is not an IAM role name (1-64 characters of ASCII letters, digits and +=,.@_-)\n"
    )


def documented_policies() -> dict[str, Any]:
    """The JSON blocks of docs/ci.md that follow a `python -m program.deployer` command line."""
    text = (ROOT / "docs" / "ci.md").read_text()
    found = {}
    for command, block in re.findall(
        r"python -m program\.deployer ([^\n`]+)\n```\n\n```json\n(.*?)```", text, re.S
    ):
        found[command.strip()] = json.loads(block)
    return found


def test_the_ci_page_shows_the_policies_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    documented = documented_policies()
    assert sorted(documented) == [
        f"trusted --account {TRUSTED}",
        f"trusting --account {TRUSTING}",
        f"trusting --account {TRUSTING} --preview",
    ]
    for command, document in documented.items():
        assert main(command.split()) == 0
        assert json.loads(capsys.readouterr().out) == document, command


def test_the_ci_page_no_longer_says_a_preview_needs_only_iam_read_only_access() -> None:
    text = " ".join((ROOT / "docs" / "ci.md").read_text().split())
    assert "`IAMReadOnlyAccess` covers AWS" not in text
    assert "organizations:ListAccountsForParent" in text and "sts:AssumeRole" in text


def test_a_stackset_rollout_has_no_generated_deployer_policy_and_says_why() -> None:
    values = read_config(stack_config("trusting"))
    values |= {"targetOrganizationalUnitIds": ["ou-ab12-cdefgh34"], "rolloutMode": "stackset"}
    with pytest.raises(InvalidInputError) as caught:
        example_of(trusting_settings(values))
    assert str(caught.value) == (
        "rolloutMode: 'stackset' has no generated deployer policy: CloudFormation creates the roles in the "
        "member accounts through the StackSets service roles, so the deployer needs the StackSet permissions "
        "of docs/rollout.md (prerequisites), not the IAM ones this command scopes"
    )


def test_a_single_role_deployer_may_read_the_customer_managed_policies_it_attaches_and_no_other() -> None:
    """The program reads each one's default version for the audit baseline (aws:iam/getPolicy, which
    calls iam:GetPolicy and iam:GetPolicyVersion); AWS managed policies are not read."""
    team = f"arn:aws:iam::{TRUSTING}:policy/teams/read"
    document = trusting_deployer_policy(
        "aws", TRUSTING, "/", "r", ["arn:aws:iam::aws:policy/ReadOnlyAccess", team]
    )
    reads = [s for s in document["Statement"] if s["Sid"] == "ReadTheCustomerManagedPolicies"]
    assert reads == [
        {
            "Sid": "ReadTheCustomerManagedPolicies",
            "Effect": "Allow",
            "Action": ["iam:GetPolicy", "iam:GetPolicyVersion"],
            "Resource": team,
        }
    ]
    aws_only = trusting_deployer_policy("aws", TRUSTING, "/", "r", ["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    assert "ReadTheCustomerManagedPolicies" not in {s["Sid"] for s in aws_only["Statement"]}
