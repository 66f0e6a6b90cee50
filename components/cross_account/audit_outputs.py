"""cross-account-audit reads what the stacks want: each stack's outputs file, checked."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .audit_documents import aws_principals, statements_of
from .audit_options import Options
from .connection import Progress, UsageError
from .iam.grammar import (
    ACCOUNT_ID_RE as ACCOUNT_RE,
    CUSTOMER_POLICY_ARN_RE,
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
    ROLE_ARN_PATTERNS_OUTPUT,
    ROLE_UNIQUE_IDS_BY_ACCOUNT_OUTPUT,
)

ROLE_UNIQUE_IDS_OUTPUT = ROLE_UNIQUE_IDS_BY_ACCOUNT_OUTPUT
MAX_OUTPUTS_BYTES = 64 * 2**20
"""An outputs file is read up to this size: a rollout of 1,000 accounts writes under 1 MiB."""
SECRET_MARK = "[secret]"
"""What `pulumi stack output --json` prints for a secret without --show-secrets."""

POLICY_ARN_RE = CUSTOMER_POLICY_ARN_RE
ROLE_UNIQUE_ID_RE = re.compile(r"AROA[A-Z0-9]{12,124}", re.ASCII)
TOKEN_TIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z", re.ASCII
)
"""An aws:TokenIssueTime bound as the stack writes it (RFC 3339, UTC)."""


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
        principals = (p for s in statements_of(self.baseline["trustPolicy"]) for p in aws_principals(s))
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
        parse_time(source, "expiresAt", expires)
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


def parse_time(source: str, key: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--stack-outputs {source}: output {key!r} {value!r} is not an RFC 3339 time"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
