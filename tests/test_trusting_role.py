"""TrustingAccountRole built from Python, under the mocks harness."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from conftest import RecordingMocks, Run, pulumi_run

from cross_account import InvalidInputError, TrustingAccountRole, TrustingAccountRoleArgs

ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE = "aws:iam/rolePolicy:RolePolicy"


def build(args: TrustingAccountRoleArgs, **kwargs: Any) -> Run:
    def body() -> dict[str, Any]:
        role = TrustingAccountRole("acme", args)
        return {
            "role_arn": role.role_arn,
            "role_name": role.role_name,
            "switch_role_url": role.switch_role_url,
            "external_id_required": role.external_id_required,
            "mfa_required": role.mfa_required,
        }

    return pulumi_run(body, **kwargs)


def test_the_role_trusts_the_trusted_account_and_gets_s3_read_only_by_default() -> None:
    run = build({"trusted_account_ids": ["444455556666"], "role_name": "reader"})
    role = run.one(ROLE)
    assert role.name == "acme-role"
    assert role.inputs["name"] == "reader"
    assert role.inputs["path"] == "/"
    assert role.inputs["maxSessionDuration"] == 3600
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustedAccountsMayAssume",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    attachment = run.one(ATTACHMENT)
    assert attachment.name == "acme-AmazonS3ReadOnlyAccess"
    assert attachment.inputs == {
        "role": "reader",
        "policyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    }
    assert run.outputs == {
        "role_arn": "arn:aws:iam::111122223333:role/reader",
        "role_name": "reader",
        "switch_role_url": "https://signin.aws.amazon.com/switchrole?account=111122223333"
        "&roleName=reader&displayName=reader%40111122223333",
        "external_id_required": False,
        "mfa_required": False,
    }


def test_children_are_parented_to_the_component() -> None:
    run = build({"trusted_account_ids": ["444455556666"]})
    component = run.one("cross-account:index:TrustingAccountRole")
    assert {r.parent for r in run.aws_resources} == {component.urn}


def test_the_default_policy_and_principals_follow_the_partition() -> None:
    run = build({"trusted_account_ids": ["444455556666"]}, mocks=RecordingMocks(partition="aws-us-gov"))
    assert run.one(ATTACHMENT).inputs["policyArn"] == "arn:aws-us-gov:iam::aws:policy/AmazonS3ReadOnlyAccess"
    principal = json.loads(run.one(ROLE).inputs["assumeRolePolicy"])["Statement"][0]["Principal"]
    assert principal == {"AWS": "arn:aws-us-gov:iam::444455556666:root"}
    assert run.outputs["switch_role_url"].startswith("https://signin.amazonaws-us-gov.com/switchrole?")
    assert "aws:index/getPartition:getPartition" in run.invokes


def test_managed_policies_are_attached_one_each_named_after_the_policy() -> None:
    run = build(
        {
            "trusted_account_ids": ["444455556666"],
            "managed_policy_arns": [
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "job-function/ViewOnlyAccess",
                "arn:aws:iam::111122223333:policy/team/Extra",
            ],
        }
    )
    attachments = {r.name: r.inputs["policyArn"] for r in run.of_type(ATTACHMENT)}
    assert attachments == {
        "acme-ReadOnlyAccess": "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "acme-job-function-ViewOnlyAccess": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
        "acme-111122223333-team-Extra": "arn:aws:iam::111122223333:policy/team/Extra",
    }


def test_an_empty_managed_policy_list_attaches_nothing() -> None:
    assert (
        build({"trusted_account_ids": ["444455556666"], "managed_policy_arns": []}).of_type(ATTACHMENT) == []
    )


def test_inline_policies_are_role_policies_with_the_document_as_given() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
    }
    run = build({"trusted_account_ids": ["444455556666"], "inline_policies": {"read-b": document}})
    inline = run.one(INLINE)
    assert inline.name == "acme-inline-read-b"
    assert inline.inputs["name"] == "read-b"
    assert inline.inputs["role"] == "cross-account-role"
    assert json.loads(inline.inputs["policy"]) == document


def test_role_settings_reach_the_role() -> None:
    run = build(
        {
            "trusted_account_ids": ["444455556666"],
            "role_name": "r",
            "role_path": "/team/",
            "role_description": "d",
            "max_session_duration": 43200,
            "permissions_boundary_arn": "arn:aws:iam::111122223333:policy/Boundary",
            "tags": {"team": "platform"},
        }
    )
    inputs = run.one(ROLE).inputs
    assert {k: inputs[k] for k in ("name", "path", "description", "maxSessionDuration")} == {
        "name": "r",
        "path": "/team/",
        "description": "d",
        "maxSessionDuration": 43200,
    }
    assert inputs["permissionsBoundary"] == "arn:aws:iam::111122223333:policy/Boundary"
    assert inputs["tags"] == {"team": "platform"}
    assert run.outputs["role_arn"] == "arn:aws:iam::111122223333:role/team/r"
    assert "roleName=team/r&" in run.outputs["switch_role_url"]


def test_a_secret_external_id_keeps_the_trust_policy_secret() -> None:
    run = build({"trusted_account_ids": ["444455556666"], "external_id": pulumi.Output.secret("ext-1234")})
    role = run.one(ROLE)
    assert "assumeRolePolicy" in role.secret_inputs
    assert role.additional_secret_outputs == ("assumeRolePolicy",)
    condition = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]
    assert condition == {"StringEquals": {"sts:ExternalId": "ext-1234"}}
    assert run.outputs["external_id_required"] is True
    assert run.secret_outputs == frozenset(), "no output carries the external id"


def test_trusted_account_ids_may_be_outputs_and_are_checked_when_they_resolve() -> None:
    run = build({"trusted_account_ids": pulumi.Output.from_input(["444466667777", "444455556666"])})
    principal = json.loads(run.one(ROLE).inputs["assumeRolePolicy"])["Statement"][0]["Principal"]
    assert principal == {"AWS": ["arn:aws:iam::444455556666:root", "arn:aws:iam::444466667777:root"]}

    failed = pulumi_run(
        lambda: {
            "arn": TrustingAccountRole(
                "acme", {"trusted_account_ids": pulumi.Output.from_input(["*"])}
            ).role_arn
        },
        expect_error=True,
    )
    assert "trusted_account_ids: '*' contains a wildcard" in str(failed.error)
    assert failed.aws_resources == []


def test_reordering_accounts_and_policies_changes_no_urn_and_no_document() -> None:
    first = build(
        {
            "trusted_account_ids": ["444455556666", "444466667777"],
            "managed_policy_arns": ["ReadOnlyAccess", "AmazonS3ReadOnlyAccess"],
        }
    )
    second = build(
        {
            "trusted_account_ids": ["444466667777", "444455556666"],
            "managed_policy_arns": ["AmazonS3ReadOnlyAccess", "ReadOnlyAccess"],
        }
    )
    assert sorted(r.urn for r in first.registrations) == sorted(r.urn for r in second.registrations)
    assert first.one(ROLE).inputs == second.one(ROLE).inputs


def test_bad_args_fail_before_anything_is_registered() -> None:
    run = pulumi_run(
        lambda: {"arn": TrustingAccountRole("acme", {"trusted_account_ids": ["12345"]}).role_arn},
        expect_error=True,
    )
    assert isinstance(run.error, InvalidInputError)
    assert str(run.error) == "trusted_account_ids: '12345' is not a 12-digit AWS account id"
    assert run.registrations == []


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("rolename", "rolename: 'x' is not an input: did you mean role_name? (inputs are snake_case)"),
        ("colour", "colour: 'x' is not an input; known: ['allow_session_tags', 'callers', 'expires_at', "),
    ],
)
def test_unknown_args_are_refused(arg: str, message: str) -> None:
    run = pulumi_run(
        lambda: {
            "arn": TrustingAccountRole("acme", {"trusted_account_ids": ["444455556666"], arg: "x"}).role_arn
        },  # type: ignore[misc]
        expect_error=True,
    )
    assert str(run.error).startswith(message)
    assert run.registrations == []


@pytest.mark.parametrize("accounts", [[], ["444455556666", "444455556666"]])
def test_account_lists_must_be_non_empty_and_distinct(accounts: list[str]) -> None:
    run = pulumi_run(
        lambda: {"arn": TrustingAccountRole("acme", {"trusted_account_ids": accounts}).role_arn},
        expect_error=True,
    )
    assert isinstance(run.error, InvalidInputError)
    assert run.error.key == "trusted_account_ids"
