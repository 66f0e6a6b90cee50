"""The Makefile and the lock: plain `make` lists every target, a bad .venv or Python stops make with one
line, requirements.lock pins every requirement within its range with hashes, and .venv holds exactly the lock.

The .venv checks run on a copy of the Makefile in a temporary folder with fake interpreters; the real
.venv is only read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from local import run as local_run

MAKEFILE = ROOT / "Makefile"
LOCK = ROOT / "requirements.lock"
PHONY = [t for line in re.findall(r"^\.PHONY:(.*)$", MAKEFILE.read_text(), re.M) for t in line.split()]
# Lock entries: "name==version[ ; marker] \" followed by the "--hash=sha256:..." lines of that version.
LOCK_ENTRY = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)(?: ; (?P<marker>[^\\\n]+?))? \\\n"
    r"(?P<hashes>(?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)",
    re.M,
)


def make(*args: str, cwd: Path = ROOT, path_first: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run make as a person would, outside any parent make (whose flags would change its output).

    ``path_first``: a folder put before the rest of PATH (for fake tools).
    """
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEFILES")}
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        ["make", "--no-print-directory", *args], capture_output=True, text=True, timeout=60, cwd=cwd, env=env
    )


def requirements(path: Path) -> list[Requirement]:
    """The requirements of a requirements file, following -r includes."""
    found: list[Requirement] = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += requirements(path.parent / line[3:].strip())
        elif line:
            found.append(Requirement(line))
    return found


def lock_entries() -> list[dict[str, str]]:
    return [m.groupdict() for m in LOCK_ENTRY.finditer(LOCK.read_text())]


# -- help -----------------------------------------------------------------------------


def test_make_with_no_goal_prints_one_line_for_every_target() -> None:
    result = make()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "make <target>, where <target> is one of:"
    listed = [re.fullmatch(r"  (\S+) +(\S.*)", line) for line in lines[1:-1]]
    assert all(listed), lines
    targets = [m[1] for m in listed if m]
    assert sorted(targets) == sorted(PHONY), "every phony target, once, and nothing else"
    assert len(targets) == len(set(targets))
    assert {"help", "test", "lint", "venv", "lock", "local", "local-destroy", "bench", "dist"} <= set(targets)
    assert {"release-check", "clean"} <= set(targets)
    assert lines[-1] == "PYTHON=... names the Python (3.11+) that creates .venv (default: python3)."
    assert make("help").stdout == result.stdout


def test_every_target_of_the_help_is_a_rule_with_its_text_after_it() -> None:
    rules = re.findall(r"^([a-z][a-z-]*):[^=\n]*## (.+)$", MAKEFILE.read_text(), re.M)
    assert sorted(name for name, _ in rules) == sorted(PHONY)
    assert all(len(text) <= 100 for _, text in rules), "one short line each"


# -- a bad .venv or Python stops make before anything runs ------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the Makefile and the files its rules read, in a folder of its own."""
    shutil.copy(MAKEFILE, tmp_path / "Makefile")
    shutil.copy(LOCK, tmp_path / "requirements.lock")
    (tmp_path / "components").mkdir()
    shutil.copy(ROOT / "components" / "pyproject.toml", tmp_path / "components" / "pyproject.toml")
    return tmp_path


def fake_python(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """make stopped (exit 2) with a single line on stderr and nothing run; the line, without make's frame."""
    assert result.returncode == 2, result
    assert result.stdout == "", "nothing ran before the check"
    (line,) = result.stderr.splitlines()
    match = re.fullmatch(r"Makefile:\d+: \*\*\* (.*)\.  Stop\.", line)
    assert match, line
    return match[1]


def test_a_venv_whose_python_is_too_old_stops_make_with_one_line_naming_the_fix(project: Path) -> None:
    # What a Python 3.9 prints for the Makefile's version check.
    fake_python(project / ".venv" / "bin" / "python", "echo 3.9.18")
    tools = project / "tools"
    fake_python(tools / "pulumi", "exit 0")  # make local checks for the CLI before the venv
    for goal in ("test", "lint", "venv", "lock", "bench", "local"):
        assert one_error_line(make(goal, cwd=project, path_first=tools)) == (
            ".venv runs Python 3.9.18, older than 3.11. "
            "`make clean` removes it; the next make builds it anew with python3"
        )
    assert sorted(p.name for p in (project / ".venv" / "bin").iterdir()) == ["python"], (
        "nothing was installed"
    )


@pytest.mark.parametrize("python", ["missing", "exits 1", "prints nothing"])
def test_a_venv_whose_python_is_missing_or_does_not_run_stops_make_with_one_line(
    project: Path, python: str
) -> None:
    (project / ".venv" / "bin").mkdir(parents=True)
    if python == "exits 1":
        fake_python(project / ".venv" / "bin" / "python", "exit 1")
    elif python == "prints nothing":
        fake_python(project / ".venv" / "bin" / "python", "true")
    assert one_error_line(make("test", cwd=project)) == (
        ".venv is broken: .venv/bin/python is missing or does not run. "
        "`make clean` removes it; the next make builds it anew"
    )


def test_help_and_clean_run_whatever_state_the_venv_is_in(project: Path) -> None:
    fake_python(project / ".venv" / "bin" / "python", "exit 1")
    assert make(cwd=project).returncode == 0
    result = make("clean", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not (project / ".venv").exists()


def test_a_python_too_old_to_create_the_venv_stops_make_with_one_line(project: Path) -> None:
    old = fake_python(project / "bin" / "python3.9", "echo 3.9.18")
    assert one_error_line(make("test", f"PYTHON={old}", cwd=project)) == (
        f"{old} is Python 3.9.18, older than 3.11: install Python 3.11+, "
        "or name one: make test PYTHON=python3.11"
    )
    assert one_error_line(make("venv", "PYTHON=no-such-python", cwd=project)) == (
        "no-such-python is not a Python that runs: install Python 3.11+, or name one: make venv PYTHON=python3.11"
    )
    assert not (project / ".venv").exists()


def test_make_local_without_the_pulumi_cli_stops_with_one_line_before_building_the_venv(
    project: Path,
) -> None:
    tools = project / "bin"
    tools.mkdir()
    python, make_ = os.path.realpath(sys.executable), shutil.which("make")
    assert make_, "make is on PATH"
    (tools / "python3").symlink_to(python)  # a Python that could build .venv, and no pulumi
    env = {"PATH": str(tools), "HOME": str(project)}
    assert shutil.which("pulumi", path=env["PATH"]) is None
    for goal in (["local"], ["local", "KEEP=1"]):
        done = subprocess.run(
            [make_, "--no-print-directory", *goal],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=project,
            env=env,
        )
        assert one_error_line(done) == local_run.install_pulumi("make local")
    assert not (project / ".venv").exists(), "no .venv is built for a goal that cannot run"


def test_the_venv_is_rebuilt_when_the_lock_changes(project: Path) -> None:
    bin_ = project / ".venv" / "bin"
    fake_python(bin_ / "python", "echo ok")
    fake_python(bin_ / "uv", "exit 0")
    stamp = bin_ / ".installed"
    stamp.touch()
    os.utime(project / "requirements.lock", (1, 1))
    os.utime(project / "components" / "pyproject.toml", (1, 1))
    assert make("-n", "venv", cwd=project).stdout == "make: Nothing to be done for 'venv'.\n"
    (project / "requirements.lock").touch()
    planned = make("-n", "venv", cwd=project).stdout.splitlines()
    assert planned == [
        ".venv/bin/uv pip sync --quiet --python .venv/bin/python --require-hashes requirements.lock",
        ".venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e ./components",
        ".venv/bin/python -c 'import pulumi, pulumi_aws, boto3, moto.server, cross_account.offline, "
        "cross_account.audit, cross_account.verify, cross_account.console, program.plan, program.deployer'",
        "touch .venv/bin/.installed",
    ]


def test_what_make_runs_saves_the_bytecode_of_what_it_imports_whatever_the_shell_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This machine sets PYTHONDONTWRITEBYTECODE: under make, Python saves bytecode all the same, so the
    second process that imports pulumi reads it instead of compiling pulumi again."""
    (tmp_path / "Makefile").write_text(
        (ROOT / "Makefile").read_text()
        + "\nbytecode-probe:\n\t@printenv PYTHONDONTWRITEBYTECODE || echo unset\n"
    )
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (tmp_path / ".venv" / "bin" / ".installed").touch()
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    done = make("bytecode-probe", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "unset\n"), done.stderr


# -- release-check -------------------------------------------------------------------------


@pytest.fixture
def ready_venv(project: Path) -> Path:
    """The project with a .venv make takes as built: a Python that runs, uv, the stamp newer than the lock."""
    bin_ = project / ".venv" / "bin"
    bin_.mkdir(parents=True)
    (bin_ / "python").symlink_to(os.path.realpath(sys.executable))
    fake_python(bin_ / "uv", "exit 0")
    os.utime(project / "requirements.lock", (1, 1))
    os.utime(project / "components" / "pyproject.toml", (1, 1))
    (bin_ / ".installed").touch()
    return project


VERSION = tomllib.loads((ROOT / "components" / "pyproject.toml").read_text())["project"]["version"]


def test_the_committed_changelog_has_an_entry_for_the_version_and_release_check_passes(
    ready_venv: Path,
) -> None:
    shutil.copy(ROOT / "CHANGELOG.md", ready_venv / "CHANGELOG.md")
    done = make("release-check", f"TAG=v{VERSION}", cwd=ready_venv)
    assert (done.returncode, done.stdout) == (
        0,
        f"tag v{VERSION} matches components/pyproject.toml and CHANGELOG.md\n",
    ), done.stderr
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert headings[:1] == ["Unreleased"] and {"0.1.0", "0.2.0", VERSION} <= set(headings), headings


@pytest.mark.parametrize(
    "changelog",
    [
        None,
        "# Changelog\n\n## [Unreleased]\n",
        "## [{v}]\n",
        "## [{v}.1] - 2026-12-01\n",
        "### [{v}] - 2026-12-01\n",
    ],
    ids=["no-file", "no-entry", "no-date", "another-version", "not-a-version-heading"],
)
def test_release_check_refuses_a_version_without_a_changelog_entry(
    ready_venv: Path, changelog: str | None
) -> None:
    if changelog is not None:
        (ready_venv / "CHANGELOG.md").write_text(changelog.format(v=VERSION))
    done = make("release-check", f"TAG=v{VERSION}", cwd=ready_venv)
    assert done.returncode == 2
    assert done.stdout == (
        f"CHANGELOG.md has no entry for {VERSION}: add a section '## [{VERSION}] - <YYYY-MM-DD>' saying what changed\n"
    )


# -- the lock ------------------------------------------------------------------------------


def test_the_lock_pins_every_requirement_exactly_within_its_range_with_hashes() -> None:
    entries = lock_entries()
    text = LOCK.read_text()
    pins = [line for line in text.splitlines() if "==" in line and not line.startswith("#")]
    assert len(entries) == len(pins), "every pin is followed by its hashes"
    by_name: dict[str, list[dict[str, str]]] = {}
    for entry in entries:
        by_name.setdefault(canonicalize_name(entry["name"]), []).append(entry)
    wanted = requirements(ROOT / "requirements-dev.txt")
    assert {canonicalize_name(r.name) for r in wanted} >= {"pulumi", "pulumi-aws", "pytest", "mypy", "uv"}
    for requirement in wanted:
        found = by_name.get(canonicalize_name(requirement.name))
        assert found, f"{requirement} is not in requirements.lock: run make lock"
        for entry in found:
            assert requirement.specifier.contains(Version(entry["version"]), prereleases=True), (
                f"requirements.lock pins {entry['name']}=={entry['version']}, outside {requirement}: run make lock"
            )
            assert entry["hashes"].count("--hash=sha256:") >= 1
    body = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    for option in ("--index-url", "--extra-index-url", "--find-links", "-e ", "--editable"):
        assert not [line for line in body if option in line], (
            f"the lock names no index and no editable: {option}"
        )


def test_the_lock_says_how_it_was_made_and_how_to_upgrade() -> None:
    header = LOCK.read_text().split("\n\n", 1)[0]
    assert "uv pip compile requirements-dev.txt --universal --python-version 3.11 --generate-hashes" in header
    assert "`make lock UPGRADE=1`" in header and "then `make lock`" in header


def test_the_runtime_ranges_of_the_package_stay_ranges() -> None:
    for path in (ROOT / "requirements.txt", ROOT / "components" / "requirements.txt"):
        for requirement in requirements(path):
            assert {s.operator for s in requirement.specifier} == {">=", "<"}, f"{path.name}: {requirement}"


# -- .venv holds exactly the lock --------------------------------------------------------

PROBE = """
import importlib.metadata, json, sysconfig
from packaging.markers import default_environment
site = sysconfig.get_paths()["purelib"]
found = {}
for dist in importlib.metadata.distributions(path=[site]):
    direct = dist.read_text("direct_url.json")
    found[dist.metadata["Name"]] = {"version": dist.version, "direct_url": json.loads(direct) if direct else None}
print(json.dumps({"installed": found, "environment": default_environment()}))
"""


def test_the_venv_holds_exactly_what_the_lock_pins_and_the_components_from_the_tree() -> None:
    python = ROOT / ".venv" / "bin" / "python"
    probe = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    found = json.loads(probe.stdout)
    installed = {canonicalize_name(name): info for name, info in found["installed"].items()}
    expected = {
        canonicalize_name(e["name"]): e["version"]
        for e in lock_entries()
        if e["marker"] is None or Marker(e["marker"]).evaluate(found["environment"])
    }
    components = installed.pop("cross-account")
    assert components["direct_url"] == {"url": (ROOT / "components").as_uri(), "dir_info": {"editable": True}}
    # pip is the venv's own installer (python -m venv puts it there), which uv pip sync leaves alone.
    installed.pop("pip")
    assert {name: info["version"] for name, info in installed.items()} == expected
    assert sys.version_info >= (3, 11)


# -- CI ---------------------------------------------------------------------------------


def test_ci_runs_make_test_with_a_new_empty_uv_cache_and_no_pip_cache_and_removes_the_cache(
    tmp_path: Path,
) -> None:
    # A stand-in `make` on PATH reports what .ci/run gave it: a warm cache would hide an install step.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    report = tmp_path / "report.json"
    fake = bin_dir / "make"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "cache = os.environ.get('UV_CACHE_DIR', '')\n"
        f"json.dump({{'args': sys.argv[1:], 'cwd': os.getcwd(), 'cache': cache,\n"
        "    'cache_files': os.listdir(cache) if os.path.isdir(cache) else None,\n"
        f"    'pip': os.environ.get('PIP_NO_CACHE_DIR')}}, open({str(report)!r}, 'w'))\n"
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "UV_CACHE_DIR": str(tmp_path)}
    env.pop("PIP_NO_CACHE_DIR", None)
    ran = subprocess.run(["bash", str(ROOT / ".ci/run")], capture_output=True, text=True, timeout=60, env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    seen = json.loads(report.read_text())
    assert seen["args"] == ["test"] and seen["cwd"] == str(ROOT)
    assert seen["cache"] != str(tmp_path), "a new cache folder, not the one the caller had"
    assert seen["cache_files"] == [], "the cache folder exists and is empty when make test starts"
    assert seen["pip"] == "1"
    assert not Path(seen["cache"]).exists(), "the run removes its cache folder"
