"""cross-account-audit against the program's real deployment into the moto emulator.

Both stacks run once for the module (as in test_end_to_end.py), into in-process
moto; their outputs are written as `pulumi stack output --json --show-secrets`
would write them. An auditor user in each account holds the actions of the
read-only policy of docs/audit.md (``read_only_policy``), and every audit runs
with IAM authentication on, as that auditor, through ``--profile-for``. moto
matches a statement's Resource only for role actions (it sees ``*`` as the
resource of every other IAM call), so the auditors' copy of the policy has
``Resource: *``: the same actions, which is what moto checks.

Each test then makes one change the way an operator would (boto3, outside
Pulumi), audits, and undoes the change: the audit must report exactly that
change's finding, and exit 1 when it is at or above --fail-on.
"""

from __future__ import annotations

import functools
import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import short_floor
from conftest import ORGANIZATION, PROJECT, ROOT, TRUSTED_ACCOUNT, TRUSTING_ACCOUNT, run_main
from emulator import EmulatorMocks, account_session, aws_managed_policies
from moto.core import enable_iam_authentication
from tcp_servers import closed_port, tcp_server

from cross_account import audit as cli
from cross_account.documents import external_id_digest

ROLE = "audited-role"
ROLE_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/{ROLE}"
POLICY = "audited-access"
POLICY_ARN = f"arn:aws:iam::{TRUSTED_ACCOUNT}:policy/{POLICY}"
BOUNDARY_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:policy/audit-boundary"
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
EXPIRES_AT = "2099-01-01T00:00:00Z"
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*:*", "Resource": "*"}]}
TEAM_POLICY_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:policy/team-read"
TEAM_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::team-bucket/*"}],
}
READ_LOGS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["logs:GetLogEvents", "logs:DescribeLogStreams"], "Resource": "*"}
    ],
}
EXTERNAL_ID = "partner-7f3a9c"
REVOKED_BEFORE = "2026-01-01T00:00:00Z"
REVOKE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": REVOKED_BEFORE}},
        }
    ],
}
"""The revocation the stack writes (revokeSessionsIssuedBefore), as the console writes it."""
TAGS = {"team": "data", "cost-center": "42"}
NEW_GROUP = "cross-account-users"


@dataclass
class Deployed:
    """The emulator after both stacks ran, and what the audit is given."""

    trusting_outputs: dict[str, Any]
    trusted_outputs: dict[str, Any]
    outputs_files: list[Path]
    home: Path

    def argv(self, *extra: str) -> list[str]:
        files = [a for path in self.outputs_files for a in ("--stack-outputs", str(path))]
        profiles = [
            "--profile-for",
            f"{TRUSTING_ACCOUNT}=auditor",
            "--profile-for",
            f"{TRUSTED_ACCOUNT}=auditor-2",
        ]
        return [*files, *profiles, "--region", "us-east-1", "--timeout", "30", *extra]


@dataclass
class Outcome:
    status: int
    out: str
    err: str

    @property
    def report(self) -> dict[str, Any]:
        return dict(json.loads(self.out))

    @property
    def found(self) -> list[tuple[str, str, str]]:
        return [(f["rule"], f["severity"], f["resource"]) for f in self.report["findings"]]


def _auditor(account: str, policy: dict[str, Any], name: str = "auditor") -> dict[str, str]:
    iam = iam_of(account)
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="audit-read-only", PolicyDocument=json.dumps(policy))
    return dict(iam.create_access_key(UserName=name)["AccessKey"])


def moto_copy(policy: dict[str, Any]) -> dict[str, Any]:
    """The policy with every statement's Resource ``*``, the only resource moto sees for most IAM calls."""
    return {**policy, "Statement": [{**s, "Resource": "*"} for s in policy["Statement"]]}


def _credentials_file(path: Path, keys: dict[str, dict[str, str]]) -> None:
    lines = []
    for profile, key in keys.items():
        lines += [f"[{profile}]", f"aws_access_key_id = {key['AccessKeyId']}"]
        lines += [f"aws_secret_access_key = {key['SecretAccessKey']}", ""]
    path.write_text("\n".join(lines))


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    home = tmp_path_factory.mktemp("audit")
    with aws_managed_policies(TRUSTING_ACCOUNT):
        trusted_iam = iam_of(TRUSTED_ACCOUNT)
        trusted_iam.create_group(GroupName="s3-readers")
        for user in ("alice", "carol", "dave", "erin"):
            trusted_iam.create_user(UserName=user)
        iam_of(TRUSTING_ACCOUNT).create_policy(PolicyName="team-read", PolicyDocument=json.dumps(TEAM_POLICY))
        iam_of(TRUSTING_ACCOUNT).create_policy(
            PolicyName="audit-boundary",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                }
            ),
        )
        policy = moto_copy(cli.read_only_policy())
        keys = {
            "auditor": _auditor(TRUSTING_ACCOUNT, policy),
            "auditor-2": _auditor(TRUSTED_ACCOUNT, policy),
            "trusting-only": _auditor(TRUSTING_ACCOUNT, policy, "auditor-of-the-other-account"),
        }
        partial = moto_copy(cli.read_only_policy())
        partial["Statement"][1]["Action"] = ["iam:GetPolicy", "iam:GetPolicyVersion"]
        keys["partial"] = _auditor(TRUSTED_ACCOUNT, partial, "auditor-without-list-entities")
        _credentials_file(home / "credentials", keys)
        (home / "config").write_text("")
        trusting = run_main(
            stack="trusting",
            config={
                "trustedAccountIds": [TRUSTED_ACCOUNT],
                "roleName": ROLE,
                "managedPolicyArns": ["AmazonS3ReadOnlyAccess", TEAM_POLICY_ARN],
                "inlinePolicies": {"read-logs": READ_LOGS},
                "permissionsBoundaryArn": BOUNDARY_ARN,
                "expiresAt": EXPIRES_AT,
                "requireMfa": True,
                "externalId": EXTERNAL_ID,
                "revokeSessionsIssuedBefore": REVOKED_BEFORE,
                "tags": TAGS,
            },
            secret_keys=("externalId",),
            mocks=EmulatorMocks(TRUSTING_ACCOUNT),
        )
        reference = f"{ORGANIZATION}/{PROJECT}/trusting"
        trusted = run_main(
            stack="trusted",
            config={
                "policyName": POLICY,
                "userNames": ["alice"],
                "groupNames": ["s3-readers"],
                "requireMfa": True,
                "newGroupName": NEW_GROUP,
                "newGroupMembers": ["dave"],
            },
            mocks=EmulatorMocks(TRUSTED_ACCOUNT, stack_outputs={reference: trusting.outputs}),
        )
        files = []
        for stack, outputs in (("trusting", trusting.outputs), ("trusted", trusted.outputs)):
            path = home / f"{stack}.json"
            path.write_text(json.dumps(outputs))
            files.append(path)
        yield Deployed(dict(trusting.outputs), dict(trusted.outputs), files, home)
    iam_of.cache_clear()  # its clients belong to this module's emulator


@pytest.fixture
def audit(deployed: Deployed, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Outcome]:
    """Run the console script as the auditors, IAM authentication on; ``now`` is the time it sees."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(deployed.home / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(deployed.home / "config"))

    def run(*extra: str, argv: list[str] | None = None, now: datetime | None = None) -> Outcome:
        out, err = io.StringIO(), io.StringIO()
        with enable_iam_authentication():
            status = cli.run_main(argv if argv is not None else deployed.argv(*extra), out, err, now=now)
        return Outcome(status, out.getvalue(), err.getvalue())

    return run


@functools.cache
def iam_of(account: str) -> Any:
    """An IAM client acting in ``account`` (setup calls; one per account, as a client costs ~0.3 s)."""
    return account_session(account).client("iam")


@contextmanager
def changed(account: str, do: Callable[[Any], Any], undo: Callable[[Any], Any]) -> Iterator[None]:
    """An out-of-band change in ``account`` (made as an operator would, outside Pulumi), undone after."""
    iam = iam_of(account)
    do(iam)
    try:
        yield
    finally:
        undo(iam)


def trust_policy() -> dict[str, Any]:
    role = iam_of(TRUSTING_ACCOUNT).get_role(RoleName=ROLE)["Role"]
    return dict(role["AssumeRolePolicyDocument"])


def assume_policy(version: str = "v1") -> dict[str, Any]:
    """A version of the trusted stack's assume-role policy (v1: as the stack made it)."""
    document = iam_of(TRUSTED_ACCOUNT).get_policy_version(PolicyArn=POLICY_ARN, VersionId=version)
    found = document["PolicyVersion"]["Document"]
    return dict(json.loads(found) if isinstance(found, str) else found)


# A clean deployment ----------------------------------------------------------------------


@pytest.mark.e2e
def test_the_deployment_exports_the_baseline_the_audit_compares_with(deployed: Deployed) -> None:
    live = json.loads(json.dumps(trust_policy()).replace(EXTERNAL_ID, external_id_digest(EXTERNAL_ID)))
    assert deployed.trusting_outputs["auditBaseline"] == {
        "trustPolicy": live,
        "managedPolicyArns": [S3_READ_ONLY, TEAM_POLICY_ARN],
        "inlinePolicyNames": ["read-logs"],
        "maxSessionDuration": 3600,
        "permissionsBoundaryArn": BOUNDARY_ARN,
        "inlinePolicies": {"read-logs": READ_LOGS},
        "tags": dict(sorted(TAGS.items())),
        "revokeSessionsIssuedBefore": REVOKED_BEFORE,
        "managedPolicyDocuments": {TEAM_POLICY_ARN: TEAM_POLICY},
    }
    assert EXTERNAL_ID not in json.dumps(deployed.trusting_outputs["auditBaseline"])
    assert deployed.trusted_outputs["policyArns"] == [POLICY_ARN]
    assert deployed.trusted_outputs["auditBaseline"] == {"policyDocuments": [assume_policy()]}
    assert assume_policy()["Statement"][0]["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}


@pytest.mark.e2e
def test_a_clean_deployment_has_no_findings_and_exits_0(audit: Callable[..., Outcome]) -> None:
    outcome = audit("--json", "--fail-on", "info")
    assert (outcome.status, outcome.err) == (0, ""), outcome.err
    assert outcome.report["findings"] == []
    assert outcome.report["accounts"] == [TRUSTING_ACCOUNT, TRUSTED_ACCOUNT]
    [role] = outcome.report["roles"]
    assert (role["arn"], role["exists"], role["last_used"], role["expires_at"]) == (
        ROLE_ARN,
        True,
        None,
        EXPIRES_AT,
    )


@pytest.mark.e2e
def test_the_table_of_a_clean_deployment_lists_the_role_and_says_there_is_no_finding(
    audit: Callable[..., Outcome],
) -> None:
    outcome = audit()
    assert outcome.status == 0
    assert ROLE_ARN in outcome.out
    assert "No findings in 2 account(s)." in outcome.out


# Each out-of-band change, exactly its finding -----------------------------------------------


def _add_principal(iam: Any) -> None:
    document = trust_policy()
    document["Statement"][0]["Principal"] = {
        "AWS": [f"arn:aws:iam::{TRUSTED_ACCOUNT}:root", "arn:aws:iam::333333333333:root"]
    }
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(document))


def _add_unique_id(iam: Any) -> None:
    document = trust_policy()
    document["Statement"][0]["Principal"] = {
        "AWS": [f"arn:aws:iam::{TRUSTED_ACCOUNT}:root", "AIDAJQABLZS4A3QDU576Q"]
    }
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(document))


def _restore_trust(document: dict[str, Any]) -> Callable[[Any], None]:
    return lambda iam: iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(document))


def _delete_user(iam: Any) -> None:
    iam.detach_user_policy(UserName="alice", PolicyArn=POLICY_ARN)
    iam.delete_user(UserName="alice")


def _recreate_user(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=POLICY_ARN)


def _delete_role(iam: Any) -> None:
    for policy in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=ROLE, PolicyArn=policy["PolicyArn"])
    for name in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]:
        iam.delete_role_policy(RoleName=ROLE, PolicyName=name)
    iam.delete_role(RoleName=ROLE)


def _restore_revocation(iam: Any) -> None:
    iam.put_role_policy(RoleName=ROLE, PolicyName="AWSRevokeOlderSessions", PolicyDocument=json.dumps(REVOKE))


def _delete_policy(iam: Any) -> dict[str, Any]:
    version = iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId="v1")["PolicyVersion"]["Document"]
    iam.detach_user_policy(UserName="alice", PolicyArn=POLICY_ARN)
    iam.detach_group_policy(GroupName="s3-readers", PolicyArn=POLICY_ARN)
    iam.delete_policy(PolicyArn=POLICY_ARN)
    return dict(version)


def _trust_principal(principal: Any) -> Callable[[Any], None]:
    def do(iam: Any) -> None:
        document = trust_policy()
        document["Statement"].append({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
        iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(document))

    return do


def _new_default_version(arn: str, document: Callable[[], dict[str, Any]]) -> Callable[[Any], None]:
    return lambda iam: iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(document()), SetAsDefault=True
    )


def _back_to_v1(arn: str) -> Callable[[Any], None]:
    def undo(iam: Any) -> None:
        iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
        for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
            if version["VersionId"] != "v1":
                iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])

    return undo


def _without_mfa() -> dict[str, Any]:
    document = assume_policy()
    for statement in document["Statement"]:
        statement.get("Condition", {}).pop("Bool", None)
    return document


def _with_iam_everything() -> dict[str, Any]:
    document = assume_policy()
    document["Statement"].append({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    return document


STS_EVERYTHING_ARN = f"arn:aws:iam::{TRUSTED_ACCOUNT}:policy/sts-everything"


def _sts_everything(iam: Any) -> str:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
    }
    return str(
        iam.create_policy(PolicyName="sts-everything", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    )


MAY_ASSUME_ANY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}


CHANGES: list[tuple[str, str, Callable[[Any], Any], Callable[[Any], Any], tuple[str, str, str]]] = [
    (
        "AdministratorAccess attached to the role",
        TRUSTING_ACCOUNT,
        lambda iam: iam.attach_role_policy(RoleName=ROLE, PolicyArn=ADMINISTRATOR_ACCESS),
        lambda iam: iam.detach_role_policy(RoleName=ROLE, PolicyArn=ADMINISTRATOR_ACCESS),
        ("unexpected-managed-policy", "critical", ROLE_ARN),
    ),
    (
        "another managed policy attached to the role",
        TRUSTING_ACCOUNT,
        lambda iam: iam.attach_role_policy(RoleName=ROLE, PolicyArn=BOUNDARY_ARN),
        lambda iam: iam.detach_role_policy(RoleName=ROLE, PolicyArn=BOUNDARY_ARN),
        ("unexpected-managed-policy", "high", ROLE_ARN),
    ),
    (
        "the stack's managed policy detached",
        TRUSTING_ACCOUNT,
        lambda iam: iam.detach_role_policy(RoleName=ROLE, PolicyArn=S3_READ_ONLY),
        lambda iam: iam.attach_role_policy(RoleName=ROLE, PolicyArn=S3_READ_ONLY),
        ("managed-policy-detached", "medium", ROLE_ARN),
    ),
    (
        "an inline policy allowing *:* put on the role",
        TRUSTING_ACCOUNT,
        lambda iam: iam.put_role_policy(
            RoleName=ROLE, PolicyName="break-glass", PolicyDocument=json.dumps(EVERYTHING)
        ),
        lambda iam: iam.delete_role_policy(RoleName=ROLE, PolicyName="break-glass"),
        ("unexpected-inline-policy", "critical", ROLE_ARN),
    ),
    (
        "a principal added to the trust policy",
        TRUSTING_ACCOUNT,
        _add_principal,
        lambda iam: None,  # replaced below by the restore of the document read before the change
        ("trust-policy-drift", "critical", ROLE_ARN),  # 333333333333: no stack names it
    ),
    (
        "a unique id in the trust policy",
        TRUSTING_ACCOUNT,
        _add_unique_id,
        lambda iam: None,
        ("unique-id-principal", "high", ROLE_ARN),
    ),
    (
        "the permissions boundary removed",
        TRUSTING_ACCOUNT,
        lambda iam: iam.delete_role_permissions_boundary(RoleName=ROLE),
        lambda iam: iam.put_role_permissions_boundary(RoleName=ROLE, PermissionsBoundary=BOUNDARY_ARN),
        ("permissions-boundary-drift", "high", ROLE_ARN),
    ),
    (
        "the maximum session made longer",
        TRUSTING_ACCOUNT,
        lambda iam: iam.update_role(RoleName=ROLE, MaxSessionDuration=43200),
        lambda iam: iam.update_role(RoleName=ROLE, MaxSessionDuration=3600),
        ("max-session-drift", "high", ROLE_ARN),
    ),
    (
        "the assume-role policy detached from the named group",
        TRUSTED_ACCOUNT,
        lambda iam: iam.detach_group_policy(GroupName="s3-readers", PolicyArn=POLICY_ARN),
        lambda iam: iam.attach_group_policy(GroupName="s3-readers", PolicyArn=POLICY_ARN),
        ("assume-policy-detached", "high", POLICY_ARN),
    ),
    (
        "the assume-role policy attached to a user the stack does not name",
        TRUSTED_ACCOUNT,
        lambda iam: iam.attach_user_policy(UserName="carol", PolicyArn=POLICY_ARN),
        lambda iam: iam.detach_user_policy(UserName="carol", PolicyArn=POLICY_ARN),
        ("assume-policy-unexpected-principal", "high", POLICY_ARN),
    ),
    (
        "a named user deleted",
        TRUSTED_ACCOUNT,
        _delete_user,
        _recreate_user,
        ("principal-missing", "high", f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/alice"),
    ),
    # Contents, not names (each missed before: exit 0, no finding) -------------------------------
    (
        "a new default version allowing * on * of the customer-managed policy the stack attached",
        TRUSTING_ACCOUNT,
        _new_default_version(TEAM_POLICY_ARN, lambda: EVERYTHING),
        _back_to_v1(TEAM_POLICY_ARN),
        ("managed-policy-drift", "critical", ROLE_ARN),
    ),
    (
        "the stack's inline policy rewritten to * on *",
        TRUSTING_ACCOUNT,
        lambda iam: iam.put_role_policy(
            RoleName=ROLE, PolicyName="read-logs", PolicyDocument=json.dumps(EVERYTHING)
        ),
        lambda iam: iam.put_role_policy(
            RoleName=ROLE, PolicyName="read-logs", PolicyDocument=json.dumps(READ_LOGS)
        ),
        ("inline-policy-drift", "critical", ROLE_ARN),
    ),
    (
        "AWSRevokeOlderSessions deleted",
        TRUSTING_ACCOUNT,
        lambda iam: iam.delete_role_policy(RoleName=ROLE, PolicyName="AWSRevokeOlderSessions"),
        _restore_revocation,
        ("revocation-drift", "high", ROLE_ARN),
    ),
    (
        "the revocation's time moved back to 2001",
        TRUSTING_ACCOUNT,
        lambda iam: iam.put_role_policy(
            RoleName=ROLE,
            PolicyName="AWSRevokeOlderSessions",
            PolicyDocument=json.dumps(REVOKE).replace(REVOKED_BEFORE, "2001-01-01T00:00:00Z"),
        ),
        _restore_revocation,
        ("revocation-drift", "high", ROLE_ARN),
    ),
    (
        "a tag of the role removed",
        TRUSTING_ACCOUNT,
        lambda iam: iam.untag_role(RoleName=ROLE, TagKeys=["team"]),
        lambda iam: iam.tag_role(RoleName=ROLE, Tags=[{"Key": "team", "Value": "data"}]),
        ("role-tags-drift", "medium", ROLE_ARN),
    ),
    (
        "a principal of * added to the trust policy",
        TRUSTING_ACCOUNT,
        _trust_principal({"AWS": "*"}),
        lambda iam: None,
        ("trust-policy-drift", "critical", ROLE_ARN),
    ),
    (
        "a principal of an account the stacks name added to the trust policy",
        TRUSTING_ACCOUNT,
        _trust_principal({"AWS": f"arn:aws:iam::{TRUSTING_ACCOUNT}:root"}),
        lambda iam: None,
        ("trust-policy-drift", "high", ROLE_ARN),
    ),
    (
        "the trusted policy's MFA condition removed",
        TRUSTED_ACCOUNT,
        _new_default_version(POLICY_ARN, _without_mfa),
        _back_to_v1(POLICY_ARN),
        ("assume-policy-content-drift", "critical", POLICY_ARN),
    ),
    (
        "iam:* on * added to the trusted policy",
        TRUSTED_ACCOUNT,
        _new_default_version(POLICY_ARN, _with_iam_everything),
        _back_to_v1(POLICY_ARN),
        ("assume-policy-content-drift", "critical", POLICY_ARN),
    ),
    (
        "a user added to the group the stack made",
        TRUSTED_ACCOUNT,
        lambda iam: iam.add_user_to_group(GroupName=NEW_GROUP, UserName="erin"),
        lambda iam: iam.remove_user_from_group(GroupName=NEW_GROUP, UserName="erin"),
        ("unexpected-group-member", "high", f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/erin"),
    ),
    (
        "an inline sts:AssumeRole on * put on a user of the trusted account the stack does not name",
        TRUSTED_ACCOUNT,
        lambda iam: iam.put_user_policy(
            UserName="carol", PolicyName="may-assume", PolicyDocument=json.dumps(MAY_ASSUME_ANY)
        ),
        lambda iam: iam.delete_user_policy(UserName="carol", PolicyName="may-assume"),
        ("other-principal-may-assume", "high", f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/carol"),
    ),
    (
        "a managed policy allowing sts:* attached to a group of the trusted account the stack does not name",
        TRUSTED_ACCOUNT,
        lambda iam: (
            iam.create_group(GroupName="others"),
            iam.attach_group_policy(GroupName="others", PolicyArn=_sts_everything(iam)),
        ),
        lambda iam: (
            iam.detach_group_policy(GroupName="others", PolicyArn=STS_EVERYTHING_ARN),
            iam.delete_policy(PolicyArn=STS_EVERYTHING_ARN),
            iam.delete_group(GroupName="others"),
        ),
        ("other-principal-may-assume", "high", f"arn:aws:iam::{TRUSTED_ACCOUNT}:group/others"),
    ),
]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("account", "do", "undo", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CHANGES],
)
def test_each_out_of_band_change_yields_exactly_its_finding_and_exit_1_at_its_severity(
    audit: Callable[..., Outcome],
    account: str,
    do: Callable[[Any], Any],
    undo: Callable[[Any], Any],
    expected: tuple[str, str, str],
) -> None:
    before = trust_policy()
    restore = _restore_trust(before) if expected[0] in ("trust-policy-drift", "unique-id-principal") else undo
    # It starts from the clean deployment: the module's deployment audits clean
    # (test_a_clean_deployment_has_no_findings_and_exits_0), and each change is undone and audited clean below.
    with changed(account, do, restore):
        outcome = audit("--json", "--fail-on", expected[1])
    assert outcome.found == [expected], outcome.report["findings"]
    assert (outcome.status, outcome.err) == (1, "")
    assert audit("--json").found == [], "the change was undone: the next audit is clean again"


@pytest.mark.e2e
def test_a_trust_policy_drift_shows_the_statement_that_differs(audit: Callable[..., Outcome]) -> None:
    with changed(TRUSTING_ACCOUNT, _add_principal, _restore_trust(trust_policy())):
        outcome = audit("--json")
    [drift] = outcome.report["findings"]
    [added] = drift["details"]["added"]
    [removed] = drift["details"]["removed"]
    assert added["Principal"] == {
        "AWS": [f"arn:aws:iam::{TRUSTED_ACCOUNT}:root", "arn:aws:iam::333333333333:root"]
    }
    assert removed["Principal"] == {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"}
    assert "+ {" in drift["message"] and "- {" in drift["message"]


@pytest.mark.e2e
def test_a_deleted_assume_role_policy_is_one_finding_and_not_one_per_principal(
    audit: Callable[..., Outcome],
) -> None:
    iam = iam_of(TRUSTED_ACCOUNT)
    document = _delete_policy(iam)
    try:
        outcome = audit("--json")
    finally:
        iam.create_policy(PolicyName=POLICY, PolicyDocument=json.dumps(document))
        iam.attach_user_policy(UserName="alice", PolicyArn=POLICY_ARN)
        iam.attach_group_policy(GroupName="s3-readers", PolicyArn=POLICY_ARN)
    assert outcome.found == [("assume-policy-missing", "high", POLICY_ARN)]
    assert outcome.status == 1


@pytest.mark.e2e
def test_revoked_sessions_are_reported_with_their_time_and_are_not_drift(
    audit: Callable[..., Outcome],
) -> None:
    revoke = json.loads(json.dumps(REVOKE).replace(REVOKED_BEFORE, "2026-06-01T12:00:00Z"))
    with changed(
        TRUSTING_ACCOUNT,
        lambda iam: iam.put_role_policy(
            RoleName=ROLE, PolicyName="AWSRevokeOlderSessions", PolicyDocument=json.dumps(revoke)
        ),
        _restore_revocation,
    ):
        below = audit("--json")
        failing = audit("--json", "--fail-on", "info")
    assert below.found == [("sessions-revoked", "info", ROLE_ARN)]
    assert below.report["findings"][0]["message"] == (
        "sessions issued before 2026-06-01T12:00:00Z are revoked (AWSRevokeOlderSessions)"
    )
    assert below.report["roles"][0]["revoked_before"] == "2026-06-01T12:00:00Z"
    assert (below.status, failing.status) == (0, 1), "info is below the default --fail-on high"


@pytest.mark.e2e
def test_an_allow_named_as_the_revocation_is_an_unexpected_inline_policy_and_no_revocation(
    audit: Callable[..., Outcome],
) -> None:
    with changed(
        TRUSTING_ACCOUNT,
        lambda iam: iam.put_role_policy(
            RoleName=ROLE, PolicyName="AWSRevokeOlderSessions", PolicyDocument=json.dumps(EVERYTHING)
        ),
        _restore_revocation,
    ):
        outcome = audit("--json")
    assert outcome.found == [
        ("unexpected-inline-policy", "critical", ROLE_ARN),
        ("revocation-drift", "high", ROLE_ARN),  # the stack's deny is gone with it
    ]
    assert outcome.report["roles"][0]["revoked_before"] is None
    assert outcome.status == 1


@pytest.mark.e2e
def test_a_role_unused_for_longer_than_unused_days_is_reported(audit: Callable[..., Outcome]) -> None:
    later = datetime.now(UTC) + timedelta(days=100)
    outcome = audit("--json", "--fail-on", "medium", now=later)
    assert outcome.found == [("role-unused", "medium", ROLE_ARN)]
    assert "never used since it was created 99 days ago" in outcome.report["findings"][0]["message"] or (
        "never used since it was created 100 days ago" in outcome.report["findings"][0]["message"]
    )
    assert outcome.status == 1
    assert audit("--json", "--unused-days", "120", now=later).found == []


@pytest.mark.e2e
def test_a_role_past_its_end_of_access_that_still_exists_is_critical(audit: Callable[..., Outcome]) -> None:
    after = datetime(2099, 1, 2, tzinfo=UTC)
    outcome = audit("--json", "--unused-days", "36500", now=after)
    assert outcome.found == [("role-expired", "critical", ROLE_ARN)]
    assert outcome.status == 1


@pytest.mark.e2e
def test_a_used_role_reports_when_it_was_last_used_and_is_unused_only_after_unused_days(
    audit: Callable[..., Outcome],
) -> None:
    """After the unused-role tests: from here on the role has been used."""
    given = (
        account_session(TRUSTED_ACCOUNT).client("sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="alice")
    )
    keys = given["Credentials"]
    session = account_session(TRUSTING_ACCOUNT)
    session.client(
        "sts",
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    ).get_caller_identity()  # a call with the session: moto records the role's use
    now = audit("--json", "--fail-on", "info")
    [role] = now.report["roles"]
    assert role["last_used"] is not None
    used = datetime.fromisoformat(role["last_used"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - used).total_seconds()) < 600
    assert (now.found, now.status) == ([], 0)
    later = audit("--json", now=used + timedelta(days=91, minutes=1))  # (the report keeps whole seconds)
    assert later.found == [("role-unused", "medium", ROLE_ARN)]
    assert later.report["findings"][0]["message"].startswith(
        f"last used 91 days ago ({role['last_used']} in an unknown region): more than --unused-days 90"
    ), later.report["findings"][0]["message"]


@pytest.mark.e2e
def test_a_role_pattern_the_trusted_stack_grants_by_organization_path_is_not_drift(
    deployed: Deployed, audit: Callable[..., Outcome], tmp_path: Path
) -> None:
    """roleArnPatterns (a stackset rollout's roles) are expected grants; granted without it, drift. The
    grant's aws:ResourceOrgPaths condition removed is drift too, critical: any account's role of that name."""
    pattern = "arn:aws:iam::*:role/rolled-out"
    grant = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": pattern,
        "Condition": {
            "ForAnyValue:StringLike": {"aws:ResourceOrgPaths": "o-abcdefghij/*/ou-ab12-cdefgh34/*"}
        },
    }
    document = assume_policy()
    widened = {**document, "Statement": [*document["Statement"], grant]}
    unconditioned = {**document, "Statement": [*document["Statement"], {**grant, "Condition": {}}]}
    trusted = tmp_path / "trusted.json"
    trusted.write_text(
        json.dumps(
            {
                **deployed.trusted_outputs,
                "roleArnPatterns": [pattern],
                "auditBaseline": {"policyDocuments": [widened]},
            }
        )
    )
    argv = deployed.argv("--json")
    argv[argv.index(str(deployed.outputs_files[1]))] = str(trusted)
    iam = iam_of(TRUSTED_ACCOUNT)
    version = iam.create_policy_version(
        PolicyArn=POLICY_ARN, PolicyDocument=json.dumps(widened), SetAsDefault=True
    )["PolicyVersion"]["VersionId"]
    try:
        expected = audit(argv=argv)
        unasked = audit("--json")
        iam.create_policy_version(
            PolicyArn=POLICY_ARN, PolicyDocument=json.dumps(unconditioned), SetAsDefault=True
        )
        no_condition = audit(argv=argv)
    finally:
        iam.set_default_policy_version(PolicyArn=POLICY_ARN, VersionId="v1")
        for other in iam.list_policy_versions(PolicyArn=POLICY_ARN)["Versions"]:
            if other["VersionId"] != "v1":
                iam.delete_policy_version(PolicyArn=POLICY_ARN, VersionId=other["VersionId"])
    assert version != "v1"
    assert deployed.trusted_outputs["roleArnPatterns"] == []
    assert (expected.found, expected.status) == ([], 0)
    assert unasked.found == [
        ("assume-policy-content-drift", "critical", POLICY_ARN),
        ("assume-policy-drift", "high", POLICY_ARN),
    ]
    drift = next(f for f in unasked.report["findings"] if f["rule"] == "assume-policy-drift")
    assert drift["details"]["extra"] == [pattern]
    assert unasked.status == 1
    assert no_condition.found == [("assume-policy-content-drift", "critical", POLICY_ARN)]
    [removed] = no_condition.report["findings"][0]["details"]["removed"]
    assert removed["Condition"] == grant["Condition"]
    assert no_condition.status == 1


@pytest.mark.e2e
def test_outputs_of_an_earlier_version_are_audited_and_say_what_they_cannot_compare(
    deployed: Deployed, audit: Callable[..., Outcome], tmp_path: Path
) -> None:
    baseline = {
        k: v
        for k, v in deployed.trusting_outputs["auditBaseline"].items()
        if k not in ("inlinePolicies", "managedPolicyDocuments", "tags", "revokeSessionsIssuedBefore")
    }
    trusting = tmp_path / "trusting.json"
    trusting.write_text(json.dumps({**deployed.trusting_outputs, "auditBaseline": baseline}))
    trusted = tmp_path / "trusted.json"
    trusted.write_text(
        json.dumps({k: v for k, v in deployed.trusted_outputs.items() if k != "auditBaseline"})
    )
    argv = deployed.argv("--json")
    argv[argv.index(str(deployed.outputs_files[0]))] = str(trusting)
    argv[argv.index(str(deployed.outputs_files[1]))] = str(trusted)
    outcome = audit(argv=argv)
    assert (outcome.status, outcome.found) == (
        0,
        [
            ("baseline-missing", "info", ROLE_ARN),
            ("sessions-revoked", "info", ROLE_ARN),  # the stack's own revocation, no longer known as such
            ("baseline-missing", "info", POLICY_ARN),
        ],
    )
    messages = [f["message"] for f in outcome.report["findings"] if f["rule"] == "baseline-missing"]
    assert "has no inlinePolicies, managedPolicyDocuments, tags, revokeSessionsIssuedBefore" in messages[0]
    assert "the policies' statements, actions and conditions are not compared" in messages[1]


# Setup errors: exit 2, one line ------------------------------------------------------------


@pytest.mark.e2e
def test_a_read_only_identity_without_a_needed_permission_exits_2_naming_the_action(
    deployed: Deployed, audit: Callable[..., Outcome]
) -> None:
    argv = deployed.argv("--json")
    argv[argv.index(f"{TRUSTED_ACCOUNT}=auditor-2")] = f"{TRUSTED_ACCOUNT}=partial"
    outcome = audit(argv=argv)
    assert outcome.status == 2
    assert outcome.out == ""
    assert outcome.err.count("\n") == 1
    assert outcome.err.startswith(
        f"cross-account-audit: error: iam:ListEntitiesForPolicy on {POLICY_ARN} as "
        f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/auditor-without-list-entities: AccessDenied"
    ), outcome.err
    assert outcome.err.rstrip().endswith("the audit needs the read-only policy of docs/audit.md")


@pytest.mark.e2e
def test_the_read_only_policy_is_minimal_each_of_its_actions_is_needed_on_a_clean_deployment(
    deployed: Deployed, audit: Callable[..., Outcome]
) -> None:
    """Every action of docs/audit.md's policy is read by the audit of the clean deployment: an identity
    without any one of them exits 2 naming it. (moto checks the actions of each call, IAM authentication on.)"""
    policy = cli.read_only_policy()
    actions = sorted({a for statement in policy["Statement"] for a in _list(statement["Action"])})
    assert actions == [
        "iam:GetAccountAuthorizationDetails",
        "iam:GetGroup",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:GetUser",
        "iam:ListAttachedRolePolicies",
        "iam:ListEntitiesForPolicy",
        "iam:ListRolePolicies",
    ]
    keys = {}
    for action in actions:
        smaller = moto_copy(policy)
        smaller["Statement"] = [
            {**statement, "Action": [a for a in _list(statement["Action"]) if a != action]}
            for statement in smaller["Statement"]
            if _list(statement["Action"]) != [action]
        ]
        name = "without-" + action.split(":")[1]
        keys[f"{name}-1"] = _auditor(TRUSTING_ACCOUNT, smaller, name)
        keys[f"{name}-2"] = _auditor(TRUSTED_ACCOUNT, smaller, name)
    credentials = deployed.home / "credentials"
    with credentials.open("a") as file:
        for profile, key in keys.items():
            file.write(
                f"\n[{profile}]\naws_access_key_id = {key['AccessKeyId']}\n"
                f"aws_secret_access_key = {key['SecretAccessKey']}\n"
            )
    for action in actions:
        name = "without-" + action.split(":")[1]
        argv = deployed.argv("--json")
        argv[argv.index(f"{TRUSTING_ACCOUNT}=auditor")] = f"{TRUSTING_ACCOUNT}={name}-1"
        argv[argv.index(f"{TRUSTED_ACCOUNT}=auditor-2")] = f"{TRUSTED_ACCOUNT}={name}-2"
        outcome = audit(argv=argv)
        assert (outcome.status, outcome.out) == (2, ""), (action, outcome.err)
        assert outcome.err.startswith(f"cross-account-audit: error: {action} on "), (action, outcome.err)
        assert "AccessDenied" in outcome.err, outcome.err
    assert audit("--json").status == 0, "with every action, the same audit passes"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.e2e
def test_assume_role_name_reads_every_account_through_its_role_of_that_name(
    deployed: Deployed, audit: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What audit.yml does: one identity, a read-only role of one name in each account."""
    reader = "audit-reader"
    may_assume = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::*:role/{reader}"}
    hub = _auditor(TRUSTED_ACCOUNT, {"Version": "2012-10-17", "Statement": [may_assume]}, "audit-hub")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/audit-hub"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    for account in (TRUSTING_ACCOUNT, TRUSTED_ACCOUNT):
        iam = iam_of(account)
        iam.create_role(RoleName=reader, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(
            RoleName=reader,
            PolicyName="audit-read-only",
            PolicyDocument=json.dumps(moto_copy(cli.read_only_policy())),
        )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", hub["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", hub["SecretAccessKey"])
    files = [a for path in deployed.outputs_files for a in ("--stack-outputs", str(path))]
    try:
        outcome = audit(
            argv=[*files, "--assume-role-name", reader, "--region", "us-east-1", "--timeout", "30", "--json"]
        )
    finally:
        for account in (TRUSTING_ACCOUNT, TRUSTED_ACCOUNT):
            iam_of(account).delete_role_policy(RoleName=reader, PolicyName="audit-read-only")
            iam_of(account).delete_role(RoleName=reader)
        trusted = iam_of(TRUSTED_ACCOUNT)
        trusted.delete_access_key(UserName="audit-hub", AccessKeyId=hub["AccessKeyId"])
        trusted.delete_user_policy(UserName="audit-hub", PolicyName="audit-read-only")
        trusted.delete_user(UserName="audit-hub")
    assert (outcome.status, outcome.err, outcome.found) == (0, "", [])
    assert outcome.report["accounts"] == [TRUSTING_ACCOUNT, TRUSTED_ACCOUNT]


@pytest.mark.e2e
def test_credentials_of_another_account_exit_2_saying_how_to_read_the_account(
    deployed: Deployed, audit: Callable[..., Outcome]
) -> None:
    argv = deployed.argv()
    argv[argv.index(f"{TRUSTED_ACCOUNT}=auditor-2")] = f"{TRUSTED_ACCOUNT}=trusting-only"
    outcome = audit(argv=argv)
    assert outcome.status == 2
    assert outcome.err == (
        f"cross-account-audit: error: account {TRUSTED_ACCOUNT}: --profile-for {TRUSTED_ACCOUNT}=trusting-only is "
        f"arn:aws:iam::{TRUSTING_ACCOUNT}:user/auditor-of-the-other-account, of account {TRUSTING_ACCOUNT}: read "
        f"{TRUSTED_ACCOUNT} with --profile-for {TRUSTED_ACCOUNT}=PROFILE or --assume-role-name NAME\n"
    )


@pytest.mark.e2e
def test_an_unknown_profile_exits_2_naming_it(deployed: Deployed, audit: Callable[..., Outcome]) -> None:
    argv = deployed.argv()
    argv[argv.index(f"{TRUSTED_ACCOUNT}=auditor-2")] = f"{TRUSTED_ACCOUNT}=nobody"
    outcome = audit(argv=argv)
    assert outcome.status == 2
    assert outcome.err == (
        f"cross-account-audit: error: --profile-for {TRUSTED_ACCOUNT}=nobody: ProfileNotFound: "
        "The config profile (nobody) could not be found\n"
    )


@pytest.mark.e2e
def test_an_endpoint_that_refuses_connections_exits_2_within_the_timeout(
    deployed: Deployed, audit: Callable[..., Outcome]
) -> None:
    with closed_port() as url:
        outcome = audit(argv=[*deployed.argv(), "--endpoint-url", url, "--timeout", "0"])
    assert outcome.status == 2
    assert outcome.err.startswith(f"cross-account-audit: error: cannot reach {url}"), outcome.err


@pytest.mark.e2e
def test_an_endpoint_that_never_answers_ends_the_run_within_the_timeout(
    deployed: Deployed, audit: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bound, not a benchmark: the run ends within the --timeout floor plus a margin."""
    short_floor.shorten(monkeypatch)
    with tcp_server("silent") as url:
        started = time.monotonic()
        outcome = audit(argv=[*deployed.argv(), "--endpoint-url", url, "--timeout", "0"])
        took = time.monotonic() - started
    assert (outcome.status, outcome.out) == (2, "")
    assert outcome.err == (
        f"cross-account-audit: error: cannot reach {url}: no answer within the time left (--timeout)\n"
    )
    assert took < short_floor.FLOOR + 3, (
        f"the floor of {short_floor.FLOOR} s plus a margin, took {took:.1f} s"
    )


# SARIF for code scanning -------------------------------------------------------------------


@pytest.mark.e2e
def test_the_sarif_log_is_valid_sarif_2_1_0_with_one_result_per_finding(
    audit: Callable[..., Outcome],
) -> None:
    with changed(
        TRUSTING_ACCOUNT,
        lambda iam: iam.attach_role_policy(RoleName=ROLE, PolicyArn=ADMINISTRATOR_ACCESS),
        lambda iam: iam.detach_role_policy(RoleName=ROLE, PolicyArn=ADMINISTRATOR_ACCESS),
    ):
        outcome = audit("--sarif")
    log = json.loads(outcome.out)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    [run] = log["runs"]
    [result] = run["results"]
    assert (result["ruleId"], result["level"]) == ("unexpected-managed-policy/critical", "error")
    assert result["message"]["text"].startswith(f"[critical] {ROLE_ARN}: {ADMINISTRATOR_ACCESS} is attached")
    rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == "unexpected-managed-policy/critical"
    assert rule["properties"]["security-severity"] == "9.5", "code scanning shows the alert as critical"
    assert outcome.status == 1


def test_a_sarif_log_the_schema_refuses_is_refused() -> None:
    """The schema check can fail: a log without ``runs`` is not SARIF."""
    schema = json.loads(SARIF_SCHEMA.read_text())
    with pytest.raises(jsonschema.ValidationError, match="'runs' is a required property"):
        jsonschema.Draft4Validator(schema).validate({"version": "2.1.0"})


# Near the end: the role deleted and made again (its unique id changes for good) --------------


def _recreate_role(iam: Any) -> None:
    """The role deleted and made again as it was, by hand: the same name, trust, policies and tags."""
    role = iam.get_role(RoleName=ROLE)["Role"]
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]]
    inline = {
        name: iam.get_role_policy(RoleName=ROLE, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]
    }
    _delete_role(iam)
    iam.create_role(
        RoleName=ROLE,
        Path=role["Path"],
        AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]),
        Description=role.get("Description", ""),
        MaxSessionDuration=role["MaxSessionDuration"],
        PermissionsBoundary=role["PermissionsBoundary"]["PermissionsBoundaryArn"],
        Tags=role["Tags"],
    )
    for arn in attached:
        iam.attach_role_policy(RoleName=ROLE, PolicyArn=arn)
    for name, document in inline.items():
        text = document if isinstance(document, str) else json.dumps(document)
        iam.put_role_policy(RoleName=ROLE, PolicyName=name, PolicyDocument=text)


@pytest.mark.e2e
def test_a_role_deleted_and_made_again_is_high_for_a_single_role_and_a_rollout(
    deployed: Deployed, audit: Callable[..., Outcome], tmp_path: Path
) -> None:
    """Before, medium (exit 0 at the default --fail-on high) and never found for a rollout, which
    exported no unique ids: a rollout now exports roleUniqueIdsByAccount (test_rollout.py)."""
    unique_id = deployed.trusting_outputs["roleUniqueId"]
    rollout = {
        key: value
        for key, value in deployed.trusting_outputs.items()
        if key not in ("roleArn", "switchRoleUrl", "roleUniqueId")
    }
    rollout.update(
        roleArnsByAccount={TRUSTING_ACCOUNT: ROLE_ARN}, roleUniqueIdsByAccount={TRUSTING_ACCOUNT: unique_id}
    )
    path = tmp_path / "rollout.json"
    path.write_text(json.dumps(rollout))
    argv = deployed.argv("--json")
    argv[argv.index(str(deployed.outputs_files[0]))] = str(path)
    assert audit(argv=argv).found == [], "the rollout's outputs describe the deployed role"
    _recreate_role(iam_of(TRUSTING_ACCOUNT))
    single = audit("--json")
    rolled_out = audit(argv=argv)
    assert iam_of(TRUSTING_ACCOUNT).get_role(RoleName=ROLE)["Role"]["RoleId"] != unique_id
    assert (single.found, single.status) == ([("role-recreated", "high", ROLE_ARN)], 1)
    assert (rolled_out.found, rolled_out.status) == ([("role-recreated", "high", ROLE_ARN)], 1)
    assert unique_id in single.report["findings"][0]["message"]


# The last test: the role deleted (it is not put back) ---------------------------------------


@pytest.mark.e2e
def test_a_deleted_role_is_reported_missing(audit: Callable[..., Outcome]) -> None:
    _delete_role(iam_of(TRUSTING_ACCOUNT))
    outcome = audit("--json")
    assert outcome.found == [("role-missing", "high", ROLE_ARN)]
    assert outcome.report["roles"] == [
        {
            "arn": ROLE_ARN,
            "exists": False,
            "last_used": None,
            "last_used_region": None,
            "created": None,
            "revoked_before": None,
            "expires_at": EXPIRES_AT,
        }
    ]
    assert outcome.status == 1
