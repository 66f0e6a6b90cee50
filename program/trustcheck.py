"""Does a role a trusted stack grants trust that stack's account? Read from the trusting stack's
``auditBaseline`` output, for ``make plan`` (program/plan.py): a mismatch otherwise shows only as
AccessDenied when a user assumes the role.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cross_account.limits import AUDIT_BASELINE_OUTPUT, ROLE_ARN_OUTPUT

ASSUME_ACTIONS = ("sts:assumerole", "sts:*", "*")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def admits(trust_policy: Any, account: str) -> bool:
    """Whether an Allow statement of ``trust_policy`` lets principals of ``account`` call sts:AssumeRole.

    An AWS principal admits the account when it is the account id, an ARN in it (its root, a user or
    a role), or ``*``; conditions are not evaluated (they narrow, they never widen). Deny statements
    are left aside: this says whether the account is named at all.
    """
    if not isinstance(trust_policy, Mapping):
        return False
    for statement in _as_list(trust_policy.get("Statement", [])):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
        if not any(a in ASSUME_ACTIONS for a in actions):
            continue
        principal = statement.get("Principal")
        principals = _as_list(principal.get("AWS", [])) if isinstance(principal, Mapping) else [principal]
        for arn in principals:
            if arn in ("*", account) or (
                isinstance(arn, str) and arn.startswith("arn:") and arn.split(":")[4:5] == [account]
            ):
                return True
    return False


def untrusted_roles(reference: str, outputs: Any, account: str) -> list[str]:
    """A warning for the roles of ``reference`` whose trust policy (its auditBaseline) does not admit ``account``."""
    if not isinstance(outputs, Mapping):
        return []
    baseline = outputs.get(AUDIT_BASELINE_OUTPUT)
    policy = baseline.get("trustPolicy") if isinstance(baseline, Mapping) else None
    if policy is None or admits(policy, account):
        return []
    arns = [outputs[ROLE_ARN_OUTPUT]] if isinstance(outputs.get(ROLE_ARN_OUTPUT), str) else []
    by_account = outputs.get("roleArnsByAccount")
    arns += list(by_account.values()) if isinstance(by_account, Mapping) else []
    trusted = sorted(
        {
            str(p).split(":")[4] if str(p).startswith("arn:") else str(p)
            for s in _as_list(policy.get("Statement", []))
            if isinstance(s, Mapping) and isinstance(s.get("Principal"), Mapping)
            for p in _as_list(s["Principal"].get("AWS", []))
        }
    )
    return [
        f"trustingStacks: {reference!r}: the trust policy of its role {', '.join(map(str, arns)) or '(no roleArn)'} "
        f"(auditBaseline.trustPolicy) admits {trusted or 'no account'}, not {account}, the account this stack "
        f"deploys to: its users' sts:AssumeRole is denied (AccessDenied) until the trusting stack lists "
        f"{account} in trustedAccountIds"
    ]
