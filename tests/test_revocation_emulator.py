"""Session revocation in the moto emulator: a session issued before revokeSessionsIssuedBefore loses
its S3 reads once the stack is updated with the key.

What moto (5.2) evaluates: it applies the role's inline policies to an assumed-role session at every
request (so the Deny reaches sessions issued before the update), but it evaluates a condition only for
the ``StringEquals`` operator and treats every other operator, ``DateLessThan`` included, as holding;
it has no ``aws:TokenIssueTime`` in its request context. So in moto the deny also reaches sessions
issued after the revocation time, where AWS lets them through. That half is shown by evaluating the
document's one condition with IAM's rule (``condition_holds``), and the moto behaviour is asserted as
it is, so a moto that learns the condition fails here and this note can be narrowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from conftest import ORGANIZATION, PROJECT, TRUSTED_ACCOUNT, TRUSTING_ACCOUNT, Run, run_main
from emulator import EmulatorMocks, account_session, assume_role_as, condition_holds, key_session
from moto import mock_aws
from moto.core import enable_iam_authentication

ROLE_NAME = "incident-role"
ROLE_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/{ROLE_NAME}"
BUCKET = "revocation-reports"
READ_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}],
}
TRUSTING = {"side": "trusting", "trustedAccountIds": [TRUSTED_ACCOUNT], "roleName": ROLE_NAME,
            "managedPolicyArns": [], "inlinePolicies": {"read-s3": READ_S3}}  # fmt: skip


@dataclass
class World:
    trusting: Run
    alice: dict[str, str]
    mocks: EmulatorMocks


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """The role (S3 reads by an inline policy: no AWS managed policies to load) and alice, who may assume it."""
    with mock_aws():
        iam = account_session(TRUSTED_ACCOUNT).client("iam")
        iam.create_user(UserName="alice")
        alice = dict(iam.create_access_key(UserName="alice")["AccessKey"])
        s3 = account_session(TRUSTING_ACCOUNT).client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="q1.csv", Body=b"eu,42\n")
        mocks = EmulatorMocks(TRUSTING_ACCOUNT)
        trusting = run_main(stack="trusting", config=TRUSTING, mocks=mocks)
        reference = f"{ORGANIZATION}/{PROJECT}/trusting"
        run_main(
            stack="trusted",
            config={"userNames": ["alice"], "policyName": "incident-assume"},
            mocks=EmulatorMocks(TRUSTED_ACCOUNT, stack_outputs={reference: trusting.outputs}),
        )
        yield World(trusting, alice, mocks)


def _read(session_keys: dict[str, str]) -> bytes:
    s3 = key_session(session_keys).client("s3")
    return bytes(s3.get_object(Bucket=BUCKET, Key="q1.csv")["Body"].read())


def _revoke(world: World, issued_before: str) -> None:
    """`pulumi up` with the key: the one resource it adds, as the program registers it, made in moto."""
    update = run_main(stack="trusting", config={**TRUSTING, "revokeSessionsIssuedBefore": issued_before})
    added = [
        r
        for r in update.aws_resources
        if r.type == "aws:iam/rolePolicy:RolePolicy" and "read-s3" not in r.name
    ]
    assert [(r.name, r.inputs["name"]) for r in added] == [
        ("trusting-inline-AWSRevokeOlderSessions", "AWSRevokeOlderSessions")
    ]
    world.mocks.handlers[added[0].type](world.mocks.iam, dict(added[0].inputs))


@pytest.mark.e2e
def test_a_session_issued_before_the_revocation_is_denied_s3_reads_after_it(world: World) -> None:
    with enable_iam_authentication():
        before = assume_role_as(key_session(world.alice), ROLE_ARN, session_name="before")
        assert _read(before) == b"eu,42\n", "the session reads S3 before the revocation"
    issued_before = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    _revoke(world, issued_before)
    stored = (
        account_session(TRUSTING_ACCOUNT)
        .client("iam")
        .get_role_policy(RoleName=ROLE_NAME, PolicyName="AWSRevokeOlderSessions")["PolicyDocument"]
    )
    assert (json.loads(stored) if isinstance(stored, str) else stored) == {
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
    with enable_iam_authentication():
        with pytest.raises(ClientError) as caught:
            _read(before)
        assert caught.value.response["Error"]["Code"] == "AccessDenied"
        # moto, unlike AWS, also denies a session issued after the revocation time (see the module's note).
        after = assume_role_as(key_session(world.alice), ROLE_ARN, session_name="after")
        with pytest.raises(ClientError) as caught:
            _read(after)
        assert caught.value.response["Error"]["Code"] == "AccessDenied"


def test_by_iams_rule_the_deny_holds_for_earlier_sessions_only() -> None:
    """DateLessThan aws:TokenIssueTime: the deny applies to a token issued before the time, not at or after it."""
    when = "2026-01-05T09:30:00.085Z"
    assert condition_holds(
        "DateLessThan", "aws:TokenIssueTime", when, {"aws:TokenIssueTime": "2026-01-05T09:30:00.084Z"}
    )
    assert not condition_holds(
        "DateLessThan", "aws:TokenIssueTime", when, {"aws:TokenIssueTime": "2026-01-05T09:30:00.085Z"}
    )
    assert not condition_holds(
        "DateLessThan", "aws:TokenIssueTime", when, {"aws:TokenIssueTime": "2026-01-05T10:00:00Z"}
    )
    assert not condition_holds("DateLessThan", "aws:TokenIssueTime", when, {}), (
        "a long-term key has no token time"
    )
