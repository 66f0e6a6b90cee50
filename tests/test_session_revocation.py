"""revokeSessionsIssuedBefore: the console's "Revoke active sessions" as config.

The document is the one the IAM console writes (inline policy ``AWSRevokeOlderSessions``: Deny ``*``
on ``*`` when ``aws:TokenIssueTime`` is earlier), asserted exactly; the time is checked strictly;
without the key nothing new is registered. What moto shows of it is in tests/test_end_to_end.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import TRUSTED_ACCOUNT, TRUSTING_ACCOUNT, pulumi_run, run_main

from cross_account import InvalidInputError, TrustingAccountRole, validation as check
from cross_account.documents import revoke_older_sessions_policy
from cross_account.testing import CrossAccountMocks

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ACCOUNTS = {"trustedAccountIds": [TRUSTED_ACCOUNT]}
WHEN = "2026-01-05T09:30:00Z"
NOW = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)


def console_document(issued_before: str) -> dict[str, Any]:
    """The inline policy AWSRevokeOlderSessions as the IAM console's "Revoke active sessions" writes it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": issued_before}},
            }
        ],
    }


def test_the_document_is_the_deny_the_console_writes() -> None:
    assert revoke_older_sessions_policy(WHEN) == console_document(WHEN)


def test_the_key_adds_one_inline_policy_named_as_the_console_names_it() -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, "revokeSessionsIssuedBefore": WHEN})
    policy = run.one(ROLE_POLICY)
    assert policy.name == "trusting-inline-AWSRevokeOlderSessions"
    assert policy.parent.endswith("cross-account:index:TrustingAccountRole::trusting")
    assert policy.inputs["name"] == "AWSRevokeOlderSessions"
    assert policy.inputs["role"] == "cross-account-role"
    assert json.loads(policy.inputs["policy"]) == console_document(WHEN)
    assert policy.secret_inputs == frozenset()


def test_without_the_key_no_inline_policy_is_registered() -> None:
    run = run_main(stack="trusting", config=ACCOUNTS)
    assert run.of_type(ROLE_POLICY) == []
    assert run.of_type("aws:iam/role:Role")[0].inputs.get("inlinePolicies") is None


def test_an_empty_key_is_no_revocation() -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, "revokeSessionsIssuedBefore": ""})
    assert run.of_type(ROLE_POLICY) == []


def test_the_revocation_sits_beside_the_inline_policies_of_the_config() -> None:
    logs = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "logs:GetLogEvents", "Resource": "*"}],
    }
    run = run_main(
        stack="trusting",
        config={**ACCOUNTS, "inlinePolicies": {"logs": logs}, "revokeSessionsIssuedBefore": WHEN},
    )
    assert sorted((r.name, r.inputs["name"]) for r in run.of_type(ROLE_POLICY)) == [
        ("trusting-inline-AWSRevokeOlderSessions", "AWSRevokeOlderSessions"),
        ("trusting-inline-logs", "logs"),
    ]


def test_a_secret_key_keeps_the_document_secret() -> None:
    run = run_main(
        stack="trusting",
        config={**ACCOUNTS, "revokeSessionsIssuedBefore": WHEN},
        secret_keys=("revokeSessionsIssuedBefore",),
    )
    policy = run.one(ROLE_POLICY)
    assert policy.secret_inputs == frozenset({"policy"})
    assert json.loads(policy.inputs["policy"]) == console_document(WHEN)


# The time, strictly -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("2026-01-05T09:30:00Z", "2026-01-05T09:30:00Z"),
        ("2026-01-05T10:30:00+01:00", "2026-01-05T09:30:00Z"),
        ("2026-01-05T04:00:00-05:30", "2026-01-05T09:30:00Z"),
        ("2026-01-05T09:30:00-00:00", "2026-01-05T09:30:00Z"),
        ("2026-01-05T00:30:00+09:00", "2026-01-04T15:30:00Z"),
        ("2026-01-05T09:30:00.085Z", "2026-01-05T09:30:00.085Z"),
        ("2026-01-05T10:30:00.5+01:00", "2026-01-05T09:30:00.5Z"),
        ("2024-02-29T09:30:00Z", "2024-02-29T09:30:00Z"),
        ("2026-01-05T12:00:00Z", "2026-01-05T12:00:00Z"),
    ],
)
def test_a_time_is_written_in_utc_with_its_fraction_of_a_second(given: str, written: str) -> None:
    assert check.revoke_sessions_issued_before("k", given, now=NOW) == written


RULE = "is not an RFC 3339 time with seconds and a time zone (Z or +HH:MM), such as 2026-12-05T09:30:00Z"


@pytest.mark.parametrize(
    ("given", "rule"),
    [
        ("2026-01-05T09:30:00", RULE),
        ("2026-01-05 09:30:00Z", RULE),
        ("2026-01-05t09:30:00z", RULE),
        ("2026-01-05T09:30Z", RULE),
        ("2026-01-05", RULE),
        ("2026-01-05T09:30:00+0100", RULE),
        ("2026-01-05T09:30:00.Z", RULE),
        ("2026-01-05T09:30:00Z\n", RULE),
        (" 2026-01-05T09:30:00Z", RULE),
        ("\uff12026-01-05T09:30:00Z", RULE),
        ("2026-01-05T09:30:00\u0660Z", RULE),
        ("1767605400", RULE),
        ("2026-02-29T09:30:00Z", f"{RULE}: not a real date and time"),
        ("2026-01-05T24:00:00Z", f"{RULE}: not a real date and time"),
        ("2026-01-05T09:30:60Z", f"{RULE}: not a real date and time"),
        ("2026-13-05T09:30:00Z", f"{RULE}: not a real date and time"),
        ("2026-01-05T09:30:00+24:00", f"{RULE}: not a real date and time"),
        ("2026-01-05T09:30:00+01:60", f"{RULE}: not a real date and time"),
        ("0001-01-01T00:30:00+01:00", f"{RULE}: not a real date and time"),
    ],
)
def test_a_time_that_is_not_strict_rfc_3339_with_a_zone_is_refused(given: str, rule: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check.revoke_sessions_issued_before("revoke_sessions_issued_before", given, now=NOW)
    assert str(caught.value) == f"revoke_sessions_issued_before: {given!r} {rule}"


def test_a_time_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        check.revoke_sessions_issued_before("revoke_sessions_issued_before", 1767605400, now=NOW)
    assert str(caught.value) == "revoke_sessions_issued_before: 1767605400 must be a string"


@pytest.mark.parametrize(
    "given", ["2026-01-05T12:00:01Z", "2026-01-05T12:00:00.001Z", "2026-01-05T13:00:01+01:00"]
)
def test_a_time_in_the_future_is_refused_even_by_a_second(given: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check.revoke_sessions_issued_before("k", given, now=NOW)
    assert str(caught.value) == (
        f"k: {given!r} is in the future (it is 2026-01-05T12:00:00Z now): every session issued until then, "
        "new ones too, would be denied, so nobody could use the role until then; revoke with the current "
        "time (date -u +%Y-%m-%dT%H:%M:%SZ), as the console does"
    )


def test_a_revocation_older_than_the_longest_session_warns_that_it_denies_nothing_more() -> None:
    assert check.revocation_warning("k", "2026-01-05T00:00:00Z", now=NOW) is None
    assert (
        check.revocation_warning("k", "2026-01-05T00:00:00Z", now=datetime(2026, 1, 5, 12, tzinfo=UTC))
        is None
    )
    assert check.revocation_warning("k", "2026-01-04T23:59:59Z", now=NOW) == (
        "k: '2026-01-04T23:59:59Z' is more than 12 hours ago: every role session issued before it has "
        "expired (none lasts longer), so AWSRevokeOlderSessions denies nothing any more; remove the key "
        "once the incident is closed"
    )


def test_the_program_warns_once_about_an_old_revocation(warnings_: list[str]) -> None:
    run_main(stack="trusting", config={**ACCOUNTS, "revokeSessionsIssuedBefore": "2020-01-01T00:00:00Z"})
    assert warnings_ == [
        "revokeSessionsIssuedBefore: '2020-01-01T00:00:00Z' is more than 12 hours ago: every role session "
        "issued before it has expired (none lasts longer), so AWSRevokeOlderSessions denies nothing any "
        "more; remove the key once the incident is closed"
    ]


def test_an_inline_policy_named_as_the_console_names_it_warns_without_the_key(warnings_: list[str]) -> None:
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    run = run_main(stack="trusting", config={**ACCOUNTS, "inlinePolicies": {"AWSRevokeOlderSessions": deny}})
    assert [r.inputs["name"] for r in run.of_type(ROLE_POLICY)] == ["AWSRevokeOlderSessions"]
    assert warnings_ == [
        "inlinePolicies: 'AWSRevokeOlderSessions' is the name of the inline policy the console's Revoke "
        "active sessions writes: a click there overwrites it, and the next pulumi up puts yours back and "
        "lifts the revocation; name it otherwise, and revoke with revokeSessionsIssuedBefore"
    ]


# The components ---------------------------------------------------------------------


def test_the_component_takes_the_time_as_an_arg() -> None:
    def body() -> dict[str, Any]:
        role = TrustingAccountRole(
            "ops",
            {
                "trusted_account_ids": [TRUSTED_ACCOUNT],
                "revoke_sessions_issued_before": "2026-01-05T10:30:00+01:00",
            },
        )
        return {"arn": role.role_arn}

    run = pulumi_run(body)
    policy = run.one(ROLE_POLICY)
    assert (policy.name, policy.inputs["name"]) == (
        "ops-inline-AWSRevokeOlderSessions",
        "AWSRevokeOlderSessions",
    )
    assert json.loads(policy.inputs["policy"]) == console_document(WHEN)


def test_the_component_refuses_a_bad_time_before_registering_anything() -> None:
    def body() -> dict[str, Any]:
        TrustingAccountRole(
            "ops", {"trusted_account_ids": [TRUSTED_ACCOUNT], "revoke_sessions_issued_before": "yesterday"}
        )
        return {}

    run = pulumi_run(body, expect_error=True)
    assert str(run.error).splitlines()[-1].endswith(f"revoke_sessions_issued_before: 'yesterday' {RULE}")
    assert run.registrations == []


def test_a_rollout_revokes_in_every_account() -> None:
    a, b = "444466667777", "444477778888"
    run = run_main(
        stack="trusting",
        config={**ACCOUNTS, "targetAccountIds": [a, b], "revokeSessionsIssuedBefore": WHEN},
        mocks=CrossAccountMocks(TRUSTING_ACCOUNT),
    )
    policies = sorted(run.of_type(ROLE_POLICY), key=lambda r: r.name)
    assert [(r.name, r.inputs["name"]) for r in policies] == [
        (f"trusting-{a}-inline-AWSRevokeOlderSessions", "AWSRevokeOlderSessions"),
        (f"trusting-{b}-inline-AWSRevokeOlderSessions", "AWSRevokeOlderSessions"),
    ]
    assert all(json.loads(r.inputs["policy"]) == console_document(WHEN) for r in policies)
    assert {r.provider.rsplit("::", 2)[-2] for r in policies} == {f"trusting-{a}", f"trusting-{b}"}
