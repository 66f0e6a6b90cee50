"""cross-account-console against moto's STS (a server on 127.0.0.1) and a federation server of its own.

moto has no federation (sign-in) endpoint (docs/testing.md), so each test that signs in starts a
small HTTP server on 127.0.0.1 in its own process (stopped by its pid) that answers getSigninToken
as AWS's does and writes down every request it gets; ``--federation-endpoint`` points the command
at it, as ``--endpoint-url`` points it at moto. What AWS documents and the tests hold the command to
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html):
the request is ``Action=getSigninToken`` with ``Session``, the JSON of ``sessionId``, ``sessionKey``
and ``sessionToken``, and ``SessionDuration`` (900..43200) only for credentials of AssumeRole asked
for with an IAM user's long-term keys; the login URL is ``Action=login``, ``Issuer``,
``Destination`` and ``SigninToken`` at the same endpoint. Role chaining is limited to one hour
(AssumeRole's DurationSeconds in the STS API reference).

moto evaluates a role's trust policy, and its sts:ExternalId condition, only for a role of the
caller's own account (docs/testing.md): the role that requires an external id is one of the
caller's account, as in tests/test_verify.py. moto refuses a wrong external id there, but lets a
request without one through (moto/iam/policy_conditions.py evaluates StringEquals only on the keys
the request has), where IAM fails a condition on a key the request lacks: that one case is checked
by the test itself, on the same trust statement, as tests/emulator.py's ``assume_role_as`` checks
the trust side that moto does not.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import short_floor
from botocore.exceptions import ClientError
from conftest import ROOT, TRUSTED_ACCOUNT, RecordingMocks, run_main
from emulator import account_session, moto_server, new_session, post, reset_moto_server
from tcp_servers import closed_port, serve, tcp_server

from cross_account import console as cli

EXTERNAL_ID = "acme-7f3a/Confidential+9"
PARTNER = f"arn:aws:iam::{TRUSTED_ACCOUNT}:role/partner"
HOP = f"arn:aws:iam::{TRUSTED_ACCOUNT}:role/hop"
TARGET = f"arn:aws:iam::{TRUSTED_ACCOUNT}:role/chained-target"
HOP_SESSION = f"arn:aws:sts::{TRUSTED_ACCOUNT}:assumed-role/hop/hop-session"
HOME = "https://console.aws.amazon.com/console/home?region=us-east-1"


def user(name: str) -> str:
    return f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/{name}"


def session_of(role: str, name: str = "cross-account-console") -> str:
    return f"arn:aws:sts::{TRUSTED_ACCOUNT}:assumed-role/{role.rsplit('/', 1)[1]}/{name}"


def _trust(principal: str, external_id: str | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def external_id_enforced(caller: str) -> Any:
    """boto3 whose AssumeRole on PARTNER without ExternalId is refused as IAM refuses it: the
    StringEquals sts:ExternalId condition of its trust policy fails on a request without the key."""

    def check(params: dict[str, Any], **_: Any) -> None:
        if params.get("RoleArn") == PARTNER and "ExternalId" not in params:
            message = f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {PARTNER}"
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": message}}, "AssumeRole")

    class Enforcing:
        @staticmethod
        def Session(**kwargs: Any) -> boto3.Session:  # noqa: N802 - boto3's name
            session = new_session(**kwargs)
            session.events.register("provide-client-params.sts.AssumeRole", check)
            return session

    return Enforcing


def _may_assume(*roles: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(roles)}],
        }
    )


# The federation endpoint ------------------------------------------------------------------------

FEDERATION = r"""
import hashlib, json, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode, log = sys.argv[1].split("|", 1)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        with open(log, "a") as f:
            f.write(json.dumps({"path": parts.path, "query": query}) + "\n")
        session = query.get("Session", [""])[0]
        if mode == "works":
            token = "token-" + hashlib.sha256(session.encode()).hexdigest()
            return self.answer(200, json.dumps({"SigninToken": token}))
        if mode.startswith("status:"):  # as a broken proxy might: the session in the reason and body
            key = json.loads(session)["sessionKey"]
            body = "<html>no " + session + " " + urllib.parse.quote(session) + "</html>"
            return self.answer(int(mode.split(":")[1]), body, reason="Bad session " + key)
        if mode == "garbage":
            return self.answer(200, "<html>sign in</html>")
        return self.answer(200, json.dumps({"Token": "x"}))

    def answer(self, status, body, reason=None):
        data = body.encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@dataclass
class Federation:
    url: str
    log: Path

    def requests(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@contextlib.contextmanager
def federation(tmp_path: Path, mode: str = "works") -> Iterator[Federation]:
    log = tmp_path / f"federation-{mode.replace(':', '-')}.jsonl"
    with serve(FEDERATION, f"{mode}|{log}") as url:
        yield Federation(f"{url}/federation", log)


def token_for(session: str) -> str:
    return "token-" + hashlib.sha256(session.encode()).hexdigest()


# moto -------------------------------------------------------------------------------------------


@dataclass
class Moto:
    url: str
    keys: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    with moto_server() as url:
        reset_moto_server(url)
        iam = account_session(TRUSTED_ACCOUNT).client("iam", endpoint_url=url)
        keys = {}
        for name in ("erin", "frank"):
            iam.create_user(UserName=name)
            keys[name] = dict(iam.create_access_key(UserName=name)["AccessKey"])
        iam.create_role(
            RoleName="partner",
            AssumeRolePolicyDocument=_trust(user("erin"), EXTERNAL_ID),
            MaxSessionDuration=43200,
        )
        iam.create_role(RoleName="hop", AssumeRolePolicyDocument=_trust(user("erin")))
        iam.put_role_policy(RoleName="hop", PolicyName="assume", PolicyDocument=_may_assume(TARGET))
        iam.create_role(RoleName="chained-target", AssumeRolePolicyDocument=_trust(HOP_SESSION))
        iam.put_user_policy(UserName="erin", PolicyName="assume", PolicyDocument=_may_assume(PARTNER, HOP))
        post(f"{url}/moto-api/reset-auth", b"0")  # from now on moto checks every call
        yield Moto(url, keys)


@pytest.fixture
def aws_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto: Moto) -> Path:
    """A credentials file with one profile per user; nothing of this machine's AWS setup."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    (tmp_path / "credentials").write_text(
        "".join(
            f"[{name}]\naws_access_key_id = {k['AccessKeyId']}\naws_secret_access_key = {k['SecretAccessKey']}\n"
            for name, k in moto.keys.items()
        )
    )
    return tmp_path


def run(*argv: str, browser: Callable[[str], bool] | None = None) -> tuple[int, list[str], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    refuse: Callable[[str], bool] = lambda url: pytest.fail("no browser may be opened in this test")  # noqa: E731
    status = cli.main(list(argv), stdout=out, stderr=err, open_browser=browser or refuse)
    return status, out.getvalue().splitlines(), err.getvalue().splitlines()


def as_erin(moto: Moto, fed: Federation, *extra: str) -> list[str]:
    return ["--profile", "erin", "--endpoint-url", moto.url, "--federation-endpoint", fed.url, *extra]


def secrets_seen(fed: Federation) -> list[str]:
    """Every credential the federation endpoint was sent, and the token it would have answered."""
    found = []
    for request in fed.requests():
        session = request["query"]["Session"][0]
        found += [*json.loads(session).values(), token_for(session)]
    return found


def no_secret_in(lines: list[str], secrets: list[str]) -> None:
    text = "\n".join(lines)
    for secret in secrets:
        assert secret not in text, f"a secret is shown: {secret[:4]}..."


# Signing in -------------------------------------------------------------------------------------


def test_print_gives_a_login_url_whose_token_came_from_a_request_carrying_the_assumed_session(
    moto: Moto, aws_home: Path, tmp_path: Path
) -> None:
    with federation(tmp_path) as fed:
        status, out, err = run(PARTNER, *as_erin(moto, fed, "--external-id", EXTERNAL_ID, "--print"))
        requests = fed.requests()
    assert status == 0, err
    # One getSigninToken request: the Session JSON and nothing else (no SessionDuration without --duration).
    assert len(requests) == 1
    assert requests[0]["path"] == "/federation"
    assert sorted(requests[0]["query"]) == ["Action", "Session"]
    assert requests[0]["query"]["Action"] == ["getSigninToken"]
    session_json = requests[0]["query"]["Session"][0]
    session = json.loads(session_json)
    assert sorted(session) == ["sessionId", "sessionKey", "sessionToken"]
    # The credentials sent are the assumed role's session, as moto's STS says of them.
    assumed = new_session(
        aws_access_key_id=session["sessionId"],
        aws_secret_access_key=session["sessionKey"],
        aws_session_token=session["sessionToken"],
        region_name="us-east-1",
    )
    assert assumed.client("sts", endpoint_url=moto.url).get_caller_identity()["Arn"] == session_of(PARTNER)
    # The login URL: at the same endpoint, with exactly AWS's four parameters.
    assert len(out) == 1
    url = urlsplit(out[0])
    assert f"{url.scheme}://{url.netloc}{url.path}" == fed.url
    assert parse_qs(url.query, keep_blank_values=True) == {
        "Action": ["login"],
        "Issuer": [""],
        "Destination": [HOME],
        "SigninToken": [token_for(session_json)],
    }
    assert err == [
        f"cross-account-console: login URL for {session_of(PARTNER)} (console session until "
        f"{err[0].split('until ', 1)[1]}"
    ]
    assert err[0].endswith("; the URL is valid for 15 minutes)")
    no_secret_in(err, [*session.values(), token_for(session_json), EXTERNAL_ID])


def test_without_the_external_id_the_role_requires_it_fails_with_one_line(
    moto: Moto, aws_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", external_id_enforced(user("erin")))
    with federation(tmp_path) as fed:
        status, out, err = run(PARTNER, *as_erin(moto, fed, "--print", "--timeout", "0"))
        assert fed.requests() == []  # no session, so nothing reached the federation endpoint
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-console: error: sts:AssumeRole on {PARTNER} as {user('erin')}: AccessDenied: "
        f"User: {user('erin')} is not authorized to perform: sts:AssumeRole on resource: {PARTNER} (if the "
        "role requires an external id (--external-id) or MFA (--mfa-serial and --mfa-token), give it)"
    ]


def test_a_wrong_external_id_fails_with_one_line_that_does_not_show_it(
    moto: Moto, aws_home: Path, tmp_path: Path
) -> None:
    wrong = "wrong-id-Secret-0000"
    with federation(tmp_path) as fed:
        status, out, err = run(
            PARTNER, *as_erin(moto, fed, "--external-id", wrong, "--print", "--timeout", "0")
        )
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-console: error: sts:AssumeRole on {PARTNER} as {user('erin')}: AccessDenied: "
        f"User: {user('erin')} is not authorized to perform: sts:AssumeRole (if the role requires MFA "
        "(--mfa-serial and --mfa-token), give it)"
    ]
    no_secret_in(err, [wrong])


def test_a_caller_not_allowed_to_assume_the_role_gets_the_reason(
    moto: Moto, aws_home: Path, tmp_path: Path
) -> None:
    with federation(tmp_path) as fed:
        argv = [PARTNER, "--profile", "frank", "--endpoint-url", moto.url, "--federation-endpoint", fed.url]
        status, out, err = run(*argv, "--external-id", EXTERNAL_ID, "--print", "--timeout", "0")
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-console: error: sts:AssumeRole on {PARTNER} as {user('frank')}: AccessDenied: "
        f"User: {user('frank')} is not authorized to perform: sts:AssumeRole (if the role requires MFA "
        "(--mfa-serial and --mfa-token), give it)"
    ]
    no_secret_in(err, [EXTERNAL_ID])


def test_without_print_the_browser_opens_the_url_and_nothing_shows_it(
    moto: Moto, aws_home: Path, tmp_path: Path
) -> None:
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        return True

    with federation(tmp_path) as fed:
        status, out, err = run(PARTNER, *as_erin(moto, fed, "--external-id", EXTERNAL_ID), browser=browser)
        secrets = secrets_seen(fed)
    assert (status, out) == (0, [])
    assert len(opened) == 1 and opened[0].startswith(f"{fed.url}?Action=login&Issuer=&Destination=")
    assert len(err) == 1 and err[0].startswith(
        f"cross-account-console: console opened as {session_of(PARTNER)} ("
    )
    no_secret_in(err, [opened[0], *secrets])


def test_no_browser_is_one_line_saying_to_use_print_and_never_the_url(
    moto: Moto, aws_home: Path, tmp_path: Path
) -> None:
    with federation(tmp_path) as fed:
        status, out, err = run(
            PARTNER, *as_erin(moto, fed, "--external-id", EXTERNAL_ID), browser=lambda url: False
        )
        secrets = secrets_seen(fed)
    assert (status, out) == (2, [])
    assert err == [
        "cross-account-console: error: no web browser could be opened: run again with --print to get the URL on stdout"
    ]
    no_secret_in(err, secrets)


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        ("/s3/home?region=eu-west-1", "https://console.aws.amazon.com/s3/home?region=eu-west-1"),
        (
            "https://eu-west-1.console.aws.amazon.com/iam/home",
            "https://eu-west-1.console.aws.amazon.com/iam/home",
        ),
    ],
)
def test_the_destination_is_the_page_given(
    moto: Moto, aws_home: Path, tmp_path: Path, destination: str, expected: str
) -> None:
    with federation(tmp_path) as fed:
        status, out, err = run(
            PARTNER,
            *as_erin(moto, fed, "--external-id", EXTERNAL_ID, "--print", "--destination", destination),
        )
    assert status == 0, err
    assert parse_qs(urlsplit(out[0]).query)["Destination"] == [expected]


def test_the_default_destination_is_the_console_home_of_the_region(
    moto: Moto, aws_home: Path, tmp_path: Path
) -> None:
    with federation(tmp_path) as fed:
        status, out, err = run(
            PARTNER, *as_erin(moto, fed, "--external-id", EXTERNAL_ID, "--print", "--region", "eu-central-1")
        )
    assert status == 0, err
    assert parse_qs(urlsplit(out[0]).query)["Destination"] == [
        "https://console.aws.amazon.com/console/home?region=eu-central-1"
    ]


# Durations: what AWS accepts for a role session and a console session --------------------------


class Recorder:
    """boto3 whose sessions record the parameters of every AssumeRole call."""

    def __init__(self) -> None:
        self.assume_role: list[dict[str, Any]] = []

    def Session(self, **kwargs: Any) -> boto3.Session:  # noqa: N802 - boto3's name
        session = new_session(**kwargs)
        session.events.register("provide-client-params.sts.AssumeRole", self._record)
        return session

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.assume_role.append(dict(params))


def test_from_an_iam_users_keys_duration_sets_both_the_role_and_the_console_session(
    moto: Moto, aws_home: Path, tmp_path: Path
) -> None:
    recorder = Recorder()
    with federation(tmp_path) as fed:
        options = cli.parse_args(
            [PARTNER, *as_erin(moto, fed, "--external-id", EXTERNAL_ID, "--duration", "43200", "--print")]
        )
        login = cli.sign_in(options, recorder)
        requests = fed.requests()
    assert [r["DurationSeconds"] for r in recorder.assume_role] == [43200]
    assert requests[0]["query"]["SessionDuration"] == ["43200"]
    assert list(requests[0]["query"]) == ["Action", "SessionDuration", "Session"]
    assert (login.caller_arn, login.assumed_arn, login.session_duration) == (
        user("erin"),
        session_of(PARTNER),
        43200,
    )


def _hop_credentials(moto: Moto) -> dict[str, str]:
    erin = new_session(
        aws_access_key_id=moto.keys["erin"]["AccessKeyId"],
        aws_secret_access_key=moto.keys["erin"]["SecretAccessKey"],
        region_name="us-east-1",
    )
    sts = erin.client("sts", endpoint_url=moto.url)
    return dict(sts.assume_role(RoleArn=HOP, RoleSessionName="hop-session")["Credentials"])


def test_from_a_role_session_the_console_session_is_not_asked_for_and_the_role_session_is_at_most_an_hour(
    moto: Moto, aws_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hop = _hop_credentials(moto)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", hop["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", hop["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", hop["SessionToken"])
    recorder = Recorder()
    base = ["--endpoint-url", moto.url, "--print", "--timeout", "0"]
    with federation(tmp_path) as fed:
        # Role chaining: AWS refuses a role session over one hour, so the command does before asking.
        status, out, err = run(TARGET, *base, "--federation-endpoint", fed.url, "--duration", "7200")
        assert (status, out) == (2, [])
        assert err == [
            f"cross-account-console: error: --duration 7200: the caller {HOP_SESSION} signs with temporary "
            "credentials, so assuming the role is role chaining, which AWS limits to 3600 seconds: give at "
            "most 3600, or call with an IAM user's long-term keys"
        ]
        assert fed.requests() == []
        no_secret_in(err, [hop["AccessKeyId"], hop["SecretAccessKey"], hop["SessionToken"]])
        # Within the hour: DurationSeconds is sent to AssumeRole, SessionDuration not to getSigninToken.
        options = cli.parse_args([TARGET, *base, "--federation-endpoint", fed.url, "--duration", "1800"])
        login = cli.sign_in(options, recorder)
        requests = fed.requests()
    assert [r["DurationSeconds"] for r in recorder.assume_role] == [1800]
    assert [sorted(r["query"]) for r in requests] == [["Action", "Session"]]
    assert (login.caller_arn, login.assumed_arn, login.session_duration) == (
        HOP_SESSION,
        session_of(TARGET),
        None,
    )


@pytest.mark.parametrize(
    ("caller", "token", "temporary"),
    [
        (user("erin"), None, False),
        (user("erin"), "FwoGZXIvYXdz-session-token", True),  # GetSessionToken (MFA): a user ARN, a token
        (HOP_SESSION, "FwoGZXIvYXdz-session-token", True),
        (f"arn:aws:sts::{TRUSTED_ACCOUNT}:federated-user/bob", "FwoGZXIvYXdz-session-token", True),
    ],
    ids=["user-keys", "user-session-token", "role-session", "federated-user"],
)
def test_temporary_credentials_are_told_by_the_caller_arn_or_a_session_token(
    caller: str, token: str | None, temporary: bool
) -> None:
    # moto does not accept GetSessionToken's credentials as a caller, so this is judged without it.
    session = new_session(
        aws_access_key_id="AKIAEXAMPLE000000000", aws_secret_access_key="x", aws_session_token=token
    )
    assert cli.temporary_caller(caller, session) is temporary


# Errors: one line, exit 2, no secret -----------------------------------------------------------


def test_no_credentials_is_one_line_saying_how_to_give_them(
    moto: Moto, aws_home: Path, tmp_path: Path
) -> None:
    with federation(tmp_path) as fed:
        status, out, err = run(
            PARTNER, "--endpoint-url", moto.url, "--federation-endpoint", fed.url, "--timeout", "0"
        )
    assert (status, out) == (2, [])
    assert err == [
        "cross-account-console: error: no AWS credentials: set AWS_PROFILE or pass --profile, "
        "or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    ]


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        (
            "status:400",
            "refused getSigninToken: HTTP 400 Bad session <hidden> (SessionDuration=3600 was asked: AWS accepts "
            "it only for a role session asked for with an IAM user's long-term keys; try without --duration)",
        ),
        ("status:403", "refused getSigninToken: HTTP 403 Bad session <hidden>"),
        (
            "garbage",
            "did not answer getSigninToken as AWS's federation endpoint does: the answer is not JSON",
        ),
        (
            "no-token",
            "did not answer getSigninToken as AWS's federation endpoint does: the answer has no SigninToken",
        ),
    ],
)
def test_a_federation_endpoint_that_refuses_or_answers_wrongly_is_one_line_without_a_secret(
    moto: Moto, aws_home: Path, tmp_path: Path, mode: str, why: str
) -> None:
    duration = ["--duration", "3600"] if mode == "status:400" else []
    with federation(tmp_path, mode) as fed:
        status, out, err = run(
            PARTNER, *as_erin(moto, fed, "--external-id", EXTERNAL_ID, "--print", "--timeout", "0", *duration)
        )
        secrets = secrets_seen(fed)
    assert (status, out) == (2, [])
    assert err == [f"cross-account-console: error: {fed.url} {why}"]
    assert len(secrets) == 4
    no_secret_in(err, [*secrets, EXTERNAL_ID])


def test_a_federation_endpoint_that_refuses_connections_is_one_line(moto: Moto, aws_home: Path) -> None:
    with closed_port() as url:
        endpoint = f"{url}/federation"
        status, out, err = run(
            PARTNER, "--profile", "erin", "--endpoint-url", moto.url, "--federation-endpoint", endpoint,
            "--external-id", EXTERNAL_ID, "--print", "--timeout", "0",
        )  # fmt: skip
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-console: error: cannot reach {endpoint}: could not connect (Connection refused)"
    ]


def test_a_federation_endpoint_that_never_answers_ends_the_run_within_the_timeout(
    moto: Moto, aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_floor.shorten(monkeypatch)
    with tcp_server("silent") as url:
        endpoint = f"{url}/federation"
        status, out, err = run(
            PARTNER, "--profile", "erin", "--endpoint-url", moto.url, "--federation-endpoint", endpoint,
            "--external-id", EXTERNAL_ID, "--print", "--timeout", "1",
        )  # fmt: skip
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-console: error: cannot reach {endpoint}: no answer within the time left (--timeout)"
    ]


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (lambda url: f"unexpected while fetching {url}", "unexpected while fetching <hidden>"),
        (lambda url: f"bad query {url.split('?', 1)[1]}", "bad query Action=getSigninToken&Session=<hidden>"),
        (lambda url: "x" * 250 + " " + url, "x" * 250 + " <hidden>"),
    ],
    ids=["whole-request", "query-only", "past-the-cut"],
)
def test_an_error_nobody_foresaw_is_one_line_with_the_secrets_hidden(
    moto: Moto,
    aws_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    message: Callable[[str], str],
    shown: str,
) -> None:
    def broken(run: Any, url: str, endpoint: str, session_duration: int | None) -> str:
        raise RuntimeError(message(url))  # the request URL holds the credentials

    monkeypatch.setattr(cli, "_fetch_token", broken)
    with federation(tmp_path) as fed:
        status, out, err = run(
            PARTNER, *as_erin(moto, fed, "--external-id", EXTERNAL_ID, "--print", "--timeout", "0")
        )
    assert (status, out) == (2, [])
    assert err == [f"cross-account-console: error: the sign-in stopped on RuntimeError: {shown}"]


def test_an_sts_endpoint_that_cannot_be_reached_is_one_line(aws_home: Path) -> None:
    with closed_port() as url:
        status, out, err = run(
            PARTNER, "--profile", "erin", "--endpoint-url", url, "--timeout", "0", "--print",
            "--external-id", EXTERNAL_ID,
        )  # fmt: skip
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-console: error: cannot reach {url}: could not connect (Connection refused)"
    ]


# The command line -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([PARTNER, "--duration", "899"], "--duration '899' must be a whole number of seconds from 900 to 43200 (AWS's range for a role session and a console session)"),
        ([PARTNER, "--duration", "43201"], "--duration '43201' must be a whole number of seconds from 900 to 43200 (AWS's range for a role session and a console session)"),
        ([PARTNER, "--duration", "1h"], "--duration '1h' must be a whole number of seconds from 900 to 43200 (AWS's range for a role session and a console session)"),
        ([PARTNER, "--destination", "http://console.aws.amazon.com/"], "--destination 'http://console.aws.amazon.com/' is not an https:// URL with a host, nor a path of the console starting with / (like /s3/home)"),
        ([PARTNER, "--destination", "//evil.example"], "--destination '//evil.example' is not an https:// URL with a host, nor a path of the console starting with / (like /s3/home)"),
        ([PARTNER, "--federation-endpoint", "https://user:pw@signin.example/federation"], "--federation-endpoint: a URL with user information (@) is not accepted; give the host only"),
        ([PARTNER, "--federation-endpoint", "http://signin.example/federation"], "--federation-endpoint 'http://signin.example/federation': the request carries the session's credentials, so http:// is accepted only to the loopback host (127.0.0.1, localhost, ::1); use https://"),
        ([PARTNER, "--federation-endpoint", "ftp://signin.example/"], "--federation-endpoint 'ftp://signin.example/' is not an http:// or https:// URL with a host (like http://127.0.0.1:5000)"),
        (["arn:aws-iso:iam::111122223333:role/r"], "ROLE_ARN 'arn:aws-iso:iam::111122223333:role/r': partition 'aws-iso' has no console federation endpoint this command knows (aws, aws-us-gov, aws-cn): give --federation-endpoint and --destination"),
        ([PARTNER, "--mfa-serial", "arn:aws:iam::444455556666:mfa/erin"], "--mfa-serial and --mfa-token go together: give both or neither"),
        ([PARTNER, "--external-id", "x"], "--external-id: '<1 characters, hidden>' is not a valid external id: 2-1224 characters of letters, digits and +=,.@:/_-"),
        ([PARTNER, "--durtion", "900"], "unknown option: --durtion (1 value not shown); see --help"),
        ([PARTNER, "--dur", "900"], "unknown option: --dur (1 value not shown); see --help"),
        ([], "the following arguments are required: ROLE_ARN"),
    ],
)  # fmt: skip
def test_bad_arguments_are_one_line_naming_the_argument_and_the_rule(argv: list[str], message: str) -> None:
    status, out, err = run(*argv)
    assert (status, out, err) == (2, [], [f"cross-account-console: error: {message}"])


def test_help_shows_the_usage_with_role_arn_required_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cross_account.console", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "usage: cross-account-console ROLE_ARN [--external-id ID] [--mfa-serial ARN --mfa-token CODE]\n"
    )
    for option in ("--duration", "--destination", "--print", "--federation-endpoint", "--endpoint-url"):
        assert f"\n  {option} " in done.stdout, option


def test_a_misspelt_secret_option_never_shows_its_value() -> None:
    status, out, err = run(PARTNER, "--externalid", EXTERNAL_ID, "--mfa-token=123456")
    assert (status, out) == (2, [])
    assert err == [
        "cross-account-console: error: unknown option: --externalid (1 value not shown); see --help"
    ]
    no_secret_in(err, [EXTERNAL_ID, "123456"])


@pytest.mark.parametrize(
    ("role", "endpoint", "destination"),
    [
        (PARTNER, "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/console/home?region=us-east-1"),
        ("arn:aws-us-gov:iam::111122223333:role/r", "https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"),
        ("arn:aws-cn:iam::111122223333:role/r", "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/console/home?region=cn-north-1"),
    ],
)  # fmt: skip
def test_each_partition_signs_in_at_its_own_federation_endpoint_and_console(
    role: str, endpoint: str, destination: str
) -> None:
    options = cli.parse_args([role])
    region = cli.DEFAULT_REGIONS[options.partition]
    assert cli.federation_endpoint(options) == endpoint
    assert cli.destination_url(options, region) == destination


@pytest.mark.parametrize(
    ("argv", "profile_region", "region"),
    [
        ([PARTNER, "--region", "eu-west-1"], "ap-south-1", "eu-west-1"),
        ([PARTNER], "ap-south-1", "ap-south-1"),
        ([PARTNER], None, "us-east-1"),
        (["arn:aws-cn:iam::111122223333:role/r"], "us-east-1", "cn-north-1"),
        (["arn:aws-cn:iam::111122223333:role/r"], "cn-northwest-1", "cn-northwest-1"),
        (["arn:aws-us-gov:iam::111122223333:role/r"], "eu-west-1", "us-gov-west-1"),
    ],
)
def test_the_console_region_is_the_given_one_else_the_profiles_in_the_roles_partition(
    argv: list[str], profile_region: str | None, region: str
) -> None:
    assert cli.console_region(cli.parse_args(argv), profile_region) == region


def test_the_signin_token_request_is_the_session_json_url_encoded() -> None:
    url = cli.signin_token_url(
        "https://signin.aws.amazon.com/federation",
        {"AccessKeyId": "ASIAX", "SecretAccessKey": "s/k+1", "SessionToken": "t=="},
        1800,
    )
    assert url == (
        "https://signin.aws.amazon.com/federation?Action=getSigninToken&SessionDuration=1800&Session="
        "%7B%22sessionId%22%3A+%22ASIAX%22%2C+%22sessionKey%22%3A+%22s%2Fk%2B1%22%2C+%22sessionToken%22%3A+%22t%3D%3D%22%7D"
    )


def test_the_console_script_is_installed_and_its_module_needs_no_pulumi() -> None:
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["cross-account-console"] == "cross_account.console:main"
    # The package loads each module on first use: with pulumi made unimportable, the console imports and runs.
    probe = (
        "import sys; sys.modules['pulumi'] = None; sys.modules['pulumi_aws'] = None\n"
        "import cross_account.console as c\n"
        "print('ok', sorted(m for m in sys.modules if m.startswith('cross_account')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "ok ['cross_account', 'cross_account.clients', 'cross_account.connection', 'cross_account.console', "
        "'cross_account.console_options', 'cross_account.console_urls', 'cross_account.documents', "
        "'cross_account.iam', 'cross_account.iam.grammar', 'cross_account.limits', 'cross_account.verify', "
        "'cross_account.verify_options', 'cross_account.verify_probes']"
    )


def test_the_callers_page_shows_the_command_the_trusted_stack_exports_for_a_role_requiring_an_external_id() -> (
    None
):
    role = "arn:aws:iam::111122223333:role/partner-read"
    reference = "organization/cross-account-access/trusting"
    outputs = {"roleArn": role, "externalIdRequired": True, "mfaRequired": False}
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={reference: outputs})
    run = run_main(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks)
    command = run.outputs["consoleCommandsByRoleArn"][role]
    assert command == (
        f"cross-account-console {role} --profile default --external-id '<external-id-from-the-trusting-account>'"
    )
    page = (ROOT / "docs" / "callers.md").read_text()
    assert f"```sh\n{command}\n```" in page
