"""The front page (README.md) and the pages under docs/: short, linked, and true.

README.md is what a newcomer sees first: what the project is, the diagram and
the two commands, then one short section per task, each linking to its page
under docs/. These tests keep it that way and check what the pages say that a
test can check: links and anchors, repository paths, `make` targets, what
`make local` does without the Pulumi CLI, the numbers quoted from the code,
and the Python example, run under mocks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
from conftest import TRUSTED_ACCOUNT, RecordingMocks, pulumi_run, run_main, stack_file_config

from cross_account import (
    CliProfile,
    ExtensionEntry,
    TrustedAccountAccess,
    aws_cli_config,
    policy_size,
    switch_roles_extension_config,
    trust_policy,
)
from cross_account.documents import mfa_serial_placeholder
from local import run as local_run
from policy.rules import POLICIES

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
OTHER_READMES = [
    ROOT / "components" / "README.md",
    ROOT / "policy" / "README.md",
    *sorted((ROOT / "examples").glob("*/README.md")),
]
"""Their links are checked too: they point into README.md and docs/."""
FRONT_PAGE_MAX_LINES = 150
COMMANDS_WITHIN_LINES = 40
VERSION = tomllib.loads((ROOT / "components" / "pyproject.toml").read_text())["project"]["version"]

FENCE_RE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n(?P<body>.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
INLINE_CODE_RE = re.compile(r"(?<!`)`(?P<code>[^`]+)`(?!`)")
LINK_RE = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING_RE = re.compile(r"^#{1,6}[ \t]+(?P<title>.+?)[ \t]*#*[ \t]*$", re.M)
SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
MAKE_RE = re.compile(r"(?<![\w-])make (?P<target>[a-z][\w-]*)")
PATH_LIKE_RE = re.compile(r"[\w.-]+(?:/[\w.-]+)*/?")
PATH_SUFFIXES = (".py", ".yaml", ".md", ".json")
STACK_NAME_RE = re.compile(r"[\w.-]+/cross-account-access/[\w.-]+")
"""A fully qualified stack name (`<organization>/cross-account-access/<stack>`): not a file."""
BAD_INPUTS_BEGIN = "<!-- bad-inputs:begin"
BAD_INPUTS_END = "<!-- bad-inputs:end -->"
"""The generated table of bad inputs in docs/security.md (tests/test_bad_inputs.py keeps it)."""
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".pulumi-local",
}


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def without_code_blocks(text: str) -> str:
    """The text with every fenced code block blanked out (line numbers kept)."""
    return FENCE_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def code_block_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of every line inside a fenced code block."""
    for match in FENCE_RE.finditer(text):
        first = text.count("\n", 0, match.start("body")) + 1
        for offset, line in enumerate(match.group("body").splitlines()):
            yield first + offset, line


def inline_code(text: str) -> list[str]:
    """The inline code spans outside fenced code blocks."""
    return [" ".join(m.group("code").split()) for m in INLINE_CODE_RE.finditer(without_code_blocks(text))]


def slug(title: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link in a heading keeps its text
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    for match in HEADING_RE.finditer(without_code_blocks(page.read_text())):
        base = slug(match.group("title"))
        name, number = base, 0
        while name in found:
            number += 1
            name = f"{base}-{number}"
        found.add(name)
    return found


def makefile_targets() -> set[str]:
    """The explicit targets of the Makefile (not variables, not special targets, not file rules)."""
    targets: set[str] = set()
    for line in (ROOT / "Makefile").read_text().splitlines():
        match = re.match(r"^(?P<names>[A-Za-z0-9_.-]+(?:[ \t]+[A-Za-z0-9_.-]+)*)[ \t]*:(?!=)", line)
        if match:
            targets.update(n for n in match.group("names").split() if not n.startswith("."))
    return targets


def repository_files() -> list[Path]:
    files = []
    for directory, subdirectories, names in os.walk(ROOT):
        subdirectories[:] = [
            d for d in subdirectories if d not in SKIPPED_DIRS and not d.endswith(".egg-info")
        ]
        files += [Path(directory) / name for name in names]
    return files


def gitignore_patterns() -> list[str]:
    lines = (ROOT / ".gitignore").read_text().splitlines()
    return [line.strip().strip("/") for line in lines if line.strip() and not line.startswith("#")]


def generated(path: str) -> bool:
    """The path is one that .gitignore lists: made by make or the Pulumi CLI, never committed."""
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in gitignore_patterns():
        if "/" in pattern:
            if any(fnmatch(prefix, pattern) for prefix in prefixes):
                return True
        elif any(fnmatch(part, pattern) for part in parts):
            return True
    return False


def path_like(span: str) -> bool:
    return (
        PATH_LIKE_RE.fullmatch(span) is not None
        and ("/" in span or span.endswith(PATH_SUFFIXES))
        and STACK_NAME_RE.fullmatch(span) is None
    )


# -- the front page ------------------------------------------------------------------------------


def test_the_front_page_is_at_most_150_lines() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= FRONT_PAGE_MAX_LINES, f"README.md has {len(lines)} lines: move detail to docs/"


def test_make_test_and_make_local_are_commands_within_the_first_40_lines() -> None:
    commands = [
        line.split("#")[0].split()
        for number, line in code_block_lines(README.read_text())
        if number <= COMMANDS_WITHIN_LINES
    ]
    assert ["make", "test"] in commands, (
        f"no `make test` command in README.md's first {COMMANDS_WITHIN_LINES} lines"
    )
    assert ["make", "local"] in commands, (
        f"no `make local` command in README.md's first {COMMANDS_WITHIN_LINES} lines"
    )


def test_every_page_under_docs_is_linked_from_the_front_page() -> None:
    linked = {
        (README.parent / m.group("target").split("#")[0]).resolve()
        for m in LINK_RE.finditer(without_code_blocks(README.read_text()))
        if not SCHEME_RE.match(m.group("target"))
    }
    orphans = sorted(relative(page) for page in DOCS.glob("*.md") if page.resolve() not in linked)
    assert not orphans, f"README.md does not link to {orphans}"


# -- links, paths, make targets --------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES + OTHER_READMES, ids=relative)
def test_every_relative_link_resolves_to_a_file_and_anchor_of_the_repository(page: Path) -> None:
    text = INLINE_CODE_RE.sub("code", without_code_blocks(page.read_text()))
    broken = []
    for match in LINK_RE.finditer(text):
        target = match.group("target")
        if SCHEME_RE.match(target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and (resolved.suffix != ".md" or anchor not in anchors(resolved)):
            broken.append(f"{target}: no heading #{anchor} in {relative(resolved)}")
    assert not broken, f"{relative(page)}: {broken}"


def make_targets_named(page: Path) -> set[str]:
    """Targets of every `make <target>` in the page's code: inline spans and code blocks."""
    text = page.read_text()
    code = inline_code(text) + [line for _, line in code_block_lines(text)]
    return {m.group("target") for span in code for m in MAKE_RE.finditer(span)}


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_every_make_target_named_is_a_target_of_the_makefile(page: Path) -> None:
    unknown = sorted(make_targets_named(page) - makefile_targets())
    assert not unknown, f"{relative(page)} names `make {unknown}`, which the Makefile does not define"


def test_the_target_and_makefile_parsers_find_what_they_should() -> None:
    assert {"test", "local", "local-destroy", "venv"} <= make_targets_named(README)
    assert "release-check" in make_targets_named(DOCS / "components.md")
    targets = makefile_targets()
    assert {
        "test",
        "lint",
        "venv",
        "local",
        "local-destroy",
        "bench",
        "dist",
        "release-check",
        "clean",
    } <= targets
    assert not {"VENV", "BIN", "UV", "PYTHON", ".PHONY"} & targets


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_every_repository_path_in_backticks_exists(page: Path) -> None:
    names = {path.name for path in repository_files()}
    text = page.read_text()
    if BAD_INPUTS_BEGIN in text:  # its cells are config values, wrong on purpose (`ops/`, `a/b/c/d`)
        text = text[: text.index(BAD_INPUTS_BEGIN)] + text[text.index(BAD_INPUTS_END) :]
    missing = []
    for span in inline_code(text):
        if not path_like(span):
            continue
        path = span.rstrip("/")
        if "/" in span:
            if not (ROOT / path).exists() and not generated(path):
                missing.append(span)
        elif path not in names:
            missing.append(span)
    assert not missing, f"{relative(page)} names paths the repository does not have: {missing}"


def test_the_path_check_tells_paths_from_other_code() -> None:
    assert (
        path_like("components/cross_account/limits.py") and path_like("policy/") and path_like("Pulumi.yaml")
    )
    assert not path_like("organization/cross-account-access/trusting")
    assert not path_like("~/.aws/config") and not path_like("s3:GetObject") and not path_like("make local")
    assert generated(".pulumi-local/state") and generated("policy/venv") and not generated("policy/rules.py")


def test_every_release_tag_the_docs_name_is_the_current_version() -> None:
    for page in PAGES:
        tags = set(re.findall(r"@(v\d+\.\d+\.\d+)", page.read_text()))
        assert tags <= {f"v{VERSION}"}, f"{relative(page)} names {tags}, the version is {VERSION}"


# -- make local without the Pulumi CLI -------------------------------------------------------------


def test_make_local_without_the_pulumi_cli_stops_with_the_install_line_and_exits_2(tmp_path: Path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("make", "python3"):
        found = shutil.which(tool)
        assert found, f"{tool} is not on PATH"
        (tools / tool).symlink_to(found)
    env = {"PATH": str(tools), "HOME": str(tmp_path)}  # make and python, and no pulumi
    assert shutil.which("pulumi", path=env["PATH"]) is None
    local_files = ROOT / ".pulumi-local"
    had_local_files = local_files.exists()
    done = subprocess.run(
        ["make", "local"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert (done.returncode, done.stdout) == (2, ""), done
    lines = done.stderr.splitlines()
    line = local_run.install_pulumi("make local")
    assert re.fullmatch(rf"Makefile:\d+: \*\*\* {re.escape(line)}\.  Stop\.", lines[0]), lines
    assert len(lines) == 1, lines
    assert local_files.exists() == had_local_files, "nothing is started, nothing is written or removed"

    page = " ".join((DOCS / "local.md").read_text().split())
    assert f"Makefile:<line>: *** {line}. Stop." in page
    assert "and exits with status 2, before it builds `.venv`" in page
    assert local_run.install_pulumi("python -m local.run up") in page
    front = " ".join(README.read_text().split())
    assert "make stops with one line saying how to install it, before it builds `.venv`" in front


# -- numbers the pages quote -----------------------------------------------------------------------


def test_the_quoted_trust_policy_capacity_is_what_the_size_check_allows() -> None:
    def fits(limit: int) -> int:
        accounts = [f"{100_000_000_000 + i:012d}" for i in range(200)]
        return max(n for n in range(1, 200) if policy_size(trust_policy("aws", accounts[:n])) <= limit)

    assert (fits(2048), fits(4096)) == (57, 119)
    configuration = " ".join((DOCS / "configuration.md").read_text().split())
    assert "2,048-character quota holds 57 accounts, the raised 4,096 holds 119" in configuration
    benchmarks = " ".join((DOCS / "benchmarks.md").read_text().split())
    assert "can trust up to 57 accounts (119 with the raised 4,096-character quota)" in benchmarks


def test_the_security_page_counts_the_policy_pack_rules() -> None:
    words = {6: "six", 7: "seven", 8: "eight"}
    assert f"the pack has {words[len(POLICIES)]} rules" in " ".join(
        (DOCS / "security.md").read_text().split()
    )


def test_the_testing_page_names_every_test_module() -> None:
    page = (DOCS / "testing.md").read_text()
    modules = sorted(path.name for path in (ROOT / "tests").glob("test_*.py"))
    missing = [name for name in modules if f"`{name}`" not in page]
    assert not missing, f"docs/testing.md does not say what {missing} test"


@pytest.mark.parametrize("page", PAGES + OTHER_READMES, ids=relative)
def test_every_page_speaks_to_the_reader_not_of_the_machines_it_was_written_on(page: Path) -> None:
    text = " ".join(page.read_text().split()).lower()
    for words in ("these machines", "this machine", "our machines", "the machines here"):
        assert words not in text, f"{relative(page)} speaks of {words!r}: say what the reader needs instead"


CITED_PAGE = re.compile(r"(?<![\w*/.-])((?:\.\./|[\w-]+/)*[\w.-]+\.md)\b")
"""A Markdown page a source file cites (not a glob such as ``*/README.md``)."""


def test_every_page_a_source_file_cites_is_in_the_project() -> None:
    folders = ("tests", "components", "program", "local", "policy", "benchmarks", "tools", "examples")
    sources = [*ROOT.glob("*.py"), *(path for folder in folders for path in (ROOT / folder).rglob("*.py"))]
    missing = [
        f"{relative(source)}: {name}"
        for source in sources
        for name in sorted(set(CITED_PAGE.findall(source.read_text())))
        if not any((base / name).is_file() for base in (source.parent, ROOT, DOCS))
    ]
    assert not missing, f"cited pages that are not in the project: {missing}"
    elsewhere = "../shared/X" + ".md"  # written in two pieces, so that this file cites no such page
    assert CITED_PAGE.findall(f"see {elsewhere} and docs/testing.md, not */README.md") == [
        elsewhere,
        "docs/testing.md",
    ]


def test_the_outputs_page_lists_exactly_what_each_stack_exports() -> None:
    page = (DOCS / "outputs.md").read_text()
    documented: dict[str, set[str]] = {"trusting": set(), "trusted": set()}
    for line in page.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in documented:
            documented[cells[0]].update(re.findall(r"`(\w+)`", cells[1]))
    trusting = run_main(stack="trusting", config=stack_file_config("trusting"))
    mocks = RecordingMocks(
        account_id=TRUSTED_ACCOUNT,
        stack_outputs={"organization/cross-account-access/trusting": trusting.outputs},
    )
    trusted = run_main(stack="trusted", config=stack_file_config("trusted"), mocks=mocks)
    # A stack with caller entries exports callerRequirements too.
    callers = [{"name": "People", "trustedAccountIds": [TRUSTED_ACCOUNT], "requireMfa": True}]
    with_callers = run_main(stack="trusting", config={"callers": callers})
    assert set(with_callers.outputs) - set(trusting.outputs) == {"callerRequirements"}
    exported = set(trusting.outputs) | set(with_callers.outputs)
    assert documented == {"trusting": exported, "trusted": set(trusted.outputs)}


# -- the Python example of docs/components.md ------------------------------------------------------

PARTITION_INVOKE = "aws:index/getPartition:getPartition"
CALLER_INVOKE = "aws:index/getCallerIdentity:getCallerIdentity"


def python_example() -> str:
    page = (DOCS / "components.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```$", page, re.M | re.S)
    assert len(blocks) == 1, "docs/components.md should have one Python example"
    return str(blocks[0])


def run_python_example(namespace: dict[str, Any]) -> dict[str, Any]:
    """Run the example as a program would; its components' outputs become the run's outputs."""
    exec(compile(python_example(), "docs/components.md", "exec"), namespace)
    return {"roleArn": namespace["role"].role_arn, "awsCliConfig": namespace["access"].aws_cli_config}


def test_the_python_example_builds_the_role_on_the_default_provider_and_the_access_on_trusted() -> None:
    namespace: dict[str, Any] = {}

    run = pulumi_run(lambda: run_python_example(namespace), mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT))
    provider = run.one("pulumi:providers:aws")
    assert (provider.name, provider.inputs["profile"], provider.inputs["region"]) == (
        "trusted",
        "trusted",
        "us-east-1",
    )
    sides = {resource.type: resource.provider for resource in run.aws_resources}
    assert sides == {
        "aws:iam/role:Role": "",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "",
        "aws:iam/policy:Policy": f"{provider.urn}::trusted-id",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": f"{provider.urn}::trusted-id",
    }
    trust = json.loads(run.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}
    assert trust["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert run.one("aws:iam/groupPolicyAttachment:GroupPolicyAttachment").inputs["group"] == "auditors"
    assert (
        f"mfa_serial = arn:aws:iam::{TRUSTED_ACCOUNT}:mfa/<your-mfa-device-name>"
        in run.outputs["awsCliConfig"]
    )


def test_the_components_make_the_invokes_the_unit_test_section_names() -> None:
    page = " ".join((DOCS / "components.md").read_text().split())
    assert f"`TrustingAccountRole` calls `getPartition` (`{PARTITION_INVOKE}`" in page
    assert f"and `getCallerIdentity` (`{CALLER_INVOKE}`, to warn when the role trusts" in page
    assert "`TrustedAccountAccess` calls `getCallerIdentity` (for the `mfa_serial`" in page
    assert "when MFA is or may be required" in page

    example = pulumi_run(lambda: run_python_example({}))
    assert sorted(set(example.invokes)) == sorted({CALLER_INVOKE, PARTITION_INVOKE})

    def access_without_mfa() -> dict[str, Any]:
        role_arn = "arn:aws:iam::111122223333:role/audit"
        access = TrustedAccountAccess("audit", {"role_arns": [role_arn], "group_names": ["auditors"]})
        return {"awsCliConfig": access.aws_cli_config}

    run = pulumi_run(access_without_mfa)
    assert run.invokes == [], "without MFA TrustedAccountAccess makes no invoke"
    assert "mfa_serial" not in run.outputs["awsCliConfig"]


def test_the_outputs_page_shows_a_profile_and_an_extension_entry_as_the_code_writes_them() -> None:
    role = "arn:aws:iam::123456789012:role/audit"
    profile = CliProfile(
        role,
        "default",
        mfa_serial=mfa_serial_placeholder("aws", TRUSTED_ACCOUNT),
        region="eu-west-1",
        session_name_required=True,
        duration_seconds=3600,
        expires_at="2027-03-31T23:59:59Z",
    )
    entry = ExtensionEntry(role, color="f2b0a9", region="eu-west-1")
    blocks = re.findall(r"^```ini\n(.*?)^```$", (DOCS / "outputs.md").read_text(), re.M | re.S)
    assert blocks == [aws_cli_config([profile]), switch_roles_extension_config([entry])]
