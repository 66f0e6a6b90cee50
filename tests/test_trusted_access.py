"""TrustedAccountAccess built from Python, under the mocks harness."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from conftest import TRUSTED_ACCOUNT, RecordingMocks, Run, pulumi_run

from cross_account import InvalidInputError, TrustedAccountAccess, TrustedAccountAccessArgs

POLICY = "aws:iam/policy:Policy"
USER_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
ROLE_A = "arn:aws:iam::111111111111:role/reader"
ROLE_B = "arn:aws:iam::333333333333:role/team/writer"


def build(args: TrustedAccountAccessArgs, **kwargs: Any) -> Run:
    def body() -> dict[str, Any]:
        access = TrustedAccountAccess("acme", args)
        return {
            "policy_arn": access.policy_arn,
            "policy_arns": access.policy_arns,
            "role_arns": access.role_arns,
            "switch_role_urls": access.switch_role_urls,
            "aws_cli_config": access.aws_cli_config,
        }

    return pulumi_run(body, mocks=kwargs.pop("mocks", RecordingMocks(account_id=TRUSTED_ACCOUNT)), **kwargs)


def test_the_policy_allows_only_assume_role_on_the_given_arn_and_is_attached_to_each_user_and_group() -> None:
    run = build(
        {
            "role_arns": [ROLE_A],
            "user_names": ["alice", "bob"],
            "group_names": ["readers"],
            "policy_name": "my-policy",
        }
    )
    policy = run.one(POLICY)
    assert policy.name == "acme-policy"
    assert policy.inputs["name"] == "my-policy"
    assert policy.inputs["path"] == "/"
    assert json.loads(policy.inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeCrossAccountRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": ROLE_A,
            }
        ],
    }
    policy_arn = "arn:aws:iam::222222222222:policy/my-policy"
    assert {r.name: r.inputs for r in run.of_type(USER_ATTACHMENT)} == {
        "acme-user-alice": {"user": "alice", "policyArn": policy_arn},
        "acme-user-bob": {"user": "bob", "policyArn": policy_arn},
    }
    assert {r.name: r.inputs for r in run.of_type(GROUP_ATTACHMENT)} == {
        "acme-group-readers": {"group": "readers", "policyArn": policy_arn},
    }
    assert run.outputs["policy_arn"] == policy_arn
    assert run.outputs["policy_arns"] == [policy_arn]
    assert run.outputs["role_arns"] == [ROLE_A]
    assert run.outputs["switch_role_urls"] == [
        "https://signin.aws.amazon.com/switchrole?account=111111111111&roleName=reader"
        "&displayName=reader%40111111111111"
    ]
    assert run.outputs["aws_cli_config"] == (
        f"[profile reader-111111111111]\nrole_arn = {ROLE_A}\nsource_profile = default\n"
    )
    assert run.of_type("aws:iam/policyAttachment:PolicyAttachment") == [], "never the exclusive attachment"


def test_several_roles_share_one_policy_and_get_one_link_and_profile_each() -> None:
    run = build({"role_arns": [ROLE_B, ROLE_A], "group_names": ["ops"], "source_profile": "identity"})
    assert json.loads(run.one(POLICY).inputs["policy"])["Statement"][0]["Resource"] == [ROLE_A, ROLE_B]
    assert run.outputs["role_arns"] == [ROLE_B, ROLE_A]
    assert run.outputs["switch_role_urls"][0] == (
        "https://signin.aws.amazon.com/switchrole?account=333333333333&roleName=team/writer"
        "&displayName=writer%40333333333333"
    )
    assert run.outputs["aws_cli_config"] == (
        f"[profile reader-111111111111]\nrole_arn = {ROLE_A}\nsource_profile = identity\n\n"
        f"[profile writer-333333333333]\nrole_arn = {ROLE_B}\nsource_profile = identity\n"
    )


def test_require_mfa_adds_the_condition_and_an_mfa_serial_of_the_trusted_account() -> None:
    run = build({"role_arns": [ROLE_A], "user_names": ["alice"], "require_mfa": True})
    statement = json.loads(run.one(POLICY).inputs["policy"])["Statement"][0]
    assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert (
        "mfa_serial = arn:aws:iam::222222222222:mfa/<your-mfa-device-name>\n" in run.outputs["aws_cli_config"]
    )
    assert "aws:index/getCallerIdentity:getCallerIdentity" in run.invokes


def test_roles_requiring_external_id_and_mfa_get_placeholders_without_the_identity_side_condition() -> None:
    run = build(
        {
            "role_arns": [ROLE_A],
            "user_names": ["alice"],
            "role_requires_external_id": pulumi.Output.from_input(True),
            "role_requires_mfa": pulumi.Output.from_input(True),
        }
    )
    assert "Condition" not in json.loads(run.one(POLICY).inputs["policy"])["Statement"][0]
    assert run.outputs["aws_cli_config"] == (
        f"[profile reader-111111111111]\nrole_arn = {ROLE_A}\nsource_profile = default\n"
        "mfa_serial = arn:aws:iam::222222222222:mfa/<your-mfa-device-name>\n"
        "external_id = <external-id-from-the-trusting-account>\n"
    )


def test_role_arns_from_outputs_are_registered_once_they_resolve() -> None:
    run = build({"role_arns": [pulumi.Output.from_input(ROLE_A), ROLE_B], "user_names": ["alice"]})
    assert json.loads(run.one(POLICY).inputs["policy"])["Statement"][0]["Resource"] == [ROLE_A, ROLE_B]
    component = run.one("cross-account:index:TrustedAccountAccess")
    assert {r.parent for r in run.aws_resources} == {component.urn}


def test_a_wildcard_role_arn_from_an_output_registers_no_aws_resource() -> None:
    run = pulumi_run(
        lambda: {
            "p": TrustedAccountAccess(
                "acme", {"role_arns": [pulumi.Output.from_input("*")], "user_names": ["alice"]}
            ).policy_arns
        },
        expect_error=True,
    )
    assert "role_arns: '*' contains a wildcard: a role must be named exactly" in str(run.error)
    assert run.aws_resources == []


def test_reordering_users_groups_and_roles_changes_no_urn_and_no_document() -> None:
    first = build({"role_arns": [ROLE_A, ROLE_B], "user_names": ["a", "b"], "group_names": ["x", "y"]})
    second = build({"role_arns": [ROLE_B, ROLE_A], "user_names": ["b", "a"], "group_names": ["y", "x"]})
    assert sorted(r.urn for r in first.registrations) == sorted(r.urn for r in second.registrations)
    assert first.one(POLICY).inputs == second.one(POLICY).inputs


def test_no_principal_at_all_is_refused_before_anything_is_registered() -> None:
    run = pulumi_run(
        lambda: {"p": TrustedAccountAccess("acme", {"role_arns": [ROLE_A]}).policy_arns},
        expect_error=True,
    )
    assert isinstance(run.error, InvalidInputError)
    assert str(run.error) == (
        "user_names/group_names/role_names/new_group_name: [] name no principal: attach the policies to at "
        "least one user, group or role, or to a group made here (new_group_name)"
    )
    assert run.registrations == []
