"""cross-account-audit's command line, parsed and checked."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .audit_findings import SEVERITIES
from .connection import (
    Parser,
    UsageError,
    add_connection_arguments,
    check_connection_arguments,
    check_profile,
)
from .iam.grammar import ACCOUNT_ID_RE

PROG = "cross-account-audit"
DEFAULT_FAIL_ON = "high"
DEFAULT_UNUSED_DAYS = 90
MAX_UNUSED_DAYS = 36500
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 64
ACCOUNT_RE = ACCOUNT_ID_RE
ROLE_PATH_AND_NAME_RE = re.compile(
    r"(?=.{1,575}\Z)(?:[\x21-\x2e\x30-\x7e]+/){0,255}[A-Za-z0-9_+=,.@-]{1,64}", re.ASCII
)
"""--assume-role-name: the role's name, after its path without the leading slash (``audit/reader``)."""


@dataclass(frozen=True)
class Options:
    """The checked command line."""

    stack_outputs: tuple[str, ...]
    profile_for: tuple[tuple[str, str], ...] = ()
    assume_role_name: str | None = None
    unused_days: int = DEFAULT_UNUSED_DAYS
    fail_on: str = DEFAULT_FAIL_ON
    output: str = "table"
    concurrency: int = DEFAULT_CONCURRENCY
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    timeout: float = 60.0
    secrets: tuple[str, ...] = field(default=(), repr=False)


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Compare the live IAM of the accounts with what the cross-account stacks made.",
        epilog=f"Exit status: 0 no finding at or above --fail-on, 1 findings, 2 usage or setup error. "
        f"Severities: {', '.join(SEVERITIES)}.",
        allow_abbrev=False,
    )
    parser.add_argument(
        "--stack-outputs",
        metavar="FILE",
        action="append",
        help="JSON of `pulumi stack output --json --show-secrets` of a stack (repeat for each stack)",
    )
    parser.add_argument(
        "--profile-for",
        metavar="ACCOUNT=PROFILE",
        action="append",
        help="read ACCOUNT with the credentials of PROFILE (repeat for each account)",
    )
    parser.add_argument(
        "--assume-role-name",
        metavar="NAME",
        help="read each account without --profile-for through this role of it (e.g. the rollout's deploymentRoleName)",
    )
    parser.add_argument(
        "--unused-days",
        metavar="DAYS",
        default=str(DEFAULT_UNUSED_DAYS),
        help=f"report a role unused for longer (default {DEFAULT_UNUSED_DAYS})",
    )
    parser.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        default=DEFAULT_FAIL_ON,
        help=f"exit 1 on findings of this severity or above: {', '.join(SEVERITIES)} (default {DEFAULT_FAIL_ON})",
    )
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help="print the findings as JSON")
    formats.add_argument(
        "--sarif", action="store_true", help="print the findings as SARIF 2.1.0 (code scanning)"
    )
    parser.add_argument(
        "--concurrency",
        metavar="N",
        default=str(DEFAULT_CONCURRENCY),
        help=f"accounts read at once, 1-{MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY})",
    )
    add_connection_arguments(parser, "the STS and IAM calls")
    return parser


def _integer(option: str, text: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", text, re.ASCII) or not low <= int(text) <= high:
        raise UsageError(f"{option} {text!r} must be a whole number from {low} to {high}")
    return int(text)


def parse_args(argv: Sequence[str]) -> Options:
    """Parse and check the command line; raise UsageError naming the argument, the value and the rule."""
    args = _parser().parse_args(list(argv))
    if not args.stack_outputs:
        raise UsageError("the following arguments are required: --stack-outputs")
    profiles: dict[str, str] = {}
    for item in args.profile_for or ():
        account, equals, profile = item.partition("=")
        if not equals or not ACCOUNT_RE.fullmatch(account):
            raise UsageError(f"--profile-for {item!r} is not ACCOUNT=PROFILE with a 12-digit account id")
        check_profile(f"--profile-for {account}=", profile)
        if account in profiles:
            raise UsageError(f"--profile-for {item!r}: account {account} is given twice")
        profiles[account] = profile
    if args.assume_role_name is not None and not ROLE_PATH_AND_NAME_RE.fullmatch(args.assume_role_name):
        raise UsageError(
            f"--assume-role-name {args.assume_role_name!r} must be a role name (1-64 letters, digits and "
            "_+=,.@-), after its path if it has one (path/to/name)"
        )
    if args.fail_on not in SEVERITIES:
        raise UsageError(f"--fail-on {args.fail_on!r} is not one of {', '.join(SEVERITIES)}")
    connection = check_connection_arguments(args)
    return Options(
        stack_outputs=tuple(args.stack_outputs),
        profile_for=tuple(sorted(profiles.items())),
        assume_role_name=args.assume_role_name,
        unused_days=_integer("--unused-days", args.unused_days, 1, MAX_UNUSED_DAYS),
        fail_on=args.fail_on,
        output="json" if args.json else "sarif" if args.sarif else "table",
        concurrency=_integer("--concurrency", args.concurrency, 1, MAX_CONCURRENCY),
        profile=connection.profile,
        region=connection.region,
        endpoint_url=connection.endpoint_url,
        timeout=connection.timeout,
    )
