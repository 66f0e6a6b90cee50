"""cross-account-audit without AWS: its command line, the stack outputs it reads, and how it compares documents."""

from __future__ import annotations

import io
import json
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import short_floor

from cross_account import audit as cli
from cross_account.documents import external_id_digest

ROLE_ARN = "arn:aws:iam::111111111111:role/my-s3-x-account-role"
POLICY_ARN = "arn:aws:iam::222222222222:policy/my-s3-x-account-policy"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TrustedAccountsMayAssume",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "partner-7f3a"}},
        }
    ],
}
BASELINE = {
    "trustPolicy": TRUST,
    "managedPolicyArns": [],
    "inlinePolicyNames": [],
    "maxSessionDuration": 3600,
    "permissionsBoundaryArn": "",
}


def write(tmp_path: Path, name: str, outputs: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(outputs))
    return str(path)


def test_the_console_script_is_declared_beside_verify() -> None:
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["cross-account-audit"] == "cross_account.audit:main"
    assert scripts["cross-account-verify"] == "cross_account.verify:main"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: --stack-outputs"),
        (
            ["--stack-outputs", "a.json", "--fail-on", "severe"],
            "--fail-on 'severe' is not one of info, low, medium",
        ),
        (
            ["--stack-outputs", "a.json", "--unused-days", "0"],
            "--unused-days '0' must be a whole number from 1 to",
        ),
        (["--stack-outputs", "a.json", "--unused-days", "9x"], "--unused-days '9x' must be a whole number"),
        (
            ["--stack-outputs", "a.json", "--concurrency", "65"],
            "--concurrency '65' must be a whole number from 1 to 64",
        ),
        (
            ["--stack-outputs", "a.json", "--profile-for", "1234=p"],
            "--profile-for '1234=p' is not ACCOUNT=PROFILE",
        ),
        (["--stack-outputs", "a.json", "--profile-for", "111111111111"], "is not ACCOUNT=PROFILE"),
        (
            ["--stack-outputs", "a.json", "--profile-for", "111111111111=a b"],
            "--profile-for 111111111111= 'a b' is not a profile name",
        ),
        (
            [
                "--stack-outputs",
                "a.json",
                "--profile-for",
                "111111111111=a",
                "--profile-for",
                "111111111111=b",
            ],
            "account 111111111111 is given twice",
        ),
        (
            ["--stack-outputs", "a.json", "--assume-role-name", "/audit/reader"],
            "--assume-role-name '/audit/reader' must be a role name (1-64 letters, digits and _+=,.@-), after "
            "its path if it has one (path/to/name)",
        ),
        (
            ["--stack-outputs", "a.json", "--assume-role-name", "audit//reader"],
            "--assume-role-name 'audit//reader' must be a role name",
        ),
        (
            ["--stack-outputs", "a.json", "--assume-role-name", "r\u00e9ader"],
            "--assume-role-name 'r\u00e9ader' must be a role name",
        ),
        (["--stack-outputs", "a.json", "--json", "--sarif"], "not allowed with argument"),
        (["--stack-outputs", "a.json", "--timeout", "soon"], "--timeout 'soon' must be a number of seconds"),
        (["--stack-outputs", "a.json", "--region", "Mars"], "--region 'Mars' is not a valid AWS region name"),
        (
            ["--stack-outputs", "a.json", "--endpoint-url", "ftp://x"],
            "--endpoint-url 'ftp://x' is not an http",
        ),
    ],
)
def test_a_bad_command_line_is_one_line_naming_the_argument_and_exit_2(argv: list[str], message: str) -> None:
    err = io.StringIO()
    assert cli.main(argv, io.StringIO(), err) == 2
    assert err.getvalue().count("\n") == 1
    assert err.getvalue().startswith("cross-account-audit: error: ")
    assert message in err.getvalue(), err.getvalue()


def test_the_role_to_assume_may_have_a_path() -> None:
    options = cli.parse_args(["--stack-outputs", "a.json", "--assume-role-name", "audit/reader"])
    assert options.assume_role_name == "audit/reader"


def test_the_command_line_defaults() -> None:
    options = cli.parse_args(["--stack-outputs", "a.json", "--stack-outputs", "b.json"])
    assert (
        options.stack_outputs,
        options.fail_on,
        options.unused_days,
        options.output,
        options.concurrency,
    ) == (
        ("a.json", "b.json"),
        "high",
        90,
        "table",
        8,
    )
    assert options.timeout == 60.0


def test_the_outputs_of_a_trusting_stack_give_its_role_and_baseline(tmp_path: Path) -> None:
    outputs = {
        "roleArn": ROLE_ARN,
        "roleName": "my-s3-x-account-role",
        "roleUniqueId": "AROAEXAMPLE123456789",
        "expiresAt": "2027-03-31T23:59:59Z",
        "auditBaseline": BASELINE,
    }
    [role] = cli.read_stack_outputs(write(tmp_path, "trusting.json", outputs))  # type: ignore[misc]
    assert role == cli.WantedRole(
        arn=ROLE_ARN,
        account="111111111111",
        name="my-s3-x-account-role",
        source=str(tmp_path / "trusting.json"),
        baseline=BASELINE,
        expires_at="2027-03-31T23:59:59Z",
        unique_id="AROAEXAMPLE123456789",
    )


def test_a_rollout_stack_gives_one_role_per_account(tmp_path: Path) -> None:
    outputs = {
        "roleName": "audit",
        "roleArnsByAccount": {
            "444444444444": "arn:aws:iam::444444444444:role/audit",
            "333333333333": "arn:aws:iam::333333333333:role/audit",
        },
        "auditBaseline": BASELINE,
    }
    roles = cli.read_stack_outputs(write(tmp_path, "rollout.json", outputs))
    assert isinstance(roles, list)
    assert [(r.account, r.name, r.unique_id) for r in roles] == [
        ("333333333333", "audit", None),
        ("444444444444", "audit", None),
    ]


def test_the_outputs_of_a_trusted_stack_give_its_policies_roles_and_principals(tmp_path: Path) -> None:
    outputs = {
        "policyArn": POLICY_ARN,
        "policyArns": [POLICY_ARN],
        "roleArns": [ROLE_ARN],
        "principals": {
            "users": ["alice"],
            "groups": ["s3-readers"],
            "roles": ["ci"],
            "newGroup": "cross-account-users",
            "newGroupMembers": ["bob"],
        },
    }
    access = cli.read_stack_outputs(write(tmp_path, "trusted.json", outputs))
    assert access == cli.WantedAccess(
        account="222222222222",
        source=str(tmp_path / "trusted.json"),
        policy_arns=(POLICY_ARN,),
        role_arns=(ROLE_ARN,),
        users=("alice",),
        groups=("s3-readers", "cross-account-users"),
        roles=("ci",),
        new_group="cross-account-users",
        new_group_members=("bob",),
    )


def test_a_trusted_stack_granting_by_organization_path_gives_its_role_patterns(tmp_path: Path) -> None:
    outputs = {"policyArns": [POLICY_ARN], "roleArns": [], "roleArnPatterns": ["arn:aws:iam::*:role/r"]}
    access = cli.read_stack_outputs(write(tmp_path, "trusted.json", outputs))
    assert isinstance(access, cli.WantedAccess)
    assert (access.role_arns, access.role_patterns) == ((), ("arn:aws:iam::*:role/r",))


NAME_CHARACTERS = "ASCII letters, digits and +=,.@_-"
NAME_RULE = f"(1-64 characters of {NAME_CHARACTERS})"
EXPIRY_RULE = "is not a time in RFC 3339 UTC to the second, such as 2027-03-31T23:59:59Z"
BASELINE_RULE = "(an object with trustPolicy, managedPolicyArns, inlinePolicyNames, maxSessionDuration, permissionsBoundaryArn)"


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        (
            {"switchRoleUrl": "x"},
            "the outputs of neither a trusting stack (roleName with roleArn or roleArnsByAccount) nor a trusted stack "
            "(policyArns): write it with `pulumi stack output --json --show-secrets`",
        ),
        ([1, 2], "holds a JSON list, not an object of stack outputs"),
        (
            {"roleArn": ROLE_ARN, "roleName": "r", "auditBaseline": "[secret]"},
            "auditBaseline: '[secret]' is what `pulumi stack output --json` prints for a secret: write the outputs "
            "with `pulumi stack output --json --show-secrets`",
        ),
        (
            {"roleArn": "arn:aws:iam::1:role/r", "roleName": "r"},
            "roleArn: 'arn:aws:iam::1:role/r' is not an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name)",
        ),
        (
            {"roleArn": ROLE_ARN, "roleName": "r", "auditBaseline": {"trustPolicy": TRUST}},
            f"auditBaseline: has no valid 'managedPolicyArns' {BASELINE_RULE}",
        ),
        (
            {"roleName": "r", "roleArnsByAccount": {"333333333333": ROLE_ARN}},
            f"roleArnsByAccount.333333333333: '{ROLE_ARN}' is not a role of account '333333333333'",
        ),
        ({"policyArns": []}, "policyArns: [] is not a list of policy ARNs"),
        (
            {"policyArns": [POLICY_ARN], "principals": {"users": ["\uff41lice"]}},
            f"principals.users: '\uff41lice' is not an IAM user name {NAME_RULE}",
        ),
        (
            {"policyArns": [POLICY_ARN], "principals": {"users": ["bob\nmallory"]}},
            f"principals.users: 'bob\\nmallory' is not an IAM user name {NAME_RULE}",
        ),
        (
            {"policyArns": [POLICY_ARN], "principals": {"groups": ["g" * 129]}},
            f"principals.groups: '{'g' * 129}' is not an IAM group name (1-128 characters of {NAME_CHARACTERS})",
        ),
        (
            {"policyArns": [POLICY_ARN], "principals": {"newGroup": "g r\u00e9"}},
            f"principals.newGroup: 'g r\u00e9' is not an IAM group name (1-128 characters of {NAME_CHARACTERS})",
        ),
        (
            {"roleArn": ROLE_ARN, "roleName": "my-s3-x-account-role", "expiresAt": "2027-03-31"},
            f"expiresAt: '2027-03-31' {EXPIRY_RULE}",
        ),
        (
            {"roleArn": ROLE_ARN, "roleName": "my-s3-x-account-role", "expiresAt": "2027-W13-1T00:00:00Z"},
            f"expiresAt: '2027-W13-1T00:00:00Z' {EXPIRY_RULE}",
        ),
        (
            {"roleArn": ROLE_ARN, "roleName": "my-s3-x-account-role", "roleUniqueId": "AIDAEXAMPLE000000000"},
            "roleUniqueId: 'AIDAEXAMPLE000000000' is not a role's unique id (AROA and 12-124 capital letters or digits)",
        ),
        (
            {"roleArn": ROLE_ARN, "roleName": "other"},
            f"roleName: 'other' is not the name of the role '{ROLE_ARN}'",
        ),
        (
            {"roleName": "r", "roleArnsByAccount": {}},
            "roleArnsByAccount: {} holds no role: a rollout stack lists at least one account; run `pulumi up` on that "
            "stack, or leave it out of trustingStacks",
        ),
        (
            {
                "roleArn": ROLE_ARN,
                "roleName": "r",
                "auditBaseline": {**BASELINE, "maxSessionDuration": float("nan")},
            },
            f"auditBaseline: has no valid 'maxSessionDuration' {BASELINE_RULE}",
        ),
        (
            {
                "roleArn": ROLE_ARN,
                "roleName": "r",
                "auditBaseline": {**BASELINE, "maxSessionDuration": 3600.5},
            },
            f"auditBaseline: has no valid 'maxSessionDuration' {BASELINE_RULE}",
        ),
        (
            {"roleArn": ROLE_ARN, "roleName": "r", "auditBaseline": {**BASELINE, "maxSessionDuration": 60}},
            f"auditBaseline: has no valid 'maxSessionDuration' {BASELINE_RULE}",
        ),
        (
            {"roleArn": ROLE_ARN, "roleName": "r", "auditBaseline": {**BASELINE, "managedPolicyArns": ["x"]}},
            f"auditBaseline: has no valid 'managedPolicyArns' {BASELINE_RULE}",
        ),
        (
            {
                "roleArn": ROLE_ARN,
                "roleName": "r",
                "auditBaseline": {**BASELINE, "inlinePolicyNames": ["a b"]},
            },
            f"auditBaseline: has no valid 'inlinePolicyNames' {BASELINE_RULE}",
        ),
        (
            {
                "roleArn": ROLE_ARN,
                "roleName": "r",
                "auditBaseline": {**BASELINE, "permissionsBoundaryArn": "b"},
            },
            f"auditBaseline: has no valid 'permissionsBoundaryArn' {BASELINE_RULE}",
        ),
        (
            {"policyArns": [POLICY_ARN], "roleArnPatterns": ["arn:aws:iam::222222222222:role/r"]},
            "roleArnPatterns: 'arn:aws:iam::222222222222:role/r' is not a role ARN pattern (arn:<partition>:iam::*:role/"
            "<path/>name, only the account a *)",
        ),
        (
            {"policyArns": [POLICY_ARN], "roleArnPatterns": "arn:aws:iam::*:role/r"},
            "roleArnPatterns: 'arn:aws:iam::*:role/r' must be a list",
        ),
        (
            {"policyArns": [POLICY_ARN, "arn:aws:iam::333333333333:policy/p"]},
            f"policyArns: ['{POLICY_ARN}', 'arn:aws:iam::333333333333:policy/p'] names several accounts: "
            "['222222222222', '333333333333']",
        ),
        (
            {"roleArn": ROLE_ARN, "roleName": "r", "policyArns": [POLICY_ARN]},
            "holds the outputs of both a trusting and a trusted stack",
        ),
    ],
)
def test_outputs_that_are_not_a_stacks_are_a_usage_error_naming_the_file_and_output(
    tmp_path: Path, outputs: Any, message: str
) -> None:
    path = write(tmp_path, "outputs.json", outputs)
    with pytest.raises(cli.UsageError) as caught:
        cli.read_stack_outputs(path)
    assert str(caught.value) == f"--stack-outputs {path}: {message}"


def test_a_missing_or_unreadable_outputs_file_is_a_usage_error(tmp_path: Path) -> None:
    err = io.StringIO()
    assert cli.main(["--stack-outputs", str(tmp_path / "none.json")], io.StringIO(), err) == 2
    assert err.getvalue() == (
        f"cross-account-audit: error: --stack-outputs {tmp_path / 'none.json'}: cannot be read: "
        "No such file or directory\n"
    )
    (tmp_path / "bad.json").write_text("{")
    assert cli.main(["--stack-outputs", str(tmp_path / "bad.json")], io.StringIO(), err) == 2
    assert "is not JSON" in err.getvalue()


# Comparing trust policies ------------------------------------------------------------------


def digested(document: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(document).replace("partner-7f3a", external_id_digest("partner-7f3a"))
    return dict(json.loads(text))


def test_a_live_trust_policy_equal_to_the_stacks_differs_in_no_statement() -> None:
    assert cli.statement_diff(digested(TRUST), TRUST, "aws") == ([], [])


def test_forms_iam_treats_alike_compare_equal() -> None:
    """IAM may answer with an account id as principal, or with one-element lists, for what was written."""
    live = json.loads(json.dumps(TRUST))
    statement = live["Statement"][0]
    statement["Principal"] = {"AWS": ["222222222222"]}
    statement["Action"] = ["sts:AssumeRole", "sts:AssumeRole"]
    statement["Condition"]["StringEquals"]["sts:ExternalId"] = ["partner-7f3a"]
    assert cli.statement_diff(digested(TRUST), live, "aws") == ([], [])


def test_a_changed_external_id_is_drift_and_its_value_is_never_shown() -> None:
    live = json.loads(json.dumps(TRUST).replace("partner-7f3a", "attacker-1234"))
    added, removed = cli.statement_diff(digested(TRUST), live, "aws")
    assert (len(added), len(removed)) == (1, 1)
    shown = json.dumps([cli.masked(s) for s in added + removed])
    assert "attacker-1234" not in shown and "partner-7f3a" not in shown
    assert cli.masked(added[0])["Condition"] == {"StringEquals": {"sts:ExternalId": "<hidden>"}}
    assert cli.external_ids(live) == ["attacker-1234"]


def test_an_external_id_written_as_a_number_is_the_same_id_and_is_never_shown() -> None:
    """Quotes are optional around a number in a policy: 918273645012 is the id "918273645012"."""
    written = json.loads(json.dumps(TRUST).replace('"partner-7f3a"', '"918273645012"'))
    live = json.loads(json.dumps(TRUST).replace('"partner-7f3a"', "918273645012"))
    assert cli.statement_diff(digested(written), live, "aws") == ([], [])
    assert cli.external_ids(live) == ["918273645012"]
    assert cli.masked(live)["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": "<hidden>"}}
    changed = json.loads(json.dumps(TRUST).replace('"partner-7f3a"', "[918273645013, true]"))
    added, _ = cli.statement_diff(digested(written), changed, "aws")
    assert cli.masked(added[0])["Condition"] == {"StringEquals": {"sts:ExternalId": ["<hidden>", "<hidden>"]}}
    assert cli.external_ids(changed) == ["918273645013", "true"]


def test_an_added_principal_is_one_statement_added_and_one_removed() -> None:
    live = json.loads(json.dumps(TRUST))
    live["Statement"][0]["Principal"]["AWS"] = [
        "arn:aws:iam::222222222222:root",
        "arn:aws:iam::333333333333:root",
    ]
    added, removed = cli.statement_diff(digested(TRUST), live, "aws")
    assert [s["Principal"] for s in added] == [{"AWS": live["Statement"][0]["Principal"]["AWS"]}]
    assert [s["Principal"] for s in removed] == [{"AWS": "arn:aws:iam::222222222222:root"}]


@pytest.mark.parametrize(
    ("statement", "everything"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["*"]}, True),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}, False),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, False),
    ],
)
def test_an_inline_policy_grants_everything_only_with_every_action_on_every_resource(
    statement: dict[str, Any], everything: bool
) -> None:
    assert cli.grants_everything({"Version": "2012-10-17", "Statement": [statement]}) is everything


def test_the_revocation_time_is_read_from_the_token_issue_time_condition() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-06-01T12:00:00Z"}},
            }
        ],
    }
    assert cli.revoked_before(document) == "2026-06-01T12:00:00Z"
    assert cli.revoked_before({"Version": "2012-10-17", "Statement": []}) is None
    later = {
        **document["Statement"][0],
        "Condition": {"DateLessThan": {"aws:tokenissuetime": "2026-07-01T00:00:00Z"}},
    }
    both = {**document, "Statement": [document["Statement"][0], later]}
    assert cli.revoked_before(both) == "2026-07-01T00:00:00Z", (
        "every session issued before the latest is denied"
    )


REVOKE = {
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-06-01T12:00:00Z"}},
}


@pytest.mark.parametrize(
    "statement",
    [
        {**REVOKE, "Effect": "Allow"},
        {**REVOKE, "Action": "s3:*"},
        {**REVOKE, "Resource": "arn:aws:s3:::bucket"},
        {**REVOKE, "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-06-01T12:00:00Z"}}},
        {**REVOKE, "Condition": {"DateGreaterThan": {"aws:TokenIssueTime": "2026-06-01T12:00:00Z"}}},
        {**REVOKE, "Condition": {**REVOKE["Condition"], "Bool": {"aws:SecureTransport": "false"}}},
        {k: v for k, v in REVOKE.items() if k != "Condition"},
        {**{k: v for k, v in REVOKE.items() if k != "Action"}, "NotAction": "s3:GetObject"},
    ],
    ids=[
        "allow",
        "some-actions",
        "some-resources",
        "other-key",
        "other-operator",
        "more",
        "always",
        "not-action",
    ],
)
def test_a_policy_of_the_revocation_name_is_a_revocation_only_in_the_consoles_form(
    statement: dict[str, Any],
) -> None:
    assert cli.revoked_before({"Version": "2012-10-17", "Statement": [REVOKE]}) == "2026-06-01T12:00:00Z"
    assert cli.revoked_before({"Version": "2012-10-17", "Statement": [statement]}) is None
    assert cli.revoked_before({"Version": "2012-10-17", "Statement": [REVOKE, statement]}) is None


def test_a_finding_is_at_least_the_severities_below_it() -> None:
    item = cli.finding("trust-policy-drift", "111111111111", ROLE_ARN, "m")
    assert [s for s in cli.SEVERITIES if item.at_least(s)] == ["info", "low", "medium", "high"]


def test_every_rule_has_a_known_severity_and_a_sentence() -> None:
    assert all(severity in cli.SEVERITIES and text[0].isupper() for severity, text in cli.RULES.values())


class _Iam:
    """The IAM reads of the trusted side, answered from fixed data: names in the case IAM keeps them,
    the policy's entities one per page (each page but the last truncated, as IAM pages them)."""

    class meta:  # noqa: N801 - boto3's client attribute
        method_to_api_mapping: dict[str, str] = {}
        endpoint_url = "https://iam.amazonaws.com"

        class service_model:  # noqa: N801
            endpoint_prefix = "iam"

    def __init__(
        self, attached: dict[str, list[str]], statements: list[dict[str, Any]] | None = None
    ) -> None:
        self.attached = attached
        self.statements = statements or [GRANT]
        self.pages_read = 0

    def get_user(self, UserName: str) -> dict[str, Any]:  # noqa: N803 - boto3's parameter
        return {"User": {"UserName": UserName.lower()}}

    def get_group(self, GroupName: str, MaxItems: int) -> dict[str, Any]:  # noqa: N803
        return {"Group": {"GroupName": GroupName.lower()}, "Users": []}

    def get_policy(self, PolicyArn: str) -> dict[str, Any]:  # noqa: N803
        return {"Policy": {"Arn": PolicyArn, "DefaultVersionId": "v1"}}

    def get_policy_version(self, PolicyArn: str, VersionId: str) -> dict[str, Any]:  # noqa: N803
        return {"PolicyVersion": {"Document": {"Version": "2012-10-17", "Statement": self.statements}}}

    def list_entities_for_policy(self, PolicyArn: str, Marker: str = "0") -> dict[str, Any]:  # noqa: N803
        self.pages_read += 1
        entities = [("PolicyUsers", "UserName", n) for n in self.attached.get("user", [])]
        entities += [("PolicyGroups", "GroupName", n) for n in self.attached.get("group", [])]
        page: dict[str, Any] = {
            "PolicyUsers": [],
            "PolicyGroups": [],
            "PolicyRoles": [],
            "IsTruncated": False,
        }
        index = int(Marker)
        if index < len(entities):
            key, name_key, name = entities[index]
            page[key].append({name_key: name})
        if index + 1 < len(entities):
            page.update(IsTruncated=True, Marker=str(index + 1))
        return page


EVIL = "arn:aws:iam::999999999999:role/evil"
GRANT = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE_ARN}


def _access(iam: _Iam, users: tuple[str, ...] = ("alice",), groups: tuple[str, ...] = ()) -> list[Any]:
    import boto3

    options = cli.parse_args(["--stack-outputs", "trusted.json"])
    want = cli.WantedAccess("222222222222", "trusted.json", (POLICY_ARN,), (ROLE_ARN,), users, groups)
    found = list(cli.Audit(options, boto3).access(iam, "me", want))
    assert [f.rule for f in found if f.severity == "info"] == ["baseline-missing"], (
        "outputs without a baseline"
    )
    return [f for f in found if f.rule != "baseline-missing"]


def _access_findings(
    attached: dict[str, list[str]], users: tuple[str, ...], groups: tuple[str, ...]
) -> list[Any]:
    return [(f.rule, f.details.get("principal")) for f in _access(_Iam(attached), users, groups)]


def test_every_page_of_the_policys_entities_is_read() -> None:
    iam = _Iam({"user": ["alice", "bob"], "group": ["s3-readers"]})
    assert [(f.rule, f.details.get("principal")) for f in _access(iam, ("alice",), ("s3-readers",))] == [
        ("assume-policy-unexpected-principal", "arn:aws:iam::222222222222:user/bob"),
    ]
    assert iam.pages_read == 9, "three pages for each of the three entity kinds"


@pytest.mark.parametrize(
    ("statements", "extra", "lost"),
    [
        ([GRANT], [], []),
        ([{**GRANT, "Action": ["STS:assumerole", "s3:GetObject"]}], [], []),
        ([{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}], [], [ROLE_ARN]),
        ([{**GRANT, "Effect": "Deny"}], [], [ROLE_ARN]),
        ([GRANT, {**GRANT, "Action": "sts:Assume*", "Resource": EVIL}], [EVIL], []),
        ([GRANT, {**GRANT, "Action": "sts:AssumeRol?", "Resource": EVIL}], [EVIL], []),
        ([GRANT, {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], ["*"], []),
        ([GRANT, {"Effect": "Allow", "NotAction": "sts:*", "Resource": "*"}], [], []),
        (
            [{"Effect": "Allow", "Action": "sts:AssumeRole", "NotResource": EVIL}],
            [f"NotResource: {EVIL}"],
            [ROLE_ARN],
        ),
    ],
    ids=[
        "as-made",
        "case-and-lists",
        "rewritten",
        "denied",
        "wildcard",
        "one-char",
        "not-action",
        "not-sts",
        "not-resource",
    ],  # fmt: skip
)
def test_the_roles_the_assume_role_policy_grants_are_read_as_iam_reads_them(
    statements: list[dict[str, Any]], extra: list[str], lost: list[str]
) -> None:
    found = [(f.rule, f.details) for f in _access(_Iam({"user": ["alice"]}, statements))]
    assert found == ([("assume-policy-drift", {"extra": extra, "lost": lost})] if extra or lost else [])


def test_principal_names_are_compared_without_case_as_iam_does() -> None:
    attached = {"user": ["alice"], "group": ["s3-readers"]}
    assert _access_findings(attached, ("Alice",), ("S3-Readers",)) == []


def test_a_principal_of_another_name_is_still_reported_attached_and_detached() -> None:
    found = _access_findings({"user": ["alice", "mallory"]}, ("alice", "bob"), ())
    assert found == [
        ("assume-policy-detached", "arn:aws:iam::222222222222:user/bob"),
        ("assume-policy-unexpected-principal", "arn:aws:iam::222222222222:user/mallory"),
    ]


# The console script against endpoints and configurations that misbehave ---------------------

KEY_ID = "AKIAEXAMPLEKEY000001"
SECRET_KEY = "wJalrXUtnFEMIexampleSECRETkey0000000001"
TOKEN = "SESSIONTOKENsecretvalue123456789"
TRUSTING_OUTPUTS = {"roleName": "my-s3-x-account-role", "roleArn": ROLE_ARN, "auditBaseline": BASELINE}


@pytest.fixture
def aws_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Nothing of this machine's AWS setup: a credentials file with profile ``p`` (a session token
    too), an empty config file, no AWS_* variable."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "credentials").write_text(
        f"[p]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET_KEY}\naws_session_token = {TOKEN}\n"
    )
    (tmp_path / "config").write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    write(tmp_path, "trusting.json", TRUSTING_OUTPUTS)
    return tmp_path


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.run_main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def test_credentials_an_endpoint_echoes_are_never_printed(aws_home: Path) -> None:
    from http_servers import http_server

    with http_server("echo-credentials") as url:
        status, out, err = run_cli(
            "--stack-outputs", str(aws_home / "trusting.json"), "--profile-for", "111111111111=p",
            "--endpoint-url", url, "--timeout", "20",
        )  # fmt: skip
    assert (status, out) == (2, "")
    assert err.startswith("cross-account-audit: error: --profile-for 111111111111=p: "), err
    assert (
        "InvalidClientTokenId: bad request token=<hidden> auth=AWS4-HMAC-SHA256 Credential=<hidden>/" in err
    )
    assert KEY_ID not in err and TOKEN not in err and SECRET_KEY not in err


def test_a_credential_process_that_prints_no_credentials_is_a_setup_error_without_its_output(
    aws_home: Path,
) -> None:
    (aws_home / "config").write_text("[profile broken]\ncredential_process = /bin/echo not-json-s3cr3t\n")
    status, out, err = run_cli(
        "--stack-outputs", str(aws_home / "trusting.json"), "--profile-for", "111111111111=broken",
        "--timeout", "20",
    )  # fmt: skip
    assert (status, out) == (2, "")
    assert err.startswith(
        "cross-account-audit: error: --profile-for 111111111111=broken: the credentials cannot be used: "
    ), err
    assert err.endswith("(check the profile's credential_process, role_arn or SSO session)\n")
    assert "s3cr3t" not in err and err.count("\n") == 1


def test_a_bad_aws_profile_is_named_as_aws_profile(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "gone")
    status, out, err = run_cli(
        "--stack-outputs", str(aws_home / "trusting.json"), "--profile-for", "111111111111=p"
    )
    assert (status, out) == (2, "")
    assert err == (
        "cross-account-audit: error: AWS_PROFILE 'gone': ProfileNotFound: The config profile (gone) could not "
        "be found\n"
    )


def test_the_console_script_ends_within_the_timeout_against_an_endpoint_that_trickles(aws_home: Path) -> None:
    """A bound, not a benchmark: its own process, which must exit (no worker thread keeps it alive)."""
    import os
    import subprocess
    import time

    from tcp_servers import tcp_server

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k in ("AWS_CONFIG_FILE",)}
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(aws_home / "credentials")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    with tcp_server("trickle") as url:
        started = time.monotonic()
        done = subprocess.run(
            short_floor.command("cross_account.audit", "--stack-outputs", str(aws_home / "trusting.json"),
             "--profile-for", "111111111111=p", "--endpoint-url", url, "--timeout", "0"),
            capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        took = time.monotonic() - started
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        done.stderr
        == f"cross-account-audit: error: cannot reach {url}: no complete answer within {short_floor.FLOOR:g}s "
        "(--timeout)\n"
    )
    bound = short_floor.FLOOR + short_floor.GRACE
    assert took < bound + 5, (
        f"the floor and the watchdog's grace ({bound} s), starting Python; took {took:.1f} s"
    )


def test_a_sarif_alert_has_its_findings_severity_and_keeps_its_fingerprint_from_run_to_run() -> None:
    role = "arn:aws:iam::111111111111:role/r"

    def unused(days: int) -> cli.Finding:
        return cli.finding("role-unused", "111111111111", role, f"last used {days} days ago", "trusting.json")

    admin = cli.Finding(
        "unexpected-managed-policy", "critical", "111111111111", role, "AdministratorAccess is attached",
        "trusting.json", {"policy": "arn:aws:iam::aws:policy/AdministratorAccess"},
    )  # fmt: skip
    other = cli.finding(
        "unexpected-managed-policy", "111111111111", role, "team is attached", "trusting.json",
        policy="arn:aws:iam::111111111111:policy/team",
    )  # fmt: skip
    week1 = cli.to_sarif(cli.Report([admin, other, unused(91)], [], ["111111111111"]))["runs"][0]
    week2 = cli.to_sarif(cli.Report([unused(98)], [], ["111111111111"]))["runs"][0]
    rules = week1["tool"]["driver"]["rules"]
    severity = {r["id"]: r["properties"]["security-severity"] for r in rules}
    assert [(r["ruleId"], severity[r["ruleId"]]) for r in week1["results"]] == [
        ("unexpected-managed-policy/critical", "9.5"),
        ("unexpected-managed-policy", "8.0"),
        ("role-unused", "5.5"),
    ]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in week1["results"])
    prints = [r["partialFingerprints"]["crossAccountAudit/v1"] for r in week1["results"]]
    assert len(set(prints)) == 3, "two policies on one role are two alerts"
    assert week2["results"][0]["partialFingerprints"] == week1["results"][2]["partialFingerprints"]


# The outputs files: a size cap, and inside --timeout ------------------------------------------


def test_an_outputs_file_without_end_is_refused_at_the_size_cap_not_read_until_memory_ends() -> None:
    err = io.StringIO()
    assert cli.main(["--stack-outputs", "/dev/zero", "--timeout", "20"], io.StringIO(), err) == 2
    assert err.getvalue() == (
        "cross-account-audit: error: --stack-outputs /dev/zero: is larger than 64 MiB: not the outputs of a stack\n"
    )


def test_an_outputs_file_that_never_answers_ends_the_run_within_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO nobody writes: before, it was read before --timeout started, and the run never ended."""
    import os
    import time

    short_floor.shorten(monkeypatch)

    fifo = tmp_path / "outputs.fifo"
    os.mkfifo(fifo)
    err = io.StringIO()
    started = time.monotonic()
    try:
        status = cli.main(["--stack-outputs", str(fifo), "--timeout", "0"], io.StringIO(), err)
    finally:
        writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # lets the abandoned reader end
        os.close(writer)
    took = time.monotonic() - started
    assert status == 2
    assert err.getvalue() == (
        f"cross-account-audit: error: cannot reach --stack-outputs {fifo}: no complete answer within "
        f"{short_floor.FLOOR:g}s (--timeout)\n"
    )
    bound = short_floor.FLOOR + short_floor.GRACE
    assert took < bound + 3, f"--timeout 0: the floor and the watchdog's grace ({bound} s), took {took:.1f} s"


# Paged reads ------------------------------------------------------------------------------------


class _Pages:
    """GetAccountAuthorizationDetails answered page by page: ``markers`` is the Marker of each page
    (None: the last page)."""

    meta = _Iam.meta

    def __init__(self, markers: list[str | None], users: list[dict[str, Any]] | None = None) -> None:
        self.markers = markers
        self.users = users or []
        self.calls: list[dict[str, Any]] = []

    def get_account_authorization_details(self, **params: Any) -> dict[str, Any]:
        index = len(self.calls)
        self.calls.append(params)
        marker = self.markers[index]
        page: dict[str, Any] = {
            "UserDetailList": self.users if index == 0 else [],
            "GroupDetailList": [],
            "RoleDetailList": [],
            "Policies": [],
            "IsTruncated": marker is not None,
        }
        if marker is not None:
            page["Marker"] = marker
        return page


def _audit() -> Any:
    import boto3

    return cli.Audit(cli.parse_args(["--stack-outputs", "trusted.json"]), boto3)


def test_every_page_is_read_once_with_the_marker_of_the_page_before() -> None:
    iam = _Pages(["m1", "m2", None])
    details = _audit().authorization_details(iam, "me", "222222222222")
    assert [call.get("Marker") for call in iam.calls] == [None, "m1", "m2"]
    assert iam.calls[0] == {"Filter": ["User", "Group", "Role", "LocalManagedPolicy"], "MaxItems": 1000}
    assert set(details) == {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"}


@pytest.mark.parametrize(
    ("markers", "what"),
    [(["m1", "m2", "m1"], "a marker it gave before (page 3)"), (["m1", ""], "no marker (page 2)")],
    ids=["repeated", "missing"],
)
def test_a_truncated_page_whose_marker_repeats_ends_the_read_naming_the_call(
    markers: list[str | None], what: str
) -> None:
    iam = _Pages(markers)
    with pytest.raises(cli.SetupError) as caught:
        _audit().authorization_details(iam, "arn:aws:iam::222222222222:user/auditor", "222222222222")
    assert str(caught.value) == (
        "iam:GetAccountAuthorizationDetails on account 222222222222 as arn:aws:iam::222222222222:user/auditor: "
        f"https://iam.amazonaws.com answered a truncated page with {what}: the read would never end"
    )
    assert len(iam.calls) == len(markers), "no page is asked for after the repeat"


def test_the_trusted_account_is_read_once_whatever_the_number_of_roles() -> None:
    """Who else may assume: one paged read of the account, every role checked against it."""
    roles = [f"arn:aws:iam::{100000000000 + n}:role/audited" for n in range(50)]
    carol = {
        "UserName": "carol",
        "Arn": "arn:aws:iam::222222222222:user/carol",
        "UserPolicyList": [
            {
                "PolicyName": "p",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "sts:*", "Resource": "arn:aws:iam::*:role/audited"}
                    ],
                },
            }
        ],
        "GroupList": [],
        "AttachedManagedPolicies": [],
    }
    iam = _Pages(["m1", None], users=[carol])
    want = cli.WantedAccess("222222222222", "trusted.json", (POLICY_ARN,), tuple(roles), ("alice",))
    found = _audit().others(iam, "me", "222222222222", [want], dict.fromkeys(roles))
    assert len(iam.calls) == 2, "two pages, once"
    assert [(f.rule, f.resource, len(f.details["roles"])) for f in found] == [
        ("other-principal-may-assume", "arn:aws:iam::222222222222:user/carol", 50)
    ]
    assert found[0].message.startswith(
        "user carol, which no trusted stack names, may assume arn:aws:iam::100000000000:role/audited, "
        "arn:aws:iam::100000000001:role/audited, arn:aws:iam::100000000002:role/audited and 47 more"
    )


def test_profile_sessions_resolve_each_profiles_keys_and_parse_the_files_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session per profile used to parse the credentials file three times: at 1,000 profiles, the
    audit's time grew with the square of the accounts (docs/benchmarks.md)."""
    import boto3
    import botocore.configloader
    import botocore.exceptions

    from cross_account.profile_sessions import ProfileSessions

    lines = [
        f"[p{n}]\naws_access_key_id = AKIAEXAMPLE{n:09d}\naws_secret_access_key = secret{n}\n"
        for n in range(50)
    ]
    (tmp_path / "credentials").write_text("\n".join(lines))
    (tmp_path / "config").write_text(
        "[profile c]\naws_access_key_id = AKIACONFIGPROFILE001\naws_secret_access_key = from-config\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    parsed: list[str] = []
    original = botocore.configloader.raw_config_parse

    def counted(path: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(path)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(botocore.configloader, "raw_config_parse", counted)
    sessions = ProfileSessions(boto3)
    before = len(parsed)
    keys = {
        name: sessions.session(name).get_credentials().get_frozen_credentials()
        for name in ("p0", "p49", "c", *(f"p{n}" for n in range(1, 40)))
    }
    assert len(parsed) == before, "no file is parsed again for a profile"
    assert (keys["p0"].access_key, keys["p0"].secret_key) == ("AKIAEXAMPLE000000000", "secret0")
    assert (keys["p49"].access_key, keys["p49"].secret_key) == ("AKIAEXAMPLE000000049", "secret49")
    assert (keys["c"].access_key, keys["c"].secret_key) == ("AKIACONFIGPROFILE001", "from-config")
    with pytest.raises(botocore.exceptions.ProfileNotFound, match="nobody"):
        sessions.session("nobody")
