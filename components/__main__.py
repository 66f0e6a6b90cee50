"""Component provider host: serves the components as the Pulumi package "cross-account".

Consumers in any Pulumi language run ``pulumi package add <repo-url>/components@<tag>``;
the Pulumi CLI then runs this file to read the package schema and to construct
``cross-account:index:TrustingAccountRole``, ``cross-account:index:TrustingRoleRollout`` and
``cross-account:index:TrustedAccountAccess``.
The package version is the distribution version in pyproject.toml.
"""

import tomllib
from pathlib import Path

from pulumi.provider.experimental import component_provider_host

from cross_account import TrustedAccountAccess, TrustingAccountRole, TrustingRoleRollout

PACKAGE_NAME = "cross-account"
COMPONENTS = [TrustingAccountRole, TrustingRoleRollout, TrustedAccountAccess]
PYPROJECT = Path(__file__).resolve().parent / "pyproject.toml"


def package_version() -> str:
    """The version in pyproject.toml, which a release tag v<version> must match."""
    return str(tomllib.loads(PYPROJECT.read_text())["project"]["version"])


if __name__ == "__main__":
    component_provider_host(COMPONENTS, PACKAGE_NAME, version=package_version())
