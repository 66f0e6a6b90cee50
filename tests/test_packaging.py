"""The Python route: components/ builds as an sdist and a wheel that install and import in a clean venv.

This is what ``pip install "git+<repo-url>#subdirectory=components"`` does for a
consumer. Everything runs offline and reads no package cache, so a fresh machine
passes as a warm one does: the package builds with the build backend that ``.venv``
already holds (no build isolation), and the clean venv sees the packages ``.venv``
holds through one path line (``sees_installed_packages``) instead of downloading
pulumi and pulumi-aws again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from uv import find_uv_bin

import cross_account


def site_packages(python: Path | str) -> Path:
    """The site-packages folder of the environment that ``python`` runs."""
    found = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return Path(found.stdout.strip())


def sees_installed_packages(venv: Path) -> Path:
    """Let ``venv`` import what this test environment has installed, behind its own packages.

    One path line in a ``.pth`` file appends this environment's site-packages to the
    venv's ``sys.path``. The ``.pth`` files in that folder are not run from there, so
    the checkout's editable ``cross_account`` stays invisible: what the venv imports
    of this project is only what was installed into it. Nothing is downloaded or read
    from a package cache.
    """
    path = site_packages(venv / "bin" / "python") / "test-environment.pth"
    path.write_text(f"{site_packages(sys.executable)}\n")
    return path


PACKAGE_DIR = ROOT / "components"
PYPROJECT = tomllib.loads((PACKAGE_DIR / "pyproject.toml").read_text())["project"]
VERSION = PYPROJECT["version"]
EXPORTS = [
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
MODULES = sorted(
    p.relative_to(PACKAGE_DIR / "cross_account").as_posix()
    for p in (PACKAGE_DIR / "cross_account").rglob("*")
    if (p.suffix in (".py", ".txt") or p.name == "py.typed") and "__pycache__" not in p.parts
)
"""Every module and data file of the package, subpackages (cross_account/iam/...) included."""

PROBE = """
import json, pathlib
import cross_account
from cross_account import *
from cross_account import TrustedAccountAccess, TrustingAccountRole
package = pathlib.Path(cross_account.__file__).parent
print(json.dumps({
    "file": cross_account.__file__,
    "all": cross_account.__all__,
    "star": sorted(k for k in globals() if k in cross_account.__all__),
    "version": cross_account.__version__,
    "typed": (package / "py.typed").is_file(),
    "components": [TrustingAccountRole.__module__, TrustedAccountAccess.__module__],
}))
"""


def uv(*args: str) -> None:
    subprocess.run([find_uv_bin(), *args, "--offline", "--no-cache", "--quiet"], check=True, timeout=120)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build the sdist and the wheel, install the wheel into a fresh venv and import it there."""
    out = tmp_path_factory.mktemp("dist")
    uv("build", str(PACKAGE_DIR), "--out-dir", str(out), "--no-build-isolation", "--python", sys.executable)
    wheel = out / f"cross_account-{VERSION}-py3-none-any.whl"
    sdist = out / f"cross_account-{VERSION}.tar.gz"
    venv = tmp_path_factory.mktemp("consumer") / "venv"
    uv("venv", str(venv), "--python", sys.executable)
    python = venv / "bin" / "python"
    sees_installed_packages(venv)
    uv("pip", "install", "--python", str(python), "--no-deps", str(wheel))
    probe = subprocess.run(
        [str(python), "-c", PROBE], capture_output=True, text=True, check=True, timeout=120, cwd=out
    )
    return {"wheel": wheel, "sdist": sdist, "venv": venv, "import": json.loads(probe.stdout)}


def test_the_wheel_holds_the_typed_package_and_nothing_else(built: dict[str, Any]) -> None:
    assert "py.typed" in MODULES and "__init__.py" in MODULES
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"cross_account-{VERSION}.dist-info/METADATA").decode()
    assert sorted(n for n in names if not n.startswith(f"cross_account-{VERSION}.dist-info/")) == [
        f"cross_account/{m}" for m in MODULES
    ]
    assert "Name: cross-account" in metadata.splitlines()
    assert f"Version: {VERSION}" in metadata.splitlines()
    for dependency in PYPROJECT["dependencies"]:
        name, rest = dependency.split(">=", 1)
        low, high = rest.split(",<")
        assert f"Requires-Dist: {name}<{high},>={low}" in metadata.splitlines()


def test_the_sdist_builds_the_same_package(built: dict[str, Any]) -> None:
    with tarfile.open(built["sdist"]) as sdist:
        names = sdist.getnames()
    root = f"cross_account-{VERSION}"
    for expected in ["pyproject.toml", "README.md", *(f"cross_account/{m}" for m in MODULES)]:
        assert f"{root}/{expected}" in names


def test_the_wheel_imports_from_a_clean_venv_with_its_version_and_deliberate_exports(
    built: dict[str, Any],
) -> None:
    found = built["import"]
    assert Path(found["file"]).is_relative_to(built["venv"]), "imported from the clean venv, not the checkout"
    assert found["version"] == VERSION
    assert found["typed"] is True
    assert found["all"] == EXPORTS
    assert found["star"] == sorted(EXPORTS)
    assert found["components"] == ["cross_account.trusting", "cross_account.trusted"]


def test_the_checkout_exports_the_same_names_and_version() -> None:
    assert cross_account.__all__ == EXPORTS
    assert all(hasattr(cross_account, name) for name in EXPORTS)
    assert cross_account.__version__ == VERSION
