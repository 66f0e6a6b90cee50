"""The plain-value checks: each accepts what IAM accepts and names the key, value and rule otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from cross_account import validation as check
from cross_account.validation import InvalidInputError

READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


@pytest.mark.parametrize(
    ("function", "value"),
    [
        (check.account_id, "444455556666"),
        (check.role_name, "a+b=c,d.e@f_g-h"),
        (check.iam_path, "/"),
        (check.iam_path, "/team/app/"),
        (check.policy_arn, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        (check.policy_arn, "arn:aws-us-gov:iam::111122223333:policy/team/Boundary"),
        (check.role_arn, "arn:aws-cn:iam::111122223333:role/a/b/c"),
        (check.organization_id, "o-abcdefghij"),
        (check.external_id, "Ab1+=,.@:/-_"),
        (check.stack_name, "acme/cross-account-access/trusting"),
        (check.aws_managed_policy_name, "job-function/ViewOnlyAccess"),
    ],
)
def test_valid_values_pass_unchanged(function: Any, value: str) -> None:
    assert function("k", value) == value


@pytest.mark.parametrize(
    ("function", "value", "message"),
    [
        (
            check.account_id,
            444455556666,
            "k: 444455556666 is a number: write the 12-digit account id as a quoted string",
        ),
        (check.account_id, "4444555566663", "k: '4444555566663' is not a 12-digit AWS account id"),
        (
            check.role_name,
            "x" * 65,
            f"k: '{'x' * 65}' is not an IAM role name (1-64 characters of ASCII letters, digits and +=,.@_-)",
        ),
        (
            check.iam_path,
            "/team",
            "k: '/team' is not an IAM path: '/' or '/segments/' of printable ASCII with no empty segment, at most 512 characters",
        ),
        (
            check.organization_id,
            "o-ABC",
            "k: 'o-ABC' is not an AWS Organizations id (o- and 10-32 lowercase letters or digits)",
        ),
        (
            check.organization_id,
            "*",
            "k: '*' contains a wildcard: an organization must be named exactly, never with * or ?",
        ),
        (
            check.user_name,
            "dev*",
            "k: 'dev*' contains a wildcard: a user must be named exactly, never with * or ?",
        ),
        (
            check.group_name,
            "",
            "k: '' is not an IAM group name (1-128 characters of ASCII letters, digits and +=,.@_-)",
        ),
        (
            check.stack_name,
            "a/b/c/d",
            "k: 'a/b/c/d' is not a stack name (<stack>, <org>/<stack> or <org>/<project>/<stack>)",
        ),
        (check.boolean, "yes", "k: 'yes' must be true or false"),
        (check.session_duration, True, "k: True must be a whole number"),
        (check.session_duration, 43201, "k: 43201 is out of range: must be 3600..43200 seconds"),
        (check.mfa_max_age, 0, "k: 0 is out of range: must be 1..129600 seconds"),
    ],
)
def test_invalid_values_name_the_key_the_value_and_the_rule(function: Any, value: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        function("k", value)
    assert str(caught.value) == message


def test_an_external_id_error_never_shows_the_value() -> None:
    with pytest.raises(InvalidInputError) as caught:
        check.external_id("externalId", "has space")
    assert "has space" not in str(caught.value)
    assert str(caught.value).startswith("externalId: '<9 characters, hidden>' is not a valid external id")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            "arn:aws:iam::444466667777:user/bob",
            "names account '444466667777', which is not one of trustedAccountIds ['444455556666']",
        ),
        (
            "arn:aws:iam::444455556666:*",
            "does not start with a principal type (root, user/ or role/) before any wildcard, so it "
            "could match every principal: name a user or role pattern",
        ),
        ("*", "is not an IAM principal ARN pattern (arn:<partition>:iam::<account>:root|user/...|role/...)"),
    ],
)
def test_principal_patterns_stay_inside_the_trusted_accounts(pattern: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check.principal_pattern("trustedPrincipalArns", pattern, ["444455556666"])
    assert str(caught.value).endswith(message)


def test_principal_patterns_may_narrow_with_wildcards_after_the_account() -> None:
    pattern = "arn:aws:iam::444455556666:role/ops-*"
    assert check.principal_pattern("k", pattern, ["444455556666"]) == pattern


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "inlinePolicies.p: [] must be a policy document object"),
        ({"Statement": [READ]}, "inlinePolicies.p: None Version must be '2012-10-17'"),
        (
            {"Version": "2012-10-17", "Statement": []},
            "inlinePolicies.p: [] Statement must be a non-empty list",
        ),
        (
            {"Version": "2012-10-17", "Statement": [{**READ, "Effect": "Maybe"}]},
            "inlinePolicies.p: 'Maybe' Effect must be Allow or Deny",
        ),
        (
            {"Version": "2012-10-17", "Statement": [{**READ, "Principal": "*"}]},
            "has a Principal: identity policies name no principal",
        ),
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]},
            "needs exactly one of Action or NotAction",
        ),
    ],
)
def test_inline_policies_must_be_identity_policy_documents(document: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check.inline_policies("inlinePolicies", {"p": document})
    assert str(caught.value).endswith(message)


def test_inline_policies_over_the_aggregate_quota_are_refused() -> None:
    big = {"Version": "2012-10-17", "Statement": [{**READ, "Resource": ["arn:aws:s3:::b/" + "x" * 6000]}]}
    with pytest.raises(InvalidInputError) as caught:
        check.inline_policies("inlinePolicies", {"a": big, "b": big})
    assert "exceeds the 10240-character quota on a role's inline policies" in str(caught.value)


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"aws:team": "x"}, "tags: 'aws:team' uses the reserved prefix aws:"),
        (
            {"team": 1},
            "tags.team: 1 must be a string of at most 256 ASCII letters, digits, spaces and _.:/=+-@",
        ),
        ({f"k{i}": "v" for i in range(51)}, "tags: '<51 tags>' has more than 50"),
    ],
)
def test_tags_follow_iam_rules(tags: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check.tags("tags", tags)
    assert str(caught.value) == message


def test_renamed_errors_report_the_config_key() -> None:
    error = InvalidInputError("trusted_account_ids", "1", "is not a 12-digit AWS account id")
    assert str(error.renamed({"trusted_account_ids": "trustedAccountIds"})) == (
        "trustedAccountIds: '1' is not a 12-digit AWS account id"
    )


VALID = [
    (check.role_name, "ops"),
    (check.user_name, "alice"),
    (check.group_name, "readers"),
    (check.policy_name, "assume"),
    (check.profile_name, "identity"),
    (check.iam_path, "/team/"),
    (check.policy_arn, "arn:aws:iam::aws:policy/ReadOnlyAccess"),
    (check.aws_managed_policy_name, "job-function/ViewOnlyAccess"),
    (check.role_arn, "arn:aws:iam::111122223333:role/ops"),
    (check.external_id, "partner-1"),
    (check.organization_id, "o-abcdefghij"),
    (check.account_id, "444455556666"),
    (check.stack_name, "organization/cross-account-access/trusting"),
    (
        lambda key, value: check.principal_pattern(key, value, ["444455556666"]),
        "arn:aws:iam::444455556666:role/ops",
    ),
]


@pytest.mark.parametrize(("function", "value"), VALID, ids=[v for _, v in VALID])
def test_every_check_matches_the_whole_string_in_ascii_only(function: Any, value: str) -> None:
    """No `$` before a final newline, no Unicode digits or letters for `\\d` and `\\w`."""
    assert function("k", value) == value
    for odd in (
        value + "\n",
        "\n" + value,
        value + " ",
        value[:-1] + ("\uff12" if value[-1].isdigit() else "\u00e9"),
    ):
        assert odd != value
        with pytest.raises(InvalidInputError):
            function("k", odd)


def test_every_pattern_of_the_package_is_ascii_only() -> None:
    import re

    from cross_account import documents

    patterns = [v for v in vars(check).values() if isinstance(v, re.Pattern)]
    patterns += [v for v in vars(documents).values() if isinstance(v, re.Pattern)]
    assert len(patterns) >= 15
    for pattern in patterns:
        assert pattern.flags & re.ASCII, pattern.pattern
