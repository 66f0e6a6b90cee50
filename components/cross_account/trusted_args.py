"""The inputs of TrustedAccountAccess (the component schema): TypedDicts, a docstring under every field."""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi


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
