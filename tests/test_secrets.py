"""Secrets stay secret after config loading, and bad values read from trusting stacks end in one line.

- Hiding never garbles a message, and never points at a secret by where it hid something.
- Every check of program/stacks.py (partitions, organizational units, exclusions, trusting stacks)
  hides what the config's checks hide.
- Every key of both sides set with --secret is secret in every resource input and stack output that
  carries it; a roleArn a trusting stack exports as a secret stays secret in the documents, outputs,
  errors and warnings of the trusted stack.
- A bad value read from a trusting stack is one line naming the stack and the output.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
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
)

from cross_account import InvalidInputError, ResolvedInputError
from cross_account.testing import CrossAccountMocks
from cross_account.validation import scrub, scrub_key
from program import settings

REFERENCE = "organization/cross-account-access/trusting"
OTHER = "organization/cross-account-access/other"
ROLE_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/cross-account-role"
SECRET_ROLE_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/hidden-Q7x9"
ACCOUNTS = {"trustedAccountIds": [TRUSTED_ACCOUNT]}
USERS = {"userNames": ["alice"]}
UNIT = "ou-ab12-cdefgh34"
A, B, D = "444466667777", "444477778888", "666666666666"
POLICY = "aws:iam/policy:Policy"


class SecretStackMocks(RecordingMocks):
    """Trusting stacks that mark some of their outputs secret (``secretOutputNames``, as the engine does)."""

    def __init__(self, secret_outputs: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(account_id=TRUSTED_ACCOUNT, **kwargs)
        self.secret_outputs = secret_outputs

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        id_, state = super().new_resource(args)
        if args.typ == "pulumi:pulumi:StackReference":
            state["secretOutputNames"] = self.secret_outputs.get(args.inputs["name"], [])
        return id_, state


def stacks(outputs: dict[str, dict[str, Any]], secret: dict[str, list[str]] | None = None) -> RecordingMocks:
    return SecretStackMocks(secret or {}, stack_outputs=outputs)


# Hiding never garbles ------------------------------------------------------------------------


def test_a_short_secret_neither_garbles_an_error_nor_shows_where_it_was() -> None:
    """externalId "ro" once turned roleName: 'bad role' into <hidden>leName: 'bad <hidden>le'."""
    run = run_failing(
        stack="trusting",
        config={**ACCOUNTS, "externalId": "ro", "roleName": "bad role"},
        secret_keys=("externalId",),
    )
    assert str(run.error) == (
        "roleName: 'bad role' is not an IAM role name (1-64 characters of ASCII letters, digits and +=,.@_-)"
    )


@pytest.mark.parametrize(
    ("text", "secret", "scrubbed"),
    [
        ("roleName: 'bad role' is not an IAM role name", "ro", "roleName: 'bad role' is not an IAM role name"),
        ("x: 'arn:aws:iam::1:role/ro' and ['a', 'ro']", "ro", "x: '<hidden>' and ['a', '<hidden>']"),
        ("the role's name 'ro' is bad", "ro", "the role's name '<hidden>' is bad"),
        ("role 'is' is not valid", "is", "role '<hidden>' is not valid"),
        ('a "Tom\'s-42" b', "Tom's-42", 'a "<hidden>" b'),
        ("arn:aws:iam::1:role/s3cr3t-9, then s3cr3t-9.", "s3cr3t-9", "<hidden>, then <hidden>."),
        ("secret-9x inside secret-9xy stays", "secret-9x", "<hidden> inside secret-9xy stays"),
        ("'a\\nb-1' was given", "a\nb-1", "'<hidden>' was given"),
        ("one x character", "x", "one x character"),
    ],
    ids=[
        "inside-words-untouched", "whole-quoted-values", "apostrophe-opens-nothing", "plain-word-only-quoted",
        "double-quoted-repr", "words-outside-quotes", "longer-word-untouched", "escaped-repr", "one-character",
    ],
)  # fmt: skip
def test_a_secret_is_hidden_as_whole_quoted_values_and_whole_words_only(
    text: str, secret: str, scrubbed: str
) -> None:
    assert scrub(text, [secret]) == scrubbed


@pytest.mark.parametrize(
    ("key", "secret", "scrubbed"),
    [
        ("inlinePolicies.ro", "ro", "inlinePolicies.<hidden>"),
        ("inlinePolicies.ro.Statement", "ro", "inlinePolicies.<hidden>.Statement"),
        ("trustingStacks: org/p/my.stack: roleArn", "org/p/my.stack", "trustingStacks: <hidden>: roleArn"),
        ("trustingStacks: org/p/s: roleArn", "roleArn", "trustingStacks: org/p/s: roleArn"),
        ("roleName", "ro", "roleName"),
    ],
)
def test_an_error_key_hides_whole_segments_never_key_or_output_names(
    key: str, secret: str, scrubbed: str
) -> None:
    assert scrub_key(key, [secret], keep=("roleArn", "inlinePolicies", "trustingStacks")) == scrubbed


# Checks after config loading hide what the config's checks hide --------------------------------


def test_an_organizational_unit_holding_a_trusted_account_is_reported_without_the_secret_unit() -> None:
    found = CrossAccountMocks(TRUSTING_ACCOUNT, organization_accounts={UNIT: [A, TRUSTED_ACCOUNT]})
    run = run_main(
        stack="trusting",
        config={**ACCOUNTS, "targetOrganizationalUnitIds": [UNIT]},
        mocks=found,
        secret_keys=("targetOrganizationalUnitIds",),
        expect_error=True,
    )
    assert str(run.error) == (
        "targetOrganizationalUnitIds: '<16 characters, hidden>' holds account '444455556666', which is also "
        "in trustedAccountIds: a role that trusts the account it is in is not cross-account access; move it "
        "to an organizational unit this stack does not target, or use rolloutMode providers"
    )
    assert run.aws_resources == []


def test_a_refused_organizations_call_is_reported_without_the_secret_unit() -> None:
    class Refusing(CrossAccountMocks):
        def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
            if args.token.startswith("aws:organizations/"):
                return {}, [("", f"ListChildren: no unit {UNIT} in this organization")]
            return super().call(args)

    run = run_main(
        stack="trusting",
        config={**ACCOUNTS, "targetOrganizationalUnitIds": [UNIT]},
        mocks=Refusing(TRUSTING_ACCOUNT),
        secret_keys=("targetOrganizationalUnitIds",),
        expect_error=True,
    )
    assert UNIT not in str(run.error)
    assert str(run.error).startswith(
        "targetOrganizationalUnitIds: '<16 characters, hidden>' could not be read from AWS Organizations "
        "(ListChildren: no unit <hidden> in this organization ()): "
    ), str(run.error)


def test_an_exclusion_that_excludes_nothing_warns_without_the_secret_values(warnings_: list[str]) -> None:
    found = CrossAccountMocks(TRUSTING_ACCOUNT, organization_accounts={UNIT: [A, B]})
    run_main(
        stack="trusting",
        config={
            **ACCOUNTS,
            "targetOrganizationalUnitIds": [UNIT],
            "excludeAccountIds": [B, D],
            "rolloutMode": "providers",
        },
        mocks=found,
        secret_keys=("targetOrganizationalUnitIds", "excludeAccountIds"),
    )
    assert warnings_ == [
        "excludeAccountIds: '<hidden>' is not an active account of targetOrganizationalUnitIds ['<hidden>']: "
        "it excludes nothing"
    ]


def test_a_secret_trusting_stack_name_is_hidden_in_the_missing_output_error() -> None:
    secret_stack = "organization/cross-account-access/x7-secret"
    run = run_failing(
        stack="trusted",
        config={**USERS, "trustingStacks": [secret_stack]},
        mocks=stacks({secret_stack: {"roleName": "x"}}),
        secret_keys=("trustingStacks",),
    )
    assert str(run.error) == (
        "trustingStacks: '<43 characters, hidden>' has no 'roleArn' output: run `pulumi up` on that stack "
        "first, or list the role in roleArns"
    )


def test_a_secret_trusting_stack_name_is_hidden_in_the_errors_about_its_outputs() -> None:
    secret_stack = "organization/cross-account-access/x7-secret"
    run = run_failing(
        stack="trusted",
        config={**USERS, "trustingStacks": [secret_stack]},
        mocks=stacks({secret_stack: {"roleArn": "*"}}),
        secret_keys=("trustingStacks",),
    )
    assert str(run.error) == (
        "trustingStacks: <hidden>: roleArn: '<1 characters, hidden>' contains a wildcard: a role must be named exactly, "
        "never with * or ?"
    )


# Every key set with --secret is secret wherever it goes ----------------------------------------

TRUSTED_VALUES: dict[str, Any] = {
    "roleArns": [f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/Zq-role-7"],
    "trustingStacks": ["organization/cross-account-access/zq-stack-7"],
    "policyName": "zq-policy-7",
    "policyPath": "/zq-path-7/",
    "userNames": ["zq-user-7"],
    "groupNames": ["zq-group-7"],
    "roleNames": ["zq-ci-7"],
    "newGroupName": "zq-new-7",
    "newGroupMembers": ["zq-member-7"],
    "newGroupPath": "/zq-gpath-7/",
    "sourceProfile": "zq-profile-7",
    "region": "eu-west-3",
    "switchRoleColor": "abc123",
    "expiresAt": "2097-01-02T03:04:05Z",
    "sessionDurationSeconds": 7207,
    "tags": {"team": "zq-team-7"},
    "trustOrganizationalUnitPaths": ["o-zq7zq7zq7z/r-zq77/ou-zq77-zq7zq7zq/"],
}
"""A value of each trusted-side key that can be told apart in any document or output."""
SHOWN_AS = {"sessionDurationSeconds": "7207", "switchRoleColor": "abc123", "region": "eu-west-3"}
TRUSTING_VALUES: dict[str, Any] = {
    "roleName": "zq-role-7",
    "rolePath": "/zq-rpath-7/",
    "roleDescription": "zq description 7",
    "managedPolicyArns": [f"arn:aws:iam::{TRUSTING_ACCOUNT}:policy/zq-managed-7"],
    "inlinePolicies": {
        "zq-inline-7": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::zq-bucket-7/*"}
            ],
        }
    },
    "permissionsBoundaryArn": f"arn:aws:iam::{TRUSTING_ACCOUNT}:policy/zq-boundary-7",
    "externalId": "zq-external-7",
    "organizationId": "o-zq7zq7zq7z",
    "trustedPrincipalArns": [f"arn:aws:iam::{TRUSTED_ACCOUNT}:role/zq-caller-7"],
    "expiresAt": "2097-01-02T03:04:05Z",
    "tags": {"team": "zq-team-7"},
    "maxSessionDuration": 7207,
    "mfaMaxAgeSeconds": 907,
}


def leaks(run: Run, value: str) -> list[str]:
    """Where a value shows in the clear: resource inputs not marked secret, and stack outputs not secret."""
    found = []
    for registration in run.registrations:
        if registration.type == "pulumi:pulumi:StackReference":
            continue  # the name of the stack to read is the engine's, not an output of this stack
        for name, input_value in registration.inputs.items():
            if name not in registration.secret_inputs and value in json.dumps(input_value):
                found.append(f"{registration.type} {registration.name}.{name}")
    for name, output in run.outputs.items():
        if name not in run.secret_outputs and value in json.dumps(output):
            found.append(f"output {name}")
    return found


def _shown(key: str, value: Any) -> str:
    if key in SHOWN_AS:
        return SHOWN_AS[key]
    text = json.dumps(value)
    return text.split('"')[1] if '"' in text else text


@pytest.mark.parametrize("key", list(TRUSTED_VALUES))
def test_a_trusted_key_set_as_a_secret_shows_nowhere_in_the_clear(key: str) -> None:
    value = TRUSTED_VALUES[key]
    reference = TRUSTED_VALUES["trustingStacks"][0] if key == "trustingStacks" else REFERENCE
    config = {**({"userNames": ["alice"]} if key not in ("userNames",) else {}), key: value}
    if key in ("newGroupMembers", "newGroupPath"):
        config["newGroupName"] = "members"
    outputs: dict[str, Any] = {"roleArn": ROLE_ARN, "expiresAt": "", "mfaRequired": False}
    if key == "trustOrganizationalUnitPaths":  # the paths apply to a stackset-mode rollout's role
        outputs = {
            "roleArnPattern": "arn:aws:iam::*:role/cross-account-role",
            "coveredOrganizationalUnitIds": ["ou-zq77-zq7zq7zq"],
            "organizationalUnitPaths": ["o-zq7zq7zq7z/*/ou-zq77-zq7zq7zq/"],
            "expiresAt": "",
        }
    run = run_main(stack="trusted", config=config, mocks=stacks({reference: outputs}), secret_keys=(key,))
    shown = _shown(key, value)
    assert leaks(run, shown) == [], f"{key}: {shown!r} is in the clear"
    assert run.registrations, "the stack built something"


def test_every_trusted_side_key_that_carries_a_value_is_covered() -> None:
    carrying = {k.name for k in settings.KEYS if k.side in ("trusted", "both")} - {
        "side", "protect", "requireMfa", "managedPoliciesPerPrincipalLimit",
    }  # fmt: skip
    assert carrying == set(TRUSTED_VALUES)


@pytest.mark.parametrize("key", list(TRUSTING_VALUES))
def test_a_trusting_key_set_as_a_secret_shows_nowhere_in_the_clear(key: str) -> None:
    value = TRUSTING_VALUES[key]
    run = run_main(stack="trusting", config={**ACCOUNTS, key: value}, secret_keys=(key,))
    shown = _shown(key, value)
    assert leaks(run, shown) == [], f"{key}: {shown!r} is in the clear"


@pytest.mark.parametrize(
    ("key", "resource", "outputs"),
    [
        ("inlinePolicies", "aws:iam/role:Role", {"inlinePolicies"}),
        ("managedPolicyArns", "aws:iam/role:Role", {"managedPolicyArns"}),
        ("tags", "aws:iam/role:Role", {"tagsAll"}),
        ("permissionsBoundaryArn", "aws:iam/role:Role", {"permissionsBoundary"}),
        ("inlinePolicies", "aws:iam/rolePolicy:RolePolicy", {"id", "name", "policy"}),
        ("managedPolicyArns", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"id"}),
        ("roleName", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"id"}),
    ],
)
def test_outputs_aws_fills_from_a_secret_input_are_secret(key: str, resource: str, outputs: set[str]) -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, key: TRUSTING_VALUES[key]}, secret_keys=(key,))
    registered = [r for r in run.registrations if r.type == resource]
    assert registered
    for registration in registered:
        assert outputs <= set(registration.additional_secret_outputs), (key, registration.name)
    plain = run_main(stack="trusting", config={**ACCOUNTS, key: TRUSTING_VALUES[key]})
    assert all(
        not set(r.additional_secret_outputs) & outputs for r in plain.registrations if r.type == resource
    )


@pytest.mark.parametrize(
    ("key", "resource", "outputs"),
    [
        ("tags", POLICY, {"tagsAll"}),
        ("userNames", "aws:iam/userPolicyAttachment:UserPolicyAttachment", {"id"}),
        ("groupNames", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", {"id"}),
        ("roleNames", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"id"}),
    ],
)
def test_trusted_outputs_aws_fills_from_a_secret_input_are_secret(
    key: str, resource: str, outputs: set[str]
) -> None:
    config = {"userNames": ["alice"], key: TRUSTED_VALUES[key]}
    run = run_main(
        stack="trusted", config=config, mocks=stacks({REFERENCE: {"roleArn": ROLE_ARN}}), secret_keys=(key,)
    )
    registered = [r for r in run.registrations if r.type == resource]
    assert registered and all(outputs <= set(r.additional_secret_outputs) for r in registered)


# A secret roleArn read from a trusting stack ----------------------------------------------------

SECRET_STACK_OUTPUTS = ("roleArns", "switchRoleUrls", "awsCliConfig", "switchRolesExtensionConfig")


def test_a_role_arn_a_stack_exports_as_a_secret_is_secret_in_the_policy_and_every_output() -> None:
    run = run_main(
        stack="trusted",
        config=USERS,
        mocks=stacks({REFERENCE: {"roleArn": SECRET_ROLE_ARN}}, {REFERENCE: ["roleArn"]}),
    )
    assert run.outputs["roleArns"] == [SECRET_ROLE_ARN], "the value itself is unchanged"
    assert set(SECRET_STACK_OUTPUTS) <= run.secret_outputs
    policy = run.one(POLICY)
    assert "policy" in policy.secret_inputs
    assert SECRET_ROLE_ARN in policy.inputs["policy"]
    assert leaks(run, "hidden-Q7x9") == []


def test_the_same_role_from_a_plain_stack_is_not_made_secret() -> None:
    run = run_main(stack="trusted", config=USERS, mocks=stacks({REFERENCE: {"roleArn": SECRET_ROLE_ARN}}))
    assert not set(SECRET_STACK_OUTPUTS) & run.secret_outputs
    assert "policy" not in run.one(POLICY).secret_inputs


def test_a_bad_secret_role_arn_of_a_stack_is_one_line_without_its_value() -> None:
    bad = f"arn:aws:iam::{TRUSTING_ACCOUNT}:user/hidden-Q7x9"
    run = run_failing(
        stack="trusted", config=USERS, mocks=stacks({REFERENCE: {"roleArn": bad}}, {REFERENCE: ["roleArn"]})
    )
    assert isinstance(run.error, ResolvedInputError)
    assert str(run.error) == (
        f"trustingStacks: {REFERENCE}: roleArn: '<42 characters, hidden>' is not an IAM role ARN "
        "(arn:<partition>:iam::<account>:role/<path/>name)"
    )
    assert run.aws_resources == []


def test_a_secret_role_arn_listed_twice_is_not_shown_in_the_error() -> None:
    run = run_failing(
        stack="trusted",
        config={**USERS, "trustingStacks": [REFERENCE], "roleArns": [SECRET_ROLE_ARN]},
        mocks=stacks({REFERENCE: {"roleArn": SECRET_ROLE_ARN}}, {REFERENCE: ["roleArn"]}),
    )
    assert str(run.error) == "trustingStacks/roleArns: '<hidden>' is listed twice: entries must be distinct"


def test_a_secret_role_arn_ending_soon_is_not_shown_in_the_warning(warnings_: list[str]) -> None:
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    run_main(
        stack="trusted",
        config=USERS,
        mocks=stacks({REFERENCE: {"roleArn": SECRET_ROLE_ARN, "expiresAt": soon}}, {REFERENCE: ["roleArn"]}),
    )
    assert warnings_ == [
        f"trustingStacks: access to '<hidden>' ends at '{soon}' (expiresAt of its trust policy), less than "
        "7 days away"
    ]


# Bad values read from a trusting stack: one line naming the stack and the output -----------------


@pytest.mark.parametrize(
    ("outputs", "error"),
    [
        (
            {"roleArn": "*"},
            f"trustingStacks: {REFERENCE}: roleArn: '*' contains a wildcard: a role must be named exactly, "
            "never with * or ?",
        ),
        (
            {"roleArn": ROLE_ARN, "expiresAt": "tomorrow"},
            f"trustingStacks: {REFERENCE}: expiresAt: 'tomorrow' is not a time in RFC 3339 UTC to the second, "
            "such as 2027-03-31T23:59:59Z",
        ),
        (
            {"roleArn": ROLE_ARN, "expiresAt": 17},
            f"trustingStacks: {REFERENCE}: expiresAt: 17.0 must be a string",
        ),
        (
            {"roleArnsByAccount": {}},
            f"trustingStacks: {REFERENCE}: roleArnsByAccount: {{}} holds no role: a rollout stack lists at least "
            "one account; run `pulumi up` on that stack, or leave it out of trustingStacks",
        ),
        (
            {"roleArnsByAccount": {A: "*"}},
            f"trustingStacks: {REFERENCE}: roleArnsByAccount.{A}: '*' contains a wildcard: a role must be named "
            "exactly, never with * or ?",
        ),
        (
            {"roleName": "x"},
            f"trustingStacks: '{REFERENCE}' has no 'roleArn' output: run `pulumi up` on that stack first, or "
            "list the role in roleArns",
        ),
        ({"roleArn": 5}, f"trustingStacks: {REFERENCE}: roleArn: 5.0 must be a string"),
    ],
    ids=["wildcard", "expires-not-a-time", "expires-a-number", "empty-by-account", "by-account-wildcard",
         "no-role-arn", "role-arn-a-number"],
)  # fmt: skip
def test_a_bad_value_read_from_a_stack_is_one_line_naming_the_stack_and_the_output(
    outputs: dict[str, Any], error: str
) -> None:
    run = run_failing(stack="trusted", config=USERS, mocks=stacks({REFERENCE: outputs}))
    assert isinstance(run.error, ResolvedInputError), repr(run.error)
    assert isinstance(run.error.error, InvalidInputError)
    assert str(run.error) == error
    assert not isinstance(run.error, ValueError), "the SDK wraps a ValueError in its multi-line text"
    assert run.aws_resources == []
