"""`make plan` / `python -m program.plan`: a stack's resources, documents and outputs without the CLI.

Most cases run ``program.plan.main`` in-process (the imports cost a second per
subprocess); two run it as a person does, to see stderr hold exactly one line.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, stack_file_config
from test_bad_inputs import BAD_INPUTS, BadInput
from test_makefile import make

from cross_account.limits import PLACEHOLDER_ACCOUNT_IDS
from program.plan import PLACEHOLDER_ROLE_ACCOUNT, _Redactor, main
from program.stackfile import SECURE_PLACEHOLDER as SECRET_PLACEHOLDER
from program.trustcheck import admits

REFERENCE = "organization/cross-account-access/trusting"
TRUSTED = stack_file_config("trusting")["cross-account-access:trustedAccountIds"][0]
"""The account the committed trusting stack trusts."""
TRUSTING_ACCOUNT = stack_file_config("trusting")["aws:allowedAccountIds"][0]
TRUSTED_ACCOUNT = stack_file_config("trusted")["aws:allowedAccountIds"][0]
"""The accounts the committed stacks deploy to (the AWS provider's guard), which the plans are made in."""
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ROLE = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/my-s3-x-account-role"
PLACEHOLDER_ROLE = f"arn:aws:iam::{PLACEHOLDER_ROLE_ACCOUNT}:role/placeholder-role-1"
POLICY = f"arn:aws:iam::{TRUSTED_ACCOUNT}:policy/my-s3-x-account-policy"
EXAMPLE_WARNING = (
    f"trustedAccountIds: '{TRUSTED}' is an account id AWS's documentation uses as an example, not an account "
    "of yours: replace it with the id of the account you mean"
)


def plan(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``python -m program.plan <args>``, run in-process."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def plan_json(*args: str) -> dict[str, Any]:
    code, out, err = plan(*args, "--json")
    assert (code, err) == (0, ""), err
    document: dict[str, Any] = json.loads(out)
    return document


def stack_file(tmp_path: Path, config: dict[str, Any], name: str = "Pulumi.edited.yaml") -> Path:
    """A stack file as `pulumi config set` writes it: keys under the project's namespace."""
    path = tmp_path / name
    values = {(k if ":" in k else f"cross-account-access:{k}"): v for k, v in config.items()}
    path.write_text(yaml.safe_dump({"config": values}, sort_keys=False))
    return path


def outputs_file(tmp_path: Path, outputs: dict[str, Any]) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    return path


def trust_policy(account: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustedAccountsMayAssume",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def assume_policy(role_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeCrossAccountRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": role_arn,
            }
        ],
    }


# -- the committed stacks ------------------------------------------------------------------------


def test_the_trusting_stack_plans_its_role_and_attachment_with_the_trust_policy_in_full() -> None:
    document = plan_json("trusting")
    component = {"type": "cross-account:index:TrustingAccountRole", "name": "trusting"}
    assert document["resources"] == [
        {**component, "parent": None, "inputs": {}, "secretInputs": []},
        {
            "type": "aws:iam/role:Role",
            "name": "trusting-role",
            "parent": component,
            "inputs": {
                "assumeRolePolicy": trust_policy(TRUSTED),
                "description": "Cross-account access role, assumable from the trusted accounts",
                "forceDetachPolicies": True,
                "maxSessionDuration": 3600,
                "name": "my-s3-x-account-role",
                "path": "/",
            },
            "secretInputs": [],
        },
        {
            "type": "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "name": "trusting-AmazonS3ReadOnlyAccess",
            "parent": component,
            "inputs": {"policyArn": S3_READ_ONLY, "role": "my-s3-x-account-role"},
            "secretInputs": [],
        },
    ]
    assert document["outputs"] == {
        "roleArn": ROLE,
        "roleName": "my-s3-x-account-role",
        "switchRoleUrl": f"https://signin.aws.amazon.com/switchrole?account={TRUSTING_ACCOUNT}"
        f"&roleName=my-s3-x-account-role&displayName=my-s3-x-account-role%40{TRUSTING_ACCOUNT}",
        "externalIdRequired": False,
        "mfaRequired": False,
        "roleUniqueId": document["outputs"]["roleUniqueId"],
        "rolePath": "/",
        "expiresAt": "",
        "sessionNameRequired": False,
        "sourceIdentityRequired": False,
        "sessionTagsAllowed": False,
        "sourceIdentityAllowed": False,
        "maxSessionDuration": 3600,
        "auditBaseline": document["outputs"]["auditBaseline"],
    }
    assert document["outputs"]["auditBaseline"]["managedPolicyArns"] == [
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    ]
    assert document["outputs"]["roleUniqueId"].startswith("AROA")
    assert {k: v for k, v in document.items() if k not in ("resources", "outputs")} == {
        "project": "cross-account-access",
        "stack": "trusting",
        "configFile": "Pulumi.trusting.yaml",
        "account": {
            "id": TRUSTING_ACCOUNT,
            "placeholder": False,
            "source": "aws:allowedAccountIds",
            "partition": "aws",
            "region": "us-east-1",
        },
        "config": yaml.safe_load((ROOT / "Pulumi.trusting.yaml").read_text())["config"],
        "stackReferences": [],
        "secretOutputs": [],
        "warnings": [EXAMPLE_WARNING] if TRUSTED in PLACEHOLDER_ACCOUNT_IDS else [],
        "error": None,
    }


def test_the_trusting_plan_as_text_lists_each_resource_under_its_parent_and_prints_the_documents() -> None:
    code, out, err = plan("trusting")
    assert (code, err) == (0, "")
    role = ROLE
    lines = out.splitlines()
    assert lines[:2] == [
        "Plan of stack 'trusting' of cross-account-access: Pulumi.trusting.yaml over the defaults of Pulumi.yaml",
        "The real __main__.py under cross_account.offline.CrossAccountMocks: nothing is deployed, "
        "no AWS call is made",
    ]
    assert lines[2] == (
        f"Account {TRUSTING_ACCOUNT} (the stack file's aws:allowedAccountIds), partition aws, region us-east-1"
    )
    body = out[out.index("Resources (3):") :]
    assert body.startswith(
        f"""Resources (3):
  cross-account:index:TrustingAccountRole trusting
  aws:iam/role:Role trusting-role (parent: cross-account:index:TrustingAccountRole trusting)
      assumeRolePolicy:
        {{
          "Version": "2012-10-17",
          "Statement": [
            {{
              "Sid": "TrustedAccountsMayAssume",
              "Effect": "Allow",
              "Principal": {{
                "AWS": "arn:aws:iam::{TRUSTED}:root"
              }},
              "Action": "sts:AssumeRole"
            }}
          ]
        }}
      description: Cross-account access role, assumable from the trusted accounts
      forceDetachPolicies: true
      maxSessionDuration: 3600
      name: my-s3-x-account-role
      path: /
  aws:iam/rolePolicyAttachment:RolePolicyAttachment trusting-AmazonS3ReadOnlyAccess \
(parent: cross-account:index:TrustingAccountRole trusting)
      policyArn: {S3_READ_ONLY}
      role: my-s3-x-account-role

Outputs:
  roleArn: {role}
  roleName: my-s3-x-account-role
"""
    )
    assert '  expiresAt: ""\n' in body
    assert "Stack references:" not in out


def test_the_trusted_stack_without_outputs_reads_placeholders_and_says_so() -> None:
    document = plan_json("trusted")
    assert document["stackReferences"] == [
        {
            "name": REFERENCE,
            "placeholder": True,
            "source": "placeholder",
            "outputs": {"roleArn": PLACEHOLDER_ROLE},
        }
    ]
    component = {"type": "cross-account:index:TrustedAccountAccess", "name": "trusted"}
    assert document["resources"] == [
        {**component, "parent": None, "inputs": {}, "secretInputs": []},
        {
            "type": "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
            "name": "trusted-group-s3-readers",
            "parent": component,
            "inputs": {"group": "s3-readers", "policyArn": POLICY},
            "secretInputs": [],
        },
        {
            "type": "aws:iam/policy:Policy",
            "name": "trusted-policy",
            "parent": component,
            "inputs": {
                "description": "Allows sts:AssumeRole on cross-account roles",
                "name": "my-s3-x-account-policy",
                "path": "/",
                "policy": assume_policy(PLACEHOLDER_ROLE),
            },
            "secretInputs": [],
        },
        {
            "type": "aws:iam/userPolicyAttachment:UserPolicyAttachment",
            "name": "trusted-user-alice",
            "parent": component,
            "inputs": {"policyArn": POLICY, "user": "alice"},
            "secretInputs": [],
        },
    ]
    assert document["outputs"]["roleArns"] == [PLACEHOLDER_ROLE]
    assert document["outputs"]["policyArn"] == POLICY
    assert document["warnings"] == [] and document["error"] is None
    code, out, err = plan("trusted")
    assert (code, err) == (0, "")
    assert (
        f"Stack references:\n  {REFERENCE}: PLACEHOLDER outputs (no --outputs FILE or --from STACK: the real ones "
        f'come from that stack): {{"roleArn": "{PLACEHOLDER_ROLE}"}}\n'
    ) in out


def test_the_trusted_stack_reads_the_outputs_file_and_its_profiles_follow_them(tmp_path: Path) -> None:
    role = "arn:aws:iam::111122223333:role/my-s3-x-account-role"
    trusting = {"roleArn": role, "externalIdRequired": True, "mfaRequired": True}
    document = plan_json("trusted", "--outputs", str(outputs_file(tmp_path, {REFERENCE: trusting})))
    assert document["stackReferences"] == [
        {"name": REFERENCE, "placeholder": False, "source": "--outputs", "outputs": trusting}
    ]
    policy = next(r for r in document["resources"] if r["type"] == "aws:iam/policy:Policy")
    assert policy["inputs"]["policy"] == assume_policy(role)
    assert document["outputs"]["roleArns"] == [role]
    assert document["outputs"]["awsCliConfig"] == (
        f"[profile my-s3-x-account-role-111122223333]\nrole_arn = {role}\nsource_profile = default\n"
        f"mfa_serial = arn:aws:iam::{TRUSTED_ACCOUNT}:mfa/<your-mfa-device-name>\n"
        "external_id = <external-id-from-the-trusting-account>\n"
    )


def test_a_stack_the_outputs_file_does_not_hold_is_the_error_pulumi_gives(tmp_path: Path) -> None:
    code, out, err = plan("trusted", "--outputs", str(outputs_file(tmp_path, {"acme/other/prod": {}})))
    assert (code, out, err) == (
        1,
        "",
        f"error: trustingStacks: '{REFERENCE}': unknown stack \"{REFERENCE}\": "
        "deploy the trusting stack first (pulumi up --stack trusting)\n",
    )


# -- bad input: one case of each class of tests/test_bad_inputs.py -------------------------------

REPRESENTATIVES = {
    "target-account-not-12-digits": "rollout to many accounts",
    "account-id-unquoted-number": "trusting side",
    "unknown-config-key": "config keys",
    "side-unset-on-other-stack": "the side a stack builds",
    "role-name-trailing-newline": "odd input AWS would refuse or misread",
    "expires-at-not-utc": "the options for today's callers",
    "no-principal": "trusted side",
    "trusting-stack-without-role-arn": "what a trusting stack gives (read inside an apply)",
}
CASES = {case.id: case for case in BAD_INPUTS}


@pytest.mark.parametrize("case_id", list(REPRESENTATIVES))
def test_bad_input_of_each_class_is_the_one_line_pulumi_up_gives_and_exit_1(
    case_id: str, tmp_path: Path
) -> None:
    case: BadInput = CASES[case_id]
    stack = case.stack or case.side
    args = [stack, "--config", str(stack_file(tmp_path, case.config))]
    if case.side == "trusted":
        args += ["--outputs", str(outputs_file(tmp_path, case.stack_outputs))]
    assert plan(*args) == (1, "", f"error: {case.error}\n")
    code, out, err = plan(*args, "--json")
    assert (code, err) == (1, f"error: {case.error}\n")
    document = json.loads(out)
    assert (document["error"], document["resources"], document["outputs"]) == (case.error, [], {})


def run_plan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "program.plan", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_a_failure_inside_an_apply_prints_one_line_and_no_traceback_as_a_command(tmp_path: Path) -> None:
    case = CASES["trusting-stack-without-role-arn"]
    result = run_plan("trusted", "--outputs", str(outputs_file(tmp_path, case.stack_outputs)))
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"error: {case.error}\n")


def test_a_bad_config_value_prints_one_line_and_no_traceback_as_a_command(tmp_path: Path) -> None:
    case = CASES["account-id-unquoted-number"]
    result = run_plan("trusting", "--config", str(stack_file(tmp_path, case.config)))
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"error: {case.error}\n")


# -- secrets ---------------------------------------------------------------------------------------


def test_a_secure_external_id_is_shown_as_secret_and_neither_its_ciphertext_nor_its_stand_in_appears(
    tmp_path: Path,
) -> None:
    ciphertext = "v1:Zk9PYmFyYmF6cXV4:c2VjcmV0LWV4dGVybmFsLWlk"
    config = {"trustedAccountIds": [TRUSTED], "externalId": {"secure": ciphertext}}
    args = ("trusting", "--config", str(stack_file(tmp_path, config)))
    code, text, err = plan(*args)
    document = plan_json(*args)
    assert (code, err) == (0, "")
    role = next(r for r in document["resources"] if r["type"] == "aws:iam/role:Role")
    assert role["secretInputs"] == ["assumeRolePolicy"]
    assert role["inputs"]["assumeRolePolicy"]["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": "[secret]"}
    }
    assert document["config"]["cross-account-access:externalId"] == "[secret]"
    assert document["outputs"]["externalIdRequired"] is True
    assert not any(w.startswith("externalId is stored in plain text") for w in document["warnings"])
    assert '"sts:ExternalId": "[secret]"' in text
    for shown in (text, json.dumps(document)):
        assert ciphertext not in shown and SECRET_PLACEHOLDER.format(1) not in shown


def test_an_external_id_in_plain_text_is_not_shown_and_the_plan_warns(tmp_path: Path) -> None:
    config = {"trustedAccountIds": [TRUSTED], "externalIds": ["plain-ext-id-one", "plain-ext-id-two"]}
    args = ("trusting", "--config", str(stack_file(tmp_path, config)))
    code, text, err = plan(*args)
    document = plan_json(*args)
    assert (code, err) == (0, "")
    role = next(r for r in document["resources"] if r["type"] == "aws:iam/role:Role")
    assert role["inputs"]["assumeRolePolicy"]["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": ["[secret]", "[secret]"]}
    }
    assert document["config"]["cross-account-access:externalIds"] == "[secret]"
    assert any(w.startswith("externalIds is stored in plain text") for w in document["warnings"])
    for shown in (text, json.dumps(document)):
        assert "plain-ext-id" not in shown


# -- usage -------------------------------------------------------------------------------------------


def test_a_stack_without_a_stack_file_is_one_line_and_exit_2() -> None:
    code, out, err = plan("prod")
    assert (code, out) == (2, "")
    assert err == (
        f"error: no stack file {ROOT / 'Pulumi.prod.yaml'}: stack 'prod' has no config here "
        "(stacks with one: trusted, trusting; --config FILE names another file)\n"
    )


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, "--outputs {path}: cannot be read: No such file or directory"),
        (
            "{",
            "--outputs {path}: is not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
        ),
        (
            '{"stack": ["roleArn"]}',
            '--outputs {path}: must hold {{"<stack>": {{"<output>": value}}}}, or a --json plan',
        ),
    ],
)
def test_a_bad_outputs_file_is_one_line_and_exit_2(content: str | None, error: str, tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)
    assert plan("trusted", "--outputs", str(path)) == (2, "", f"error: {error.format(path=path)}\n")


def test_make_plan_without_a_stack_says_how_to_name_one() -> None:
    result = make("plan")
    assert result.returncode == 2
    assert (
        "make plan needs STACK=<name> (reads Pulumi.<name>.yaml), e.g. make plan STACK=trusting"
        in result.stderr
    )


UNIT = "ou-abcd-12345678"
UNIT_CONFIG = {"trustedAccountIds": ["999988887777"], "targetOrganizationalUnitIds": [UNIT]}


def test_an_organizational_unit_cannot_be_listed_offline_and_the_plan_says_what_to_do(tmp_path: Path) -> None:
    config = {**UNIT_CONFIG, "rolloutMode": "providers"}
    assert plan("trusting", "--config", str(stack_file(tmp_path, config))) == (
        1,
        "",
        f"error: targetOrganizationalUnitIds: '{UNIT}': a plan cannot list the accounts of an "
        f"organizational unit without AWS: name them with --unit-accounts {UNIT}=ACCOUNT[,ACCOUNT...] "
        "(make plan UNITS=...)\n",
    )


@pytest.mark.parametrize("mode", ["providers", "stackset"])
def test_unit_accounts_name_the_accounts_of_a_unit_and_the_plan_has_a_role_in_each(
    tmp_path: Path, mode: str
) -> None:
    accounts = ["444466667777", "444477778888"]
    document = plan_json(
        "trusting",
        "--config",
        str(stack_file(tmp_path, {**UNIT_CONFIG, "rolloutMode": mode})),
        "--unit-accounts",
        f"{UNIT}={','.join(accounts)}",
    )
    assert document["outputs"]["roleArnsByAccount"] == {
        a: f"arn:aws:iam::{a}:role/cross-account-role" for a in accounts
    }
    types = [r["type"] for r in document["resources"]]
    if mode == "providers":
        assert types.count("aws:iam/role:Role") == 2
    else:
        assert types.count("aws:cloudformation/stackSetInstance:StackSetInstance") == 1
        assert "aws:iam/role:Role" not in types


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "ou-ABCD-12345678=444466667777",
            "--unit-accounts: 'ou-ABCD-12345678' is not an organizational unit id (ou-<4-32>-<8-32> or a "
            "root, r-<4-32>, of lowercase letters and digits): write UNIT=ACCOUNT[,ACCOUNT...]",
        ),
        (f"{UNIT}=", f"--unit-accounts: '{UNIT}=' names no account: write UNIT=ACCOUNT[,ACCOUNT...]"),
        (
            f"{UNIT}=444466667777,4444",
            f"--unit-accounts: '{UNIT}=444466667777,4444': '4444' is not a 12-digit AWS account id",
        ),
        (
            f"{UNIT}=\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664",
            f"--unit-accounts: '{UNIT}=\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664"
            "\u0664\u0664': '\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664\u0664' "
            "is not a 12-digit AWS account id",
        ),
    ],
)
def test_a_bad_unit_accounts_value_is_a_usage_error_naming_it(
    tmp_path: Path, value: str, message: str
) -> None:
    config = str(stack_file(tmp_path, UNIT_CONFIG))
    assert plan("trusting", "--config", config, "--unit-accounts", value) == (2, "", f"error: {message}\n")


def test_a_unit_given_twice_is_a_usage_error(tmp_path: Path) -> None:
    config = str(stack_file(tmp_path, UNIT_CONFIG))
    args = ["--unit-accounts", f"{UNIT}=444466667777", "--unit-accounts", f"{UNIT}=444477778888"]
    assert plan("trusting", "--config", config, *args) == (
        2,
        "",
        f"error: --unit-accounts: '{UNIT}' is given twice: list all its accounts once\n",
    )


def test_make_plan_runs_the_module_for_the_stack_and_json_1_asks_for_json() -> None:
    result = make("plan", "STACK=trusted", "JSON=1")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    document = json.loads(result.stdout)
    assert (document["stack"], document["stackReferences"][0]["placeholder"]) == ("trusted", True)


def test_a_secret_is_hidden_where_it_is_a_whole_word_and_nowhere_else() -> None:
    redact = _Redactor(["ab", "s3cr3t"])
    assert redact.text("ab, abc, x-ab and s3cr3t.") == "[secret], abc, x-[secret] and [secret]."
    assert redact.text("x_ab \u00e9ab") == "x_[secret] \u00e9[secret]", (
        "only ASCII letters and digits join a word"
    )
    assert redact.show({"k": ["ab", "abc"]}, True) == {"k": ["[secret]", "abc"]}
    assert redact.show("role ab", True) == "[secret]", "a secret inside a longer text hides it whole"
    assert redact.show("abc", True) == "[secret]", "a secret value with no known secret in it is hidden whole"
    assert redact.show("abc", False) == "abc"


# -- both stacks together: --from, a --json plan as --outputs, the trust check -------------------------


def test_the_trusted_plan_from_the_trusting_plan_grants_the_committed_trusting_role() -> None:
    trusting = plan_json("trusting")
    document = plan_json("trusted", "--from", "trusting")
    assert document["stackReferences"] == [
        {"name": REFERENCE, "placeholder": False, "source": "--from", "outputs": trusting["outputs"]}
    ]
    policy = next(r for r in document["resources"] if r["type"] == "aws:iam/policy:Policy")
    assert policy["inputs"]["policy"] == assume_policy(ROLE)
    assert document["outputs"]["roleArns"] == [ROLE]
    assert document["account"]["id"] == TRUSTED_ACCOUNT != TRUSTING_ACCOUNT
    assert (document["warnings"], document["error"]) == ([], None), "the trusting role trusts this account"


def test_make_plan_stack_trusted_from_trusting_prints_the_plan_with_no_placeholder() -> None:
    result = make("plan", "STACK=trusted", "FROM=trusting")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert f"  {REFERENCE}: outputs of its plan (--from): " in result.stdout
    assert f'"Resource": "{ROLE}"' in result.stdout
    assert "placeholder" not in result.stdout.lower()


def test_a_json_plan_is_read_as_the_outputs_of_its_stack(tmp_path: Path) -> None:
    code, out, err = plan("trusting", "--json")
    assert (code, err) == (0, "")
    path = tmp_path / "trusting-plan.json"
    path.write_text(out)
    document = plan_json("trusted", "--outputs", str(path))
    assert document["stackReferences"] == [
        {
            "name": REFERENCE,
            "placeholder": False,
            "source": "--outputs",
            "outputs": json.loads(out)["outputs"],
        }
    ]
    assert document["outputs"]["roleArns"] == [ROLE]


def test_a_failed_json_plan_is_no_outputs_file(tmp_path: Path) -> None:
    failed = {"project": "cross-account-access", "stack": "trusting", "outputs": {}, "error": "roleName: bad"}
    path = outputs_file(tmp_path, failed)
    assert plan("trusted", "--outputs", str(path)) == (
        2,
        "",
        f"error: --outputs {path}: is the plan of stack 'trusting', which fails: roleName: bad\n",
    )


def test_the_trusted_plan_warns_when_the_granted_role_does_not_trust_its_account(tmp_path: Path) -> None:
    elsewhere = "999988887777"
    config = stack_file(tmp_path, {"policyName": "my-s3-x-account-policy", "userNames": ["alice"]})
    document = plan_json("trusted", "--config", str(config), "--account-id", elsewhere, "--from", "trusting")
    assert document["warnings"] == [
        f"trustingStacks: '{REFERENCE}': the trust policy of its role {ROLE} (auditBaseline.trustPolicy) "
        f"admits ['{TRUSTED}'], not {elsewhere}, the account this stack deploys to: its users' sts:AssumeRole "
        f"is denied (AccessDenied) until the trusting stack lists {elsewhere} in trustedAccountIds"
    ]
    assert document["error"] is None, "a warning: the plan goes on"
    placeholder_account = plan_json("trusted", "--config", str(config), "--from", "trusting")
    assert placeholder_account["account"]["placeholder"] is True
    assert placeholder_account["warnings"] == [], "an account the plan does not know is not checked"


@pytest.mark.parametrize(
    ("principal", "action", "admitted"),
    [
        ("arn:aws:iam::444455556666:root", "sts:AssumeRole", True),
        (
            ["arn:aws:iam::111122223333:root", "arn:aws-cn:iam::444455556666:role/ci"],
            ["sts:AssumeRole"],
            True,
        ),
        ("444455556666", "sts:*", True),
        ("*", "*", True),
        ("arn:aws:iam::444455556666:root", "sts:TagSession", False),
        ("arn:aws:iam::111122223333:root", "sts:AssumeRole", False),
        ("arn:aws:iam::4444555566667:root", "sts:AssumeRole", False),
    ],
)
def test_a_trust_policy_admits_an_account_named_in_an_allow_statement_for_assume_role(
    principal: Any, action: Any, admitted: bool
) -> None:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": action}
    assert admits({"Statement": [statement]}, "444455556666") is admitted
    assert admits({"Statement": [{**statement, "Effect": "Deny"}]}, "444455556666") is False


def test_from_a_stack_without_a_stack_file_or_the_stack_itself_is_a_usage_error() -> None:
    assert plan("trusted", "--from", "prod") == (
        2,
        "",
        f"error: no stack file {ROOT / 'Pulumi.prod.yaml'}: stack 'prod' has no config here "
        "(stacks with one: trusted, trusting; --config FILE names another file)\n",
    )
    assert plan("trusted", "--from", "trusted") == (
        2,
        "",
        "error: --from: 'trusted' is the stack planned: name the stack whose outputs it reads\n",
    )


def test_an_account_the_stack_files_guard_does_not_allow_fails_as_pulumi_up_would() -> None:
    assert plan("trusting", "--account-id", "999988887777") == (
        1,
        "",
        f"error: aws:allowedAccountIds: ['{TRUSTING_ACCOUNT}'] does not list '999988887777', the account "
        '--account-id names: pulumi up there stops with "AWS account ID not allowed: 999988887777"\n',
    )


@pytest.mark.parametrize(
    ("argv", "unrecognized"),
    [
        (["trusting", "--output", "x.json"], "--output x.json"),
        (["trusting", "--acc", "111122223333"], "--acc 111122223333"),
        (["trusting", "--js"], "--js"),
        (["trusting", "--nope"], "--nope"),
    ],
)
def test_an_unknown_or_abbreviated_flag_is_a_usage_error(
    argv: list[str], unrecognized: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"python -m program.plan: error: unrecognized arguments: {unrecognized}"
    )


# -- docs/plan.md's examples run as written -------------------------------------------------------------


def documented_examples() -> list[str]:
    """The commands of the first sh block of docs/plan.md, comments left out."""
    text = (ROOT / "docs" / "plan.md").read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_docs_plan_md_shows_the_chain_and_the_example_stack_file() -> None:
    examples = documented_examples()
    assert "make plan STACK=trusted FROM=trusting" in examples
    assert any("CONFIG=examples/Pulumi.org.yaml" in e for e in examples)
    assert len(examples) >= 5


@pytest.mark.parametrize("command", documented_examples())
def test_each_example_of_docs_plan_md_runs_as_written(command: str, tmp_path: Path) -> None:
    # In a folder that links every top-level entry of the project (as a fresh clone with .venv has
    # them), so a file an example writes lands there and not in the project.
    for entry in ROOT.iterdir():
        if entry.name not in (".git",):
            (tmp_path / entry.name).symlink_to(entry)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEFILES")}
    result = subprocess.run(
        ["bash", "-c", f"set -eo pipefail; {command}"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.startswith("Plan of stack") or result.stdout.startswith("{"), result.stdout[:200]
