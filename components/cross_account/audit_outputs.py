"""cross-account-audit reads what the stacks want: each stack's outputs file, checked."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from . import stack_outputs as rules
from .audit_documents import aws_principals, statements_of
from .audit_options import Options
from .connection import Progress, UsageError
from .iam.grammar import (
    ACCOUNT_ID_RE as ACCOUNT_RE,
    CUSTOMER_POLICY_ARN_RE,
    POLICY_ARN_RE as ANY_POLICY_ARN_RE,
    POLICY_NAME_RE,
    ROLE_ARN_RE,
)
from .limits import (
    AUDIT_BASELINE_OUTPUT,
    EXPIRES_AT_OUTPUT,
    ROLE_ARN_OUTPUT,
    ROLE_ARN_PATTERNS_OUTPUT,
    ROLE_ARNS_BY_ACCOUNT_OUTPUT,
    ROLE_UNIQUE_IDS_BY_ACCOUNT_OUTPUT,
)

T = TypeVar("T")
ROLE_UNIQUE_IDS_OUTPUT = ROLE_UNIQUE_IDS_BY_ACCOUNT_OUTPUT
MAX_OUTPUTS_BYTES = rules.MAX_OUTPUTS_BYTES
SECRET_MARK = rules.SECRET_MARK
FLAG = "--stack-outputs"

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


def _error(source: str, key: str, rule: str) -> UsageError:
    """An output's value breaks a rule, and the value is too large to show (an object)."""
    return UsageError(f"{FLAG} {source}: {key}: {rule}")


def _checked(source: str, rule: Callable[[str, Any], T], key: str, value: Any) -> T:
    """``value`` checked by a rule of stack_outputs: ``--stack-outputs <file>: <output>: <value> <rule>``."""
    try:
        return rule(key, value)
    except rules.OutputError as error:
        raise UsageError(f"{FLAG} {source}: {error}") from None


def _secret_mark(source: str, key: str, value: Any) -> None:
    _checked(source, rules.not_marked, key, value)


def _name(source: str, key: str, value: Any, rule: Callable[[str, Any], str]) -> str:
    """An IAM name checked by the program's rule for it (stack_outputs: user, group, role name)."""
    return _checked(source, rule, key, value)


def _string(source: str, key: str, value: Any, pattern: re.Pattern[str], what: str) -> str:
    """A string matching ``pattern`` whole (ASCII only); ``what`` says what it is not, otherwise."""
    text: str = _checked(source, lambda k, v: rules.matching(k, v, pattern, f"is not {what}"), key, value)
    return text


def _names(source: str, key: str, value: Any, rule: Callable[[str, Any], str]) -> tuple[str, ...]:
    """A list of IAM names, each checked by ``rule`` (ASCII only, matched whole)."""
    _secret_mark(source, key, value)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _bad(source, key, value, "must be a list of names")
    return tuple(_name(source, key, name, rule) for name in value)


def _bad(source: str, key: str, value: Any, rule: str) -> UsageError:
    """``--stack-outputs <file>: <output>: <value> <rule>``, the value shown as stack_outputs shows it."""
    return UsageError(f"{FLAG} {source}: {rules.OutputError(key, value, rule)}")


POLICY = "a customer managed policy ARN (arn:<partition>:iam::<account>:policy/<path/>name)"
UNIQUE_ID = "a role's unique id (AROA and 12-124 capital letters or digits)"


def _passes(rule: Callable[[str, Any], Any], value: Any) -> bool:
    """Whether ``value`` passes a rule of stack_outputs (inside an object the audit names whole)."""
    try:
        rule("", value)
    except rules.OutputError:
        return False
    return True


def _baseline(source: str, value: Any) -> Mapping[str, Any] | None:
    if value is None:
        return None
    _secret_mark(source, AUDIT_BASELINE_OUTPUT, value)
    key = AUDIT_BASELINE_OUTPUT
    if not isinstance(value, Mapping):
        raise _error(source, key, "is not an object")
    required: dict[str, Callable[[Any], bool]] = {
        "trustPolicy": lambda v: isinstance(v, Mapping) and "Statement" in v,
        "managedPolicyArns": lambda v: (
            isinstance(v, list) and all(isinstance(a, str) and ANY_POLICY_ARN_RE.fullmatch(a) for a in v)
        ),
        "inlinePolicyNames": lambda v: (
            isinstance(v, list) and all(isinstance(a, str) and POLICY_NAME_RE.fullmatch(a) for a in v)
        ),
        "maxSessionDuration": lambda v: v is not None and _passes(rules.max_session_duration, v),
        "permissionsBoundaryArn": lambda v: (
            isinstance(v, str) and (v == "" or ANY_POLICY_ARN_RE.fullmatch(v) is not None)
        ),
    }
    for name, rule in required.items():
        if name not in value or not rule(value[name]):
            raise _error(
                source,
                key,
                f"has no valid {name!r} (an object with trustPolicy, managedPolicyArns, inlinePolicyNames, maxSessionDuration, "
                "permissionsBoundaryArn)",
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
            raise _error(
                source,
                key,
                f"has an invalid {name!r} (inlinePolicies and managedPolicyDocuments: objects of policy documents by name or ARN; "
                'tags: an object of strings; revokeSessionsIssuedBefore: an RFC 3339 UTC time or "")',
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
        raise _error(
            source,
            AUDIT_BASELINE_OUTPUT,
            "has no valid 'policyDocuments' (one policy document for each of policyArns, in their order)",
        )
    return tuple(documents)


def _trusting(source: str, outputs: Mapping[str, Any]) -> list[WantedRole]:
    """The roles of a trusting stack; every output the trusted side reads checked by the program's rules."""
    values = _checked(source, lambda _, given: rules.trusting_values(given), "", outputs)
    by_account = values.get(ROLE_ARNS_BY_ACCOUNT_OUTPUT)
    if by_account is not None:
        arns = list(by_account)
    else:
        arns = [_checked(source, rules.role_arn, ROLE_ARN_OUTPUT, outputs.get(ROLE_ARN_OUTPUT))]
    baseline = _baseline(source, outputs.get(AUDIT_BASELINE_OUTPUT))
    expires = values.get(EXPIRES_AT_OUTPUT, "")
    unique_id = outputs.get("roleUniqueId") if len(arns) == 1 else None
    if unique_id is not None:
        _string(source, "roleUniqueId", unique_id, ROLE_UNIQUE_ID_RE, UNIQUE_ID)
    unique_ids = outputs.get(ROLE_UNIQUE_IDS_OUTPUT) or {}
    _secret_mark(source, ROLE_UNIQUE_IDS_OUTPUT, unique_ids)
    if not isinstance(unique_ids, Mapping):
        raise _bad(source, ROLE_UNIQUE_IDS_OUTPUT, unique_ids, "must be a map of account ids to unique ids")
    for account, value in unique_ids.items():
        _string(source, f"{ROLE_UNIQUE_IDS_OUTPUT}.{account}", value, ROLE_UNIQUE_ID_RE, UNIQUE_ID)
    name = _checked(source, rules.role_name, "roleName", outputs.get("roleName"))
    roles = []
    for arn in sorted(arns):
        match = ROLE_ARN_RE.fullmatch(arn)
        assert match is not None  # checked above
        if match.group(4).lower() != name.lower():
            raise _bad(source, "roleName", name, f"is not the name of the role {arn!r}")
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
        raise _bad(source, "policyArns", policies, "is not a list of policy ARNs")
    arns = tuple(_string(source, "policyArns", p, POLICY_ARN_RE, POLICY) for p in policies)
    accounts = {arn.split(":")[4] for arn in arns}
    if len(accounts) != 1:
        raise _bad(source, "policyArns", list(arns), f"names several accounts: {sorted(accounts)}")
    roles = outputs.get("roleArns") or []
    patterns = outputs.get(ROLE_ARN_PATTERNS_OUTPUT) or []
    principals = outputs.get("principals") or {}
    _secret_mark(source, "principals", principals)
    if not isinstance(principals, Mapping):
        raise _bad(source, "principals", principals, "is not an object")
    new_group = principals.get("newGroup") or ""
    members = _names(source, "principals.newGroupMembers", principals.get("newGroupMembers"), rules.user_name)
    return WantedAccess(
        account=accounts.pop(),
        source=source,
        policy_arns=arns,
        role_arns=_checked(source, lambda k, v: rules.string_list(k, v, rules.role_arn), "roleArns", roles),
        users=_names(source, "principals.users", principals.get("users"), rules.user_name),
        groups=_names(source, "principals.groups", principals.get("groups"), rules.group_name)
        + ((_name(source, "principals.newGroup", new_group, rules.group_name),) if new_group else ()),
        roles=_names(source, "principals.roles", principals.get("roles"), rules.role_name),
        role_patterns=_checked(
            source,
            lambda k, v: rules.string_list(k, v, rules.role_arn_pattern),
            ROLE_ARN_PATTERNS_OUTPUT,
            patterns,
        ),
        new_group=_name(source, "principals.newGroup", new_group, rules.group_name) if new_group else "",
        new_group_members=members,
        documents=_trusted_baseline(source, outputs.get(AUDIT_BASELINE_OUTPUT), len(arns)),
    )


def wanted_from_outputs(source: str, outputs: Any) -> list[WantedRole] | WantedAccess:
    """What one stack's outputs want: the roles of a trusting stack, or a trusted stack's access."""
    if not isinstance(outputs, Mapping):
        raise UsageError(
            f"{FLAG} {source}: holds a JSON {rules.json_kind(outputs)}, not an object of stack outputs"
        )
    trusting = "roleName" in outputs and ("roleArn" in outputs or "roleArnsByAccount" in outputs)
    trusted = "policyArns" in outputs or "policyArn" in outputs
    if trusting == trusted:
        raise UsageError(
            f"{FLAG} {source}: the outputs of neither a trusting stack (roleName with roleArn or "
            "roleArnsByAccount) nor a trusted stack (policyArns): "
            "write it with `pulumi stack output --json --show-secrets`"
            if not trusting
            else f"{FLAG} {source}: holds the outputs of both a trusting and a trusted stack"
        )
    return _trusting(source, outputs) if trusting else _trusted(source, outputs)


def read_stack_outputs(path: str) -> list[WantedRole] | WantedAccess:
    """One outputs file, read by stack_outputs.read_outputs_file (the plan's reader too), up to
    MAX_OUTPUTS_BYTES (``/dev/zero`` is refused, not read until memory ends); a file that never ends
    its answer (a FIFO) is stopped by --timeout, as every read is."""
    try:
        outputs = rules.read_outputs_file(path, FLAG)
    except rules.OutputsFileError as error:
        raise UsageError(str(error)) from None
    return wanted_from_outputs(path, outputs)


def parse_time(source: str, key: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(source, key, value, "is not an RFC 3339 time") from None
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
                raise UsageError(f"{FLAG} {path}: {key} is also in {seen[key]}: give each stack once")
            seen[key] = path
            wanted.append(item)
    return wanted
