"""The examples: projects that consume the components as an outside project would.

``examples/python`` installs as written into a clean venv, passes its own tests
(run from its folder, as its README says) and runs under the mocks harness like
the root program; ``examples/yaml`` cannot run without the Pulumi CLI, so every
property it sets is checked against the package schema generated in-process.
"""

from __future__ import annotations

import json
import re
import runpy
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, TRUSTED_ACCOUNT, TRUSTING_ACCOUNT, Run, pulumi_run
from test_component_package import provider, type_of
from test_packaging import sees_installed_packages, site_packages

from cross_account.testing import CrossAccountMocks

EXAMPLES = ROOT / "examples"
PYTHON_EXAMPLE = EXAMPLES / "python"
YAML_EXAMPLE = EXAMPLES / "yaml"
VERSION = tomllib.loads((ROOT / "components" / "pyproject.toml").read_text())["project"]["version"]
INTERPOLATION = re.compile(r"^\$\{([A-Za-z][\w-]*)(?:\.(\w+))?\}$")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(provider().schema)
    return parsed


def test_every_example_has_a_project_file_and_a_readme() -> None:
    examples = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    assert examples == ["python", "yaml"]
    for name in examples:
        assert (EXAMPLES / name / "Pulumi.yaml").is_file()
        assert "## Run it" in (EXAMPLES / name / "README.md").read_text()


def test_the_examples_name_the_component_package_of_this_checkout_by_a_path_from_their_folder() -> None:
    text = (PYTHON_EXAMPLE / "requirements.txt").read_text()
    assert "-e ../../components" in text.splitlines()
    assert re.search(r"<[a-z][\w-]*>", text) is None, "no placeholder such as <owner> is left to fill in"
    package = (PYTHON_EXAMPLE / "../../components").resolve()
    assert tomllib.loads((package / "pyproject.toml").read_text())["project"]["name"] == "cross-account"
    project = yaml.safe_load((YAML_EXAMPLE / "Pulumi.yaml").read_text())
    assert project["packages"] == {"cross-account": "../../components"}
    assert (YAML_EXAMPLE / project["packages"]["cross-account"] / "PulumiPlugin.yaml").is_file()


def test_every_tag_the_readmes_name_is_the_current_release() -> None:
    for path in [ROOT / "README.md", *EXAMPLES.glob("*/README.md"), *EXAMPLES.glob("*/Pulumi.yaml")]:
        tags = set(re.findall(r"@(v\d+\.\d+\.\d+)", path.read_text()))
        assert tags <= {f"v{VERSION}"}, f"{path.relative_to(ROOT)} names {tags}, the release is v{VERSION}"


# -- examples/python, run under mocks --------------------------------------------

PYTHON_CONFIG = {
    "trustingProfile": "trusting",
    "trustedProfile": "trusted",
    "groupNames": ["auditors"],
    "aws:region": "eu-west-1",
}


def run_python_example(config: dict[str, Any] = PYTHON_CONFIG, **kwargs: Any) -> Run:
    project = yaml.safe_load((PYTHON_EXAMPLE / "Pulumi.yaml").read_text())

    def main() -> None:
        runpy.run_path(str(PYTHON_EXAMPLE / "__main__.py"), run_name="__main__")

    # The providers pick their accounts by profile: tell the mocks which account each stands for.
    mocks = CrossAccountMocks(
        TRUSTING_ACCOUNT, region="eu-west-1", provider_accounts={"trusted": TRUSTED_ACCOUNT}
    )
    return pulumi_run(main, project=project["name"], stack="dev", config=config, mocks=mocks, **kwargs)


def test_the_python_example_is_a_separate_project_that_installs_the_package() -> None:
    project = yaml.safe_load((PYTHON_EXAMPLE / "Pulumi.yaml").read_text())
    assert project["name"] == "cross-account-example"
    assert project["runtime"]["name"] == "python"
    assert set(project["config"]) == {"trustingProfile", "trustedProfile", "groupNames", "aws:region"}
    source = (PYTHON_EXAMPLE / "__main__.py").read_text()
    assert "from cross_account import TrustedAccountAccess, TrustingAccountRole" in source
    assert "from program" not in source and "sys.path" not in source, "it uses only the installed package"


def test_each_side_of_the_python_example_is_built_with_its_own_accounts_provider() -> None:
    run = run_python_example()
    providers = {r.name: r for r in run.of_type("pulumi:providers:aws")}
    assert {name: (p.inputs["profile"], p.inputs["region"]) for name, p in providers.items()} == {
        "trusting": ("trusting", "eu-west-1"),
        "trusted": ("trusted", "eu-west-1"),
    }
    reference = {name: f"{p.urn}::{name}-id" for name, p in providers.items()}
    sides = {
        "aws:iam/role:Role": "trusting",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "trusting",
        "aws:iam/policy:Policy": "trusted",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "trusted",
    }
    assert sorted(r.type for r in run.aws_resources) == sorted(sides)
    for resource in run.aws_resources:
        assert resource.provider == reference[sides[resource.type]], resource.name


def test_the_python_example_trusts_the_trusted_providers_account_and_grants_its_group() -> None:
    run = run_python_example()
    role = run.one("aws:iam/role:Role")
    assert role.inputs["name"] == "audit-read-only"
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"}
    assert trust["Statement"][0]["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    attachment = run.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    role_arn = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/audit-read-only"
    policy = json.loads(run.one("aws:iam/policy:Policy").inputs["policy"])
    assert [(s["Action"], s["Resource"]) for s in policy["Statement"]] == [("sts:AssumeRole", role_arn)]
    assert run.one("aws:iam/groupPolicyAttachment:GroupPolicyAttachment").inputs["group"] == "auditors"
    assert run.outputs["roleArn"] == role_arn
    assert run.outputs["policyArn"] == f"arn:aws:iam::{TRUSTED_ACCOUNT}:policy/cross-account-assume-role"
    mfa_serial = f"mfa_serial = arn:aws:iam::{TRUSTED_ACCOUNT}:mfa/<your-mfa-device-name>"
    assert mfa_serial in run.outputs["awsCliConfig"].splitlines(), (
        "the role requires MFA: a trusted account's device"
    )
    assert set(run.outputs) == {"roleArn", "switchRoleUrl", "policyArn", "awsCliConfig"}


def test_the_python_example_requires_its_config() -> None:
    run = run_python_example(
        {k: v for k, v in PYTHON_CONFIG.items() if k != "trustedProfile"}, expect_error=True
    )
    assert "cross-account-example:trustedProfile" in str(run.error)
    assert run.aws_resources == []


def test_the_python_examples_own_tests_pass_from_its_folder_and_can_fail(tmp_path: Path) -> None:
    def pytest_in(folder: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=folder,
        )

    passed = pytest_in(PYTHON_EXAMPLE)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.splitlines()[-1].startswith("4 passed"), passed.stdout
    # The same tests against a program whose role lands in the trusted account must fail.
    for name in ("__main__.py", "test_main.py", "pytest.ini"):
        (tmp_path / name).write_text((PYTHON_EXAMPLE / name).read_text())
    main = tmp_path / "__main__.py"
    main.write_text(main.read_text().replace('providers={"aws": trusting}', 'providers={"aws": trusted}'))
    failed = pytest_in(tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert failed.stdout.splitlines()[-1].startswith("3 failed, 1 passed"), failed.stdout


def test_the_python_examples_requirements_install_as_written_into_a_clean_venv(tmp_path: Path) -> None:
    # pip, as the Pulumi CLI runs it, with no index, no cache and no pip configuration of this
    # machine (--isolated). The clean venv sees this test environment's packages, so pip finds
    # pulumi and pulumi-aws already there when their versions meet the file's ranges (and would
    # have to download, and so fail, if they did not), and builds the editable components with
    # the setuptools installed here.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    sees_installed_packages(venv)
    # From the example's folder, as the Pulumi CLI runs pip: relative paths resolve against it.
    installed = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "--isolated", "install", "--no-index", "--no-cache-dir"]
        + ["--no-build-isolation", "--disable-pip-version-check", "-r", "requirements.txt"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PYTHON_EXAMPLE,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    here = re.escape(str(site_packages(sys.executable)))
    for name in ("pulumi", "pulumi-aws"):
        kept = rf"^Requirement already satisfied: {name}[<>=,.0-9]+ in {here} "
        assert re.search(kept, installed.stdout, re.M), installed.stdout
    assert "Successfully installed cross-account-" in installed.stdout, installed.stdout
    probe = "import cross_account, cross_account.testing, pulumi_aws; print(cross_account.__file__)"
    found = subprocess.run(
        [str(venv / "bin/python"), "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert found.stdout.strip() == str(ROOT / "components" / "cross_account" / "__init__.py")


# -- examples/yaml, checked against the schema -----------------------------------

INVOKE_OUTPUTS = {"aws:getCallerIdentity": {"accountId": "string", "arn": "string", "userId": "string"}}


class YamlProgram:
    """Static types of the values a Pulumi YAML program passes around."""

    def __init__(self, program: dict[str, Any], schema: dict[str, Any]) -> None:
        self.program = program
        self.schema = schema
        self.config = {k: v["type"] for k, v in program.get("config", {}).items()}
        self.variables = program.get("variables", {})
        self.resources = program["resources"]

    def component(self, name: str) -> dict[str, Any]:
        resource: dict[str, Any] = self.schema["resources"][self.resources[name]["type"]]
        return resource

    def reference(self, text: str) -> tuple[str, bool]:
        """The type of ``${...}``, and whether it is a plain (known before any resource is made) value."""
        match = INTERPOLATION.match(text)
        assert match, f"{text!r} is not a single ${{name}} or ${{name.property}} reference"
        name, prop = match.groups()
        if prop is None:
            assert name in self.config, f"{text}: no such config key"
            return self.config[name], True
        if name in self.variables:
            function = self.variables[name]["fn::invoke"]["function"]
            return INVOKE_OUTPUTS[function][prop], False
        outputs = self.component(name)["properties"]
        assert prop in outputs, f"{text}: {self.resources[name]['type']} has no output {prop!r}"
        return type_of(outputs[prop]), False

    def type_of_value(self, value: Any) -> tuple[str, bool]:
        if isinstance(value, str) and value.startswith("${"):
            return self.reference(value)
        if isinstance(value, bool):
            return "boolean", True
        if isinstance(value, int):
            return "integer", True
        if isinstance(value, str):
            return "string", True
        if isinstance(value, (list, dict)):
            found = [self.type_of_value(v) for v in (value if isinstance(value, list) else value.values())]
            kinds = {kind for kind, _ in found}
            assert len(kinds) == 1, f"{value}: items of one type expected"
            container = "array" if isinstance(value, list) else "map"
            return f"{container}<{kinds.pop()}>", all(plain for _, plain in found)
        raise AssertionError(f"unexpected value {value!r}")


@pytest.fixture(scope="module")
def yaml_program(schema: dict[str, Any]) -> YamlProgram:
    return YamlProgram(yaml.safe_load((YAML_EXAMPLE / "Pulumi.yaml").read_text()), schema)


def components_of(program: YamlProgram) -> dict[str, dict[str, Any]]:
    return {n: r for n, r in program.resources.items() if r["type"].startswith("cross-account:")}


def test_the_yaml_example_uses_both_components_through_the_package(yaml_program: YamlProgram) -> None:
    assert yaml_program.program["runtime"] == "yaml"
    assert sorted(r["type"] for r in components_of(yaml_program).values()) == [
        "cross-account:index:TrustedAccountAccess",
        "cross-account:index:TrustingAccountRole",
    ]


def test_every_property_the_yaml_example_sets_is_an_input_of_the_right_type(
    yaml_program: YamlProgram,
) -> None:
    checked = 0
    for name, resource in components_of(yaml_program).items():
        inputs = yaml_program.component(name)["inputProperties"]
        for key, value in resource["properties"].items():
            assert key in inputs, f"{name}: {key} is not an input of {resource['type']}"
            found, plain = yaml_program.type_of_value(value)
            expected = type_of(inputs[key])
            if expected == "map<pulumi.json#/Any>":
                assert found.startswith("map<"), f"{name}.{key}: {found} is not a map"
            else:
                assert found == expected, f"{name}.{key}: {value!r} is {found}, the schema wants {expected}"
            if inputs[key].get("plain"):
                assert plain, f"{name}.{key}: {value!r} is an output, the schema wants a plain value"
            checked += 1
    assert checked == 9


def test_the_yaml_example_sets_every_required_input(yaml_program: YamlProgram) -> None:
    for name, resource in components_of(yaml_program).items():
        required = yaml_program.component(name)["requiredInputs"]
        assert set(required) <= set(resource["properties"]), name


def test_every_output_the_yaml_example_reads_exists(yaml_program: YamlProgram) -> None:
    outputs = yaml_program.program["outputs"]
    assert {k: yaml_program.reference(v)[0] for k, v in outputs.items()} == {
        "roleArn": "string",
        "switchRoleUrl": "string",
        "policyArn": "string",
        "awsCliConfig": "string",
    }


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"roleName": 7}, "is integer, the schema wants string"),
        ({"roleNam": "x"}, "roleNam is not an input"),
        ({"roleName": "${access.policyArn}"}, "is an output, the schema wants a plain value"),
        ({"roleName": "${role.nope}"}, "has no output 'nope'"),
    ],
)
def test_the_yaml_check_catches_a_wrong_property(
    schema: dict[str, Any], properties: dict[str, Any], message: str
) -> None:
    program = yaml.safe_load((YAML_EXAMPLE / "Pulumi.yaml").read_text())
    program["resources"]["role"]["properties"] = {"trustedAccountIds": ["111122223333"], **properties}
    with pytest.raises(AssertionError, match=re.escape(message)):
        test_every_property_the_yaml_example_sets_is_an_input_of_the_right_type(YamlProgram(program, schema))


def readme_commands(path: Path) -> list[str]:
    """Each command of the README's ```sh blocks: lines split at && and ;, comments dropped."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", path.read_text(), re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            commands += [part.strip() for part in re.split(r"&&|;", line) if part.strip()]
    return commands


def test_no_example_readme_runs_a_bare_python_which_only_python3_systems_lack() -> None:
    for readme in EXAMPLES.glob("*/README.md"):
        bare = [c for c in readme_commands(readme) if c.split()[0] == "python"]
        assert bare == [], f"{readme.relative_to(ROOT)}: use python3 (or the venv's python): {bare}"


def test_the_python_examples_venv_command_works_where_only_python3_exists(tmp_path: Path) -> None:
    # A PATH with python3 (this interpreter) and the system's directories, where no `python` is found,
    # as on Debian and Ubuntu without python-is-python3.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    path = f"{bin_dir}:/usr/bin:/bin"
    assert shutil.which("python", path=path) is None, "this test needs a PATH without python"
    commands = readme_commands(PYTHON_EXAMPLE / "README.md")
    venv = next(c for c in commands if " -m venv " in c)
    assert venv == "python3 -m venv venv"
    done = subprocess.run(
        ["/bin/sh", "-c", venv], cwd=tmp_path, env={"PATH": path}, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # What the README runs next comes from that venv.
    after = commands[commands.index(venv) + 1 :]
    assert [c.split()[0] for c in after] == ["venv/bin/pip", "venv/bin/python"]
    assert (tmp_path / "venv" / "bin" / "pip").exists()
    assert subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip() == str(tmp_path / "venv")  # fmt: skip
