"""cross-account-console's command line: its options, their checks, and the AssumeRole request they make.

The options of what a caller shows STS are cross-account-verify's (``verify_options``). No pulumi,
no components: only the connection code, the options of verify and the console's URLs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .connection import (
    HOST_RE,
    Parser,
    UsageError,
    add_connection_arguments,
    check_endpoint_url,
)
from .console_urls import CONSOLE_HOSTS, FEDERATION_ENDPOINTS
from .limits import MAX_SESSION_SECONDS, MIN_CLI_SESSION_SECONDS, ROLE_CHAINING_MAX_SECONDS
from .verify_options import (
    CallerOptions,
    _check_tags,
    add_caller_arguments,
    caller_fields,
    caller_request,
    parse_role_command,
)

PROG = "cross-account-console"
DEFAULT_SESSION_NAME = "cross-account-console"

MIN_DURATION_SECONDS = MIN_CLI_SESSION_SECONDS
MAX_DURATION_SECONDS = MAX_SESSION_SECONDS
"""AssumeRole DurationSeconds and getSigninToken SessionDuration both run 900..43200 (the role's
maximum session duration caps the first: AWS refuses a longer one)."""


@dataclass(frozen=True)
class Options(CallerOptions):
    """The checked command line."""

    session_name: str = DEFAULT_SESSION_NAME
    duration: int | None = None
    destination: str | None = None
    print_url: bool = False
    federation_endpoint: str | None = None

    @property
    def partition(self) -> str:
        return self.role_arn.split(":")[1]


# The command line -------------------------------------------------------------------------------

USAGE = (
    "%(prog)s ROLE_ARN [--external-id ID] [--mfa-serial ARN --mfa-token CODE]\n"
    "    [--session-name NAME] [--source-identity VALUE] [--tags KEY=VALUE [KEY=VALUE ...]]\n"
    "    [--duration SECONDS] [--destination URL] [--print] [--federation-endpoint URL]\n"
    "    [--profile NAME] [--region NAME] [--endpoint-url URL] [--timeout SECONDS]"
)


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        usage=USAGE,
        description="Assume a cross-account IAM role and open the AWS console as its session (AWS's "
        "federation endpoint): works where the switch-role page cannot, e.g. for a role that requires "
        "an external id.",
        epilog="Exit status: 0 the console was opened (or its URL printed), 2 any error. The login URL "
        "is a bearer secret, valid for 15 minutes: it is printed only with --print.",
        allow_abbrev=False,
    )
    add_caller_arguments(parser, "the role to sign in as", DEFAULT_SESSION_NAME)
    parser.add_argument(
        "--duration",
        metavar="SECONDS",
        help=f"role and console session, {MIN_DURATION_SECONDS}-{MAX_DURATION_SECONDS} seconds (at most "
        f"{ROLE_CHAINING_MAX_SECONDS} from temporary credentials); default: AWS's (one hour)",
    )
    parser.add_argument(
        "--destination",
        metavar="URL",
        help="the console page to open: an https:// URL, or a path of the console such as /s3/home "
        "(default: the console home of the region)",
    )
    parser.add_argument(
        "--print",
        dest="print_url",
        action="store_true",
        help="print the login URL on stdout instead of opening a browser (it is a secret: anyone "
        "with it is signed in, for 15 minutes)",
    )
    parser.add_argument(
        "--federation-endpoint",
        metavar="URL",
        help="the federation endpoint to get the sign-in token from (default: the one of the role's "
        "partition, https://signin.aws.amazon.com/federation for aws)",
    )
    add_connection_arguments(parser, "the STS calls and the federation endpoint")
    return parser


def _check_url(option: str, url: str) -> str:
    """An http(s) endpoint URL, by the rules of --endpoint-url, the message naming ``option``."""
    try:
        return check_endpoint_url(url)
    except UsageError as error:
        raise UsageError(str(error).replace("--endpoint-url", option, 1)) from None


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _check_federation_endpoint(url: str) -> str:
    """An https:// endpoint, or http:// to the loopback host only: the request carries the session's credentials."""
    checked = _check_url("--federation-endpoint", url)
    parts = urlsplit(checked)
    if parts.scheme == "http" and (parts.hostname or "") not in LOOPBACK_HOSTS:
        raise UsageError(
            f"--federation-endpoint {url!r}: the request carries the session's credentials, so http:// "
            "is accepted only to the loopback host (127.0.0.1, localhost, ::1); use https://"
        )
    return checked


def _check_destination(value: str) -> str:
    rule = (
        f"--destination {value!r} is not an https:// URL with a host, nor a path of the console "
        "starting with / (like /s3/home)"
    )
    if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        raise UsageError(rule)
    if value.startswith("/") and not value.startswith("//"):
        return value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise UsageError(rule) from None
    if parts.scheme != "https" or "@" in parts.netloc or not HOST_RE.fullmatch(parts.hostname or ""):
        raise UsageError(rule)
    return value


def _check_duration(text: str) -> int:
    if (
        not text.isascii()
        or not text.isdigit()
        or not MIN_DURATION_SECONDS <= int(text) <= MAX_DURATION_SECONDS
    ):
        raise UsageError(
            f"--duration {text!r} must be a whole number of seconds from {MIN_DURATION_SECONDS} to "
            f"{MAX_DURATION_SECONDS} (AWS's range for a role session and a console session)"
        )
    return int(text)


def parse_args(argv: Sequence[str]) -> Options:
    """Parse and check the command line; raise UsageError naming the argument, the value and the rule.

    No message ever holds the value of --external-id or --mfa-token, only its length.
    """
    args = parse_role_command(_parser(), argv)
    tags = _check_tags(args.tags or [])
    duration = None if args.duration is None else _check_duration(args.duration)
    destination = None if args.destination is None else _check_destination(args.destination)
    endpoint = (
        None if args.federation_endpoint is None else _check_federation_endpoint(args.federation_endpoint)
    )
    partition = args.role_arn.split(":")[1]
    if endpoint is None and partition not in FEDERATION_ENDPOINTS:
        raise UsageError(
            f"ROLE_ARN {args.role_arn!r}: partition {partition!r} has no console federation endpoint this "
            f"command knows ({', '.join(FEDERATION_ENDPOINTS)}): give --federation-endpoint and --destination"
        )
    if partition not in CONSOLE_HOSTS and (destination is None or destination.startswith("/")):
        raise UsageError(
            f"ROLE_ARN {args.role_arn!r}: partition {partition!r} has no console this command knows: "
            "give --destination as an https:// URL"
        )
    return Options(
        **caller_fields(args, tags),
        duration=duration,
        destination=destination,
        print_url=args.print_url,
        federation_endpoint=endpoint,
    )


# What is sent -----------------------------------------------------------------------------------


def assume_role_request(options: Options) -> dict[str, Any]:
    """The AssumeRole parameters the options ask for."""
    request = caller_request(options)
    if options.duration is not None:
        request["DurationSeconds"] = options.duration
    return request
