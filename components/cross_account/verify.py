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
``MIN_RUN_SECONDS``, so ``--timeout 0`` tries once.

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

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from .connection import (
    CREDENTIAL_CODES,
    DEFAULT_TIMEOUT_SECONDS,
    HIDDEN,
    MIN_RUN_SECONDS,
    WATCHDOG_GRACE_SECONDS,
    Calls,
    Parser,
    Progress,
    SetupError,
    UsageError,
    add_connection_arguments,
    backoff_delays as backoff_delays,
    bounded,
    check_connection_arguments,
    error_code,
    one_line,
    redact as redact,
)
from .iam.grammar import (
    MFA_SERIAL_RE,
    MFA_TOKEN_RE,
    ROLE_ARN_RE,
    SESSION_NAME_RE,
    SOURCE_IDENTITY_RE,
    STS_EXTERNAL_ID_RE,
    TAG_KEY_RE,
    TAG_VALUE_RE,
)

EXIT_OK = 0
EXIT_DENIED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

PROG = "cross-account-verify"
DEFAULT_SESSION_NAME = "cross-account-verify"
DEFAULT_PROBE = "s3:ListBuckets"
EXPECT_DENY_SESSION_SECONDS = 900
"""With --expect-deny a session AssumeRole should not have given lives the shortest time STS allows."""
MAX_TAGS = 50
INSTALL_HINT = "cross-account-verify needs boto3: pip install 'cross-account[verify]'"

# Every pattern is ASCII-only and matched against the whole string (fullmatch).
EXTERNAL_ID_RE = STS_EXTERNAL_ID_RE

NAME_CHARACTERS = "letters, digits and _+=,.@-"
TAG_CHARACTERS = "letters, digits, spaces and _.:/=+-@"

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
SECRET_OPTIONS = ("--external-id", "--mfa-token")


class AccessFailure(Exception):
    """Access is denied, or the probe failed (with --expect-deny: access works): exit 1."""


@dataclass(frozen=True)
class CallerOptions:
    """What a caller shows STS with AssumeRole, and how it reaches AWS: the options verify and the
    console share (each adds its own)."""

    role_arn: str
    external_id: str | None = field(default=None, repr=False)
    mfa_serial: str | None = None
    mfa_token: str | None = field(default=None, repr=False)
    session_name: str = DEFAULT_SESSION_NAME
    source_identity: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.external_id, self.mfa_token) if s)


@dataclass(frozen=True)
class Options(CallerOptions):
    """The checked command line."""

    probe: str = DEFAULT_PROBE
    expect_deny: bool = False


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


def _list_buckets(session: Any, run: Calls) -> str:
    buckets = run.call(session, "s3", "list_buckets").get("Buckets", [])
    names = ", ".join(b["Name"] for b in buckets[:5]) + (", ..." if len(buckets) > 5 else "")
    return f"{len(buckets)} bucket(s)" + (f": {names}" if buckets else "")


PROBES: dict[str, Callable[[Any, Calls], str] | None] = {
    "s3:ListBuckets": _list_buckets,
    "none": None,
}
"""Read-only calls the assumed session can be tried with; ``none`` skips the probe."""


# The command line -------------------------------------------------------------------


USAGE = (
    "%(prog)s ROLE_ARN [--external-id ID] [--mfa-serial ARN --mfa-token CODE]\n"
    "    [--session-name NAME] [--source-identity VALUE] [--tags KEY=VALUE [KEY=VALUE ...]]\n"
    "    [--probe s3:ListBuckets|none] [--expect-deny]\n"
    "    [--profile NAME] [--region NAME] [--endpoint-url URL] [--timeout SECONDS]"
)
"""The usage line of --help: ROLE_ARN is required (argparse would show it optional, as it is parsed
with nargs="?" so that a missing ROLE_ARN after --tags gets its own message)."""


def add_caller_arguments(parser: argparse.ArgumentParser, role_help: str, session_name: str) -> None:
    """ROLE_ARN and what the caller shows STS (verify's and the console's, alike)."""
    parser.add_argument("role_arn", metavar="ROLE_ARN", nargs="?", help=role_help)
    parser.add_argument(
        "--external-id", metavar="ID", help="sts:ExternalId the role's trust policy requires (never printed)"
    )
    parser.add_argument("--mfa-serial", metavar="ARN", help="the caller's MFA device (with --mfa-token)")
    parser.add_argument("--mfa-token", metavar="CODE", help="the 6-digit code of that device (never printed)")
    parser.add_argument("--session-name", metavar="NAME", default=session_name, help="role session name")
    parser.add_argument(
        "--source-identity",
        metavar="VALUE",
        help="sts:SourceIdentity to set on the session (2-64 characters)",
    )
    parser.add_argument(
        "--tags",
        metavar="KEY=VALUE",
        nargs="+",
        action="extend",
        help=f"session tags (sts:TagSession), at most {MAX_TAGS}; give ROLE_ARN first, or end the list with "
        "-- and ROLE_ARN (other options may follow it)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        usage=USAGE,
        description="Assume a cross-account IAM role and check that the session works (or, with "
        "--expect-deny, that this caller is refused).",
        epilog="Exit status: 0 access works (--expect-deny: refused), 1 denied or probe failed "
        "(--expect-deny: access works), 2 usage or setup error.",
        allow_abbrev=False,
    )
    add_caller_arguments(parser, "the role to assume", DEFAULT_SESSION_NAME)
    parser.add_argument(
        "--probe",
        help=f"read-only call to try with the session: {', '.join(PROBES)} (default {DEFAULT_PROBE})",
    )
    parser.add_argument(
        "--expect-deny",
        action="store_true",
        help="succeed only if AssumeRole is refused; retries while it still works, until the timeout",
    )
    add_connection_arguments(parser, "the STS and probe calls")
    return parser


def _hidden(value: str) -> str:
    return f"<{len(value)} characters, hidden>"


def _check_tags(items: Sequence[str]) -> tuple[tuple[str, str], ...]:
    if len(items) > MAX_TAGS:
        raise UsageError(f"--tags: {len(items)} tags, STS takes at most {MAX_TAGS}")
    tags: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals:
            raise UsageError(f"--tags {item!r} is not KEY=VALUE")
        if not TAG_KEY_RE.fullmatch(key):
            raise UsageError(f"--tags {item!r}: the key must be 1-128 characters of {TAG_CHARACTERS}")
        if key.lower().startswith("aws:"):
            raise UsageError(f"--tags {item!r}: keys starting with aws: are reserved for AWS")
        if not TAG_VALUE_RE.fullmatch(value):
            raise UsageError(f"--tags {item!r}: the value must be 0-256 characters of {TAG_CHARACTERS}")
        if key.lower() in seen:
            raise UsageError(
                f"--tags {item!r}: the key {key!r} is given twice (after {seen[key.lower()]!r}; "
                "STS compares tag keys without case)"
            )
        seen[key.lower()] = key
        tags.append((key, value))
    return tuple(tags)


def _split_at_dashes(words: list[str]) -> tuple[list[str], str | None]:
    """ "--tags a=b -- ROLE_ARN --timeout 5": the word after -- is ROLE_ARN, options may follow it."""
    if "--" not in words:
        return words, None
    at = words.index("--")
    if at + 1 < len(words):
        return words[:at] + words[at + 2 :], words[at + 1]
    return words[:at], None


def _check_caller(args: argparse.Namespace) -> None:
    """What the caller shows STS: external id, MFA device and code, session name, source identity."""
    if args.external_id is not None and not EXTERNAL_ID_RE.fullmatch(args.external_id):
        raise UsageError(
            f"--external-id: '{_hidden(args.external_id)}' is not a valid external id: "
            "2-1224 characters of letters, digits and +=,.@:/_-"
        )
    if (args.mfa_serial is None) != (args.mfa_token is None):
        raise UsageError("--mfa-serial and --mfa-token go together: give both or neither")
    if args.mfa_serial is not None and not MFA_SERIAL_RE.fullmatch(args.mfa_serial):
        raise UsageError(f"--mfa-serial {args.mfa_serial!r} is not an MFA device ARN or serial number")
    if args.mfa_token is not None and not MFA_TOKEN_RE.fullmatch(args.mfa_token):
        raise UsageError(f"--mfa-token: '{_hidden(args.mfa_token)}' is not a 6-digit code")
    if not SESSION_NAME_RE.fullmatch(args.session_name):
        raise UsageError(f"--session-name {args.session_name!r} must be 2-64 characters of {NAME_CHARACTERS}")
    if args.source_identity is not None and not SOURCE_IDENTITY_RE.fullmatch(args.source_identity):
        raise UsageError(
            f"--source-identity {args.source_identity!r} must be 2-64 characters of {NAME_CHARACTERS}"
        )


def parse_role_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """The command line of a console script that takes ROLE_ARN and the caller's options (verify, console):
    parsed, with ROLE_ARN placed (also after --) and checked, and what the caller shows STS checked."""
    words, after_dashes = _split_at_dashes(list(argv))
    args = parser.parse_args(words)
    if after_dashes is not None:
        if args.role_arn is not None:
            raise UsageError("ROLE_ARN is given twice: before -- and after it")
        args.role_arn = after_dashes
    if args.role_arn is None:
        after_tags = " (--tags takes every word after it: give ROLE_ARN first, or end the tags with --)"
        raise UsageError("the following arguments are required: ROLE_ARN" + (after_tags if args.tags else ""))
    if not ROLE_ARN_RE.fullmatch(args.role_arn) or len(args.role_arn) > 2048:
        raise UsageError(
            f"ROLE_ARN {args.role_arn!r} is not an IAM role ARN (arn:<partition>:iam::<account>:role/[<path>/]<name>)"
        )
    _check_caller(args)
    return args


def parse_args(argv: Sequence[str]) -> Options:
    """Parse and check the command line; raise UsageError naming the argument, the value and the rule.

    No message ever holds the value of --external-id or --mfa-token, only its length.
    """
    args = parse_role_command(_parser(), argv)
    tags = _check_tags(args.tags or [])
    if args.probe is not None and args.probe not in PROBES:
        raise UsageError(f"--probe {args.probe!r} is not one of {', '.join(PROBES)}")
    if args.probe is not None and args.expect_deny:
        raise UsageError(
            f"--probe {args.probe!r} with --expect-deny: --expect-deny stops at sts:AssumeRole, "
            "there is no session to probe"
        )
    connection = check_connection_arguments(args)
    return Options(
        role_arn=args.role_arn,
        external_id=args.external_id,
        mfa_serial=args.mfa_serial,
        mfa_token=args.mfa_token,
        probe=args.probe or DEFAULT_PROBE,
        profile=connection.profile,
        region=connection.region,
        endpoint_url=connection.endpoint_url,
        session_name=args.session_name,
        timeout=connection.timeout,
        source_identity=args.source_identity,
        tags=tags,
        expect_deny=args.expect_deny,
    )


def secret_values(argv: Sequence[str]) -> tuple[str, ...]:
    """The values given to --external-id and --mfa-token, read from the raw command line."""
    found: list[str] = []
    for index, token in enumerate(argv):
        for option in SECRET_OPTIONS:
            if token == option and index + 1 < len(argv):
                found.append(argv[index + 1])
            elif token.startswith(f"{option}="):
                found.append(token[len(option) + 1 :])
    return tuple(v for v in found if v)


def caller_request(options: CallerOptions) -> dict[str, Any]:
    """The AssumeRole parameters of what the caller shows: role, session name, external id, MFA,
    source identity and session tags."""
    request: dict[str, Any] = {"RoleArn": options.role_arn, "RoleSessionName": options.session_name}
    if options.external_id is not None:
        request["ExternalId"] = options.external_id
    if options.mfa_serial is not None:
        request["SerialNumber"] = options.mfa_serial
        request["TokenCode"] = options.mfa_token
    if options.source_identity is not None:
        request["SourceIdentity"] = options.source_identity
    if options.tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in options.tags]
    return request


def assume_role_request(options: Options) -> dict[str, Any]:
    """The AssumeRole parameters the options ask for."""
    request = caller_request(options)
    if options.expect_deny:
        request["DurationSeconds"] = EXPECT_DENY_SESSION_SECONDS
    return request


def describe_request(options: Options) -> str:
    """The AssumeRole request in one line, secrets hidden."""
    parts = [f"RoleSessionName={options.session_name}"]
    if options.external_id is not None:
        parts.append(f"ExternalId={HIDDEN}")
    if options.mfa_serial is not None:
        parts += [f"SerialNumber={options.mfa_serial}", f"TokenCode={HIDDEN}"]
    if options.source_identity is not None:
        parts.append(f"SourceIdentity={options.source_identity}")
    if options.tags:
        parts.append("Tags=[" + ", ".join(f"{k}={v}" for k, v in options.tags) + "]")
    return f"sts:AssumeRole on {options.role_arn} with " + " ".join(parts)


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
        budget = max(options.timeout, MIN_RUN_SECONDS)
        result = bounded(
            lambda: check(options, boto3, log=lambda line: say(line, err), progress=progress),
            budget + WATCHDOG_GRACE_SECONDS,
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
