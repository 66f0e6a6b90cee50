"""TrustedAccountAccess built from Python, under the mocks harness: documents, names, profiles, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
import pytest
from conftest import TRUSTED_ACCOUNT, RecordingMocks, Run, pulumi_run

from cross_account import (
    InvalidInputError,
    TrustedAccountAccess,
    TrustedAccountAccessArgs,
    assume_role_policy,
    policy_size,
    split_role_arns,
)

POLICY = "aws:iam/policy:Policy"
USER_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
ROLE_A = "arn:aws:iam::111122223333:role/reader"
ROLE_B = "arn:aws:iam::444466667777:role/team/writer"


def build(args: TrustedAccountAccessArgs, **kwargs: Any) -> Run:
    def body() -> dict[str, Any]:
        access = TrustedAccountAccess("acme", args)
        return {
            "policy_arn": access.policy_arn,
            "policy_arns": access.policy_arns,
            "role_arns": access.role_arns,
            "switch_role_urls": access.switch_role_urls,
            "aws_cli_config": access.aws_cli_config,
            "switch_roles_extension_config": access.switch_roles_extension_config,
            "principals": access.principals,
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
    policy_arn = "arn:aws:iam::444455556666:policy/my-policy"
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
        "https://signin.aws.amazon.com/switchrole?account=111122223333&roleName=reader"
        "&displayName=reader%40111122223333"
    ]
    assert run.outputs["aws_cli_config"] == (
        f"[profile reader-111122223333]\nrole_arn = {ROLE_A}\nsource_profile = default\n"
    )
    assert run.of_type("aws:iam/policyAttachment:PolicyAttachment") == [], "never the exclusive attachment"


def test_several_roles_share_one_policy_and_get_one_link_and_profile_each() -> None:
    run = build({"role_arns": [ROLE_B, ROLE_A], "group_names": ["ops"], "source_profile": "identity"})
    assert json.loads(run.one(POLICY).inputs["policy"])["Statement"][0]["Resource"] == [ROLE_A, ROLE_B]
    assert run.outputs["role_arns"] == [ROLE_B, ROLE_A]
    assert run.outputs["switch_role_urls"][0] == (
        "https://signin.aws.amazon.com/switchrole?account=444466667777&roleName=team/writer"
        "&displayName=writer%40444466667777"
    )
    assert run.outputs["aws_cli_config"] == (
        f"[profile reader-111122223333]\nrole_arn = {ROLE_A}\nsource_profile = identity\n\n"
        f"[profile writer-444466667777]\nrole_arn = {ROLE_B}\nsource_profile = identity\n"
    )


def test_require_mfa_adds_the_condition_and_an_mfa_serial_of_the_trusted_account() -> None:
    run = build({"role_arns": [ROLE_A], "user_names": ["alice"], "require_mfa": True})
    statement = json.loads(run.one(POLICY).inputs["policy"])["Statement"][0]
    assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert (
        "mfa_serial = arn:aws:iam::444455556666:mfa/<your-mfa-device-name>\n" in run.outputs["aws_cli_config"]
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
        f"[profile reader-111122223333]\nrole_arn = {ROLE_A}\nsource_profile = default\n"
        "mfa_serial = arn:aws:iam::444455556666:mfa/<your-mfa-device-name>\n"
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


# Today's callers: roles, a group made here, per-role requirements, an end of access ----------

ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
GROUP = "aws:iam/group:Group"
MEMBERSHIP = "aws:iam/userGroupMembership:UserGroupMembership"
EXCLUSIVE = (
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/groupMembership:GroupMembership",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
)
POLICY_ARN = "arn:aws:iam::444455556666:policy/cross-account-assume-role"
FUTURE = "2099-01-01T00:00:00Z"


def test_roles_and_a_new_group_with_its_members_get_the_policy_and_nothing_is_exclusive() -> None:
    run = build(
        {
            "role_arns": [ROLE_A],
            "role_names": ["ci-deployer", "batch"],
            "new_group_name": "release-team",
            "new_group_path": "/teams/",
            "new_group_members": ["dave", "erin"],
            "tags": {"team": "release"},
        }
    )
    assert {r.name: r.inputs for r in run.of_type(ROLE_ATTACHMENT)} == {
        "acme-role-ci-deployer": {"role": "ci-deployer", "policyArn": POLICY_ARN},
        "acme-role-batch": {"role": "batch", "policyArn": POLICY_ARN},
    }
    assert (run.one(GROUP).name, run.one(GROUP).inputs) == (
        "acme-new-group",
        {"name": "release-team", "path": "/teams/"},
    )
    assert {r.name: r.inputs for r in run.of_type(MEMBERSHIP)} == {
        "acme-member-dave": {"user": "dave", "groups": ["release-team"]},
        "acme-member-erin": {"user": "erin", "groups": ["release-team"]},
    }
    assert {r.name: r.inputs for r in run.of_type(GROUP_ATTACHMENT)} == {
        "acme-group-release-team": {"group": "release-team", "policyArn": POLICY_ARN},
    }
    assert run.one(POLICY).inputs["tags"] == {"team": "release"}
    assert [r for r in run.registrations if r.type in EXCLUSIVE] == [], "never an exclusive resource"
    assert run.outputs["principals"] == {
        "users": [],
        "groups": [],
        "roles": ["ci-deployer", "batch"],
        "new_group": "release-team",
        "new_group_members": ["dave", "erin"],
    }


def test_each_profile_is_complete_for_what_its_own_role_requires() -> None:
    run = build(
        {
            "role_arns": [ROLE_A, ROLE_B],
            "user_names": ["alice"],
            "role_requires_external_id": True,
            "role_requirements": [
                {
                    "role_arn": ROLE_B,
                    "external_id_required": False,
                    "session_name_required": True,
                    "source_identity_required": True,
                }
            ],
            "session_duration_seconds": 900,
            "region": "eu-west-1",
            "switch_role_color": "b7ca9d",
        }
    )
    assert run.outputs["aws_cli_config"] == (
        "[profile reader-111122223333]\n"
        f"role_arn = {ROLE_A}\n"
        "source_profile = default\n"
        "external_id = <external-id-from-the-trusting-account>\n"
        "duration_seconds = 900\n"
        "region = eu-west-1\n"
        "\n"
        "# The role requires a source identity, which an AWS CLI profile cannot set: AssumeRole\n"
        "# refuses this profile. Use an SDK's AssumeRole with SourceIdentity, or check the access with\n"
        f"# cross-account-verify {ROLE_B} --source-identity <your-name>\n"
        "[profile writer-444466667777]\n"
        f"role_arn = {ROLE_B}\n"
        "source_profile = default\n"
        "# The role requires the session name to be your IAM user name:\n"
        "role_session_name = <your-iam-user-name>\n"
        "duration_seconds = 900\n"
        "region = eu-west-1\n"
    ), "reader takes the component-wide default (external id); writer its own entry"
    assert run.outputs["switch_role_urls"] == [
        "https://signin.aws.amazon.com/switchrole?account=111122223333&roleName=reader"
        "&displayName=reader%40111122223333&color=b7ca9d",
        "https://signin.aws.amazon.com/switchrole?account=444466667777&roleName=team/writer"
        "&displayName=writer%40444466667777&color=b7ca9d",
    ]
    assert run.outputs["switch_roles_extension_config"] == (
        "# reader-111122223333: left out, the role requires an external id, which the console cannot send.\n"
        "# writer-444466667777: left out, the role requires a source identity, which the console cannot set.\n"
    )
    assert run.invokes == [], "no role requires MFA: no getCallerIdentity"


def test_a_role_that_requires_mfa_alone_gets_an_mfa_serial() -> None:
    run = build(
        {
            "role_arns": [ROLE_A, ROLE_B],
            "user_names": ["alice"],
            "role_requirements": [{"role_arn": ROLE_A, "mfa_required": True}],
        }
    )
    profiles = run.outputs["aws_cli_config"].split("\n\n")
    assert [("mfa_serial" in p) for p in profiles] == [True, False]
    assert "aws:index/getCallerIdentity:getCallerIdentity" in run.invokes


def test_the_earlier_end_applies_to_each_role_and_the_profiles_say_when() -> None:
    run = build(
        {
            "role_arns": [ROLE_A, ROLE_B],
            "user_names": ["alice"],
            "expires_at": FUTURE,
            "role_requirements": [
                {"role_arn": ROLE_A, "expires_at": "2098-01-01T00:00:00Z"},
                {"role_arn": ROLE_B, "expires_at": "2100-01-01T00:00:00Z"},
            ],
        }
    )
    assert json.loads(run.one(POLICY).inputs["policy"])["Statement"] == [
        {
            "Sid": "AssumeCrossAccountRolesUntil20980101000000",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": ROLE_A,
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2098-01-01T00:00:00Z"}},
        },
        {
            "Sid": "AssumeCrossAccountRolesUntil20990101000000",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": ROLE_B,
            "Condition": {"DateLessThan": {"aws:CurrentTime": FUTURE}},
        },
    ]
    config = run.outputs["aws_cli_config"]
    assert config.startswith("# The access ends at 2098-01-01T00:00:00Z.\n[profile reader-111122223333]\n")
    assert "# The access ends at 2099-01-01T00:00:00Z.\n[profile writer-444466667777]\n" in config


def test_requirements_from_outputs_are_used_once_they_resolve() -> None:
    run = build(
        {
            "role_arns": [ROLE_A],
            "group_names": ["ops"],
            "role_requirements": [
                {
                    "role_arn": pulumi.Output.from_input(ROLE_A),
                    "external_id_required": pulumi.Output.from_input(True),
                    "expires_at": pulumi.Output.from_input(FUTURE),
                }
            ],
        }
    )
    assert "external_id = <external-id-from-the-trusting-account>" in run.outputs["aws_cli_config"]
    statement = json.loads(run.one(POLICY).inputs["policy"])["Statement"][0]
    assert statement["Condition"] == {"DateLessThan": {"aws:CurrentTime": FUTURE}}
    component = run.one("cross-account:index:TrustedAccountAccess")
    assert {r.parent for r in run.aws_resources} == {component.urn}


def test_the_split_counts_the_statements_that_ends_add() -> None:
    arns = [f"arn:aws:iam::{100000000000 + i}:role/cross-account-role-{i:04d}" for i in range(100)]
    ends = {arn: f"2099-01-{1 + i:02d}T00:00:00Z" for i, arn in enumerate(arns[:10])}
    assert split_role_arns(arns) == [tuple(arns)], "100 ARNs fit one policy"
    ended = split_role_arns(arns, ends=ends)
    assert [len(chunk) for chunk in ended] == [74, 26], "10 ends add 10 statements: the policy is split"
    assert [a for chunk in ended for a in chunk] == arns, "the order is kept"
    assert policy_size(assume_role_policy(ended[0], ends=ends)) <= 6144
    assert policy_size(assume_role_policy([*ended[0], ended[1][0]], ends=ends)) > 6144, "the first is full"


def test_reordering_every_list_changes_no_urn_and_no_document() -> None:
    def args(order: int) -> TrustedAccountAccessArgs:
        def seq(*items: str) -> list[str]:
            return list(items)[::order]

        return {
            "role_arns": seq(ROLE_A, ROLE_B),
            "user_names": seq("a", "b"),
            "group_names": seq("x", "y"),
            "role_names": seq("ci", "batch"),
            "new_group_name": "release",
            "new_group_members": seq("dave", "erin"),
            "expires_at": FUTURE,
            "role_requirements": [
                {"role_arn": ROLE_A, "expires_at": "2098-01-01T00:00:00Z"},
                {"role_arn": ROLE_B, "session_name_required": True},
            ][::order],
        }

    first, second = build(args(1)), build(args(-1))
    assert sorted(r.urn for r in first.registrations) == sorted(r.urn for r in second.registrations)
    assert first.one(POLICY).inputs == second.one(POLICY).inputs
    assert first.outputs["aws_cli_config"] == second.outputs["aws_cli_config"]


def test_a_config_of_earlier_versions_keeps_every_resource_name_and_input() -> None:
    """Nothing new is registered, and nothing registered before changes, for inputs earlier versions had."""
    run = build(
        {
            "role_arns": [ROLE_A, ROLE_B],
            "user_names": ["alice"],
            "group_names": ["ops"],
            "policy_name": "p",
            "require_mfa": True,
        }
    )
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeCrossAccountRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": [ROLE_A, ROLE_B],
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    arn = "arn:aws:iam::444455556666:policy/p"
    assert sorted(
        (r.type, r.name, json.dumps(r.inputs, sort_keys=True)) for r in run.registrations
    ) == sorted(
        [
            ("cross-account:index:TrustedAccountAccess", "acme", "{}"),
            (
                POLICY,
                "acme-policy",
                json.dumps(
                    {
                        "name": "p",
                        "path": "/",
                        "description": "Allows sts:AssumeRole on cross-account roles",
                        "policy": json.dumps(document),
                    },
                    sort_keys=True,
                ),
            ),
            (
                USER_ATTACHMENT,
                "acme-user-alice",
                json.dumps({"policyArn": arn, "user": "alice"}, sort_keys=True),
            ),
            (
                GROUP_ATTACHMENT,
                "acme-group-ops",
                json.dumps({"group": "ops", "policyArn": arn}, sort_keys=True),
            ),
        ]
    )


def test_the_new_group_shares_the_group_attachment_names_without_a_clash(warnings_: list[str]) -> None:
    many = [f"arn:aws:iam::{100000000000 + i}:role/cross-account-role-{i:04d}" for i in range(150)]
    run = build({"role_arns": many, "group_names": ["ops-2"], "new_group_name": "ops"})
    names = {r.name for r in run.of_type(GROUP_ATTACHMENT)}
    assert names == {"acme-group-ops-2", "acme-group-ops-2-2", "acme-group-ops", "acme-group-ops/2"}
    assert warnings_ == [
        "new_group_name: 'ops' and 'ops-2': the attachment of policy 2 to 'ops' is named 'acme-group-ops/2', "
        "so that it cannot clash with the other's; if an earlier run created it as 'acme-group-ops-2', run "
        "`pulumi refresh` and `pulumi up` once more, which attaches it again"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"role_requirements": [{"role_arn": ROLE_B}]},
            f"role_requirements.role_arn: '{ROLE_B}' is not one of role_arns",
        ),
        (
            {"role_requirements": [{"role_arn": ROLE_A}, {"role_arn": ROLE_A.replace("reader", "Reader")}]},
            "role_requirements.role_arn: 'arn:aws:iam::111122223333:role/Reader' and "
            f"'{ROLE_A}' name the same thing, as IAM names are case-insensitive: keep one spelling",
        ),
        (
            {"role_requirements": [{"role_arn": ROLE_A, "mfa_required": "yes"}]},
            "role_requirements.mfa_required: 'yes' must be true or false",
        ),
        (
            {"role_requirements": [{"role_arn": ROLE_A, "external_id": "x1"}]},
            "role_requirements.external_id: 'x1' is not a field; known: ['expires_at', 'external_id_required', "
            "'mfa_required', 'role_arn', 'session_name_required', 'session_tags_allowed', "
            "'source_identity_allowed', 'source_identity_required']",
        ),
        (
            {"role_requirements": [{"role_arn": ROLE_A, "expires_at": "2099-01-01"}]},
            "role_requirements.expires_at: '2099-01-01' is not a time in RFC 3339 UTC to the second, "
            "such as 2027-03-31T23:59:59Z",
        ),
        ({"role_requirements": [{"mfa_required": True}]}, "role_requirements.role_arn: None is required in every entry"),
        (
            {"new_group_members": ["dave"]},
            "new_group_members: ['dave'] needs new_group_name, the group the component creates for them",
        ),
        (
            {"new_group_name": "Alice-Team", "group_names": ["alice-team"]},
            "new_group_name: 'Alice-Team' is also in group_names ('alice-team'): the component creates "
            "new_group_name, group_names names groups that exist already",
        ),
        (
            {"role_names": ["ci*"]},
            "role_names: 'ci*' contains a wildcard: a role must be named exactly, never with * or ?",
        ),
        (
            {"session_duration_seconds": 899},
            "session_duration_seconds: 899 is out of range: must be 900..43200 seconds",
        ),
        ({"switch_role_color": "#f2b0a9"}, "switch_role_color: '#f2b0a9' is not a colour of 6 hex digits without # (such as f2b0a9)"),
    ],
    ids=[
        "requirement-for-another-role", "requirement-twice", "flag-not-boolean", "unknown-field",
        "end-not-rfc3339", "no-role-arn", "members-without-group", "new-group-exists", "role-wildcard",
        "short-session", "colour-with-hash",
    ],
)  # fmt: skip
def test_bad_new_inputs_are_refused_naming_the_input_the_value_and_the_rule(
    args: dict[str, Any], message: str
) -> None:
    run = pulumi_run(
        lambda: {
            "p": TrustedAccountAccess(
                "acme", {"role_arns": [ROLE_A], "user_names": ["alice"], **args}
            ).policy_arns
        },  # type: ignore[typeddict-item]
        expect_error=True,
    )
    assert isinstance(run.error, InvalidInputError), repr(run.error)
    assert str(run.error) == message
    assert run.aws_resources == []


def test_an_end_less_than_7_days_away_warns_once_and_a_role_whose_trust_ended_warns_once(
    warnings_: list[str],
) -> None:
    soon = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ended = "2020-01-01T00:00:00Z"
    build(
        {
            "role_arns": [ROLE_A, ROLE_B],
            "user_names": ["alice"],
            "expires_at": soon,
            "role_requirements": [
                {"role_arn": ROLE_A, "expires_at": ended},
                {"role_arn": ROLE_B, "expires_at": ended},
            ],
        }
    )
    assert warnings_ == [
        f"expires_at: '{soon}' is less than 7 days away: the access ends then (aws:CurrentTime); move it "
        "later if that is not meant",
        f"role_requirements: access to 2 roles ('{ROLE_A}' and 1 more) ended at '{ended}' (expires_at of its "
        "trust policy): the role refuses every caller, and the assume-role policies allow it no more",
    ]


def test_roles_that_let_callers_tag_sessions_or_set_a_source_identity_get_those_actions_too() -> None:
    role_c = "arn:aws:iam::444477778888:role/ci"
    run = build(
        {
            "role_arns": [ROLE_A, ROLE_B, role_c],
            "role_names": ["ci-deployer"],
            "role_requirements": [
                {"role_arn": ROLE_B, "session_tags_allowed": True, "source_identity_allowed": True},
                {"role_arn": role_c, "session_tags_allowed": True, "source_identity_required": True},
                {"role_arn": ROLE_A, "source_identity_allowed": False},
            ],
        }
    )
    assert json.loads(run.one(POLICY).inputs["policy"])["Statement"] == [
        {"Sid": "AssumeCrossAccountRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE_A},
        {
            "Sid": "AssumeCrossAccountRolesAndSetSourceIdentityAndTagSession",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
            "Resource": [ROLE_B, role_c],
        },
    ], "a required source identity needs sts:SetSourceIdentity as much as an allowed one"
