"""cross-account-verify against endpoints that answer wrongly, echo secrets, or are refused by options.

The endpoints are HTTP servers on 127.0.0.1 started by each test (tests/http_servers.py) and
stopped by their process id. No AWS and no moto: what is tested is what the command makes of
the answers it gets, and what it never prints.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import ROOT
from http_servers import http_server

from cross_account import verify as cli

READER = "arn:aws:iam::111122223333:role/reader"
CALLER = "arn:aws:iam::444455556666:user/alice"
EXTERNAL_ID = "Xid-4f9c/confidential+1"
TOKEN = "908172"
SECRETS = [
    "--external-id",
    EXTERNAL_ID,
    "--mfa-serial",
    "arn:aws:iam::444455556666:mfa/alice",
    "--mfa-token",
    TOKEN,
]


@pytest.fixture(autouse=True)
def made_up_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys the servers accept; nothing of this machine's AWS setup reaches the command."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE000000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "made-up")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def run(*argv: str) -> tuple[int, list[str], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue().splitlines(), err.getvalue().splitlines()


EXPECT = [[], ["--expect-deny"]]
EXPECT_IDS = ["verify", "expect-deny"]


# Answers that are not STS's: setup errors, exit 2, one line ------------------------------------


@pytest.mark.parametrize("extra", EXPECT, ids=EXPECT_IDS)
@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("garbage", "the answer is not an AWS response (empty, or not XML)"),
        ("empty", "the answer is not an AWS response (empty, or not XML)"),
        ("not-found", "HTTP 404, not an AWS error response"),
        ("no-arn", "the answer has no Arn"),
    ],
)
def test_an_endpoint_that_does_not_answer_as_sts_does_is_a_setup_error(
    mode: str, why: str, extra: list[str]
) -> None:
    with http_server(mode) as url:
        status, out, err = run(READER, "--endpoint-url", url, "--timeout", "0", *extra)
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-verify: error: {url} did not answer sts:GetCallerIdentity as STS does: {why}"
    ]


BUSY = "the service is busy or failing, not an answer about access; try again later"
REFUSED_KEYS = "the caller's credentials or the request's signature were refused, not the role"
NOT_A_REFUSAL = "not a refusal (AccessDenied), so it proves nothing about access to the role"


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("Throttling", BUSY),
        ("InternalFailure", BUSY),
        ("ServiceUnavailable", BUSY),
        ("RequestLimitExceeded", BUSY),
        ("ExpiredToken", REFUSED_KEYS),
        ("RequestExpired", REFUSED_KEYS),
        ("InvalidClientTokenId", REFUSED_KEYS),
        ("SignatureDoesNotMatch", REFUSED_KEYS),
        ("ValidationError", NOT_A_REFUSAL),
        ("RegionDisabledException", NOT_A_REFUSAL),
    ],
)
def test_an_assume_role_error_that_is_not_a_refusal_is_a_setup_error_not_denied(code: str, why: str) -> None:
    with http_server(f"error:{code}") as url:
        status, out, err = run(READER, "--endpoint-url", url, "--timeout", "0")
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-verify: error: sts:AssumeRole on {READER} as {CALLER}: {code}: the service says no for "
        f"now: {why}"
    ]


@pytest.mark.parametrize("code", ["Throttling", "ExpiredToken", "InternalFailure"])
def test_with_expect_deny_the_same_errors_are_setup_errors_too(code: str) -> None:
    with http_server(f"error:{code}") as url:
        status, out, err = run(READER, "--endpoint-url", url, "--timeout", "0", "--expect-deny")
    assert (status, out) == (2, [])
    assert err == [
        f"cross-account-verify: error: sts:AssumeRole on {READER} as {CALLER}: {code}: the service says no for "
        "now: not a refusal (AccessDenied), so it proves nothing about who may assume the role"
    ]


def test_a_busy_service_is_retried_while_the_timeout_lasts_then_is_a_setup_error() -> None:
    with http_server("error:Throttling") as url:
        status, out, err = run(READER, "--endpoint-url", url, "--timeout", "1")
    assert (status, out) == (2, [])
    assert err == [
        "failed, retrying in 1s (the service is busy or failing): Throttling: the service says no for now",
        f"cross-account-verify: error: sts:AssumeRole on {READER} as {CALLER}: Throttling: the service says no "
        f"for now (after 2 attempts): {BUSY}",
    ]


def test_a_refusal_is_still_denied_with_exit_1() -> None:
    with http_server("echo:plain") as url:
        status, out, err = run(READER, "--endpoint-url", url, "--timeout", "0")
    assert (status, out) == (1, [])
    assert err == [
        f"cross-account-verify: denied: sts:AssumeRole on {READER} as {CALLER}: AccessDenied: Not authorized with"
    ]


# Secrets the endpoint echoes back, in any encoding -------------------------------------------


def _forms(secret: str) -> list[str]:
    """The secret as the servers encode it (computed here, independently of the command), and its
    base64 cut short."""
    raw = secret.encode()
    return [
        secret,
        quote(secret, safe=""),
        quote(quote(secret, safe=""), safe=""),
        "xx" + base64.b64encode(b"k=" + raw).decode(),
        base64.urlsafe_b64encode(b"id:" + raw).decode().rstrip("="),
        *([base64.b64encode(raw).decode()[4:-4]] if len(raw) > 16 else []),
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(c):04x}" for c in secret),
        "".join(f"&#{ord(c)};" for c in secret),
        "".join(f"&#x{ord(c):X};" for c in secret),
        raw.hex(),
    ]


ENCODINGS = [
    "plain", "url", "url-twice", "base64", "base64url", "json", "json-unicode", "xml-decimal", "xml-hex", "hex",
]  # fmt: skip


@pytest.mark.parametrize("extra", EXPECT, ids=EXPECT_IDS)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_secret_the_endpoint_echoes_in_any_encoding_is_never_printed(
    encoding: str, extra: list[str]
) -> None:
    with http_server(f"echo:{encoding}") as url:
        status, out, err = run(READER, *SECRETS, "--endpoint-url", url, "--timeout", "0", *extra)
    text = "\n".join(out + err)
    assert status == (0 if extra else 1), text
    for secret in (EXTERNAL_ID, TOKEN):
        for form in _forms(secret):
            assert form.lower() not in text.lower(), f"{secret!r} printed as {form!r}:\n{text}"
    said = '{"id": "<hidden>"} and {"id": "<hidden>"}' if encoding == "json" else "<hidden> and <hidden>"
    assert f"AccessDenied: Not authorized with {said}" in text, text


def test_every_encoding_the_servers_use_is_one_the_command_knows() -> None:
    for secret in (EXTERNAL_ID, TOKEN):
        for form in _forms(secret):
            assert cli.redact(f"[{form}]", [secret]) == "[<hidden>]", form


def test_a_secret_inside_a_longer_word_is_left_alone_in_every_encoding() -> None:
    assert cli.redact("id ab-12 and 111122223333", ["ab-1", "111111"]) == "id ab-12 and 111122223333"


# Unknown options never repeat their values --------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [READER, "--externalid", EXTERNAL_ID],
            "unknown option: --externalid (1 value not shown); see --help",
        ),
        (
            ["--externalid", EXTERNAL_ID, READER],
            "unknown option: --externalid (1 value not shown); see --help",
        ),
        (
            [READER, f"--externalid={EXTERNAL_ID}"],
            "unknown option: --externalid (1 value not shown); see --help",
        ),
        (
            [READER, "--external_id", EXTERNAL_ID, "--mfatoken", TOKEN],
            "unknown options: --external_id, --mfatoken (2 values not shown); see --help",
        ),
        ([READER, EXTERNAL_ID], "1 unexpected word after ROLE_ARN (not shown; an option misspelt?)"),
    ],
    ids=["spaced", "before-role", "equals", "two", "stray-word"],
)
def test_an_unknown_option_is_named_without_its_value(argv: list[str], message: str) -> None:
    status, out, err = run(*argv)
    assert (status, out) == (2, [])
    assert err == [f"cross-account-verify: error: {message}"]


# The help's advice works as written ------------------------------------------------------------


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "PATH", "HOME"))}
    return subprocess.run(
        [sys.executable, "-m", "cross_account.verify", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_the_help_says_how_to_end_the_tags_and_that_advice_works() -> None:
    help_text = " ".join(_cli("--help").stdout.split())
    advice = "give ROLE_ARN first, or end the list with -- and ROLE_ARN (other options may follow it)"
    assert advice in help_text
    with http_server("works") as url:
        after_dashes = _cli(
            "--tags",
            "team=ops",
            "cost=7",
            "--",
            READER,
            "--probe",
            "none",
            "--endpoint-url",
            url,
            "--timeout",
            "0",
        )
        role_first = _cli(
            READER, "--tags", "team=ops", "cost=7", "--probe", "none", "--endpoint-url", url, "--timeout", "0"
        )
    for done in (after_dashes, role_first):
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert done.stdout.splitlines()[-1] == f"access works: {CALLER} -> {READER}"
        assert "assumed-role/reader/team,ops,cost,7" in done.stdout, "the tags reached the request"


def test_role_arn_before_and_after_the_dashes_is_refused() -> None:
    status, out, err = run(READER, "--tags", "a=b", "--", READER)
    assert (status, out) == (2, [])
    assert err == ["cross-account-verify: error: ROLE_ARN is given twice: before -- and after it"]
