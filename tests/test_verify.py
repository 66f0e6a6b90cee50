"""cross-account-verify against moto: access allowed, denied, retried, and bad arguments.

moto runs in-process (``mock_aws``) with IAM authentication on, so STS and S3
answer as AWS would for the caller's own keys; ``--endpoint-url``
against moto running as a server is tested in test_local.py (moto's
in-process mock and its server share one state, so they never run in one module).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import ROOT, TRUSTED_ACCOUNT, TRUSTING_ACCOUNT
from emulator import account_session
from moto import mock_aws
from moto.core import disable_iam_authentication, enable_iam_authentication

from cross_account import verify as cli

READER = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/reader"
NO_S3 = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/team/no-s3"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}
S3_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:List*", "s3:Get*"], "Resource": "*"}],
}


def _may_assume(*roles: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(roles)}],
        }
    )


@dataclass
class Accounts:
    keys: dict[str, dict[str, str]]
    credentials_file: Path


def _seed(endpoint_url: str | None = None) -> dict[str, dict[str, str]]:
    trusting = account_session(TRUSTING_ACCOUNT)
    iam = trusting.client("iam", endpoint_url=endpoint_url)
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="reader", PolicyName="s3-read", PolicyDocument=json.dumps(S3_READ))
    iam.create_role(RoleName="no-s3", Path="/team/", AssumeRolePolicyDocument=json.dumps(TRUST))
    trusting.client("s3", endpoint_url=endpoint_url).create_bucket(Bucket="reports")
    trusted = account_session(TRUSTED_ACCOUNT).client("iam", endpoint_url=endpoint_url)
    keys = {}
    for user in ("alice", "carol", "dave"):
        trusted.create_user(UserName=user)
        keys[user] = dict(trusted.create_access_key(UserName=user)["AccessKey"])
    trusted.put_user_policy(UserName="alice", PolicyName="assume", PolicyDocument=_may_assume(READER, NO_S3))
    return keys


def _isolate_aws_env(patch: pytest.MonkeyPatch, home: Path) -> None:
    """No profile, key or metadata service of this machine reaches the tests."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
    ):
        patch.delenv(name, raising=False)
    patch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _credentials_file(path: Path, keys: dict[str, dict[str, str]]) -> None:
    path.write_text(
        "".join(
            f"[{user}]\naws_access_key_id = {k['AccessKeyId']}\naws_secret_access_key = {k['SecretAccessKey']}\n"
            for user, k in keys.items()
        )
    )


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accounts]:
    home = tmp_path_factory.mktemp("aws-home")
    with pytest.MonkeyPatch.context() as patch:
        _isolate_aws_env(patch, home)
        with mock_aws():
            keys = _seed()
            _credentials_file(home / "credentials", keys)
            yield Accounts(keys, home / "credentials")


@pytest.fixture
def iam_auth(accounts: Accounts) -> Iterator[None]:
    with enable_iam_authentication():
        yield


def run(*argv: str) -> tuple[int, list[str], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue().splitlines(), err.getvalue().splitlines()


def _assumed_lines(out: list[str], role: str, caller: str, probe: str) -> None:
    name = role.rsplit("/", 1)[1]
    assert out[0] == f"caller:  arn:aws:iam::{TRUSTED_ACCOUNT}:user/{caller}"
    assert out[1].startswith(
        f"assumed: arn:aws:sts::{TRUSTING_ACCOUNT}:assumed-role/{name}/cross-account-verify "
        f"(account {TRUSTING_ACCOUNT}, expires "
    ), out[1]
    assert out[2:] == [probe, f"access works: arn:aws:iam::{TRUSTED_ACCOUNT}:user/{caller} -> {role}"]


# Allowed -----------------------------------------------------------------------------


def test_access_that_works_exits_0_and_prints_the_caller_the_assumed_identity_and_the_probe(
    iam_auth: None,
) -> None:
    status, out, err = run(READER, "--profile", "alice", "--timeout", "0")
    assert (status, err) == (0, [])
    _assumed_lines(out, READER, "alice", "probe s3:ListBuckets: 1 bucket(s): reports")


def test_the_callers_current_credentials_are_used_without_a_profile(
    iam_auth: None, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", accounts.keys["alice"]["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", accounts.keys["alice"]["SecretAccessKey"])
    status, out, err = run(READER, "--timeout", "0", "--session-name", "ci@example.com")
    assert (status, err) == (0, [])
    assert out[1].startswith(
        f"assumed: arn:aws:sts::{TRUSTING_ACCOUNT}:assumed-role/reader/ci@example.com "
    ), out[1]


def test_probe_none_skips_the_probe(iam_auth: None) -> None:
    status, out, err = run(NO_S3, "--profile", "alice", "--probe", "none", "--timeout", "0")
    assert (status, err) == (0, [])
    _assumed_lines(out, NO_S3, "alice", "probe none: skipped")


def test_external_id_and_mfa_go_with_the_assume_role_request(iam_auth: None) -> None:
    sent: list[dict[str, Any]] = []

    class RecordingBoto3:
        @staticmethod
        def Session(**kwargs: Any) -> boto3.Session:  # noqa: N802 - boto3's name
            session = boto3.Session(**kwargs)
            session.events.register(
                "provide-client-params.sts.AssumeRole", lambda params, **_: sent.append(params)
            )
            return session

    options = cli.parse_args(
        [READER, "--profile", "alice", "--external-id", "acme-7f3a", "--timeout", "0"]
        + ["--mfa-serial", f"arn:aws:iam::{TRUSTED_ACCOUNT}:mfa/alice", "--mfa-token", "123456"]
    )
    result = cli.verify(options, RecordingBoto3)
    assert sent == [
        {
            "RoleArn": READER,
            "RoleSessionName": "cross-account-verify",
            "ExternalId": "acme-7f3a",
            "SerialNumber": f"arn:aws:iam::{TRUSTED_ACCOUNT}:mfa/alice",
            "TokenCode": "123456",
        }
    ]
    assert (result.account_id, result.attempts) == (TRUSTING_ACCOUNT, 1)


# Denied ------------------------------------------------------------------------------


def test_a_caller_without_the_policy_is_denied_in_one_line_with_exit_1(iam_auth: None) -> None:
    status, out, err = run(READER, "--profile", "carol", "--timeout", "0")
    carol = f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/carol"
    assert (status, out) == (1, [])
    assert err == [
        f"cross-account-verify: denied: sts:AssumeRole on {READER} as {carol}: "
        f"AccessDenied: User: {carol} is not authorized to perform: sts:AssumeRole"
    ]


def test_a_probe_the_role_may_not_call_fails_with_exit_1(iam_auth: None) -> None:
    status, out, err = run(NO_S3, "--profile", "alice", "--timeout", "0")
    session = f"arn:aws:sts::{TRUSTING_ACCOUNT}:assumed-role/no-s3/cross-account-verify"
    assert (status, out) == (1, [])
    assert err == [
        f"cross-account-verify: denied: probe s3:ListBuckets as {session}: AccessDenied: Access Denied"
    ]


def test_denials_are_retried_with_a_bounded_backoff_until_the_timeout(iam_auth: None) -> None:
    pauses: list[float] = []
    lines: list[str] = []
    options = cli.parse_args([READER, "--profile", "carol", "--timeout", "10"])
    with pytest.raises(cli.AccessFailure) as failure:
        cli.verify(options, boto3, sleep=pauses.append, log=lines.append)
    assert pauses == [1, 2, 4], "1 + 2 + 4 fits in 10 s, the next 8 s would not"
    assert str(failure.value).endswith("is not authorized to perform: sts:AssumeRole (after 4 attempts)")
    assert len(lines) == 3 and lines[0].startswith("denied, retrying in 1s (IAM changes take a few seconds")


def test_access_granted_while_retrying_succeeds_on_a_later_attempt(iam_auth: None) -> None:
    def grant_then_wait(seconds: float) -> None:
        """The policy reaches IAM while verify waits, as a fresh attachment does on AWS."""
        with disable_iam_authentication():
            iam = account_session(TRUSTED_ACCOUNT).client("iam")
            iam.put_user_policy(UserName="dave", PolicyName="assume", PolicyDocument=_may_assume(READER))

    options = cli.parse_args([READER, "--profile", "dave", "--timeout", "30"])
    result = cli.verify(options, boto3, sleep=grant_then_wait)
    assert result.attempts == 2
    assert result.assumed_arn == f"arn:aws:sts::{TRUSTING_ACCOUNT}:assumed-role/reader/cross-account-verify"
    assert result.probe_detail == "1 bucket(s): reports"


@pytest.mark.parametrize(
    ("timeout", "pauses"),
    [(0, []), (0.5, []), (1, [1]), (7, [1, 2, 4]), (30, [1, 2, 4, 8, 8]), (60, [1, 2, 4, 8, 8, 8, 8, 8, 8])],
)
def test_the_backoff_doubles_up_to_8_seconds_and_never_exceeds_the_timeout(
    timeout: float, pauses: list[float]
) -> None:
    assert cli.backoff_delays(timeout) == pauses
    assert sum(pauses) <= timeout


def test_no_credentials_is_a_denial_that_says_how_to_give_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _isolate_aws_env(monkeypatch, tmp_path)
    status, out, err = run(READER, "--timeout", "0")
    assert (status, out) == (1, [])
    assert err == [
        "cross-account-verify: denied: no AWS credentials: set AWS_PROFILE or pass --profile, "
        "or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    ]


# Bad arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: ROLE_ARN"),
        (
            ["arn:aws:iam::111111111111:user/alice"],
            "ROLE_ARN 'arn:aws:iam::111111111111:user/alice' is not an IAM role ARN "
            "(arn:<partition>:iam::<account>:role/[<path>/]<name>)",
        ),
        ([READER, "--mfa-token", "123456"], "--mfa-serial and --mfa-token go together: give both or neither"),
        (
            [READER, "--mfa-serial", "arn:aws:iam::222222222222:mfa/alice", "--mfa-token", "12ab56"],
            "--mfa-token '12ab56' is not a 6-digit code",
        ),
        ([READER, "--probe", "s3:PutObject"], "--probe 's3:PutObject' is not one of s3:ListBuckets, none"),
        ([READER, "--timeout", "-1"], "--timeout -1 must be 0 or more seconds"),
        ([READER, "--timeout", "soon"], "argument --timeout: invalid float value: 'soon'"),
        (
            [READER, "--session-name", "a b"],
            "--session-name 'a b' must be 2-64 characters of letters, digits and +=,.@_-",
        ),
        (
            [READER, "--external-id", "x"],
            "--external-id: '<1 characters, hidden>' is not a valid external id: "
            "2-1224 characters of letters, digits and +=,.@:/_-",
        ),
        ([READER, "--color"], "unrecognized arguments: --color"),
    ],
    ids=[
        "no-role", "not-a-role-arn", "mfa-token-alone", "mfa-token-not-digits", "write-probe",
        "negative-timeout", "timeout-not-a-number", "session-name-with-space", "external-id-too-short",
        "unknown-option",
    ],
)  # fmt: skip
def test_a_usage_error_exits_2_with_one_line_naming_the_argument(argv: list[str], message: str) -> None:
    status, out, err = run(*argv)
    assert (status, out, len(err)) == (2, [], 1), err
    assert err[0].startswith(f"cross-account-verify: error: {message}"), err[0]


def test_an_unknown_profile_is_a_usage_error(iam_auth: None) -> None:
    status, out, err = run(READER, "--profile", "nobody")
    assert (status, out) == (2, [])
    assert err == [
        "cross-account-verify: error: --profile 'nobody': ProfileNotFound: The config profile (nobody) could not be found"
    ]


def test_without_boto3_the_command_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    status, out, err = run(READER)
    assert (status, out) == (2, [])
    assert err == [
        "cross-account-verify: error: cross-account-verify needs boto3: pip install 'cross-account[verify]'"
    ]


# Entry points (--endpoint-url is tested with the local emulator, in test_local.py) ---------------------------------------------------------------


def test_the_console_script_and_the_module_run_the_same_main() -> None:
    (script,) = entry_points(group="console_scripts", name="cross-account-verify")
    assert script.value == "cross_account.verify:main"
    done = subprocess.run(
        [sys.executable, "-m", "cross_account.verify", "not-an-arn"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "cross-account-verify: error: ROLE_ARN 'not-an-arn' is not an IAM role ARN "
        "(arn:<partition>:iam::<account>:role/[<path>/]<name>)"
    ]
