"""The real __main__.py, run per stack under mocks: example stack files, wiring, exports, errors."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from conftest import (
    TRUSTED_ACCOUNT,
    TRUSTING_ACCOUNT,
    RecordingMocks,
    Run,
    run_failing,
    run_main,
    stack_file_config,
    unique_id,
)

ROLE_ARN = "arn:aws:iam::111111111111:role/my-s3-x-account-role"
DEFAULT_REFERENCE = "organization/cross-account-access/trusting"


def trusting_outputs(**extra: Any) -> dict[str, Any]:
    return {"roleArn": ROLE_ARN, "externalIdRequired": False, "mfaRequired": False, **extra}


def run_trusted(config: dict[str, Any], outputs: dict[str, dict[str, Any]] | None = None) -> Run:
    mocks = RecordingMocks(
        account_id=TRUSTED_ACCOUNT, stack_outputs=outputs or {DEFAULT_REFERENCE: trusting_outputs()}
    )
    return run_main(stack="trusted", config=config, mocks=mocks)


def test_the_trusting_example_stack_builds_the_role_with_s3_read_only() -> None:
    run = run_main(stack="trusting", config=stack_file_config("trusting"))
    role = run.one("aws:iam/role:Role")
    assert role.inputs["name"] == "my-s3-x-account-role"
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustedAccountsMayAssume",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    attachment = run.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs == {
        "role": "my-s3-x-account-role",
        "policyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    }
    assert run.outputs == {
        "roleArn": ROLE_ARN,
        "roleName": "my-s3-x-account-role",
        "switchRoleUrl": "https://signin.aws.amazon.com/switchrole?account=111111111111"
        "&roleName=my-s3-x-account-role&displayName=my-s3-x-account-role%40111111111111",
        "externalIdRequired": False,
        "mfaRequired": False,
        "roleUniqueId": unique_id("AROA", ROLE_ARN),
        "rolePath": "/",
        "expiresAt": "",
        "sessionNameRequired": False,
        "sourceIdentityRequired": False,
    }
    assert [r.type for r in run.registrations] == [
        "cross-account:index:TrustingAccountRole",
        "aws:iam/role:Role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    ]
    assert set(run.invokes) == {
        "aws:index/getPartition:getPartition",
        "aws:index/getCallerIdentity:getCallerIdentity",  # does the role trust its own account?
    }


def test_the_trusted_example_stack_reads_the_role_arn_from_the_trusting_stack() -> None:
    trusting = run_main(stack="trusting", config=stack_file_config("trusting"))
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={DEFAULT_REFERENCE: trusting.outputs})
    run = run_main(stack="trusted", config=stack_file_config("trusted"), mocks=mocks)
    assert mocks.stack_references == [DEFAULT_REFERENCE]
    policy = run.one("aws:iam/policy:Policy")
    assert policy.inputs["name"] == "my-s3-x-account-policy"
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "AssumeCrossAccountRoles",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": ROLE_ARN,
        }
    ]
    policy_arn = "arn:aws:iam::222222222222:policy/my-s3-x-account-policy"
    assert run.one("aws:iam/userPolicyAttachment:UserPolicyAttachment").inputs == {
        "user": "alice",
        "policyArn": policy_arn,
    }
    assert run.one("aws:iam/groupPolicyAttachment:GroupPolicyAttachment").inputs == {
        "group": "s3-readers",
        "policyArn": policy_arn,
    }
    assert run.outputs == {
        "policyArn": policy_arn,
        "policyArns": [policy_arn],
        "roleArns": [ROLE_ARN],
        "switchRoleUrls": [trusting.outputs["switchRoleUrl"]],
        "awsCliConfig": (
            f"[profile my-s3-x-account-role-111111111111]\nrole_arn = {ROLE_ARN}\nsource_profile = default\n"
        ),
    }


def test_the_trusted_stack_reads_every_listed_stack_and_adds_explicit_role_arns() -> None:
    other = "arn:aws:iam::333333333333:role/other"
    explicit = "arn:aws:iam::444444444444:role/elsewhere"
    outputs = {
        "acme/cross-account-access/prod": trusting_outputs(),
        "acme/cross-account-access/dev": trusting_outputs(roleArn=other, externalIdRequired=True),
    }
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs=outputs)
    run = run_main(
        stack="identity",
        config={
            "side": "trusted",
            "trustingStacks": list(outputs),
            "roleArns": [explicit],
            "groupNames": ["ops"],
        },
        mocks=mocks,
    )
    assert sorted(mocks.stack_references) == sorted(outputs)
    assert run.outputs["roleArns"] == [ROLE_ARN, other, explicit]
    resources = json.loads(run.one("aws:iam/policy:Policy").inputs["policy"])["Statement"][0]["Resource"]
    assert resources == sorted([ROLE_ARN, other, explicit])
    assert run.outputs["awsCliConfig"].count("external_id = <external-id-from-the-trusting-account>") == 3


def test_role_arns_alone_need_no_stack_reference() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT)
    run = run_main(stack="trusted", config={"roleArns": [ROLE_ARN], "userNames": ["alice"]}, mocks=mocks)
    assert mocks.stack_references == []
    assert run.outputs["roleArns"] == [ROLE_ARN]


def test_a_secret_external_id_stays_secret_in_state_and_no_output_reveals_it() -> None:
    run = run_main(
        stack="trusting",
        config={"trustedAccountIds": ["222222222222"], "externalId": "s3cr3t-ext-id"},
        secret_keys=("externalId",),
    )
    role = run.one("aws:iam/role:Role")
    assert "assumeRolePolicy" in role.secret_inputs
    assert role.additional_secret_outputs == ("assumeRolePolicy",)
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": "s3cr3t-ext-id"}
    }
    assert "s3cr3t-ext-id" not in json.dumps(run.outputs)
    assert run.outputs["externalIdRequired"] is True


def test_trust_conditions_from_config_reach_the_trust_policy() -> None:
    run = run_main(
        stack="trusting",
        config={
            "trustedAccountIds": ["222222222222", "333333333333"],
            "requireMfa": True,
            "mfaMaxAgeSeconds": 3600,
            "organizationId": "o-abcdefghij",
            "trustedPrincipalArns": ["arn:aws:iam::222222222222:user/alice"],
        },
    )
    conditions = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"},
    }
    # The pattern narrows 222222222222 only: 333333333333, which no pattern names, is trusted whole.
    assert json.loads(run.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["Statement"] == [
        {
            "Sid": "TrustedAccountsMayAssume",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
            "Action": "sts:AssumeRole",
            "Condition": conditions,
        },
        {
            "Sid": "TrustedPrincipalsMayAssume",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "sts:AssumeRole",
            "Condition": {
                **conditions,
                "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:user/alice"},
            },
        },
    ]
    assert run.outputs["mfaRequired"] is True


def test_side_config_overrides_the_stack_name() -> None:
    run = run_main(stack="prod-role", config={"side": "trusting", "trustedAccountIds": ["222222222222"]})
    assert run.outputs["roleArn"] == f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/cross-account-role"


def test_a_stack_without_a_role_arn_output_is_named_in_the_error() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={DEFAULT_REFERENCE: {"roleName": "x"}})
    run = run_failing(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks)
    assert str(run.error).endswith(
        "trustingStacks: 'organization/cross-account-access/trusting' has no 'roleArn' output: "
        "run `pulumi up` on that stack first, or list the role in roleArns"
    )
    assert run.aws_resources == []


def test_a_missing_stack_fails_the_run() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={})
    run = run_failing(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks)
    assert 'unknown stack "organization/cross-account-access/trusting"' in str(run.error)
    assert run.aws_resources == []


def test_a_role_listed_by_a_stack_and_in_role_arns_is_a_duplicate() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={DEFAULT_REFERENCE: trusting_outputs()})
    config = {"trustingStacks": [DEFAULT_REFERENCE], "roleArns": [ROLE_ARN], "userNames": ["alice"]}
    run = run_failing(stack="trusted", config=config, mocks=mocks)
    assert str(run.error).endswith(
        f"trustingStacks/roleArns: '{ROLE_ARN}' is listed twice: entries must be distinct"
    )
    assert run.aws_resources == []


@pytest.mark.parametrize(
    ("stack", "config", "message"),
    [
        (
            "trusting",
            {"trustedAccountIds": ["12345"]},
            "trustedAccountIds: '12345' is not a 12-digit AWS account id",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["*"]},
            "trustedAccountIds: '*' contains a wildcard: an account must be named exactly, never with * or ?",
        ),
        ("trusting", {}, "trustedAccountIds: [] must name at least one entry"),
        (
            "trusting",
            {"trustedAccountIds": ["222222222222", "222222222222"]},
            "trustedAccountIds: '222222222222' is listed twice: entries must be distinct",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["222222222222"], "roleName": "bad name"},
            "roleName: 'bad name' is not an IAM role name (1-64 characters of ASCII letters, digits and +=,.@_-)",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["222222222222"], "rolePath": "team"},
            "rolePath: 'team' is not an IAM path: '/' or '/segments/' of printable ASCII with no empty segment, at most 512 characters",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["222222222222"], "maxSessionDuration": 60},
            "maxSessionDuration: 60 is out of range: must be 3600..43200 seconds",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["222222222222"], "externalId": "x"},
            "externalId: '<1 characters, hidden>' is not a valid external id: "
            "2-1224 characters of ASCII letters, digits and +=,.@:/_-",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["222222222222"], "managedPolicyArns": ["arn:aws:iam::aws:role/X"]},
            "managedPolicyArns: 'arn:aws:iam::aws:role/X' is not an IAM policy ARN "
            "(arn:<partition>:iam::<aws|account>:policy/...)",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["222222222222"], "trustedPrincipalArns": ["arn:aws:iam::*:user/bob"]},
            "trustedPrincipalArns: 'arn:aws:iam::*:user/bob' has a wildcard account: "
            "the account of a principal pattern must be named exactly",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["222222222222"], "userNames": ["alice"]},
            "userNames: ['alice'] is a trusted-side key, but this stack builds the trusting side",
        ),
        (
            "trusted",
            {"roleArns": ["arn:aws:iam::111111111111:role/r"]},
            "userNames/groupNames: [] name no user and no group: attach the policy to at least one",
        ),
        (
            "trusted",
            {"roleArns": ["arn:aws:iam::111111111111:user/r"], "userNames": ["alice"]},
            "roleArns: 'arn:aws:iam::111111111111:user/r' is not an IAM role ARN "
            "(arn:<partition>:iam::<account>:role/<path/>name)",
        ),
        (
            "trusted",
            {"roleArns": ["arn:aws:iam::111111111111:role/*"], "userNames": ["alice"]},
            "roleArns: 'arn:aws:iam::111111111111:role/*' contains a wildcard: a role must be named exactly, never with * or ?",
        ),
        (
            "trusted",
            {"roleArns": ["arn:aws:iam::111111111111:role/r"], "groupNames": ["ops", "ops"]},
            "groupNames: 'ops' is listed twice: entries must be distinct",
        ),
        (
            "prod",
            {"trustedAccountIds": ["222222222222"]},
            "side: '' is not set and the stack name 'prod' is neither \"trusting\" nor \"trusted\": "
            "set cross-account-access:side",
        ),
        ("trusting", {"side": "both"}, 'side: \'both\' must be "trusting" or "trusted"'),
        (
            "trusting",
            {"trustedAccountId": ["222222222222"]},
            "cross-account-access:trustedAccountId: '[\"222222222222\"]' is not a config key of cross-account-access",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["222222222222"], "maxSessionDuration": "an hour"},
            "maxSessionDuration: 'an hour' must be a whole number",
        ),
    ],
)
def test_bad_config_fails_before_any_resource_with_key_value_and_rule(
    stack: str, config: dict[str, Any], message: str
) -> None:
    run = run_failing(stack=stack, config=config)
    assert str(run.error).startswith(message), str(run.error)
    assert run.registrations == [], "nothing may be registered before the config is valid"


def test_an_external_id_set_in_plain_text_is_still_secret_and_the_run_warns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warnings.append(message))
    run = run_main(
        stack="trusting", config={"trustedAccountIds": ["222222222222"], "externalId": "plain-ext-id"}
    )
    assert "assumeRolePolicy" in run.one("aws:iam/role:Role").secret_inputs
    assert any(w.startswith("externalId is stored in plain text") for w in warnings), warnings
    assert any(
        "the role requires an external id, which the console's switch-role page" in w for w in warnings
    )
