"""What the trusted side grants, as pure checks: its inputs checked, the requirements of each role, the
organization-path grants, and the assume-role ARNs split by IAM's quotas."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import limits, validation as check
from .documents import (
    OrganizationalUnitGrant,
    assume_role_policy,
    policy_size,
)
from .spec_fields import CrossRule, completed, parse, values
from .specs import AccessSpec
from .trusted_args import (
    OrganizationalUnitAccess,
    RoleRequirement,
    TrustedAccountAccessArgs,
)
from .validation import InvalidInputError

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


def validate_trusted_args(args: Mapping[str, Any]) -> AccessSpec:
    """Check every plain value of TrustedAccountAccessArgs; return them normalized."""
    _refuse_renamed(args)
    check.refuse_unknown_inputs(args, TrustedAccountAccessArgs.__annotations__)
    if "role_arns" not in args:
        raise InvalidInputError("role_arns", None, "is required")
    check.not_evaluated("role_arns", args["role_arns"])
    return _parse_access(args, (*ACCESS_RULES, _role_arns))


def validate_trusted_options(args: Mapping[str, Any]) -> dict[str, Any]:
    """Check every TrustedAccountAccessArgs value but the role ARNs (absent optional values are None)."""
    options = values(parse_trusted_options(args))
    del options["role_arns"]
    return options


def parse_trusted_options(args: Mapping[str, Any]) -> AccessSpec:
    """The spec of every TrustedAccountAccessArgs value but the role ARNs (and what the program reads
    with them), which ``completed_access`` adds."""
    _refuse_renamed(args)
    known = set(TrustedAccountAccessArgs.__annotations__) - {"role_arns"}
    check.refuse_unknown_inputs(args, known)
    return _parse_access(args, ACCESS_RULES)


LATE_INPUTS = ("role_arns", "role_requirements", "organizational_unit_grants", "secret_inputs")
"""The inputs the program adds to the options it parsed: what it read from the trusting stacks, the secrets."""


def completed_access(options: AccessSpec, args: Mapping[str, Any]) -> AccessSpec:
    """``options`` (``parse_trusted_options`` of the other inputs of ``args``) with the LATE_INPUTS of
    ``args`` checked as ``validate_trusted_args`` checks them: nothing parsed twice."""
    if "role_arns" not in args:
        raise InvalidInputError("role_arns", None, "is required")
    for name in LATE_INPUTS:
        if name in args:
            check.not_evaluated(name, args[name])
    return completed(options, args, LATE_INPUTS, (_role_arns,))


def _parse_access(args: Mapping[str, Any], rules: Sequence[CrossRule]) -> AccessSpec:
    def plain(given: Mapping[str, Any]) -> Mapping[str, Any]:
        check.not_evaluated_inputs({k: v for k, v in given.items() if k != "role_arns"})
        return given

    return parse(AccessSpec, args, prepare=plain, rules=rules)


def _refuse_renamed(args: Mapping[str, Any]) -> None:
    for old, new in RENAMED_INPUTS.items():
        if old in args:
            raise InvalidInputError(
                old,
                args[old],
                f"was renamed {new}: it says what the roles' trust policies require "
                "(require_mfa is the identity-side condition this component adds)",
            )


def _new_group(out: dict[str, Any]) -> None:
    """new_group_members and new_group_path need new_group_name, which names no group of group_names."""
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


def _some_principal(out: dict[str, Any]) -> None:
    """Who gets the assume-role policies: users, groups, roles, and a group made here; at least one."""
    if not (out["user_names"] or out["group_names"] or out["role_names"] or out["new_group_name"]):
        raise InvalidInputError(
            NO_PRINCIPAL_KEY,
            [],
            "name no principal: attach the policies to at least one user, group or role, "
            "or to a group made here (new_group_name)",
        )


def _role_arns(out: dict[str, Any]) -> None:
    """The role ARNs: required unless organization-path grants are given (checked once they resolve)."""
    grants = out["organizational_unit_grants"]
    required = has_any_output(grants) or not grants
    if not check.has_output(out["role_arns"]):
        out["role_arns"] = checked_role_arns(out["role_arns"], required)


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
        f"longer DurationSeconds; set it to {limits.ROLE_CHAINING_MAX_SECONDS} or less",
    )


ACCESS_RULES: tuple[CrossRule, ...] = (_new_group, _some_principal, _check_role_chaining)
"""AccessSpec's rules across fields, in order (and the role ARNs' when they are given)."""


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
