"""One stack-outputs reader (cross_account.stack_outputs) for the program, `program.plan` and the audit.

For each bad outputs file, `python -m program.plan --outputs` and `cross-account-audit --stack-outputs`
give the same line after their own flag (the program reads values, never a file). For each bad value a
trusting stack exports, the program (a StackReference under the mocks), the plan and the audit give
the same `<output>: <value> <rule>` after their own prefix:

- the program: ``trustingStacks: <stack>: `` (exit 1, as `pulumi up` fails);
- the plan: ``error: --outputs <file>: <stack>: `` (exit 2, before the program runs);
- the audit: ``cross-account-audit: error: --stack-outputs <file>: `` (exit 2).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import TRUSTED_ACCOUNT, RecordingMocks, run_failing

from cross_account import audit, stack_outputs
from cross_account.iam.rules import RuleError
from cross_account.stack_outputs import FLAG_OUTPUTS, MAX_OUTPUTS_BYTES, TRUSTING_RULES
from program import plan

REFERENCE = "organization/cross-account-access/trusting"
ROLE_NAME = "my-s3-x-account-role"
ROLE = f"arn:aws:iam::111122223333:role/{ROLE_NAME}"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
"""What an aws:secretKey looks like (AWS's documented example secret access key)."""
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
"""AWS's documented example access key id."""
EXPIRY_RULE = "is not a time in RFC 3339 UTC to the second, such as 2027-03-31T23:59:59Z"
ROLE_ARN_RULE = "is not an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name)"


# -- bad files: the plan and the audit ------------------------------------------------------------


def plan_answer(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = plan.main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def audit_answer(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = audit.main(["--stack-outputs", str(path)], out, err)
    return code, out.getvalue(), err.getvalue()


FILES = [
    pytest.param(
        b"{",
        "is not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
        id="not-json",
    ),
    pytest.param(b'{"roleArn": "\xff"}', "is not UTF-8 text (byte 0xff at offset 13)", id="not-utf-8"),
    pytest.param(
        b"[" * 5000 + b"]" * 5000,
        "nests maps and lists more than 64 levels deep, deeper than any stack output",
        id="nested-5000-deep",
    ),
    pytest.param(
        b'{"a":' * 65 + b"{}" + b"}" * 65,
        "nests maps and lists more than 64 levels deep, deeper than any stack output",
        id="nested-66-deep",
    ),
    pytest.param(b"[]", "holds a JSON list, not an object of stack outputs", id="top-level-list"),
    pytest.param(b'"roleArn"', "holds a JSON string, not an object of stack outputs", id="top-level-string"),
]


@pytest.mark.parametrize(("content", "rule"), FILES)
def test_a_bad_outputs_file_is_the_same_line_from_the_plan_and_the_audit(
    content: bytes, rule: str, tmp_path: Path
) -> None:
    path = tmp_path / "outputs.json"
    path.write_bytes(content)
    assert plan_answer("trusted", "--outputs", str(path)) == (2, "", f"error: --outputs {path}: {rule}\n")
    assert audit_answer(path) == (2, "", f"cross-account-audit: error: --stack-outputs {path}: {rule}\n")


def test_a_file_over_the_cap_is_refused_unread_by_both(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    with path.open("wb") as file:
        file.truncate(MAX_OUTPUTS_BYTES + 1)  # sparse: no disk spent
    rule = "is larger than 64 MiB: not the outputs of a stack"
    assert plan_answer("trusted", "--outputs", str(path)) == (2, "", f"error: --outputs {path}: {rule}\n")
    assert audit_answer(path) == (2, "", f"cross-account-audit: error: --stack-outputs {path}: {rule}\n")


def test_a_missing_file_is_the_same_line_from_both(tmp_path: Path) -> None:
    path = tmp_path / "none.json"
    rule = "cannot be read: No such file or directory"
    assert plan_answer("trusted", "--outputs", str(path)) == (2, "", f"error: --outputs {path}: {rule}\n")
    assert audit_answer(path) == (2, "", f"cross-account-audit: error: --stack-outputs {path}: {rule}\n")


def test_a_nested_outputs_file_is_one_line_and_no_traceback_as_a_command(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_bytes(b"[" * 5000 + b"]" * 5000)
    rule = "nests maps and lists more than 64 levels deep, deeper than any stack output"
    for command, flag, prefix in [
        (["-m", "program.plan", "trusted", "--outputs"], "--outputs", "error: "),
        (["-m", "cross_account.audit", "--stack-outputs"], "--stack-outputs", "cross-account-audit: error: "),
    ]:
        result = subprocess.run(
            [sys.executable, *command, str(path)], capture_output=True, text=True, timeout=120
        )
        assert (result.returncode, result.stdout, result.stderr) == (
            2,
            "",
            f"{prefix}{flag} {path}: {rule}\n",
        )


# -- bad values: the program, the plan and the audit ------------------------------------------------


@dataclass(frozen=True)
class BadValue:
    id: str
    outputs: dict[str, Any]
    """A trusting stack's outputs (the audit also reads roleName, which the program does not)."""
    line: str
    """``<output>: <value> <rule>``, after each reader's prefix."""


VALUES = [
    BadValue(
        "role-arn-of-a-user",
        {"roleArn": "arn:aws:iam::111122223333:user/alice"},
        f"roleArn: 'arn:aws:iam::111122223333:user/alice' {ROLE_ARN_RULE}",
    ),
    BadValue(
        "role-arn-service-linked",
        {
            "roleArn": "arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport"
        },
        "roleArn: 'arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport' "
        "is a service-linked role (path /aws-service-role/): its trust policy names only its AWS service, so no "
        "principal of another account can assume it; name a role made for cross-account access",
    ),
    BadValue(
        "role-arns-by-account-bad-key",
        {"roleArnsByAccount": {"1111-2222-3333": ROLE}},
        "roleArnsByAccount: '1111-2222-3333' is not a 12-digit AWS account id",
    ),
    BadValue(
        "role-arns-by-account-other-account",
        {"roleArnsByAccount": {"444455556666": ROLE}},
        f"roleArnsByAccount.444455556666: '{ROLE}' is not a role of account '444455556666'",
    ),
    BadValue(
        "max-session-duration-out-of-range",
        {"roleArn": ROLE, "maxSessionDuration": 43201},
        "maxSessionDuration: 43201 is out of range: must be 3600..43200 seconds",
    ),
    BadValue(
        "max-session-duration-not-whole",
        {"roleArn": ROLE, "maxSessionDuration": 3600.5},
        "maxSessionDuration: 3600.5 must be a whole number",
    ),
    BadValue(
        "expires-at-a-date",
        {"roleArn": ROLE, "expiresAt": "2027-03-31"},
        f"expiresAt: '2027-03-31' {EXPIRY_RULE}",
    ),
    BadValue(
        "expires-at-february-30",
        {"roleArn": ROLE, "expiresAt": "2027-02-30T00:00:00Z"},
        f"expiresAt: '2027-02-30T00:00:00Z' {EXPIRY_RULE}",
    ),
    BadValue(
        "secret-marked-role-arn",
        {"roleArn": "[secret]"},
        "roleArn: '[secret]' is what `pulumi stack output --json` prints for a secret: write the outputs with "
        "`pulumi stack output --json --show-secrets`",
    ),
    BadValue(
        "secret-marked-max-session-duration",
        {"roleArn": ROLE, "maxSessionDuration": "[secret]"},
        "maxSessionDuration: '[secret]' is what `pulumi stack output --json` prints for a secret: write the "
        "outputs with `pulumi stack output --json --show-secrets`",
    ),
    BadValue(
        "flag-not-a-boolean",
        {"roleArn": ROLE, "mfaRequired": "true"},
        "mfaRequired: 'true' must be true or false",
    ),
    BadValue(
        "caller-entry-bad-account",
        {"roleArn": ROLE, "callerRequirements": [{"name": "ci", "trustedAccountIds": ["12"]}]},
        "callerRequirements.ci.trustedAccountIds: '12' is not a 12-digit AWS account id",
    ),
    BadValue(
        "caller-entry-flag-not-a-boolean",
        {
            "roleArn": ROLE,
            "callerRequirements": [
                {"name": "ci", "trustedAccountIds": [TRUSTED_ACCOUNT], "mfaRequired": "yes"}
            ],
        },
        "callerRequirements.ci.mfaRequired: 'yes' must be true or false",
    ),
    BadValue(
        "organizational-unit-paths-bad-path",
        {"roleArn": ROLE, "organizationalUnitPaths": ["o-abc"]},
        "organizationalUnitPaths: 'o-abc' is not an organization path (o-<id>/r-<root>/ou-<unit>/..., ending in /, "
        "as AWS Organizations writes it; or o-<id>/*/ou-<unit>/ for a unit wherever it is)",
    ),
    BadValue(
        "role-arn-pattern-names-an-account",
        {"roleArn": ROLE, "roleArnPattern": ROLE},
        f"roleArnPattern: '{ROLE}' is not a role ARN pattern (arn:<partition>:iam::*:role/<path/>name, only the "
        "account a *)",
    ),
    BadValue(
        "role-arn-a-secret-key",
        {"roleArn": SECRET_KEY},
        f"roleArn: '<40 characters, hidden>' {ROLE_ARN_RULE}",
    ),
]


def program_line(outputs: dict[str, Any]) -> str:
    """The last line of the program's error, its trusted stack reading ``outputs`` from its trusting stack."""
    run = run_failing(
        stack="trusted",
        config={"userNames": ["alice"]},
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={REFERENCE: outputs}),
    )
    assert run.error is not None
    assert run.aws_resources == [], "no AWS resource may be registered for a bad value"
    return str(run.error).splitlines()[-1].split("has risen: ")[-1]


@pytest.mark.parametrize("case", VALUES, ids=[case.id for case in VALUES])
def test_a_bad_value_is_the_same_line_from_the_program_the_plan_and_the_audit(
    case: BadValue, tmp_path: Path
) -> None:
    assert program_line(case.outputs) == f"trustingStacks: {REFERENCE}: {case.line}"
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({REFERENCE: case.outputs}))
    assert plan_answer("trusted", "--outputs", str(path)) == (
        2,
        "",
        f"error: --outputs {path}: {REFERENCE}: {case.line}\n",
    )
    path.write_text(json.dumps({"roleName": ROLE_NAME, **case.outputs}))
    assert audit_answer(path) == (2, "", f"cross-account-audit: error: --stack-outputs {path}: {case.line}\n")
    for secret in (SECRET_KEY, ACCESS_KEY_ID):
        assert secret not in case.line


def test_the_table_holds_a_bad_value_of_every_output_the_trusted_side_reads() -> None:
    tested = {re.split(r"[.:]", case.line, maxsplit=1)[0] for case in VALUES}
    flags = set(FLAG_OUTPUTS.values())
    assert "mfaRequired" in tested, "one flag in the table: the flags share one rule"
    assert set(TRUSTING_RULES) - flags == tested - flags
    assert {TRUSTING_RULES[flag] for flag in flags} == {stack_outputs.boolean}


def test_a_good_value_of_each_output_is_read_by_all_three(tmp_path: Path) -> None:
    outputs = {
        "roleArn": ROLE,
        "maxSessionDuration": 7200.0,  # numbers cross the wire as doubles
        "expiresAt": "2027-03-31T23:59:59Z",
        "mfaRequired": True,
        "externalIdRequired": False,
    }
    assert stack_outputs.trusting_values(outputs) == {**outputs, "maxSessionDuration": 7200}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"roleName": ROLE_NAME, **outputs}))
    [role] = audit.read_stack_outputs(str(path))  # type: ignore[misc]
    assert (role.arn, role.expires_at) == (ROLE, "2027-03-31T23:59:59Z")


# -- no secret, no credential printed ----------------------------------------------------------------


def test_the_plan_prints_no_credential_a_stack_exports(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    stack = {"roleArn": ROLE, "deployerSecretKey": SECRET_KEY, "note": f"key {ACCESS_KEY_ID}"}
    path.write_text(json.dumps({REFERENCE: stack}))
    code, out, err = plan_answer("trusted", "--outputs", str(path), "--json")
    assert (code, err) == (0, "")
    [reference] = json.loads(out)["stackReferences"]
    assert reference["outputs"] == {"roleArn": ROLE, "deployerSecretKey": "[secret]", "note": "[secret]"}
    code, out, err = plan_answer("trusted", "--outputs", str(path))
    assert code == 0
    for secret in (SECRET_KEY, ACCESS_KEY_ID):
        assert secret not in out + err


def test_a_credential_in_a_bad_value_is_never_printed(tmp_path: Path) -> None:
    outputs = {"roleArnsByAccount": {"111122223333": f"{ACCESS_KEY_ID}/{SECRET_KEY}"}}
    line = "roleArnsByAccount.111122223333: '<61 characters, hidden>' " + ROLE_ARN_RULE
    assert program_line(outputs) == f"trustingStacks: {REFERENCE}: {line}"
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({REFERENCE: outputs}))
    assert plan_answer("trusted", "--outputs", str(path)) == (
        2,
        "",
        f"error: --outputs {path}: {REFERENCE}: {line}\n",
    )
    path.write_text(json.dumps({"roleName": ROLE_NAME, **outputs}))
    assert audit_answer(path) == (2, "", f"cross-account-audit: error: --stack-outputs {path}: {line}\n")


@pytest.mark.parametrize(
    ("text", "credential"),
    [
        (SECRET_KEY, True),
        (ACCESS_KEY_ID, True),
        ("ASIAY34FZKBOKMUTVV7A", True),
        ("FwoGZXIvYXdzEBYaDGV4YW1wbGV0b2tlbiJAZXhhbXBsZXNlc3Npb250b2tlbmV4YW1wbGU0NTY3ODkw", True),
        (f"prefix {SECRET_KEY} suffix", True),
        (ROLE, False),
        ("arn:aws:iam::111122223333:role/team/platform/deployers/ci-2024/my-s3-x-account-role", False),
        ("AROAEXAMPLEID0000000000", False),  # a role's unique id is no credential
        ("g" * 129, False),  # long, but one kind of character
        ("2027-03-31T23:59:59Z", False),
    ],
)
def test_what_looks_like_a_credential(text: str, credential: bool) -> None:
    assert stack_outputs.looks_like_credential({"k": [text]}) is credential


def test_the_reader_and_the_audit_load_no_pulumi_module() -> None:
    probe = (
        "import sys, cross_account.stack_outputs, cross_account.audit, program.stackfile\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")


def test_the_condition_language_loads_no_pulumi_module() -> None:
    probe = (
        "import sys, cross_account.iam.conditions, cross_account.iam.rules\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")


def test_an_output_error_is_the_pure_layers_rule_error_with_its_value_hidden() -> None:
    error = stack_outputs.OutputError("roleArn", SECRET_KEY, "must be a role ARN")
    assert isinstance(error, RuleError)
    assert (error.key, error.value, error.rule) == (
        "roleArn",
        "'<40 characters, hidden>'",
        "must be a role ARN",
    )
    assert str(error) == "roleArn: '<40 characters, hidden>' must be a role ARN"


def test_the_outputs_of_an_older_stack_are_read_by_the_plan_and_the_audit_alike(tmp_path: Path) -> None:
    """Deliberately accepted everywhere: a stack deployed by an older version exports no
    maxSessionDuration, no requirement flags and no callerRequirements, and an empty expiresAt;
    what is absent is read as the program reads it (no limit known, false, no end)."""
    older = {"roleArn": ROLE, "expiresAt": ""}
    assert stack_outputs.trusting_values(older) == {"roleArn": ROLE, "expiresAt": ""}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({REFERENCE: older}))
    code, out, err = plan_answer("trusted", "--outputs", str(path), "--json")
    assert (code, err, json.loads(out)["error"]) == (0, "", None)
    path.write_text(json.dumps({"roleName": ROLE_NAME, **older}))
    [role] = audit.read_stack_outputs(str(path))  # type: ignore[misc]
    assert (role.arn, role.expires_at, role.baseline) == (ROLE, "", None)
