"""The plain-value checks: each accepts what IAM accepts and names the key, value and rule otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cross_account import validation as check
from cross_account.iam import conditions as pure_conditions
from cross_account.iam.rules import RuleError
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


# Extra trust conditions ----------------------------------------------------------------

NOW = datetime(2026, 12, 5, 9, 0, 0, tzinfo=UTC)
EVERY_INPUT = check.TrustContext(
    external_id=True,
    require_mfa=True,
    organization_id="o-abcdefghij",
    expires_at="2099-01-01T00:00:00Z",
    principal_patterns=True,
    trusted_account_ids=("444455556666", "444466667777"),
    partition="aws",
    now=NOW,
)
"""Every input that writes a trust condition set, the accounts and partition known."""
NO_INPUT = check.TrustContext(now=NOW)
CASE = "IAM reads condition keys case-insensitively"
WRITES = "is a condition the role already writes from"
NEVER = "the condition can never hold, so no one could assume the role"


def conditions_error(conditions: dict[str, Any], context: check.TrustContext = NO_INPUT) -> str:
    with pytest.raises(InvalidInputError) as caught:
        check.trust_conditions("c", conditions, context)
    return str(caught.value)


@pytest.mark.parametrize(
    ("conditions", "context", "message"),
    [
        # A key the role writes, in another case or form, next to the input that writes it.
        (
            {"DateLessThan": {"aws:currenttime": "2098-01-01T00:00:00Z"}},
            EVERY_INPUT,
            f"c.DateLessThan: 'aws:currenttime' {WRITES} expires_at (as aws:CurrentTime: {CASE}): set it there",
        ),
        (
            {"ArnLike": {"aws:principalarn": "arn:aws:iam::444455556666:*"}},
            EVERY_INPUT,
            f"c.ArnLike: 'aws:principalarn' {WRITES} trusted_principal_arns/trusted_permission_sets (as "
            f"aws:PrincipalArn: {CASE}): set it there",
        ),
        (
            {"Bool": {"aws:MULTIFACTORAUTHPRESENT": "true"}},
            EVERY_INPUT,
            f"c.Bool: 'aws:MULTIFACTORAUTHPRESENT' {WRITES} require_mfa (as aws:MultiFactorAuthPresent: "
            f"{CASE}): set it there",
        ),
        (
            {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
            NO_INPUT,
            f"c.BoolIfExists: 'aws:MultiFactorAuthPresent' {WRITES} require_mfa: set it there",
        ),
        (
            {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/ci"}},
            NO_INPUT,
            f"c.ArnEquals: 'aws:PrincipalArn' {WRITES} trusted_principal_arns/trusted_permission_sets: set it "
            "there",
        ),
        (
            {"StringLike": {"aws:PrincipalOrgID": "o-abcdefghij"}},
            EVERY_INPUT,
            f"c.StringLike: 'aws:PrincipalOrgID' {WRITES} organization_id: set it there",
        ),
        (
            {"DateLessThanEquals": {"aws:CurrentTime": "2098-01-01T00:00:00Z"}},
            NO_INPUT,
            f"c.DateLessThanEquals: 'aws:CurrentTime' {WRITES} expires_at: set it there",
        ),
        (
            {"NumericLessThan": {"aws:EpochTime": "4070908800"}},
            NO_INPUT,
            f"c.NumericLessThan: 'aws:EpochTime' {WRITES} expires_at (as DateLessThan aws:CurrentTime, which "
            "this condition repeats): set it there",
        ),
        (
            {"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "300"}},
            NO_INPUT,
            f"c.NumericLessThanEquals: 'aws:MultiFactorAuthAge' {WRITES} mfa_max_age_seconds: set it there",
        ),
        (
            {"StringNotEquals": {"aws:PrincipalOrgID": "o-bbbbbbbbbb"}},
            EVERY_INPUT,
            f"c.StringNotEquals: 'aws:PrincipalOrgID' {WRITES} organization_id: set it there",
        ),
        (
            {"StringEquals": {"aws:PrincipalTag/team": "ops", "aws:principaltag/TEAM": "sre"}},
            NO_INPUT,
            "c.StringEquals: 'aws:principaltag/TEAM' and 'aws:PrincipalTag/team' are one condition key, as "
            f"{CASE}: keep one spelling",
        ),
        # Conditions that can never hold.
        (
            {"Null": {"sts:ExternalId": "true"}},
            EVERY_INPUT,
            "c.Null.sts:ExternalId: 'true' contradicts external_id/external_ids, which require an "
            f"sts:ExternalId: {NEVER}",
        ),
        (
            {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            EVERY_INPUT,
            "c.BoolIfExists.aws:MultiFactorAuthPresent: 'false' contradicts require_mfa, which requires "
            f"aws:MultiFactorAuthPresent to be true: {NEVER}",
        ),
        (
            {"Null": {"aws:multifactorauthage": "true"}},
            EVERY_INPUT,
            "c.Null.aws:multifactorauthage: 'true' contradicts require_mfa, which requires an "
            f"MFA-authenticated session, where the key is present: {NEVER}",
        ),
        (
            {"StringNotEquals": {"aws:PrincipalOrgID": ["o-bbbbbbbbbb", "o-abcdefghij"]}},
            EVERY_INPUT,
            "c.StringNotEquals.aws:PrincipalOrgID: ['o-bbbbbbbbbb', 'o-abcdefghij'] contradicts "
            f"organization_id ('o-abcdefghij'), which aws:PrincipalOrgID must equal: {NEVER}",
        ),
        (
            {"StringEquals": {"aws:PrincipalAccount": "444477778888"}},
            EVERY_INPUT,
            "c.StringEquals.aws:PrincipalAccount: '444477778888' names account '444477778888', which is not "
            "one of trusted_account_ids ['444455556666', '444466667777']",
        ),
        (
            {"StringNotLike": {"aws:PrincipalAccount": ["4444555*", "4444666*"]}},
            EVERY_INPUT,
            "c.StringNotLike.aws:PrincipalAccount: ['4444555*', '4444666*'] leaves out every account of "
            f"trusted_account_ids ['444455556666', '444466667777']: {NEVER}",
        ),
        (
            {"DateLessThan": {"aws:CurrentTime": "2026-12-05T08:59:59Z"}},
            NO_INPUT,
            "c.DateLessThan.aws:CurrentTime: '2026-12-05T08:59:59Z' is in the past (it is 2026-12-05T09:00:00Z "
            "now): the access would end before it starts; set a later time, or remove the condition",
        ),
        (
            {"NumericLessThanEquals": {"aws:EpochTime": "1700000000"}},
            NO_INPUT,
            "c.NumericLessThanEquals.aws:EpochTime: '1700000000' is in the past (it is 2026-12-05T09:00:00Z "
            "now): the access would end before it starts; set a later time, or remove the condition",
        ),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2099-01-01"}},
            EVERY_INPUT,
            "c.DateGreaterThan.aws:CurrentTime: '2099-01-01' is not before expires_at ('2099-01-01T00:00:00Z'): "
            "the access would end before it starts",
        ),
        (
            {"NotIpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1", "::/0"]}},
            NO_INPUT,
            "c.NotIpAddress.aws:SourceIp: ['0.0.0.0/1', '128.0.0.0/1', '::/0'] matches every value: the "
            "condition holds only for a request without this key; if that is meant, say so with the Null "
            'operator and "true"',
        ),
        (
            {"StringNotLike": {"aws:PrincipalTag/team": "**"}},
            NO_INPUT,
            "c.StringNotLike.aws:PrincipalTag/team: '**' matches every value: the condition holds only for a "
            'request without this key; if that is meant, say so with the Null operator and "true"',
        ),
        *(
            (
                {"ArnNotLike": {"aws:PrincipalArn": pattern}},
                EVERY_INPUT,
                f"c.ArnNotLike.aws:PrincipalArn: {pattern!r} matches every value of a key that every "
                f"AssumeRole request carries: {NEVER}",
            )
            for pattern in ("*", "arn:*", "arn:*:*", "arn:aws:iam::*:*", "arn:aws:iam::????????????:*")
        ),
        (
            {"ArnNotEquals": {"aws:principalarn": "arn:aws:iam::444455556666:*"}},
            check.TrustContext(trusted_account_ids=("444455556666",), partition="aws", now=NOW),
            "c.ArnNotEquals.aws:principalarn: 'arn:aws:iam::444455556666:*' matches every value of a key that "
            f"every AssumeRole request carries: {NEVER}",
        ),
        (
            {"StringNotEquals": {"sts:RoleSessionName": "x"}, "Null": {"aws:PrincipalArn": "true"}},
            NO_INPUT,
            "c.Null.aws:PrincipalArn: 'true' requires the key to be absent, but every AssumeRole request "
            f"carries it: {NEVER}",
        ),
        (
            {"BoolIfExists": {"aws:SecureTransport": "false"}},
            NO_INPUT,
            "c.BoolIfExists.aws:SecureTransport: 'false' can never hold: AssumeRole is called over TLS only "
            "(aws:SecureTransport is always true), so no one could assume the role",
        ),
        (
            {"NumericLessThan": {"aws:MultiFactorAuthAge": "0"}},
            NO_INPUT,
            "c.NumericLessThan.aws:MultiFactorAuthAge: '0' can never hold: the key is never below 0, so no one "
            "could assume the role",
        ),
        (
            {"StringEqualsIfExists": {"sts:SourceIdentity": "x"}, "Null": {"sts:SourceIdentity": "false"}},
            NO_INPUT,
            "c.Null.sts:SourceIdentity: 'false' requires a source identity, which a caller can bring only when "
            f"source_identity allows it (sts:SetSourceIdentity): {NEVER}",
        ),
        (
            {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}},
            NO_INPUT,
            "c.ForAnyValue:StringEquals.aws:TagKeys: ['team'] requires session tags, which a caller can pass "
            f"only when allow_session_tags is true (sts:TagSession): {NEVER}",
        ),
        # Values that do not parse for their operator.
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2027-02-30T00:00:00Z"}},
            NO_INPUT,
            "c.DateGreaterThan.aws:CurrentTime: '2027-02-30T00:00:00Z' is not an ISO 8601 date or time that "
            "exists (2027-03-31 or 2027-03-31T23:59:59Z), or seconds since 1970, which this operator compares",
        ),
        *(
            (
                {"IpAddress": {"aws:SourceIp": address}},
                NO_INPUT,
                f"c.IpAddress.aws:SourceIp: {address!r} is not an IP address or CIDR block (a prefix length of "
                "0-32 for IPv4, 0-128 for IPv6; no netmask, no zone id such as %eth0), which this operator "
                "compares",
            )
            for address in ("fe80::1%eth0/64", "fe80::1%eth0", "203.0.113.0/255.255.255.0", "203.0.113.0/024")
        ),
        (
            {"BinaryEquals": {"aws:x": "abc"}},
            NO_INPUT,
            "c.BinaryEquals.aws:x: 'abc' is not base64 (A-Z, a-z, 0-9, + and /, padded with = to a multiple of "
            "4 characters), which this operator compares",
        ),
        (
            {"NumericEquals": {"aws:MultiFactorAuthAge": "1e3"}},
            NO_INPUT,
            "c.NumericEquals.aws:MultiFactorAuthAge: '1e3' is not a number, which this operator compares",
        ),
        (
            {"Bool": {"aws:ViaAWSService": "True"}},
            NO_INPUT,
            'c.Bool.aws:ViaAWSService: \'True\' is not "true" or "false", which this operator compares',
        ),
        # Set operators on single-valued keys.
        *(
            (
                {operator: {key: ["a"]}},
                NO_INPUT,
                f"c.{operator}: {key!r} is a single-valued context key: {operator.split(':')[0]}: compares sets "
                "of values and, on a key with one value, can match where the operator alone would not "
                f"(ForAllValues: even when the key is absent); write {operator.split(':')[1]} (AWS's "
                '"Single-valued vs. multivalued context keys")',
            )
            for operator, key in (
                ("ForAnyValue:StringLike", "aws:PrincipalTag/team"),
                ("ForAllValues:StringEquals", "aws:SourceVpc"),
                ("ForAllValues:StringEquals", "STS:RoleSessionName"),
            )
        ),
    ],
)
def test_extra_trust_conditions_that_clash_never_hold_or_do_not_parse_are_refused(
    conditions: dict[str, Any], context: check.TrustContext, message: str
) -> None:
    assert conditions_error(conditions, context) == message


@pytest.mark.parametrize(
    "operator", ["StringEquals", "StringLike", "StringNotEquals", "Null", "ForAnyValue:StringLike"]
)
@pytest.mark.parametrize("key", ["sts:ExternalId", "sts:externalid", "STS:EXTERNALID"])
def test_an_external_id_in_extra_conditions_is_refused_without_its_value(operator: str, key: str) -> None:
    message = conditions_error({operator: {key: "Partner-Secret-7f3a"}})
    assert message == (
        f"c.{operator}: {key!r} is an external id, which is a secret: use external_ids (or external_id), "
        "which keep it secret in state and outputs and tell the CLI profiles to send one; never "
        "extra_trust_conditions, which stores it in clear"
    )
    assert "Partner-Secret-7f3a" not in message


def test_an_external_id_in_a_malformed_condition_block_is_not_shown() -> None:
    message = conditions_error({"StringEquals": ["sts:ExternalId", "Partner-Secret-7f3a"]})
    assert "Partner-Secret-7f3a" not in message
    assert message == "c.StringEquals: '<hidden>' must be a non-empty map of condition keys to values"


@pytest.mark.parametrize(
    "conditions",
    [
        {"DateGreaterThan": {"aws:CurrentTime": "2098-01-01T00:00:00Z"}},
        {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/ops-admin"}},
        {"StringEquals": {"aws:PrincipalAccount": "444455556666"}},
        {"NotIpAddress": {"aws:SourceIp": ["0.0.0.0/0"]}},
        {"NotIpAddressIfExists": {"aws:SourceIp": ["0.0.0.0/0", "::/0"]}},
        {"IpAddress": {"aws:SourceIp": ["203.0.113.7", "2001:db8::/32", "203.0.113.5/24"]}},
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-abcdefghij/r-ab12/ou-*"]}},
        {"ForAllValues:StringEquals": {"accounts.google.com:amr": ["authenticated"]}},
        {"BinaryEquals": {"aws:x": "QmluYXJ5"}},
        {"Bool": {"aws:SecureTransport": "true"}},
        {"DateGreaterThan": {"aws:EpochTime": "4039372800"}},
    ],
)
def test_extra_trust_conditions_that_narrow_beside_every_input_are_kept(conditions: dict[str, Any]) -> None:
    kept = check.trust_conditions("c", conditions, EVERY_INPUT)
    assert kept == {
        operator: {key: value if isinstance(value, str) else tuple(value) for key, value in keys.items()}
        for operator, keys in conditions.items()
    }


def test_the_pure_condition_language_refuses_a_condition_that_can_never_hold_with_its_own_error() -> None:
    conditions = {"BoolIfExists": {"aws:SecureTransport": "false"}}
    with pytest.raises(RuleError) as caught:
        pure_conditions.trust_conditions("c", conditions, NO_INPUT)
    assert type(caught.value) is RuleError  # no pulumi.RunError: the pure layer raises its own
    assert (caught.value.key, caught.value.value, caught.value.rule) == (
        "c.BoolIfExists.aws:SecureTransport",
        "false",
        "can never hold: AssumeRole is called over TLS only (aws:SecureTransport is always true), so no one "
        "could assume the role",
    )
    message = (
        "c.BoolIfExists.aws:SecureTransport: 'false' can never hold: AssumeRole is called over TLS only "
        "(aws:SecureTransport is always true), so no one could assume the role"
    )
    assert str(caught.value) == message == conditions_error(conditions)


def test_the_never_holds_analysis_raises_the_pure_rule_error() -> None:
    operator = pure_conditions.parse_operator("c", "Null")
    with pytest.raises(RuleError) as caught:
        pure_conditions._never_holds(
            "c.Null.aws:PrincipalArn", operator, "aws:principalarn", "true", ("true",), NO_INPUT
        )
    assert type(caught.value) is RuleError
    assert str(caught.value) == (
        "c.Null.aws:PrincipalArn: 'true' requires the key to be absent, but every AssumeRole request "
        f"carries it: {NEVER}"
    )


def test_the_checks_layer_gives_a_pure_operator_error_as_an_invalid_input_error() -> None:
    with pytest.raises(RuleError) as pure:
        pure_conditions.parse_operator("c", "StringEqualz")
    with pytest.raises(InvalidInputError) as checked:
        check.parse_operator("c", "StringEqualz")
    assert type(pure.value) is RuleError
    assert (
        str(checked.value)
        == str(pure.value)
        == (
            "c: 'StringEqualz' is not an IAM condition operator (StringEquals, StringLike, ArnLike, IpAddress, "
            "DateLessThan, Bool, Null, ...; with IfExists and the ForAllValues:/ForAnyValue: forms)"
        )
    )


def test_conditions_that_hold_but_maybe_not_as_meant_give_warnings() -> None:
    conditions = check.trust_conditions(
        "c",
        {
            "ForAllValues:StringLike": {"aws:PrincipalOrgPaths": ["o-abcdefghij/*"], "aws:CalledVia": ["a"]},
            "Null": {"aws:CalledVia": "false"},
            "NotIpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1", "2001:db8::/32"]},
        },
    )
    assert check.condition_warnings("c", conditions) == [
        "c.ForAllValues:StringLike.aws:PrincipalOrgPaths: ForAllValues:StringLike also holds for a request "
        'without aws:PrincipalOrgPaths; if the key must be there, add {"Null": {"aws:PrincipalOrgPaths": '
        '"false"}}',
        "c.NotIpAddress.aws:SourceIp: ('0.0.0.0/1', '128.0.0.0/1', '2001:db8::/32') leaves out every IPv4 "
        "address: only callers over IPv6 may assume the role",
    ]
