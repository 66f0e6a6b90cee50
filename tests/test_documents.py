"""The pure document builders: exact policy documents, links and CLI profiles."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest
from botocore.configloader import load_config

from cross_account.documents import (
    CliProfile,
    ExtensionEntry,
    RoleArn,
    assume_role_policy,
    aws_cli_config,
    console_command,
    has_console,
    mfa_serial_placeholder,
    parse_role_arn,
    policy_size,
    switch_role_url,
    switch_role_urls_by_account,
    switch_roles_extension_config,
    trust_policy,
)

A = "arn:aws:iam::111122223333:role/a"
B = "arn:aws:iam::444466667777:role/team/b"
C = "arn:aws:iam::444477778888:role/c"


def test_trust_policy_for_one_account_trusts_its_root_and_nothing_else() -> None:
    assert trust_policy("aws", ["444455556666"]) == {
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


def test_trust_policy_lists_several_accounts_sorted_so_reordering_changes_nothing() -> None:
    one = trust_policy("aws", ["444466667777", "444455556666"])
    other = trust_policy("aws", ["444455556666", "444466667777"])
    assert one == other
    assert one["Statement"][0]["Principal"] == {
        "AWS": ["arn:aws:iam::444455556666:root", "arn:aws:iam::444466667777:root"]
    }


def test_trust_policy_uses_the_partition_in_principals() -> None:
    document = trust_policy("aws-us-gov", ["444455556666"])
    assert document["Statement"][0]["Principal"] == {"AWS": "arn:aws-us-gov:iam::444455556666:root"}


def test_trust_policy_with_every_condition() -> None:
    document = trust_policy(
        "aws",
        ["444455556666"],
        require_mfa=True,
        mfa_max_age_seconds=3600,
        external_id="ext-id-123",
        organization_id="o-abcdefghij",
        trusted_principal_arns=["arn:aws:iam::444455556666:user/bob", "arn:aws:iam::444455556666:role/ops-*"],
    )
    assert document["Statement"][0]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        "StringEquals": {"sts:ExternalId": "ext-id-123", "aws:PrincipalOrgID": "o-abcdefghij"},
        "ArnLike": {
            "aws:PrincipalArn": ["arn:aws:iam::444455556666:role/ops-*", "arn:aws:iam::444455556666:user/bob"]
        },
    }


@pytest.mark.parametrize(
    ("options", "condition"),
    [
        ({"require_mfa": True}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        (
            {"mfa_max_age_seconds": 900},
            {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": "900"},
            },
        ),
        ({"external_id": "abc"}, {"StringEquals": {"sts:ExternalId": "abc"}}),
        ({"organization_id": "o-abcdefghij"}, {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}),
        (
            {"trusted_principal_arns": ["arn:aws:iam::444455556666:user/bob"]},
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:user/bob"}},
        ),
    ],
)
def test_each_trust_option_adds_exactly_its_condition(options: dict, condition: dict) -> None:
    assert trust_policy("aws", ["444455556666"], **options)["Statement"][0]["Condition"] == condition


def test_assume_role_policy_allows_only_assume_role_on_the_given_arn() -> None:
    assert assume_role_policy(["arn:aws:iam::111122223333:role/r"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeCrossAccountRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": "arn:aws:iam::111122223333:role/r",
            }
        ],
    }


def test_assume_role_policy_lists_several_arns_sorted_and_can_require_mfa() -> None:
    document = assume_role_policy(
        ["arn:aws:iam::444466667777:role/b", "arn:aws:iam::111122223333:role/a"], require_mfa=True
    )
    assert document["Statement"][0]["Resource"] == [
        "arn:aws:iam::111122223333:role/a",
        "arn:aws:iam::444466667777:role/b",
    ]
    assert document["Statement"][0]["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_policy_size_counts_characters_without_whitespace() -> None:
    assert policy_size({"a": ["b", "c"]}) == len('{"a":["b","c"]}')


@pytest.mark.parametrize(
    ("arn", "parts"),
    [
        ("arn:aws:iam::111122223333:role/r", RoleArn("aws", "111122223333", "/", "r")),
        (
            "arn:aws-cn:iam::111122223333:role/team/app/r",
            RoleArn("aws-cn", "111122223333", "/team/app/", "r"),
        ),
        ("arn:aws:iam::111122223333:user/r", None),
        ("arn:aws:iam::11111111111:role/r", None),
        ("arn:aws:iam::111122223333:role/", None),
    ],
)
def test_parse_role_arn(arn: str, parts: RoleArn | None) -> None:
    assert parse_role_arn(arn) == parts


def test_switch_role_url_fills_account_name_and_display_name() -> None:
    assert switch_role_url("arn:aws:iam::111122223333:role/my-s3-x-account-role") == (
        "https://signin.aws.amazon.com/switchrole?account=111122223333"
        "&roleName=my-s3-x-account-role&displayName=my-s3-x-account-role%40111122223333"
    )


def test_switch_role_url_role_name_carries_the_path_without_its_leading_slash() -> None:
    url = switch_role_url("arn:aws:iam::111122223333:role/team/app/reader", display="Team reader")
    assert url == (
        "https://signin.aws.amazon.com/switchrole?account=111122223333"
        "&roleName=team/app/reader&displayName=Team%20reader"
    )


@pytest.mark.parametrize(
    ("partition", "host"),
    [("aws-us-gov", "signin.amazonaws-us-gov.com"), ("aws-cn", "signin.amazonaws.cn")],
)
def test_switch_role_url_uses_the_partitions_sign_in_host(partition: str, host: str) -> None:
    assert switch_role_url(f"arn:{partition}:iam::111122223333:role/r").startswith(
        f"https://{host}/switchrole?"
    )


def test_switch_role_url_refuses_what_is_not_a_role_arn() -> None:
    with pytest.raises(ValueError, match="is not an IAM role ARN"):
        switch_role_url("arn:aws:iam::111122223333:user/alice")


def test_aws_cli_config_has_one_profile_per_role_sorted_by_name() -> None:
    text = aws_cli_config(
        [
            CliProfile("arn:aws:iam::444466667777:role/b", "identity"),
            CliProfile("arn:aws:iam::111122223333:role/a", "identity"),
        ]
    )
    assert text == (
        "[profile a-111122223333]\n"
        "role_arn = arn:aws:iam::111122223333:role/a\n"
        "source_profile = identity\n"
        "\n"
        "[profile b-444466667777]\n"
        "role_arn = arn:aws:iam::444466667777:role/b\n"
        "source_profile = identity\n"
    )


def test_aws_cli_config_adds_mfa_serial_and_external_id_placeholders_when_required() -> None:
    profile = CliProfile(
        "arn:aws:iam::111122223333:role/a",
        "default",
        external_id_required=True,
        mfa_serial=mfa_serial_placeholder("aws", "444455556666"),
    )
    assert aws_cli_config([profile]) == (
        "[profile a-111122223333]\n"
        "role_arn = arn:aws:iam::111122223333:role/a\n"
        "source_profile = default\n"
        "mfa_serial = arn:aws:iam::444455556666:mfa/<your-mfa-device-name>\n"
        "external_id = <external-id-from-the-trusting-account>\n"
    )


# Ends of access -------------------------------------------------------------------


def test_without_ends_the_assume_role_policy_is_the_one_it_always_was() -> None:
    for require_mfa in (False, True):
        assert assume_role_policy([B, A], require_mfa=require_mfa, ends={}) == assume_role_policy(
            [B, A], require_mfa=require_mfa
        )


def test_roles_with_the_same_end_share_one_statement_after_the_roles_without_an_end() -> None:
    document = assume_role_policy(
        [C, B, A], ends={B: "2027-03-31T23:59:59Z", C: "2026-12-31T00:00:00Z"}, require_mfa=True
    )
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeCrossAccountRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": A,
                "Condition": mfa,
            },
            {
                "Sid": "AssumeCrossAccountRolesUntil20261231000000",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": C,
                "Condition": {**mfa, "DateLessThan": {"aws:CurrentTime": "2026-12-31T00:00:00Z"}},
            },
            {
                "Sid": "AssumeCrossAccountRolesUntil20270331235959",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": B,
                "Condition": {**mfa, "DateLessThan": {"aws:CurrentTime": "2027-03-31T23:59:59Z"}},
            },
        ],
    }
    same_end = assume_role_policy([C, A], ends={A: "2027-01-01T00:00:00Z", C: "2027-01-01T00:00:00Z"})
    assert same_end["Statement"] == [
        {
            "Sid": "AssumeCrossAccountRolesUntil20270101000000",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": [A, C],
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
        }
    ]


def test_session_actions_join_assume_role_in_a_statement_of_their_own_named_after_them() -> None:
    document = assume_role_policy(
        [A, B, C],
        ends={C: "2027-01-01T00:00:00Z"},
        session_actions={B: ["sts:TagSession"], C: ["sts:TagSession", "sts:SetSourceIdentity"]},
    )
    assert document["Statement"] == [
        {"Sid": "AssumeCrossAccountRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": A},
        {
            "Sid": "AssumeCrossAccountRolesAndTagSession",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Resource": B,
        },
        {
            "Sid": "AssumeCrossAccountRolesAndSetSourceIdentityAndTagSessionUntil20270101000000",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
            "Resource": C,
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
        },
    ]
    with pytest.raises(ValueError, match=r"\['sts:\*'\] are not session actions"):
        assume_role_policy([A], session_actions={A: ["sts:*"]})


# Colours, complete profiles, the extension --------------------------------------------


def test_switch_role_url_carries_the_colour_last() -> None:
    assert switch_role_url(A, color="f2b0a9") == (
        "https://signin.aws.amazon.com/switchrole?account=111122223333&roleName=a"
        "&displayName=a%40111122223333&color=f2b0a9"
    )


COMPLETE = CliProfile(
    B,
    "identity-center",
    external_id_required=True,
    mfa_serial=mfa_serial_placeholder("aws", "444455556666"),
    region="eu-west-1",
    session_name_required=True,
    duration_seconds=7200,
    expires_at="2027-03-31T23:59:59Z",
)


def test_a_profile_carries_every_setting_the_role_requires_and_the_end_of_the_access() -> None:
    assert aws_cli_config([COMPLETE]) == (
        "# The access ends at 2027-03-31T23:59:59Z.\n"
        "[profile b-444466667777]\n"
        f"role_arn = {B}\n"
        "source_profile = identity-center\n"
        "mfa_serial = arn:aws:iam::444455556666:mfa/<your-mfa-device-name>\n"
        "external_id = <external-id-from-the-trusting-account>\n"
        "# The role requires the session name to be your IAM user name:\n"
        "role_session_name = <your-iam-user-name>\n"
        "duration_seconds = 7200\n"
        "region = eu-west-1\n"
    )


def test_a_profile_of_a_role_that_requires_a_source_identity_says_it_cannot_be_used() -> None:
    assert aws_cli_config([CliProfile(C, "default", source_identity_required=True)]) == (
        "# The role requires a source identity, which an AWS CLI profile cannot set: AssumeRole\n"
        "# refuses this profile. Use an SDK's AssumeRole with SourceIdentity, or check the access with\n"
        f"# cross-account-verify {C} --source-identity <your-name>\n"
        "[profile c-444477778888]\n"
        f"role_arn = {C}\n"
        "source_profile = default\n"
    )


def test_the_aws_cli_reads_every_setting_of_the_profiles(tmp_path: Path) -> None:
    """botocore's own config loader (the AWS CLI's) parses the text: comments are not values."""
    path = tmp_path / "config"
    path.write_text(aws_cli_config([COMPLETE, CliProfile(C, "default", source_identity_required=True)]))
    profiles = load_config(str(path))["profiles"]
    assert profiles == {
        "b-444466667777": {
            "role_arn": B,
            "source_profile": "identity-center",
            "mfa_serial": "arn:aws:iam::444455556666:mfa/<your-mfa-device-name>",
            "external_id": "<external-id-from-the-trusting-account>",
            "role_session_name": "<your-iam-user-name>",
            "duration_seconds": "7200",
            "region": "eu-west-1",
        },
        "c-444477778888": {"role_arn": C, "source_profile": "default"},
    }


def test_the_extension_config_has_one_section_per_role_the_console_can_switch_to() -> None:
    text = switch_roles_extension_config(
        [
            ExtensionEntry(B, color="f2b0a9", region="eu-west-1"),
            ExtensionEntry(A, color="f2b0a9", region="eu-west-1"),
            ExtensionEntry(
                C, console_refused="the role requires an external id, which the console cannot send"
            ),
            ExtensionEntry("arn:aws-iso:iam::555555555555:role/d"),
        ]
    )
    assert text == (
        "# c-444477778888: left out, the role requires an external id, which the console cannot send.\n"
        "# d-555555555555: left out, partition 'aws-iso' has no console.\n"
        "\n"
        "[a-111122223333]\n"
        "aws_account_id = 111122223333\n"
        "role_name = a\n"
        "color = f2b0a9\n"
        "region = eu-west-1\n"
        "\n"
        "[b-444466667777]\n"
        "aws_account_id = 444466667777\n"
        "role_name = team/b\n"
        "color = f2b0a9\n"
        "region = eu-west-1\n"
    )


def extension_profiles(text: str) -> list[dict[str, str]]:
    """The extension's reading of its configuration (src/lib/load_aws_config.js of aws-extend-switch-roles).

    A ``[name]`` line (``profile `` prefix dropped) opens a profile; ``key = value``
    lines fill it; a blank line, or a comment line (``#``, ``;``), ends it.
    """
    profiles: list[dict[str, str]] = []
    item: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line[:1] in ("#", ";"):
            line = ""
        if line.startswith("[") and line.endswith("]"):
            if item is not None:
                profiles.append(item)
            item = {"profile": line[1:-1].strip().removeprefix("profile ").strip()}
        elif item is not None:
            if line:
                key, _, value = line.partition("=")
                item[key.strip()] = value.strip()
            else:
                profiles.append(item)
                item = None
    if item is not None:
        profiles.append(item)
    return profiles


def test_the_extension_reads_every_role_whole_and_an_ini_parser_agrees() -> None:
    text = switch_roles_extension_config(
        [ExtensionEntry(B, color="83d4e8"), ExtensionEntry(A), ExtensionEntry(C, console_refused="no")]
    )
    assert extension_profiles(text) == [
        {"profile": "a-111122223333", "aws_account_id": "111122223333", "role_name": "a"},
        {
            "profile": "b-444466667777",
            "aws_account_id": "444466667777",
            "role_name": "team/b",
            "color": "83d4e8",
        },
    ]
    parser = configparser.ConfigParser()
    parser.read_string(text)
    assert {name: dict(parser[name]) for name in parser.sections()} == {
        p.pop("profile"): p for p in extension_profiles(text)
    }


def test_an_empty_extension_config_is_empty() -> None:
    assert switch_roles_extension_config([]) == ""


@pytest.mark.parametrize(
    ("partition", "path", "name"),
    [
        ("aws", "/", "cross-account-role"),
        ("aws", "/team-a/ops/", "audit+read=only,x@y_z.v-1"),
        ("aws-us-gov", "/", "r"),
        ("aws-cn", "/p/", "n" * 51),
        ("aws", "/", "n" * 52),
        ("aws-iso", "/", "r"),
    ],
)
def test_switch_role_urls_by_account_are_switch_role_url_of_each_arn(
    partition: str, path: str, name: str
) -> None:
    accounts = ["111122223333", "000000000000", "123456789012"]
    if not has_console(partition):
        with pytest.raises(ValueError, match="no console"):
            switch_role_urls_by_account(partition, accounts, path, name)
        return
    found = switch_role_urls_by_account(partition, accounts, path, name)
    assert found == {a: switch_role_url(f"arn:{partition}:iam::{a}:role{path}{name}") for a in accounts}


def test_a_console_command_quotes_real_values_for_the_shell_and_splits_back_into_its_words() -> None:
    arn = "arn:aws:iam::111122223333:role/team$x/reader"
    profile = CliProfile(role_arn=arn, source_profile="my profile", external_id_required=True)
    command = console_command(profile)
    assert command == (
        "cross-account-console 'arn:aws:iam::111122223333:role/team$x/reader' --profile 'my profile' "
        "--external-id '<external-id-from-the-trusting-account>'"
    )
    assert shlex.split(command) == [
        "cross-account-console",
        arn,
        "--profile",
        "my profile",
        "--external-id",
        "<external-id-from-the-trusting-account>",
    ]
