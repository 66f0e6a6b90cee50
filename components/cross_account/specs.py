"""The checked inputs of each component, typed: what ``validate_*`` returns and every step reads.

Each spec is a frozen dataclass (``spec_fields``): one line per input, with its type, its default,
its rule, its doc and the program's config key that sets it. Each field is the input's own name (the
TypedDict Args stay the component schema; a test holds these fields equal to their keys), and a wrong
field or a wrong use of a value is a mypy error. ``spec_fields.parse`` builds a spec: defaults applied,
each field checked by its rule, a value that resolves later kept for the late check; the rules across
fields live beside each validator (role_checks, grants, stackset). The program's config contract
(``program.settings.KEYS``) is generated from these fields.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from . import limits, validation as check
from .spec_fields import EMPTY, Rule, field_names, spec_field


def _list(item: Rule, *, required: bool = False, identity: Callable[[Any], Hashable] | None = None) -> Rule:
    """A list of distinct values each passing ``item`` (a tuple once checked)."""
    return lambda key, value: check.string_list(key, value, item, required=required, identity=identity)


def _optional(rule: Rule, *empty: Any) -> Rule:
    """None (or one of ``empty``) means not set (None); any other value passes ``rule``."""
    return lambda key, value: None if value is None or value in empty else rule(key, value)


def _whole(low: int, high: int, unit: str = "") -> Rule:
    return lambda key, value: check.integer(key, value, low, high, unit)


list_of = _list
"""A list rule, shared with the program's specs (program/settings.py)."""
optional = _optional
"""An optional rule, shared with the program's specs (program/settings.py)."""


CALL_AS = ("SELF", "DELEGATED_ADMIN")
REGION_CONCURRENCY = ("PARALLEL", "SEQUENTIAL")


def _one_of(choices: tuple[str, ...]) -> Rule:
    def rule(key: str, value: Any) -> str:
        if value not in choices:
            raise check.InvalidInputError(key, value, f"must be one of {', '.join(choices)}")
        return str(value)

    return rule


def _kept_tuple(key: str, value: Any) -> tuple[Any, ...]:
    """Kept as given (a cross-field rule checks the entries)."""
    return tuple(value or ())


def _is_output(value: Any) -> bool:
    import pulumi

    return isinstance(value, pulumi.Output)


def attachment_suffix(policy: str) -> str:
    """A resource-name suffix derived from a managed policy ARN or AWS managed policy name.

    AWS managed: the policy's path and name (``AmazonS3ReadOnlyAccess``,
    ``service-role-AWSLambdaRole``), whether written as a name or an ARN;
    customer managed: prefixed with the account id.
    """
    if not policy.startswith("arn:"):
        return policy.replace("/", "-")
    account, resource = policy.split(":", 5)[4:]
    path_and_name = resource.removeprefix("policy/").replace("/", "-")
    return path_and_name if account == "aws" else f"{account}-{path_and_name}"


def managed_policy(key: str, value: Any) -> str:
    """A managed policy ARN, or the name (with path) of an AWS managed policy."""
    if isinstance(value, str) and not value.startswith("arn:"):
        return check.aws_managed_policy_name(key, value)
    return check.policy_arn(key, value)


def _secret_inputs(spec: Callable[[], type]) -> Rule:
    """secret_inputs: names of the spec's own inputs (the Args' keys)."""
    return lambda key, value: check.string_list(key, value, check.secret_input_name(field_names(spec())))


def _external_ids(key: str, value: Any) -> tuple[str, ...] | None:
    return None if value is None else check.string_list(key, value, check.external_id) or None


def _role_requirements(key: str, value: Any) -> Any:
    from .grants import checked_requirements

    return () if value is None else checked_requirements(value)


def _unit_grants(key: str, value: Any) -> Any:
    from .grants import checked_grants

    return () if value is None else checked_grants(value)


_ACCOUNTS = _list(check.account_id, required=True)
_MANAGED_POLICIES = _list(managed_policy, identity=lambda policy: check.folded(attachment_suffix(policy)))
_PERMISSION_SETS = _list(check.permission_set_name, identity=check.folded)
REQUIRE_MFA_DOC = "Trusting: trust only MFA sessions. Trusted: allow sts:AssumeRole only with MFA."
TAGS_DOC = "Trusting: tags of the role. Trusted: tags of the assume-role policies."
EXPIRES_AT_DOC = (
    "The access ends then: RFC 3339 UTC such as 2027-03-31T23:59:59Z (on the trusted side, the earlier of "
    "it and the trusting stack's applies). Empty: never."
)
"""The docs of the config keys both sides read (each key appears once in the config contract)."""


MODES = ("providers", "stackset")
"""TrustingRoleRollout's rollout_mode values; the first is the default."""
TARGETS_OUTPUT = "must be known account ids, not outputs: each account names its own resources"


def _rollout_secret_inputs(key: str, value: Any) -> tuple[str, ...]:
    """secret_inputs of a rollout: names of TrustingRoleRolloutArgs' inputs (its own and the role's)."""
    from .rollout import TrustingRoleRolloutArgs

    return check.string_list(
        key, value, check.secret_input_name(set(TrustingRoleRolloutArgs.__annotations__))
    )


def _target_accounts(key: str, value: Any) -> tuple[str, ...]:
    """target_account_ids: required, known now (each account names its own resources), distinct account ids."""
    if value is None:
        raise check.InvalidInputError(key, None, "is required")
    if check.has_output(value):
        raise check.InvalidInputError(key, "<an output>", TARGETS_OUTPUT)
    return check.string_list(key, value, check.account_id, required=True)


# fmt: off
@dataclass(frozen=True)
class CallerSpec:
    """One entry of TrustingAccountRole's ``callers``, checked (``callers.validate_callers``)."""

    name: str = spec_field("", None, "The caller's name: the Sid of its statement (checked by validate_callers).")
    trusted_account_ids: tuple[str, ...] = spec_field((), _ACCOUNTS, "12-digit ids of the accounts of this caller.")
    trusted_principal_arns: tuple[str, ...] = spec_field((), _kept_tuple, "aws:PrincipalArn patterns (checked against the accounts).")
    trusted_permission_sets: tuple[str, ...] = spec_field((), _PERMISSION_SETS, "IAM Identity Center permission set names.")
    require_mfa: bool = spec_field(False, check.boolean, "This caller must have signed in with MFA.")
    mfa_max_age_seconds: int | None = spec_field(None, _optional(check.mfa_max_age), "Youngest MFA authentication accepted.")
    external_ids: tuple[str, ...] | None = spec_field(None, _external_ids, "sts:ExternalId values this caller may present.")
    allow_session_tags: bool = spec_field(False, check.boolean, "This caller may tag its session.")
    source_identity: str | None = spec_field("", check.source_identity, "allowed, required, username, or None.")
    session_name_is_username: bool = spec_field(False, check.boolean, "This caller must name its session after its IAM user.")
    extra_trust_conditions: dict[str, dict[str, str | tuple[str, ...]]] = spec_field(None, None, "Further conditions (checked against the trust context).")
    expires_at: str | None = spec_field(None, _optional(check.expires_at, ""), "This caller's access ends then.")


@dataclass(frozen=True)
class RoleSpec:
    """TrustingAccountRole's inputs, checked (``validate_trusting_args``)."""

    secret_inputs: tuple[str, ...] = spec_field((), _secret_inputs(lambda: RoleSpec), "The inputs whose values stay secret.")
    trusted_account_ids: Any = spec_field((), _ACCOUNTS, "12-digit ids of the accounts whose principals may assume the role (quoted strings).", key="trustedAccountIds", deferred=check.has_output)
    role_name: str = spec_field(limits.DEFAULT_ROLE_NAME, check.role_name, "Role name (fixed, so the ARN is predictable).", key="roleName")
    role_path: str = spec_field(limits.DEFAULT_PATH, check.iam_path, "IAM path of the role.", key="rolePath")
    role_description: str = spec_field(limits.DEFAULT_ROLE_DESCRIPTION, check.description, "Role description.", key="roleDescription")
    managed_policy_arns: tuple[str, ...] = spec_field((limits.S3_READ_ONLY,), _MANAGED_POLICIES, "Managed policies of the role: ARNs or AWS managed policy names (resolved in the stack's partition).", key="managedPolicyArns")
    inline_policies: dict[str, dict[str, Any]] = spec_field(EMPTY, check.inline_policies, "Inline policies: policy name to identity policy document.", key="inlinePolicies")
    max_session_duration: int = spec_field(limits.DEFAULT_SESSION_SECONDS, check.session_duration, "Longest session in seconds, 3600..43200.", key="maxSessionDuration")
    permissions_boundary_arn: str | None = spec_field(None, _optional(check.policy_arn), "ARN of the role's permissions boundary. Empty: none.", key="permissionsBoundaryArn", unset="")
    require_mfa: bool = spec_field(False, check.boolean, REQUIRE_MFA_DOC, key="requireMfa", side="both")
    mfa_max_age_seconds: int | None = spec_field(None, _optional(check.mfa_max_age), "Trust only MFA authentications younger than this (implies requireMfa). 0: no limit.", key="mfaMaxAgeSeconds", unset=0)
    external_id: Any = spec_field(None, _optional(check.external_id), "Required sts:ExternalId; set it with --secret. Empty: none.", key="externalId", unset="", deferred=_is_output)
    organization_id: str | None = spec_field(None, _optional(check.organization_id), "Trust only principals of this AWS Organization (aws:PrincipalOrgID). Empty: any.", key="organizationId", unset="")
    trusted_principal_arns: tuple[str, ...] = spec_field((), _kept_tuple, "ARN patterns narrowing who in the trusted accounts may assume the role (aws:PrincipalArn).", key="trustedPrincipalArns")
    tags: dict[str, str] = spec_field(EMPTY, check.tags, TAGS_DOC, key="tags", side="both")
    trust_policy_size_limit: int = spec_field(limits.TRUST_POLICY_DEFAULT_MAX, _whole(limits.TRUST_POLICY_DEFAULT_MAX, limits.TRUST_POLICY_QUOTA_MAX, " characters"), "The account's role trust policy size quota, 2048..4096 characters.", key="trustPolicySizeLimit")
    managed_policies_per_role_limit: int = spec_field(limits.MANAGED_POLICIES_PER_ROLE_DEFAULT, _whole(1, limits.MANAGED_POLICIES_PER_ROLE_MAX), "The account's managed-policies-per-role quota, up to 20.", key="managedPoliciesPerRoleLimit")
    allow_session_tags: bool = spec_field(False, check.boolean, "Callers may tag their session (sts:TagSession), as CI tools do.", key="allowSessionTags")
    source_identity: str | None = spec_field("", check.source_identity, 'Source identity: "" (none), "allowed", "required" or "username" (must be the IAM user name).', key="sourceIdentity", unset="")
    session_name_is_username: bool = spec_field(False, check.boolean, "Callers must name the session after their IAM user (sts:RoleSessionName).", key="sessionNameIsUsername")
    external_ids: Any = spec_field(None, _external_ids, "Several accepted external ids (rotation); set with --secret; not with externalId.", key="externalIds", unset=[], deferred=check.has_output)
    expires_at: str | None = spec_field(None, _optional(check.expires_at, ""), EXPIRES_AT_DOC, key="expiresAt", side="both", unset="")
    extra_trust_conditions: dict[str, dict[str, str | tuple[str, ...]]] = spec_field(None, None, "Further trust conditions: operator to condition key to value(s); they only narrow.", key="extraTrustConditions", unset={})
    trusted_permission_sets: tuple[str, ...] = spec_field((), _PERMISSION_SETS, "IAM Identity Center permission sets whose people in the trusted accounts may assume the role.", key="trustedPermissionSets")
    callers: tuple[CallerSpec, ...] = spec_field((), _kept_tuple, "Several kinds of callers, each a trust statement of its own: name, and that caller's own trustedAccountIds, trustedPrincipalArns, trustedPermissionSets and conditions (docs/callers.md); set with --secret when one has externalIds; not with the flat keys.", key="callers", unset=[])
    force_detach_policies: bool = spec_field(True, check.boolean, "Detach policies attached outside Pulumi when the role is deleted.", key="forceDetachPolicies")
    revoke_sessions_issued_before: str | None = spec_field(None, _optional(check.revoke_sessions_issued_before, ""), "Deny every session of the role issued before this RFC 3339 time with a time zone, not in the future (inline policy AWSRevokeOlderSessions, as the console's Revoke active sessions). Empty: none.", key="revokeSessionsIssuedBefore", unset="")


@dataclass(frozen=True)
class AccessSpec:
    """TrustedAccountAccess's inputs, checked (``validate_trusted_args``)."""

    secret_inputs: tuple[str, ...] = spec_field((), _secret_inputs(lambda: AccessSpec), "The inputs whose values stay secret.")
    role_arns: Any = spec_field((), None, "Role ARNs, or an Output of them (checked with the grants, or once it resolves).", deferred=check.has_output)
    policy_name: str = spec_field(limits.DEFAULT_POLICY_NAME, check.policy_name, "Name of the assume-role policy (split policies get -2, -3, ...).", key="policyName")
    policy_path: str = spec_field(limits.DEFAULT_PATH, check.iam_path, "IAM path of the policy.", key="policyPath")
    user_names: tuple[str, ...] = spec_field((), _list(check.user_name, identity=check.folded), "Existing IAM users to attach the policy to.", key="userNames")
    group_names: tuple[str, ...] = spec_field((), _list(check.group_name, identity=check.folded), "Existing IAM groups to attach the policy to.", key="groupNames")
    source_profile: str = spec_field(limits.DEFAULT_SOURCE_PROFILE, check.profile_name, "The ~/.aws/config profile with the trusted account's credentials, used in awsCliConfig.", key="sourceProfile")
    managed_policies_per_principal_limit: int = spec_field(limits.MANAGED_POLICIES_PER_PRINCIPAL_DEFAULT, _whole(1, limits.MANAGED_POLICIES_PER_PRINCIPAL_MAX), "Managed policies one user, group or role may get here, up to 20.", key="managedPoliciesPerPrincipalLimit")
    role_names: tuple[str, ...] = spec_field((), _list(check.existing_role_name, identity=check.folded), "Existing IAM roles (CI, workloads) to attach the policy to.", key="roleNames")
    new_group_name: str | None = spec_field(None, _optional(check.group_name), "A group the stack creates and attaches the policy to. Empty: none.", key="newGroupName", unset="")
    new_group_members: tuple[str, ...] = spec_field((), _list(check.user_name, identity=check.folded), "Existing IAM users the stack adds to newGroupName.", key="newGroupMembers")
    new_group_path: str = spec_field(limits.DEFAULT_PATH, lambda key, value: check.iam_path(key, value or limits.DEFAULT_PATH), "IAM path of newGroupName.", key="newGroupPath")
    session_duration_seconds: int | None = spec_field(None, _optional(_whole(limits.MIN_CLI_SESSION_SECONDS, limits.MAX_SESSION_SECONDS, " seconds")), "duration_seconds of every awsCliConfig profile, 900..43200. 0: left out.", key="sessionDurationSeconds", unset=0)
    region: str | None = spec_field(None, _optional(check.region), "region of every awsCliConfig profile and extension entry. Empty: left out.", key="region", unset="")
    switch_role_color: str | None = spec_field(None, _optional(check.color), "Console colour (6 hex digits) of the switch-role links and extension entries. Empty: none.", key="switchRoleColor", unset="")
    require_mfa: bool = spec_field(False, check.boolean, REQUIRE_MFA_DOC, key="requireMfa", side="both")
    tags: dict[str, str] = spec_field(EMPTY, check.tags, TAGS_DOC, key="tags", side="both")
    expires_at: str | None = spec_field(None, _optional(check.expires_at), EXPIRES_AT_DOC, key="expiresAt", side="both", unset="")
    role_requires_external_id: Any = spec_field(False, check.boolean, "The roles' trust policies require sts:ExternalId: a bool, or an Output of one.", deferred=_is_output)
    role_requires_mfa: Any = spec_field(False, check.boolean, "The roles' trust policies require MFA: a bool, or an Output of one.", deferred=_is_output)
    role_requirements: Any = spec_field(None, _role_requirements, "Checked RoleRequirement entries, or an Output of them (checked once it resolves).", deferred=check.has_any_output)
    organizational_unit_grants: Any = spec_field(None, _unit_grants, "Checked OrganizationalUnitAccess entries, or an Output of them.", deferred=check.has_any_output)


@dataclass(frozen=True)
class StackSetSpec:
    """TrustingRoleRollout's stackset-mode inputs, checked (``validate_stackset_args``)."""

    organizational_unit_ids: tuple[str, ...] = spec_field((), None, "The units to deploy the role to (checked with the roots rule).")
    exclude_account_ids: tuple[str, ...] = spec_field((), _list(check.account_id), "Refused in stackset mode (see stackset.EXCLUDE_REFUSED).")
    management_account_id: str | None = spec_field(None, _optional(check.account_id, ""), "The organization's management account, when known.")
    stack_set_name: str | None = spec_field(None, None, "The StackSet's name (checked by validate_stackset_args).")
    call_as: str = spec_field(limits.DEFAULT_CALL_AS, _one_of(CALL_AS), 'Stackset mode: "SELF" (the management account) or "DELEGATED_ADMIN" (a delegated administrator).', key="callAs")
    retain_stacks_on_account_removal: bool = spec_field(False, check.boolean, "Stackset mode: an account that leaves the units keeps its role.", key="retainStacksOnAccountRemoval")
    max_concurrent_percentage: int = spec_field(limits.DEFAULT_MAX_CONCURRENT_PERCENTAGE, _whole(1, 100, " percent"), "Stackset mode: accounts deployed at a time, percent, 1..100.", key="maxConcurrentPercentage")
    failure_tolerance_percentage: int = spec_field(limits.DEFAULT_FAILURE_TOLERANCE_PERCENTAGE, _whole(0, 100, " percent"), "Stackset mode: accounts that may fail before an operation stops, percent.", key="failureTolerancePercentage")
    region_concurrency_type: str = spec_field(limits.DEFAULT_REGION_CONCURRENCY, _one_of(REGION_CONCURRENCY), 'Stackset mode: "PARALLEL" or "SEQUENTIAL".', key="regionConcurrencyType")
    stack_set_instance_region: str | None = spec_field(None, _optional(check.region), "Stackset mode: region of the stack instances. Empty: the stack's region.", key="stackSetInstanceRegion", unset="")
    stack_set_recreate_roles: bool = spec_field(False, check.boolean, "Stackset mode: apply a change of the StackSet's name (the stack's), retainStacksOnAccountRemoval or the instances' region, which re-creates the role in every account; false: held back, with a warning.", key="stackSetRecreateRoles")


@dataclass(frozen=True)
class RolloutSpec:
    """TrustingRoleRollout's own inputs, checked (``rollout.validate_rollout_args``); the role's are a RoleSpec."""

    secret_inputs: tuple[str, ...] = spec_field((), _rollout_secret_inputs, "The inputs (the rollout's and the role's) whose values stay secret.")
    target_account_ids: tuple[str, ...] = spec_field(None, _target_accounts, "12-digit ids of the accounts to create the role in (required, known now).")
    rollout_mode: str = spec_field(MODES[0], _one_of(MODES), '"providers" (a provider and a role per account) or "stackset" (one service-managed StackSet).')
    deployment_role_name: str = spec_field(limits.DEFAULT_DEPLOYMENT_ROLE_NAME, check.role_name, "Providers mode: the role assumed in each target account to create the role there.")
    deployment_role_external_id: Any = spec_field(None, _optional(check.external_id), "Providers mode: sts:ExternalId for the deployment role, or an Output of it (kept secret).", deferred=_is_output)
    stackset: StackSetSpec | None = spec_field(None, None, "Stackset mode: its inputs, checked (stackset.validate_stackset_args); None in providers mode.")
# fmt: on


SPEC_OF: Mapping[str, type] = {
    "TrustingAccountRoleArgs": RoleSpec,
    "TrustedAccountAccessArgs": AccessSpec,
}
"""The spec of each component's Args (the stackset spec covers part of TrustingRoleRolloutArgs)."""
