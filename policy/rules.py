"""Guardrails for AWS cross-account access, as Pulumi policies.

Each rule is a named plain function over one resource (or, for the one rule
that needs to link resources, over the whole stack) and ``POLICIES`` is the
list the pack in ``__main__.py`` is built from. Tests and other tools import
this module and run the same rules without starting the pack.

Every rule reads its settings from its own pack config (``args.get_config()``,
filled from ``--policy-pack-config``), falling back to the defaults below, and
accepts numbers as the CLI hands them over (JSON numbers arrive as floats).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

# Resource types (pulumi-aws type tokens) ------------------------------------

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY = "aws:iam/policy:Policy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
EXCLUSIVE_ATTACHMENTS = {
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": ("role", "roleName"),
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": ("user", "userName"),
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": ("group", "groupName"),
}
"""Resources that own every managed policy attachment of one principal: type -> (principal, its property)."""
GROUP_MEMBERSHIP = "aws:iam/groupMembership:GroupMembership"
ROLE_POLICIES_EXCLUSIVE = "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive"
"""Owns every inline policy of one role."""
REVOKE_SESSIONS_POLICY = "AWSRevokeOlderSessions"
"""The inline policy the IAM console's "Revoke active sessions" writes on a role."""
STACK_SET = "aws:cloudformation/stackSet:StackSet"
"""A StackSet's template may declare roles (rolloutMode stackset): the role rules read them too."""

IDENTITY_POLICY_TYPES = (POLICY, ROLE_POLICY, USER_POLICY, GROUP_POLICY)
"""Resources whose ``policy`` property is an identity policy document."""

# Defaults of the pack config ------------------------------------------------

DEFAULT_REQUIRE_CONDITION = False
DEFAULT_INTERNAL_ACCOUNT_IDS: tuple[str, ...] = ()
DEFAULT_REQUIRE_END_DATE = False
PLACEHOLDER_ACCOUNT_IDS = ("111122223333", "444455556666", "123456789012", "012345678901")
"""Account ids AWS's documentation uses as examples (as cross_account.limits lists them; the pack
runs without that package): never anyone's own account, so never internal."""
DEFAULT_ALLOWED_POLICIES: tuple[str, ...] = ()
DEFAULT_PROTECTED_ROLE_NAMES: tuple[str, ...] = ()
DEFAULT_MAX_SESSION_SECONDS = 3600
"""The ceiling on a role's maximum session: one hour, the AWS default."""
AWS_DEFAULT_SESSION_SECONDS = 3600
"""What AWS uses when a role sets no maxSessionDuration."""

ADMIN_POLICIES: Mapping[str, str] = {
    "AdministratorAccess": "*",
    "IAMFullAccess": "iam:*",
}
"""AWS managed policies too broad for a cross-account role, and the inline action that equals each."""

CONDITION_KEYS = (
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "sts:ExternalId",
    "aws:PrincipalOrgID",
)
"""Trust conditions that count when the pack requires one (MFA, external id, organization)."""

# ASCII only; whole strings are matched with fullmatch (no `$` before a final newline).
ACCOUNT_ID_RE = re.compile(r"[0-9]{12}", re.ASCII)
PRINCIPAL_ACCOUNT_RE = re.compile(r"arn:[^:]*:(?:iam|sts)::(?P<account>[^:]*):", re.ASCII)
ROLE_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::(?P<account>[0-9]{12}):role/(?P<path_and_name>.+)", re.ASCII)
ORG_PATH_RE = re.compile(r"o-[a-z0-9]{10,32}/", re.ASCII)
ROLE_ARN_ANY_ACCOUNT_RE = re.compile(r"arn:aws[a-z-]*:iam::\*:role/(?P<path_and_name>.+)", re.ASCII)
"""A role in any account: allowed only under an aws:ResourceOrgPaths condition."""
AWS_MANAGED_POLICY_RE = re.compile(r"arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?(?P<name>[^/]+)", re.ASCII)


# Reading documents and config -------------------------------------------------


def policy_document(value: Any) -> dict[str, Any] | None:
    """A policy document from a resource property: a JSON string or an object; None if neither."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return dict(value) if isinstance(value, Mapping) else None


def as_list(value: Any) -> list[Any]:
    """IAM's "one value or a list" as a list."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)  # lists arrive as read-only Sequence proxies inside the pack
    return [value]


def statements(document: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if document is None:
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def allow_statements(document: Mapping[str, Any] | None) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(label, statement) for each Allow statement; the label is its Sid or its position."""
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") == "Allow":
            yield str(statement.get("Sid") or f"#{index + 1}"), statement


def aws_principals(statement: Mapping[str, Any]) -> list[str]:
    """The AWS principals a statement names (``"*"`` for ``Principal: "*"``)."""
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, Mapping):
        return [str(p) for p in as_list(principal.get("AWS"))]
    return []


def principal_account(principal: str) -> str | None:
    """The account of an AWS principal (id, root or user/role ARN); None for a wildcard account."""
    if ACCOUNT_ID_RE.fullmatch(principal):
        return principal
    match = PRINCIPAL_ACCOUNT_RE.match(principal)
    if match and ACCOUNT_ID_RE.fullmatch(match["account"]):
        return match["account"]
    return None


def has_wildcard(principal: str) -> bool:
    return "*" in principal or "?" in principal


def condition_keys(statement: Mapping[str, Any]) -> set[str]:
    """Condition keys (lower case) that the statement requires, not merely tests if present.

    ``...IfExists`` and ``Null`` operators do not require the key, nor does
    ``aws:MultiFactorAuthPresent`` compared with anything but true.
    """
    found: set[str] = set()
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return found
    for operator, block in condition.items():
        op = str(operator).lower()
        if op == "null" or op.endswith("ifexists") or not isinstance(block, Mapping):
            continue
        for key, value in block.items():
            name = str(key).lower()
            if name == "aws:multifactorauthpresent" and any(str(v).lower() != "true" for v in as_list(value)):
                continue
            found.add(name)
    return found


def config_bool(config: Mapping[str, Any], key: str, default: bool) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"policy config {key}: {value!r} must be true or false")
    return value


def config_int(config: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise ValueError(f"policy config {key}: {value!r} must be a whole number")
    value = int(value)  # JSON numbers reach the pack as floats
    if not low <= value <= high:
        raise ValueError(f"policy config {key}: {value!r} must be {low}..{high}")
    return value


def config_strings(config: Mapping[str, Any], key: str, default: Sequence[str]) -> tuple[str, ...]:
    value = config.get(key, default)
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"policy config {key}: {value!r} must be a list of strings")
    if not all(isinstance(v, str) for v in value):
        raise ValueError(f"policy config {key}: {value!r} must be a list of strings (quote account ids)")
    return tuple(value)


def config_account_ids(config: Mapping[str, Any], key: str) -> tuple[str, ...]:
    ids = config_strings(config, key, DEFAULT_INTERNAL_ACCOUNT_IDS)
    bad = [i for i in ids if not ACCOUNT_ID_RE.fullmatch(i)]
    if bad:
        raise ValueError(f"policy config {key}: {bad!r} are not 12-digit AWS account ids")
    examples = [i for i in ids if i in PLACEHOLDER_ACCOUNT_IDS]
    if examples:
        raise ValueError(
            f"policy config {key}: {examples!r} are account ids AWS's documentation uses as examples, "
            "not accounts of yours: list your own account ids"
        )
    return ids


def role_label(args: ResourceValidationArgs) -> str:
    name = args.props.get("name")
    return f"role {name!r}" if isinstance(name, str) else f"role resource {args.name!r}"


def template_roles(props: Mapping[str, Any], resource_name: str) -> list[tuple[str, dict[str, Any]]]:
    """The AWS::IAM::Role resources of a StackSet's JSON template, as (label, props of an aws.iam.Role).

    Their inline (``Policies``) and managed (``ManagedPolicyArns``) policies become ``inlinePolicies``
    and ``managedPolicyArns``, as an ``aws.iam.Role`` would carry them. A template that is not JSON
    (YAML, or unknown in a preview) is reported by the rules, never skipped silently.
    """
    template = policy_document(props.get("templateBody"))
    if template is None:
        return [(f"StackSet {props.get('name') or resource_name!r}", {"unreadable": True})]
    found = []
    resources = template.get("Resources")
    for logical_id, resource in resources.items() if isinstance(resources, Mapping) else ():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::IAM::Role":
            continue
        role = resource.get("Properties")
        role = role if isinstance(role, Mapping) else {}
        name = role.get("RoleName", logical_id)
        found.append(
            (
                f"StackSet {props.get('name') or resource_name!r} role {name!r}",
                {
                    "name": name,
                    "assumeRolePolicy": role.get("AssumeRolePolicyDocument"),
                    "maxSessionDuration": role.get("MaxSessionDuration"),
                    "managedPolicyArns": role.get("ManagedPolicyArns"),
                    "inlinePolicies": [
                        {"name": p.get("PolicyName"), "policy": p.get("PolicyDocument")}
                        for p in as_list(role.get("Policies"))
                        if isinstance(p, Mapping)
                    ],
                },
            )
        )
    return found


def roles_of(args: Any) -> Sequence[tuple[str, Mapping[str, Any]]]:
    """(label, role props) of the roles a resource makes: an aws.iam.Role, or those of a StackSet's template."""
    if args.resource_type == ROLE:
        return [(role_label(args), args.props)]
    if args.resource_type == STACK_SET:
        return template_roles(args.props, args.name)
    return []


def unreadable(label: str, props: Mapping[str, Any], report_violation: ReportViolation) -> bool:
    """Report a StackSet template the rules cannot read (they would otherwise pass it unseen)."""
    if props.get("unreadable"):
        report_violation(
            f"{label}: the template is not JSON, so the roles it may declare cannot be checked: "
            "give the template as JSON",
            None,
        )
        return True
    return False


# 1. No open trust policy ------------------------------------------------------


def no_open_trust_policy(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A role's trust policy must not trust ``*`` (or every principal but some, with NotPrincipal).

    With ``requireCondition``, every statement that trusts AWS principals must
    also require MFA, an external id or the organization.
    """
    require_condition = config_bool(args.get_config(), "requireCondition", DEFAULT_REQUIRE_CONDITION)
    for label, props in roles_of(args):
        if not unreadable(label, props, report_violation):
            _open_trust(label, props, require_condition, report_violation)


def _open_trust(
    label: str, props: Mapping[str, Any], require_condition: bool, report_violation: ReportViolation
) -> None:
    for sid, statement in allow_statements(policy_document(props.get("assumeRolePolicy"))):
        if "NotPrincipal" in statement:
            report_violation(
                f"{label}: trust statement {sid} allows NotPrincipal, which trusts every principal "
                "it does not list: name the trusted accounts in Principal",
                None,
            )
            continue
        principals = aws_principals(statement)
        wild = [p for p in principals if has_wildcard(p)]
        if wild:
            report_violation(
                f"{label}: trust statement {sid} trusts {wild}: a wildcard principal lets any AWS "
                "account assume the role; name the trusted accounts",
                None,
            )
            continue
        if require_condition and principals:
            keys = condition_keys(statement)
            if not any(k.lower() in keys for k in CONDITION_KEYS):
                report_violation(
                    f"{label}: trust statement {sid} trusts {sorted(principals)} without a condition: "
                    f"require one of {list(CONDITION_KEYS)} (MFA, an external id or the organization)",
                    None,
                )


# 2. Third parties need an external id --------------------------------------


def ends(statement: Mapping[str, Any]) -> bool:
    """The statement allows only until a date (``DateLessThan``/``DateLessThanEquals`` on ``aws:CurrentTime``)."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    return any(
        str(operator).lower() in ("datelessthan", "datelessthanequals")
        and isinstance(block, Mapping)
        and any(str(key).lower() == "aws:currenttime" for key in block)
        for operator, block in condition.items()
    )


def third_party_requires_external_id(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A role trusting an account outside ``internalAccountIds`` must require ``sts:ExternalId``
    (and, with ``requireEndDate``, end at a date)."""
    internal = set(config_account_ids(args.get_config(), "internalAccountIds"))
    require_end = config_bool(args.get_config(), "requireEndDate", DEFAULT_REQUIRE_END_DATE)
    for label, props in roles_of(args):
        _third_parties(label, props, internal, require_end, report_violation)


def _third_parties(
    label: str,
    props: Mapping[str, Any],
    internal: set[str],
    require_end: bool,
    report_violation: ReportViolation,
) -> None:
    for sid, statement in allow_statements(policy_document(props.get("assumeRolePolicy"))):
        accounts = {a for a in map(principal_account, aws_principals(statement)) if a is not None}
        third_parties = sorted(accounts - internal)
        if third_parties and require_end and not ends(statement):
            report_violation(
                f"{label}: trust statement {sid} trusts {third_parties}, not in internalAccountIds, with no "
                "end date: with requireEndDate a third party's access must end (DateLessThan "
                "aws:CurrentTime; the program's expiresAt)",
                None,
            )
        if third_parties and "sts:externalid" not in condition_keys(statement):
            report_violation(
                f"{label}: trust statement {sid} trusts {third_parties}, not in internalAccountIds "
                f"{sorted(internal)}, without an sts:ExternalId condition: a third party must be "
                "required to pass an external id (the confused-deputy problem); set the role's "
                "external id, or list the account in internalAccountIds if it is yours",
                None,
            )


# 3. No administrator policies on cross-account roles -----------------------


def is_cross_account_role(props: Mapping[str, Any]) -> bool:
    """The role's trust policy lets AWS principals (accounts, users, roles) assume it."""
    document = policy_document(props.get("assumeRolePolicy"))
    return any(aws_principals(statement) for _, statement in allow_statements(document))


def admin_policy_name(policy_arn: Any) -> str | None:
    """``AdministratorAccess`` or ``IAMFullAccess`` when the ARN is that AWS managed policy."""
    if not isinstance(policy_arn, str):
        return None
    match = AWS_MANAGED_POLICY_RE.fullmatch(policy_arn)
    if match and match["name"] in ADMIN_POLICIES:
        return match["name"]
    return None


def inline_admin_actions(document: Mapping[str, Any] | None) -> list[str]:
    """The admin policies an inline document amounts to: ``*`` (or ``*:*``) or ``iam:*`` on ``*``."""
    found = []
    for _, statement in allow_statements(document):
        if "*" not in as_list(statement.get("Resource")):
            continue
        actions = {str(a).lower() for a in as_list(statement.get("Action"))}
        for name, action in ADMIN_POLICIES.items():
            if action in actions or (action == "*" and "*:*" in actions):
                found.append(name)
    return sorted(set(found))


def _allowed(name: str, policy_arn: str | None, allowed: Iterable[str]) -> bool:
    allowed = set(allowed)
    return name in allowed or (policy_arn is not None and policy_arn in allowed)


def no_admin_on_cross_account_role(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """No AdministratorAccess / IAMFullAccess (or ``*`` / ``iam:*`` inline) on a cross-account role."""
    allowed = config_strings(args.get_config(), "allowedPolicies", DEFAULT_ALLOWED_POLICIES)
    roles = {
        r.props.get("name"): r
        for r in args.resources
        if r.resource_type == ROLE and is_cross_account_role(r.props)
    }
    in_templates = [
        (r, props)
        for r in args.resources
        if r.resource_type == STACK_SET
        for _, props in template_roles(r.props, r.name)
        if is_cross_account_role(props)
    ]

    def check(role_name: Any, name: str, arn: str | None, where: str, urn: str) -> None:
        if not _allowed(name, arn, allowed):
            report_violation(
                f"cross-account role {role_name!r} gets {name} ({where}): a role other accounts may "
                "assume must not administer this account; attach narrower permissions, or list "
                f"{arn or name!r} in allowedPolicies if this is intended",
                urn,
            )

    for role_name, role, props in [
        *((n, r, r.props) for n, r in roles.items()),
        *((props.get("name"), r, props) for r, props in in_templates),
    ]:
        for arn in as_list(props.get("managedPolicyArns")):
            name = admin_policy_name(arn)
            if name:
                check(role_name, name, arn, "managedPolicyArns", role.urn)
        for inline in as_list(props.get("inlinePolicies")):
            if isinstance(inline, Mapping):
                for name in inline_admin_actions(policy_document(inline.get("policy"))):
                    check(role_name, name, None, f"inline policy {inline.get('name')!r}", role.urn)
    for resource in args.resources:
        role_name = resource.props.get("role")
        if role_name not in roles:
            continue
        if resource.resource_type == ROLE_POLICY_ATTACHMENT:
            arn = resource.props.get("policyArn")
            name = admin_policy_name(arn)
            if name:
                check(role_name, name, arn, f"attachment {resource.name!r}", resource.urn)
        elif resource.resource_type == ROLE_POLICY:
            for name in inline_admin_actions(policy_document(resource.props.get("policy"))):
                check(role_name, name, None, f"inline policy {resource.name!r}", resource.urn)


# 4. sts:AssumeRole names role ARNs -------------------------------------------


def grants_assume_role(statement: Mapping[str, Any]) -> bool:
    """The statement's ``sts:`` actions (or NotAction) allow ``sts:AssumeRole``."""
    if "NotAction" in statement:
        excluded = [str(a).lower() for a in as_list(statement.get("NotAction"))]
        return not any(fnmatch.fnmatchcase("sts:assumerole", a) for a in excluded)
    actions = [str(a).lower() for a in as_list(statement.get("Action"))]
    return any(a.startswith("sts:") and fnmatch.fnmatchcase("sts:assumerole", a) for a in actions)


def names_a_role(resource: Any, under_org_paths: bool = False) -> bool:
    """A role ARN in a named account whose path/name is not only wildcards; with ``under_org_paths``
    (the statement requires aws:ResourceOrgPaths), the account may be ``*``."""
    match = ROLE_ARN_RE.fullmatch(str(resource))
    if match is None and under_org_paths:
        match = ROLE_ARN_ANY_ACCOUNT_RE.fullmatch(str(resource))
    return match is not None and match["path_and_name"].strip("*?/") != ""


def requires_org_paths(statement: Mapping[str, Any]) -> bool:
    """The statement holds only under ``ForAnyValue:StringLike`` (or ``StringEquals``) on
    ``aws:ResourceOrgPaths`` with paths of a named organization. (``ForAllValues`` would not do: it
    holds when the key is missing.)"""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    for operator, block in condition.items():
        if str(operator).lower() not in ("foranyvalue:stringlike", "foranyvalue:stringequals"):
            continue
        for key, values in block.items() if isinstance(block, Mapping) else ():
            paths = [str(v) for v in as_list(values)]
            if (
                str(key).lower() == "aws:resourceorgpaths"
                and paths
                and all(ORG_PATH_RE.match(v) for v in paths)
            ):
                return True
    return False


def identity_documents(args: ResourceValidationArgs) -> list[tuple[str, dict[str, Any] | None]]:
    """(what, document) for each identity policy the resource carries."""
    if args.resource_type in IDENTITY_POLICY_TYPES:
        return [
            (f"policy {args.props.get('name') or args.name!r}", policy_document(args.props.get("policy")))
        ]
    return [
        (f"{label} inline policy {p.get('name')!r}", policy_document(p.get("policy")))
        for label, props in roles_of(args)
        for p in as_list(props.get("inlinePolicies"))
        if isinstance(p, Mapping)
    ]


def assume_role_names_role_arns(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A statement allowing ``sts:AssumeRole`` must list role ARNs, never ``*`` or NotResource."""
    for what, document in identity_documents(args):
        for sid, statement in allow_statements(document):
            if not grants_assume_role(statement):
                continue
            if "NotResource" in statement:
                report_violation(
                    f"{what}: statement {sid} allows sts:AssumeRole with NotResource, i.e. on every "
                    "role it does not list: name the role ARNs in Resource",
                    None,
                )
                continue
            paths = requires_org_paths(statement)
            bad = [r for r in as_list(statement.get("Resource")) if not names_a_role(r, paths)]
            if bad:
                report_violation(
                    f"{what}: statement {sid} allows sts:AssumeRole on {bad}: name the roles "
                    "(arn:<partition>:iam::<account>:role/<name>, or arn:<partition>:iam::*:role/<name> "
                    "under an aws:ResourceOrgPaths condition), never '*'",
                    None,
                )


# 5. No exclusive PolicyAttachment --------------------------------------------


def no_exclusive_policy_attachment(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``aws.iam.PolicyAttachment`` owns every attachment of its policy account-wide; the
    ``*PolicyAttachmentsExclusive`` resources own every managed policy of one role, user or group."""
    if args.resource_type == POLICY_ATTACHMENT:
        report_violation(
            f"aws.iam.PolicyAttachment {args.name!r} is exclusive: it detaches "
            f"{args.props.get('policyArn')!r} from every user, group and role it does not list, "
            "across the whole account; use RolePolicyAttachment, UserPolicyAttachment or "
            "GroupPolicyAttachment",
            None,
        )
    elif args.resource_type in EXCLUSIVE_ATTACHMENTS:
        principal, prop = EXCLUSIVE_ATTACHMENTS[args.resource_type]
        kind = args.resource_type.rsplit(":", 1)[1]
        report_violation(
            f"aws.iam.{kind} {args.name!r} is exclusive: it detaches from {principal} "
            f"{args.props.get(prop)!r} every managed policy it does not list, including those other "
            "stacks and teams attached and a deny attached in an incident (AWSDenyAll); use one "
            f"{principal.title()}PolicyAttachment per policy",
            None,
        )


# 6. No exclusive GroupMembership ------------------------------------------


def no_exclusive_group_membership(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``aws.iam.GroupMembership`` owns every member of its group."""
    if args.resource_type != GROUP_MEMBERSHIP:
        return
    report_violation(
        f"aws.iam.GroupMembership {args.name!r} is exclusive: it removes from group "
        f"{args.props.get('group')!r} every user it does not list, whoever added them; use one "
        "UserGroupMembership per user, which leaves the user's other groups and the group's other "
        "members alone",
        None,
    )


# 7. No exclusive inline policies or attachments on a protected role ---------


def is_protected_role(props: Mapping[str, Any], patterns: Sequence[str]) -> bool:
    """A role the pack protects: one other accounts may assume, or one ``protectedRoleNames`` names.

    Patterns are shell-style (``*``, ``?``) and, as IAM names, matched without regard to case.
    """
    name = props.get("name")
    if isinstance(name, str) and any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns):
        return True
    return is_cross_account_role(props)


def no_exclusive_role_policies(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Nothing may own every inline policy (or every managed policy) of a protected role: it would delete
    ``AWSRevokeOlderSessions``, the deny the console's "Revoke active sessions" writes in an incident,
    or detach a deny attached in one (``AWSDenyAll``), at the next ``pulumi up``."""
    if args.resource_type == ROLE_POLICIES_EXCLUSIVE:
        report_violation(
            f"aws.iam.RolePoliciesExclusive {args.name!r} is exclusive: it deletes from role "
            f"{args.props.get('roleName')!r} every inline policy it does not list, including "
            f"{REVOKE_SESSIONS_POLICY}, the deny the console's Revoke active sessions writes in an incident, "
            "so the next pulumi up lifts the revocation; use one RolePolicy per policy",
            None,
        )
        return
    if args.resource_type != ROLE:
        return
    patterns = config_strings(args.get_config(), "protectedRoleNames", DEFAULT_PROTECTED_ROLE_NAMES)
    present = set(args.props)  # the keys only: a value unknown in preview still counts as set
    exclusive = [key for key in ("inlinePolicies", "managedPolicyArns") if key in present]
    if not exclusive or not is_protected_role(args.props, patterns):
        return
    label = role_label(args)
    if "inlinePolicies" in exclusive:
        report_violation(
            f"{label}: inlinePolicies makes the role's inline policies exclusive (even set to []): pulumi up "
            f"deletes every inline policy it does not list, including {REVOKE_SESSIONS_POLICY}, the deny the "
            "console's Revoke active sessions writes in an incident; use one aws.iam.RolePolicy per policy",
            None,
        )
    if "managedPolicyArns" in exclusive:
        report_violation(
            f"{label}: managedPolicyArns makes the role's managed policies exclusive (even set to []): pulumi "
            "up detaches every managed policy it does not list, including a deny attached in an incident "
            "(AWSDenyAll) and policies other stacks attached; use one aws.iam.RolePolicyAttachment per policy",
            None,
        )


# 8. Session ceiling ----------------------------------------------------------


def max_session_duration_ceiling(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A role's maxSessionDuration must not exceed ``maxSessionSeconds``."""
    ceiling = config_int(args.get_config(), "maxSessionSeconds", DEFAULT_MAX_SESSION_SECONDS, 3600, 43200)
    for label, props in roles_of(args):
        duration = props.get("maxSessionDuration")
        seconds = AWS_DEFAULT_SESSION_SECONDS if duration is None else int(duration)
        if seconds > ceiling:
            report_violation(
                f"{label}: maxSessionDuration {seconds} s is over the {ceiling} s ceiling "
                "(maxSessionSeconds): stolen session credentials stay valid that long; shorten it "
                "or raise the ceiling",
                None,
            )


# The pack --------------------------------------------------------------------

_ACCOUNT_LIST = {"type": "array", "items": {"type": "string", "pattern": r"^\d{12}$"}}

POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    ResourceValidationPolicy(
        name="no-open-trust-policy",
        description="Role trust policies name the trusted accounts: no '*' principal, no NotPrincipal "
        "(and, with requireCondition, no trust without MFA, external id or organization condition).",
        validate=no_open_trust_policy,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.CRITICAL,
        remediation_steps=(
            "Name the trusted accounts (or principals) in the trust policy's Principal: never '*', an ARN "
            "with a '*' account, or NotPrincipal with Allow; with requireCondition, add an MFA, "
            "sts:ExternalId or aws:PrincipalOrgID condition to each statement."
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
        config_schema=PolicyConfigSchema(
            {
                "requireCondition": {
                    "type": "boolean",
                    "default": DEFAULT_REQUIRE_CONDITION,
                    "description": "Every trusted AWS principal must come with an MFA, sts:ExternalId "
                    "or aws:PrincipalOrgID condition.",
                }
            }
        ),
    ),
    ResourceValidationPolicy(
        name="third-party-requires-external-id",
        description="A role trusting an account outside internalAccountIds requires sts:ExternalId.",
        validate=third_party_requires_external_id,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        remediation_steps=(
            "Require the external id the third party gave you (the program's externalIds), or list the "
            "account in internalAccountIds if it is yours; with requireEndDate, also set expiresAt."
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
        config_schema=PolicyConfigSchema(
            {
                "internalAccountIds": {
                    **_ACCOUNT_LIST,
                    "default": list(DEFAULT_INTERNAL_ACCOUNT_IDS),
                    "description": "Your own accounts; every other account is a third party.",
                },
                "requireEndDate": {
                    "type": "boolean",
                    "default": DEFAULT_REQUIRE_END_DATE,
                    "description": "A third party's access must also end at a date (DateLessThan "
                    "aws:CurrentTime, the program's expiresAt).",
                },
            }
        ),
    ),
    StackValidationPolicy(
        name="no-admin-on-cross-account-role",
        description="No AdministratorAccess or IAMFullAccess (or '*' / 'iam:*' inline) on a role "
        "that other accounts may assume.",
        validate=no_admin_on_cross_account_role,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.CRITICAL,
        remediation_steps=(
            "Replace AdministratorAccess / IAMFullAccess (or the inline '*' / 'iam:*') with the least the "
            "callers need; if the role must be an administrator, name the policy in allowedPolicies."
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
        config_schema=PolicyConfigSchema(
            {
                "allowedPolicies": {
                    "type": "array",
                    "items": {"type": "string"},
                    "default": list(DEFAULT_ALLOWED_POLICIES),
                    "description": "Admin policies allowed anyway, by name (AdministratorAccess, "
                    "IAMFullAccess; also allows the inline equivalent) or ARN.",
                }
            }
        ),
    ),
    ResourceValidationPolicy(
        name="assume-role-names-role-arns",
        description="Policies allowing sts:AssumeRole name role ARNs, never Resource '*'.",
        validate=assume_role_names_role_arns,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        remediation_steps=(
            "Allow sts:AssumeRole on the ARNs of the roles the principals may assume, in named accounts "
            "(arn:aws:iam::<account>:role/<path><name>), or on a role in any account only under "
            "ForAnyValue:StringLike aws:ResourceOrgPaths with your organization's paths; never Resource '*' "
            "or NotResource."
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html",
    ),
    ResourceValidationPolicy(
        name="no-exclusive-policy-attachment",
        description="No aws.iam.PolicyAttachment (it detaches its policy from everyone else in the account) "
        "and no Role/User/GroupPolicyAttachmentsExclusive (they detach every other policy of the principal).",
        validate=no_exclusive_policy_attachment,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        remediation_steps=(
            "Use aws.iam.RolePolicyAttachment, UserPolicyAttachment or GroupPolicyAttachment, one per "
            "principal and policy, instead of PolicyAttachment or the ...PolicyAttachmentsExclusive "
            "resources."
        ),
        url="https://www.pulumi.com/registry/packages/aws/api-docs/iam/policyattachment/",
    ),
    ResourceValidationPolicy(
        name="no-exclusive-group-membership",
        description="No aws.iam.GroupMembership: it removes every other member from the group.",
        validate=no_exclusive_group_membership,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        remediation_steps="Use one aws.iam.UserGroupMembership per user instead of aws.iam.GroupMembership.",
        url="https://www.pulumi.com/registry/packages/aws/api-docs/iam/groupmembership/",
    ),
    ResourceValidationPolicy(
        name="no-exclusive-role-policies",
        description="No aws.iam.RolePoliciesExclusive, and no inlinePolicies or managedPolicyArns on a "
        "protected role: they delete AWSRevokeOlderSessions, the console's session revocation.",
        validate=no_exclusive_role_policies,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        remediation_steps=(
            "Remove RolePoliciesExclusive and the role's inlinePolicies / managedPolicyArns; attach policies"
            " with aws.iam.RolePolicy and aws.iam.RolePolicyAttachment, and revoke sessions with the "
            "program's revokeSessionsIssuedBefore."
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html",
        config_schema=PolicyConfigSchema(
            {
                "protectedRoleNames": {
                    "type": "array",
                    "items": {"type": "string"},
                    "default": list(DEFAULT_PROTECTED_ROLE_NAMES),
                    "description": "Role names (shell patterns, any case) protected besides every role "
                    'other accounts may assume; ["*"] protects every role.',
                }
            }
        ),
    ),
    ResourceValidationPolicy(
        name="max-session-duration-ceiling",
        description="A role's maximum session duration stays under the configured ceiling.",
        validate=max_session_duration_ceiling,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
        remediation_steps=(
            "Lower the role's maxSessionDuration to the ceiling (maxSessionSeconds) or less, or raise the "
            "ceiling in the pack's config."
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html",
        config_schema=PolicyConfigSchema(
            {
                "maxSessionSeconds": {
                    "type": "integer",
                    "minimum": 3600,
                    "maximum": 43200,
                    "default": DEFAULT_MAX_SESSION_SECONDS,
                    "description": "The longest maxSessionDuration allowed, in seconds.",
                }
            }
        ),
    ),
]
"""Every rule of the pack, in the order the pack reports them."""
