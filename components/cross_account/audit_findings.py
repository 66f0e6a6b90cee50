"""cross-account-audit's findings: the rules with their severities, a finding, the report."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .audit_documents import differences, masked, version_of, widens

SEVERITIES = ("info", "low", "medium", "high", "critical")
"""From the least to the most severe."""

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


def finding_order(item: Finding) -> tuple[int, str, str, str, str]:
    return (-SEVERITIES.index(item.severity), item.account, item.resource, item.rule, item.message)


def compare(
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
