"""The checked inputs of each component, typed: what ``validate_*`` returns and every step reads.

Each key is the input's own name (the TypedDict Args stay the component schema; a test holds these keys
equal to theirs), and a wrong key or a wrong use of a value is a mypy error. Defaults are applied: an
optional input left out is None (or its documented default, which a test compares with the Args'
docstrings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict


class CallerSpec(TypedDict):
    """One entry of TrustingAccountRole's ``callers``, checked (``callers.validate_callers``)."""

    name: str
    trusted_account_ids: tuple[str, ...]
    trusted_principal_arns: tuple[str, ...]
    trusted_permission_sets: tuple[str, ...]
    require_mfa: bool
    mfa_max_age_seconds: int | None
    external_ids: tuple[str, ...] | None
    allow_session_tags: bool
    source_identity: str | None
    session_name_is_username: bool
    extra_trust_conditions: dict[str, dict[str, str | tuple[str, ...]]]
    expires_at: str | None


class RoleSpec(TypedDict):
    """TrustingAccountRole's inputs, checked (``validate_trusting_args``)."""

    secret_inputs: tuple[str, ...]
    trusted_account_ids: Any
    """A tuple of account ids, or an Output of them (checked once it resolves)."""
    role_name: str
    role_path: str
    role_description: str
    managed_policy_arns: tuple[str, ...]
    inline_policies: dict[str, dict[str, Any]]
    max_session_duration: int
    permissions_boundary_arn: str | None
    require_mfa: bool
    mfa_max_age_seconds: int | None
    external_id: Any
    """A string, an Output (a secret), or None."""
    external_ids: Any
    """A tuple of strings, an Output, or None."""
    organization_id: str | None
    trusted_principal_arns: tuple[str, ...]
    allow_session_tags: bool
    source_identity: str | None
    session_name_is_username: bool
    expires_at: str | None
    trusted_permission_sets: tuple[str, ...]
    extra_trust_conditions: dict[str, dict[str, str | tuple[str, ...]]]
    revoke_sessions_issued_before: str | None
    force_detach_policies: bool
    tags: dict[str, str]
    trust_policy_size_limit: int
    managed_policies_per_role_limit: int
    callers: tuple[CallerSpec, ...]
    """Empty when the flat keys say who the one caller is; else the caller entries (and
    trusted_account_ids is every account they name)."""


class AccessSpec(TypedDict):
    """TrustedAccountAccess's inputs, checked (``validate_trusted_args``)."""

    secret_inputs: tuple[str, ...]
    role_arns: Any
    """A tuple of role ARNs, or an Output of them (checked once it resolves)."""
    user_names: tuple[str, ...]
    group_names: tuple[str, ...]
    role_names: tuple[str, ...]
    new_group_name: str | None
    new_group_members: tuple[str, ...]
    new_group_path: str
    policy_name: str
    policy_path: str
    require_mfa: bool
    role_requires_external_id: Any
    """A bool, or an Output of one."""
    role_requires_mfa: Any
    """A bool, or an Output of one."""
    source_profile: str
    managed_policies_per_principal_limit: int
    tags: dict[str, str]
    expires_at: str | None
    role_requirements: Any
    """Checked RoleRequirement entries, or an Output of them (checked once it resolves)."""
    session_duration_seconds: int | None
    organizational_unit_grants: Any
    """Checked OrganizationalUnitAccess entries, or an Output of them."""
    region: str | None
    switch_role_color: str | None


class StackSetSpec(TypedDict):
    """TrustingRoleRollout's stackset-mode inputs, checked (``validate_stackset_args``)."""

    organizational_unit_ids: tuple[str, ...]
    exclude_account_ids: tuple[str, ...]
    management_account_id: str | None
    stack_set_name: str | None
    call_as: str
    retain_stacks_on_account_removal: bool
    max_concurrent_percentage: int
    failure_tolerance_percentage: int
    region_concurrency_type: str
    stack_set_instance_region: str | None
    stack_set_recreate_roles: bool


SPEC_OF: Mapping[str, type] = {
    "TrustingAccountRoleArgs": RoleSpec,
    "TrustedAccountAccessArgs": AccessSpec,
}
"""The spec of each component's Args (the stackset spec covers part of TrustingRoleRolloutArgs)."""
