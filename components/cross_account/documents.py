"""Pure functions that build the policy documents, links and CLI profiles.

No Pulumi here: every function takes plain values and returns plain values, so
each is tested exactly, without mocks. The components serialize the documents
once with ``pulumi.Output.json_dumps``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .clients import (  # re-exported: documents.<NAME> stays what it was
    CONSOLE_COMMAND as CONSOLE_COMMAND,
    EXTERNAL_ID_OPTION_PLACEHOLDER as EXTERNAL_ID_OPTION_PLACEHOLDER,
    EXTERNAL_ID_PLACEHOLDER as EXTERNAL_ID_PLACEHOLDER,
    MFA_CODE_PLACEHOLDER as MFA_CODE_PLACEHOLDER,
    SESSION_NAME_PLACEHOLDER as SESSION_NAME_PLACEHOLDER,
    SIGNIN_HOSTS as SIGNIN_HOSTS,
    SOURCE_IDENTITY_PLACEHOLDER as SOURCE_IDENTITY_PLACEHOLDER,
    CliProfile as CliProfile,
    ExtensionEntry as ExtensionEntry,
    aws_cli_config as aws_cli_config,
    console_command as console_command,
    display_name as display_name,
    has_console as has_console,
    mfa_serial_placeholder as mfa_serial_placeholder,
    profile_name as profile_name,
    switch_role_url as switch_role_url,
    switch_role_urls_by_account as switch_role_urls_by_account,
    switch_roles_extension_config as switch_roles_extension_config,
)
from .iam.grammar import (
    ROLE_ARN_RE as ROLE_ARN_RE,  # re-exported
    RoleArn as RoleArn,
    parse_role_arn as parse_role_arn,
)

POLICY_VERSION = "2012-10-17"
TRUST_SID = "TrustedAccountsMayAssume"
NARROWED_TRUST_SID = "TrustedPrincipalsMayAssume"
ASSUME_SID = "AssumeCrossAccountRoles"


def _one_or_list(values: Sequence[str]) -> str | list[str]:
    """IAM reads a one-element list back as a string: write it that way to avoid diffs."""
    return values[0] if len(values) == 1 else list(values)


def account_root_arn(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:root"


SSO_ROLE_PATH = "aws-reserved/sso.amazonaws.com"
"""Where IAM Identity Center creates the roles of permission sets, as
``role/aws-reserved/sso.amazonaws.com/[<region>/]AWSReservedSSO_<permission set>_<unique suffix>``
(https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html; roles made
before the region segment was added have none)."""


def permission_set_patterns(partition: str, account_ids: Iterable[str], permission_set: str) -> list[str]:
    """``aws:PrincipalArn`` patterns for the roles Identity Center makes for a permission set in these accounts."""
    patterns = []
    for account in sorted(set(account_ids)):
        prefix = f"arn:{partition}:iam::{account}:role/{SSO_ROLE_PATH}"
        patterns.append(f"{prefix}/AWSReservedSSO_{permission_set}_*")
        patterns.append(f"{prefix}/*/AWSReservedSSO_{permission_set}_*")
    return patterns


USERNAME = "${aws:username}"
"""The policy variable for the caller's IAM user name."""
SOURCE_IDENTITY_MODES = ("allowed", "required", "username")
"""sourceIdentity values: callers may set one; must set one; must set their IAM user name."""


def trust_policy(
    partition: str,
    trusted_account_ids: Iterable[str],
    *,
    require_mfa: bool = False,
    mfa_max_age_seconds: int | None = None,
    external_id: str | Sequence[str] | None = None,
    organization_id: str | None = None,
    trusted_principal_arns: Iterable[str] = (),
    allow_session_tags: bool = False,
    source_identity: str | None = None,
    session_name_is_username: bool = False,
    expires_at: str | None = None,
    extra_conditions: Mapping[str, Mapping[str, str | Sequence[str]]] | None = None,
    sids: tuple[str, str] = (TRUST_SID, NARROWED_TRUST_SID),
) -> dict[str, Any]:
    """The role's trust policy: the trusted accounts may call ``sts:AssumeRole``.

    Principal patterns narrow only the accounts they name: an account that no
    pattern names is trusted whole, in a statement of its own, and the accounts
    that patterns name are trusted for the matching principals only
    (``aws:PrincipalArn``). Every other condition, ``extra_conditions``
    included, applies to every statement. Accounts and patterns are sorted, so
    reordering config changes nothing. ``mfa_max_age_seconds`` implies
    ``require_mfa``; ``external_id`` may list several ids (any of them is
    accepted). ``source_identity`` is None or one of ``SOURCE_IDENTITY_MODES``.
    ``sids`` are the Sids of the first statement and of the narrowed one when both are written
    (``caller_sids`` gives a caller entry's).
    """
    accounts = sorted(set(trusted_account_ids))
    patterns = sorted(set(trusted_principal_arns))
    narrowed = sorted({pattern.split(":")[4] for pattern in patterns})
    whole = [account for account in accounts if account not in narrowed]
    conditions = caller_conditions(
        require_mfa=require_mfa,
        mfa_max_age_seconds=mfa_max_age_seconds,
        external_id=external_id,
        organization_id=organization_id,
        source_identity=source_identity,
        session_name_is_username=session_name_is_username,
        expires_at=expires_at,
        extra_conditions=extra_conditions,
    )
    actions = caller_actions(source_identity=source_identity, allow_session_tags=allow_session_tags)
    action = _one_or_list(actions)
    statements = []
    if whole:
        statements.append(_trust_statement(sids[0], partition, whole, action, conditions))
    if narrowed:
        sid = sids[1] if whole else sids[0]
        arn_like = {**conditions.get("ArnLike", {}), "aws:PrincipalArn": _one_or_list(patterns)}
        statements.append(
            _trust_statement(sid, partition, narrowed, action, {**conditions, "ArnLike": arn_like})
        )
    return {"Version": POLICY_VERSION, "Statement": statements}


def caller_sids(name: str) -> tuple[str, str]:
    """The Sids of a caller entry's statements: its name, and ``<name>Principals`` for its principal
    patterns' statement when it also trusts accounts whole. Made of the name alone (IAM allows only
    ASCII letters and digits in a Sid), never of a list position, so reordering callers rewrites nothing."""
    return (name, f"{name}Principals")


def caller_conditions(
    *,
    require_mfa: bool = False,
    mfa_max_age_seconds: int | None = None,
    external_id: str | Sequence[str] | None = None,
    organization_id: str | None = None,
    source_identity: str | None = None,
    session_name_is_username: bool = False,
    expires_at: str | None = None,
    extra_conditions: Mapping[str, Mapping[str, str | Sequence[str]]] | None = None,
) -> dict[str, dict[str, Any]]:
    """The Condition block of a trust statement: what a caller must show (see ``trust_policy``)."""
    conditions: dict[str, dict[str, Any]] = {}
    if require_mfa or mfa_max_age_seconds is not None:
        conditions["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    if mfa_max_age_seconds is not None:
        conditions["NumericLessThan"] = {"aws:MultiFactorAuthAge": str(mfa_max_age_seconds)}
    string_equals: dict[str, Any] = {}
    if external_id is not None:
        ids = [external_id] if isinstance(external_id, str) else sorted(set(external_id))
        string_equals["sts:ExternalId"] = _one_or_list(ids)
    if organization_id is not None:
        string_equals["aws:PrincipalOrgID"] = organization_id
    if string_equals:
        conditions["StringEquals"] = string_equals
    string_like: dict[str, str] = {}
    if session_name_is_username:
        string_like["sts:RoleSessionName"] = USERNAME
    if source_identity == "username":
        string_like["sts:SourceIdentity"] = USERNAME
    if string_like:
        conditions["StringLike"] = string_like
    if source_identity == "required":
        conditions["Null"] = {"sts:SourceIdentity": "false"}
    if expires_at is not None:
        conditions["DateLessThan"] = {"aws:CurrentTime": expires_at}
    for operator, keys in sorted((extra_conditions or {}).items()):
        conditions[operator] = {
            **conditions.get(operator, {}),
            **{
                key: value if isinstance(value, str) else _one_or_list(list(value))
                for key, value in sorted(keys.items())
            },
        }
    return conditions


def caller_actions(*, source_identity: str | None = None, allow_session_tags: bool = False) -> list[str]:
    """sts:AssumeRole, and the session actions the caller may use with it."""
    actions = ["sts:AssumeRole"]
    if source_identity is not None:
        actions.append("sts:SetSourceIdentity")
    if allow_session_tags:
        actions.append("sts:TagSession")
    return actions


PROJECT_CONDITIONS: Mapping[tuple[str, str], str] = {
    ("Bool", "aws:MultiFactorAuthPresent"): "require_mfa",
    ("NumericLessThan", "aws:MultiFactorAuthAge"): "mfa_max_age_seconds",
    ("StringEquals", "sts:ExternalId"): "external_id/external_ids",
    ("StringEquals", "aws:PrincipalOrgID"): "organization_id",
    ("StringLike", "sts:RoleSessionName"): "session_name_is_username",
    ("StringLike", "sts:SourceIdentity"): "source_identity",
    ("Null", "sts:SourceIdentity"): "source_identity",
    ("DateLessThan", "aws:CurrentTime"): "expires_at",
    ("ArnLike", "aws:PrincipalArn"): "trusted_principal_arns/trusted_permission_sets",
}
"""The conditions (operator, key) the components write themselves, and the input that sets each."""


def _trust_statement(
    sid: str, partition: str, accounts: Sequence[str], action: str | list[str], conditions: Mapping[str, Any]
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": _one_or_list([account_root_arn(partition, a) for a in accounts])},
        "Action": action,
    }
    if conditions:
        statement["Condition"] = dict(conditions)
    return statement


SESSION_ACTIONS: Mapping[str, str] = {
    "sts:SetSourceIdentity": "AndSetSourceIdentity",
    "sts:TagSession": "AndTagSession",
}
"""Actions a trust policy may allow with sts:AssumeRole, which the caller's own policy must allow too,
and what each adds to the Sid of the statement that allows it."""


ORG_PATHS_SID = "AssumeCrossAccountRolesInOrganizationalUnits"
ORG_PATHS_KEY = "aws:ResourceOrgPaths"


@dataclass(frozen=True)
class OrganizationalUnitGrant:
    """sts:AssumeRole on a role in any account under some organization paths (``aws:ResourceOrgPaths``)."""

    role_arn_pattern: str
    """``arn:<partition>:iam::*:role/<path><name>``."""
    organization_paths: tuple[str, ...]
    """``o-.../r-.../ou-.../`` (or ``o-.../*/ou-.../``) paths; accounts under each, at any depth, are covered."""
    end: str = ""
    """RFC 3339 UTC end of the access, "" for none."""
    actions: tuple[str, ...] = ()
    """Of SESSION_ACTIONS: what the roles' trust policy allows besides sts:AssumeRole."""


def organizational_unit_statements(
    grants: Iterable[OrganizationalUnitGrant], *, require_mfa: bool = False
) -> list[dict[str, Any]]:
    """One statement per (paths, end, actions), after the statements of the role ARNs.

    ``aws:ResourceOrgPaths`` is multivalued: ``ForAnyValue:StringLike``, each path followed
    by ``*`` so that the accounts of the units under it are covered too. The Sid names the
    actions and the end as ``assume_role_policy``'s do, and a number when several share it.
    """
    groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], set[str]] = {}
    for grant in grants:
        unknown = [a for a in grant.actions if a not in SESSION_ACTIONS]
        if unknown:
            raise ValueError(f"{unknown} are not session actions; known: {sorted(SESSION_ACTIONS)}")
        key = (grant.end, tuple(sorted(set(grant.actions))), tuple(sorted(set(grant.organization_paths))))
        groups.setdefault(key, set()).add(grant.role_arn_pattern)
    statements = []
    seen: dict[str, int] = {}
    for end, actions, paths in sorted(groups):
        sid = ORG_PATHS_SID + "".join(SESSION_ACTIONS[a] for a in actions)
        sid += f"Until{re.sub('[^0-9]', '', end)}" if end else ""
        seen[sid] = seen.get(sid, 0) + 1
        condition: dict[str, Any] = {
            "ForAnyValue:StringLike": {ORG_PATHS_KEY: _one_or_list([f"{p}*" for p in paths])}
        }
        if require_mfa:
            condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
        if end:
            condition["DateLessThan"] = {"aws:CurrentTime": end}
        statements.append(
            {
                "Sid": sid if seen[sid] == 1 else f"{sid}{seen[sid]}",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", *actions] if actions else "sts:AssumeRole",
                "Resource": _one_or_list(sorted(groups[(end, actions, paths)])),
                "Condition": condition,
            }
        )
    return statements


def assume_role_policy(
    role_arns: Iterable[str],
    *,
    require_mfa: bool = False,
    ends: Mapping[str, str] | None = None,
    session_actions: Mapping[str, Iterable[str]] | None = None,
    grants: Iterable[OrganizationalUnitGrant] = (),
) -> dict[str, Any]:
    """The trusted side's policy: allow ``sts:AssumeRole`` on exactly these role ARNs.

    ``ends`` maps a role ARN to the end of its access (RFC 3339 UTC): those roles
    are allowed only while ``aws:CurrentTime`` is before it (``DateLessThan``).
    ``session_actions`` maps a role ARN to the actions of ``SESSION_ACTIONS``
    its trust policy allows (``sts:TagSession``, ``sts:SetSourceIdentity``):
    a caller that tags its session or sets a source identity needs them in its
    own policy too. Roles with neither share the statement
    ``AssumeCrossAccountRoles``, as they always did; roles with the same end and
    actions share one statement after it, whose Sid names them
    (``AssumeCrossAccountRolesAndTagSessionUntil20270331235959``), no end before
    ends in time order. ARNs are sorted in each statement, so the order given
    changes nothing. ``grants`` add the statements of ``organizational_unit_statements`` last.
    """
    ends, session_actions = ends or {}, session_actions or {}
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for arn in sorted(set(role_arns)):
        actions = tuple(sorted(set(session_actions.get(arn, ()))))
        unknown = [a for a in actions if a not in SESSION_ACTIONS]
        if unknown:
            raise ValueError(f"{unknown} are not session actions; known: {sorted(SESSION_ACTIONS)}")
        groups.setdefault((ends.get(arn, ""), actions), []).append(arn)
    statements = []
    for end, actions in sorted(groups):
        sid = ASSUME_SID + "".join(SESSION_ACTIONS[a] for a in actions)
        statement: dict[str, Any] = {
            "Sid": sid + (f"Until{re.sub('[^0-9]', '', end)}" if end else ""),
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", *actions] if actions else "sts:AssumeRole",
            "Resource": _one_or_list(groups[(end, actions)]),
        }
        condition: dict[str, Any] = {}
        if require_mfa:
            condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
        if end:
            condition["DateLessThan"] = {"aws:CurrentTime": end}
        if condition:
            statement["Condition"] = condition
        statements.append(statement)
    statements += organizational_unit_statements(grants, require_mfa=require_mfa)
    return {"Version": POLICY_VERSION, "Statement": statements}


def revoke_older_sessions_policy(issued_before: str) -> dict[str, Any]:
    """The deny the IAM console's "Revoke active sessions" writes as the role's inline policy
    ``AWSRevokeOlderSessions``: every action on every resource, for sessions whose token was
    issued before ``issued_before`` (RFC 3339 UTC). Sessions issued later are not touched.
    No Sid, as the console writes it."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": issued_before}},
            }
        ],
    }


def policy_size(document: Mapping[str, Any]) -> int:
    """Characters IAM counts against its size quotas (whitespace is not counted)."""
    return len(json.dumps(document, separators=(",", ":")))


TEMPLATE_FORMAT_VERSION = "2010-09-09"
ROLE_LOGICAL_ID = "CrossAccountRole"
"""The logical id of the role in the StackSet template (a rename would replace the role in every account)."""
TEMPLATE_BODY_MAX = 51200
"""CloudFormation's limit on a template passed in the request (TemplateBody), in bytes."""


def role_template(
    *,
    role_name: str,
    role_path: str,
    description: str,
    trust_policy: Mapping[str, Any],
    managed_policy_arns: Sequence[str],
    inline_policies: Mapping[str, Mapping[str, Any]],
    max_session_duration: int,
    permissions_boundary_arn: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A CloudFormation template that declares the role, as ``TrustingAccountRole`` registers it.

    The documents are the ones given (the same functions build them for both), set in the
    ``AWS::IAM::Role`` properties that mean what the ``aws.iam.Role``, ``RolePolicyAttachment``
    and ``RolePolicy`` inputs mean: ``AssumeRolePolicyDocument``, ``ManagedPolicyArns`` (sorted),
    ``Policies`` (by name), ``PermissionsBoundary``, ``Path``, ``MaxSessionDuration``, ``Tags``.
    The role's ARN is the stack's output ``RoleArn``.
    """
    properties: dict[str, Any] = {
        "RoleName": role_name,
        "Path": role_path,
        "Description": description,
        "AssumeRolePolicyDocument": dict(trust_policy),
        "MaxSessionDuration": max_session_duration,
    }
    if managed_policy_arns:
        properties["ManagedPolicyArns"] = sorted(managed_policy_arns)
    if inline_policies:
        properties["Policies"] = [
            {"PolicyName": name, "PolicyDocument": dict(inline_policies[name])}
            for name in sorted(inline_policies)
        ]
    if permissions_boundary_arn is not None:
        properties["PermissionsBoundary"] = permissions_boundary_arn
    if tags:
        properties["Tags"] = [{"Key": key, "Value": tags[key]} for key in sorted(tags)]
    return {
        "AWSTemplateFormatVersion": TEMPLATE_FORMAT_VERSION,
        "Description": f"Cross-account access role {role_path}{role_name}",
        "Resources": {ROLE_LOGICAL_ID: {"Type": "AWS::IAM::Role", "Properties": properties}},
        "Outputs": {
            "RoleArn": {
                "Description": "ARN of the role",
                "Value": {"Fn::GetAtt": [ROLE_LOGICAL_ID, "Arn"]},
            }
        },
    }


DYNAMIC_REFERENCE = re.compile(r"\{\{\s*resolve\s*:", re.ASCII | re.IGNORECASE)
"""How a CloudFormation dynamic reference starts (``{{resolve:``), matched without case or spaces: refusing a
spelling CloudFormation would not resolve costs nothing, missing one it would costs the role."""


def cloudformation_expression(value: Any, path: str = "") -> tuple[str, Any, str] | None:
    """The first part of ``value`` that CloudFormation would evaluate instead of copying: (where, it, what).

    CloudFormation reads every string of a template and resolves ``{{resolve:ssm:...}}``,
    ``{{resolve:ssm-secure:...}}`` and ``{{resolve:secretsmanager:...}}`` dynamic references in the
    account running the stack, and evaluates every one-key object whose key is ``Ref`` or starts with
    ``Fn::`` (intrinsic functions). IAM policy variables (``${aws:username}``) are left alone outside
    ``Fn::Sub``. ``where`` is the path inside ``value`` ("" for the value itself, ``.Statement[0].Resource``).
    Sources: AWS CloudFormation User Guide, "Get values stored in other services using dynamic
    references" and "Intrinsic function reference". Walked without recursion, so a value nested
    deeper than Python's stack is read (and refused for its depth elsewhere) rather than crashing.
    """
    pending: list[tuple[str, Any]] = [(path, value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, str):
            if DYNAMIC_REFERENCE.search(item):
                return (where, item, "dynamic reference")
        elif isinstance(item, Mapping):
            if len(item) == 1:
                (key,) = item
                if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
                    return (where, dict(item), "intrinsic function")
            children = []
            for key, child in item.items():
                if isinstance(key, str) and DYNAMIC_REFERENCE.search(key):
                    children.append((f"{where}.{key}", key))
                else:
                    children.append((f"{where}.{key}", child))
            pending.extend(reversed(children))
        elif isinstance(item, (list, tuple)):
            pending.extend(reversed([(f"{where}[{index}]", child) for index, child in enumerate(item)]))
    return None


def template_body(template: Mapping[str, Any]) -> str:
    """The template as the StackSet's TemplateBody: JSON, keys in a fixed order, no whitespace to count."""
    return json.dumps(template, separators=(",", ":"), sort_keys=True)


def role_arn_pattern(partition: str, role_path: str, role_name: str) -> str:
    """``arn:<partition>:iam::*:role/<path><name>``: the role in any account."""
    return f"arn:{partition}:iam::*:role{role_path}{role_name}"


EXTERNAL_ID_KEY = "sts:ExternalId"
EXTERNAL_ID_DIGEST_PREFIX = "sha256:"


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def external_id_digest(value: str) -> str:
    """What a trust policy's external id becomes in the audit baseline: a SHA-256 digest, never the value."""
    if value.startswith(EXTERNAL_ID_DIGEST_PREFIX):
        return value
    return EXTERNAL_ID_DIGEST_PREFIX + hashlib.sha256(f"cross-account-audit:{value}".encode()).hexdigest()


def condition_text(value: str | int | float | bool) -> str:
    """A condition value as IAM compares it: a JSON number or boolean (quotes are optional in a
    policy) as the text it was written as."""
    return value if isinstance(value, str) else json.dumps(value)


def with_external_ids(document: Any, replace: Callable[[str], Any]) -> Any:
    """``document`` with every value of an sts:ExternalId condition key (any operator, any case) replaced;
    ``replace`` gets each value as text (a number written without quotes too)."""
    if isinstance(document, Mapping):
        return {
            key: (
                [replace(condition_text(v)) if _scalar(v) else v for v in value]
                if key.lower() == EXTERNAL_ID_KEY.lower() and isinstance(value, list)
                else replace(condition_text(value))
                if key.lower() == EXTERNAL_ID_KEY.lower() and _scalar(value)
                else with_external_ids(value, replace)
            )
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [with_external_ids(item, replace) for item in document]
    return document
