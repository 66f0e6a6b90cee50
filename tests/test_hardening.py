"""Odd and hostile input: per-account trust, secrets, warnings, crashes after registration, name clashes.

The bad config values with their exact one-line errors are in test_bad_inputs.py (the
table in docs/security.md); this file covers what is not a config error: what the run
builds, warns about and keeps secret, and that no input ends in a traceback.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pulumi
import pytest
from conftest import (
    TRUSTED_ACCOUNT,
    TRUSTING_ACCOUNT,
    RecordingMocks,
    config_strings,
    pulumi_run,
    run_failing,
    run_main,
)

from cross_account import InvalidInputError, TrustedAccountAccess, TrustingAccountRole, TrustingRoleRollout
from cross_account.documents import policy_size, trust_policy
from cross_account.trusted import attachment_names
from cross_account.trusting import checked_trust_policy, validate_trusting_args
from program import settings

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
USER_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
REFERENCE = "organization/cross-account-access/trusting"
ROLE_ARN = "arn:aws:iam::111122223333:role/my-s3-x-account-role"
ACCOUNTS = {"trustedAccountIds": ["444455556666"]}
READ: dict[str, Any] = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}


def root(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


# Principal patterns narrow only the accounts they name ------------------------------


def test_an_account_no_pattern_names_is_trusted_whole_in_its_own_statement() -> None:
    document = trust_policy(
        "aws",
        ["444477778888", "444455556666", "444466667777"],
        trusted_principal_arns=[
            "arn:aws:iam::444466667777:role/ops-*",
            "arn:aws:iam::444455556666:user/alice",
        ],
    )
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustedAccountsMayAssume",
                "Effect": "Allow",
                "Principal": {"AWS": root("444477778888")},
                "Action": "sts:AssumeRole",
            },
            {
                "Sid": "TrustedPrincipalsMayAssume",
                "Effect": "Allow",
                "Principal": {"AWS": [root("444455556666"), root("444466667777")]},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ArnLike": {
                        "aws:PrincipalArn": [
                            "arn:aws:iam::444455556666:user/alice",
                            "arn:aws:iam::444466667777:role/ops-*",
                        ]
                    }
                },
            },
        ],
    }


def test_when_patterns_name_every_account_the_document_is_the_one_it_always_was() -> None:
    """Configs that work today keep a byte-identical trust policy (one statement, the same Sid)."""
    document = trust_policy(
        "aws",
        ["444455556666"],
        external_id="x-1",
        trusted_principal_arns=["arn:aws:iam::444455556666:role/a"],
    )
    assert document["Statement"] == [
        {
            "Sid": "TrustedAccountsMayAssume",
            "Effect": "Allow",
            "Principal": {"AWS": root("444455556666")},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"sts:ExternalId": "x-1"},
                "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/a"},
            },
        }
    ]


def test_every_condition_applies_to_both_statements() -> None:
    document = trust_policy(
        "aws",
        ["444455556666", "444466667777"],
        require_mfa=True,
        organization_id="o-abcdefghij",
        trusted_principal_arns=["arn:aws:iam::444455556666:role/a"],
    )
    whole, narrowed = document["Statement"]
    common = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"},
    }
    assert whole["Condition"] == common
    assert narrowed["Condition"] == {
        **common,
        "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/a"},
    }


def test_the_second_statement_counts_in_the_trust_size_quota() -> None:
    ids = [f"{200000000000 + i}" for i in range(70)]
    patterns = ["arn:aws:iam::200000000000:role/ops"]
    document = trust_policy("aws", ids, trusted_principal_arns=patterns)
    size = policy_size(document)
    assert len(document["Statement"]) == 2
    assert size > policy_size(trust_policy("aws", ids)), "the narrowed statement adds characters"
    settings_ = validate_trusting_args(
        {"trusted_account_ids": ids, "trusted_principal_arns": patterns, "trust_policy_size_limit": size}
    )
    assert checked_trust_policy("aws", ids, None, settings_) == document
    with pytest.raises(InvalidInputError) as caught:
        checked_trust_policy("aws", ids, None, replace(settings_, trust_policy_size_limit=size - 1))
    assert f"makes a trust policy of {size} characters, over the {size - 1}-character quota" in str(
        caught.value
    )


def test_the_program_trusts_the_unnamed_account_whole() -> None:
    run = run_main(
        stack="trusting",
        config={
            "trustedAccountIds": ["444455556666", "444466667777", "444477778888"],
            "trustedPrincipalArns": [
                "arn:aws:iam::444455556666:role/ops",
                "arn:aws:iam::444466667777:role/ops",
            ],
        },
    )
    statements = json.loads(run.one(ROLE).inputs["assumeRolePolicy"])["Statement"]
    assert [s["Principal"]["AWS"] for s in statements] == [
        root("444477778888"),
        [root("444455556666"), root("444466667777")],
    ]
    assert "Condition" not in statements[0]


# Secrets stay secret ---------------------------------------------------------------


def test_keys_set_as_secrets_are_secret_in_every_resource_input() -> None:
    inline = {"read": {"Version": "2012-10-17", "Statement": [READ]}}
    run = run_main(
        stack="trusting",
        config={**ACCOUNTS, "tags": {"team": "ops"}, "roleDescription": "hidden", "inlinePolicies": inline},
        secret_keys=("tags", "roleDescription", "inlinePolicies"),
    )
    role = run.one(ROLE)
    assert {"tags", "description"} <= role.secret_inputs
    assert role.inputs["tags"] == {"team": "ops"} and role.inputs["description"] == "hidden"
    assert "assumeRolePolicy" not in role.secret_inputs, "only what the user made secret"
    policy = run.one(ROLE_POLICY)
    assert {"name", "policy"} <= policy.secret_inputs
    assert json.loads(policy.inputs["policy"]) == inline["read"]


def test_a_secret_trust_key_makes_the_trust_policy_secret() -> None:
    run = run_main(
        stack="trusting",
        config={**ACCOUNTS, "organizationId": "o-abcdefghij"},
        secret_keys=("organizationId",),
    )
    role = run.one(ROLE)
    assert "assumeRolePolicy" in role.secret_inputs
    assert role.additional_secret_outputs == ("assumeRolePolicy",)


def test_a_secret_role_name_makes_the_role_outputs_secret() -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, "roleName": "quiet"}, secret_keys=("roleName",))
    assert {"roleArn", "roleName", "switchRoleUrl"} <= run.secret_outputs
    assert "name" in run.one(ROLE).secret_inputs


def test_a_secret_policy_name_on_the_trusted_side_is_secret_in_the_policy_and_outputs() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={REFERENCE: {"roleArn": ROLE_ARN}})
    run = run_main(
        stack="trusted",
        config={"userNames": ["alice"], "policyName": "quiet-policy"},
        secret_keys=("policyName",),
        mocks=mocks,
    )
    assert "name" in run.one(POLICY).secret_inputs
    assert {"policyArn", "policyArns"} <= run.secret_outputs


def test_a_secret_new_group_is_secret_in_the_group_its_attachment_and_the_principals() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={REFERENCE: {"roleArn": ROLE_ARN}})
    run = run_main(
        stack="trusted",
        config={
            "newGroupName": "quiet-team",
            "newGroupMembers": ["dave"],
            "expiresAt": "2099-01-01T00:00:00Z",
        },
        secret_keys=("newGroupName", "expiresAt"),
        mocks=mocks,
    )
    group = run.one("aws:iam/group:Group")
    assert group.name == "trusted-new-group", "the group's name is not in its resource name"
    assert "name" in group.secret_inputs and "name" in group.additional_secret_outputs
    assert "group" in run.one("aws:iam/groupPolicyAttachment:GroupPolicyAttachment").secret_inputs
    assert "groups" in run.one("aws:iam/userGroupMembership:UserGroupMembership").secret_inputs
    assert "policy" in run.one(POLICY).secret_inputs, "the end of access is in the document"
    assert "principals" in run.secret_outputs


SECRET = "Sup3rSecretValue-42"


@pytest.mark.parametrize(
    ("side", "config", "secret_key"),
    [
        ("trusted", {"userNames": ["alice"], "externalId": SECRET}, "externalId"),
        ("trusting", {**ACCOUNTS, "externalID": SECRET}, "externalID"),
        ("trusting", {**ACCOUNTS, "roleDescription": SECRET + "\u00e9" * 1001}, "roleDescription"),
        ("trusting", {**ACCOUNTS, "roleName": SECRET + " x"}, "roleName"),
        ("trusting", {**ACCOUNTS, "tags": {SECRET: "x" * 300}}, "tags"),
        ("trusting", {**ACCOUNTS, "managedPolicyArns": [SECRET + " !"]}, "managedPolicyArns"),
        ("trusting", {"trustedAccountIds": [SECRET]}, "trustedAccountIds"),
        (
            "trusting",
            {**ACCOUNTS, "trustedPrincipalArns": [f"arn:aws:iam::444466667777:role/{SECRET}"]},
            "trustedPrincipalArns",
        ),
        ("trusted", {"userNames": [SECRET + "!"]}, "userNames"),
        ("trusted", {"userNames": ["alice"], "roleArns": [f"arn:aws:iam::1:role/{SECRET}"]}, "roleArns"),
        ("trusting", {**ACCOUNTS, "cross-acount-access:externalId": SECRET}, "cross-acount-access:externalId"),
        ("trusted", {"newGroupName": SECRET + " x"}, "newGroupName"),
        ("trusted", {"roleNames": [SECRET + "!"]}, "roleNames"),
        ("trusted", {"userNames": ["alice"], "tags": {SECRET: "x" * 300}}, "tags"),
        ("trusted", {"userNames": ["alice"], "expiresAt": SECRET}, "expiresAt"),
    ],
    ids=[
        "trusting-key-on-trusted-stack", "misspelt-key", "description", "role-name", "tags",
        "managed-policy", "account-id", "principal-pattern", "user-name", "role-arn", "misspelt-namespace",
        "new-group-name", "trusted-role-name", "trusted-tags", "trusted-expires-at",
    ],
)  # fmt: skip
def test_no_error_shows_the_value_of_a_key_set_as_a_secret(
    side: str, config: dict[str, Any], secret_key: str
) -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={REFERENCE: {"roleArn": ROLE_ARN}})
    run = run_failing(stack=side, config=config, secret_keys=(secret_key,), mocks=mocks)
    assert isinstance(run.error, InvalidInputError), run.error
    assert SECRET not in str(run.error), str(run.error)
    assert run.aws_resources == []


def test_no_warning_shows_the_value_of_a_key_set_as_a_secret(warnings_: list[str]) -> None:
    run_main(
        stack="trusting",
        config={**ACCOUNTS, "managedPolicyArns": ["AmazonS3ReadOnly"]},
        secret_keys=("managedPolicyArns",),
    )
    assert warnings_ == [
        "managedPolicyArns: '<hidden>' is not a known AWS managed policy (it is used as given; AWS refuses it "
        "at deploy time if it does not exist)"
    ]


# Warnings: accepted, but worth a second look -----------------------------------------


def test_an_unknown_managed_policy_name_warns_once_with_the_closest_known_name(warnings_: list[str]) -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, "managedPolicyArns": ["AmazonS3ReadOnly"]})
    assert warnings_ == [
        "managedPolicyArns: 'AmazonS3ReadOnly' is not a known AWS managed policy: did you mean "
        "'AmazonS3ReadOnlyAccess'? (it is used as given; AWS refuses it at deploy time if it does not exist)"
    ]
    assert run.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/AmazonS3ReadOnly"
    ), "the name is kept as given"


@pytest.mark.parametrize(
    ("policy", "closest"),
    [
        ("arn:aws:iam::aws:policy/ReadOnlyAcess", "ReadOnlyAccess"),
        ("AWSLambdaRole", "service-role/AWSLambdaRole"),
        ("viewonlyaccess", "job-function/ViewOnlyAccess"),
    ],
)
def test_unknown_names_suggest_the_known_one(warnings_: list[str], policy: str, closest: str) -> None:
    run_main(stack="trusting", config={**ACCOUNTS, "managedPolicyArns": [policy]})
    assert len(warnings_) == 1 and f"did you mean {closest!r}?" in warnings_[0], warnings_


def test_known_and_customer_managed_policies_do_not_warn(warnings_: list[str]) -> None:
    # job-function/ViewOnlyAccess lists resources and reads their configuration, no data: no warning.
    policies = [
        "AmazonS3ReadOnlyAccess",
        "job-function/ViewOnlyAccess",
        "arn:aws:iam::111122223333:policy/mine",
    ]
    run_main(stack="trusting", config={**ACCOUNTS, "managedPolicyArns": policies})
    assert warnings_ == []


ADMIN = "to principals of other accounts: grant only what the role needs"
READ_EVERYTHING = (
    "read access to the data of every service, not only its configuration: every S3 object, DynamoDB item, "
    "log event, SQS message and Kinesis record, Lambda functions' code and environment, CodeCommit "
    "repositories, SSM parameters, and secrets' metadata"
)
"""Why ReadOnlyAccess warns (docs/security.md; Prowler's iam_role_cross_account_readonlyaccess_policy rates it high)."""


@pytest.mark.parametrize(
    ("config", "warning"),
    [
        (
            {"managedPolicyArns": ["AdministratorAccess"]},
            "managedPolicyArns: 'AdministratorAccess' gives administrator-level permissions (every action on "
            f"every resource), {ADMIN} (the policy pack's rule no-admin-on-cross-account-role refuses it)",
        ),
        (
            {"managedPolicyArns": ["arn:aws:iam::aws:policy/IAMFullAccess"]},
            "managedPolicyArns: 'arn:aws:iam::aws:policy/IAMFullAccess' gives every IAM action, with which a "
            f"session can grant itself anything, {ADMIN} (the policy pack's rule no-admin-on-cross-account-role "
            "refuses it)",
        ),
        (
            {"managedPolicyArns": ["PowerUserAccess"]},
            "managedPolicyArns: 'PowerUserAccess' gives every action outside IAM and Organizations, "
            f"{ADMIN} (the policy pack does not refuse it)",
        ),
        (
            {"managedPolicyArns": ["ReadOnlyAccess"]},
            f"managedPolicyArns: 'ReadOnlyAccess' gives {READ_EVERYTHING}, {ADMIN} (the policy pack does not refuse it)",
        ),
        (
            {"managedPolicyArns": ["arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"]},
            f"managedPolicyArns: 'arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess' gives {READ_EVERYTHING}, {ADMIN} "
            "(the policy pack does not refuse it)",
        ),
        (
            {"inlinePolicies": {"all": {"Version": "2012-10-17", "Statement": [{**READ, "Action": "*", "Resource": "*"}]}}},
            "inlinePolicies.all: 'all' allows every action (\"Action\": \"*\"), "
            f"{ADMIN} (the policy pack's rule no-admin-on-cross-account-role refuses it)",
        ),
        (
            {"inlinePolicies": {"iam": {"Version": "2012-10-17", "Statement": [{**READ, "Action": "iam:*"}]}}},
            "inlinePolicies.iam: 'iam' allows every IAM action (iam:*), with which a session can grant itself "
            f"anything, {ADMIN} (the policy pack does not refuse it)",
        ),
        (
            {"inlinePolicies": {"hop": {"Version": "2012-10-17", "Statement": [{**READ, "Action": "sts:AssumeRole", "Resource": "*"}]}}},
            "inlinePolicies.hop: 'hop' allows sts:AssumeRole on roles it does not name, hopping on to other "
            f"accounts, {ADMIN} (the policy pack's rule assume-role-names-role-arns refuses it)",
        ),
        (
            {"inlinePolicies": {"most": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}}},
            "inlinePolicies.most: 'most' allows every action but those listed (Allow with NotAction), "
            f"{ADMIN} (the policy pack's rule assume-role-names-role-arns refuses it)",
        ),
    ],
    ids=["AdministratorAccess", "IAMFullAccess", "PowerUserAccess", "ReadOnlyAccess", "ReadOnlyAccess-arn", "inline-star", "inline-iam", "inline-assume-any", "not-action"],
)  # fmt: skip
def test_administrator_level_permissions_warn_naming_the_policy(
    warnings_: list[str], config: dict[str, Any], warning: str
) -> None:
    run_main(stack="trusting", config={**ACCOUNTS, **config})
    assert warnings_ == [warning]


def test_a_role_that_trusts_its_own_account_warns_naming_it(warnings_: list[str]) -> None:
    run = run_main(stack="trusting", config={"trustedAccountIds": [TRUSTING_ACCOUNT, TRUSTED_ACCOUNT]})
    assert warnings_ == [
        f"trustedAccountIds: '{TRUSTING_ACCOUNT}' is the account this role is created in: a role that trusts "
        "its own account is not cross-account access, and lets in every principal of that account whose own "
        "policies allow sts:AssumeRole"
    ]
    assert run.one(ROLE)


# No crash after anything is registered -----------------------------------------------


@pytest.mark.parametrize("partition", ["aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"])
def test_partitions_without_a_console_get_an_empty_link_and_a_warning(
    warnings_: list[str], partition: str
) -> None:
    run = run_main(stack="trusting", config=ACCOUNTS, mocks=RecordingMocks(partition=partition))
    assert run.outputs["switchRoleUrl"] == ""
    assert run.outputs["roleArn"] == f"arn:{partition}:iam::{TRUSTING_ACCOUNT}:role/cross-account-role"
    assert warnings_ == [
        f"partition {partition!r} has no console switch-role page: switchRoleUrl is empty; use STS or the CLI "
        "profile"
    ]


def test_the_trusted_side_gives_an_empty_link_for_a_role_without_a_console(warnings_: list[str]) -> None:
    iso = "arn:aws-iso-b:iam::111122223333:role/reader"
    run = run_main(
        stack="trusted",
        config={"userNames": ["alice"], "roleArns": [iso]},
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT, partition="aws-iso-b"),
    )
    assert run.outputs["switchRoleUrls"] == [""]
    assert warnings_ == [
        f"{iso}: partition 'aws-iso-b' has no console switch-role page: its switchRoleUrls entry is empty; "
        "use STS or the CLI profile"
    ]


def many_roles(count: int) -> list[str]:
    return [f"arn:aws:iam::{100000000000 + i}:role/cross-account-role-{i:04d}" for i in range(count)]


def test_split_policies_never_give_two_attachments_one_name(warnings_: list[str]) -> None:
    run = run_main(
        stack="trusted",
        config={"userNames": ["alice", "alice-2"], "roleArns": many_roles(150)},
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT),
    )
    assert len(run.of_type(POLICY)) == 2
    attachments = {
        (r.inputs["user"], r.inputs["policyArn"].rsplit("/", 1)[1]): r.name
        for r in run.of_type(USER_ATTACHMENT)
    }
    assert attachments == {
        ("alice", "cross-account-assume-role"): "trusted-user-alice",
        ("alice", "cross-account-assume-role-2"): "trusted-user-alice/2",
        ("alice-2", "cross-account-assume-role"): "trusted-user-alice-2",
        ("alice-2", "cross-account-assume-role-2"): "trusted-user-alice-2-2",
    }
    assert warnings_ == [
        "userNames: 'alice' and 'alice-2': the attachment of policy 2 to 'alice' is named "
        "'trusted-user-alice/2', so that it cannot clash with the other's; if an earlier run created it as "
        "'trusted-user-alice-2', run `pulumi refresh` and `pulumi up` once more, which attaches it again"
    ]


@pytest.mark.parametrize("principals", [["alice", "bob"], ["a-1", "a-1-3", "b"], ["x-3", "x"]])
def test_names_that_worked_before_are_kept(principals: list[str]) -> None:
    names = attachment_names("t-user", principals, 2)
    assert names == {(p, i): f"t-user-{p}{'' if i == 0 else '-2'}" for p in principals for i in range(2)}


def test_no_two_attachment_names_are_the_same_whatever_the_names() -> None:
    principals = ["a", "a-2", "a-3", "a-2-2", "a-2-3", "b-10", "b", "b-1"]
    for count in range(1, 12):
        names = attachment_names("t", principals, count)
        assert len(set(names.values())) == len(names), count


# The component API ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [("mfa_required", "role_requires_mfa"), ("external_id_required", "role_requires_external_id")],
)
def test_the_old_names_of_the_role_requirement_inputs_say_their_new_names(old: str, new: str) -> None:
    def body() -> None:
        TrustedAccountAccess("acme", {"role_arns": [ROLE_ARN], "user_names": ["a"], old: True})  # type: ignore[typeddict-unknown-key]

    run = pulumi_run(body, expect_error=True)
    assert str(run.error) == (
        f"{old}: True was renamed {new}: it says what the roles' trust policies require "
        "(require_mfa is the identity-side condition this component adds)"
    )
    assert run.registrations == []


class GenericMocks(RecordingMocks):
    """What a project's own mocks often are: every invoke answered with nothing."""

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        return {}


@pytest.mark.parametrize(
    ("build", "invoke", "field"),
    [
        (lambda: TrustingAccountRole("r", {"trusted_account_ids": ["444455556666"]}), "aws:index/getPartition:getPartition", "partition"),
        (
            lambda: TrustedAccountAccess("a", {"role_arns": [ROLE_ARN], "user_names": ["a"], "require_mfa": True}),
            "aws:index/getCallerIdentity:getCallerIdentity",
            "accountId",
        ),
    ],
    ids=["trusting", "trusted"],
)  # fmt: skip
def test_mocks_that_do_not_answer_an_invoke_get_one_line_naming_it(
    build: Any, invoke: str, field: str
) -> None:
    run = pulumi_run(lambda: {"built": build().urn}, mocks=GenericMocks(), expect_error=True)  # type: ignore[arg-type]
    assert (
        str(run.error)
        .splitlines()[-1]
        .endswith(
            f"the invoke {invoke} returned no {field!r}: under Pulumi unit-test mocks, answer it "
            "(cross_account.testing.CrossAccountMocks answers every invoke the components make)"
        )
    ), str(run.error)


def test_deeply_nested_component_inputs_are_refused_with_one_line() -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(InvalidInputError) as caught:
        validate_trusting_args({"trusted_account_ids": ["444455556666"], "inline_policies": {"p": deep}})
    assert str(caught.value) == (
        "inline_policies: '<nested more than 16 levels deep>' nests maps and lists deeper than any IAM document "
        "needs (16 levels)"
    )


# No input crashes the program ----------------------------------------------------------

ODD_VALUES: list[Any] = [
    "", " ", "\n", "x\n", "\u00e9", "\uff12" * 12, "\x00", "*", "?", "a" * 5000, "444455556666\n",
    "arn:aws:iam::444455556666:role/x\n", "//", "/a//b/", 0, -1, 2**63, 1.5, True, None, [], [None], [[]],
    ["\u00e9"], [1, 2], {}, {"a": None}, {"": ""}, {"aws:x": "y"}, {"a": {"b": {"c": []}}}, "[", "{", "null",
]  # fmt: skip


def test_no_value_of_any_key_ends_in_anything_but_a_one_line_config_error() -> None:
    """Every key of both sides, with every odd value: the result is settings or an InvalidInputError."""
    outcomes = {"settings": 0, "errors": 0}
    for key in settings.KEYS:
        for value in ODD_VALUES:
            raw = config_strings({**ACCOUNTS, "userNames": ["alice"], key.name: value})
            for side in ("trusting", "trusted"):
                for drop in ("trustedAccountIds", "userNames"):
                    ours = {k: v for k, v in raw.items() if not k.endswith(f":{drop}") or key.name == drop}
                    try:
                        settings.load(ours, stack=side)
                        outcomes["settings"] += 1
                    except InvalidInputError as error:
                        assert "\n" not in str(error).replace("\\n", ""), (key.name, value, str(error))
                        outcomes["errors"] += 1
    assert outcomes["errors"] > 1000 and outcomes["settings"] > 0, outcomes


# Component args written as config keys (camelCase) ---------------------------------------------

CAMEL_ROLE_ARN = "arn:aws:iam::111122223333:role/audit"


@pytest.mark.parametrize(
    ("component", "args", "message"),
    [
        (
            TrustingAccountRole,
            {"trustedAccountIds": ["444455556666"]},
            "trustedAccountIds: ['444455556666'] is not an input: did you mean trusted_account_ids? "
            "(inputs are snake_case)",
        ),
        (
            TrustingAccountRole,
            {"trusted_account_ids": ["444455556666"], "maxSessionDuration": 7200},
            "maxSessionDuration: 7200 is not an input: did you mean max_session_duration? (inputs are snake_case)",
        ),
        (
            TrustedAccountAccess,
            {"roleArns": [CAMEL_ROLE_ARN], "user_names": ["alice"]},
            f"roleArns: ['{CAMEL_ROLE_ARN}'] is not an input: did you mean role_arns? (inputs are snake_case)",
        ),
        (
            TrustedAccountAccess,
            {"role_arns": [CAMEL_ROLE_ARN], "userNames": ["alice"]},
            "userNames: ['alice'] is not an input: did you mean user_names? (inputs are snake_case)",
        ),
        (
            TrustingRoleRollout,
            {"targetAccountIds": ["111122223333"], "trusted_account_ids": ["444455556666"]},
            "targetAccountIds: ['111122223333'] is not an input: did you mean target_account_ids? "
            "(inputs are snake_case)",
        ),
        (
            TrustingRoleRollout,
            {"target_account_ids": ["111122223333"], "trustedAccountIds": ["444455556666"]},
            "trustedAccountIds: ['444455556666'] is not an input: did you mean trusted_account_ids? "
            "(inputs are snake_case)",
        ),
    ],
    ids=["role", "role-second-arg", "access", "access-second-arg", "rollout", "rollout-role-input"],
)
def test_a_camel_case_component_arg_is_refused_with_the_snake_case_input_it_means(
    component: Any, args: dict[str, Any], message: str
) -> None:
    run = pulumi_run(lambda: {"x": component("acme", args).urn}, expect_error=True)
    assert str(run.error) == message
    assert run.registrations == []


def test_a_camel_case_secret_input_name_gets_the_input_it_means_and_a_camel_case_secret_stays_hidden() -> (
    None
):
    run = pulumi_run(
        lambda: {
            "x": TrustingAccountRole(
                "acme", {"trusted_account_ids": ["444455556666"], "secret_inputs": ["roleName"]}
            ).urn
        },
        expect_error=True,
    )
    assert str(run.error).startswith(
        "secret_inputs: 'roleName' is not an input that can be secret: did you mean role_name? (inputs: ["
    ), run.error
    run = pulumi_run(
        lambda: {
            "x": TrustingAccountRole(
                "acme", {"trusted_account_ids": ["444455556666"], "roleDescription": "s3cr3t-words"}
            ).urn
        },
        expect_error=True,
    )
    assert str(run.error).startswith(
        "roleDescription: 's3cr3t-words' is not an input: did you mean role_description?"
    )
    run = pulumi_run(
        lambda: {
            "x": TrustingAccountRole(
                "acme",
                {
                    "trusted_account_ids": ["444455556666"],
                    "roleDescription": "s3cr3t-words",
                    "secret_inputs": ["role_description"],
                },
            ).urn
        },
        expect_error=True,
    )
    assert str(run.error) == (
        "roleDescription: '<12 characters, hidden>' is not an input: did you mean role_description? "
        "(inputs are snake_case)"
    ), "the value of an input set as secret stays hidden under its camelCase name too"


# Trust conditions: no bypass, no secret in clear, nothing that can never hold -----------------


@pytest.mark.parametrize(
    "conditions",
    [
        {"StringEquals": {"sts:externalid": "Partner-Secret-7f3a"}},
        {"StringLike": {"STS:EXTERNALID": ["Partner-Secret-7f3a*"]}},
        {"StringNotEquals": {"sts:ExternalId": "Partner-Secret-7f3a"}},
        {"ForAnyValue:StringEquals": {"sts:ExternalId": ["Partner-Secret-7f3a"]}},
        {"StringEquals": ["sts:ExternalId", "Partner-Secret-7f3a"]},
    ],
    ids=["lower-case", "upper-case-like", "not-equals", "set-operator", "a-list-not-a-map"],
)
def test_an_external_id_in_extra_trust_conditions_is_refused_and_never_shown(
    conditions: dict[str, Any],
) -> None:
    run = run_failing(stack="trusting", config={**ACCOUNTS, "extraTrustConditions": conditions})
    assert isinstance(run.error, InvalidInputError), run.error
    assert "Partner-Secret-7f3a" not in str(run.error), str(run.error)
    assert run.aws_resources == []
    if isinstance(
        conditions["StringEquals" if "StringEquals" in conditions else next(iter(conditions))], dict
    ):
        assert "use externalIds (or externalId)" in str(run.error)


def test_a_key_the_role_writes_is_refused_in_any_case_beside_its_input() -> None:
    """The four spellings of the report, each next to the key that writes the same condition."""
    cases = [
        ({"externalId": "Partner-7f3a"}, {"StringEquals": {"sts:externalid": "x"}}, "is an external id"),
        (
            {"expiresAt": "2099-12-31T23:59:59Z"},
            {"DateLessThan": {"aws:currenttime": "2099-01-01"}},
            "expiresAt",
        ),
        (
            {"trustedPrincipalArns": ["arn:aws:iam::444455556666:role/ci"]},
            {"ArnLike": {"aws:principalarn": "arn:aws:iam::444455556666:*"}},
            "trustedPrincipalArns/trustedPermissionSets",
        ),
        ({"requireMfa": True}, {"Bool": {"aws:MULTIFACTORAUTHPRESENT": "true"}}, "requireMfa"),
    ]
    for config, conditions, named in cases:
        run = run_failing(stack="trusting", config={**ACCOUNTS, **config, "extraTrustConditions": conditions})
        assert isinstance(run.error, InvalidInputError), run.error
        assert named in str(run.error), str(run.error)
        assert run.aws_resources == []


@pytest.mark.parametrize(
    "config",
    [
        {"trustedPermissionSets": ["Admin"], "trustedPrincipalArns": ["arn:aws:iam::444455556666:user/*"]},
        {
            "trustedAccountIds": ["444455556666", "444466667777"],
            "trustedPrincipalArns": ["arn:aws:iam::444455556666:role/ci"],
        },
        {},
    ],
    ids=["users-too", "an-account-trusted-whole", "no-pattern"],
)
def test_a_username_requirement_stays_when_iam_users_may_call(config: dict[str, Any]) -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, "sessionNameIsUsername": True, **config})
    statements = json.loads(run.one(ROLE).inputs["assumeRolePolicy"])["Statement"]
    assert all(
        s["Condition"]["StringLike"] == {"sts:RoleSessionName": "${aws:username}"} for s in statements
    ), statements


def test_conditions_that_narrow_beside_the_inputs_reach_the_trust_policy() -> None:
    run = run_main(
        stack="trusting",
        config={
            **ACCOUNTS,
            "expiresAt": "2099-12-31T23:59:59Z",
            "trustedPrincipalArns": ["arn:aws:iam::444455556666:role/ops-*"],
            "extraTrustConditions": {
                "DateGreaterThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"},
                "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/ops-admin"},
            },
        },
    )
    statement = json.loads(run.one(ROLE).inputs["assumeRolePolicy"])["Statement"][0]
    assert statement["Condition"] == {
        "DateLessThan": {"aws:CurrentTime": "2099-12-31T23:59:59Z"},
        "DateGreaterThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"},
        "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/ops-admin"},
        "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/ops-*"},
    }


def test_the_component_checks_conditions_against_accounts_known_only_later() -> None:
    """Account ids from an Output: aws:PrincipalAccount is checked once they resolve, before the role exists."""

    def body() -> None:
        TrustingAccountRole(
            "acme",
            {
                "trusted_account_ids": pulumi.Output.from_input(["444455556666"]),
                "extra_trust_conditions": {"StringEquals": {"aws:PrincipalAccount": "444466667777"}},
            },
        )

    run = pulumi_run(body, expect_error=True)
    assert (
        str(run.error)
        .splitlines()[-1]
        .endswith(
            "extra_trust_conditions.StringEquals.aws:PrincipalAccount: '444466667777' names account '444466667777', "
            "which is not one of trusted_account_ids ['444455556666']"
        )
    ), run.error
    assert run.aws_resources == []


def test_roles_given_access_to_a_role_that_requires_the_session_name_or_mfa_warn_once(
    warnings_: list[str],
) -> None:
    outputs = {"roleArn": ROLE_ARN, "sessionNameRequired": True, "mfaRequired": True}
    run_main(
        stack="trusted",
        config={"roleNames": ["ci", "deploy"], "userNames": ["alice"]},
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={REFERENCE: outputs}),
    )
    assert warnings_ == [
        f"roleNames: ['ci', 'deploy'] get the assume-role policies, but '{ROLE_ARN}' requires the session name "
        "to be the caller's IAM user name (${aws:username}), which a role session does not have: these roles "
        "cannot assume it; give it to users or groups instead",
        f"roleNames: ['ci', 'deploy'] get the assume-role policies, but '{ROLE_ARN}' requires MFA "
        "(aws:MultiFactorAuthPresent), which the sessions of roles that CI jobs and workloads use never have: "
        "these roles cannot assume it; give it to users or groups instead",
    ]


def test_roles_given_access_to_a_role_without_such_requirements_do_not_warn(warnings_: list[str]) -> None:
    run_main(
        stack="trusted",
        config={"roleNames": ["ci"]},
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={REFERENCE: {"roleArn": ROLE_ARN}}),
    )
    assert warnings_ == []


def test_extra_conditions_that_hold_but_maybe_not_as_meant_warn_naming_the_key(warnings_: list[str]) -> None:
    run_main(
        stack="trusting",
        config={
            **ACCOUNTS,
            "extraTrustConditions": {
                "ForAllValues:StringLike": {"aws:PrincipalOrgPaths": ["o-abcdefghij/*"]},
                "NotIpAddress": {"aws:SourceIp": "::/0"},
            },
        },
    )
    assert warnings_ == [
        "extraTrustConditions.ForAllValues:StringLike.aws:PrincipalOrgPaths: ForAllValues:StringLike also holds "
        'for a request without aws:PrincipalOrgPaths; if the key must be there, add {"Null": '
        '{"aws:PrincipalOrgPaths": "false"}}',
        "extraTrustConditions.NotIpAddress.aws:SourceIp: '::/0' leaves out every IPv6 address: only callers "
        "over IPv4 may assume the role",
    ]
