"""Cross-account access with IAM roles, as Pulumi components.

``TrustingAccountRole`` builds the role in the trusting account;
``TrustingRoleRollout`` builds it in many accounts, each through its own provider;
``TrustedAccountAccess`` lets users, groups and roles of the trusted account assume it.
"""

from importlib.metadata import PackageNotFoundError, version

from .documents import (
    CliProfile,
    ExtensionEntry,
    RoleArn,
    assume_role_policy,
    aws_cli_config,
    parse_role_arn,
    policy_size,
    switch_role_url,
    switch_roles_extension_config,
    trust_policy,
)
from .rollout import TrustingRoleRollout, TrustingRoleRolloutArgs
from .trusted import (
    OrganizationalUnitAccess,
    RoleRequirement,
    TrustedAccountAccess,
    TrustedAccountAccessArgs,
    TrustedPrincipals,
    split_role_arns,
)
from .trusting import TrustingAccountRole, TrustingAccountRoleArgs
from .validation import InvalidInputError, ResolvedInputError

try:
    __version__ = version("cross-account")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "CliProfile",
    "ExtensionEntry",
    "InvalidInputError",
    "OrganizationalUnitAccess",
    "ResolvedInputError",
    "RoleArn",
    "RoleRequirement",
    "TrustedAccountAccess",
    "TrustedAccountAccessArgs",
    "TrustedPrincipals",
    "TrustingAccountRole",
    "TrustingAccountRoleArgs",
    "TrustingRoleRollout",
    "TrustingRoleRolloutArgs",
    "__version__",
    "assume_role_policy",
    "aws_cli_config",
    "parse_role_arn",
    "policy_size",
    "split_role_arns",
    "switch_role_url",
    "switch_roles_extension_config",
    "trust_policy",
]
