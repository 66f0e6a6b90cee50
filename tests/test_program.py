"""The real __main__.py, run per stack under mocks: example stack files, wiring, exports, errors."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
import pytest
from conftest import (
    CUSTOMER_POLICY,
    ROOT,
    TRUSTED_ACCOUNT,
    TRUSTING_ACCOUNT,
    RecordingMocks,
    Run,
    run_failing,
    run_main,
    stack_file_config,
    unique_id,
)

from cross_account import limits

ROLE_ARN = "arn:aws:iam::111122223333:role/my-s3-x-account-role"
DEFAULT_REFERENCE = "organization/cross-account-access/trusting"


def trusting_outputs(**extra: Any) -> dict[str, Any]:
    return {"roleArn": ROLE_ARN, "externalIdRequired": False, "mfaRequired": False, **extra}


def run_trusted(config: dict[str, Any], outputs: dict[str, dict[str, Any]] | None = None) -> Run:
    mocks = RecordingMocks(
        account_id=TRUSTED_ACCOUNT, stack_outputs=outputs or {DEFAULT_REFERENCE: trusting_outputs()}
    )
    return run_main(stack="trusted", config=config, mocks=mocks)


READ_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}],
}


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
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
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
        "switchRoleUrl": "https://signin.aws.amazon.com/switchrole?account=111122223333"
        "&roleName=my-s3-x-account-role&displayName=my-s3-x-account-role%40111122223333",
        "externalIdRequired": False,
        "mfaRequired": False,
        "roleUniqueId": unique_id("AROA", ROLE_ARN),
        "rolePath": "/",
        "expiresAt": "",
        "sessionNameRequired": False,
        "sourceIdentityRequired": False,
        "sessionTagsAllowed": False,
        "sourceIdentityAllowed": False,
        "maxSessionDuration": 3600,
        "auditBaseline": {
            "trustPolicy": json.loads(role.inputs["assumeRolePolicy"]),
            "managedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
            "inlinePolicyNames": [],
            "maxSessionDuration": 3600,
            "permissionsBoundaryArn": "",
            "inlinePolicies": {},
            "tags": {},
            "revokeSessionsIssuedBefore": "",
            "managedPolicyDocuments": {},
        },
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
    policy_arn = "arn:aws:iam::444455556666:policy/my-s3-x-account-policy"
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
        "roleArnPatterns": [],
        "switchRoleUrls": [trusting.outputs["switchRoleUrl"]],
        "switchRoleUrlsByRoleArn": {ROLE_ARN: trusting.outputs["switchRoleUrl"]},
        "awsCliConfig": (
            f"[profile my-s3-x-account-role-111122223333]\nrole_arn = {ROLE_ARN}\nsource_profile = default\n"
        ),
        "switchRolesExtensionConfig": (
            "[my-s3-x-account-role-111122223333]\naws_account_id = 111122223333\n"
            "role_name = my-s3-x-account-role\n"
        ),
        "consoleCommandsByRoleArn": {ROLE_ARN: f"cross-account-console {ROLE_ARN} --profile default"},
        "principals": {
            "users": ["alice"],
            "groups": ["s3-readers"],
            "roles": [],
            "newGroup": "",
            "newGroupMembers": [],
        },
        "auditBaseline": {"policyDocuments": [json.loads(policy.inputs["policy"])]},
    }


def test_every_listed_stack_and_explicit_arn_is_read_and_each_profile_follows_its_own_stack() -> None:
    other = "arn:aws:iam::444466667777:role/other"
    explicit = "arn:aws:iam::444477778888:role/elsewhere"
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
    profiles = run.outputs["awsCliConfig"].split("\n\n")
    with_external_id = [p.splitlines()[0] for p in profiles if "external_id = <external-id-" in p]
    assert with_external_id == ["[profile other-444466667777]"], "only the role whose stack requires it"


def test_the_console_command_of_each_role_carries_what_its_trusting_stack_requires() -> None:
    partner = "arn:aws:iam::444466667777:role/partner"
    audited = "arn:aws:iam::444477778888:role/team/audited"
    outputs = {
        "acme/cross-account-access/prod": trusting_outputs(),
        "acme/cross-account-access/partner": trusting_outputs(
            roleArn=partner, externalIdRequired=True, mfaRequired=True
        ),
        "acme/cross-account-access/audited": trusting_outputs(
            roleArn=audited, sessionNameRequired=True, sourceIdentityRequired=True
        ),
    }
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs=outputs)
    config = {
        "side": "trusted",
        "trustingStacks": list(outputs),
        "groupNames": ["ops"],
        "sourceProfile": "work",
        "region": "eu-west-1",
        "sessionDurationSeconds": 1800,
    }
    run = run_main(stack="identity", config=config, mocks=mocks)
    tail = "--profile work"
    end = "--duration 1800 --region eu-west-1"
    mfa = f"'arn:aws:iam::{TRUSTED_ACCOUNT}:mfa/<your-mfa-device-name>'"
    assert run.outputs["consoleCommandsByRoleArn"] == {
        ROLE_ARN: f"cross-account-console {ROLE_ARN} {tail} {end}",
        partner: f"cross-account-console {partner} {tail} --external-id '<external-id-from-the-trusting-account>' "
        f"--mfa-serial {mfa} --mfa-token <6-digit-code> {end}",
        audited: f"cross-account-console {audited} {tail} --session-name <your-iam-user-name> "
        f"--source-identity <your-name> {end}",
    }
    assert list(run.outputs["consoleCommandsByRoleArn"]) == run.outputs["roleArns"]


def test_role_arns_alone_need_no_stack_reference() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT)
    run = run_main(stack="trusted", config={"roleArns": [ROLE_ARN], "userNames": ["alice"]}, mocks=mocks)
    assert mocks.stack_references == []
    assert run.outputs["roleArns"] == [ROLE_ARN]


def test_a_secret_external_id_stays_secret_in_state_and_no_output_reveals_it() -> None:
    run = run_main(
        stack="trusting",
        config={"trustedAccountIds": ["444455556666"], "externalId": "s3cr3t-ext-id"},
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
    digest = "sha256:" + hashlib.sha256(b"cross-account-audit:s3cr3t-ext-id").hexdigest()
    assert run.outputs["auditBaseline"]["trustPolicy"]["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": digest}
    }, "the audit baseline holds the external id's digest, never the id"
    assert "auditBaseline" in run.secret_outputs, "a digest of a short id can be guessed: it stays secret too"


def test_the_audit_baseline_names_the_managed_and_inline_policies_the_boundary_and_the_session_limit() -> (
    None
):
    boundary = "arn:aws:iam::111111111111:policy/boundary"
    run = run_main(
        stack="trusting",
        config={
            "trustedAccountIds": ["222222222222"],
            "managedPolicyArns": ["ReadOnlyAccess", "arn:aws:iam::111111111111:policy/team"],
            "inlinePolicies": {"zeta": READ_BUCKET, "alpha": READ_BUCKET},
            "maxSessionDuration": 7200,
            "permissionsBoundaryArn": boundary,
            "tags": {"team": "data", "cost-center": "42"},
            "revokeSessionsIssuedBefore": "2026-06-01T12:00:00Z",
        },
    )
    role = run.one("aws:iam/role:Role")
    assert run.outputs["auditBaseline"] == {
        "trustPolicy": json.loads(role.inputs["assumeRolePolicy"]),
        "managedPolicyArns": [
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::111111111111:policy/team",
        ],
        "inlinePolicyNames": ["alpha", "zeta"],
        "maxSessionDuration": 7200,
        "permissionsBoundaryArn": boundary,
        "inlinePolicies": {"alpha": READ_BUCKET, "zeta": READ_BUCKET},
        "tags": {"cost-center": "42", "team": "data"},
        "revokeSessionsIssuedBefore": "2026-06-01T12:00:00Z",
        # Read at deploy time (aws:iam/getPolicy): the audit compares the default version with it.
        "managedPolicyDocuments": {"arn:aws:iam::111111111111:policy/team": CUSTOMER_POLICY},
    }
    assert list(run.outputs["auditBaseline"]["managedPolicyDocuments"]) == [
        "arn:aws:iam::111111111111:policy/team"
    ]
    assert run.invokes.count("aws:iam/getPolicy:getPolicy") == 1, "the AWS managed ReadOnlyAccess is not read"
    assert "auditBaseline" not in run.secret_outputs


def test_trust_conditions_from_config_reach_the_trust_policy() -> None:
    run = run_main(
        stack="trusting",
        config={
            "trustedAccountIds": ["444455556666", "444466667777"],
            "requireMfa": True,
            "mfaMaxAgeSeconds": 3600,
            "organizationId": "o-abcdefghij",
            "trustedPrincipalArns": ["arn:aws:iam::444455556666:user/alice"],
        },
    )
    conditions = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"},
    }
    # The pattern narrows 444455556666 only: 444466667777, which no pattern names, is trusted whole.
    assert json.loads(run.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["Statement"] == [
        {
            "Sid": "TrustedAccountsMayAssume",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444466667777:root"},
            "Action": "sts:AssumeRole",
            "Condition": conditions,
        },
        {
            "Sid": "TrustedPrincipalsMayAssume",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "sts:AssumeRole",
            "Condition": {
                **conditions,
                "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:user/alice"},
            },
        },
    ]
    assert run.outputs["mfaRequired"] is True


def test_side_config_overrides_the_stack_name() -> None:
    run = run_main(stack="prod-role", config={"side": "trusting", "trustedAccountIds": ["444455556666"]})
    assert run.outputs["roleArn"] == f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/cross-account-role"


def one_line_run_error(error: Exception | None) -> str:
    """The error as the language host shows a RunError: its one line (not a ValueError the SDK would wrap)."""
    assert isinstance(error, pulumi.RunError) and not isinstance(error, ValueError), repr(error)
    assert "\n" not in str(error) and "While processing" not in str(error), str(error)
    return str(error)


def test_a_stack_without_a_role_arn_output_fails_with_one_line_naming_the_stack_and_the_output() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={DEFAULT_REFERENCE: {"roleName": "x"}})
    run = run_failing(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks)
    assert one_line_run_error(run.error) == (
        "trustingStacks: 'organization/cross-account-access/trusting' has no 'roleArn' output: "
        "run `pulumi up` on that stack first, or list the role in roleArns"
    )
    assert run.aws_resources == []


def test_a_missing_trusting_stack_says_to_deploy_it_first() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={})
    run = run_failing(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks)
    assert one_line_run_error(run.error) == (
        "trustingStacks: 'organization/cross-account-access/trusting': "
        'unknown stack "organization/cross-account-access/trusting": '
        "deploy the trusting stack first (pulumi up --stack trusting)"
    )
    assert run.aws_resources == []


def test_a_missing_stack_among_several_is_named_with_its_own_stack_name() -> None:
    prod = "organization/cross-account-access/prod-trusting"
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={DEFAULT_REFERENCE: trusting_outputs()})
    config = {"trustingStacks": [DEFAULT_REFERENCE, prod], "userNames": ["alice"]}
    run = run_failing(stack="trusted", config=config, mocks=mocks)
    assert one_line_run_error(run.error) == (
        f"trustingStacks: '{prod}': unknown stack \"{prod}\": "
        "deploy the trusting stack first (pulumi up --stack prod-trusting)"
    )
    assert run.aws_resources == []


def test_a_value_error_a_trusting_stack_causes_is_one_line_too() -> None:
    outputs = {DEFAULT_REFERENCE: {"roleArn": f"arn:aws:iam::{TRUSTING_ACCOUNT}:user/alice"}}
    run = run_failing(
        stack="trusted",
        config={"userNames": ["alice"]},
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs=outputs),
    )
    assert one_line_run_error(run.error) == (
        f"trustingStacks: {DEFAULT_REFERENCE}: roleArn: 'arn:aws:iam::{TRUSTING_ACCOUNT}:user/alice' "
        "is not an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name)"
    )


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
            {"trustedAccountIds": ["444455556666", "444455556666"]},
            "trustedAccountIds: '444455556666' is listed twice: entries must be distinct",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["444455556666"], "roleName": "bad name"},
            "roleName: 'bad name' is not an IAM role name (1-64 characters of ASCII letters, digits and +=,.@_-)",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["444455556666"], "rolePath": "team"},
            "rolePath: 'team' is not an IAM path: '/' or '/segments/' of printable ASCII with no empty segment, at most 512 characters",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["444455556666"], "maxSessionDuration": 60},
            "maxSessionDuration: 60 is out of range: must be 3600..43200 seconds",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["444455556666"], "externalId": "x"},
            "externalId: '<1 characters, hidden>' is not a valid external id: "
            "2-1224 characters of ASCII letters, digits and +=,.@:/_-",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["444455556666"], "managedPolicyArns": ["arn:aws:iam::aws:role/X"]},
            "managedPolicyArns: 'arn:aws:iam::aws:role/X' is not an IAM policy ARN "
            "(arn:<partition>:iam::<aws|account>:policy/...)",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["444455556666"], "trustedPrincipalArns": ["arn:aws:iam::*:user/bob"]},
            "trustedPrincipalArns: 'arn:aws:iam::*:user/bob' has a wildcard account: "
            "the account of a principal pattern must be named exactly",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["444455556666"], "userNames": ["alice"]},
            "userNames: ['alice'] is a trusted-side key, but this stack builds the trusting side",
        ),
        (
            "trusted",
            {"roleArns": ["arn:aws:iam::111122223333:role/r"]},
            "userNames/groupNames/roleNames/newGroupName: [] name no principal: attach the policies to at "
            "least one user, group or role, or to a group made here (newGroupName)",
        ),
        (
            "trusted",
            {"roleArns": ["arn:aws:iam::111122223333:user/r"], "userNames": ["alice"]},
            "roleArns: 'arn:aws:iam::111122223333:user/r' is not an IAM role ARN "
            "(arn:<partition>:iam::<account>:role/<path/>name)",
        ),
        (
            "trusted",
            {"roleArns": ["arn:aws:iam::111122223333:role/*"], "userNames": ["alice"]},
            "roleArns: 'arn:aws:iam::111122223333:role/*' contains a wildcard: a role must be named exactly, never with * or ?",
        ),
        (
            "trusted",
            {"roleArns": ["arn:aws:iam::111122223333:role/r"], "groupNames": ["ops", "ops"]},
            "groupNames: 'ops' is listed twice: entries must be distinct",
        ),
        (
            "prod",
            {"trustedAccountIds": ["444455556666"]},
            "side: '' is not set and the stack name 'prod' is neither \"trusting\" nor \"trusted\": "
            "set cross-account-access:side",
        ),
        ("trusting", {"side": "both"}, 'side: \'both\' must be "trusting" or "trusted"'),
        (
            "trusting",
            {"trustedAccountId": ["444455556666"]},
            "cross-account-access:trustedAccountId: '[\"444455556666\"]' is not a config key of cross-account-access",
        ),
        (
            "trusting",
            {"trustedAccountIds": ["444455556666"], "maxSessionDuration": "an hour"},
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
        stack="trusting", config={"trustedAccountIds": ["444455556666"], "externalId": "plain-ext-id"}
    )
    assert "assumeRolePolicy" in run.one("aws:iam/role:Role").secret_inputs
    assert any(w.startswith("externalId is stored in plain text") for w in warnings), warnings
    assert any(
        "the role requires an external id, which the console's switch-role page" in w for w in warnings
    )


# What the trusted stack reads from each trusting stack ------------------------------------------

ROLLOUT = "acme/cross-account-access/rollout"
LEGACY = "acme/cross-account-access/legacy"


def rollout_outputs(**extra: Any) -> dict[str, Any]:
    """A rollout stack: roleArnsByAccount (listed out of order), and a roleArn the trusted stack must not read."""
    return {
        "roleArn": "arn:aws:iam::999999999999:role/ignored",
        "roleArnsByAccount": {
            "555555555555": "arn:aws:iam::555555555555:role/audit",
            "444466667777": "arn:aws:iam::444466667777:role/audit",
            "444477778888": "arn:aws:iam::444477778888:role/audit",
        },
        **extra,
    }


def test_a_rollout_stacks_roles_are_read_in_account_order_with_what_its_trust_requires() -> None:
    outputs = {
        LEGACY: {"roleArn": ROLE_ARN},  # an older trusting stack: none of the newer outputs
        ROLLOUT: rollout_outputs(
            externalIdRequired=False,
            mfaRequired=True,
            sessionNameRequired=True,
            sourceIdentityRequired=False,
            sessionTagsAllowed=True,
            sourceIdentityAllowed=False,
            expiresAt="2098-06-30T12:00:00Z",
        ),
    }
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs=outputs)
    run = run_main(
        stack="identity",
        config={"side": "trusted", "trustingStacks": [LEGACY, ROLLOUT], "roleNames": ["ci"]},
        mocks=mocks,
    )
    rollout_roles = [f"arn:aws:iam::{a}:role/audit" for a in ("444466667777", "444477778888", "555555555555")]
    assert run.outputs["roleArns"] == [ROLE_ARN, *rollout_roles]
    assert json.loads(run.one("aws:iam/policy:Policy").inputs["policy"])["Statement"] == [
        {
            "Sid": "AssumeCrossAccountRoles",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": ROLE_ARN,
        },
        {
            "Sid": "AssumeCrossAccountRolesAndTagSessionUntil20980630120000",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Resource": rollout_roles,
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2098-06-30T12:00:00Z"}},
        },
    ]
    profiles = run.outputs["awsCliConfig"].split("\n\n")
    assert profiles[0] == (
        "# The access ends at 2098-06-30T12:00:00Z.\n"
        "[profile audit-444466667777]\n"
        "role_arn = arn:aws:iam::444466667777:role/audit\n"
        "source_profile = default\n"
        "mfa_serial = arn:aws:iam::444455556666:mfa/<your-mfa-device-name>\n"
        "# The role requires the session name to be your IAM user name:\n"
        "role_session_name = <your-iam-user-name>"
    )
    assert profiles[-1] == (
        f"[profile my-s3-x-account-role-111122223333]\nrole_arn = {ROLE_ARN}\nsource_profile = default\n"
    ), "the older stack's role requires nothing"
    assert run.outputs["principals"]["roles"] == ["ci"]


def test_the_earlier_of_the_stacks_end_and_expires_at_applies() -> None:
    outputs = {
        DEFAULT_REFERENCE: trusting_outputs(expiresAt="2099-06-30T00:00:00Z"),
        ROLLOUT: rollout_outputs(expiresAt=""),
    }
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs=outputs)
    run = run_main(
        stack="trusted",
        config={"trustingStacks": list(outputs), "userNames": ["alice"], "expiresAt": "2099-01-01T00:00:00Z"},
        mocks=mocks,
    )
    statements = json.loads(run.one("aws:iam/policy:Policy").inputs["policy"])["Statement"]
    assert [(s["Sid"], s["Condition"]) for s in statements] == [
        (
            "AssumeCrossAccountRolesUntil20990101000000",
            {"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}},
        )
    ], "expiresAt is earlier than the stack's end, and the rollout stack has none: one end for all"
    assert run.outputs["awsCliConfig"].count("# The access ends at 2099-01-01T00:00:00Z.\n") == 4


def test_the_new_trusted_keys_reach_the_resources_and_outputs() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={DEFAULT_REFERENCE: trusting_outputs()})
    run = run_main(
        stack="trusted",
        config={
            "roleNames": ["ci-deployer"],
            "newGroupName": "release-team",
            "newGroupMembers": ["dave"],
            "newGroupPath": "/teams/",
            "tags": {"team": "release"},
            "sessionDurationSeconds": 1800,
            "region": "eu-west-1",
            "switchRoleColor": "83d4e8",
        },
        mocks=mocks,
    )
    policy_arn = "arn:aws:iam::444455556666:policy/cross-account-assume-role"
    assert {(r.type, r.name): r.inputs for r in run.aws_resources if r.type != "aws:iam/policy:Policy"} == {
        ("aws:iam/group:Group", "trusted-new-group"): {"name": "release-team", "path": "/teams/"},
        ("aws:iam/userGroupMembership:UserGroupMembership", "trusted-member-dave"): {
            "user": "dave",
            "groups": ["release-team"],
        },
        ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "trusted-group-release-team"): {
            "group": "release-team",
            "policyArn": policy_arn,
        },
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "trusted-role-ci-deployer"): {
            "role": "ci-deployer",
            "policyArn": policy_arn,
        },
    }
    assert run.one("aws:iam/policy:Policy").inputs["tags"] == {"team": "release"}
    assert run.outputs["switchRoleUrls"] == [
        "https://signin.aws.amazon.com/switchrole?account=111122223333&roleName=my-s3-x-account-role"
        "&displayName=my-s3-x-account-role%40111122223333&color=83d4e8"
    ]
    assert run.outputs["awsCliConfig"] == (
        "[profile my-s3-x-account-role-111122223333]\n"
        f"role_arn = {ROLE_ARN}\n"
        "source_profile = default\n"
        "duration_seconds = 1800\n"
        "region = eu-west-1\n"
    )
    assert run.outputs["switchRolesExtensionConfig"] == (
        "[my-s3-x-account-role-111122223333]\n"
        "aws_account_id = 111122223333\n"
        "role_name = my-s3-x-account-role\n"
        "color = 83d4e8\n"
        "region = eu-west-1\n"
    )
    assert run.outputs["principals"] == {
        "users": [],
        "groups": [],
        "roles": ["ci-deployer"],
        "newGroup": "release-team",
        "newGroupMembers": ["dave"],
    }


def test_a_stack_marking_its_requirements_secret_makes_the_profiles_secret() -> None:
    class SecretOutputs(RecordingMocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
            id_, state = super().new_resource(args)
            if args.typ == "pulumi:pulumi:StackReference":
                state["secretOutputNames"] = ["sessionNameRequired"]
            return id_, state

    mocks = SecretOutputs(
        account_id=TRUSTED_ACCOUNT,
        stack_outputs={DEFAULT_REFERENCE: trusting_outputs(sessionNameRequired=True)},
    )
    run = run_main(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks)
    assert "awsCliConfig" in run.secret_outputs
    assert "role_session_name = <your-iam-user-name>" in run.outputs["awsCliConfig"]


def test_an_end_of_a_stack_less_than_7_days_away_warns_naming_the_role(warnings_: list[str]) -> None:
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    mocks = RecordingMocks(
        account_id=TRUSTED_ACCOUNT, stack_outputs={DEFAULT_REFERENCE: trusting_outputs(expiresAt=soon)}
    )
    run_main(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks)
    assert warnings_ == [
        f"trustingStacks: access to '{ROLE_ARN}' ends at '{soon}' (expiresAt of its trust policy), less than "
        "7 days away"
    ]


def test_a_rollout_stack_with_no_account_is_a_one_line_error_naming_the_stack_and_the_output() -> None:
    outputs = {DEFAULT_REFERENCE: trusting_outputs(), ROLLOUT: {"roleArnsByAccount": {}, "roleArn": None}}
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs=outputs)
    run = run_failing(
        stack="trusted", config={"trustingStacks": list(outputs), "userNames": ["alice"]}, mocks=mocks
    )
    assert str(run.error) == (
        f"trustingStacks: {ROLLOUT}: roleArnsByAccount: {{}} holds no role: a rollout stack lists at least "
        "one account; run `pulumi up` on that stack, or leave it out of trustingStacks"
    )
    assert run.aws_resources == []


@pytest.mark.parametrize("side", ["trusting", "trusted"])
def test_protect_protects_the_component_and_every_resource_it_makes(side: str) -> None:
    config: dict[str, Any] = (
        {"trustedAccountIds": ["444455556666"]} if side == "trusting" else {"userNames": ["alice"]}
    )
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={DEFAULT_REFERENCE: trusting_outputs()})
    run = run_main(stack=side, config={**config, "protect": True}, mocks=mocks)
    made = [r for r in run.registrations if r.type != "pulumi:pulumi:StackReference"]
    assert len(made) == 3 and all(r.protect for r in made), [(r.name, r.protect) for r in made]
    plain = run_main(
        stack=side,
        config=config,
        mocks=RecordingMocks(
            account_id=TRUSTED_ACCOUNT, stack_outputs={DEFAULT_REFERENCE: trusting_outputs()}
        ),
    )
    assert not any(r.protect for r in plain.registrations), "nothing is protected unless asked"


# Account ids AWS documents as placeholders -----------------------------------------------------------

EXAMPLE = "is an account id AWS's documentation uses as an example, not an account of yours"
REPLACE = "replace it with the id of the account you mean"


def test_the_committed_example_stacks_use_the_placeholders_aws_documents() -> None:
    trusting = stack_file_config("trusting")
    assert trusting["cross-account-access:trustedAccountIds"] == ["444455556666"]
    assert (TRUSTING_ACCOUNT, TRUSTED_ACCOUNT) == ("111122223333", "444455556666")
    assert set(limits.PLACEHOLDER_ACCOUNT_IDS) == {
        "111122223333",
        "444455556666",
        "123456789012",
        "012345678901",
    }


def test_the_committed_trusting_stack_warns_once_that_it_trusts_a_placeholder(
    every_warning_: list[str],
) -> None:
    run_main(stack="trusting", config=stack_file_config("trusting"))
    assert every_warning_ == [f"trustedAccountIds: '444455556666' {EXAMPLE}: {REPLACE}"]
    deploy = " ".join((ROOT / "docs" / "deploy.md").read_text().split())
    assert f"`{every_warning_[0]}`" in deploy, "docs/deploy.md quotes the warning as the program gives it"


def test_every_key_that_names_a_placeholder_warns_once_per_id_and_real_ids_do_not(
    every_warning_: list[str],
) -> None:
    run_main(
        stack="trusting",
        config={
            "trustedAccountIds": ["123456789012", "444477778888", "012345678901"],
            "trustedPrincipalArns": [
                "arn:aws:iam::123456789012:role/ops-*",
                "arn:aws:iam::123456789012:user/alice",
                "arn:aws:iam::444477778888:user/bob",
            ],
        },
        mocks=RecordingMocks(account_id="444466667777"),
    )
    assert every_warning_ == [
        f"trustedAccountIds: '123456789012' {EXAMPLE}: {REPLACE}",
        f"trustedAccountIds: '012345678901' {EXAMPLE}: {REPLACE}",
        "trustedPrincipalArns: 'arn:aws:iam::123456789012:role/ops-*' names account '123456789012', "
        f"{EXAMPLE.removeprefix('is ')}: {REPLACE}",
        "trustedPrincipalArns: 'arn:aws:iam::123456789012:user/alice' names account '123456789012', "
        f"{EXAMPLE.removeprefix('is ')}: {REPLACE}",
    ]


def test_a_trusted_stack_given_a_placeholder_role_arn_warns_and_one_read_from_a_stack_does_not(
    every_warning_: list[str],
) -> None:
    role = "arn:aws:iam::111122223333:role/audit"
    mocks = RecordingMocks(account_id="444477778888", stack_outputs={DEFAULT_REFERENCE: trusting_outputs()})
    run_main(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks)
    assert every_warning_ == [], "the trusting stack's own role is in the account it was deployed to"
    run_main(stack="trusted", config={"roleArns": [role], "userNames": ["alice"]}, mocks=mocks)
    assert every_warning_ == [
        f"roleArns: '{role}' names account '111122223333', {EXAMPLE.removeprefix('is ')}: {REPLACE}"
    ]


def test_a_placeholder_in_a_key_set_as_a_secret_is_warned_about_without_its_value(
    every_warning_: list[str],
) -> None:
    run_main(
        stack="trusting",
        config={"trustedAccountIds": ["444455556666"]},
        secret_keys=("trustedAccountIds",),
        mocks=RecordingMocks(account_id="444466667777"),
    )
    assert every_warning_ == [
        "trustedAccountIds: '<12 characters, hidden>' names an account id AWS's documentation uses as an "
        f"example, not an account of yours: {REPLACE}"
    ]
    assert "444455556666" not in every_warning_[0]


def test_no_placeholder_no_warning(every_warning_: list[str]) -> None:
    run_main(
        stack="trusting",
        config={"trustedAccountIds": ["444477778888"]},
        mocks=RecordingMocks(account_id="444466667777"),
    )
    assert every_warning_ == []
