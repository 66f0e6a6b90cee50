"""cross-account-audit: compare what the accounts hold now with what the stacks made.

    cross-account-audit --stack-outputs FILE [--stack-outputs FILE ...]
        [--profile-for ACCOUNT=PROFILE ...] [--assume-role-name NAME]
        [--unused-days DAYS] [--fail-on SEVERITY] [--json | --sarif] [--concurrency N]
        [--profile NAME] [--region NAME] [--endpoint-url URL] [--timeout SECONDS]

Each FILE is the JSON of ``pulumi stack output --json --show-secrets`` for one
stack. Its keys say which side it is: a trusting stack exports ``roleName`` with
``roleArn`` or ``roleArnsByAccount`` (and ``auditBaseline``, what every role
should be); a trusted stack exports ``policyArns`` and ``principals``.

Every account is read with its own session: ``--profile-for ACCOUNT=PROFILE``,
else the role ``--assume-role-name`` in that account (assumed from the caller's
credentials), else the caller's credentials when they are of that account. Only
IAM reads are made (docs/audit.md lists the read-only policy they need), one
account at a time per worker, ``--concurrency`` workers at most.

Each finding has a severity (critical, high, medium, low, info). Exit status: 0
no finding at or above ``--fail-on`` (default high); 1 such findings; 2 usage or
setup error (bad arguments or outputs, no or rejected credentials, a read the
credentials may not make, an endpoint that cannot be reached, the time of
``--timeout`` used up, a paged answer that repeats its marker), in one line on stderr. An
external id is never printed.

What is compared: the documents themselves, normalised as IAM reads them (``audit_documents``),
with the stacks' ``auditBaseline``; and who else in a trusted account may assume the roles
(one paged iam:GetAccountAuthorizationDetails read per trusted account).

boto3 and rich are the optional extra ``audit`` of the distribution, installed from a checkout or a
commit (``pip install -e 'path/to/checkout/components[audit]'``): ``cross-account`` is on no package
index (docs/audit.md).

The modules: ``audit_options`` the command line, ``audit_outputs`` the stacks' outputs files,
``audit_reads`` the sessions and IAM reads, ``audit_roles`` and ``audit_access`` the checks of the
trusting and the trusted side, ``audit_findings`` the rules, ``audit_report`` the tables, JSON and
SARIF; this module runs them (the console script).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TextIO

from .audit_access import AWS_MANAGED_POLICY_RE, AccessChecks
from .audit_documents import (
    ASSUME_ROLE,
    UNIQUE_ID_RE,
    allows_assume_action,
    external_ids,
    granted_roles,
    grants_everything,
    masked,
    principal_arn_patterns,
    revoked_before,
    statement_diff,
)
from .audit_findings import RULES, SEVERITIES, Finding, Report, RoleUse, finding, finding_order
from .audit_options import (
    ACCOUNT_RE,
    DEFAULT_CONCURRENCY,
    DEFAULT_FAIL_ON,
    DEFAULT_UNUSED_DAYS,
    MAX_CONCURRENCY,
    MAX_UNUSED_DAYS,
    PROG,
    ROLE_PATH_AND_NAME_RE,
    Options,
    parse_args,
)
from .audit_outputs import (
    CONTENT_KEYS,
    MAX_OUTPUTS_BYTES,
    POLICY_ARN_RE,
    ROLE_UNIQUE_ID_RE,
    ROLE_UNIQUE_IDS_OUTPUT,
    SECRET_MARK,
    TOKEN_TIME_RE,
    WantedAccess,
    WantedRole,
    principal_account,
    read_stack_outputs,
    wanted_from_outputs,
    wanted_of,
)
from .audit_reads import DENIED_CODES, NotFound, in_parallel, read_only_policy
from .audit_report import (
    SARIF_LEVELS,
    SARIF_SCHEMA,
    SECURITY_SEVERITY,
    SEVERITY_STYLES,
    print_report,
    print_table,
    sarif_fingerprint,
    sarif_rule_id,
    to_json,
    to_sarif,
)
from .audit_roles import ADMINISTRATOR_ACCESS, RoleChecks
from .connection import (
    Progress,
    SetupError,
    UsageError,
    bounded,
    one_line,
    redact,
    watchdog_seconds,
)

__all__ = [
    "ACCOUNT_RE",
    "ADMINISTRATOR_ACCESS",
    "ASSUME_ROLE",
    "AWS_MANAGED_POLICY_RE",
    "CONTENT_KEYS",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_FAIL_ON",
    "DEFAULT_UNUSED_DAYS",
    "DENIED_CODES",
    "EXIT_FINDINGS",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "MAX_CONCURRENCY",
    "MAX_OUTPUTS_BYTES",
    "MAX_UNUSED_DAYS",
    "POLICY_ARN_RE",
    "PROG",
    "ROLE_PATH_AND_NAME_RE",
    "ROLE_UNIQUE_IDS_OUTPUT",
    "ROLE_UNIQUE_ID_RE",
    "RULES",
    "SARIF_LEVELS",
    "SARIF_SCHEMA",
    "SECRET_MARK",
    "SECURITY_SEVERITY",
    "SEVERITIES",
    "SEVERITY_STYLES",
    "TOKEN_TIME_RE",
    "UNIQUE_ID_RE",
    "Audit",
    "Finding",
    "NotFound",
    "Options",
    "Report",
    "RoleUse",
    "SetupError",
    "UsageError",
    "WantedAccess",
    "WantedRole",
    "allows_assume_action",
    "audit",
    "external_ids",
    "finding",
    "granted_roles",
    "grants_everything",
    "in_parallel",
    "main",
    "masked",
    "parse_args",
    "principal_account",
    "print_table",
    "read_only_policy",
    "read_stack_outputs",
    "revoked_before",
    "run_main",
    "sarif_fingerprint",
    "sarif_rule_id",
    "statement_diff",
    "to_json",
    "to_sarif",
    "wanted_from_outputs",
    "wanted_of",
]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
INSTALL_HINT = (
    "cross-account-audit needs boto3 and rich: install the distribution with its extra from a checkout "
    "or a commit, pip install -e 'path/to/checkout/components[audit]' (docs/audit.md)"
)


class Audit(RoleChecks, AccessChecks):
    """One run: a session per account, then every role and access of that account read and compared."""

    def account(
        self, account: str, roles: Sequence[WantedRole], accesses: Sequence[WantedAccess]
    ) -> tuple[list[Finding], list[RoleUse]]:
        partition = (roles[0].partition if roles else accesses[0].partition) if (roles or accesses) else "aws"
        credentials, caller = self.account_credentials(account, partition)
        iam = self.client("iam", credentials)
        found: list[Finding] = []
        uses: list[RoleUse] = []
        for role in roles:
            role_findings, use = self.role(iam, caller, role)
            found += role_findings
            uses.append(use)
        for access in accesses:
            found += self.access(iam, caller, access)
        if accesses:
            targets: dict[str, list[str] | None] = {}
            for access in accesses:
                for arn in (*access.role_arns, *access.role_patterns):
                    targets.setdefault(arn, None)
            for role in self.trusting.get(account, ()):
                targets[role.arn] = (
                    principal_arn_patterns(role.baseline["trustPolicy"]) if role.baseline else None
                )
            found += self.others(iam, caller, account, accesses, targets)
        return found, uses

    def run(self, wanted: Sequence[WantedRole | WantedAccess]) -> Report:
        roles: dict[str, list[WantedRole]] = {}
        accesses: dict[str, list[WantedAccess]] = {}
        for item in wanted:
            if isinstance(item, WantedRole):
                roles.setdefault(item.account, []).append(item)
            else:
                accesses.setdefault(item.account, []).append(item)
        accounts = sorted({*roles, *accesses})
        self.known_accounts = set(accounts)
        for items in roles.values():
            for role in items:
                self.known_accounts |= role.trusted_accounts
                for account in role.trusted_accounts:
                    self.trusting.setdefault(account, []).append(role)
        self.start(accounts)
        found: list[Finding] = []
        uses: list[RoleUse] = []
        workers = max(1, min(self.options.concurrency, len(accounts)))
        for account_findings, account_uses in in_parallel(
            lambda a: self.account(a, roles.get(a, []), accesses.get(a, [])), accounts, workers
        ):
            found += account_findings
            uses += account_uses
        return Report(sorted(found, key=finding_order), sorted(uses, key=lambda u: u.arn), accounts)


def audit(
    options: Options,
    boto3: Any,
    *,
    now: datetime | None = None,
    log: Callable[[str], None] = lambda line: None,
    progress: Progress | None = None,
) -> Report:
    """Read the outputs, then every account; raise UsageError (SetupError) when the audit cannot be made."""
    wanted = wanted_of(options)
    return Audit(options, boto3, now=now, log=log, progress=progress).run(wanted)


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """The console script: returns the exit status."""
    return run_main(argv, stdout, stderr)


def run_main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    now: datetime | None = None,
) -> int:
    """``main`` with the time the audit sees (``now``) given, for tests."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    secrets: set[str] = set()

    def clean(text: str) -> str:
        return redact(text, secrets.copy())

    def say(line: str, stream: TextIO) -> None:
        print(clean(line), file=stream, flush=True)

    options: Options | None = None
    try:
        options = parse_args(argv)
        try:
            import boto3  # type: ignore[import-untyped]
            import rich  # noqa: F401
        except ImportError:
            raise UsageError(INSTALL_HINT) from None
        progress = Progress(options.endpoint_url or "AWS")
        runner = Audit(options, boto3, now=now, log=lambda line: say(line, err), progress=progress)
        secrets = runner.seen_secrets

        def work() -> Report:
            endpoint = progress.endpoint
            wanted = wanted_of(options, progress)  # inside the time budget too (a FIFO that never ends)
            progress.endpoint = endpoint
            return runner.run(wanted)

        report = bounded(
            work,
            watchdog_seconds(options.timeout),
            progress,
            PROG,
        )
    except UsageError as error:
        say(f"{PROG}: error: {one_line(str(error))}", err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        say(f"{PROG}: interrupted", err)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - an answer the audit did not foresee: exit 2, never 1
        say(f"{PROG}: error: the audit stopped on {type(error).__name__}: {one_line(str(error))[:300]}", err)
        return EXIT_USAGE
    print_report(report, options, out, runner.external_ids)
    return EXIT_FINDINGS if report.failing(options.fail_on) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
