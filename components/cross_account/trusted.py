"""TrustedAccountAccess: lets users, groups and roles of the trusted account assume the roles."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_aws as aws

from . import limits, validation as check
from .documents import (
    CliProfile,
    ExtensionEntry,
    OrganizationalUnitGrant,
    assume_role_policy,
    aws_cli_config,
    console_command,
    has_console,
    mfa_serial_placeholder,
    policy_size,
    switch_role_url,
    switch_roles_extension_config,
)
from .invokes import caller_identity
from .validation import InvalidInputError, Reporter, ResolvedInputError


class RoleRequirement(TypedDict):
    """What the trust policy of one role requires of its callers (the outputs of the role's trusting stack)."""

    role_arn: pulumi.Input[str]
    """ARN of the role, one of role_arns."""
    external_id_required: NotRequired[pulumi.Input[bool]]
    """The role requires sts:ExternalId: its CLI profile gets an external_id placeholder and the extension leaves it out. Default role_requires_external_id."""
    mfa_required: NotRequired[pulumi.Input[bool]]
    """The role requires MFA: its CLI profile gets an mfa_serial. Default role_requires_mfa."""
    session_name_required: NotRequired[pulumi.Input[bool]]
    """The role requires the session name to be the caller's IAM user name: its CLI profile gets a role_session_name placeholder. Default false."""
    source_identity_required: NotRequired[pulumi.Input[bool]]
    """The role requires a source identity, which CLI profiles and the console cannot set: its CLI profile says so and the extension leaves it out. Default false."""
    session_tags_allowed: NotRequired[pulumi.Input[bool]]
    """The role lets callers tag their session: the assume-role policies allow sts:TagSession on it too. Default false."""
    source_identity_allowed: NotRequired[pulumi.Input[bool]]
    """The role lets callers set a source identity: the assume-role policies allow sts:SetSourceIdentity on it too (so does source_identity_required). Default false."""
    expires_at: NotRequired[pulumi.Input[str]]
    """When the role's trust ends, RFC 3339 UTC ("" for never): the assume-role policies allow the role only until then, or until expires_at if that is earlier."""


class OrganizationalUnitAccess(TypedDict):
    """sts:AssumeRole on one role in every account under some organization paths, those joining later included."""

    role_arn_pattern: pulumi.Input[str]
    """arn:<partition>:iam::*:role/<path><name>: the role, in any account (a stackset-mode rollout's roleArnPattern)."""
    organization_paths: pulumi.Input[Sequence[pulumi.Input[str]]]
    """AWS Organizations paths, o-<id>/r-<root>/ou-<unit>/ (or o-<id>/*/ou-<unit>/): the role may be assumed in accounts under them (aws:ResourceOrgPaths), at any depth."""
    session_tags_allowed: NotRequired[pulumi.Input[bool]]
    """The roles let callers tag their session: the policy allows sts:TagSession on them too. Default false."""
    source_identity_allowed: NotRequired[pulumi.Input[bool]]
    """The roles let callers set a source identity: the policy allows sts:SetSourceIdentity on them too. Default false."""
    expires_at: NotRequired[pulumi.Input[str]]
    """When the roles' trust ends, RFC 3339 UTC ("" for never): allowed only until then, or until expires_at if earlier."""


class TrustedPrincipals(TypedDict):
    """What got the assume-role policies."""

    users: list[str]
    """IAM users the policies are attached to (user_names)."""
    groups: list[str]
    """Existing IAM groups the policies are attached to (group_names)."""
    roles: list[str]
    """IAM roles of the trusted account the policies are attached to (role_names)."""
    new_group: str
    """The IAM group the component created and attached the policies to (new_group_name; "" when none)."""
    new_group_members: list[str]
    """The users the component added to new_group."""


class TrustedAccountAccessArgs(TypedDict):
    """Inputs of TrustedAccountAccess."""

    role_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    """ARNs of the roles (in the trusting accounts) that the users and groups may assume."""
    user_names: NotRequired[Sequence[str]]
    """Existing IAM users of the trusted account to attach the assume-role policy to."""
    group_names: NotRequired[Sequence[str]]
    """Existing IAM groups of the trusted account to attach the assume-role policy to (at least one user, group, role or new group in all)."""
    policy_name: NotRequired[str]
    """Name of the assume-role policy; split policies get -2, -3, ... Default "cross-account-assume-role"."""
    policy_path: NotRequired[str]
    """IAM path of the policy. Default "/"."""
    require_mfa: NotRequired[bool]
    """Identity-side condition: this account's principals may call sts:AssumeRole only in MFA-authenticated sessions. Default false."""
    role_requires_external_id: NotRequired[pulumi.Input[bool]]
    """What the roles' trust policies require: an external id (the CLI profiles get an external_id placeholder). Default false; role_requirements overrides it per role."""
    role_requires_mfa: NotRequired[pulumi.Input[bool]]
    """What the roles' trust policies require: MFA (the CLI profiles get an mfa_serial). Default false (true when require_mfa); role_requirements overrides it per role."""
    source_profile: NotRequired[str]
    """The ~/.aws/config profile holding the trusted account's credentials (an IAM Identity Center profile works too). Default "default"."""
    managed_policies_per_principal_limit: NotRequired[int]
    """Managed policies this component may attach to one user, group or role, 10 (AWS default) up to 20 once raised."""
    role_names: NotRequired[Sequence[str]]
    """Existing IAM roles of the trusted account (CI jobs, workloads) to attach the assume-role policies to."""
    new_group_name: NotRequired[str]
    """An IAM group the component creates and attaches the assume-role policies to, with new_group_members in it. Default: none."""
    new_group_members: NotRequired[Sequence[str]]
    """Existing IAM users added to new_group_name, one UserGroupMembership each (their other groups are left alone)."""
    new_group_path: NotRequired[str]
    """IAM path of new_group_name. Default "/"."""
    tags: NotRequired[Mapping[str, str]]
    """Tags of the assume-role policies (IAM groups take no tags)."""
    expires_at: NotRequired[str]
    """End of the access, RFC 3339 UTC (such as 2027-03-31T23:59:59Z): the policies allow sts:AssumeRole only before then (DateLessThan aws:CurrentTime). A role whose role_requirements entry ends earlier keeps its own end."""
    role_requirements: NotRequired[pulumi.Input[Sequence[RoleRequirement]]]
    """What each role's trust policy requires, at most one entry per role, so that every CLI profile is complete for its role. Roles without an entry take role_requires_external_id and role_requires_mfa."""
    session_duration_seconds: NotRequired[int]
    """Written into every CLI profile as duration_seconds, 900..43200 (at most the role's maximum session). Default: left out (one hour)."""
    region: NotRequired[str]
    """Written into every CLI profile and extension entry as region (such as eu-west-1). Default: left out."""
    switch_role_color: NotRequired[str]
    """Console colour, 6 hex digits without # (such as f2b0a9): added to every switch-role link (color=) and extension entry."""
    secret_inputs: NotRequired[Sequence[str]]
    """Names of inputs (snake_case) whose values are secret: registered as secrets in every resource input and output, never shown in errors or warnings. User, group and role names still appear in resource names."""
    organizational_unit_grants: NotRequired[pulumi.Input[Sequence[OrganizationalUnitAccess]]]
    """Roles assumable in every account under organization paths (aws:ResourceOrgPaths), with no per-account ARN: each a statement of the first policy, counted as one ARN against its size. With them, role_arns may be empty."""


RENAMED_INPUTS: Mapping[str, str] = {
    "mfa_required": "role_requires_mfa",
    "external_id_required": "role_requires_external_id",
}
"""Inputs of earlier versions and their new names (the old names say too little)."""

REQUIREMENT_FLAGS = (
    "external_id_required",
    "mfa_required",
    "session_name_required",
    "source_identity_required",
    "session_tags_allowed",
    "source_identity_allowed",
)
"""The boolean fields of a RoleRequirement."""
ROLE_SESSION_REQUIREMENTS: Mapping[str, str] = {
    "session_name_required": (
        "requires the session name to be the caller's IAM user name (${aws:username}), which a role "
        "session does not have"
    ),
    "mfa_required": (
        "requires MFA (aws:MultiFactorAuthPresent), which the sessions of roles that CI jobs and workloads "
        "use never have"
    ),
}
"""What a trusting role may require that callers using an IAM role (role_names) cannot give."""
NO_PRINCIPAL_KEY = "user_names/group_names/role_names/new_group_name"


def validate_trusted_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Check every plain value of TrustedAccountAccessArgs; return them normalized."""
    _refuse_renamed(args)
    check.refuse_unknown_inputs(args, TrustedAccountAccessArgs.__annotations__)
    if "role_arns" not in args:
        raise InvalidInputError("role_arns", None, "is required")
    role_arns = args["role_arns"]
    check.not_evaluated("role_arns", role_arns)
    out = validate_trusted_options({k: v for k, v in args.items() if k != "role_arns"})
    grants = out["organizational_unit_grants"]
    required = has_any_output(grants) or not grants
    out["role_arns"] = role_arns if check.has_output(role_arns) else checked_role_arns(role_arns, required)
    return out


def _optional(args: Mapping[str, Any], key: str, checker: Any) -> Any:
    value = args.get(key)
    return None if value is None else checker(key, value)


def _refuse_renamed(args: Mapping[str, Any]) -> None:
    for old, new in RENAMED_INPUTS.items():
        if old in args:
            raise InvalidInputError(
                old,
                args[old],
                f"was renamed {new}: it says what the roles' trust policies require "
                "(require_mfa is the identity-side condition this component adds)",
            )


def validate_trusted_options(args: Mapping[str, Any]) -> dict[str, Any]:
    """Check every TrustedAccountAccessArgs value but the role ARNs (absent optional values are None)."""
    known = set(TrustedAccountAccessArgs.__annotations__) - {"role_arns"}
    _refuse_renamed(args)
    check.refuse_unknown_inputs(args, known)
    check.not_evaluated_inputs(args)
    out: dict[str, Any] = {}
    out["secret_inputs"] = check.string_list(
        "secret_inputs", args.get("secret_inputs"), check.secret_input_name(known | {"role_arns"})
    )
    out["user_names"] = check.string_list(
        "user_names", args.get("user_names"), check.user_name, identity=check.folded
    )
    out["group_names"] = check.string_list(
        "group_names", args.get("group_names"), check.group_name, identity=check.folded
    )
    out["role_names"] = check.string_list(
        "role_names", args.get("role_names"), check.existing_role_name, identity=check.folded
    )
    _validate_new_group(args, out)
    if not (out["user_names"] or out["group_names"] or out["role_names"] or out["new_group_name"]):
        raise InvalidInputError(
            NO_PRINCIPAL_KEY,
            [],
            "name no principal: attach the policies to at least one user, group or role, "
            "or to a group made here (new_group_name)",
        )
    out["policy_name"] = check.policy_name("policy_name", args.get("policy_name", limits.DEFAULT_POLICY_NAME))
    out["policy_path"] = check.iam_path("policy_path", args.get("policy_path", limits.DEFAULT_PATH))
    out["require_mfa"] = check.boolean("require_mfa", args.get("require_mfa", False))
    for flag in ("role_requires_external_id", "role_requires_mfa"):
        value = args.get(flag, False)
        out[flag] = value if isinstance(value, pulumi.Output) else check.boolean(flag, value)
    out["source_profile"] = check.profile_name(
        "source_profile", args.get("source_profile", limits.DEFAULT_SOURCE_PROFILE)
    )
    out["managed_policies_per_principal_limit"] = check.integer(
        "managed_policies_per_principal_limit",
        args.get("managed_policies_per_principal_limit", limits.MANAGED_POLICIES_PER_PRINCIPAL_DEFAULT),
        1,
        limits.MANAGED_POLICIES_PER_PRINCIPAL_MAX,
    )
    out["tags"] = check.tags("tags", args.get("tags"))
    out["expires_at"] = _optional(args, "expires_at", check.expires_at)
    requirements = args.get("role_requirements")
    if requirements is None:
        out["role_requirements"] = ()
    elif has_any_output(requirements):
        out["role_requirements"] = requirements  # checked once it resolves
    else:
        out["role_requirements"] = checked_requirements(requirements)
    out["session_duration_seconds"] = _optional(
        args,
        "session_duration_seconds",
        lambda key, value: check.integer(
            key, value, limits.MIN_CLI_SESSION_SECONDS, limits.MAX_SESSION_SECONDS, " seconds"
        ),
    )
    grants = args.get("organizational_unit_grants")
    if grants is None:
        out["organizational_unit_grants"] = ()
    elif has_any_output(grants):
        out["organizational_unit_grants"] = grants  # checked once it resolves
    else:
        out["organizational_unit_grants"] = checked_grants(grants)
    out["region"] = _optional(args, "region", check.region)
    out["switch_role_color"] = _optional(args, "switch_role_color", check.color)
    _check_role_chaining(out)
    return out


def _check_role_chaining(out: Mapping[str, Any]) -> None:
    """A session longer than an hour cannot be asked for by a role session (role chaining)."""
    seconds = out["session_duration_seconds"]
    if seconds is None or seconds <= limits.ROLE_CHAINING_MAX_SECONDS:
        return
    roles = {check.folded(role): role for role in out["role_names"]}
    source = out["source_profile"]
    only_roles = not (out["user_names"] or out["group_names"] or out["new_group_name"])
    if check.folded(source) in roles:
        why = f"source_profile {source!r} names the role {roles[check.folded(source)]!r} of role_names"
    elif only_roles:
        why = "the policies go to role_names only, so every caller is a role session"
    else:
        return
    raise InvalidInputError(
        "session_duration_seconds",
        seconds,
        f"is over {limits.ROLE_CHAINING_MAX_SECONDS} seconds, but {why}: a role session that assumes another "
        f"role (role chaining) gets at most {limits.ROLE_CHAINING_MAX_SECONDS} seconds, and STS refuses a "
        "longer DurationSeconds; set it to 3600 or less",
    )


def check_policy_names(policy_name: str, policy_count: int) -> None:
    """Raise unless every split policy's name (policy_name and its -2, -3, ... suffix) fits IAM's 128 characters."""
    suffix = policy_suffix(policy_count - 1)
    longest = f"{policy_name}{suffix}"
    if len(longest) <= limits.POLICY_NAME_MAX:
        return
    raise InvalidInputError(
        "policy_name",
        policy_name,
        f"is {len(policy_name)} characters, and the role ARNs need {policy_count} policies, the last named "
        f"with the suffix {suffix!r}: {len(longest)} characters, over the {limits.POLICY_NAME_MAX} IAM allows "
        f"in a policy name; shorten policy_name to at most {limits.POLICY_NAME_MAX - len(suffix)} characters",
    )


def check_region_partition(region: str | None, role_arns: Iterable[str]) -> None:
    """Raise unless the region belongs to the partition of every role (the CLI profile calls STS there)."""
    if region is None:
        return
    partition = check.region_partition(region)
    for arn in role_arns:
        role_partition = arn.split(":")[1]
        if partition is not None and partition != role_partition:
            raise InvalidInputError(
                "region",
                region,
                f"is a region of partition {partition!r}, but the role {arn!r} is in partition "
                f"{role_partition!r}: the CLI profile would call STS where the role does not exist; "
                f"use a region of {role_partition!r}",
            )


def _validate_new_group(args: Mapping[str, Any], out: dict[str, Any]) -> None:
    out["new_group_name"] = _optional(args, "new_group_name", check.group_name)
    out["new_group_members"] = check.string_list(
        "new_group_members", args.get("new_group_members"), check.user_name, identity=check.folded
    )
    out["new_group_path"] = check.iam_path(
        "new_group_path", args.get("new_group_path", limits.DEFAULT_PATH) or limits.DEFAULT_PATH
    )
    group = out["new_group_name"]
    if group is None:
        if out["new_group_members"]:
            raise InvalidInputError(
                "new_group_members",
                list(out["new_group_members"]),
                "needs new_group_name, the group the component creates for them",
            )
        if out["new_group_path"] != limits.DEFAULT_PATH:
            raise InvalidInputError(
                "new_group_path", out["new_group_path"], "needs new_group_name, the group it is the path of"
            )
        return
    existing = {check.folded(g): g for g in out["group_names"]}
    if check.folded(group) in existing:
        raise InvalidInputError(
            "new_group_name",
            group,
            f"is also in group_names ({existing[check.folded(group)]!r}): the component creates "
            "new_group_name, group_names names groups that exist already",
        )


has_any_output = check.has_any_output


def checked_role_arns(role_arns: Any, required: bool = True) -> tuple[str, ...]:
    return check.string_list(
        "role_arns", role_arns, check.role_arn, required=required, identity=check.role_identity
    )


def checked_grants(grants: Any) -> tuple[dict[str, Any], ...]:
    """The organizational_unit_grants entries, each checked."""
    key = "organizational_unit_grants"
    if isinstance(grants, (str, bytes, Mapping)) or not isinstance(grants, (list, tuple)):
        raise InvalidInputError(key, grants, "must be a list")
    check.shallow(key, grants)
    found = []
    known = set(OrganizationalUnitAccess.__annotations__)
    for value in grants:
        if not isinstance(value, Mapping):
            raise InvalidInputError(
                key, value, "must list objects with role_arn_pattern and organization_paths"
            )
        unknown = sorted(set(value) - known)
        if unknown:
            raise InvalidInputError(
                f"{key}.{unknown[0]}", value[unknown[0]], f"is not a field; known: {sorted(known)}"
            )
        entry: dict[str, Any] = {
            "role_arn_pattern": check.role_arn_pattern(
                f"{key}.role_arn_pattern", value.get("role_arn_pattern")
            ),
            "organization_paths": check.string_list(
                f"{key}.organization_paths",
                value.get("organization_paths"),
                check.organization_path,
                required=True,
            ),
        }
        for flag in ("session_tags_allowed", "source_identity_allowed"):
            if value.get(flag) is not None:
                entry[flag] = check.boolean(f"{key}.{flag}", value[flag])
        if value.get("expires_at"):
            entry["expires_at"] = check.expiry_time(f"{key}.expires_at", value["expires_at"])
        found.append(entry)
    return tuple(found)


def path_within(path: str, covered: str) -> bool:
    """True when every account ``path`` reaches (``aws:ResourceOrgPaths`` StringLike ``<path>*``) is one
    ``covered`` reaches: same organization, and ``path`` at or below ``covered``.

    Paths are ``o-.../r-.../ou-.../`` (from the root) or ``o-.../*/ou-.../`` (a unit wherever it is). A
    ``*/ou-...`` path lies within a root path of its organization, and within a path that ends at
    or passes through that unit; a unit below another one is only known to be within it when its path is
    written from the root.
    """
    org, _, rest = path.partition("/")
    covered_org, _, covered_rest = covered.partition("/")
    if org != covered_org:
        return False
    segments = [s for s in rest.split("/") if s]
    covered_segments = [s for s in covered_rest.split("/") if s]
    if covered_segments[0] == "*":  # a unit wherever it is: the path must pass through it
        unit = covered_segments[1]
        return unit in segments[1:] if segments[0] != "*" else segments[1] == unit
    if segments[0] == "*":  # a unit wherever it is, within a path from the root
        return len(covered_segments) == 1 or covered_segments[-1] == segments[1]
    return segments[: len(covered_segments)] == covered_segments


def grant_of(entry: Mapping[str, Any], expires_at: str | None) -> OrganizationalUnitGrant:
    """A checked organizational_unit_grants entry as the document's grant: its end the earlier of both."""
    ends = [e for e in (expires_at, entry.get("expires_at")) if e]
    actions = []
    if entry.get("source_identity_allowed"):
        actions.append("sts:SetSourceIdentity")
    if entry.get("session_tags_allowed"):
        actions.append("sts:TagSession")
    return OrganizationalUnitGrant(
        entry["role_arn_pattern"],
        tuple(entry["organization_paths"]),
        min(ends) if ends else "",
        tuple(actions),
    )


def _requirement(value: Any) -> dict[str, Any]:
    """One RoleRequirement, checked: its role ARN, booleans and end (a past end is left to warnings)."""
    key = "role_requirements"
    if not isinstance(value, Mapping):
        raise InvalidInputError(key, value, "must list objects with role_arn and what the role requires")
    known = set(RoleRequirement.__annotations__)
    unknown = sorted(set(value) - known)
    if unknown:
        raise InvalidInputError(
            f"{key}.{unknown[0]}", value[unknown[0]], f"is not a field; known: {sorted(known)}"
        )
    if "role_arn" not in value:
        raise InvalidInputError(f"{key}.role_arn", None, "is required in every entry")
    entry: dict[str, Any] = {"role_arn": check.role_arn(f"{key}.role_arn", value["role_arn"])}
    for flag in REQUIREMENT_FLAGS:
        if value.get(flag) is not None:
            entry[flag] = check.boolean(f"{key}.{flag}", value[flag])
    end = value.get("expires_at")
    if end:
        entry["expires_at"] = check.expiry_time(f"{key}.expires_at", end)
    return entry


def checked_requirements(requirements: Any) -> tuple[dict[str, Any], ...]:
    """The role_requirements entries, each checked, at most one per role."""
    if isinstance(requirements, (str, bytes, Mapping)) or not isinstance(requirements, (list, tuple)):
        raise InvalidInputError("role_requirements", requirements, "must be a list")
    check.shallow("role_requirements", requirements)
    entries = tuple(_requirement(value) for value in requirements)
    check.string_list(
        "role_requirements.role_arn",
        [e["role_arn"] for e in entries],
        check.role_arn,
        identity=check.role_identity,
    )
    return entries


def requirements_by_role(
    role_arns: Sequence[str], requirements: Iterable[Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    """Role ARN (as role_arns spells it) -> its requirement entry; every entry must name one of the roles."""
    roles = {check.role_identity(arn): arn for arn in role_arns}
    found: dict[str, Mapping[str, Any]] = {}
    for entry in requirements:
        arn = roles.get(check.role_identity(entry["role_arn"]))
        if arn is None:
            raise InvalidInputError(
                "role_requirements.role_arn", entry["role_arn"], "is not one of role_arns"
            )
        found[arn] = entry
    return found


def effective_ends(
    role_arns: Iterable[str], requirements: Mapping[str, Mapping[str, Any]], expires_at: str | None
) -> dict[str, str]:
    """Role ARN -> the end of its access: the earlier of expires_at and its own end (roles without either are left out)."""
    ends = {}
    for arn in role_arns:
        candidates = [e for e in (expires_at, requirements.get(arn, {}).get("expires_at")) if e]
        if candidates:
            ends[arn] = min(candidates)  # one fixed-width UTC format: text order is time order
    return ends


def session_actions(
    role_arns: Iterable[str], requirements: Mapping[str, Mapping[str, Any]]
) -> dict[str, tuple[str, ...]]:
    """Role ARN -> the session actions its trust policy allows, which the callers' policies must allow too."""
    found = {}
    for arn in role_arns:
        entry = requirements.get(arn, {})
        actions = []
        if entry.get("source_identity_allowed") or entry.get("source_identity_required"):
            actions.append("sts:SetSourceIdentity")
        if entry.get("session_tags_allowed"):
            actions.append("sts:TagSession")
        if actions:
            found[arn] = tuple(actions)
    return found


def split_role_arns(
    role_arns: Sequence[str],
    *,
    require_mfa: bool = False,
    max_size: int = limits.MANAGED_POLICY_MAX,
    ends: Mapping[str, str] | None = None,
    actions: Mapping[str, Sequence[str]] | None = None,
    grants: Sequence[OrganizationalUnitGrant] = (),
) -> list[tuple[str, ...]]:
    """Pack the ARNs, in the order given, into as few policy documents as that order allows.

    Each chunk takes ARNs until the next one would push its document (with the
    statements that ends of access and session ``actions`` add) over ``max_size`` characters; filling
    greedily is optimal among packings that keep the order, as a document never
    shrinks when an ARN is added. A chunk only changes when an ARN in it or
    before it changes, so appending ARNs (new trusting stacks at the end of the
    list) leaves every earlier policy byte-identical: the last one grows, or a
    new one is added. ``grants`` (organizational unit statements) go in the first document, counted
    in its size like one more ARN; with no ARN, they make the one document.
    """
    chunks: list[list[str]] = [[]] if grants else []

    def size(arns: Sequence[str], first: bool) -> int:
        return policy_size(
            assume_role_policy(
                arns,
                require_mfa=require_mfa,
                ends=ends,
                session_actions=actions,
                grants=grants if first else (),
            )
        )

    if grants and size([], True) > max_size:
        raise InvalidInputError(
            "organizational_unit_grants",
            f"<{len(grants)} grants>",
            f"make a policy over the {max_size}-character quota alone",
        )
    for arn in role_arns:
        if chunks and size([*chunks[-1], arn], len(chunks) == 1) <= max_size:
            chunks[-1].append(arn)
            continue
        if size([arn], False) > max_size:
            raise InvalidInputError(
                "role_arns", arn, f"alone makes a policy over the {max_size}-character quota"
            )
        chunks.append([arn])
    return [tuple(chunk) for chunk in chunks]


def check_policies_per_principal(arn_count: int, policy_count: int, limit: int) -> None:
    """Raise unless every user, group and role can take all ``policy_count`` assume-role policies."""
    if policy_count <= limit:
        return
    ways = []
    if policy_count <= limits.MANAGED_POLICIES_PER_PRINCIPAL_MAX:
        ways.append(
            f"raise the quota (up to {limits.MANAGED_POLICIES_PER_PRINCIPAL_MAX}) "
            "and managed_policies_per_principal_limit with it"
        )
    ways.append(
        "give the roles to several IAM groups: split them across trusted stacks that each attach "
        "their policies to one group of group_names, and add the users to those groups "
        f"(a user may belong to {limits.GROUPS_PER_USER_MAX} groups)"
    )
    raise InvalidInputError(
        "role_arns",
        f"<{arn_count} role ARNs>",
        f"need {policy_count} assume-role policies of at most {limits.MANAGED_POLICY_MAX} characters, "
        f"over managed_policies_per_principal_limit ({limit}), the IAM quota on managed policies "
        "attached to one user, group or role: " + ", or ".join(ways),
    )


def policy_suffix(index: int) -> str:
    """'' for the first policy, '-2', '-3', ... for the ones a split adds."""
    return "" if index == 0 else f"-{index + 1}"


def attachment_names(prefix: str, principals: Iterable[str], policy_count: int) -> dict[tuple[str, int], str]:
    """The resource name of each (principal, policy index) attachment, none the same as another.

    The name is ``<prefix>-<principal><suffix>`` (``acme-user-alice``,
    ``acme-user-alice-2`` for the second policy), as it always was. That name
    can be claimed twice only when a principal is called ``<other>-<n>`` and the
    policies were split n ways: then the first policy's attachment keeps it,
    and the other gets ``<prefix>-<principal>/<n>``; ``/`` never occurs in an
    IAM name, so that name is free.
    """
    principals = list(principals)
    first = {f"{prefix}-{principal}" for principal in principals}
    names = {}
    for principal in principals:
        for index in range(policy_count):
            name = f"{prefix}-{principal}{policy_suffix(index)}"
            if index > 0 and name in first:
                name = f"{prefix}-{principal}/{index + 1}"
            names[(principal, index)] = name
    return names


@dataclass(frozen=True)
class _Built:
    """What the component registered for its resolved roles, and what each role requires.

    An object rather than a map, so that Output.all passes it along without walking it.
    """

    policy_arns: list[str]
    role_arns: list[str]
    requirements: Mapping[str, Mapping[str, Any]]
    ends: Mapping[str, str]
    documents: tuple[Mapping[str, Any], ...] = ()
    """The assume-role policies' documents, in policy_arns order (what cross-account-audit compares with)."""


CLI_CONFIG_INPUTS = (
    "role_arns",
    "role_requirements",
    "source_profile",
    "region",
    "session_duration_seconds",
    "expires_at",
    "require_mfa",
    "role_requires_external_id",
    "role_requires_mfa",
)
"""The inputs aws_cli_config is written from: secret when one of them is."""
EXTENSION_CONFIG_INPUTS = (
    "role_arns",
    "role_requirements",
    "switch_role_color",
    "region",
    "role_requires_external_id",
)
"""The inputs switch_roles_extension_config is written from."""
POLICY_DOCUMENT_INPUTS = ("role_arns", "role_requirements", "expires_at", "require_mfa")
"""The inputs the assume-role policy documents are built from."""


async def _either_secret(*outputs: pulumi.Output[Any]) -> bool:
    """Whether one of the outputs is secret (known before their values are)."""
    for output in outputs:
        if await output.is_secret():
            return True
    return False


def _as_output(value: Any) -> pulumi.Output[Any]:
    """An Output as it is (its resolved value is not walked again), anything else through from_input."""
    return value if isinstance(value, pulumi.Output) else pulumi.Output.from_input(value)


def _roles_described(arns: Sequence[str]) -> str:
    return repr(arns[0]) if len(arns) == 1 else f"{len(arns)} roles ({arns[0]!r} and {len(arns) - 1} more)"


class TrustedAccountAccess(pulumi.ComponentResource):
    """A policy allowing sts:AssumeRole on the given role ARNs, attached to users, groups and roles of the trusted account."""

    policy_arn: pulumi.Output[str]
    """ARN of the assume-role policy (the first one when the ARNs need several)."""
    policy_arns: pulumi.Output[list[str]]
    """ARNs of all assume-role policies (more than one when the role ARNs exceed one policy's size quota)."""
    role_arns: pulumi.Output[list[str]]
    """The role ARNs the users and groups may assume."""
    switch_role_urls: pulumi.Output[list[str]]
    """One console switch-role link per role, in the order of role_arns (empty for a role in a partition without a console)."""
    aws_cli_config: pulumi.Output[str]
    """A ready ~/.aws/config text with one [profile <role>-<account>] per role, complete for what each role requires."""
    console_commands: pulumi.Output[list[str]]
    """One cross-account-console command line per role, in the order of role_arns, complete for what each role requires (an external id as a placeholder): it opens the console as the role, also where the switch-role page cannot."""
    switch_roles_extension_config: pulumi.Output[str]
    """The roles in the configuration format of the AWS Extend Switch Roles browser extension: one [<role>-<account>] section each, with aws_account_id, role_name and color."""
    principals: pulumi.Output[TrustedPrincipals]
    """What got the assume-role policies: users, groups, roles and the group made here, with its members."""

    def __init__(
        self,
        name: str,
        args: TrustedAccountAccessArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        input_names: Mapping[str, str] | None = None,
    ) -> None:
        """``input_names`` maps input names to the names errors and warnings should use
        (the program passes its config keys)."""
        report = Reporter(input_names, args.get("secret_inputs") or (), args)
        try:
            settings = validate_trusted_args(args)
        except InvalidInputError as error:
            raise report.error(error) from None
        super().__init__("cross-account:index:TrustedAccountAccess", name, {}, opts)
        self._name = name
        self._settings = settings
        self._report = report
        self._secret = frozenset(settings["secret_inputs"])
        if settings["expires_at"] is not None:
            warning = check.expiry_warning("expires_at", settings["expires_at"])
            if warning is not None:
                report.warn(warning, resource=self)

        role_arns, requirements = settings["role_arns"], settings["role_requirements"]
        grants = settings["organizational_unit_grants"]
        if check.has_output(role_arns) or has_any_output(requirements) or has_any_output(grants):
            # ARNs and requirements read from stack references are known only once they
            # resolve; the policies and attachments are registered then, after the checks.
            # Nested applies rather than Output.all: Output.all walks every resolved list
            # and map again, which costs a second at 1,000 roles with their requirements.
            # Whether they resolve as secrets decides whether the documents that hold them are.
            arns_output, requirements_output = _as_output(role_arns), _as_output(requirements)
            grants_output = _as_output(grants)
            secret_now: pulumi.Output[bool] = pulumi.Output.from_input(
                _either_secret(arns_output, requirements_output)
            )
            built = cast(
                pulumi.Output[_Built],
                secret_now.apply(
                    lambda secret: arns_output.apply(
                        lambda arns: requirements_output.apply(
                            lambda resolved: grants_output.apply(
                                lambda given: self._build(arns, resolved, given, secret=secret, late=True)
                            )
                        )
                    )
                ),
            )
        else:
            built = self._build(role_arns, requirements, grants)

        self.policy_arns = built.apply(lambda b: b.policy_arns)
        self.policy_arn = self.policy_arns.apply(lambda arns: arns[0])
        self.role_arns = self._hide_if(built.apply(lambda b: b.role_arns), "role_arns")
        self.switch_role_urls = self._hide_if(
            self.role_arns.apply(self._console_links), "role_arns", "switch_role_color"
        )
        profiles = self._cli_profiles(built)
        self.aws_cli_config = self._hide_if(profiles.apply(aws_cli_config), *CLI_CONFIG_INPUTS)
        self.console_commands = self._hide_if(
            profiles.apply(lambda found: [console_command(p) for p in found]), *CLI_CONFIG_INPUTS
        )
        self.switch_roles_extension_config = self._hide_if(
            pulumi.Output.all(built, settings["role_requires_external_id"]).apply(
                lambda resolved: self._extension_config(resolved[0], bool(resolved[1]))
            ),
            *EXTENSION_CONFIG_INPUTS,
        )
        self.principals = self._principals()
        # Not a component output (the schema stays): the program exports it as the audit's baseline.
        self.policy_documents = self._hide_if(
            built.apply(lambda b: [dict(d) for d in b.documents]), *POLICY_DOCUMENT_INPUTS
        )
        self.register_outputs(
            {
                "policy_arn": self.policy_arn,
                "policy_arns": self.policy_arns,
                "role_arns": self.role_arns,
                "switch_role_urls": self.switch_role_urls,
                "aws_cli_config": self.aws_cli_config,
                "console_commands": self.console_commands,
                "switch_roles_extension_config": self.switch_roles_extension_config,
                "principals": self.principals,
            }
        )

    @staticmethod
    def _secret_if(secret: bool, value: pulumi.Output[str]) -> pulumi.Output[str]:
        return pulumi.Output.secret(value) if secret else value

    def _hide_if(self, value: Any, *inputs: str) -> Any:
        return pulumi.Output.secret(value) if self._secret.intersection(inputs) else value

    def _build(
        self,
        role_arns: Sequence[str],
        raw_requirements: Any,
        raw_grants: Any = (),
        *,
        secret: bool = False,
        late: bool = False,
    ) -> pulumi.Output["_Built"]:
        """Register the policies, the new group and the attachments for resolved, checked ARNs.

        ``secret``: the ARNs or requirements resolved as secrets: the documents and outputs that hold
        them are secret, and no error or warning shows them. ``late``: called inside an apply, where an
        error ends the run as one line (ResolvedInputError).
        """
        settings = self._settings
        secret = secret or bool(
            self._secret.intersection(("role_arns", "role_requirements", "organizational_unit_grants"))
        )
        if secret:
            self._report.add_secrets(list(role_arns))
        if "role_requirements" in self._secret:
            self._report.add_secrets(raw_requirements)
        try:
            entries = checked_grants(list(raw_grants or ()))
            grants = [grant_of(entry, settings["expires_at"]) for entry in entries]
            arns = checked_role_arns(list(role_arns), required=not grants)
            requirements = requirements_by_role(arns, checked_requirements(list(raw_requirements or ())))
            ends = effective_ends(arns, requirements, settings["expires_at"])
            actions = session_actions(arns, requirements)
            chunks = split_role_arns(
                arns, require_mfa=settings["require_mfa"], ends=ends, actions=actions, grants=grants
            )
            check_policies_per_principal(
                len(arns) + len(grants), len(chunks), settings["managed_policies_per_principal_limit"]
            )
            check_policy_names(settings["policy_name"], len(chunks))
            check_region_partition(settings["region"], arns)
        except InvalidInputError as error:
            reported = self._report.error(error)
            if not late:
                raise reported from None
        else:
            reported = None  # type: ignore[assignment]
        if reported is not None:
            # Raised out of the except block: the first error, which may show a secret, is not its context.
            raise ResolvedInputError(reported) from reported
        self._warn_about_role_ends(arns, requirements, entries)
        self._warn_about_role_sessions(arns, requirements)
        new_group = self._new_group()
        groups = [*settings["group_names"], *([settings["new_group_name"]] if new_group else [])]
        names = {
            "user": attachment_names(f"{self._name}-user", settings["user_names"], len(chunks)),
            "group": attachment_names(f"{self._name}-group", groups, len(chunks)),
            "role": attachment_names(f"{self._name}-role", settings["role_names"], len(chunks)),
        }
        for kind, key in (("user", "user_names"), ("group", "group_names"), ("role", "role_names")):
            self._warn_about_renamed(names[kind], key)
        tags = self._hide_if(settings["tags"], "tags") if settings["tags"] else None
        policy_arns = []
        documents = []
        for index, chunk in enumerate(chunks):
            suffix = policy_suffix(index)
            document = assume_role_policy(
                chunk,
                require_mfa=settings["require_mfa"],
                ends=ends,
                session_actions=actions,
                grants=grants if index == 0 else (),
            )
            documents.append(document)
            policy = aws.iam.Policy(
                f"{self._name}-policy{suffix}",
                name=self._hide_if(f"{settings['policy_name']}{suffix}", "policy_name"),
                path=self._hide_if(settings["policy_path"], "policy_path"),
                description="Allows sts:AssumeRole on cross-account roles",
                policy=self._secret_if(
                    secret or bool(self._secret.intersection(POLICY_DOCUMENT_INPUTS)),
                    pulumi.Output.json_dumps(document),
                ),
                tags=tags,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    # A new name replaces the policy create-first (attached before the old one goes),
                    # said explicitly, as the AWS provider would ask for delete-first (docs/deploy.md).
                    delete_before_replace=False,
                    additional_secret_outputs=(
                        (
                            ["arn", "id", "name", "path"]
                            if self._secret.intersection(("policy_name", "policy_path"))
                            else []
                        )
                        + (["tagsAll"] if "tags" in self._secret else [])
                    ),
                ),
            )
            self._attach(policy, index, names, new_group)
            policy_arns.append(self._hide_if(policy.arn, "policy_name", "policy_path"))
        built = pulumi.Output.all(*policy_arns).apply(
            lambda resolved: _Built(list(resolved), list(arns), requirements, ends, tuple(documents))
        )
        return pulumi.Output.secret(built) if secret else built

    def _new_group(self) -> aws.iam.Group | None:
        """The group new_group_name, and its members (each added without touching their other groups)."""
        settings = self._settings
        if settings["new_group_name"] is None:
            return None
        hidden = self._secret.intersection(("new_group_name", "new_group_path"))
        group = aws.iam.Group(
            f"{self._name}-new-group",
            name=self._hide_if(settings["new_group_name"], "new_group_name"),
            path=self._hide_if(settings["new_group_path"], "new_group_path"),
            opts=pulumi.ResourceOptions(
                parent=self,
                additional_secret_outputs=["arn", "id", "name", "path", "uniqueId"] if hidden else [],
            ),
        )
        for user in settings["new_group_members"]:
            aws.iam.UserGroupMembership(
                f"{self._name}-member-{user}",
                user=self._hide_if(user, "new_group_members"),
                groups=[group.name],
                opts=pulumi.ResourceOptions(parent=self),
            )
        return group

    def _attach(
        self,
        policy: aws.iam.Policy,
        index: int,
        names: Mapping[str, Mapping[tuple[str, int], str]],
        new_group: aws.iam.Group | None,
    ) -> None:
        settings = self._settings
        policy_secret = ("policy_name", "policy_path")
        policy_arn = self._hide_if(policy.arn, *policy_secret)

        def child(*inputs: str) -> pulumi.ResourceOptions:
            # An attachment's id is made of the principal's name and the policy ARN.
            hide = self._secret.intersection((*inputs, *policy_secret))
            return pulumi.ResourceOptions(parent=self, additional_secret_outputs=["id"] if hide else [])

        for user in settings["user_names"]:
            aws.iam.UserPolicyAttachment(
                names["user"][(user, index)],
                user=self._hide_if(user, "user_names"),
                policy_arn=policy_arn,
                opts=child("user_names"),
            )
        for group in settings["group_names"]:
            aws.iam.GroupPolicyAttachment(
                names["group"][(group, index)],
                group=self._hide_if(group, "group_names"),
                policy_arn=policy_arn,
                opts=child("group_names"),
            )
        if new_group is not None:
            aws.iam.GroupPolicyAttachment(
                names["group"][(settings["new_group_name"], index)],
                group=new_group.name,
                policy_arn=policy_arn,
                opts=child("new_group_name", "new_group_path"),
            )
        for role in settings["role_names"]:
            aws.iam.RolePolicyAttachment(
                names["role"][(role, index)],
                role=self._hide_if(role, "role_names"),
                policy_arn=policy_arn,
                opts=child("role_names"),
            )

    def _warn_about_renamed(self, names: Mapping[tuple[str, int], str], key: str) -> None:
        new_group = self._settings["new_group_name"]
        for (principal, index), name in names.items():
            if "/" in name:
                named = "new_group_name" if key == "group_names" and principal == new_group else key
                self._report.warn(
                    f"{named}: {principal!r} and {f'{principal}-{index + 1}'!r}: the attachment of policy "
                    f"{index + 1} to {principal!r} is named {name!r}, so that it cannot clash with the "
                    f"other's; if an earlier run created it as {name.replace('/', '-')!r}, run `pulumi "
                    "refresh` and `pulumi up` once more, which attaches it again",
                    resource=self,
                )

    def _warn_about_role_ends(
        self,
        role_arns: Sequence[str],
        requirements: Mapping[str, Mapping[str, Any]],
        grants: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """One warning per end of a role's own trust that has passed or is less than 7 days away: roles by
        ARN, and the roles of a grant by organization path (a stackset rollout) by their ARN pattern."""
        by_end: dict[str, list[str]] = {}
        for arn in role_arns:
            end = requirements.get(arn, {}).get("expires_at")
            if end:
                by_end.setdefault(end, []).append(arn)
        for grant in grants:
            if grant.get("expires_at"):
                by_end.setdefault(grant["expires_at"], []).append(grant["role_arn_pattern"])
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for end, arns in sorted(by_end.items()):
            if not check.expires_soon(end):
                continue
            what = _roles_described(arns)
            passed = end <= now  # one fixed-width UTC format: text order is time order
            self._report.warn(
                f"role_requirements: access to {what} ended at {end!r} (expires_at of its trust policy): "
                "the role refuses every caller, and the assume-role policies allow it no more"
                if passed
                else f"role_requirements: access to {what} ends at {end!r} (expires_at of its trust policy), "
                f"less than {limits.EXPIRY_WARNING_DAYS} days away",
                resource=self,
            )

    def _warn_about_role_sessions(
        self, role_arns: Sequence[str], requirements: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """One warning per requirement that role sessions (role_names) cannot meet, naming the roles."""
        roles = list(self._settings["role_names"])
        if not roles:
            return
        default_mfa = self._settings["role_requires_mfa"]
        for flag, what in ROLE_SESSION_REQUIREMENTS.items():
            default = default_mfa is True if flag == "mfa_required" else False
            arns = [arn for arn in role_arns if requirements.get(arn, {}).get(flag, default)]
            if arns:
                self._report.warn(
                    f"role_names: {roles} get the assume-role policies, but {_roles_described(arns)} "
                    f"{what}: these roles cannot assume it; give it to users or groups instead",
                    resource=self,
                )

    def _console_links(self, role_arns: Sequence[str]) -> list[str]:
        links = []
        for arn in role_arns:
            partition = arn.split(":")[1]
            if has_console(partition):
                links.append(switch_role_url(arn, color=self._settings["switch_role_color"]))
                continue
            self._report.warn(
                f"{arn}: partition {partition!r} has no console switch-role page: its switch_role_urls "
                "entry is empty; use STS or the CLI profile",
                resource=self,
            )
            links.append("")
        return links

    def _mfa_serial(self) -> pulumi.Output[str | None]:
        """The mfa_serial placeholder of this account, when any role may require MFA (else no invoke)."""
        settings = self._settings
        requirements = settings["role_requirements"]
        may_require = (
            settings["require_mfa"]
            or settings["role_requires_mfa"] is not False
            or has_any_output(requirements)
            or any(entry.get("mfa_required") for entry in requirements)
        )
        if not may_require:
            return pulumi.Output.from_input(None)
        return caller_identity(self).apply(
            lambda identity: mfa_serial_placeholder(identity[1].split(":")[1], identity[0])
        )

    def _cli_profiles(self, built: pulumi.Output["_Built"]) -> pulumi.Output[list[CliProfile]]:
        """One CliProfile per role, complete for what it requires (aws_cli_config, console_commands)."""
        settings = self._settings

        def profiles(resolved: list[Any]) -> list[CliProfile]:
            b, external_id_default, mfa_default, mfa_serial = resolved
            found = []
            for arn in b.role_arns:
                entry = b.requirements.get(arn, {})
                mfa = settings["require_mfa"] or bool(entry.get("mfa_required", mfa_default))
                found.append(
                    CliProfile(
                        role_arn=arn,
                        source_profile=settings["source_profile"],
                        external_id_required=bool(entry.get("external_id_required", external_id_default)),
                        mfa_serial=mfa_serial if mfa else None,
                        region=settings["region"],
                        session_name_required=bool(entry.get("session_name_required", False)),
                        source_identity_required=bool(entry.get("source_identity_required", False)),
                        duration_seconds=settings["session_duration_seconds"],
                        expires_at=b.ends.get(arn),
                    )
                )
            return found

        return pulumi.Output.all(
            built, settings["role_requires_external_id"], settings["role_requires_mfa"], self._mfa_serial()
        ).apply(profiles)

    def _extension_config(self, built: "_Built", external_id_default: bool) -> str:
        settings = self._settings
        entries = []
        for arn in built.role_arns:
            entry = built.requirements.get(arn, {})
            refused = None
            if entry.get("source_identity_required"):
                refused = "the role requires a source identity, which the console cannot set"
            elif entry.get("external_id_required", external_id_default):
                refused = "the role requires an external id, which the console cannot send"
            entries.append(
                ExtensionEntry(
                    arn, settings["switch_role_color"], settings["region"], console_refused=refused
                )
            )
        return switch_roles_extension_config(entries)

    def _principals(self) -> pulumi.Output[TrustedPrincipals]:
        settings = self._settings
        principals: TrustedPrincipals = {
            "users": list(settings["user_names"]),
            "groups": list(settings["group_names"]),
            "roles": list(settings["role_names"]),
            "new_group": settings["new_group_name"] or "",
            "new_group_members": list(settings["new_group_members"]),
        }
        inputs = ("user_names", "group_names", "role_names", "new_group_name", "new_group_members")
        return cast(
            pulumi.Output[TrustedPrincipals],
            self._hide_if(pulumi.Output.from_input(principals), *inputs),
        )
