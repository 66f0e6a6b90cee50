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
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

from .audit_documents import (
    allows_action,
    differences,
    document_of,
    grants_everything,
    may_assume,
    pattern_matches,
    principal_arn_patterns,
    statement_key,
    statements_of,
    values_of,
    version_of,
    widens,
)
from .connection import (
    HIDDEN,
    MIN_RUN_SECONDS,
    WATCHDOG_GRACE_SECONDS,
    Calls,
    Parser,
    Progress,
    SetupError,
    UsageError,
    add_connection_arguments,
    bounded,
    check_connection_arguments,
    check_profile,
    error_code,
    one_line,
    operation_name,
    redact,
)
from .documents import external_id_digest, with_external_ids
from .iam.grammar import (
    ACCOUNT_ID_RE,
    EXPIRES_AT_RE,
    GROUP_NAME_RE,
    POLICY_ARN_RE as ANY_POLICY_ARN_RE,
    POLICY_NAME_RE,
    ROLE_ARN_PATTERN_RE,
    ROLE_ARN_RE,
    ROLE_NAME_RE,
    USER_NAME_RE,
)
from .limits import (
    AUDIT_BASELINE_OUTPUT,
    MAX_SESSION_SECONDS,
    MIN_SESSION_SECONDS,
    REVOKE_SESSIONS_POLICY_NAME,
    ROLE_ARN_PATTERNS_OUTPUT,
    ROLE_UNIQUE_IDS_BY_ACCOUNT_OUTPUT,
)
from .profile_sessions import ProfileSessions

R = TypeVar("R")
ROLE_UNIQUE_IDS_OUTPUT = ROLE_UNIQUE_IDS_BY_ACCOUNT_OUTPUT

PROG = "cross-account-audit"
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

SEVERITIES = ("info", "low", "medium", "high", "critical")
"""From the least to the most severe."""
DEFAULT_FAIL_ON = "high"
DEFAULT_UNUSED_DAYS = 90
MAX_UNUSED_DAYS = 36500
MAX_OUTPUTS_BYTES = 64 * 2**20
"""An outputs file is read up to this size: a rollout of 1,000 accounts writes under 1 MiB."""
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 64
INSTALL_HINT = (
    "cross-account-audit needs boto3 and rich: install the distribution with its extra from a checkout "
    "or a commit, pip install -e 'path/to/checkout/components[audit]' (docs/audit.md)"
)
SECRET_MARK = "[secret]"
"""What `pulumi stack output --json` prints for a secret without --show-secrets."""

ASSUME_ROLE = "sts:AssumeRole"
ACCOUNT_RE = ACCOUNT_ID_RE
ROLE_PATH_AND_NAME_RE = re.compile(
    r"(?=.{1,575}\Z)(?:[\x21-\x2e\x30-\x7e]+/){0,255}[A-Za-z0-9_+=,.@-]{1,64}", re.ASCII
)
"""--assume-role-name: the role's name, after its path without the leading slash (``audit/reader``)."""
POLICY_ARN_RE = re.compile(r"arn:(aws(?:-[a-z]+)*):iam::([0-9]{12}):policy/[\x21-\x7e]{1,1100}", re.ASCII)
UNIQUE_ID_RE = re.compile(r"A(?:RO|ID|GP)A[A-Z0-9]{12,124}", re.ASCII)
ROLE_UNIQUE_ID_RE = re.compile(r"AROA[A-Z0-9]{12,124}", re.ASCII)
TOKEN_TIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z", re.ASCII
)
"""An aws:TokenIssueTime bound as the stack writes it (RFC 3339, UTC)."""
"""A principal IAM shows by its unique id: the user or role it named was deleted (and maybe recreated)."""
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
AWS_MANAGED_POLICY_RE = re.compile(r"arn:aws(?:-[a-z]+)*:iam::aws:policy/[\x21-\x7e]{1,1100}", re.ASCII)
ADMINISTRATOR_ACCESS = re.compile(r"arn:aws(?:-[a-z]+)*:iam::aws:policy/AdministratorAccess", re.ASCII)

RULES: dict[str, tuple[str, str]] = {
    "role-missing": ("high", "The stack's role does not exist"),
    "trust-policy-drift": ("high", "The role's trust policy differs from the stack's"),
    "unique-id-principal": (
        "high",
        "The trust policy names a principal by its unique id (deleted, maybe recreated)",
    ),
    "unexpected-managed-policy": (
        "high",
        "A managed policy the stack did not attach is attached to the role",
    ),
    "managed-policy-detached": ("medium", "A managed policy the stack attached is no longer attached"),
    "unexpected-inline-policy": ("high", "The role has an inline policy the stack did not put there"),
    "inline-policy-missing": ("medium", "An inline policy of the stack is gone from the role"),
    "permissions-boundary-drift": ("high", "The role's permissions boundary is not the stack's"),
    "max-session-drift": ("medium", "The role's maximum session duration is not the stack's"),
    "role-recreated": (
        "high",
        "The role's unique id is not the one the stack recorded: it was deleted and made again",
    ),
    "role-expired": ("critical", "The role still exists after the end of access (expiresAt)"),
    "role-unused": ("medium", "The role has not been used for longer than --unused-days"),
    "sessions-revoked": ("info", "Sessions issued before a time are revoked (AWSRevokeOlderSessions)"),
    "revocation-drift": (
        "high",
        "The stack's revocation of older sessions (AWSRevokeOlderSessions) is gone or revokes less",
    ),
    "inline-policy-drift": ("high", "An inline policy of the stack says something else than the stack's"),
    "managed-policy-drift": (
        "high",
        "The default version of a customer-managed policy the stack attached is not the one it attached",
    ),
    "role-tags-drift": ("medium", "The role's tags are not the stack's"),
    "baseline-missing": (
        "info",
        "The stack's outputs hold no auditBaseline (made by an earlier version): what it holds is not compared",
    ),
    "assume-policy-missing": ("high", "The trusted stack's assume-role policy does not exist"),
    "assume-policy-detached": (
        "high",
        "The assume-role policy is not attached to a principal the stack names",
    ),
    "assume-policy-unexpected-principal": (
        "high",
        "The assume-role policy is attached to a principal the stack does not name",
    ),
    "assume-policy-drift": (
        "high",
        "The assume-role policies grant other roles than the stack's, or no longer grant one",
    ),
    "principal-missing": ("high", "A user, group or role the trusted stack names does not exist"),
    "assume-policy-content-drift": (
        "high",
        "An assume-role policy's statements, conditions or actions are not the stack's",
    ),
    "other-principal-may-assume": (
        "high",
        "A principal of the trusted account the stack did not name may assume a role of the stacks",
    ),
    "unexpected-group-member": (
        "high",
        "The group the trusted stack made has a member the stack did not list",
    ),
}
"""Rule id -> (default severity, what it means)."""


def read_only_policy(partition: str = "aws") -> dict[str, Any]:
    """The identity policy the audit's credentials need in every account it reads (docs/audit.md)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadRoles",
                "Effect": "Allow",
                "Action": [
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListRolePolicies",
                ],
                "Resource": f"arn:{partition}:iam::*:role/*",
            },
            {
                "Sid": "ReadPolicies",
                "Effect": "Allow",
                "Action": ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListEntitiesForPolicy"],
                "Resource": f"arn:{partition}:iam::*:policy/*",
            },
            {
                "Sid": "ReadPrincipals",
                "Effect": "Allow",
                "Action": ["iam:GetGroup", "iam:GetUser"],
                "Resource": [f"arn:{partition}:iam::*:group/*", f"arn:{partition}:iam::*:user/*"],
            },
            {
                # Who else may assume the roles: every user, group and role of a trusted account with
                # their policies, in one paged read. It takes no resource (IAM Service Authorization
                # Reference, "Actions defined by AWS Identity and Access Management": no resource type).
                "Sid": "ReadWhoMayAssume",
                "Effect": "Allow",
                "Action": "iam:GetAccountAuthorizationDetails",
                "Resource": "*",
            },
        ],
    }


# What the stacks want ------------------------------------------------------------------


@dataclass(frozen=True)
class WantedRole:
    """One role of a trusting stack, as its outputs describe it."""

    arn: str
    account: str
    name: str
    source: str
    baseline: Mapping[str, Any] | None = None
    expires_at: str = ""
    unique_id: str | None = None

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1]

    @property
    def trusted_accounts(self) -> frozenset[str]:
        """The accounts the stack's trust policy names: those whose principals may assume the role."""
        if self.baseline is None:
            return frozenset()
        principals = (p for s in statements_of(self.baseline["trustPolicy"]) for p in _aws_principals(s))
        return frozenset(a for a in map(principal_account, principals) if a)


@dataclass(frozen=True)
class WantedAccess:
    """A trusted stack: its assume-role policies, the roles they grant and the principals they are attached to."""

    account: str
    source: str
    policy_arns: tuple[str, ...]
    role_arns: tuple[str, ...]
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    role_patterns: tuple[str, ...] = ()
    """arn:<partition>:iam::*:role/<name>: roles granted by organization path (stackset rollouts)."""
    new_group: str = ""
    """The group the stack made (also in ``groups``), whose members are the stack's to list."""
    new_group_members: tuple[str, ...] = ()
    documents: tuple[Any, ...] | None = None
    """The assume-role policies' documents as the stack wrote them (its auditBaseline), in policy_arns order."""

    @property
    def partition(self) -> str:
        return self.policy_arns[0].split(":")[1]


def principal_account(principal: str) -> str | None:
    """The account of an AWS principal (an account id, or an ARN of that account); None for ``*``."""
    if ACCOUNT_RE.fullmatch(principal):
        return principal
    parts = principal.split(":")
    return parts[4] if len(parts) >= 6 and parts[0] == "arn" and ACCOUNT_RE.fullmatch(parts[4]) else None


def _secret_mark(source: str, key: str, value: Any) -> None:
    if value == SECRET_MARK or (isinstance(value, str) and value.startswith(SECRET_MARK)):
        raise UsageError(
            f"--stack-outputs {source}: output {key!r} is {SECRET_MARK}: write the file with "
            "`pulumi stack output --json --show-secrets`"
        )


def _string(source: str, key: str, value: Any, pattern: re.Pattern[str] | None = None) -> str:
    _secret_mark(source, key, value)
    if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)):
        what = "a string" if pattern is None else f"a string matching {pattern.pattern}"
        raise UsageError(f"--stack-outputs {source}: output {key!r} {value!r} is not {what}")
    return value


def _names(source: str, key: str, value: Any, pattern: re.Pattern[str]) -> tuple[str, ...]:
    """A list of IAM names, each matching ``pattern`` whole (ASCII only)."""
    _secret_mark(source, key, value)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise UsageError(f"--stack-outputs {source}: output {key!r} {value!r} is not a list of names")
    return tuple(_string(source, key, name, pattern) for name in value)


def _session_seconds(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value == int(value)
        and MIN_SESSION_SECONDS <= value <= MAX_SESSION_SECONDS
    )


def _baseline(source: str, value: Any) -> Mapping[str, Any] | None:
    if value is None:
        return None
    _secret_mark(source, AUDIT_BASELINE_OUTPUT, value)
    key = AUDIT_BASELINE_OUTPUT
    if not isinstance(value, Mapping):
        raise UsageError(f"--stack-outputs {source}: output {key!r} is not an object")
    rules: dict[str, Callable[[Any], bool]] = {
        "trustPolicy": lambda v: isinstance(v, Mapping) and "Statement" in v,
        "managedPolicyArns": lambda v: (
            isinstance(v, list) and all(isinstance(a, str) and ANY_POLICY_ARN_RE.fullmatch(a) for a in v)
        ),
        "inlinePolicyNames": lambda v: (
            isinstance(v, list) and all(isinstance(a, str) and POLICY_NAME_RE.fullmatch(a) for a in v)
        ),
        "maxSessionDuration": _session_seconds,
        "permissionsBoundaryArn": lambda v: (
            isinstance(v, str) and (v == "" or ANY_POLICY_ARN_RE.fullmatch(v) is not None)
        ),
    }
    for name, rule in rules.items():
        if name not in value or not rule(value[name]):
            raise UsageError(
                f"--stack-outputs {source}: output {key!r} has no valid {name!r} "
                "(an object with trustPolicy, managedPolicyArns, inlinePolicyNames, maxSessionDuration, "
                "permissionsBoundaryArn)"
            )
    # Written by later versions of the program; a baseline without them is audited without them.
    optional: dict[str, Callable[[Any], bool]] = {
        "inlinePolicies": lambda v: (
            isinstance(v, Mapping)
            and all(
                isinstance(n, str) and POLICY_NAME_RE.fullmatch(n) and _is_document(d) for n, d in v.items()
            )
        ),
        "managedPolicyDocuments": lambda v: (
            isinstance(v, Mapping)
            and all(
                isinstance(a, str) and ANY_POLICY_ARN_RE.fullmatch(a) and _is_document(d)
                for a, d in v.items()
            )
        ),
        "tags": lambda v: (
            isinstance(v, Mapping) and all(isinstance(t, str) for t in (*v.keys(), *v.values()))
        ),
        "revokeSessionsIssuedBefore": lambda v: (
            isinstance(v, str) and (v == "" or bool(TOKEN_TIME_RE.fullmatch(v)))
        ),
    }
    for name, rule in optional.items():
        if name in value and not rule(value[name]):
            raise UsageError(
                f"--stack-outputs {source}: output {key!r} has an invalid {name!r} "
                "(inlinePolicies and managedPolicyDocuments: objects of policy documents by name or ARN; "
                'tags: an object of strings; revokeSessionsIssuedBefore: an RFC 3339 UTC time or "")'
            )
    return value


CONTENT_KEYS = ("inlinePolicies", "managedPolicyDocuments", "tags", "revokeSessionsIssuedBefore")
"""The baseline's keys the contents are compared with (a baseline made before them has none)."""


def _is_document(value: Any) -> bool:
    return isinstance(value, Mapping) and "Statement" in value


def _trusted_baseline(source: str, value: Any, policies: int) -> tuple[Any, ...] | None:
    """The trusted stack's auditBaseline: its assume-role policies' documents, in policyArns order."""
    if value is None:
        return None
    _secret_mark(source, AUDIT_BASELINE_OUTPUT, value)
    documents = value.get("policyDocuments") if isinstance(value, Mapping) else None
    if not isinstance(documents, list) or len(documents) != policies or not all(map(_is_document, documents)):
        raise UsageError(
            f"--stack-outputs {source}: output {AUDIT_BASELINE_OUTPUT!r} has no valid 'policyDocuments' "
            "(one policy document for each of policyArns, in their order)"
        )
    return tuple(documents)


def _trusting(source: str, outputs: Mapping[str, Any]) -> list[WantedRole]:
    by_account = outputs.get("roleArnsByAccount")
    _secret_mark(source, "roleArnsByAccount", by_account)
    if by_account is not None:
        if not isinstance(by_account, Mapping):
            raise UsageError(f"--stack-outputs {source}: output 'roleArnsByAccount' is not an object")
        if not by_account:
            raise UsageError(
                f"--stack-outputs {source}: output 'roleArnsByAccount' is empty: the rollout has no account "
                "to audit"
            )
        arns = [_string(source, f"roleArnsByAccount.{a}", arn, ROLE_ARN_RE) for a, arn in by_account.items()]
        for account, arn in by_account.items():
            if arn.split(":")[4] != account:
                raise UsageError(
                    f"--stack-outputs {source}: output 'roleArnsByAccount.{account}' {arn!r} is not a role of account {account}"
                )
    else:
        arns = [_string(source, "roleArn", outputs.get("roleArn"), ROLE_ARN_RE)]
    baseline = _baseline(source, outputs.get(AUDIT_BASELINE_OUTPUT))
    expires = outputs.get("expiresAt") or ""
    if expires:
        _string(source, "expiresAt", expires, EXPIRES_AT_RE)
        _parse_time(source, "expiresAt", expires)
    unique_id = outputs.get("roleUniqueId") if len(arns) == 1 else None
    if unique_id is not None:
        _string(source, "roleUniqueId", unique_id, ROLE_UNIQUE_ID_RE)
    unique_ids = outputs.get(ROLE_UNIQUE_IDS_OUTPUT) or {}
    _secret_mark(source, ROLE_UNIQUE_IDS_OUTPUT, unique_ids)
    if not isinstance(unique_ids, Mapping):
        raise UsageError(f"--stack-outputs {source}: output {ROLE_UNIQUE_IDS_OUTPUT!r} is not an object")
    for account, value in unique_ids.items():
        _string(source, f"{ROLE_UNIQUE_IDS_OUTPUT}.{account}", value, ROLE_UNIQUE_ID_RE)
    name = _string(source, "roleName", outputs.get("roleName"), ROLE_NAME_RE)
    roles = []
    for arn in sorted(arns):
        match = ROLE_ARN_RE.fullmatch(arn)
        assert match is not None  # checked above
        if match.group(4).lower() != name.lower():
            raise UsageError(
                f"--stack-outputs {source}: output 'roleName' {name!r} is not the name of the role {arn!r}"
            )
        account = match.group(2)
        roles.append(
            WantedRole(
                arn, account, match.group(4), source, baseline, expires, unique_id or unique_ids.get(account)
            )
        )
    return roles


def _trusted(source: str, outputs: Mapping[str, Any]) -> WantedAccess:
    policies = outputs.get("policyArns")
    if policies is None and outputs.get("policyArn"):
        policies = [outputs["policyArn"]]
    _secret_mark(source, "policyArns", policies)
    if not isinstance(policies, list) or not policies:
        raise UsageError(
            f"--stack-outputs {source}: output 'policyArns' {policies!r} is not a list of policy ARNs"
        )
    arns = tuple(_string(source, "policyArns", p, POLICY_ARN_RE) for p in policies)
    accounts = {arn.split(":")[4] for arn in arns}
    if len(accounts) != 1:
        raise UsageError(
            f"--stack-outputs {source}: output 'policyArns' names several accounts: {sorted(accounts)}"
        )
    roles = outputs.get("roleArns") or []
    _secret_mark(source, "roleArns", roles)
    if not isinstance(roles, list):
        raise UsageError(f"--stack-outputs {source}: output 'roleArns' is not a list of role ARNs")
    patterns = outputs.get(ROLE_ARN_PATTERNS_OUTPUT) or []
    _secret_mark(source, ROLE_ARN_PATTERNS_OUTPUT, patterns)
    if not isinstance(patterns, list):
        raise UsageError(
            f"--stack-outputs {source}: output {ROLE_ARN_PATTERNS_OUTPUT!r} is not a list of role ARN patterns"
        )
    principals = outputs.get("principals") or {}
    _secret_mark(source, "principals", principals)
    if not isinstance(principals, Mapping):
        raise UsageError(f"--stack-outputs {source}: output 'principals' is not an object")
    new_group = principals.get("newGroup") or ""
    members = _names(source, "principals.newGroupMembers", principals.get("newGroupMembers"), USER_NAME_RE)
    return WantedAccess(
        account=accounts.pop(),
        source=source,
        policy_arns=arns,
        role_arns=tuple(_string(source, "roleArns", r, ROLE_ARN_RE) for r in roles),
        users=_names(source, "principals.users", principals.get("users"), USER_NAME_RE),
        groups=_names(source, "principals.groups", principals.get("groups"), GROUP_NAME_RE)
        + ((_string(source, "principals.newGroup", new_group, GROUP_NAME_RE),) if new_group else ()),
        roles=_names(source, "principals.roles", principals.get("roles"), ROLE_NAME_RE),
        role_patterns=tuple(
            _string(source, ROLE_ARN_PATTERNS_OUTPUT, p, ROLE_ARN_PATTERN_RE) for p in patterns
        ),
        new_group=_string(source, "principals.newGroup", new_group, GROUP_NAME_RE) if new_group else "",
        new_group_members=members,
        documents=_trusted_baseline(source, outputs.get(AUDIT_BASELINE_OUTPUT), len(arns)),
    )


def wanted_from_outputs(source: str, outputs: Any) -> list[WantedRole] | WantedAccess:
    """What one stack's outputs want: the roles of a trusting stack, or a trusted stack's access."""
    if not isinstance(outputs, Mapping):
        raise UsageError(f"--stack-outputs {source}: not a JSON object of stack outputs")
    trusting = "roleName" in outputs and ("roleArn" in outputs or "roleArnsByAccount" in outputs)
    trusted = "policyArns" in outputs or "policyArn" in outputs
    if trusting == trusted:
        raise UsageError(
            f"--stack-outputs {source}: the outputs of neither a trusting stack (roleName with roleArn or "
            "roleArnsByAccount) nor a trusted stack (policyArns): "
            "write it with `pulumi stack output --json --show-secrets`"
            if not trusting
            else f"--stack-outputs {source}: holds the outputs of both a trusting and a trusted stack"
        )
    return _trusting(source, outputs) if trusting else _trusted(source, outputs)


def read_stack_outputs(path: str) -> list[WantedRole] | WantedAccess:
    """One outputs file, read up to MAX_OUTPUTS_BYTES (``/dev/zero`` is refused, not read until memory
    ends); a file that never ends its answer (a FIFO) is stopped by --timeout, as every read is."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_OUTPUTS_BYTES + 1)
    except OSError as error:
        raise UsageError(f"--stack-outputs {path}: cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_OUTPUTS_BYTES:
        raise UsageError(
            f"--stack-outputs {path}: is larger than {MAX_OUTPUTS_BYTES // 2**20} MiB: not the outputs of a stack"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"--stack-outputs {path}: is not UTF-8 text") from None
    try:
        outputs = json.loads(text)
    except ValueError as error:
        raise UsageError(f"--stack-outputs {path}: is not JSON ({error})") from None
    return wanted_from_outputs(path, outputs)


def _parse_time(source: str, key: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--stack-outputs {source}: output {key!r} {value!r} is not an RFC 3339 time"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# The command line ----------------------------------------------------------------------


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


# Findings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing the audit saw that differs from what the stack made, or deserves a look."""

    rule: str
    severity: str
    account: str
    resource: str
    message: str
    source: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def at_least(self, severity: str) -> bool:
        return SEVERITIES.index(self.severity) >= SEVERITIES.index(severity)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def finding(
    rule: str, account: str, resource: str, message: str, source: str = "", **details: Any
) -> Finding:
    """A finding at its rule's severity."""
    return Finding(rule, RULES[rule][0], account, resource, message, source, details)


@dataclass
class RoleUse:
    """What the audit saw of a role's use, for the report."""

    arn: str
    exists: bool
    last_used: str | None = None
    last_used_region: str | None = None
    created: str | None = None
    revoked_before: str | None = None
    expires_at: str = ""


@dataclass
class Report:
    """Everything the audit found."""

    findings: list[Finding]
    roles: list[RoleUse]
    accounts: list[str]

    def failing(self, fail_on: str) -> list[Finding]:
        return [f for f in self.findings if f.at_least(fail_on)]

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in reversed(SEVERITIES)}


def _sort_key(item: Finding) -> tuple[int, str, str, str, str]:
    return (-SEVERITIES.index(item.severity), item.account, item.resource, item.rule, item.message)


# Policy documents ---------------------------------------------------------------------------


_document = document_of
_values = values_of
_statements = statements_of


def _aws_principals(statement: Any) -> list[str]:
    principal = statement.get("Principal") if isinstance(statement, Mapping) else None
    if not isinstance(principal, Mapping):
        return [principal] if isinstance(principal, str) else []
    return [p for p in _values(principal.get("AWS", [])) if isinstance(p, str)]


def _without_unique_ids(document: Any) -> Any:
    """The document without unique-id principals (their own finding says what they are)."""
    statements = []
    for statement in _statements(document):
        if not isinstance(statement, Mapping):
            statements.append(statement)
            continue
        principal = statement.get("Principal")
        if isinstance(principal, Mapping) and "AWS" in principal:
            kept = [
                p for p in _values(principal["AWS"]) if not (isinstance(p, str) and UNIQUE_ID_RE.fullmatch(p))
            ]
            principal = (
                {**principal, "AWS": kept} if kept else {k: v for k, v in principal.items() if k != "AWS"}
            )
            statement = {**statement, "Principal": principal}
        statements.append(statement)
    return {**document, "Statement": statements} if isinstance(document, Mapping) else document


def masked(document: Any) -> Any:
    """A document to show: every external id replaced by <hidden>."""
    return with_external_ids(document, lambda _: HIDDEN)


def external_ids(document: Any) -> list[str]:
    """The external id values of a document (to keep them out of every line printed)."""
    found: list[str] = []
    with_external_ids(document, found.append)
    return found


def statement_diff(expected: Any, live: Any, partition: str) -> tuple[list[Any], list[Any]]:
    """(statements only the live document has, statements only the expected one has), compared as IAM
    reads them (``audit_documents``), external ids by digest; each statement as it stands in its document."""

    def keyed(document: Any) -> dict[str, Any]:
        hashed = with_external_ids(document, external_id_digest)
        return {
            statement_key(s, partition): original
            for s, original in zip(_statements(hashed), _statements(document), strict=True)
        }

    want, have = keyed(expected), keyed(live)
    if version_of(expected) != version_of(live):
        return [have[k] for k in sorted(have)], [want[k] for k in sorted(want)]
    added = [have[k] for k in sorted(have) if k not in want]
    removed = [want[k] for k in sorted(want) if k not in have]
    return added, removed


def allows_assume_action(statement: Mapping[str, Any]) -> bool:
    return allows_action(statement, ASSUME_ROLE)


def _action_matches(pattern: Any, action: str) -> bool:
    """IAM's match of an action pattern (``*`` and ``?``, without case) against ``action``."""
    return pattern_matches(pattern, action, fold=True)


def granted_roles(document: Any) -> set[str]:
    """The resources of the Allow statements that grant sts:AssumeRole: by an Action pattern that
    matches it (``sts:Assume*`` too), or by a NotAction that leaves it out. A NotResource allow
    grants every role it does not name: it shows as ``NotResource: <its values>``."""
    roles: set[str] = set()
    for statement in _statements(document):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            grants = not any(_action_matches(a, ASSUME_ROLE) for a in _values(statement["NotAction"]))
        else:
            grants = any(_action_matches(a, ASSUME_ROLE) for a in _values(statement.get("Action", [])))
        if not grants:
            continue
        if "NotResource" in statement:
            roles.add("NotResource: " + ", ".join(str(r) for r in _values(statement["NotResource"])))
        roles.update(str(r) for r in _values(statement.get("Resource", [])))
    return roles


def revoked_before(document: Any) -> str | None:
    """The aws:TokenIssueTime before which sessions are denied, when ``document`` is the deny the console's
    "Revoke active sessions" writes (AWSRevokeOlderSessions) and nothing else: every statement a Deny of
    every action on every resource, under one DateLessThan aws:TokenIssueTime condition. Else None."""
    statements = _statements(document)
    times = []
    for statement in statements:
        if not isinstance(statement, Mapping) or set(statement) - {
            "Sid",
            "Effect",
            "Action",
            "Resource",
            "Condition",
        }:
            return None
        if statement.get("Effect") != "Deny" or _values(statement.get("Action")) != ["*"]:
            return None
        condition = statement.get("Condition")
        if (
            _values(statement.get("Resource")) != ["*"]
            or not isinstance(condition, Mapping)
            or len(condition) != 1
        ):
            return None
        [(operator, block)] = condition.items()
        if operator != "DateLessThan" or not isinstance(block, Mapping) or len(block) != 1:
            return None
        [(key, value)] = block.items()
        if (
            key.lower() != "aws:tokenissuetime"
            or len(_values(value)) != 1
            or not isinstance(_values(value)[0], str)
        ):
            return None
        times.append(_values(value)[0])
    return max(times) if times else None  # the latest: every session issued before it is denied


# Reading the accounts -------------------------------------------------------------------------


class NotFound(Exception):
    """IAM answered NoSuchEntity."""


class Audit:
    """One run: a session per account, then every role and access of that account read and compared."""

    def __init__(
        self,
        options: Options,
        boto3: Any,
        *,
        now: datetime | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] = lambda line: None,
        progress: Progress | None = None,
    ) -> None:
        self.options = options
        self.calls = Calls(options, boto3, clock, sleep, log, progress)
        self.now = now or datetime.now(UTC)
        self.lock = threading.Lock()
        self.factory: Any = None
        self.base_credentials: dict[str, str] | None = None
        self.base_caller = ""
        self.seen_secrets = self.calls.seen_secrets
        """Every secret met: credentials and external ids (hidden in every line of stderr)."""
        self.external_ids: set[str] = set()
        """The live external ids: the only secrets IAM's answers, and so the report, can hold."""
        self.known_accounts: set[str] = set()
        """The accounts the stacks name: a principal of another account is outside the organisation."""
        self.trusting: dict[str, list[WantedRole]] = {}
        """Trusted account -> the roles whose trust policy names it."""
        self.aws_managed_documents: dict[str, Any] = {}
        self.profile_sessions: ProfileSessions | None = None

    # sessions --------------------------------------------------------------------------

    def _frozen(self, session: Any, what: str) -> dict[str, str]:
        """The session's credentials, resolved now (a profile's role assumed, its process run)."""
        errors = self.calls.errors
        try:
            credentials = session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials is not None else None
        except errors.ClientError as error:  # a profile's role_arn refused
            raise SetupError(
                f"{what}: the credentials cannot be used: {self.calls.describe(error)}"
            ) from None
        except (errors.BotoCoreError, ValueError, OSError) as error:
            # Only the kind: a credential process's own words may repeat what it printed.
            raise SetupError(
                f"{what}: the credentials cannot be used: {type(error).__name__} (check the profile's "
                "credential_process, role_arn or SSO session)"
            ) from None
        if frozen is None:
            raise SetupError(
                f"{what}: no AWS credentials: set AWS_PROFILE or pass --profile, --profile-for or export "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            )
        values = {"aws_access_key_id": frozen.access_key, "aws_secret_access_key": frozen.secret_key}
        if frozen.token:
            values["aws_session_token"] = frozen.token
        return self._secret(values)

    def _secret(self, credentials: dict[str, str]) -> dict[str, str]:
        """``credentials``, each value hidden from every line printed from now on."""
        self.seen_secrets.update(v for v in credentials.values() if v)
        return credentials

    def client(self, service: str, credentials: Mapping[str, str]) -> Any:
        with self.lock:  # boto3 sessions are not thread-safe; their clients are
            return self.calls.client(self.factory, service, **credentials)

    def start(self, accounts: Iterable[str]) -> None:
        """The shared client factory, and the caller's own credentials when an account needs them."""
        self.factory = self.calls.session(region_name=self.options.region)
        profiles = dict(self.options.profile_for)
        if all(a in profiles for a in accounts):
            return
        base = self.calls.session(profile_name=self.options.profile, region_name=self.options.region)
        self.base_credentials = self._frozen(base, "the caller")
        self.base_caller = self.caller(self.base_credentials, "the caller")

    def caller(self, credentials: Mapping[str, str], what: str) -> str:
        sts = self.client("sts", credentials)
        try:
            return str(self.calls.call_with(sts, "get_caller_identity")["Arn"])
        except self.calls.errors.ClientError as error:
            raise SetupError(f"{what}: the credentials do not work: {self.calls.describe(error)}") from None

    def account_credentials(self, account: str, partition: str) -> tuple[dict[str, str], str]:
        """The credentials that read ``account`` and whose they are, checked to be of that account."""
        errors = self.calls.errors
        profiles = dict(self.options.profile_for)
        if account in profiles:
            what = f"--profile-for {account}={profiles[account]}"
            try:
                with self.lock:
                    if self.profile_sessions is None:
                        self.profile_sessions = ProfileSessions(self.calls.boto3)
                    session = self.profile_sessions.session(profiles[account])
            except errors.ProfileNotFound as error:
                raise UsageError(f"{what}: {self.calls.describe(error)}") from None
            except errors.BotoCoreError as error:
                raise SetupError(
                    f"{what}: the credentials cannot be used: {self.calls.describe(error)}"
                ) from None
            credentials = self._frozen(session, what)
        elif self.options.assume_role_name is not None:
            assert self.base_credentials is not None
            role = f"arn:{partition}:iam::{account}:role/{self.options.assume_role_name}"
            what = f"--assume-role-name: sts:AssumeRole on {role} as {self.base_caller}"
            sts = self.client("sts", self.base_credentials)
            try:
                given = self.calls.call_with(sts, "assume_role", RoleArn=role, RoleSessionName=PROG)[
                    "Credentials"
                ]
            except errors.ClientError as error:
                raise SetupError(f"{what}: {self.calls.describe(error)}") from None
            credentials = self._secret(
                {
                    "aws_access_key_id": given["AccessKeyId"],
                    "aws_secret_access_key": given["SecretAccessKey"],
                    "aws_session_token": given["SessionToken"],
                }
            )
        else:
            assert self.base_credentials is not None
            what = "the caller"
            credentials = self.base_credentials
        caller = self.caller(credentials, what)
        seen = caller.split(":")[4] if caller.count(":") >= 5 else "?"
        if seen != account:
            raise SetupError(
                f"account {account}: {what} is {caller}, of account {seen}: read {account} with "
                f"--profile-for {account}=PROFILE or --assume-role-name NAME"
            )
        return credentials, caller

    # calls -----------------------------------------------------------------------------------

    def read(self, iam: Any, caller: str, operation: str, resource: str, **params: Any) -> Any:
        """One IAM read; NoSuchEntity raises NotFound, a refusal or any other error is a SetupError."""
        errors = self.calls.errors
        try:
            return self.calls.call_with(iam, operation, **params)
        except errors.ClientError as error:
            code = error_code(error)
            if code == "NoSuchEntity":
                raise NotFound(resource) from None
            action = "iam:" + operation_name(operation)
            hint = ": the audit needs the read-only policy of docs/audit.md" if code in DENIED_CODES else ""
            raise SetupError(
                f"{action} on {resource} as {caller}: {self.calls.describe(error)}{hint}"
            ) from None
        except errors.BotoCoreError as error:
            raise SetupError(
                f"iam:{operation_name(operation)} on {resource}: {self.calls.describe(error)}"
            ) from None

    def pages(
        self, iam: Any, caller: str, operation: str, resource: str, key: str, **params: Any
    ) -> list[Any]:
        return self.paged(iam, caller, operation, resource, (key,), **params)[key]

    def paged(
        self, iam: Any, caller: str, operation: str, resource: str, keys: Sequence[str], **params: Any
    ) -> dict[str, list[Any]]:
        """Every page of a read, the lists under ``keys`` joined. A marker IAM gave before (an answer
        that would page forever) ends the run as a setup error naming the call."""
        items: dict[str, list[Any]] = {key: [] for key in keys}
        seen: set[str] = set()
        while True:
            page = self.read(iam, caller, operation, resource, **params)
            for key in keys:
                items[key] += page.get(key) or []
            if not page.get("IsTruncated"):
                return items
            marker = page.get("Marker")
            if not isinstance(marker, str) or not marker or marker in seen:
                what = "no marker" if not isinstance(marker, str) or not marker else "a marker it gave before"
                raise SetupError(
                    f"iam:{operation_name(operation)} on {resource} as {caller}: {iam.meta.endpoint_url} "
                    f"answered a truncated page with {what} (page {len(seen) + 1}): the read would never end"
                )
            seen.add(marker)
            params["Marker"] = marker

    # the trusting side ----------------------------------------------------------------------

    def role(self, iam: Any, caller: str, want: WantedRole) -> tuple[list[Finding], RoleUse]:
        found: list[Finding] = []
        use = RoleUse(want.arn, exists=False, expires_at=want.expires_at)

        def add(rule: str, message: str, severity: str | None = None, **details: Any) -> None:
            item = finding(rule, want.account, want.arn, message, want.source, **details)
            found.append(item if severity is None else Finding(**{**asdict(item), "severity": severity}))

        try:
            role = self.read(iam, caller, "get_role", want.arn, RoleName=want.name)["Role"]
        except NotFound:
            add("role-missing", f"role {want.name} does not exist in account {want.account}")
            return found, use
        use.exists = True
        use.created = _iso(role.get("CreateDate"))
        last = role.get("RoleLastUsed") or {}
        use.last_used, use.last_used_region = _iso(last.get("LastUsedDate")), last.get("Region")
        if want.expires_at and self.now >= _parse_time(want.source, "expiresAt", want.expires_at):
            add(
                "role-expired",
                f"the access ended at {want.expires_at} but the role still exists: run pulumi destroy",
            )
        if want.unique_id and role.get("RoleId") and role["RoleId"] != want.unique_id:
            add(
                "role-recreated",
                f"the role's unique id is {role['RoleId']}, not {want.unique_id} as the stack recorded: "
                "it was deleted and made again outside the stack (by whoever could; its policies are not "
                "the stack's to vouch for), which also breaks policies elsewhere that name it",
            )
        self._use(want, role, use, add)
        names = self.pages(iam, caller, "list_role_policies", want.arn, "PolicyNames", RoleName=want.name)
        if REVOKE_SESSIONS_POLICY_NAME in names:
            try:
                policy = self.read(
                    iam,
                    caller,
                    "get_role_policy",
                    want.arn,
                    RoleName=want.name,
                    PolicyName=REVOKE_SESSIONS_POLICY_NAME,
                )
                use.revoked_before = revoked_before(_document(policy["PolicyDocument"]))
            except NotFound:
                names = [n for n in names if n != REVOKE_SESSIONS_POLICY_NAME]
            stacks = (want.baseline or {}).get("revokeSessionsIssuedBefore") or ""
            if use.revoked_before is not None:
                # Only the console's deny is exempt; anything else of that name is an inline policy.
                names = [n for n in names if n != REVOKE_SESSIONS_POLICY_NAME]
            # The stack's own revocation is as it made it; an earlier one is revocation-drift below.
            if use.revoked_before is not None and not (
                stacks and _instant(use.revoked_before) <= _instant(stacks)
            ):
                add(
                    "sessions-revoked",
                    f"sessions issued before {use.revoked_before} are revoked ({REVOKE_SESSIONS_POLICY_NAME})",
                )
        if want.baseline is None:
            add(
                "baseline-missing",
                f"{want.source} has no {AUDIT_BASELINE_OUTPUT}: update the stack, then audit again",
            )
            return found, use
        older = [key for key in CONTENT_KEYS if key not in want.baseline]
        if older:
            add(
                "baseline-missing",
                f"{want.source}'s {AUDIT_BASELINE_OUTPUT} has no {', '.join(older)} (an earlier version made it): "
                "those are not compared; update the stack, then audit again",
            )
        self._revocation(want, use, names, add)
        self._trust(want, role, add)
        self._managed(iam, caller, want, add)
        self._inline(iam, caller, want, names, add)
        self._limits(want, role, add)
        self._tags(want, role, add)
        return found, use

    def _revocation(self, want: WantedRole, use: RoleUse, names: list[str], add: Callable[..., None]) -> None:
        """The stack's revokeSessionsIssuedBefore: its deny must be there, revoking at least until then."""
        assert want.baseline is not None
        expected = want.baseline.get("revokeSessionsIssuedBefore") or ""
        if not expected:
            return
        if use.revoked_before is None:
            gone = REVOKE_SESSIONS_POLICY_NAME not in names
            add(
                "revocation-drift",
                f"{REVOKE_SESSIONS_POLICY_NAME}, which revokes the sessions issued before {expected}, "
                + ("is gone" if gone else "is no longer the deny the stack wrote")
                + ": those sessions work again",
                expected=expected,
            )
        elif _instant(use.revoked_before) < _instant(expected):
            add(
                "revocation-drift",
                f"{REVOKE_SESSIONS_POLICY_NAME} revokes the sessions issued before {use.revoked_before}, not "
                f"before {expected} as the stack wrote: the sessions issued in between work again",
                expected=expected,
                live=use.revoked_before,
            )

    def _tags(self, want: WantedRole, role: Mapping[str, Any], add: Callable[..., None]) -> None:
        """The role's tags (GetRole answers them all): a tag may decide access (aws:ResourceTag, and
        aws:PrincipalTag of every session of the role)."""
        assert want.baseline is not None
        if "tags" not in want.baseline:
            return
        expected = dict(want.baseline["tags"])
        live = {str(t.get("Key")): str(t.get("Value", "")) for t in role.get("Tags") or []}
        removed = sorted(k for k in expected if k not in live)
        changed = sorted(k for k in expected if k in live and live[k] != expected[k])
        added = sorted(k for k in live if k not in expected)
        if not (removed or changed or added):
            return
        parts = [
            f"removed: {', '.join(removed)}" if removed else "",
            f"changed: {', '.join(f'{k}={live[k]!r} (the stack: {expected[k]!r})' for k in changed)}"
            if changed
            else "",
            f"not the stack's: {', '.join(f'{k}={live[k]!r}' for k in added)}" if added else "",
        ]
        add(
            "role-tags-drift",
            "the role's tags differ from the stack's (" + "; ".join(p for p in parts if p) + ")",
            # Tags the stack did not set may be the provider's default tags: low, alone.
            severity="low" if not (removed or changed) else None,
            removed=removed,
            changed=changed,
            added=added,
        )

    def _use(self, want: WantedRole, role: Mapping[str, Any], use: RoleUse, add: Callable[..., None]) -> None:
        last = (role.get("RoleLastUsed") or {}).get("LastUsedDate")
        since = last or role.get("CreateDate")
        if not isinstance(since, datetime):
            return
        since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
        days = (self.now - since).days
        if days > self.options.unused_days:
            what = (
                f"last used {days} days ago ({_iso(last)} in {use.last_used_region or 'an unknown region'})"
                if last
                else f"never used since it was created {days} days ago ({_iso(role.get('CreateDate'))})"
            )
            add(
                "role-unused",
                f"{what}: more than --unused-days {self.options.unused_days}; remove unused access",
            )

    def _trust(self, want: WantedRole, role: Mapping[str, Any], add: Callable[..., None]) -> None:
        assert want.baseline is not None
        live = _document(role.get("AssumeRolePolicyDocument") or {})
        # (An id under 2 characters can never match: STS refuses it, and hiding it would garble the output.)
        ids = [v for v in external_ids(live) if len(v) >= 2]
        with self.lock:
            self.external_ids.update(ids)
        self.seen_secrets.update(ids)
        unique = sorted(
            {p for s in _statements(live) for p in _aws_principals(s) if UNIQUE_ID_RE.fullmatch(p)}
        )
        if unique:
            add(
                "unique-id-principal",
                f"the trust policy names {', '.join(unique)}: IAM shows a principal so when the user or role it "
                "named was deleted; a new one of the same name is not trusted. Remove it from the trust policy",
                principals=unique,
            )
        added, removed = statement_diff(
            want.baseline["trustPolicy"], _without_unique_ids(live), want.partition
        )
        if added or removed:
            lines = [f"+ {json.dumps(masked(s), sort_keys=True)}" for s in added]
            lines += [f"- {json.dumps(masked(s), sort_keys=True)}" for s in removed]
            outside = self._outsiders(want, added)
            add(
                "trust-policy-drift",
                f"the trust policy differs from the stack's ({len(added)} statement(s) not the stack's, "
                f"{len(removed)} of the stack's missing): "
                + "; ".join(lines)
                + (
                    f"; it lets in {', '.join(outside)}, outside the organisation the stacks know"
                    if outside
                    else ""
                ),
                severity="critical" if outside else None,
                added=[masked(s) for s in added],
                removed=[masked(s) for s in removed],
                outside=outside,
            )

    def _outsiders(self, want: WantedRole, added: Sequence[Any]) -> list[str]:
        """The principals of Allow statements ``added`` to a trust policy that are outside the organisation:
        ``*``, an account no stack of this audit names (unless the statement keeps the stack's
        aws:PrincipalOrgID condition), a federated identity provider."""
        assert want.baseline is not None
        org_ids = _org_ids(want.baseline["trustPolicy"])
        outside: set[str] = set()
        for statement in added:
            if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal")
            if principal == "*":
                outside.add("*")
                continue
            if not isinstance(principal, Mapping):
                continue
            in_org = bool(org_ids) and bool(org_ids & _org_ids({"Statement": [statement]}))
            for name in values_of(principal.get("AWS", [])):
                text = str(name)
                if text == "*":
                    outside.add("*")
                elif UNIQUE_ID_RE.fullmatch(text):
                    continue  # its own finding
                elif not in_org and principal_account(text) not in self.known_accounts:
                    outside.add(text)
            for name in values_of(principal.get("Federated", [])):
                outside.add(str(name))
        return sorted(outside)

    def _managed(self, iam: Any, caller: str, want: WantedRole, add: Callable[..., None]) -> None:
        assert want.baseline is not None
        attached = self.pages(
            iam, caller, "list_attached_role_policies", want.arn, "AttachedPolicies", RoleName=want.name
        )
        live = {p["PolicyArn"] for p in attached}
        expected = set(want.baseline["managedPolicyArns"])
        for arn in sorted(live - expected):
            admin = bool(ADMINISTRATOR_ACCESS.fullmatch(arn))
            add(
                "unexpected-managed-policy",
                f"{arn} is attached to the role, and the stack did not attach it"
                + (": it grants every action on every resource to the trusted accounts" if admin else ""),
                severity="critical" if admin else None,
                policy=arn,
            )
        for arn in sorted(expected - live):
            add(
                "managed-policy-detached",
                f"{arn}, which the stack attached, is no longer attached",
                policy=arn,
            )
        documents = want.baseline.get("managedPolicyDocuments") or {}
        for arn in sorted((expected & live) & set(documents)):
            try:
                policy = self.read(iam, caller, "get_policy", arn, PolicyArn=arn)["Policy"]
                version_id = policy["DefaultVersionId"]
                version = self.read(
                    iam, caller, "get_policy_version", arn, PolicyArn=arn, VersionId=version_id
                )["PolicyVersion"]
            except NotFound:
                continue  # (detached and deleted between two reads: the next audit says so)
            self._compare(
                "managed-policy-drift",
                f"the default version ({version_id}) of {arn}",
                documents[arn],
                _document(version["Document"]),
                want.partition,
                add,
                policy=arn,
                version=version_id,
            )

    def _compare(
        self,
        rule: str,
        what: str,
        expected: Any,
        live: Any,
        partition: str,
        add: Callable[..., None],
        **details: Any,
    ) -> bool:
        """A finding of ``rule`` when ``live`` is not ``expected`` as IAM reads them: critical when it may
        grant more (more actions or resources, fewer conditions, a deny gone)."""
        added, removed = differences(expected, live, partition)
        if not (added or removed):
            return False
        wider = widens(expected, live, partition) or version_of(expected) != version_of(live)
        lines = [f"+ {json.dumps(masked(s), sort_keys=True)}" for s in added]
        lines += [f"- {json.dumps(masked(s), sort_keys=True)}" for s in removed]
        add(
            rule,
            f"{what} is not the stack's"
            + (": it grants more (actions, resources, or fewer conditions)" if wider else "")
            + f" ({len(added)} statement(s) not the stack's, {len(removed)} of the stack's missing): "
            + "; ".join(lines),
            severity="critical" if wider else None,
            added=[masked(s) for s in added],
            removed=[masked(s) for s in removed],
            **details,
        )
        return True

    def _inline(
        self, iam: Any, caller: str, want: WantedRole, names: list[str], add: Callable[..., None]
    ) -> None:
        assert want.baseline is not None
        expected = set(want.baseline["inlinePolicyNames"])
        for name in sorted(set(names) - expected):
            try:
                policy = self.read(
                    iam, caller, "get_role_policy", want.arn, RoleName=want.name, PolicyName=name
                )
                everything = grants_everything(_document(policy["PolicyDocument"]))
            except NotFound:
                continue
            add(
                "unexpected-inline-policy",
                f"inline policy {name} is on the role, and the stack did not put it there"
                + (": it allows every action (*) on every resource" if everything else ""),
                severity="critical" if everything else None,
                policy=name,
            )
        for name in sorted(expected - set(names)):
            add(
                "inline-policy-missing",
                f"inline policy {name}, which the stack put on the role, is gone",
                policy=name,
            )
        documents = want.baseline.get("inlinePolicies") or {}
        for name in sorted((expected & set(names)) & set(documents)):
            try:
                policy = self.read(
                    iam, caller, "get_role_policy", want.arn, RoleName=want.name, PolicyName=name
                )
            except NotFound:
                continue
            self._compare(
                "inline-policy-drift",
                f"inline policy {name}",
                documents[name],
                _document(policy["PolicyDocument"]),
                want.partition,
                add,
                policy=name,
            )

    def _limits(self, want: WantedRole, role: Mapping[str, Any], add: Callable[..., None]) -> None:
        assert want.baseline is not None
        expected = want.baseline["permissionsBoundaryArn"]
        live = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", "")
        if expected and not live:
            add(
                "permissions-boundary-drift",
                f"the permissions boundary {expected} was removed",
                expected=expected,
            )
        elif expected and live != expected:
            add(
                "permissions-boundary-drift",
                f"the permissions boundary is {live}, not the stack's {expected}",
                expected=expected,
                live=live,
            )
        elif live and not expected:
            add(
                "permissions-boundary-drift",
                f"the role has a permissions boundary ({live}) the stack did not set",
                severity="low",
                live=live,
            )
        seconds, limit = int(role.get("MaxSessionDuration", 3600)), int(want.baseline["maxSessionDuration"])
        if seconds != limit:
            add(
                "max-session-drift",
                f"the maximum session duration is {seconds} s, not the stack's {limit} s",
                severity="high" if seconds > limit else None,
                expected=limit,
                live=seconds,
            )

    # the trusted side ---------------------------------------------------------------------

    def access(self, iam: Any, caller: str, want: WantedAccess) -> list[Finding]:
        found: list[Finding] = []

        def add(rule: str, resource: str, message: str, severity: str | None = None, **details: Any) -> None:
            item = finding(rule, want.account, resource, message, want.source, **details)
            found.append(item if severity is None else Finding(**{**asdict(item), "severity": severity}))

        def add_to(resource: str, rule: str, message: str, **details: Any) -> None:
            add(rule, resource, message, **details)

        prefix = f"arn:{want.partition}:iam::{want.account}"
        missing: set[tuple[str, str]] = set()
        for kind, operation, names in (
            ("user", "get_user", want.users),
            ("group", "get_group", want.groups),
            ("role", "get_role", want.roles),
        ):
            for name in names:
                arn = f"{prefix}:{kind}/{name}"
                params: dict[str, Any] = {f"{kind.capitalize()}Name": name}
                if kind == "group":
                    params["MaxItems"] = 1
                try:
                    self.read(iam, caller, operation, arn, **params)
                except NotFound:
                    missing.add((kind, name))
                    add("principal-missing", arn, f"{kind} {name}, which the stack names, does not exist")
        granted: set[str] = set()
        read = 0
        for index, policy_arn in enumerate(want.policy_arns):
            try:
                policy = self.read(iam, caller, "get_policy", policy_arn, PolicyArn=policy_arn)["Policy"]
                version = self.read(
                    iam, caller, "get_policy_version", policy_arn, PolicyArn=policy_arn,
                    VersionId=policy["DefaultVersionId"],
                )  # fmt: skip
            except NotFound:
                add(
                    "assume-policy-missing", policy_arn, f"the assume-role policy {policy_arn} does not exist"
                )
                continue
            read += 1
            live = _document(version["PolicyVersion"]["Document"])
            granted |= granted_roles(live)
            if want.documents is not None:
                self._compare(
                    "assume-policy-content-drift",
                    f"the assume-role policy {policy_arn} (default version {policy['DefaultVersionId']})",
                    want.documents[index],
                    live,
                    want.partition,
                    functools.partial(add_to, policy_arn),
                    policy=policy_arn,
                )
            entities: dict[str, set[str]] = {"user": set(), "group": set(), "role": set()}
            for kind, key, name_key in (
                ("user", "PolicyUsers", "UserName"),
                ("group", "PolicyGroups", "GroupName"),
                ("role", "PolicyRoles", "RoleName"),
            ):
                listed = self.pages(
                    iam, caller, "list_entities_for_policy", policy_arn, key, PolicyArn=policy_arn
                )
                entities[kind] = {e[name_key] for e in listed}
            named = {"user": set(want.users), "group": set(want.groups), "role": set(want.roles)}
            for kind in ("user", "group", "role"):
                # IAM names are unique without case: the stack's "Alice" is the live "alice".
                live = {name.lower() for name in entities[kind]}
                asked = {name.lower() for name in named[kind]}
                for name in sorted(n for n in named[kind] if n.lower() not in live):
                    if (kind, name) not in missing:
                        add(
                            "assume-policy-detached",
                            policy_arn,
                            f"the assume-role policy is not attached to {kind} {name}, which the stack names: "
                            f"{name} cannot assume the roles",
                            principal=f"{prefix}:{kind}/{name}",
                        )
                for name in sorted(n for n in entities[kind] if n.lower() not in asked):
                    add(
                        "assume-policy-unexpected-principal",
                        policy_arn,
                        f"the assume-role policy is attached to {kind} {name}, which the stack does not name: "
                        f"{name} may assume the roles",
                        principal=f"{prefix}:{kind}/{name}",
                    )
        if want.documents is None:
            add(
                "baseline-missing",
                want.policy_arns[0],
                f"{want.source} has no {AUDIT_BASELINE_OUTPUT}: the policies' statements, actions and conditions "
                "are not compared; update the stack, then audit again",
            )
        wanted = set(want.role_arns) | set(want.role_patterns)
        if read == len(want.policy_arns):  # (a policy that is gone has its own finding)
            extra = sorted(granted - wanted)
            lost = sorted(wanted - granted)
            if extra or lost:
                add(
                    "assume-policy-drift",
                    want.policy_arns[0],
                    "the assume-role policies "
                    + "; ".join(
                        part
                        for part in (
                            f"grant roles the stack does not name: {', '.join(extra)}" if extra else "",
                            f"no longer grant: {', '.join(lost)}" if lost else "",
                        )
                        if part
                    ),
                    extra=extra,
                    lost=lost,
                )
        return found

    # who else may assume the roles -----------------------------------------------------------

    def authorization_details(self, iam: Any, caller: str, account: str) -> dict[str, list[Any]]:
        """Every user, group and role of ``account`` with their policies, and its customer-managed
        policies: one paged read for the whole account, whatever the number of roles."""
        return self.paged(
            iam,
            caller,
            "get_account_authorization_details",
            f"account {account}",
            ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"),
            Filter=["User", "Group", "Role", "LocalManagedPolicy"],
            MaxItems=1000,
        )

    def aws_managed(self, iam: Any, caller: str, arn: str) -> Any:
        """The default version of an AWS managed policy (the same in every account: read once a run)."""
        with self.lock:
            if arn in self.aws_managed_documents:
                return self.aws_managed_documents[arn]
        try:
            policy = self.read(iam, caller, "get_policy", arn, PolicyArn=arn)["Policy"]
            version = self.read(
                iam, caller, "get_policy_version", arn, PolicyArn=arn, VersionId=policy["DefaultVersionId"]
            )["PolicyVersion"]
            document = _document(version["Document"])
        except NotFound:
            document = {}
        with self.lock:
            self.aws_managed_documents[arn] = document
        return document

    def others(
        self,
        iam: Any,
        caller: str,
        account: str,
        accesses: Sequence[WantedAccess],
        targets: Mapping[str, list[str] | None],
    ) -> list[Finding]:
        """The principals of trusted ``account`` that the stacks did not name and whose own policies allow
        sts:AssumeRole on one of ``targets`` (role ARN or pattern -> the aws:PrincipalArn patterns its
        trust policy requires, None for any principal of the account); and the members of a group a
        stack made that it did not list."""
        found: list[Finding] = []
        source = accesses[0].source
        details = self.authorization_details(iam, caller, account)
        local: dict[str, Any] = {}
        for policy in details["Policies"]:
            for version in policy.get("PolicyVersionList") or []:
                if version.get("IsDefaultVersion"):
                    local[str(policy.get("Arn"))] = _document(version.get("Document") or {})
        stack_policies = {arn for access in accesses for arn in access.policy_arns}
        named = {
            (kind, name.lower())
            for access in accesses
            for kind, names in (("user", access.users), ("group", access.groups), ("role", access.roles))
            for name in names
        }
        granted_groups = {name for kind, name in named if kind == "group"}

        def attached(entry: Mapping[str, Any]) -> list[Any]:
            documents = []
            for item in entry.get("AttachedManagedPolicies") or []:
                arn = str(item.get("PolicyArn", ""))
                if arn in stack_policies:
                    continue  # the stack's own policy: assume-policy-unexpected-principal says where it is
                if arn in local:
                    documents.append(local[arn])
                elif AWS_MANAGED_POLICY_RE.fullmatch(arn):
                    documents.append(self.aws_managed(iam, caller, arn))
            return documents

        for kind, key, name_key, inline_key in (
            ("user", "UserDetailList", "UserName", "UserPolicyList"),
            ("group", "GroupDetailList", "GroupName", "GroupPolicyList"),
            ("role", "RoleDetailList", "RoleName", "RolePolicyList"),
        ):
            for entry in details[key]:
                name = str(entry.get(name_key, ""))
                if (kind, name.lower()) in named:
                    continue
                if kind == "user" and {g.lower() for g in entry.get("GroupList") or []} & granted_groups:
                    continue  # a member of a group the stack granted: the stack's grant already
                documents = [_document(p.get("PolicyDocument") or {}) for p in entry.get(inline_key) or []]
                documents += attached(entry)
                if not any(
                    isinstance(s, Mapping) and allows_assume_action(s)
                    for d in documents
                    for s in _statements(d)
                ):
                    continue
                arn = str(entry.get("Arn", f"{kind}/{name}"))
                roles = sorted(
                    target
                    for target, patterns in targets.items()
                    if (patterns is None or any(pattern_matches(p, arn, fold=False) for p in patterns))
                    and may_assume(documents, target)
                )
                if not roles:
                    continue
                shown = ", ".join(roles[:3]) + (f" and {len(roles) - 3} more" if len(roles) > 3 else "")
                found.append(
                    finding(
                        "other-principal-may-assume",
                        account,
                        arn,
                        f"{kind} {name}, which no trusted stack names, may assume {shown} through its own "
                        "policies (the role trusts the account): grant it through the stack, or remove the grant",
                        source,
                        principal=arn,
                        roles=roles,
                    )
                )
        for access in accesses:
            if not access.new_group:
                continue
            listed = {member.lower() for member in access.new_group_members}
            for entry in details["UserDetailList"]:
                name = str(entry.get("UserName", ""))
                groups = {g.lower() for g in entry.get("GroupList") or []}
                if access.new_group.lower() in groups and name.lower() not in listed:
                    found.append(
                        finding(
                            "unexpected-group-member",
                            account,
                            str(entry.get("Arn", name)),
                            f"user {name} is a member of {access.new_group}, the group the stack made, and the "
                            "stack does not list it: it may assume the roles",
                            access.source,
                            principal=str(entry.get("Arn", name)),
                            group=access.new_group,
                        )
                    )
        return found

    # the run ---------------------------------------------------------------------------------

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
        return Report(sorted(found, key=_sort_key), sorted(uses, key=lambda u: u.arn), accounts)


def _instant(text: str) -> datetime:
    """An aws:TokenIssueTime bound as a time (one that does not parse sorts first: it revokes nothing)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _org_ids(document: Any) -> set[str]:
    """The aws:PrincipalOrgID values a document's conditions name."""
    found: set[str] = set()
    for statement in _statements(document):
        condition = statement.get("Condition") if isinstance(statement, Mapping) else None
        for block in (condition or {}).values() if isinstance(condition, Mapping) else ():
            for key, value in block.items() if isinstance(block, Mapping) else ():
                if str(key).lower() == "aws:principalorgid":
                    found.update(str(v) for v in values_of(value))
    return found


def in_parallel(work: Callable[[str], R], items: Sequence[str], workers: int) -> list[R]:
    """``work`` of each item, ``workers`` at a time, the results in the items' order. Daemon threads:
    when --timeout ends the run, the process exits without waiting for a read that never returns.
    After an error no new item starts, and the error of the first item in order is raised."""
    results: dict[int, R] = {}
    errors: dict[int, BaseException] = {}
    lock = threading.Lock()
    queue = iter(range(len(items)))

    def worker() -> None:
        while True:
            with lock:
                index = next(queue, None) if not errors else None
            if index is None:
                return
            try:
                results[index] = work(items[index])
            except BaseException as error:  # raised in the caller below
                with lock:
                    errors[index] = error

    threads = [threading.Thread(target=worker, name=f"{PROG}-{n}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[min(errors)]
    return [results[index] for index in range(len(items))]


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None if value is None else str(value)


def wanted_of(options: Options, progress: Progress | None = None) -> list[WantedRole | WantedAccess]:
    """Every stack's outputs read and checked; a role or policy named twice is read once."""
    wanted: list[WantedRole | WantedAccess] = []
    seen: dict[str, str] = {}
    for path in options.stack_outputs:
        if progress is not None:
            progress.endpoint = f"--stack-outputs {path}"  # what the --timeout message names
        read = read_stack_outputs(path)
        for item in read if isinstance(read, list) else [read]:
            key = item.arn if isinstance(item, WantedRole) else ",".join(item.policy_arns)
            if key in seen:
                raise UsageError(
                    f"--stack-outputs {path}: {key} is also in {seen[key]}: give each stack once"
                )
            seen[key] = path
            wanted.append(item)
    return wanted


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


# Output --------------------------------------------------------------------------------------


def to_json(report: Report, options: Options) -> dict[str, Any]:
    return {
        "tool": PROG,
        "failOn": options.fail_on,
        "accounts": report.accounts,
        "counts": report.counts(),
        "findings": [f.to_json() for f in report.findings],
        "roles": [asdict(u) for u in report.roles],
    }


SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
"""GitHub code scanning's numeric severity of each level (>= 9.0 critical, >= 7.0 high, ...)."""


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("cross-account")
    except Exception:  # noqa: BLE001 - a source checkout without the distribution installed
        return "0.0.0"


def sarif_rule_id(rule: str, severity: str) -> str:
    """A rule at its default severity is its own id; at another, ``<rule>/<severity>``: code scanning
    takes an alert's severity from its rule, so each severity a rule is found at is a rule of its own."""
    return rule if RULES[rule][0] == severity else f"{rule}/{severity}"


def sarif_fingerprint(item: Finding) -> str:
    """The same for the same finding from one run to the next (whatever its message says, such as
    "91 days ago"), so code scanning keeps one alert open rather than opening a new one each week."""
    subject = str(item.details.get("policy") or item.details.get("principal") or "")
    return hashlib.sha256(f"{item.rule}|{item.account}|{item.resource}|{subject}".encode()).hexdigest()


def to_sarif(report: Report) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log, for GitHub code scanning (one result per finding)."""
    variants = [(rule, severity) for rule, (severity, _) in RULES.items()]
    variants += sorted({(f.rule, f.severity) for f in report.findings} - set(variants))
    rule_ids = [sarif_rule_id(rule, severity) for rule, severity in variants]
    rules = [
        {
            "id": sarif_rule_id(rule, severity),
            "name": "".join(
                part.capitalize() for part in sarif_rule_id(rule, severity).replace("/", "-").split("-")
            ),
            "shortDescription": {"text": RULES[rule][1]},
            "defaultConfiguration": {"level": SARIF_LEVELS[severity]},
            "properties": {"security-severity": SECURITY_SEVERITY[severity], "tags": ["security", "iam"]},
        }
        for rule, severity in variants
    ]
    results = []
    for item in report.findings:
        rule_id = sarif_rule_id(item.rule, item.severity)
        results.append(
            {
                "ruleId": rule_id,
                "ruleIndex": rule_ids.index(rule_id),
                "level": SARIF_LEVELS[item.severity],
                "message": {"text": f"[{item.severity}] {item.resource}: {item.message}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": Path(item.source).as_posix() or "stack-outputs.json"},
                            "region": {"startLine": 1},
                        },
                        "logicalLocations": [{"fullyQualifiedName": item.resource, "kind": "resource"}],
                    }
                ],
                "partialFingerprints": {"crossAccountAudit/v1": sarif_fingerprint(item)},
                "properties": {"severity": item.severity, "account": item.account},
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": PROG,
                        "version": _version(),
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


SEVERITY_STYLES = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def print_table(report: Report, options: Options, out: TextIO, clean: Callable[[str], str]) -> None:
    """The tables for people: every role's use, then the findings, most severe first."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=200 if not out.isatty() else None, highlight=False, soft_wrap=False)
    roles = Table(title="Roles", title_justify="left")
    for column in ("role", "exists", "last used", "region", "revoked before", "expires at"):
        roles.add_column(column)
    for use in report.roles:
        roles.add_row(
            clean(use.arn),
            "yes" if use.exists else "NO",
            use.last_used or ("never" if use.exists else "-"),
            use.last_used_region or "-",
            use.revoked_before or "-",
            use.expires_at or "-",
        )
    console.print(roles)
    if not report.findings:
        console.print(f"No findings in {len(report.accounts)} account(s).")
        return
    table = Table(title="Findings", title_justify="left")
    for column in ("severity", "rule", "account", "resource", "finding"):
        table.add_column(column, overflow="fold")
    for item in report.findings:
        table.add_row(
            f"[{SEVERITY_STYLES[item.severity]}]{item.severity}[/]",
            item.rule,
            item.account,
            clean(item.resource),
            clean(item.message),
        )
    console.print(table)
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
    failing = len(report.failing(options.fail_on))
    console.print(f"{counts}; {failing} at or above --fail-on {options.fail_on}.")


def _cleaned(value: Any, clean: Callable[[str], str]) -> Any:
    """``value`` (parsed JSON) with ``clean`` applied to every string in it, keys included."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Mapping):
        return {clean(k): _cleaned(v, clean) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v, clean) for v in value]
    return value


def _no_markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)


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
            max(options.timeout, MIN_RUN_SECONDS) + WATCHDOG_GRACE_SECONDS,
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
    # The report is made of IAM's answers and the stacks' outputs, where the only secrets are the
    # external ids (credentials never reach it): those are hidden in each string of the document,
    # which then stays valid JSON. (Hiding every credential in every string costs minutes at 100 accounts.)
    shown = frozenset(runner.external_ids)

    @functools.lru_cache(maxsize=4096)
    def clean_report(text: str) -> str:
        return redact(text, shown) if shown else text

    if options.output == "json":
        print(json.dumps(_cleaned(to_json(report, options), clean_report), indent=2), file=out, flush=True)
    elif options.output == "sarif":
        print(json.dumps(_cleaned(to_sarif(report), clean_report), indent=2), file=out, flush=True)
    else:
        print_table(report, options, out, lambda text: _no_markup(clean_report(text)))
    return EXIT_FINDINGS if report.failing(options.fail_on) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
