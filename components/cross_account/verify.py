"""cross-account-verify: assume a cross-account role and show that the access works, or that it is refused.

    cross-account-verify ROLE_ARN [--external-id ID] [--mfa-serial ARN --mfa-token CODE]
        [--session-name NAME] [--source-identity VALUE] [--tags KEY=VALUE [KEY=VALUE ...]]
        [--probe s3:ListBuckets|none] [--expect-deny]
        [--profile NAME] [--region NAME] [--endpoint-url URL] [--timeout SECONDS]

It assumes the role with boto3 from the caller's current credentials (or the
profile), prints who called and the assumed identity, then runs one read-only
probe with the session. A freshly created role or policy takes a few seconds
to reach every IAM endpoint, so a denial is retried with a bounded backoff
while the time of ``--timeout`` lasts.

With ``--expect-deny`` it proves the opposite: that this caller, with these
request parameters, is refused. A refusal is final; while AssumeRole still
works (a revoked permission also takes seconds to propagate) it retries with
the same backoff, and fails when the time is up.

``--timeout`` bounds the whole run: every connection and every read gets the
time left (botocore's own retries are off, this command retries), and no call
outlives it; the calls of the first attempt always get at least
``MIN_RUN_SECONDS`` (``connection``), so ``--timeout 0`` tries once.

Exit status: 0 the access works (with --expect-deny: AssumeRole is refused);
1 it is denied, or the probe fails (with --expect-deny: the access works); one
line on stderr says why; 2 usage or setup error (bad arguments, unknown
profile, no or rejected credentials, an endpoint that cannot be reached, boto3
missing; with --expect-deny also an AssumeRole error that is not a refusal).

The values of ``--external-id`` and ``--mfa-token`` are never printed.

boto3 is the optional extra ``verify`` of the distribution: ``pip install
'cross-account[verify]'``. Without it the command says so and exits 2.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

# The names of the connection code, the IAM grammar, the options and the probes this module has
# always offered stay importable from it.
from .connection import (
    CREDENTIAL_CODES,
    DEFAULT_TIMEOUT_SECONDS as DEFAULT_TIMEOUT_SECONDS,
    HIDDEN as HIDDEN,
    Calls,
    Parser as Parser,
    Progress,
    SetupError,
    UsageError,
    add_connection_arguments as add_connection_arguments,
    backoff_delays as backoff_delays,
    bounded,
    check_connection_arguments as check_connection_arguments,
    error_code,
    one_line,
    redact as redact,
    watchdog_seconds,
)
from .iam.grammar import (
    MFA_SERIAL_RE as MFA_SERIAL_RE,
    MFA_TOKEN_RE as MFA_TOKEN_RE,
    ROLE_ARN_RE as ROLE_ARN_RE,
    SESSION_NAME_RE as SESSION_NAME_RE,
    SOURCE_IDENTITY_RE as SOURCE_IDENTITY_RE,
    STS_EXTERNAL_ID_RE as STS_EXTERNAL_ID_RE,
    TAG_KEY_RE as TAG_KEY_RE,
    TAG_VALUE_RE as TAG_VALUE_RE,
)
from .verify_options import (
    DEFAULT_PROBE as DEFAULT_PROBE,
    DEFAULT_SESSION_NAME as DEFAULT_SESSION_NAME,
    EXPECT_DENY_SESSION_SECONDS as EXPECT_DENY_SESSION_SECONDS,
    EXTERNAL_ID_RE as EXTERNAL_ID_RE,
    MAX_TAGS as MAX_TAGS,
    NAME_CHARACTERS as NAME_CHARACTERS,
    PROG,
    SECRET_OPTIONS as SECRET_OPTIONS,
    TAG_CHARACTERS as TAG_CHARACTERS,
    USAGE as USAGE,
    CallerOptions as CallerOptions,
    Options,
    _check_caller as _check_caller,
    _check_tags as _check_tags,
    _hidden as _hidden,
    _parser as _parser,
    _split_at_dashes as _split_at_dashes,
    add_caller_arguments as add_caller_arguments,
    assume_role_request,
    caller_request as caller_request,
    describe_request,
    parse_args,
    parse_role_command as parse_role_command,
    secret_values as secret_values,
)
from .verify_probes import PROBES, _list_buckets as _list_buckets

EXIT_OK = 0
EXIT_DENIED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

INSTALL_HINT = "cross-account-verify needs boto3: pip install 'cross-account[verify]'"

RETRIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "InvalidClientTokenId"})
"""Errors a change still propagating through IAM causes; every other error fails at once."""
REFUSAL_CODES = frozenset({"AccessDenied", "AccessDeniedException"})
"""The only answers that mean "denied": any other error proves nothing about the door (exit 2)."""
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
"""Errors of a busy or failing service: retried while --timeout lasts, then a setup error (exit 2)."""


class AccessFailure(Exception):
    """Access is denied, or the probe failed (with --expect-deny: access works): exit 1."""


@dataclass(frozen=True)
class Result:
    """What a successful verification saw."""

    caller_arn: str
    assumed_arn: str
    account_id: str
    expiration: str
    probe: str
    probe_detail: str
    attempts: int


@dataclass(frozen=True)
class Refusal:
    """What --expect-deny saw: AssumeRole refused this caller."""

    caller_arn: str
    role_arn: str
    code: str
    message: str
    request: str
    attempts: int


# The calls ------------------------------------------------------------------------------


def _start(
    options: Options,
    boto3: Any,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    log: Callable[[str], None],
    progress: Progress | None,
) -> tuple[Calls, Any, str]:
    run = Calls(options, boto3, clock, sleep, log, progress)
    caller_session = run.session(profile_name=options.profile, region_name=options.region)
    return run, caller_session, run.caller(caller_session)


@dataclass
class _Stage:
    """Where an attempt is: what a failure names, and whether it came from sts:AssumeRole itself."""

    step: str
    assuming: bool = True


def _assume_and_probe(
    options: Options,
    run: Any,
    caller_session: Any,
    caller: str,
    request: dict[str, Any],
    attempts: int,
    stage: _Stage,
) -> Result:
    """One attempt: assume the role, read who the session is, run the probe."""
    response = run.call(caller_session, "sts", "assume_role", **request)
    credentials = run.field(response, "sts", "assume_role", "Credentials")
    keys = [
        run.field(response, "sts", "assume_role", "Credentials", key)
        for key in ("AccessKeyId", "SecretAccessKey", "SessionToken")
    ]
    assumed = run.session(
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
        aws_session_token=keys[2],
        region_name=options.region or caller_session.region_name,
    )
    stage.assuming = False
    identity = run.call(assumed, "sts", "get_caller_identity")
    assumed_arn = run.field(identity, "sts", "get_caller_identity", "Arn")
    probe = PROBES[options.probe]
    stage.step = f"probe {options.probe} as {assumed_arn}"
    detail = "skipped" if probe is None else probe(assumed, run)
    expiration = credentials.get("Expiration", "unknown")
    return Result(
        caller_arn=caller,
        assumed_arn=assumed_arn,
        account_id=str(identity.get("Account", "unknown")),
        expiration=expiration.isoformat() if hasattr(expiration, "isoformat") else str(expiration),
        probe=options.probe,
        probe_detail=detail,
        attempts=attempts,
    )


def verify(
    options: Options,
    boto3: Any,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    log: Callable[[str], None] = lambda line: None,
    progress: Progress | None = None,
) -> Result:
    """Assume the role and run the probe, retrying denials; raise AccessFailure or UsageError."""
    run, caller_session, caller = _start(options, boto3, clock, sleep, log, progress)
    errors = run.errors
    request = assume_role_request(options)
    attempts = 0
    while True:
        attempts += 1
        step = f"sts:AssumeRole on {options.role_arn} as {caller}"
        stage = _Stage(step)
        try:
            return _assume_and_probe(options, run, caller_session, caller, request, attempts, stage)
        except errors.ClientError as error:
            code = error_code(error)
            retried = code in RETRIED_CODES or code in TRANSIENT_CODES
            delay = run.next_delay() if retried else None
            if delay is None:
                tries = f" (after {attempts} attempts)" if attempts > 1 else ""
                if code in REFUSAL_CODES or (not stage.assuming and not _setup_code(code)):
                    raise AccessFailure(f"{stage.step}: {run.describe(error)}{tries}") from None
                raise SetupError(
                    f"{stage.step}: {run.describe(error)}{tries}: {_not_an_answer(code)}"
                ) from None
            why = (
                "the service is busy or failing"
                if code in TRANSIENT_CODES
                else "IAM changes take a few seconds to propagate"
            )
            log(
                f"{'denied' if code in REFUSAL_CODES else 'failed'}, retrying in {delay:g}s ({why}): {run.describe(error)}"
            )
            sleep(delay)
        except errors.BotoCoreError as error:
            raise SetupError(f"{stage.step}: {run.describe(error)}") from None


def verify_denied(
    options: Options,
    boto3: Any,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    log: Callable[[str], None] = lambda line: None,
    progress: Progress | None = None,
) -> Refusal:
    """--expect-deny: return the refusal; while AssumeRole still works retry, then raise AccessFailure.

    Only AccessDenied counts as a refusal: any other error (a throttled or malformed request, an
    unreachable endpoint, rejected credentials) proves nothing about the door and is a SetupError.
    """
    run, caller_session, caller = _start(options, boto3, clock, sleep, log, progress)
    errors = run.errors
    request = assume_role_request(options)
    attempts = 0
    while True:
        attempts += 1
        try:
            response = run.call(caller_session, "sts", "assume_role", **request)
        except errors.ClientError as error:
            code = error_code(error) or "Error"
            if code not in REFUSAL_CODES:
                raise SetupError(
                    f"sts:AssumeRole on {options.role_arn} as {caller}: {run.describe(error)}: "
                    "not a refusal (AccessDenied), so it proves nothing about who may assume the role"
                ) from None
            message = run.describe(error).removeprefix(f"{code}:").strip()
            return Refusal(caller, options.role_arn, code, message, describe_request(options), attempts)
        except errors.BotoCoreError as error:
            raise SetupError(
                f"sts:AssumeRole on {options.role_arn} as {caller}: {run.describe(error)}"
            ) from None
        run.field(response, "sts", "assume_role", "Credentials", "AccessKeyId")  # a session, or no proof
        assumed = str(response.get("AssumedRoleUser", {}).get("Arn", "a session"))
        delay = run.next_delay()
        if delay is None:
            tries = f"after {attempts} attempts" if attempts > 1 else "at the first attempt"
            raise AccessFailure(
                f"{caller} may assume {options.role_arn} (got {assumed}, {tries}): "
                "this caller should not have it"
            )
        log(
            f"still allowed ({assumed}), retrying in {delay:g}s "
            "(a revoked permission takes a few seconds to propagate)"
        )
        sleep(delay)


def _setup_code(code: str | None) -> bool:
    """An error that says nothing about access: the credentials, the service, the request or the answer."""
    return (
        code is None
        or code in CREDENTIAL_CODES - REFUSAL_CODES
        or code in TRANSIENT_CODES
        or code == "Unknown"
    )


def _not_an_answer(code: str | None) -> str:
    if code in TRANSIENT_CODES:
        return "the service is busy or failing, not an answer about access; try again later"
    if code in CREDENTIAL_CODES:
        return "the caller's credentials or the request's signature were refused, not the role"
    return "not a refusal (AccessDenied), so it proves nothing about access to the role"


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """The console script: returns the exit status."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    secrets = secret_values(argv)

    def say(line: str, stream: TextIO) -> None:
        print(redact(line, secrets), file=stream, flush=True)

    try:
        options = parse_args(argv)
        try:
            import boto3  # type: ignore[import-untyped]
        except ImportError:
            raise UsageError(INSTALL_HINT) from None
        progress = Progress(options.endpoint_url or "AWS")
        check = verify_denied if options.expect_deny else verify
        result = bounded(
            lambda: check(options, boto3, log=lambda line: say(line, err), progress=progress),
            watchdog_seconds(options.timeout),
            progress,
            PROG,
        )
    except UsageError as error:
        say(f"{PROG}: error: {one_line(str(error))}", err)
        return EXIT_USAGE
    except AccessFailure as error:
        what = "not denied" if options.expect_deny else "denied"
        say(f"{PROG}: {what}: {one_line(str(error))}", err)
        return EXIT_DENIED
    except KeyboardInterrupt:
        say(f"{PROG}: interrupted", err)
        return EXIT_INTERRUPTED
    if isinstance(result, Refusal):
        say(f"caller:  {result.caller_arn}", out)
        say(f"request: {result.request}", out)
        say(f"refused: {result.code}: {result.message}".rstrip(": "), out)
        say(f"denied as expected: {result.caller_arn} -> {result.role_arn}", out)
        return EXIT_OK
    say(f"caller:  {result.caller_arn}", out)
    say(f"assumed: {result.assumed_arn} (account {result.account_id}, expires {result.expiration})", out)
    say(f"probe {result.probe}: {result.probe_detail}", out)
    say(f"access works: {result.caller_arn} -> {options.role_arn}", out)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
