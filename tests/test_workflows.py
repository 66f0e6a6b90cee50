"""The GitHub Actions workflows: valid against GitHub's schema, zero zizmor findings, and the contract of CI.

Both linters run offline: check-jsonschema bundles the workflow schema, and
zizmor's ``--offline`` skips the audits that would call GitHub.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
CURRENT_MAJORS = {
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "aws-actions/configure-aws-credentials": "v6",
    "pulumi/actions": "v7",
    "github/codeql-action/upload-sarif": "8aad20d150bbac5944a9f9d289da16a4b0d87c1e",
}
"""Vendors' actions at their current major tag; any other action at a full commit SHA (v4.36.2 here)."""


def load(name: str) -> dict[str, Any]:
    # PyYAML reads the `on:` key as True (YAML 1.1); take it back as "on".
    workflow: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True)
    return workflow


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def uses(job: dict[str, Any], action: str) -> dict[str, Any]:
    found = [s for s in steps(job) if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"expected one {action} step, got {found}"
    return found[0]


def all_workflows() -> list[str]:
    return sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def test_the_workflows_are_the_ci_and_the_release() -> None:
    assert all_workflows() == ["audit.yml", "ci.yml", "release.yml"]
    assert not list(WORKFLOWS.glob("*.yaml")), "one extension, so the checks below see every workflow"


def test_the_workflows_validate_against_githubs_workflow_schema() -> None:
    result = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *(str(WORKFLOWS / name) for name in all_workflows()),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_zizmor_finds_nothing_offline(persona: str) -> None:
    """Every workflow, audit.yml with its hash-pinned upload-sarif included."""
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", f"--persona={persona}", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_the_one_relaxed_zizmor_audit_is_explained_in_its_config() -> None:
    text = (ROOT / ".github" / "zizmor.yml").read_text()
    config = yaml.safe_load(text)
    assert list(config["rules"]) == ["unpinned-uses"]
    assert config["rules"]["unpinned-uses"]["config"]["policies"] == {
        "actions/*": "ref-pin",
        "pulumi/*": "ref-pin",
        "aws-actions/*": "ref-pin",
        "*": "hash-pin",
    }
    assert "cannot be looked up" in text, "the reason stands next to the setting"


@pytest.mark.parametrize("name", ["audit.yml", "ci.yml", "release.yml"])
def test_every_job_has_least_permissions_and_checks_out_without_persisting_credentials(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}, "nothing by default; each job asks for what it needs"
    for job_name, job in workflow["jobs"].items():
        assert "permissions" in job, job_name
        assert job["permissions"].get("contents") in ("read", "write"), job_name
        checkout = uses(job, "actions/checkout")
        assert checkout["with"]["persist-credentials"] is False, job_name
        for step in steps(job):
            if "uses" in step:
                action, ref = step["uses"].split("@")
                assert ref == CURRENT_MAJORS[action], f"{job_name}: {step['uses']}"
            assert "${{" not in step.get("run", ""), f"{job_name}: expressions reach scripts only through env"


def test_ci_runs_on_pull_requests_and_on_main() -> None:
    assert load("ci.yml")["on"] == {"pull_request": None, "push": {"branches": ["main"]}}


def test_ci_lints_and_tests_with_make_test() -> None:
    job = load("ci.yml")["jobs"]["test"]
    assert [s["run"] for s in steps(job) if "run" in s] == ["make test"]
    assert job["permissions"] == {"contents": "read"}


def test_ci_previews_both_stacks_with_oidc_the_policy_pack_and_a_pull_request_comment() -> None:
    job = load("ci.yml")["jobs"]["preview"]
    assert job["needs"] == "test"
    assert job["strategy"]["matrix"] == {"stack": ["trusting", "trusted"]}
    assert job["environment"] == "${{ matrix.stack }}", "one environment, so one AWS role, per account"
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    runs = [s["run"] for s in steps(job) if "run" in s]
    assert runs == [
        "make venv",
        "python -m venv policy/venv && policy/venv/bin/pip install -r policy/requirements.txt",
    ]
    aws = uses(job, "aws-actions/configure-aws-credentials")["with"]
    assert aws["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert aws["aws-region"] == "${{ vars.AWS_REGION }}"
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(aws), "OIDC only, no long-lived keys"
    pulumi = uses(job, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["stack-name"].endswith("/cross-account-access/${{ matrix.stack }}")
    assert pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert pulumi["with"]["secrets-provider"] == "${{ vars.PULUMI_SECRETS_PROVIDER }}"
    assert pulumi["with"]["comment-on-pr"] == "${{ github.event_name == 'pull_request' }}"
    order = [s.get("uses", s.get("run", "")).split("@")[0] for s in steps(job)]
    assert order.index("aws-actions/configure-aws-credentials") < order.index("pulumi/actions")


def test_ci_runs_make_local_with_the_pulumi_cli_installed() -> None:
    job = load("ci.yml")["jobs"]["local"]
    assert "with" not in uses(job, "pulumi/actions"), "no command: the action installs the CLI only"
    assert steps(job)[-1]["run"] == "make local"
    assert job["permissions"] == {"contents": "read"}


def test_the_release_checks_the_tag_tests_builds_and_publishes() -> None:
    workflow = load("release.yml")
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    job = workflow["jobs"]["release"]
    assert job["permissions"] == {"contents": "write"}
    assert [s["run"] for s in steps(job) if "run" in s] == [
        'make release-check TAG="$TAG"',
        "make test",
        "make dist",
        'gh release create "$TAG" dist/* --verify-tag --title "$TAG" --generate-notes',
    ]


def test_the_ci_page_names_every_repository_variable_and_secret_the_workflows_read() -> None:
    text = "\n".join((WORKFLOWS / name).read_text() for name in all_workflows())
    names = {name for _, name in re.findall(r"\b(vars|secrets)\.([A-Z][A-Z0-9_]*)", text)} - {"GITHUB_TOKEN"}
    assert names == {
        "AWS_ROLE_ARN",
        "AWS_REGION",
        "PULUMI_ORGANIZATION",
        "PULUMI_BACKEND_URL",
        "PULUMI_SECRETS_PROVIDER",
        "PULUMI_ACCESS_TOKEN",
        "PULUMI_CONFIG_PASSPHRASE",
        "AUDIT_ROLE_ARN",
        "AUDIT_ROLE_NAME",
    }
    page = (ROOT / "docs" / "ci.md").read_text() + (ROOT / "docs" / "audit.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in page)
    assert not missing, f"docs/ci.md does not name {missing}"


def test_the_audit_runs_on_a_schedule_with_oidc_read_only_and_uploads_its_sarif() -> None:
    workflow = load("audit.yml")
    assert "schedule" in workflow["on"]
    job = workflow["jobs"]["audit"]
    assert job["permissions"] == {"contents": "read", "id-token": "write", "security-events": "write"}
    assert (
        uses(job, "aws-actions/configure-aws-credentials")["with"]["role-to-assume"]
        == "${{ vars.AUDIT_ROLE_ARN }}"
    )
    audit = [s for s in steps(job) if "cross-account-audit" in s.get("run", "")]
    assert len(audit) == 1 and "--sarif > audit.sarif" in audit[0]["run"]
    order = list(steps(job))
    credentials = order.index(uses(job, "aws-actions/configure-aws-credentials"))
    outputs = next(i for i, s in enumerate(order) if "pulumi stack output" in s.get("run", ""))
    assert credentials < outputs, "the S3 backend's state (and KMS secrets) is read with AWS credentials"
    upload = uses(job, "github/codeql-action/upload-sarif")
    assert upload["with"]["sarif_file"] == "audit.sarif"
