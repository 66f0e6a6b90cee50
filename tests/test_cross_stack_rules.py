"""Rules across inputs that no single value breaks: trust conditions no caller of this role can meet,
and a trusted stack's CLI session length against an older trusting stack that does not say its own."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import TRUSTED_ACCOUNT, RecordingMocks, run_failing, run_main

ACCOUNTS = {"trustedAccountIds": [TRUSTED_ACCOUNT]}
ROLES_ONLY = {"trustedPrincipalArns": [f"arn:aws:iam::{TRUSTED_ACCOUNT}:role/ci-*"]}
REFERENCE = "organization/cross-account-access/trusting"
ROLE = "arn:aws:iam::111122223333:role/reader"
NEVER = "no one could assume the role"


def last_line(config: dict[str, Any]) -> str:
    run = run_failing(stack="trusting", config={**ACCOUNTS, **config})
    assert run.aws_resources == []
    return str(run.error).splitlines()[-1]


@pytest.mark.parametrize("operator", ["ArnEquals", "ArnLike", "StringEquals", "StringLike"])
def test_a_condition_on_aws_source_arn_can_never_hold_for_an_iam_caller(operator: str) -> None:
    # aws:SourceArn is in the request only when an AWS service calls on a principal's behalf (AWS IAM
    # User Guide, "AWS global condition context keys"); the callers of this role call AssumeRole themselves.
    value = "arn:aws:sns:eu-west-1:444455556666:topic"
    line = last_line({"extraTrustConditions": {operator: {"aws:SourceArn": value}}})
    assert line == (
        f"extraTrustConditions.{operator}.aws:SourceArn: {value!r} requires a key that only a request an AWS "
        "service makes on a principal's behalf carries; the IAM users and roles this role trusts call "
        "AssumeRole themselves and never send it: the condition can never hold, so " + NEVER
    )


def test_null_false_on_aws_source_account_can_never_hold_either() -> None:
    line = last_line({"extraTrustConditions": {"Null": {"aws:SourceAccount": "false"}}})
    assert line.startswith("extraTrustConditions.Null.aws:SourceAccount: 'false' requires a key that only")


@pytest.mark.parametrize(
    "conditions",
    [
        {"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:eu-west-1:444455556666:topic"}},
        {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:444455556666:topic"}},
        {"Null": {"aws:SourceArn": "true"}},
    ],
    ids=["IfExists", "negated", "Null true"],
)
def test_forms_that_hold_without_the_key_stay_allowed(conditions: dict[str, Any]) -> None:
    run_main(stack="trusting", config={**ACCOUNTS, "extraTrustConditions": conditions})


@pytest.mark.parametrize(
    ("operator", "value"), [("Null", "false"), ("StringEquals", "alice"), ("StringLike", "ops-*")]
)
def test_requiring_aws_username_when_only_roles_may_call_is_refused(operator: str, value: str) -> None:
    line = last_line({**ROLES_ONLY, "extraTrustConditions": {operator: {"aws:username": value}}})
    assert line == (
        f"extraTrustConditions.{operator}.aws:username: {value!r} requires aws:username, which only IAM users "
        "have, but trustedPrincipalArns/trustedPermissionSets admit only role sessions (roles, Identity Center "
        "permission sets) and the root user: no one could ever assume the role; trust users too, or remove "
        "the condition"
    )


def test_requiring_aws_username_stays_allowed_when_users_may_call() -> None:
    run_main(
        stack="trusting",
        config={
            **ACCOUNTS,
            "trustedPrincipalArns": [f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/alice"],
            "extraTrustConditions": {"Null": {"aws:username": "false"}},
        },
    )


def test_a_long_cli_session_against_a_stack_that_exports_no_max_session_warns_once(
    warnings_: list[str],
) -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={REFERENCE: {"roleArn": ROLE}})
    run_main(stack="trusted", config={"userNames": ["alice"], "sessionDurationSeconds": 7200}, mocks=mocks)
    assert warnings_ == [
        f"sessionDurationSeconds: 7200 is over 3600 seconds, and trusting stack {REFERENCE!r} exports no "
        "maxSessionDuration (it was deployed by an older version): if its role's longest session is shorter, "
        "STS refuses every CLI profile's DurationSeconds; run `pulumi up` on that stack, or set "
        "sessionDurationSeconds to 3600 or less"
    ]


def test_no_warning_when_the_stack_says_its_longest_session(warnings_: list[str]) -> None:
    outputs = {"roleArn": ROLE, "maxSessionDuration": 7200}
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={REFERENCE: outputs})
    run_main(stack="trusted", config={"userNames": ["alice"], "sessionDurationSeconds": 7200}, mocks=mocks)
    assert warnings_ == []
