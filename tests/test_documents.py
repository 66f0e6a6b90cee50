"""The pure document builders: exact policy documents, links and CLI profiles."""

from __future__ import annotations

import pytest

from cross_account.documents import (
    CliProfile,
    RoleArn,
    assume_role_policy,
    aws_cli_config,
    mfa_serial_placeholder,
    parse_role_arn,
    policy_size,
    switch_role_url,
    trust_policy,
)


def test_trust_policy_for_one_account_trusts_its_root_and_nothing_else() -> None:
    assert trust_policy("aws", ["222222222222"]) == {
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


def test_trust_policy_lists_several_accounts_sorted_so_reordering_changes_nothing() -> None:
    one = trust_policy("aws", ["333333333333", "222222222222"])
    other = trust_policy("aws", ["222222222222", "333333333333"])
    assert one == other
    assert one["Statement"][0]["Principal"] == {
        "AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"]
    }


def test_trust_policy_uses_the_partition_in_principals() -> None:
    document = trust_policy("aws-us-gov", ["222222222222"])
    assert document["Statement"][0]["Principal"] == {"AWS": "arn:aws-us-gov:iam::222222222222:root"}


def test_trust_policy_with_every_condition() -> None:
    document = trust_policy(
        "aws",
        ["222222222222"],
        require_mfa=True,
        mfa_max_age_seconds=3600,
        external_id="ext-id-123",
        organization_id="o-abcdefghij",
        trusted_principal_arns=["arn:aws:iam::222222222222:user/bob", "arn:aws:iam::222222222222:role/ops-*"],
    )
    assert document["Statement"][0]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        "StringEquals": {"sts:ExternalId": "ext-id-123", "aws:PrincipalOrgID": "o-abcdefghij"},
        "ArnLike": {
            "aws:PrincipalArn": ["arn:aws:iam::222222222222:role/ops-*", "arn:aws:iam::222222222222:user/bob"]
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
            {"trusted_principal_arns": ["arn:aws:iam::222222222222:user/bob"]},
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:user/bob"}},
        ),
    ],
)
def test_each_trust_option_adds_exactly_its_condition(options: dict, condition: dict) -> None:
    assert trust_policy("aws", ["222222222222"], **options)["Statement"][0]["Condition"] == condition


def test_assume_role_policy_allows_only_assume_role_on_the_given_arn() -> None:
    assert assume_role_policy(["arn:aws:iam::111111111111:role/r"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeCrossAccountRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": "arn:aws:iam::111111111111:role/r",
            }
        ],
    }


def test_assume_role_policy_lists_several_arns_sorted_and_can_require_mfa() -> None:
    document = assume_role_policy(
        ["arn:aws:iam::333333333333:role/b", "arn:aws:iam::111111111111:role/a"], require_mfa=True
    )
    assert document["Statement"][0]["Resource"] == [
        "arn:aws:iam::111111111111:role/a",
        "arn:aws:iam::333333333333:role/b",
    ]
    assert document["Statement"][0]["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_policy_size_counts_characters_without_whitespace() -> None:
    assert policy_size({"a": ["b", "c"]}) == len('{"a":["b","c"]}')


@pytest.mark.parametrize(
    ("arn", "parts"),
    [
        ("arn:aws:iam::111111111111:role/r", RoleArn("aws", "111111111111", "/", "r")),
        (
            "arn:aws-cn:iam::111111111111:role/team/app/r",
            RoleArn("aws-cn", "111111111111", "/team/app/", "r"),
        ),
        ("arn:aws:iam::111111111111:user/r", None),
        ("arn:aws:iam::11111111111:role/r", None),
        ("arn:aws:iam::111111111111:role/", None),
    ],
)
def test_parse_role_arn(arn: str, parts: RoleArn | None) -> None:
    assert parse_role_arn(arn) == parts


def test_switch_role_url_fills_account_name_and_display_name() -> None:
    assert switch_role_url("arn:aws:iam::111111111111:role/my-s3-x-account-role") == (
        "https://signin.aws.amazon.com/switchrole?account=111111111111"
        "&roleName=my-s3-x-account-role&displayName=my-s3-x-account-role%40111111111111"
    )


def test_switch_role_url_role_name_carries_the_path_without_its_leading_slash() -> None:
    url = switch_role_url("arn:aws:iam::111111111111:role/team/app/reader", display="Team reader")
    assert url == (
        "https://signin.aws.amazon.com/switchrole?account=111111111111"
        "&roleName=team/app/reader&displayName=Team%20reader"
    )


@pytest.mark.parametrize(
    ("partition", "host"),
    [("aws-us-gov", "signin.amazonaws-us-gov.com"), ("aws-cn", "signin.amazonaws.cn")],
)
def test_switch_role_url_uses_the_partitions_sign_in_host(partition: str, host: str) -> None:
    assert switch_role_url(f"arn:{partition}:iam::111111111111:role/r").startswith(
        f"https://{host}/switchrole?"
    )


def test_switch_role_url_refuses_what_is_not_a_role_arn() -> None:
    with pytest.raises(ValueError, match="is not an IAM role ARN"):
        switch_role_url("arn:aws:iam::111111111111:user/alice")


def test_aws_cli_config_has_one_profile_per_role_sorted_by_name() -> None:
    text = aws_cli_config(
        [
            CliProfile("arn:aws:iam::333333333333:role/b", "identity"),
            CliProfile("arn:aws:iam::111111111111:role/a", "identity"),
        ]
    )
    assert text == (
        "[profile a-111111111111]\n"
        "role_arn = arn:aws:iam::111111111111:role/a\n"
        "source_profile = identity\n"
        "\n"
        "[profile b-333333333333]\n"
        "role_arn = arn:aws:iam::333333333333:role/b\n"
        "source_profile = identity\n"
    )


def test_aws_cli_config_adds_mfa_serial_and_external_id_placeholders_when_required() -> None:
    profile = CliProfile(
        "arn:aws:iam::111111111111:role/a",
        "default",
        external_id_required=True,
        mfa_serial=mfa_serial_placeholder("aws", "222222222222"),
    )
    assert aws_cli_config([profile]) == (
        "[profile a-111111111111]\n"
        "role_arn = arn:aws:iam::111111111111:role/a\n"
        "source_profile = default\n"
        "mfa_serial = arn:aws:iam::222222222222:mfa/<your-mfa-device-name>\n"
        "external_id = <external-id-from-the-trusting-account>\n"
    )
