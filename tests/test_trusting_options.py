"""The trusting role for today's callers: session tags, source identity, session names, several external
ids, an end date, extra conditions, Identity Center permission sets, force-detach; exact documents.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import TRUSTING_ACCOUNT, RecordingMocks, pulumi_run, run_main

from cross_account import TrustingAccountRole
from cross_account.documents import permission_set_patterns, policy_size, trust_policy

ROLE = "aws:iam/role:Role"
ACCOUNTS = {"trustedAccountIds": ["444455556666"]}
ROOT = "arn:aws:iam::444455556666:root"
LATER = "2099-12-31T23:59:59Z"


def statement(**extra: Any) -> dict[str, Any]:
    return {
        "Sid": "TrustedAccountsMayAssume",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": "sts:AssumeRole",
        **extra,
    }


def trust_of(config: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    run = run_main(stack="trusting", config={**ACCOUNTS, **config}, **kwargs)
    document: dict[str, Any] = json.loads(run.one(ROLE).inputs["assumeRolePolicy"])
    return document


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"allowSessionTags": True}, statement(Action=["sts:AssumeRole", "sts:TagSession"])),
        ({"sourceIdentity": "allowed"}, statement(Action=["sts:AssumeRole", "sts:SetSourceIdentity"])),
        (
            {"sourceIdentity": "required"},
            statement(
                Action=["sts:AssumeRole", "sts:SetSourceIdentity"],
                Condition={"Null": {"sts:SourceIdentity": "false"}},
            ),
        ),
        (
            {"sourceIdentity": "username"},
            statement(
                Action=["sts:AssumeRole", "sts:SetSourceIdentity"],
                Condition={"StringLike": {"sts:SourceIdentity": "${aws:username}"}},
            ),
        ),
        (
            {"sessionNameIsUsername": True},
            statement(Condition={"StringLike": {"sts:RoleSessionName": "${aws:username}"}}),
        ),
        (
            {"externalIds": ["partner-new", "partner-old"]},
            statement(Condition={"StringEquals": {"sts:ExternalId": ["partner-new", "partner-old"]}}),
        ),
        ({"expiresAt": LATER}, statement(Condition={"DateLessThan": {"aws:CurrentTime": LATER}})),
        (
            {"extraTrustConditions": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}},
            statement(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        ),
        (
            {"trustedPermissionSets": ["Auditor"]},
            statement(
                Condition={
                    "ArnLike": {
                        "aws:PrincipalArn": [
                            "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Auditor_*",
                            "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Auditor_*",
                        ]
                    }
                }
            ),
        ),
    ],
    ids=[
        "session-tags", "source-identity-allowed", "source-identity-required", "source-identity-username",
        "session-name", "external-ids", "expires-at", "extra-conditions", "permission-sets",
    ],
)  # fmt: skip
def test_each_option_reaches_the_trust_policy_exactly(
    config: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert trust_of(config) == {"Version": "2012-10-17", "Statement": [expected]}


def test_every_option_together_makes_one_document_with_every_condition_on_each_statement() -> None:
    document = trust_policy(
        "aws",
        ["444455556666", "444466667777"],
        require_mfa=True,
        external_id=["b-id", "a-id"],
        organization_id="o-abcdefghij",
        trusted_principal_arns=["arn:aws:iam::444455556666:role/ci"],
        allow_session_tags=True,
        source_identity="username",
        session_name_is_username=True,
        expires_at=LATER,
        extra_conditions={
            "IpAddress": {"aws:SourceIp": ("203.0.113.0/24",)},
            "StringEquals": {"aws:PrincipalTag/team": "ops"},
        },
    )
    conditions = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "StringEquals": {
            "sts:ExternalId": ["a-id", "b-id"],
            "aws:PrincipalOrgID": "o-abcdefghij",
            "aws:PrincipalTag/team": "ops",
        },
        "StringLike": {"sts:RoleSessionName": "${aws:username}", "sts:SourceIdentity": "${aws:username}"},
        "DateLessThan": {"aws:CurrentTime": LATER},
        "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
    }
    action = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    assert document["Statement"] == [
        {
            "Sid": "TrustedAccountsMayAssume",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444466667777:root"},
            "Action": action,
            "Condition": conditions,
        },
        {
            "Sid": "TrustedPrincipalsMayAssume",
            "Effect": "Allow",
            "Principal": {"AWS": ROOT},
            "Action": action,
            "Condition": {**conditions, "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/ci"}},
        },
    ]


def test_permission_sets_narrow_every_trusted_account_and_count_in_the_size() -> None:
    patterns = permission_set_patterns("aws-us-gov", ["444466667777", "444455556666"], "Ops")
    assert patterns == [
        "arn:aws-us-gov:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Ops_*",
        "arn:aws-us-gov:iam::444455556666:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Ops_*",
        "arn:aws-us-gov:iam::444466667777:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Ops_*",
        "arn:aws-us-gov:iam::444466667777:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Ops_*",
    ]
    document = trust_of(
        {"trustedAccountIds": ["444455556666", "444466667777"], "trustedPermissionSets": ["Ops"]}
    )
    assert len(document["Statement"]) == 1, "every trusted account is narrowed"
    accounts = [f"{200000000000 + i}" for i in range(11)]
    size = policy_size(
        trust_policy("aws", accounts, trusted_principal_arns=permission_set_patterns("aws", accounts, "Ops"))
    )
    assert size > 2048
    run = pulumi_run(
        lambda: {
            "arn": TrustingAccountRole(
                "r", {"trusted_account_ids": accounts, "trusted_permission_sets": ["Ops"]}
            ).role_arn
        },
        expect_error=True,
    )
    assert f"makes a trust policy of {size} characters, over the 2048-character quota" in str(run.error)


def test_the_role_is_created_with_force_detach_unless_told_otherwise() -> None:
    run = run_main(stack="trusting", config=ACCOUNTS)
    assert run.one(ROLE).inputs["forceDetachPolicies"] is True
    run = run_main(stack="trusting", config={**ACCOUNTS, "forceDetachPolicies": False})
    assert run.one(ROLE).inputs["forceDetachPolicies"] is False


def test_the_new_outputs_say_what_callers_must_do() -> None:
    run = run_main(
        stack="trusting",
        config={
            **ACCOUNTS,
            "rolePath": "/ops/",
            "sourceIdentity": "required",
            "sessionNameIsUsername": True,
            "expiresAt": LATER,
        },
    )
    assert run.outputs["rolePath"] == "/ops/"
    assert run.outputs["roleUniqueId"].startswith("AROA") and len(run.outputs["roleUniqueId"]) == 21
    assert run.outputs["expiresAt"] == LATER
    assert (run.outputs["sessionNameRequired"], run.outputs["sourceIdentityRequired"]) == (True, True)
    assert (run.outputs["sessionTagsAllowed"], run.outputs["sourceIdentityAllowed"]) == (False, True)
    run = run_main(
        stack="trusting", config={**ACCOUNTS, "sourceIdentity": "allowed", "allowSessionTags": True}
    )
    assert (run.outputs["expiresAt"], run.outputs["sourceIdentityRequired"]) == ("", False)
    assert (run.outputs["sessionTagsAllowed"], run.outputs["sourceIdentityAllowed"]) == (True, True)


def test_external_ids_stay_secret_and_the_plain_text_config_is_warned_about(warnings_: list[str]) -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, "externalIds": ["partner-1", "partner-2"]})
    role = run.one(ROLE)
    assert "assumeRolePolicy" in role.secret_inputs
    assert role.additional_secret_outputs == ("assumeRolePolicy",)
    assert run.outputs["externalIdRequired"] is True
    assert (
        "externalIds is stored in plain text in the stack's config file: set it with `pulumi config set "
        "--secret --path cross-account-access:externalIds[0] <id>`" in warnings_
    )
    warnings_.clear()
    run_main(
        stack="trusting", config={**ACCOUNTS, "externalIds": ["partner-1"]}, secret_keys=("externalIds",)
    )
    assert not any("plain text" in w for w in warnings_)


@pytest.mark.parametrize("mode", ["required", "username"])
def test_a_required_source_identity_warns_that_the_console_and_profiles_cannot_set_one(
    warnings_: list[str], mode: str
) -> None:
    run_main(stack="trusting", config={**ACCOUNTS, "sourceIdentity": mode})
    assert warnings_ == [
        f"sourceIdentity: {mode!r}: the console's switch-role page and AWS CLI profiles cannot set a source "
        "identity, so callers must assume the role through STS (cross-account-verify --source-identity, or an SDK)"
    ]


def test_an_end_within_seven_days_warns_and_a_later_one_does_not(warnings_: list[str]) -> None:
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    run_main(stack="trusting", config={**ACCOUNTS, "expiresAt": soon})
    assert warnings_ == [
        f"expiresAt: {soon!r} is less than 7 days away: the access ends then (aws:CurrentTime); move it "
        "later if that is not meant"
    ]
    warnings_.clear()
    run_main(stack="trusting", config={**ACCOUNTS, "expiresAt": LATER})
    assert warnings_ == []


def test_extra_conditions_with_lists_and_set_operators_keep_their_shape() -> None:
    document = trust_of(
        {
            "extraTrustConditions": {
                "ForAnyValue:StringLike": {
                    "aws:PrincipalOrgPaths": ["o-abcdefghij/r-ab12/ou-ab12-11111111/*", "o-x*"]
                },
                "BoolIfExists": {"aws:ViaAWSService": "false"},
            }
        }
    )
    assert document["Statement"][0]["Condition"] == {
        "BoolIfExists": {"aws:ViaAWSService": "false"},
        "ForAnyValue:StringLike": {
            "aws:PrincipalOrgPaths": ["o-abcdefghij/r-ab12/ou-ab12-11111111/*", "o-x*"]
        },
    }


def test_existing_configs_build_the_same_document_as_before() -> None:
    """None of the new keys set: the trust policy is byte for byte what it was."""
    assert trust_of({"requireMfa": True, "organizationId": "o-abcdefghij"}) == {
        "Version": "2012-10-17",
        "Statement": [
            statement(
                Condition={
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"},
                }
            )
        ],
    }


def test_the_component_takes_the_options_from_python(warnings_: list[str]) -> None:
    def body() -> dict[str, Any]:
        role = TrustingAccountRole(
            "acme",
            {
                "trusted_account_ids": ["444455556666"],
                "allow_session_tags": True,
                "source_identity": "allowed",
                "expires_at": LATER,
                "external_ids": ["a-1", "b-2"],
            },
        )
        return {"expires": role.expires_at, "arn": role.role_arn, "session": role.session_name_required}

    run = pulumi_run(body, mocks=RecordingMocks())
    assert run.outputs == {
        "expires": LATER,
        "arn": f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/cross-account-role",
        "session": False,
    }
    statement_ = json.loads(run.one(ROLE).inputs["assumeRolePolicy"])["Statement"][0]
    assert statement_["Action"] == ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    assert statement_["Condition"] == {
        "StringEquals": {"sts:ExternalId": ["a-1", "b-2"]},
        "DateLessThan": {"aws:CurrentTime": LATER},
    }
