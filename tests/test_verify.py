"""cross-account-verify against moto: access allowed, denied, retried, expected to be denied, bad arguments.

moto runs in-process (``mock_aws``) with IAM authentication on, so STS and S3
answer as AWS would for the caller's own keys; ``--endpoint-url``
against moto running as a server is tested in test_local.py (moto's
in-process mock and its server share one state, so they never run in one module).
The time limit is shown against TCP servers on 127.0.0.1 that never answer
(tests/tcp_servers.py), with the command run as its own process.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import boto3
import pytest
import short_floor
from botocore.exceptions import ClientError, EndpointConnectionError
from conftest import ROOT, TRUSTED_ACCOUNT, TRUSTING_ACCOUNT
from emulator import account_session, new_session
from moto import mock_aws
from moto.core import disable_iam_authentication, enable_iam_authentication
from tcp_servers import closed_port, tcp_server

from cross_account import verify as cli

SCRIPT = "cross_account.verify"

READER = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/reader"
NO_S3 = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/team/no-s3"
PARTNER = f"arn:aws:iam::{TRUSTED_ACCOUNT}:role/partner"
PARTNER_EXTERNAL_ID = "acme-7f3a"


def user(name: str) -> str:
    return f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/{name}"


def session_of(role: str, name: str = "cross-account-verify") -> str:
    account, role_name = role.split(":")[4], role.rsplit("/", 1)[1]
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{name}"


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
PARTNER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": user("erin")},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": PARTNER_EXTERNAL_ID}},
        }
    ],
}
"""A role of the callers' own account: there moto evaluates the trust policy and its sts:ExternalId."""
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
    trusted.create_role(RoleName="partner", AssumeRolePolicyDocument=json.dumps(PARTNER_TRUST))
    keys = {}
    for name in ("alice", "carol", "dave", "erin", "frank"):
        trusted.create_user(UserName=name)
        keys[name] = dict(trusted.create_access_key(UserName=name)["AccessKey"])
    trusted.put_user_policy(UserName="alice", PolicyName="assume", PolicyDocument=_may_assume(READER, NO_S3))
    trusted.put_user_policy(UserName="erin", PolicyName="assume", PolicyDocument=_may_assume(PARTNER))
    trusted.put_user_policy(UserName="frank", PolicyName="assume", PolicyDocument=_may_assume(READER))
    return keys


AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
)


def _isolate_aws_env(patch: pytest.MonkeyPatch, home: Path) -> None:
    """No profile, key or metadata service of this machine reaches the tests."""
    for name in AWS_VARIABLES:
        patch.delenv(name, raising=False)
    patch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _credentials_file(path: Path, keys: dict[str, dict[str, str]]) -> None:
    path.write_text(
        "".join(
            f"[{name}]\naws_access_key_id = {k['AccessKeyId']}\naws_secret_access_key = {k['SecretAccessKey']}\n"
            for name, k in keys.items()
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


def hooked_boto3(handlers: dict[str, Callable[..., Any]]) -> Any:
    """boto3 whose sessions call ``handlers`` on botocore events (``{"before-call.sts.AssumeRole": ...}``)."""

    class HookedBoto3:
        @staticmethod
        def Session(**kwargs: Any) -> boto3.Session:  # noqa: N802 - boto3's name
            session = new_session(**kwargs)
            for event, handler in handlers.items():
                session.events.register(event, handler)
            return session

    return HookedBoto3


class FakeClock:
    """time.monotonic and time.sleep for a test: sleeping moves the clock, and so may each call."""

    def __init__(self, extra_per_sleep: float = 0.0) -> None:
        self.now = 0.0
        self.pauses: list[float] = []
        self.extra = extra_per_sleep

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds + self.extra


def _assumed_lines(out: list[str], role: str, caller: str, probe: str) -> None:
    name = role.rsplit("/", 1)[1]
    assert out[0] == f"caller:  {user(caller)}"
    assert out[1].startswith(
        f"assumed: arn:aws:sts::{TRUSTING_ACCOUNT}:assumed-role/{name}/cross-account-verify "
        f"(account {TRUSTING_ACCOUNT}, expires "
    ), out[1]
    assert out[2:] == [probe, f"access works: {user(caller)} -> {role}"]


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
    assert out[1].startswith(f"assumed: {session_of(READER, 'ci@example.com')} "), out[1]


def test_probe_none_skips_the_probe(iam_auth: None) -> None:
    status, out, err = run(NO_S3, "--profile", "alice", "--probe", "none", "--timeout", "0")
    assert (status, err) == (0, [])
    _assumed_lines(out, NO_S3, "alice", "probe none: skipped")


def _sent_requests(argv: list[str]) -> tuple[list[dict[str, Any]], cli.Result | cli.Refusal]:
    sent: list[dict[str, Any]] = []
    fake = hooked_boto3(
        {"provide-client-params.sts.AssumeRole": lambda params, **_: sent.append(dict(params))}
    )
    options = cli.parse_args(argv)
    check = cli.verify_denied if options.expect_deny else cli.verify
    return sent, check(options, fake)


def test_every_request_option_goes_with_the_assume_role_request(iam_auth: None) -> None:
    sent, result = _sent_requests(
        [READER, "--profile", "alice", "--external-id", "acme-7f3a", "--timeout", "0"]
        + ["--mfa-serial", f"arn:aws:iam::{TRUSTED_ACCOUNT}:mfa/alice", "--mfa-token", "123456"]
        + ["--session-name", "deploy-42", "--source-identity", "alice@example.com"]
        + ["--tags", "team=platform", "ci:run=https://ci.example.com/r/42", "empty="]
    )
    assert sent == [
        {
            "RoleArn": READER,
            "RoleSessionName": "deploy-42",
            "ExternalId": "acme-7f3a",
            "SerialNumber": f"arn:aws:iam::{TRUSTED_ACCOUNT}:mfa/alice",
            "TokenCode": "123456",
            "SourceIdentity": "alice@example.com",
            "Tags": [
                {"Key": "team", "Value": "platform"},
                {"Key": "ci:run", "Value": "https://ci.example.com/r/42"},
                {"Key": "empty", "Value": ""},
            ],
        }
    ]
    assert isinstance(result, cli.Result)
    assert (result.assumed_arn, result.attempts) == (session_of(READER, "deploy-42"), 1)


def test_expect_deny_asks_for_the_shortest_session_with_the_same_conditions(iam_auth: None) -> None:
    sent, refusal = _sent_requests(
        [READER, "--profile", "carol", "--expect-deny", "--timeout", "0", "--source-identity", "carol"]
        + ["--session-name", "one-check", "--tags", "team=x"]
    )
    assert sent == [
        {
            "RoleArn": READER,
            "RoleSessionName": "one-check",
            "SourceIdentity": "carol",
            "Tags": [{"Key": "team", "Value": "x"}],
            "DurationSeconds": 900,
        }
    ]
    assert isinstance(refusal, cli.Refusal) and refusal.attempts == 1


# Denied ------------------------------------------------------------------------------


def test_a_caller_without_the_policy_is_denied_in_one_line_with_exit_1(iam_auth: None) -> None:
    status, out, err = run(READER, "--profile", "carol", "--timeout", "0")
    assert (status, out) == (1, [])
    assert err == [
        f"cross-account-verify: denied: sts:AssumeRole on {READER} as {user('carol')}: "
        f"AccessDenied: User: {user('carol')} is not authorized to perform: sts:AssumeRole"
    ]


def test_a_probe_the_role_may_not_call_fails_with_exit_1(iam_auth: None) -> None:
    status, out, err = run(NO_S3, "--profile", "alice", "--timeout", "0")
    assert (status, out) == (1, [])
    assert err == [
        f"cross-account-verify: denied: probe s3:ListBuckets as {session_of(NO_S3)}: AccessDenied: Access Denied"
    ]


def test_denials_are_retried_with_a_bounded_backoff_until_the_timeout(iam_auth: None) -> None:
    clock = FakeClock()
    lines: list[str] = []
    options = cli.parse_args([READER, "--profile", "carol", "--timeout", "10"])
    with pytest.raises(cli.AccessFailure) as failure:
        cli.verify(options, boto3, sleep=clock.sleep, clock=clock, log=lines.append)
    assert clock.pauses == [1, 2, 4], "1 + 2 + 4 fits in 10 s, the next 8 s would not"
    assert str(failure.value).endswith("is not authorized to perform: sts:AssumeRole (after 4 attempts)")
    assert len(lines) == 3 and lines[0].startswith("denied, retrying in 1s (IAM changes take a few seconds")


def test_no_retry_starts_when_the_time_left_cannot_hold_it(iam_auth: None) -> None:
    """Slow calls eat the time: after the pauses of 1 and 2 s the clock is at 9 s of 10, so 4 s more would not fit."""
    clock = FakeClock(extra_per_sleep=3)
    options = cli.parse_args([READER, "--profile", "carol", "--timeout", "10"])
    with pytest.raises(cli.AccessFailure) as failure:
        cli.verify(options, boto3, sleep=clock.sleep, clock=clock)
    assert clock.pauses == [1, 2]
    assert str(failure.value).endswith("(after 3 attempts)")


def test_access_granted_while_retrying_succeeds_on_a_later_attempt(iam_auth: None) -> None:
    def grant_then_wait(seconds: float) -> None:
        """The policy reaches IAM while verify waits, as a fresh attachment does on AWS."""
        with disable_iam_authentication():
            iam = account_session(TRUSTED_ACCOUNT).client("iam")
            iam.put_user_policy(UserName="dave", PolicyName="assume", PolicyDocument=_may_assume(READER))

    options = cli.parse_args([READER, "--profile", "dave", "--timeout", "30"])
    result = cli.verify(options, boto3, sleep=grant_then_wait)
    assert result.attempts == 2
    assert result.assumed_arn == session_of(READER)
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


# --expect-deny ------------------------------------------------------------------------


def test_expect_deny_exits_0_and_prints_who_was_refused_on_which_role_and_why(iam_auth: None) -> None:
    status, out, err = run(READER, "--profile", "carol", "--expect-deny", "--timeout", "0")
    assert (status, err) == (0, [])
    assert out == [
        f"caller:  {user('carol')}",
        f"request: sts:AssumeRole on {READER} with RoleSessionName=cross-account-verify",
        f"refused: AccessDenied: User: {user('carol')} is not authorized to perform: sts:AssumeRole",
        f"denied as expected: {user('carol')} -> {READER}",
    ]


def test_expect_deny_exits_1_naming_the_caller_and_the_role_when_access_works(iam_auth: None) -> None:
    status, out, err = run(READER, "--profile", "alice", "--expect-deny", "--timeout", "0")
    assert (status, out) == (1, [])
    assert err == [
        f"cross-account-verify: not denied: {user('alice')} may assume {READER} "
        f"(got {session_of(READER)}, at the first attempt): this caller should not have it"
    ]


def test_expect_deny_retries_while_access_still_works_until_the_timeout(iam_auth: None) -> None:
    clock = FakeClock()
    lines: list[str] = []
    options = cli.parse_args([READER, "--profile", "alice", "--expect-deny", "--timeout", "10"])
    with pytest.raises(cli.AccessFailure) as failure:
        cli.verify_denied(options, boto3, sleep=clock.sleep, clock=clock, log=lines.append)
    assert clock.pauses == [1, 2, 4]
    assert str(failure.value) == (
        f"{user('alice')} may assume {READER} (got {session_of(READER)}, after 4 attempts): "
        "this caller should not have it"
    )
    assert lines[0] == (
        f"still allowed ({session_of(READER)}), retrying in 1s "
        "(a revoked permission takes a few seconds to propagate)"
    )


def test_expect_deny_passes_once_a_revocation_lands_while_it_retries(iam_auth: None) -> None:
    def revoke_then_wait(seconds: float) -> None:
        with disable_iam_authentication():
            account_session(TRUSTED_ACCOUNT).client("iam").delete_user_policy(
                UserName="frank", PolicyName="assume"
            )

    options = cli.parse_args([READER, "--profile", "frank", "--expect-deny", "--timeout", "30"])
    refusal = cli.verify_denied(options, boto3, sleep=revoke_then_wait)
    assert (refusal.caller_arn, refusal.role_arn, refusal.code, refusal.attempts) == (
        user("frank"),
        READER,
        "AccessDenied",
        2,
    )
    assert refusal.message == f"User: {user('frank')} is not authorized to perform: sts:AssumeRole"


@pytest.mark.parametrize(
    ("external_id", "expect_deny", "status"),
    [("wrong-id-0000", True, 0), (PARTNER_EXTERNAL_ID, True, 1), (PARTNER_EXTERNAL_ID, False, 0)],
    ids=["wrong-id-refused", "right-id-not-refused", "right-id-works"],
)
def test_expect_deny_checks_one_condition_at_a_time(
    iam_auth: None, external_id: str, expect_deny: bool, status: int
) -> None:
    """moto evaluates sts:ExternalId in the trust policy of a role of the caller's own account."""
    argv = [PARTNER, "--profile", "erin", "--external-id", external_id, "--timeout", "0"]
    code, out, err = run(*argv, *(["--expect-deny"] if expect_deny else ["--probe", "none"]))
    assert code == status, (out, err)
    if expect_deny and status == 0:
        assert out[1:3] == [
            f"request: sts:AssumeRole on {PARTNER} with RoleSessionName=cross-account-verify ExternalId=<hidden>",
            f"refused: AccessDenied: User: {user('erin')} is not authorized to perform: sts:AssumeRole",
        ]


def test_expect_deny_treats_an_error_that_is_not_a_refusal_as_a_setup_error(
    iam_auth: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def throttle(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "AssumeRole")

    monkeypatch.setitem(sys.modules, "boto3", hooked_boto3({"before-call.sts.AssumeRole": throttle}))
    status, out, err = run(READER, "--profile", "carol", "--expect-deny", "--timeout", "0")
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-verify: error: sts:AssumeRole on {READER} as {user('carol')}: Throttling: Rate exceeded: "
        "not a refusal (AccessDenied), so it proves nothing about who may assume the role"
    ]


# Setup errors: exit 2 ---------------------------------------------------------------------------


def test_no_credentials_is_a_setup_error_that_says_how_to_give_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _isolate_aws_env(monkeypatch, tmp_path)
    for extra in ([], ["--expect-deny"]):
        status, out, err = run(READER, "--timeout", "0", *extra)
        assert (status, out) == (2, [])
        assert err == [
            "cross-account-verify: error: no AWS credentials: set AWS_PROFILE or pass --profile, "
            "or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        ]


def test_credentials_the_account_does_not_know_are_a_setup_error_even_with_expect_deny(
    iam_auth: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWN000000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-key")
    for extra in ([], ["--expect-deny"]):
        status, out, err = run(READER, "--timeout", "0", *extra)
        assert (status, out) == (2, [])
        assert err == [
            "cross-account-verify: error: the caller's credentials do not work: "
            "InvalidClientTokenId: The security token included in the request is invalid."
        ]


def test_a_region_aws_does_not_have_is_named_when_sts_cannot_be_reached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name lookup of sts.us-east-9.amazonaws.com fails as it would on AWS (simulated: tests stay on 127.0.0.1)."""

    def no_such_host(request: Any, **_: Any) -> None:
        raise EndpointConnectionError(
            endpoint_url=request.url, error=socket.gaierror(-2, "Name or service not known")
        )

    _isolate_aws_env(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE000000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setitem(
        sys.modules, "boto3", hooked_boto3({"before-send.sts.GetCallerIdentity": no_such_host})
    )
    status, out, err = run(READER, "--region", "us-east-9", "--timeout", "0")
    assert (status, out) == (2, [])
    assert err == [
        "cross-account-verify: error: cannot reach https://sts.us-east-9.amazonaws.com: could not connect "
        "(Name or service not known); --region 'us-east-9' is not a valid AWS region: no AWS partition has it"
    ]


def test_a_malformed_region_from_the_environment_is_a_setup_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _isolate_aws_env(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE000000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us east")
    status, out, err = run(READER, "--timeout", "0")
    assert (status, out) == (2, [])
    assert err == [
        "cross-account-verify: error: region 'us east' is not valid: InvalidRegionError: "
        "Provided region_name 'us east' doesn't match a supported format."
    ]


def test_an_endpoint_from_the_environment_that_is_not_a_url_is_a_setup_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _isolate_aws_env(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE000000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "notaurl")
    status, out, err = run(READER, "--timeout", "0")
    assert (status, out) == (2, [])
    assert err == [
        "cross-account-verify: error: cannot use the AWS configuration: ValueError: Invalid endpoint: notaurl"
    ]


def _cli_process(*argv: str, home: Path, short: bool = False) -> tuple[int, list[str], list[str], float]:
    """The command as its own process, with made-up keys and nothing of this machine's AWS setup.

    ``short``: with the short run floor and watchdog grace of ``tests/short_floor.py``."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE000000000",
        "AWS_SECRET_ACCESS_KEY": "made-up",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    started = time.monotonic()
    command = short_floor.command(SCRIPT, *argv) if short else [sys.executable, "-m", SCRIPT, *argv]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    return done.returncode, done.stdout.splitlines(), done.stderr.splitlines(), time.monotonic() - started


@pytest.mark.parametrize("extra", [[], ["--expect-deny"]], ids=["verify", "expect-deny"])
def test_an_endpoint_that_refuses_connections_cannot_be_reached_exit_2(
    tmp_path: Path, extra: list[str]
) -> None:
    with closed_port() as url:
        status, out, err, _ = _cli_process(
            READER, "--endpoint-url", url, "--timeout", "30", *extra, home=tmp_path
        )
    assert (status, out) == (2, [])
    assert err == [f"cross-account-verify: error: cannot reach {url}: could not connect (Connection refused)"]


def test_the_timeout_bounds_the_run_against_an_endpoint_that_never_answers(tmp_path: Path) -> None:
    """A bound, not a benchmark: the run must end within its floor plus a margin."""
    with tcp_server("silent") as url:
        status, out, err, took = _cli_process(
            READER, "--endpoint-url", url, "--timeout", "0", home=tmp_path, short=True
        )
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-verify: error: cannot reach {url}: no answer within the time left (--timeout)"
    ]
    assert took < short_floor.FLOOR + 4, (
        f"a floor of {short_floor.FLOOR} s plus starting Python; took {took:.1f} s"
    )


def test_the_timeout_bounds_the_run_against_an_endpoint_that_trickles_bytes_forever(tmp_path: Path) -> None:
    """One byte every tenth of a second: no socket read ever times out, the watchdog still ends the run."""
    with tcp_server("trickle") as url:
        status, out, err, took = _cli_process(
            READER, "--endpoint-url", url, "--timeout", "0", "--expect-deny", home=tmp_path, short=True
        )
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-verify: error: cannot reach {url}: no complete answer within {short_floor.FLOOR:g}s "
        "(--timeout)"
    ]
    bound = short_floor.FLOOR + short_floor.GRACE
    assert took < bound + 4, (
        f"the floor and the watchdog's grace ({bound} s) plus starting Python; took {took:.1f} s"
    )


@pytest.mark.parametrize("script", short_floor.SCRIPTS)
@pytest.mark.parametrize(("timeout", "seconds"), [("0", 5.0 + 2.0), ("2", 5.0 + 2.0), ("30", 30.0 + 2.0)])
def test_a_run_gets_at_least_five_seconds_and_the_watchdog_two_more_whatever_the_timeout(
    monkeypatch: pytest.MonkeyPatch, script: str, timeout: str, seconds: float
) -> None:
    """The real floor and grace of each console script, which the tests above shorten to wait less."""
    module = importlib.import_module(script)
    given: list[float] = []

    def watchdog(work: Callable[[], Any], limit: float, progress: Any, name: str) -> Any:
        given.append(limit)
        raise cli.UsageError("stopped by the test")

    monkeypatch.setattr(module, "bounded", watchdog)
    argv = {
        "cross_account.verify": [READER],
        "cross_account.console": [READER],
        "cross_account.audit": ["--stack-outputs", "trusting.json"],
    }[script]
    err = io.StringIO()
    assert module.main([*argv, "--timeout", timeout], io.StringIO(), err) == 2
    prog = script.replace("cross_account.", "cross-account-")
    assert (given, err.getvalue()) == ([seconds], f"{prog}: error: stopped by the test\n")


# Secrets are never printed ----------------------------------------------------------------------

EXTERNAL_ID = "Xid-4f9c-confidential"
TOKEN = "908172"
SECRET_ARGS = ["--external-id", EXTERNAL_ID, "--mfa-serial", f"arn:aws:iam::{TRUSTED_ACCOUNT}:mfa/alice"]
SECRET_ARGS += ["--mfa-token", TOKEN]


def _echo_secrets(code: str) -> Callable[..., None]:
    def echo(**_: Any) -> None:
        message = f"Value '{EXTERNAL_ID}' at 'externalId' and TokenCode {TOKEN} are wrong"
        raise ClientError({"Error": {"Code": code, "Message": message}}, "AssumeRole")

    return echo


@pytest.mark.parametrize(
    ("argv", "hooks", "status"),
    [
        ([READER, "--external-id", "é" + EXTERNAL_ID], {}, 2),
        ([READER, "--external-id", EXTERNAL_ID + "\n"], {}, 2),
        ([READER, "--mfa-serial", "arn:aws:iam::444455556666:mfa/a", "--mfa-token", TOKEN + "0"], {}, 2),
        ([READER, "--mfa-serial", "arn:aws:iam::444455556666:mfa/a", "--mfa-token", "١٢٣٤٥٦"], {}, 2),
        ([READER, *SECRET_ARGS, "--profile", "alice", "stray", EXTERNAL_ID, TOKEN], {}, 2),
        ([READER, f"--external-id={EXTERNAL_ID}", "--colour", EXTERNAL_ID], {}, 2),
        (["not-a-role", *SECRET_ARGS], {}, 2),
        ([READER, *SECRET_ARGS, "--profile", "nobody"], {}, 2),
        ([READER, *SECRET_ARGS, "--profile", "alice", "--timeout", "0"], {}, 0),
        ([READER, *SECRET_ARGS, "--profile", "carol", "--timeout", "0"], {}, 1),
        ([READER, *SECRET_ARGS, "--profile", "carol", "--expect-deny", "--timeout", "0"], {}, 0),
        ([READER, *SECRET_ARGS, "--profile", "alice", "--expect-deny", "--timeout", "0"], {}, 1),
        (
            [READER, *SECRET_ARGS, "--profile", "alice", "--timeout", "1"],
            {"before-call.sts.AssumeRole": _echo_secrets("AccessDenied")},
            1,
        ),
        (
            [READER, *SECRET_ARGS, "--profile", "alice", "--expect-deny", "--timeout", "0"],
            {"before-call.sts.AssumeRole": _echo_secrets("ValidationError")},
            2,
        ),
        (
            [READER, *SECRET_ARGS, "--profile", "alice", "--expect-deny", "--timeout", "0"],
            {"before-call.sts.AssumeRole": _echo_secrets("AccessDenied")},
            0,
        ),
    ],
    ids=[
        "external-id-not-ascii", "external-id-newline", "token-too-long", "token-not-ascii-digits",
        "stray-words", "equals-form-and-unknown-option", "bad-role-arn", "unknown-profile", "works",
        "denied", "expect-deny-refused", "expect-deny-allowed", "aws-echoes-them-retried",
        "aws-echoes-them-not-a-refusal", "aws-echoes-them-in-a-refusal",
    ],
)  # fmt: skip
def test_the_external_id_and_the_mfa_code_never_appear_in_any_output(
    iam_auth: None,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    hooks: dict[str, Callable[..., None]],
    status: int,
) -> None:
    if hooks:
        monkeypatch.setitem(sys.modules, "boto3", hooked_boto3(hooks))
    code, out, err = run(*argv)
    text = "\n".join(out + err)
    assert code == status, text
    assert text, "something was printed"
    for secret in (EXTERNAL_ID, TOKEN, "١٢٣٤٥٦"):
        assert secret not in text, f"{secret!r} printed:\n{text}"


def test_the_options_never_show_the_secrets_in_their_repr() -> None:
    options = cli.parse_args([READER, *SECRET_ARGS])
    assert EXTERNAL_ID not in repr(options) and TOKEN not in repr(options)
    assert options.secrets == (EXTERNAL_ID, TOKEN)


def test_a_secret_is_hidden_where_it_stands_alone_and_not_inside_a_longer_word() -> None:
    text = "token 111111 in arn:aws:iam::111122223333:user/x, id 'ab-1' and ab-12"
    assert cli.redact(text, ["111111", "ab-1"]) == (
        "token <hidden> in arn:aws:iam::111122223333:user/x, id '<hidden>' and ab-12"
    )


# Bad arguments ---------------------------------------------------------------------------

LONG_TAGS = ["--tags", *[f"k{i}=v" for i in range(51)]]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: ROLE_ARN"),
        (
            ["--tags", "a=b", READER],
            "the following arguments are required: ROLE_ARN (--tags takes every word after it: "
            "give ROLE_ARN first, or end the tags with --)",
        ),
        (
            ["arn:aws:iam::111122223333:user/alice"],
            "ROLE_ARN 'arn:aws:iam::111122223333:user/alice' is not an IAM role ARN "
            "(arn:<partition>:iam::<account>:role/[<path>/]<name>)",
        ),
        (
            [READER + "\n"],
            "ROLE_ARN 'arn:aws:iam::111122223333:role/reader\\n' is not an IAM role ARN",
        ),
        (
            ["arn:aws:iam::111122223333:role/réader"],
            "ROLE_ARN 'arn:aws:iam::111122223333:role/réader' is not an IAM role ARN",
        ),
        (
            ["arn:aws:iam::١١١١١١١١١١١١:role/reader"],
            "ROLE_ARN 'arn:aws:iam::١١١١١١١١١١١١:role/reader' is not an IAM role ARN",
        ),
        ([READER, "--mfa-token", "123456"], "--mfa-serial and --mfa-token go together: give both or neither"),
        (
            [READER, "--mfa-serial", "arn:aws:iam::444455556666:mfa/alice", "--mfa-token", "12ab56"],
            "--mfa-token: '<6 characters, hidden>' is not a 6-digit code",
        ),
        (
            [READER, "--mfa-serial", "arn:aws:iam::444455556666:mfa/alicé", "--mfa-token", "123456"],
            "--mfa-serial 'arn:aws:iam::444455556666:mfa/alicé' is not an MFA device ARN or serial number",
        ),
        ([READER, "--probe", "s3:PutObject"], "--probe 's3:PutObject' is not one of s3:ListBuckets, none"),
        (
            [READER, "--probe", "none", "--expect-deny"],
            "--probe 'none' with --expect-deny: --expect-deny stops at sts:AssumeRole, there is no session to probe",
        ),
        ([READER, "--timeout", "-1"], "--timeout '-1' must be a number of seconds from 0 to 3600"),
        ([READER, "--timeout", "soon"], "--timeout 'soon' must be a number of seconds from 0 to 3600"),
        ([READER, "--timeout", "inf"], "--timeout 'inf' must be a number of seconds from 0 to 3600"),
        ([READER, "--timeout", "nan"], "--timeout 'nan' must be a number of seconds from 0 to 3600"),
        ([READER, "--timeout", "1e9"], "--timeout '1e9' must be a number of seconds from 0 to 3600"),
        ([READER, "--timeout", "3600.5"], "--timeout '3600.5' must be a number of seconds from 0 to 3600"),
        ([READER, "--timeout", "٥"], "--timeout '٥' must be a number of seconds from 0 to 3600"),
        ([READER, "--timeout", " 5"], "--timeout ' 5' must be a number of seconds from 0 to 3600"),
        (
            [READER, "--session-name", "a b"],
            "--session-name 'a b' must be 2-64 characters of letters, digits and _+=,.@-",
        ),
        (
            [READER, "--session-name", "ci\n"],
            "--session-name 'ci\\n' must be 2-64 characters of letters, digits and _+=,.@-",
        ),
        (
            [READER, "--session-name", "café"],
            "--session-name 'café' must be 2-64 characters of letters, digits and _+=,.@-",
        ),
        (
            [READER, "--source-identity", "x"],
            "--source-identity 'x' must be 2-64 characters of letters, digits and _+=,.@-",
        ),
        (
            [READER, "--source-identity", "ops:alice"],
            "--source-identity 'ops:alice' must be 2-64 characters of letters, digits and _+=,.@-",
        ),
        (
            [READER, "--source-identity", "a" * 65],
            f"--source-identity '{'a' * 65}' must be 2-64 characters",
        ),
        ([READER, "--tags", "team"], "--tags 'team' is not KEY=VALUE"),
        (
            [READER, "--tags", "=x"],
            "--tags '=x': the key must be 1-128 characters of letters, digits, spaces and _.:/=+-@",
        ),
        (
            [READER, "--tags", "tëam=x"],
            "--tags 'tëam=x': the key must be 1-128 characters of letters, digits, spaces and _.:/=+-@",
        ),
        (
            [READER, "--tags", "team=a;b"],
            "--tags 'team=a;b': the value must be 0-256 characters of letters, digits, spaces and _.:/=+-@",
        ),
        (
            [READER, "--tags", f"team={'v' * 257}"],
            f"--tags 'team={'v' * 257}': the value must be 0-256 characters",
        ),
        ([READER, "--tags", "aws:team=x"], "--tags 'aws:team=x': keys starting with aws: are reserved for AWS"),
        (
            [READER, "--tags", "Team=a", "--tags", "team=b"],
            "--tags 'team=b': the key 'team' is given twice (after 'Team'; STS compares tag keys without case)",
        ),
        ([READER, *LONG_TAGS], "--tags: 51 tags, STS takes at most 50"),
        (
            [READER, "--external-id", "x"],
            "--external-id: '<1 characters, hidden>' is not a valid external id: "
            "2-1224 characters of letters, digits and +=,.@:/_-",
        ),
        ([READER, "--profile", "a b"], "--profile 'a b' is not a profile name"),
        ([READER, "--region", "nowhere"], "--region 'nowhere' is not a valid AWS region name (like us-east-1)"),
        ([READER, "--region", "US-EAST-1"], "--region 'US-EAST-1' is not a valid AWS region name"),
        ([READER, "--region", "us-east-1\n"], "--region 'us-east-1\\n' is not a valid AWS region name"),
        (
            [READER, "--endpoint-url", "notaurl"],
            "--endpoint-url 'notaurl' is not an http:// or https:// URL with a host (like http://127.0.0.1:5000)",
        ),
        ([READER, "--endpoint-url", "ftp://127.0.0.1:21"], "--endpoint-url 'ftp://127.0.0.1:21' is not an http://"),
        ([READER, "--endpoint-url", "http://"], "--endpoint-url 'http://' is not an http://"),
        ([READER, "--endpoint-url", "http://127.0.0.1:99999"], "--endpoint-url 'http://127.0.0.1:99999' is not"),
        ([READER, "--endpoint-url", "http://127.0.0.1:5x"], "--endpoint-url 'http://127.0.0.1:5x' is not"),
        ([READER, "--endpoint-url", "http://127.0.0.1:0"], "--endpoint-url 'http://127.0.0.1:0' is not"),
        ([READER, "--endpoint-url", "http://mötö.local"], "--endpoint-url 'http://mötö.local' is not"),
        ([READER, "--endpoint-url", "http://a b"], "--endpoint-url 'http://a b' is not"),
        ([READER, "--endpoint-url", "http://h_1"], "--endpoint-url 'http://h_1' is not"),
        (
            [READER, "--endpoint-url", "http://user:pa55@127.0.0.1:5000"],
            "--endpoint-url: a URL with user information (@) is not accepted; give the host only",
        ),
        (
            [READER, "--endpoint-url", "http://127.0.0.1:5000/?x=1"],
            "--endpoint-url 'http://127.0.0.1:5000/?x=1': a query or fragment has no place in an endpoint URL",
        ),
        ([READER, "--color"], "unknown option: --color; see --help"),
        ([READER, "--ext", "abc"], "unknown option: --ext (1 value not shown); see --help"),
    ],
    ids=[
        "no-role", "role-eaten-by-tags", "not-a-role-arn", "role-arn-newline",
        "role-arn-not-ascii", "role-arn-not-ascii-digits", "mfa-token-alone", "mfa-token-not-digits",
        "mfa-serial-not-ascii", "write-probe", "probe-with-expect-deny", "negative-timeout",
        "timeout-not-a-number", "timeout-inf", "timeout-nan", "timeout-exponent", "timeout-above-an-hour",
        "timeout-not-ascii", "timeout-space", "session-name-with-space", "session-name-newline",
        "session-name-not-ascii", "source-identity-short", "source-identity-colon", "source-identity-long",
        "tag-without-equals", "tag-empty-key", "tag-key-not-ascii", "tag-value-semicolon", "tag-value-long",
        "tag-key-aws", "tag-key-twice", "tags-51", "external-id-too-short", "profile-with-space",
        "region-word", "region-upper", "region-newline", "endpoint-not-a-url", "endpoint-ftp",
        "endpoint-no-host", "endpoint-port-range", "endpoint-port-letters", "endpoint-port-zero", "endpoint-not-ascii",
        "endpoint-space", "endpoint-underscore", "endpoint-user-info", "endpoint-query", "unknown-option",
        "no-abbreviations",
    ],
)  # fmt: skip
def test_a_usage_error_exits_2_with_one_line_naming_the_argument(argv: list[str], message: str) -> None:
    status, out, err = run(*argv)
    assert (status, out, len(err)) == (2, [], 1), err
    assert err[0].startswith(f"cross-account-verify: error: {message}"), err[0]


def test_the_password_of_an_endpoint_url_is_not_repeated() -> None:
    status, _, err = run(READER, "--endpoint-url", "https://ops:s3cret-pw@sts.example.com")
    assert status == 2 and "s3cret-pw" not in "\n".join(err)


@pytest.mark.parametrize(
    "argv",
    [
        ["--timeout", "0"],
        ["--timeout", "3600"],
        ["--timeout", "2.5"],
        ["--timeout", ".5"],
        ["--endpoint-url", "http://127.0.0.1:5000"],
        ["--endpoint-url", "https://sts.us-gov-west-1.amazonaws.com/"],
        ["--endpoint-url", "http://[::1]:4566"],
        ["--endpoint-url", "http://localhost"],
        ["--region", "us-gov-west-1"],
        ["--region", "ap-southeast-4"],
        ["--tags", *[f"k{i}=v" for i in range(50)]],
        ["--tags", "Cost Center=R&D 42".replace("&", "+"), "note=a b=c"],
        ["--source-identity", "alice@example.com"],
        ["--session-name", "a" * 64],
        ["--profile", "team/ops:prod"],
    ],
)
def test_valid_arguments_are_accepted(argv: list[str]) -> None:
    options = cli.parse_args([READER, *argv])
    assert options.role_arn == READER


def test_tags_keep_their_order_and_split_at_the_first_equals_sign() -> None:
    options = cli.parse_args([READER, "--tags", "b=1", "a=x=y", "--tags", "c="])
    assert options.tags == (("b", "1"), ("a", "x=y"), ("c", ""))
    assert cli.parse_args(["--tags", "b=1", "--", READER]).tags == (("b", "1"),), "-- ends the tags"


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


# Entry points (--endpoint-url against moto is tested with the local emulator, in test_local.py) -------------------


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


def test_the_help_shows_role_arn_as_required_as_the_module_documents_it() -> None:
    command = Path(sys.executable).with_name("cross-account-verify")
    done = subprocess.run([str(command), "--help"], capture_output=True, text=True, timeout=60, env={})
    assert done.returncode == 0, done.stderr
    usage = done.stdout.split("\n\n", 1)[0]
    assert usage.startswith("usage: cross-account-verify ROLE_ARN [--external-id ID] "), usage
    assert "[ROLE_ARN]" not in done.stdout, "ROLE_ARN is required, not optional"
    documented = cli.__doc__.split("\n\n")[1] if cli.__doc__ else ""
    assert " ".join(usage.removeprefix("usage: ").split()) == " ".join(documented.split())
