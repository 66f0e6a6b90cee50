"""The inputs of TrustingAccountRole (the component schema): a TypedDict with a docstring under every
field, and which inputs the trust policy, the role's name and its derived outputs carry."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi

from .callers import (
    Caller,
)


class TrustingAccountRoleArgs(TypedDict):
    """Inputs of TrustingAccountRole."""

    trusted_account_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """12-digit ids of the accounts whose principals may assume the role (principal arn:<partition>:iam::<id>:root). Required unless callers is given."""
    role_name: NotRequired[str]
    """Role name, fixed so the ARN is predictable (1-64 characters). Default "cross-account-role"."""
    role_path: NotRequired[str]
    """IAM path of the role. Default "/"."""
    role_description: NotRequired[str]
    """Role description."""
    managed_policy_arns: NotRequired[Sequence[str]]
    """Managed policies attached to the role: ARNs, or names of AWS managed policies (resolved in the stack's partition). Default ["AmazonS3ReadOnlyAccess"], i.e. arn:<partition>:iam::aws:policy/AmazonS3ReadOnlyAccess; [] attaches none."""
    inline_policies: NotRequired[Mapping[str, Any]]
    """Inline policies of the role: policy name to identity policy document (an object)."""
    max_session_duration: NotRequired[int]
    """Longest session, in seconds, 3600..43200. Default 3600."""
    permissions_boundary_arn: NotRequired[str]
    """ARN of a managed policy used as the role's permissions boundary."""
    require_mfa: NotRequired[bool]
    """Trust only sessions authenticated with MFA (aws:MultiFactorAuthPresent). Default false."""
    mfa_max_age_seconds: NotRequired[int]
    """Trust only MFA authentications younger than this (aws:MultiFactorAuthAge); implies require_mfa."""
    external_id: NotRequired[pulumi.Input[str]]
    """Require this sts:ExternalId (2-1224 characters of letters, digits and +=,.@:/_-). Pass a secret to keep it secret."""
    organization_id: NotRequired[str]
    """Trust only principals of this AWS Organization (aws:PrincipalOrgID), e.g. o-abcdefghij."""
    trusted_principal_arns: NotRequired[Sequence[str]]
    """ARN patterns (aws:PrincipalArn, ArnLike) that narrow who may assume the role in the accounts they name; an account no pattern names is trusted whole."""
    tags: NotRequired[Mapping[str, str]]
    """Tags of the role."""
    trust_policy_size_limit: NotRequired[int]
    """The account's role trust policy size quota in characters, 2048 (AWS default) up to 4096 once raised."""
    managed_policies_per_role_limit: NotRequired[int]
    """The account's managed-policies-per-role quota, 10 (AWS default) up to 20 once raised."""
    allow_session_tags: NotRequired[bool]
    """Callers may tag their session: the trust policy also allows sts:TagSession (CI tools such as aws-actions/configure-aws-credentials tag by default). Default false."""
    source_identity: NotRequired[str]
    """"" (default): no source identity; "allowed": callers may set one (sts:SetSourceIdentity); "required": they must set one; "username": it must be their IAM user name (${aws:username}), which ties each session to a person in CloudTrail."""
    session_name_is_username: NotRequired[bool]
    """Callers must name their session after their IAM user (sts:RoleSessionName = ${aws:username}); the console does. Refused when the principal patterns leave only roles as callers (only IAM users have ${aws:username}). Default false."""
    external_ids: NotRequired[pulumi.Input[Sequence[str]]]
    """Several accepted sts:ExternalId values at once, so a third party's id can be rotated without an outage; each like external_id; not with external_id. Kept secret."""
    expires_at: NotRequired[str]
    """The access ends then (aws:CurrentTime DateLessThan): RFC 3339 UTC to the second, such as 2027-03-31T23:59:59Z; not in the past."""
    extra_trust_conditions: NotRequired[Mapping[str, Mapping[str, Any]]]
    """Further conditions on every Allow statement of the trust policy: IAM condition operator to condition key to a value or a list of values, e.g. {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}. They only narrow who may assume the role. Keys are compared without case, as IAM reads them; refused: a key another input writes, sts:ExternalId (use external_ids, which keeps it secret), conditions that can never hold, and set operators on single-valued aws: and sts: keys."""
    trusted_permission_sets: NotRequired[Sequence[str]]
    """IAM Identity Center permission set names: people signed in with one of them, in the trusted accounts, may assume the role (aws:PrincipalArn patterns for the roles Identity Center makes). They narrow like trusted_principal_arns."""
    force_detach_policies: NotRequired[bool]
    """Detach policies attached outside Pulumi when the role is deleted, so they cannot block pulumi destroy. Default true."""
    revoke_sessions_issued_before: NotRequired[str]
    """Deny every session of the role issued before this time (RFC 3339 with seconds and a time zone, not in the future, such as 2026-12-05T09:30:00Z): the inline policy AWSRevokeOlderSessions that the IAM console's "Revoke active sessions" writes (Deny * on * when aws:TokenIssueTime is earlier). Sessions issued later are not touched."""
    callers: NotRequired[Sequence[Caller]]
    """Several kinds of callers, each a trust statement of its own (Sid: the caller's name): each entry has a name, its own trusted_account_ids, trusted_principal_arns and trusted_permission_sets, and its own require_mfa, mfa_max_age_seconds, external_ids (kept secret), allow_session_tags, source_identity, session_name_is_username, extra_trust_conditions and expires_at, with the flat inputs' rules. Not with those flat inputs; organization_id applies to every caller."""
    secret_inputs: NotRequired[Sequence[str]]
    """Names of inputs (snake_case) whose values are secret: registered as secrets in every resource input and output, never shown in errors or warnings. Names that name resources (policy names) still appear in resource names."""


TRUST_INPUTS = (
    "trusted_account_ids",
    "require_mfa",
    "mfa_max_age_seconds",
    "external_id",
    "external_ids",
    "organization_id",
    "trusted_principal_arns",
    "allow_session_tags",
    "source_identity",
    "session_name_is_username",
    "expires_at",
    "extra_trust_conditions",
    "trusted_permission_sets",
    "callers",
)
"""The inputs the trust policy is built from: if one is secret, the whole document is."""
ROLE_NAME_INPUTS = ("role_name", "role_path")
"""The inputs the role's ARN is made of: if one is secret, so are the ARN, name and link."""
ROLE_DERIVED_OUTPUTS: Mapping[str, tuple[str, ...]] = {
    "inlinePolicies": ("inline_policies",),
    "managedPolicyArns": ("managed_policy_arns",),
    "tagsAll": ("tags",),
    "permissionsBoundary": ("permissions_boundary_arn",),
    "description": ("role_description",),
    "maxSessionDuration": ("max_session_duration",),
}
"""Role outputs -> the inputs whose values they carry back (AWS lists the attached and inline policies
on the role, and the tags with the provider's defaults): secret when one of those inputs is."""
