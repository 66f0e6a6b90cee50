"""Caller entries end to end in the moto emulator: one role, three kinds of callers, each with its own door.

The trusting stack builds one role whose ``callers`` are people of one account (MFA, session name =
user name), a CI role of another (session tags, no MFA) and a third party (external id); each trusted
account's stack reads the trusting stack's ``callerRequirements`` and attaches its policy. Then each
caller assumes the role with its own requirements, and ``cross-account-verify --expect-deny`` shows
each refused without them.

moto evaluates neither the trust policy of a role in another account nor its conditions, so the trust
side is judged by the project's evaluator (tests/emulator.py ``trust_allows``: principals, ArnLike
aws:PrincipalArn, Bool aws:MultiFactorAuthPresent, StringEquals sts:ExternalId, StringLike
sts:RoleSessionName with ${aws:username}), both in ``assume_role_as`` and, for the console script, in a
boto3 session that judges each sts:AssumeRole first. What it cannot show: that AWS checks the MFA token
(any SerialNumber with a TokenCode counts as MFA here) and aws:MultiFactorAuthAge (no caller here sets
mfaMaxAgeSeconds); moto checks the identity side (each caller's own policy).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import ORGANIZATION, PROJECT, TRUSTED_ACCOUNT, TRUSTING_ACCOUNT, run_main
from emulator import (
    EmulatorMocks,
    account_session,
    as_deployers,
    assume_role_as,
    deployer_session,
    key_session,
    new_session,
    trust_checking_session,
    trust_policy_of,
)
from moto import mock_aws
from moto.core import enable_iam_authentication

from cross_account import verify as cli

PEOPLE_ACCOUNT = TRUSTED_ACCOUNT
CI_ACCOUNT = "777788889999"
VENDOR_ACCOUNT = "222233334444"
VENDOR_ID = "vendor-7f3a9c"
ROLE = "shared-access"
ROLE_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/{ROLE}"
ALICE_MFA = f"arn:aws:iam::{PEOPLE_ACCOUNT}:mfa/alice"
REFERENCE = f"{ORGANIZATION}/{PROJECT}/trusting"
TRUSTING_CONFIG: dict[str, Any] = {
    "roleName": ROLE,
    "managedPolicyArns": [],
    "callers": [
        {
            "name": "People",
            "trustedAccountIds": [PEOPLE_ACCOUNT],
            "trustedPrincipalArns": [f"arn:aws:iam::{PEOPLE_ACCOUNT}:user/*"],
            "requireMfa": True,
            "sessionNameIsUsername": True,
        },
        {
            "name": "Deploy",
            "trustedAccountIds": [CI_ACCOUNT],
            "trustedPrincipalArns": [f"arn:aws:iam::{CI_ACCOUNT}:role/ci-deploy"],
            "allowSessionTags": True,
        },
        {"name": "Vendor", "trustedAccountIds": [VENDOR_ACCOUNT], "externalIds": [VENDOR_ID]},
    ],
}
TRUSTED_CONFIGS: dict[str, dict[str, Any]] = {
    PEOPLE_ACCOUNT: {"userNames": ["alice"]},
    CI_ACCOUNT: {"roleNames": ["ci-deploy"], "userNames": ["runner"]},
    VENDOR_ACCOUNT: {"userNames": ["partner"]},
}
"""Each trusted account's stack: runner (a user of the CI account) gets the policy too, so that only the
trust policy can refuse him."""


@dataclass
class World:
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    credentials: Path | None = None


def _user(iam: Any, name: str) -> dict[str, str]:
    iam.create_user(UserName=name)
    return dict(iam.create_access_key(UserName=name)["AccessKey"])


def _seed() -> dict[str, dict[str, str]]:
    keys = {"alice": _user(account_session(PEOPLE_ACCOUNT).client("iam"), "alice")}
    ci = account_session(CI_ACCOUNT).client("iam")
    keys["runner"] = _user(ci, "runner")
    ci.create_role(
        RoleName="ci-deploy",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        # moto judges a trust policy of the caller's own account, and matches a user's
                        # ARN there (not the account's root).
                        "Principal": {"AWS": f"arn:aws:iam::{CI_ACCOUNT}:user/runner"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    ci.put_user_policy(
        UserName="runner",
        PolicyName="be-ci-deploy",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": f"arn:aws:iam::{CI_ACCOUNT}:role/ci-deploy",
                    }
                ],
            }
        ),
    )
    keys["partner"] = _user(account_session(VENDOR_ACCOUNT).client("iam"), "partner")
    return keys


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("aws-home")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_CONFIG_FILE", str(home / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        with mock_aws():
            yield _world(home)


def _world(home: Path) -> World:
    world = World(_seed())
    deployer = deployer_session(TRUSTING_ACCOUNT, "trusting", TRUSTING_CONFIG)
    with as_deployers():  # each stack deployed by a user holding only its generated deployer policy
        mocks = EmulatorMocks(TRUSTING_ACCOUNT, session=deployer)
        trusting = run_main(stack="trusting", config=TRUSTING_CONFIG, mocks=mocks)
    for account, config in TRUSTED_CONFIGS.items():
        deployer = deployer_session(account, "trusted", config)
        with as_deployers():
            mocks = EmulatorMocks(account, stack_outputs={REFERENCE: trusting.outputs}, session=deployer)
            world.outputs[account] = run_main(stack="trusted", config=config, mocks=mocks).outputs
    with enable_iam_authentication():
        ci = key_session(world.keys["runner"]).client("sts")
        session = ci.assume_role(
            RoleArn=f"arn:aws:iam::{CI_ACCOUNT}:role/ci-deploy", RoleSessionName="build-7"
        )
    world.keys["ci-deploy"] = dict(session["Credentials"])
    world.credentials = home / "credentials"
    world.credentials.write_text(
        "".join(
            f"[{name}]\naws_access_key_id = {k['AccessKeyId']}\naws_secret_access_key = {k['SecretAccessKey']}\n"
            + (f"aws_session_token = {k['SessionToken']}\n" if "SessionToken" in k else "")
            for name, k in world.keys.items()
        )
    )
    return world


@pytest.fixture
def iam_auth(world: World) -> Iterator[None]:
    with enable_iam_authentication():
        yield


def caller(world: World, name: str) -> boto3.Session:
    keys = world.keys[name]
    return new_session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys.get("SessionToken"),
        region_name="us-east-1",
    )


@pytest.mark.e2e
def test_the_role_has_one_statement_per_caller_with_its_own_conditions(world: World) -> None:
    assert trust_policy_of(ROLE_ARN) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Deploy",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{CI_ACCOUNT}:root"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{CI_ACCOUNT}:role/ci-deploy"}},
            },
            {
                "Sid": "People",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{PEOPLE_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    "StringLike": {"sts:RoleSessionName": "${aws:username}"},
                    "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{PEOPLE_ACCOUNT}:user/*"},
                },
            },
            {
                "Sid": "Vendor",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{VENDOR_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": VENDOR_ID}},
            },
        ],
    }


@pytest.mark.e2e
def test_each_trusted_stack_follows_the_caller_that_admits_its_account(world: World) -> None:
    assert world.outputs[PEOPLE_ACCOUNT]["awsCliConfig"] == (
        f"[profile {ROLE}-{TRUSTING_ACCOUNT}]\nrole_arn = {ROLE_ARN}\nsource_profile = default\n"
        f"mfa_serial = arn:aws:iam::{PEOPLE_ACCOUNT}:mfa/<your-mfa-device-name>\n"
        "# The role requires the session name to be your IAM user name:\n"
        "role_session_name = <your-iam-user-name>\n"
    )
    assert "mfa_serial" not in world.outputs[CI_ACCOUNT]["awsCliConfig"]
    assert "external_id = <external-id-" in world.outputs[VENDOR_ACCOUNT]["awsCliConfig"]
    assert "mfa_serial" not in world.outputs[VENDOR_ACCOUNT]["awsCliConfig"]


@pytest.mark.e2e
def test_each_caller_assumes_the_role_with_its_own_requirements(world: World, iam_auth: None) -> None:
    assert assume_role_as(caller(world, "alice"), ROLE_ARN, "alice", mfa_serial=ALICE_MFA)["AccessKeyId"]
    assert assume_role_as(caller(world, "ci-deploy"), ROLE_ARN, "build-7", tags={"repo": "infra"})[
        "AccessKeyId"
    ]
    assert assume_role_as(caller(world, "partner"), ROLE_ARN, "partner", external_id=VENDOR_ID)["AccessKeyId"]


def verify(world: World, *argv: str) -> tuple[int, list[str], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main([ROLE_ARN, "--timeout", "0", "--region", "us-east-1", *argv], stdout=out, stderr=err)
    return status, out.getvalue().splitlines(), err.getvalue().splitlines()


REFUSALS = [
    ("alice", ["--session-name", "alice"], "people without MFA"),
    ("alice", ["--mfa-serial", ALICE_MFA, "--mfa-token", "123456", "--session-name", "someone"], "session name not the user's"),
    ("alice", ["--mfa-serial", ALICE_MFA, "--mfa-token", "123456", "--session-name", "alice", "--tags", "a=b"], "people may not tag"),
    ("runner", ["--tags", "repo=infra"], "a CI account user that is not the CI role"),
    ("partner", [], "the third party without its external id"),
    ("partner", ["--external-id", "vendor-0000"], "the third party with another external id"),
]  # fmt: skip


@pytest.mark.e2e
@pytest.mark.parametrize(("who", "argv", "why"), REFUSALS, ids=[why for _, _, why in REFUSALS])
def test_verify_expect_deny_shows_each_caller_refused_without_its_requirements(
    world: World, iam_auth: None, monkeypatch: pytest.MonkeyPatch, who: str, argv: list[str], why: str
) -> None:
    monkeypatch.setattr(boto3, "Session", trust_checking_session)
    status, out, err = verify(world, "--profile", who, "--expect-deny", *argv)
    assert status == 0, (why, out, err)
    assert (
        out[-2].startswith("refused: AccessDenied: ") and "is not trusted by the trust policy" in out[-2]
    ), out
    assert out[-1].endswith(f" -> {ROLE_ARN}") and out[-1].startswith("denied as expected: "), out


WITH_REQUIREMENTS = [
    ("alice", ["--mfa-serial", ALICE_MFA, "--mfa-token", "123456", "--session-name", "alice"]),
    ("ci-deploy", ["--tags", "repo=infra", "--session-name", "build-8"]),
    ("partner", ["--external-id", VENDOR_ID]),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("who", "argv"), WITH_REQUIREMENTS, ids=[who for who, _ in WITH_REQUIREMENTS])
def test_verify_shows_each_caller_let_in_with_its_requirements(
    world: World, iam_auth: None, monkeypatch: pytest.MonkeyPatch, who: str, argv: list[str]
) -> None:
    monkeypatch.setattr(boto3, "Session", trust_checking_session)
    status, out, err = verify(world, "--profile", who, "--probe", "none", *argv)
    assert (status, err) == (0, []), out
    assert out[-1].startswith("access works: ") and out[-1].endswith(f" -> {ROLE_ARN}")


def test_the_evaluator_refuses_a_role_session_whose_role_the_pattern_does_not_name() -> None:
    """The CI statement names the role by aws:PrincipalArn: another role's session of that account is out."""
    from emulator import request_context, trust_allows

    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{CI_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{CI_ACCOUNT}:role/ci-deploy"}},
            }
        ],
    }
    for role, allowed in (("ci-deploy", True), ("other", False)):
        arn = f"arn:aws:sts::{CI_ACCOUNT}:assumed-role/{role}/build"
        actions, context = request_context(arn, {"RoleArn": ROLE_ARN, "RoleSessionName": "build"})
        assert trust_allows(document, arn, actions, context) is allowed


def test_a_request_without_mfa_has_no_mfa_key_and_fails_the_bool_condition() -> None:
    from emulator import request_context

    _, without = request_context(f"arn:aws:iam::{PEOPLE_ACCOUNT}:user/alice", {"RoleSessionName": "alice"})
    _, with_mfa = request_context(
        f"arn:aws:iam::{PEOPLE_ACCOUNT}:user/alice",
        {"RoleSessionName": "alice", "SerialNumber": ALICE_MFA, "TokenCode": "123456"},
    )
    assert "aws:MultiFactorAuthPresent" not in without
    assert with_mfa["aws:MultiFactorAuthPresent"] == "true"
