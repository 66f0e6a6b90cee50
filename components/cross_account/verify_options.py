"""cross-account-verify's command line: its options, their checks, and the AssumeRole request they make.

``CallerOptions``, ``add_caller_arguments``, ``parse_role_command``, ``_check_tags``,
``caller_request`` and ``secret_values`` are shared with cross-account-console (the options of
what a caller shows STS). No pulumi, no components: only the connection code and the IAM grammar.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .connection import (
    DEFAULT_TIMEOUT_SECONDS,
    HIDDEN,
    Parser,
    UsageError,
    add_connection_arguments,
    check_connection_arguments,
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
from .verify_probes import PROBES

PROG = "cross-account-verify"
DEFAULT_SESSION_NAME = "cross-account-verify"
DEFAULT_PROBE = "s3:ListBuckets"
EXPECT_DENY_SESSION_SECONDS = 900
"""With --expect-deny a session AssumeRole should not have given lives the shortest time STS allows."""
MAX_TAGS = 50

# Every pattern is ASCII-only and matched against the whole string (fullmatch).
EXTERNAL_ID_RE = STS_EXTERNAL_ID_RE

NAME_CHARACTERS = "letters, digits and _+=,.@-"
TAG_CHARACTERS = "letters, digits, spaces and _.:/=+-@"

SECRET_OPTIONS = ("--external-id", "--mfa-token")


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
    return Options(
        **caller_fields(args, tags), probe=args.probe or DEFAULT_PROBE, expect_deny=args.expect_deny
    )


def caller_fields(args: argparse.Namespace, tags: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The CallerOptions of a checked command line, as verify and the console both read them."""
    connection = check_connection_arguments(args)
    return {
        "role_arn": args.role_arn,
        "external_id": args.external_id,
        "mfa_serial": args.mfa_serial,
        "mfa_token": args.mfa_token,
        "session_name": args.session_name,
        "source_identity": args.source_identity,
        "tags": tags,
        "profile": connection.profile,
        "region": connection.region,
        "endpoint_url": connection.endpoint_url,
        "timeout": connection.timeout,
    }


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
