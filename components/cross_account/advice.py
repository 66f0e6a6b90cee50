"""What the components accept but warn about: unknown AWS managed policy names, and
administrator-level permissions or reads of every service's data on a role that other accounts may assume.

Pure functions over plain values. The guardrail that refuses risky permissions is
the policy pack (policy/); the components only warn, naming the input and the policy.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from . import limits, validation as check
from .specs import CallerSpec, RoleSpec

ADMIN_MANAGED_POLICIES: Mapping[str, str] = {
    "AdministratorAccess": "administrator-level permissions (every action on every resource)",
    "IAMFullAccess": "every IAM action, with which a session can grant itself anything",
    "PowerUserAccess": "every action outside IAM and Organizations",
}
"""AWS managed policies too broad for a role that other accounts may assume, and why."""
READ_EVERYTHING_MANAGED_POLICIES: Mapping[str, str] = {
    "ReadOnlyAccess": (
        "read access to the data of every service, not only its configuration: every S3 object, DynamoDB "
        "item, log event, SQS message and Kinesis record, Lambda functions' code and environment, "
        "CodeCommit repositories, SSM parameters, and secrets' metadata"
    ),
}
"""AWS managed policies that read every service's data (a leak of everything), and what they read.

``ReadOnlyAccess`` (v190 of the policy): ``s3:Get*``, ``dynamodb:Get*``/``Query``/``Scan``, ``logs:Get*``,
``sqs:Receive*``, ``kinesis:Get*``, ``lambda:Get*``, ``codecommit:GitPull``, ``ssm:Get*``,
``secretsmanager:Describe*``/``List*`` on every resource; Prowler's check
``iam_role_cross_account_readonlyaccess_policy`` rates it high on a role other accounts may assume.
``ViewOnlyAccess`` (``job-function/ViewOnlyAccess``) is not listed: it lists resources and reads their
configuration but reads no data (none of the above); a data read added beside it is the config's own choice."""
NO_ADMIN_RULE = "no-admin-on-cross-account-role"
ASSUME_ROLE_RULE = "assume-role-names-role-arns"
PACK_REFUSES: Mapping[str, str] = {"AdministratorAccess": NO_ADMIN_RULE, "IAMFullAccess": NO_ADMIN_RULE}
"""The managed policies the policy pack (policy/rules.py) refuses on such a role, and its rule."""


@dataclass(frozen=True)
class Finding:
    """An administrator-level permission: where, which policy, why, and the pack rule that refuses it."""

    input: str
    policy: str
    reason: str
    pack_rule: str | None


@cache
def known_managed_policies() -> frozenset[str]:
    """``path/name`` of the AWS managed policies the package knows (aws_managed_policies.txt)."""
    text = files("cross_account").joinpath("aws_managed_policies.txt").read_text(encoding="ascii")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def managed_policy_name(policy: str) -> str | None:
    """``path/name`` of an AWS managed policy given as a name or an ``arn:...:iam::aws:policy/...`` ARN;
    None for a customer managed policy ARN."""
    if not policy.startswith("arn:"):
        return policy
    account, resource = policy.split(":", 5)[4:]
    return resource.removeprefix("policy/") if account == "aws" else None


def closest_managed_policy(name: str) -> str | None:
    """The known AWS managed policy nearest to ``name`` (case and path ignored first), or None."""
    known = known_managed_policies()
    by_folded = {k.lower(): k for k in known}
    by_last = {k.rsplit("/", 1)[-1].lower(): k for k in known}
    folded = name.lower()
    if folded in by_folded:
        return by_folded[folded]
    if folded.rsplit("/", 1)[-1] in by_last:
        return by_last[folded.rsplit("/", 1)[-1]]
    longer = [k for k in by_folded if k.startswith(folded)]  # a name cut short
    if longer:
        return by_folded[min(longer, key=len)]
    matches = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.75)
    return by_folded[matches[0]] if matches else None


def unknown_managed_policies(policies: Iterable[str]) -> Iterator[tuple[str, str | None]]:
    """(policy as given, closest known name) for each AWS managed policy the package does not know."""
    known = known_managed_policies()
    for policy in policies:
        name = managed_policy_name(policy)
        if name is not None and name not in known:
            yield policy, closest_managed_policy(name)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _names_a_role(resource: str) -> bool:
    """A role ARN in a named account whose path/name is not only wildcards (the pack's own test)."""
    parts = resource.split(":", 5)
    return (
        len(parts) == 6
        and parts[2] == "iam"
        and parts[4].isdigit()
        and parts[5].startswith("role/")
        and parts[5][5:].strip("*?/") != ""
    )


def _allows_assume_role(statement: Mapping[str, Any]) -> bool:
    if "NotAction" in statement:
        excluded = [str(a).lower() for a in _as_list(statement["NotAction"])]
        return not any(fnmatch.fnmatchcase("sts:assumerole", a) for a in excluded)
    actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
    return any(a.startswith("sts:") and fnmatch.fnmatchcase("sts:assumerole", a) for a in actions)


def broad_statements(document: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(why, the pack rule that refuses it or None) for each administrator-level Allow statement."""
    found: list[tuple[str, str | None]] = []
    for statement in _as_list(document.get("Statement", [])):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
        resources = [str(r) for r in _as_list(statement.get("Resource", []))]
        everywhere = "*" in resources
        assume_rule = (
            ASSUME_ROLE_RULE
            if _allows_assume_role(statement)
            and ("NotResource" in statement or not all(_names_a_role(r) for r in resources))
            else None
        )
        if "NotAction" in statement:
            found.append(("allows every action but those listed (Allow with NotAction)", assume_rule))
        elif "*" in actions or "*:*" in actions:
            found.append(
                ('allows every action ("Action": "*")', NO_ADMIN_RULE if everywhere else assume_rule)
            )
        elif "iam:*" in actions:
            found.append(
                (
                    "allows every IAM action (iam:*), with which a session can grant itself anything",
                    NO_ADMIN_RULE if everywhere else None,
                )
            )
        elif assume_rule is not None:
            found.append(
                ("allows sts:AssumeRole on roles it does not name, hopping on to other accounts", assume_rule)
            )
    return found


def admin_findings(
    managed_policies: Iterable[str], inline_policies: Mapping[str, Mapping[str, Any]]
) -> list[Finding]:
    """Every administrator-level permission among the role's managed and inline policies."""
    findings = []
    for policy in managed_policies:
        name = managed_policy_name(policy)
        base = name.rsplit("/", 1)[-1] if name is not None else ""
        if base in ADMIN_MANAGED_POLICIES:
            reason = f"gives {ADMIN_MANAGED_POLICIES[base]}"
            findings.append(Finding("managed_policy_arns", policy, reason, PACK_REFUSES.get(base)))
        elif base in READ_EVERYTHING_MANAGED_POLICIES and (name or "").count("/") == 0:
            reason = f"gives {READ_EVERYTHING_MANAGED_POLICIES[base]}"
            findings.append(Finding("managed_policy_arns", policy, reason, None))
    for name, document in inline_policies.items():
        for reason, rule in broad_statements(document):
            findings.append(Finding(f"inline_policies.{name}", name, reason, rule))
    return findings


def role_warning_texts(name: str, settings: RoleSpec, *, policies_secret: bool = False) -> list[str]:
    """The warnings about a role's checked inputs, in input names (a pure function: the caller reports them).

    ``policies_secret``: managed_policy_arns is secret, so no close name is suggested (it would show it)."""
    found: list[str] = []
    console_name = f"{settings.role_path}{settings.role_name}".lstrip("/")
    if len(console_name) > limits.CONSOLE_SWITCH_ROLE_MAX:
        found.append(
            f"{name}: path + name {console_name!r} is {len(console_name)} characters, over the "
            f"console's {limits.CONSOLE_SWITCH_ROLE_MAX}: switch role with STS or the CLI; "
            "the switch-role link will not work"
        )
    if settings.source_identity in ("required", "username"):
        found.append(
            f"source_identity: {settings.source_identity!r}: the console's switch-role page and AWS "
            "CLI profiles cannot set a source identity, so callers must assume the role through STS "
            "(cross-account-verify --source-identity, or an SDK)"
        )
    for warning in check.condition_warnings("extra_trust_conditions", settings.extra_trust_conditions):
        found.append(warning)
    if settings.expires_at is not None:
        soon = check.expiry_warning("expires_at", settings.expires_at)
        if soon is not None:
            found.append(soon)
    if settings.revoke_sessions_issued_before is not None:
        inert = check.revocation_warning(
            "revoke_sessions_issued_before", settings.revoke_sessions_issued_before
        )
        if inert is not None:
            found.append(inert)
    for policy in settings.inline_policies:
        if check.folded(policy) == check.folded(limits.REVOKE_SESSIONS_POLICY_NAME):
            found.append(
                f"inline_policies: {policy!r} is the name of the inline policy the console's Revoke "
                "active sessions writes: a click there overwrites it, and the next pulumi up puts yours "
                "back and lifts the revocation; name it otherwise, and revoke with "
                "revoke_sessions_issued_before"
            )
    if settings.external_id is not None or settings.external_ids is not None:
        found.append(
            f"{name}: the role requires an external id, which the console's switch-role page "
            "cannot send: open the console with cross-account-console (the trusted stack's "
            "consoleCommandsByRoleArn), or use STS or the CLI profile; the switch-role link will not work"
        )
    for caller in settings.callers:
        found += caller_warning_texts(name, caller)
    found += policy_warning_texts(settings, policies_secret=policies_secret)
    return found


def caller_warning_texts(name: str, caller: CallerSpec) -> list[str]:
    """The warnings about one caller entry's conditions, as the flat inputs' (``callers.<name>.<input>``)."""
    key = f"callers.{caller.name}."
    found: list[str] = []
    if caller.source_identity in ("required", "username"):
        found.append(
            f"{key}source_identity: {caller.source_identity!r}: the console's switch-role page and AWS "
            "CLI profiles cannot set a source identity, so this caller must assume the role through STS "
            "(cross-account-verify --source-identity, or an SDK)"
        )
    found += check.condition_warnings(f"{key}extra_trust_conditions", caller.extra_trust_conditions)
    if caller.expires_at is not None:
        soon = check.expiry_warning(f"{key}expires_at", caller.expires_at)
        if soon is not None:
            found.append(soon)
    if caller.external_ids is not None:
        found.append(
            f"{name}: caller {caller.name!r} must send an external id, which the console's switch-role "
            "page cannot send: it opens the console with cross-account-console, or uses STS or the CLI "
            "profile"
        )
    return found


def policy_warning_texts(settings: RoleSpec, *, policies_secret: bool = False) -> list[str]:
    """The warnings about the role's permissions: unknown managed policy names, administrator or broad rights."""
    found: list[str] = []
    for policy, closest in unknown_managed_policies(settings.managed_policy_arns):
        # A suggestion would show a secret value, near enough.
        hint = f": did you mean {closest!r}?" if closest and not policies_secret else ""
        found.append(
            f"managed_policy_arns: {policy!r} is not a known AWS managed policy{hint} "
            "(it is used as given; AWS refuses it at deploy time if it does not exist)"
        )
    for finding in admin_findings(settings.managed_policy_arns, settings.inline_policies):
        gate = (
            f"the policy pack's rule {finding.pack_rule} refuses it"
            if finding.pack_rule
            else "the policy pack does not refuse it"
        )
        found.append(
            f"{finding.input}: {finding.policy!r} {finding.reason}, to principals of other accounts: "
            f"grant only what the role needs ({gate})"
        )
    return found
