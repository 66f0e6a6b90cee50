"""Cross-account access with IAM roles, as Pulumi components.

``TrustingAccountRole`` builds the role in the trusting account;
``TrustingRoleRollout`` builds it in many accounts, each through its own provider;
``TrustedAccountAccess`` lets users, groups and roles of the trusted account assume it.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time each module loads on first use (below)
    from .callers import Caller
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
    from .errors import InvalidInputError, ResolvedInputError
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

_HOMES = {
    **dict.fromkeys(
        (
            "CliProfile",
            "ExtensionEntry",
            "RoleArn",
            "assume_role_policy",
            "aws_cli_config",
            "parse_role_arn",
            "policy_size",
            "switch_role_url",
            "switch_roles_extension_config",
            "trust_policy",
        ),
        "documents",
    ),
    **dict.fromkeys(("TrustingRoleRollout", "TrustingRoleRolloutArgs"), "rollout"),
    **dict.fromkeys(
        (
            "OrganizationalUnitAccess",
            "RoleRequirement",
            "TrustedAccountAccess",
            "TrustedAccountAccessArgs",
            "TrustedPrincipals",
            "split_role_arns",
        ),
        "trusted",
    ),
    **dict.fromkeys(("TrustingAccountRole", "TrustingAccountRoleArgs"), "trusting"),
    **dict.fromkeys(("InvalidInputError", "ResolvedInputError"), "errors"),
    "Caller": "callers",
}
"""Public name -> the module that defines it. Loaded on first use (PEP 562), so that the console
scripts (cross_account.verify, .audit, .console), which never touch a component, load no pulumi."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


try:
    __version__ = version("cross-account")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Caller",
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
