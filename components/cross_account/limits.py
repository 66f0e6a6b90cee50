"""Defaults and IAM limits, named once.

Every number the components check against lives here, with the AWS quota it
comes from, so a raised quota is a one-line change and the docs can quote it.
"""

from __future__ import annotations

# Defaults ------------------------------------------------------------------

S3_READ_ONLY = "AmazonS3ReadOnlyAccess"
"""The AWS managed policy attached to the role when none is given."""

DEFAULT_ROLE_NAME = "cross-account-role"
DEFAULT_ROLE_DESCRIPTION = "Cross-account access role, assumable from the trusted accounts"
DEFAULT_POLICY_NAME = "cross-account-assume-role"
DEFAULT_PATH = "/"
DEFAULT_SESSION_SECONDS = 3600
DEFAULT_SOURCE_PROFILE = "default"
DEFAULT_DEPLOYMENT_ROLE_NAME = "OrganizationAccountAccessRole"
"""The role a rollout assumes in each member account: AWS Organizations creates it in the accounts it makes."""
DEFAULT_CALL_AS = "SELF"
"""A stackset-mode rollout acts as the organization's management account unless told DELEGATED_ADMIN."""
DEFAULT_MAX_CONCURRENT_PERCENTAGE = 100
"""StackSet operations: accounts at a time, in percent of the targets (CloudFormation lowers it to the
failure tolerance + 1 in its default STRICT_FAILURE_TOLERANCE mode)."""
DEFAULT_FAILURE_TOLERANCE_PERCENTAGE = 10
"""StackSet operations: accounts, in percent, that may fail before CloudFormation stops the operation."""
DEFAULT_REGION_CONCURRENCY = "PARALLEL"
ROLE_ARNS_BY_ACCOUNT_OUTPUT = "roleArnsByAccount"
"""Trusting stack output of a rollout: account id -> role ARN; the trusted stack reads it instead of roleArn."""

PLACEHOLDER_ACCOUNT_IDS = ("111122223333", "444455556666", "123456789012", "012345678901")
"""Account ids AWS's documentation uses as examples (IAM User Guide: 111122223333 and 444455556666;
ARN reference: 123456789012; Account Management reference: 012345678901). The examples of this
project use them; a stack that trusts one of them is warned about, as it is no account you own."""

ROLE_ARN_PATTERN_OUTPUT = "roleArnPattern"
"""Trusting stack output: arn:<partition>:iam::*:role/<path><name>, the role in any account."""
ROLE_ARN_PATTERNS_OUTPUT = "roleArnPatterns"
"""Trusted stack output: the role ARN patterns its policies grant by organization path (beside roleArns)."""
COVERED_UNITS_OUTPUT = "coveredOrganizationalUnitIds"
"""Trusting stack output of a stackset-mode rollout: the units whose accounts get the role, those joining later too."""
ORGANIZATIONAL_UNIT_PATHS_OUTPUT = "organizationalUnitPaths"
"""Trusting stack output of a stackset-mode rollout: aws:ResourceOrgPaths patterns of the covered units."""
ROLE_ARN_OUTPUT = "roleArn"
"""The trusting stack output the trusted stack reads through a StackReference."""
EXTERNAL_ID_REQUIRED_OUTPUT = "externalIdRequired"
"""Trusting stack output: the role's trust policy requires sts:ExternalId."""
MFA_REQUIRED_OUTPUT = "mfaRequired"
"""Trusting stack output: the role's trust policy requires MFA."""
SWITCH_ROLE_URLS_BY_ACCOUNT_OUTPUT = "switchRoleUrlsByAccount"
"""Trusting stack output of a rollout: account id -> console switch-role link."""
SESSION_NAME_REQUIRED_OUTPUT = "sessionNameRequired"
"""Trusting stack output: callers must name the session after their IAM user name."""
SOURCE_IDENTITY_REQUIRED_OUTPUT = "sourceIdentityRequired"
"""Trusting stack output: callers must set a source identity."""
SESSION_TAGS_ALLOWED_OUTPUT = "sessionTagsAllowed"
"""Trusting stack output: callers may tag their session (their policy needs sts:TagSession too)."""
SOURCE_IDENTITY_ALLOWED_OUTPUT = "sourceIdentityAllowed"
"""Trusting stack output: callers may set a source identity (their policy needs sts:SetSourceIdentity too)."""
REVOKE_SESSIONS_POLICY_NAME = "AWSRevokeOlderSessions"
"""The inline policy the IAM console's "Revoke active sessions" writes; revokeSessionsIssuedBefore writes the same."""
EXPIRES_AT_OUTPUT = "expiresAt"
"""Trusting stack output: when the access ends (RFC 3339 UTC), or ""."""
ROLE_UNIQUE_IDS_BY_ACCOUNT_OUTPUT = "roleUniqueIdsByAccount"
"""Trusting stack output of a providers-mode rollout: account id -> its role's unique id (for the audit)."""
AUDIT_BASELINE_OUTPUT = "auditBaseline"
"""A trusting stack output: what cross-account-audit compares the live role with (trust policy, policies, limits)."""
MAX_SESSION_DURATION_OUTPUT = "maxSessionDuration"
"""Trusting stack output: the role's longest session in seconds (the trusted side's CLI profiles ask for no more)."""
CALLER_REQUIREMENTS_OUTPUT = "callerRequirements"
"""Trusting stack output of a role with caller entries: each entry's name, accounts and requirements
(no external id); the trusted side applies the entry that admits its account."""
OUTPUT_NAMES = frozenset(
    {
        CALLER_REQUIREMENTS_OUTPUT,
        ROLE_ARN_OUTPUT,
        ROLE_ARNS_BY_ACCOUNT_OUTPUT,
        EXTERNAL_ID_REQUIRED_OUTPUT,
        MFA_REQUIRED_OUTPUT,
        SWITCH_ROLE_URLS_BY_ACCOUNT_OUTPUT,
        SESSION_NAME_REQUIRED_OUTPUT,
        SOURCE_IDENTITY_REQUIRED_OUTPUT,
        SESSION_TAGS_ALLOWED_OUTPUT,
        SOURCE_IDENTITY_ALLOWED_OUTPUT,
        EXPIRES_AT_OUTPUT,
        MAX_SESSION_DURATION_OUTPUT,
        ROLE_ARN_PATTERN_OUTPUT,
        COVERED_UNITS_OUTPUT,
        ORGANIZATIONAL_UNIT_PATHS_OUTPUT,
    }
)
"""The trusting stack outputs the trusted side reads: names in error keys, never hidden."""

# IAM limits (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)

MIN_SESSION_SECONDS = 3600
MAX_SESSION_SECONDS = 43200
"""Also the longest any role session lasts: a session issued before T has expired by T + 12 hours."""
MIN_CLI_SESSION_SECONDS = 900
"""The shortest session the AWS CLI's duration_seconds (and STS) accepts."""
ROLE_CHAINING_MAX_SECONDS = 3600
"""The longest session STS gives a role session that assumes another role (role chaining)."""
ROLE_NAME_MAX = 64
PATH_MAX = 512
POLICY_NAME_MAX = 128
DESCRIPTION_MAX = 1000
CONSOLE_SWITCH_ROLE_MAX = 64
"""Path + name longer than this cannot be used in the console's switch-role page."""
ROLE_SESSION_NAME_MAX = 64
"""sts:AssumeRole's RoleSessionName: 2-64 characters."""
EXTERNAL_ID_MIN = 2
EXTERNAL_ID_MAX = 1224
MFA_MAX_AGE_MAX = 129600
"""36 hours, the longest STS session an MFA-authenticated user can hold."""
TAGS_MAX = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256

TRUST_POLICY_DEFAULT_MAX = 2048
"""Role trust policy size quota (characters, whitespace not counted), default."""
TRUST_POLICY_QUOTA_MAX = 4096
"""Role trust policy size quota, the most AWS grants on request."""
MANAGED_POLICY_MAX = 6144
"""Customer managed policy document size (characters, whitespace not counted)."""
INLINE_ROLE_POLICIES_MAX = 10240
"""Aggregate size of all inline policies of one role."""
MANAGED_POLICIES_PER_ROLE_DEFAULT = 10
MANAGED_POLICIES_PER_ROLE_MAX = 20
MANAGED_POLICIES_PER_PRINCIPAL_DEFAULT = 10
"""Managed policies attached to one user or group, default quota."""
MANAGED_POLICIES_PER_PRINCIPAL_MAX = 20
GROUPS_PER_USER_MAX = 10
"""Groups one IAM user may belong to (not adjustable)."""

MAX_NESTING = 16
"""How deep maps and lists may nest in one input: an IAM document needs 6 levels
(document, Statement list, statement, Condition, operator, key and its list)."""

EXPIRY_WARNING_DAYS = 7
"""An end of access (expiresAt) this close gets a warning."""
