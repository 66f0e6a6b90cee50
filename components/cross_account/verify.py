"""cross-account-verify: assume a cross-account role and show that the access works.

    cross-account-verify ROLE_ARN [--external-id ID] [--mfa-serial ARN --mfa-token CODE]
        [--probe s3:ListBuckets|none] [--profile NAME] [--region NAME]
        [--endpoint-url URL] [--session-name NAME] [--timeout SECONDS]

It assumes the role with boto3 from the caller's current credentials (or the
profile), prints who called and the assumed identity, then runs one read-only
probe with the session. A freshly created role or policy takes a few seconds
to reach every IAM endpoint, so a denial is retried with a bounded backoff
until the timeout.

Exit status: 0 the access works; 1 it is denied, or the probe fails (one line
on stderr says why); 2 usage or setup error (bad arguments, unknown profile,
boto3 missing).

boto3 is the optional extra ``verify`` of the distribution: ``pip install
'cross-account[verify]'``. Without it the command says so and exits 2.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TextIO

from . import validation as check
from .documents import parse_role_arn

EXIT_OK = 0
EXIT_DENIED = 1
EXIT_USAGE = 2

PROG = "cross-account-verify"
DEFAULT_SESSION_NAME = "cross-account-verify"
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_REGION = "us-east-1"
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 8.0
INSTALL_HINT = "cross-account-verify needs boto3: pip install 'cross-account[verify]'"

SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
MFA_SERIAL_RE = re.compile(r"^(?:arn:aws[a-z-]*:iam::\d{12}:mfa/[\w+=,.@/-]{1,512}|[\w+=/:,.@-]{9,256})$")
MFA_TOKEN_RE = re.compile(r"^\d{6}$")

RETRIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "InvalidClientTokenId"})
"""Errors a change still propagating through IAM causes; every other error fails at once."""


class UsageError(Exception):
    """The command line is wrong, or the setup cannot run it: exit 2."""


class AccessFailure(Exception):
    """Access is denied, or the probe failed: exit 1."""


@dataclass(frozen=True)
class Options:
    """The checked command line."""

    role_arn: str
    external_id: str | None = None
    mfa_serial: str | None = None
    mfa_token: str | None = None
    probe: str = "s3:ListBuckets"
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    session_name: str = DEFAULT_SESSION_NAME
    timeout: float = DEFAULT_TIMEOUT_SECONDS


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


def _list_buckets(session: Any, options: Options) -> str:
    buckets = _client(session, "s3", options).list_buckets().get("Buckets", [])
    names = ", ".join(b["Name"] for b in buckets[:5]) + (", ..." if len(buckets) > 5 else "")
    return f"{len(buckets)} bucket(s)" + (f": {names}" if buckets else "")


PROBES: dict[str, Callable[[Any, Options], str] | None] = {
    "s3:ListBuckets": _list_buckets,
    "none": None,
}
"""Read-only calls the assumed session can be tried with; ``none`` skips the probe."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Assume a cross-account IAM role and check that the session works.",
        epilog="Exit status: 0 access works, 1 denied or probe failed, 2 usage or setup error.",
    )
    parser.add_argument("role_arn", metavar="ROLE_ARN", help="the role to assume")
    parser.add_argument("--external-id", metavar="ID", help="sts:ExternalId the role's trust policy requires")
    parser.add_argument("--mfa-serial", metavar="ARN", help="the caller's MFA device (with --mfa-token)")
    parser.add_argument("--mfa-token", metavar="CODE", help="the 6-digit code of that device")
    parser.add_argument(
        "--probe",
        default="s3:ListBuckets",
        help=f"read-only call to try with the session: {', '.join(PROBES)} (default s3:ListBuckets)",
    )
    parser.add_argument("--profile", metavar="NAME", help="AWS profile with the caller's credentials")
    parser.add_argument("--region", metavar="NAME", help="region of the STS and probe calls")
    parser.add_argument(
        "--endpoint-url", metavar="URL", help="send STS and the probe to this endpoint (an emulator)"
    )
    parser.add_argument(
        "--session-name", metavar="NAME", default=DEFAULT_SESSION_NAME, help="role session name"
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help=f"keep retrying denials (IAM propagation) this long; 0 tries once (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    return parser


def parse_args(argv: Sequence[str]) -> Options:
    """Parse and check the command line; raise UsageError naming the argument, the value and the rule."""
    args = _parser().parse_args(list(argv))
    if parse_role_arn(args.role_arn) is None:
        raise UsageError(
            f"ROLE_ARN {args.role_arn!r} is not an IAM role ARN (arn:<partition>:iam::<account>:role/[<path>/]<name>)"
        )
    if args.external_id is not None:
        try:
            check.external_id("--external-id", args.external_id)
        except check.InvalidInputError as error:
            raise UsageError(str(error)) from None
    if (args.mfa_serial is None) != (args.mfa_token is None):
        raise UsageError("--mfa-serial and --mfa-token go together: give both or neither")
    if args.mfa_serial is not None and not MFA_SERIAL_RE.match(args.mfa_serial):
        raise UsageError(f"--mfa-serial {args.mfa_serial!r} is not an MFA device ARN or serial number")
    if args.mfa_token is not None and not MFA_TOKEN_RE.match(args.mfa_token):
        raise UsageError(f"--mfa-token {args.mfa_token!r} is not a 6-digit code")
    if args.probe not in PROBES:
        raise UsageError(f"--probe {args.probe!r} is not one of {', '.join(PROBES)}")
    if not SESSION_NAME_RE.match(args.session_name):
        raise UsageError(
            f"--session-name {args.session_name!r} must be 2-64 characters of letters, digits and +=,.@_-"
        )
    if not args.timeout >= 0:  # also refuses nan
        raise UsageError(f"--timeout {args.timeout:g} must be 0 or more seconds")
    return Options(
        role_arn=args.role_arn,
        external_id=args.external_id,
        mfa_serial=args.mfa_serial,
        mfa_token=args.mfa_token,
        probe=args.probe,
        profile=args.profile,
        region=args.region,
        endpoint_url=args.endpoint_url,
        session_name=args.session_name,
        timeout=args.timeout,
    )


def _client(session: Any, service: str, options: Options) -> Any:
    region = options.region or session.region_name or DEFAULT_REGION
    return session.client(service, region_name=region, endpoint_url=options.endpoint_url)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _describe(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code = response["Error"].get("Code", "Error")
        return _one_line(f"{code}: {response['Error'].get('Message', '')}").rstrip(": ")
    return _one_line(f"{type(error).__name__}: {error}")


def _error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


def backoff_delays(timeout: float) -> list[float]:
    """The pauses between attempts: 1, 2, 4, 8, 8, ... seconds, adding up to at most ``timeout``."""
    delays: list[float] = []
    delay, total = BACKOFF_FIRST_SECONDS, 0.0
    while total + delay <= timeout:
        delays.append(delay)
        total += delay
        delay = min(delay * 2, BACKOFF_MAX_SECONDS)
    return delays


def verify(
    options: Options,
    boto3: Any,
    *,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = lambda line: None,
) -> Result:
    """Assume the role and run the probe, retrying denials; raise AccessFailure or UsageError."""
    from botocore import exceptions as boto_errors  # type: ignore[import-untyped]

    try:
        caller_session = boto3.Session(profile_name=options.profile, region_name=options.region)
    except boto_errors.ProfileNotFound as error:
        raise UsageError(f"--profile {options.profile!r}: {_describe(error)}") from None

    request: dict[str, Any] = {"RoleArn": options.role_arn, "RoleSessionName": options.session_name}
    if options.external_id is not None:
        request["ExternalId"] = options.external_id
    if options.mfa_serial is not None:
        request["SerialNumber"] = options.mfa_serial
        request["TokenCode"] = options.mfa_token

    try:
        caller = _client(caller_session, "sts", options).get_caller_identity()["Arn"]
    except boto_errors.NoCredentialsError:
        raise AccessFailure(
            "no AWS credentials: set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        ) from None
    except (boto_errors.ClientError, boto_errors.BotoCoreError) as error:
        raise AccessFailure(f"the caller's credentials do not work: {_describe(error)}") from None

    delays = backoff_delays(options.timeout)
    attempts = 0
    while True:
        attempts += 1
        step = f"sts:AssumeRole on {options.role_arn} as {caller}"
        try:
            credentials = _client(caller_session, "sts", options).assume_role(**request)["Credentials"]
            assumed = boto3.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                region_name=options.region or caller_session.region_name,
            )
            identity = _client(assumed, "sts", options).get_caller_identity()
            probe = PROBES[options.probe]
            step = f"probe {options.probe} as {identity['Arn']}"
            detail = "skipped" if probe is None else probe(assumed, options)
            expiration = credentials["Expiration"]
            return Result(
                caller_arn=caller,
                assumed_arn=identity["Arn"],
                account_id=identity["Account"],
                expiration=expiration.isoformat() if hasattr(expiration, "isoformat") else str(expiration),
                probe=options.probe,
                probe_detail=detail,
                attempts=attempts,
            )
        except (boto_errors.ClientError, boto_errors.BotoCoreError) as error:
            retried = _error_code(error) in RETRIED_CODES
            if not retried or not delays:
                tries = f" (after {attempts} attempts)" if attempts > 1 else ""
                raise AccessFailure(f"{step}: {_describe(error)}{tries}") from None
            delay = delays.pop(0)
            log(
                f"denied, retrying in {delay:g}s (IAM changes take a few seconds to propagate): {_describe(error)}"
            )
            sleep(delay)


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """The console script: returns the exit status."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        options = parse_args(sys.argv[1:] if argv is None else argv)
        try:
            import boto3  # type: ignore[import-untyped]
        except ImportError:
            raise UsageError(INSTALL_HINT) from None
        result = verify(options, boto3, log=lambda line: print(line, file=err))
    except UsageError as error:
        print(f"{PROG}: error: {_one_line(str(error))}", file=err)
        return EXIT_USAGE
    except AccessFailure as error:
        print(f"{PROG}: denied: {_one_line(str(error))}", file=err)
        return EXIT_DENIED
    print(f"caller:  {result.caller_arn}", file=out)
    print(
        f"assumed: {result.assumed_arn} (account {result.account_id}, expires {result.expiration})", file=out
    )
    print(f"probe {result.probe}: {result.probe_detail}", file=out)
    print(f"access works: {result.caller_arn} -> {options.role_arn}", file=out)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
