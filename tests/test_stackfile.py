"""One stack-file reader (program/stackfile.py) for the program, `make plan` and `program.deployer`.

The same bad stack file gets the same one line from each, with no traceback: the program (its
config read from the file as the tests' harness reads it), ``python -m program.plan --config`` and
``python -m program.deployer --config``. Each crash and leak these tools had is a case here.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, execute

from cross_account.testing import CrossAccountMocks
from program import deployer, plan
from program.harness import error_line, run_main_py
from program.stackfile import StackFileError, config_strings, read_json, read_stack

TRUSTING_ACCOUNT = "111122223333"
TRUSTED = '  cross-account-access:trustedAccountIds: ["444455556666"]\n'
CIPHERTEXT = "v1:Zk9PYmFyYmF6cXV4:c2VjcmV0LWV4dGVybmFsLWlk"


def program_answer(path: Path) -> tuple[int, str]:
    """The program's answer for a trusting stack whose config is this file: 0, or its one error line."""
    try:
        config = read_stack(ROOT, "trusting", path)
    except StackFileError as error:
        return 2, f"error: {error}"
    run = execute(
        run_main_py(),
        CrossAccountMocks(TRUSTING_ACCOUNT),
        stack="trusting",
        config=config_strings(config.values),
        secret_keys=sorted(config.secret_keys),
    )
    return (0, "") if run.error is None else (1, f"error: {error_line(run.error)}")


def plan_answer(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = plan.main(["trusting", "--config", str(path)], stdout=out, stderr=err)
    return code, err.getvalue().rstrip("\n")


def deployer_answer(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = deployer.main(["trusting", "--config", str(path), "--account", TRUSTING_ACCOUNT])
    return code, capsys.readouterr().err.rstrip("\n")


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


# name -> (the file's bytes, whether the reader refuses it (else the program does), the one line)
BAD_FILES: dict[str, tuple[bytes | None, bool, str]] = {
    "missing": (
        None,
        True,
        "no stack file {path}: stack 'trusting' has no config here (stacks with one: trusted, trusting; "
        "--config FILE names another file)",
    ),
    "not-utf-8": (
        b"config:\n  cross-account-access:roleName: r\xe9le\n" + TRUSTED.encode(),
        True,
        "{path} is not UTF-8 text (byte 0xe9 at offset 42)",
    ),
    "integer-key": (
        b"config:\n  1: x\n" + TRUSTED.encode(),
        True,
        "{path}: config key 1 is not <namespace>:<name>, as `pulumi config set` writes it "
        "(e.g. cross-account-access:roleName)",
    ),
    "no-namespace": (
        b"config:\n  roleName: r\n" + TRUSTED.encode(),
        True,
        "{path}: config key 'roleName' is not <namespace>:<name>, as `pulumi config set` writes it "
        "(e.g. cross-account-access:roleName)",
    ),
    "nested-5000-deep": (
        f"config:\n  cross-account-access:inlinePolicies: {nested(5000)}\n".encode() + TRUSTED.encode(),
        True,
        "{path} nests maps and lists hundreds of levels deep, deeper than any stack file needs (16 levels)",
    ),
    "nested-600-deep": (  # read (libyaml's own limit is 1,000 levels), then refused by the value's rule
        f"config:\n  cross-account-access:inlinePolicies: {nested(600)}\n".encode() + TRUSTED.encode(),
        True,
        "inlinePolicies: '<nested more than 16 levels deep>' nests maps and lists deeper than any IAM "
        "document needs (16 levels)",
    ),
    "nested-17-deep": (
        f"config:\n  cross-account-access:inlinePolicies: {nested(17)}\n".encode() + TRUSTED.encode(),
        True,
        "inlinePolicies: '<nested more than 16 levels deep>' nests maps and lists deeper than any IAM "
        "document needs (16 levels)",
    ),
    "not-yaml": (b"config: [\n", True, "{path} is not valid YAML (line 2)"),
    "not-a-stack-file": (
        b"- a\n- b\n",
        True,
        "{path} is not a Pulumi stack file: expected a map with a config: map",
    ),
    "key-set-twice": (
        b"config:\n  cross-account-access:roleName: a\n  cross-account-access:roleName: b\n",
        True,
        "{path}: key 'cross-account-access:roleName' is set twice (lines 2 and 3): keep one",
    ),
    "empty": (
        b"",
        False,
        "error-of-the-program",
    ),
    "bad-role-name": (
        b"config:\n  cross-account-access:roleName: bad role\n" + TRUSTED.encode(),
        False,
        "roleName: 'bad role' is not an IAM role name (1-64 characters of ASCII letters, digits and +=,.@_-)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("tool", ["program", "plan", "deployer"])
def test_the_program_plan_and_deployer_give_the_same_one_line_for_the_same_bad_stack_file(
    case: str, tool: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, by_reader, line = BAD_FILES[case]
    path = tmp_path / "Pulumi.bad.yaml"
    if content is not None:
        path.write_bytes(content)
    answers: dict[str, Callable[[], tuple[int, str]]] = {
        "program": lambda: program_answer(path),
        "plan": lambda: plan_answer(path),
        "deployer": lambda: deployer_answer(path, capsys),
    }
    code, said = answers[tool]()
    if line == "error-of-the-program":  # an empty file is an empty config: the program's own first error
        line = program_answer(path)[1].removeprefix("error: ")
        assert line.startswith("trustedAccountIds: ")
    assert said == f"error: {line.format(path=path)}"
    program_code = 2 if by_reader else 1  # what `make plan` exits with: usage, or the program's failure
    assert code == {"program": program_code, "plan": program_code, "deployer": 2}[tool]


def test_a_secure_external_id_is_accepted_by_all_three_and_never_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "Pulumi.secure.yaml"
    path.write_text(f"config:\n{TRUSTED}  cross-account-access:externalId:\n    secure: {CIPHERTEXT}\n")
    assert program_answer(path) == (0, "")
    out, err = io.StringIO(), io.StringIO()
    assert plan.main(["trusting", "--config", str(path), "--json"], stdout=out, stderr=err) == 0
    document = json.loads(out.getvalue())
    assert document["config"]["cross-account-access:externalId"] == "[secret]"
    capsys.readouterr()
    assert deployer.main(["trusting", "--config", str(path), "--account", TRUSTING_ACCOUNT]) == 0
    printed = capsys.readouterr()
    assert json.loads(printed.out)["Statement"][0]["Sid"] == "ManageTheRole"
    for shown in (out.getvalue(), err.getvalue(), printed.out, printed.err):
        assert CIPHERTEXT not in shown and "plan-secret-" not in shown


def test_the_deployer_refuses_a_secure_value_its_policy_would_name_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "Pulumi.secure.yaml"
    path.write_text(f"config:\n{TRUSTED}  cross-account-access:roleName:\n    secure: {CIPHERTEXT}\n")
    assert deployer.main(["trusting", "--config", str(path), "--account", TRUSTING_ACCOUNT]) == 2
    assert capsys.readouterr() == (
        "",
        "error: roleName: is set as a secret (secure:), and the deployer policy names its value, which is "
        "not known without decrypting it: set it in plain text\n",
    )


def test_the_deployer_refuses_a_stackset_stack_in_one_line_as_a_command(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.org.yaml"
    path.write_text(
        "config:\n  cross-account-access:side: trusting\n"
        + TRUSTED
        + '  cross-account-access:targetOrganizationalUnitIds: ["ou-abcd-12345678"]\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "program.deployer",
            "org",
            "--config",
            str(path),
            "--account",
            TRUSTING_ACCOUNT,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        "error: rolloutMode: 'stackset' has no generated deployer policy: CloudFormation creates the roles in "
        "the member accounts through the StackSets service roles, so the deployer needs the StackSet "
        "permissions of docs/rollout.md (prerequisites), not the IAM ones this command scopes\n",
    )


def test_the_deployer_takes_the_account_from_the_stack_files_guard_and_refuses_another(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert deployer.main(["trusting", "--account", TRUSTING_ACCOUNT]) == 0
    given = capsys.readouterr().out
    assert deployer.main(["trusting"]) == 0
    assert capsys.readouterr().out == given
    assert deployer.main(["trusting", "--account", "999988887777"]) == 2
    assert capsys.readouterr().err == (
        "error: --account: '999988887777' is not in the stack file's aws:allowedAccountIds ['111122223333']: "
        'pulumi up there stops with "AWS account ID not allowed: 999988887777"\n'
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["trusting", "--acc", TRUSTING_ACCOUNT],
        ["trusting", "--preview", "--part", "aws"],
        ["trusting", "--nope"],
    ],
)
def test_the_deployer_takes_no_abbreviated_or_unknown_flag(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        deployer.main(argv)
    assert exited.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .startswith("python -m program.deployer: error: unrecognized arguments: ")
    )


# -- plan: credentials, outputs files ------------------------------------------------------------------


def test_plan_json_shows_no_credential_of_the_stack_file(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.creds.yaml"
    path.write_text(
        "config:\n  aws:accessKey: AKIAEXAMPLEKEYID0001\n  aws:secretKey: wJalrXUtnFEMIexampleSECRETkey\n"
        "  aws:token: FwoGZXIvYXdzEXAMPLETOKEN\n" + TRUSTED
    )
    out, err = io.StringIO(), io.StringIO()
    assert plan.main(["trusting", "--config", str(path), "--json"], stdout=out, stderr=err) == 0
    document = json.loads(out.getvalue())
    assert {k: v for k, v in document["config"].items() if k.startswith("aws:")} == {
        "aws:accessKey": "[secret]",
        "aws:secretKey": "[secret]",
        "aws:token": "[secret]",
    }
    for value in ("AKIAEXAMPLEKEYID0001", "wJalrXUtnFEMIexampleSECRETkey", "FwoGZXIvYXdzEXAMPLETOKEN"):
        assert value not in out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (
            ('{"a":' * 100_000 + "{}" + "}" * 100_000).encode(),
            "--outputs {path}: nests maps and lists more than 64 levels deep, deeper than any stack output",
        ),
        (
            ('{"a":' * 65 + "{}" + "}" * 65).encode(),
            "--outputs {path}: nests maps and lists more than 64 levels deep, deeper than any stack output",
        ),
        (b'{"s": {"roleArn": "\xff"}}', "--outputs {path}: is not UTF-8 text (byte 0xff at offset 19)"),
    ],
)
def test_a_bad_outputs_file_is_one_line_and_exit_2(content: bytes, error: str, tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    assert plan.main(["trusted", "--outputs", str(path)], stdout=out, stderr=err) == 2
    assert (out.getvalue(), err.getvalue()) == ("", f"error: {error.format(path=path)}\n")
    with pytest.raises(StackFileError):
        read_json(path, "--outputs")


def test_an_unquoted_date_stays_the_text_the_cli_gives_the_program(tmp_path: Path) -> None:
    # YAML 1.1 (PyYAML) reads 2027-03-31T23:59:59Z as a datetime, which would reach the program as
    # "2027-03-31 23:59:59+00:00"; the CLI hands the program the text as written.
    path = tmp_path / "Pulumi.dated.yaml"
    path.write_text("config:\n  cross-account-access:expiresAt: 2027-03-31T23:59:59Z\n" + TRUSTED)
    assert (
        read_stack(ROOT, "trusting", path).values["cross-account-access:expiresAt"] == "2027-03-31T23:59:59Z"
    )
    assert program_answer(path) == (0, "")


def test_importing_the_reader_loads_no_pulumi_module() -> None:
    # So a console script that never imports pulumi (the audit) can read stack and outputs files with it.
    code = (
        "import sys, program.stackfile; print(sorted(m for m in sys.modules if m.split('.')[0] == 'pulumi'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")
