"""Every policy document the program can write, linted by parliament and validated by moto.

Documents: the trust policy for every combination of its options (partition,
one or several accounts, MFA, MFA age, external id, organization, principal
patterns), the trusted side's assume-role policy (one role, several, a full
6,144-character split chunk, with and without MFA, with one or several ends
of access, with session tags and source identity, per partition), and the
documents the real program registers for the example stacks and for a
hardened configuration with inline policies (passed through as given).

parliament (ol-parliament, the maintained fork of duo-labs' parliament; offline: it ships its IAM action/resource/condition
data) runs with its community auditors; the one finding configured out is in
tests/parliament.yaml with its reason. parliament lints identity policies and
stops at "neither Resource nor NotResource" on a trust policy, so trust
policies are linted as the resource policy they are, with their implicit
resource (the role) written out. moto validates identity documents in
create_policy / put_role_policy and trust policies in update_assume_role_policy
(create_role does not validate): each document goes through those calls.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import parliament
import pytest
import yaml
from botocore.exceptions import ClientError
from conftest import ROOT, TRUSTED_ACCOUNT, RecordingMocks, Run, run_main, stack_file_config
from moto import mock_aws

from cross_account import limits
from cross_account.documents import assume_role_policy, permission_set_patterns, policy_size, trust_policy
from cross_account.trusted import split_role_arns

PARLIAMENT_CONFIG = Path(__file__).with_name("parliament.yaml")
COMMUNITY_CONFIG = Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml"
PARTITIONS = ("aws", "aws-us-gov", "aws-cn")
TRUSTING = "111122223333"
ROLE_NAME = "my-s3-x-account-role"

Document = dict[str, Any]


def role_arn(partition: str, name: str = ROLE_NAME, path: str = "/", account: str = TRUSTING) -> str:
    return f"arn:{partition}:iam::{account}:role{path}{name}"


# What the program can write ---------------------------------------------------


def trust_policies() -> dict[str, tuple[str, Document]]:
    """label -> (partition, document) for every combination of trust_policy's options."""
    found: dict[str, tuple[str, Document]] = {}
    for partition, accounts, mfa, external_id, org, patterns in itertools.product(
        PARTITIONS,
        (("444455556666",), ("444455556666", "444466667777", "444477778888")),
        ("none", "present", "present+age"),
        (None, "partner-7f3a:x/y=z@w.v+1"),
        (None, "o-abcdefghij"),
        (0, 1, 2),
    ):
        pattern_list = [
            f"arn:{partition}:iam::444455556666:role/ops-*",
            f"arn:{partition}:iam::444455556666:user/ci-*",
        ][:patterns]
        document = trust_policy(
            partition,
            accounts,
            require_mfa=mfa != "none",
            mfa_max_age_seconds=3600 if mfa == "present+age" else None,
            external_id=external_id,
            organization_id=org,
            trusted_principal_arns=pattern_list,
        )
        label = (
            f"trust {partition} accounts={len(accounts)} mfa={mfa} external_id={external_id is not None} "
            f"org={org is not None} patterns={patterns}"
        )
        found[label] = (partition, document)
    return found


TRUST_OPTIONS: dict[str, dict[str, Any]] = {
    "session tags": {"allow_session_tags": True},
    "source identity allowed": {"source_identity": "allowed"},
    "source identity required": {"source_identity": "required"},
    "source identity username": {"source_identity": "username"},
    "session name is username": {"session_name_is_username": True},
    "external ids": {"external_id": ["partner-7f3a", "partner-9b1c"]},
    "expires at": {"expires_at": "2099-12-31T23:59:59Z"},
    "extra conditions": {
        "extra_conditions": {
            "IpAddress": {"aws:SourceIp": ("203.0.113.0/24",)},
            "StringEquals": {"aws:PrincipalTag/team": "ops"},
            "ForAnyValue:StringLike": {"aws:PrincipalTag/project": ("alpha-*", "beta")},
        }
    },
}
"""The options for today's callers, each alone and then all together (with permission sets)."""


def trust_option_policies() -> dict[str, tuple[str, Document]]:
    found: dict[str, tuple[str, Document]] = {}
    for partition in PARTITIONS:
        accounts = ("444455556666", "444466667777")
        for name, options in TRUST_OPTIONS.items():
            found[f"trust {partition} {name}"] = (partition, trust_policy(partition, accounts, **options))
        together: dict[str, Any] = {k: v for options in TRUST_OPTIONS.values() for k, v in options.items()}
        together["source_identity"] = "username"
        patterns = permission_set_patterns(partition, accounts, "Auditor")
        found[f"trust {partition} every option and a permission set"] = (
            partition,
            trust_policy(partition, accounts, require_mfa=True, trusted_principal_arns=patterns, **together),
        )
    return found


def assume_role_policies() -> dict[str, Document]:
    found: dict[str, Document] = {}
    many = [role_arn("aws", f"team-{i:03d}-reader", "/teams/", f"{100000000000 + i}") for i in range(200)]
    for partition, require_mfa in itertools.product(PARTITIONS, (False, True)):
        one = [role_arn(partition)]
        several = [role_arn(partition), role_arn(partition, "deployer", "/ci/", "444466667777")]
        found[f"assume {partition} one role mfa={require_mfa}"] = assume_role_policy(
            one, require_mfa=require_mfa
        )
        found[f"assume {partition} two roles mfa={require_mfa}"] = assume_role_policy(
            several, require_mfa=require_mfa
        )
    for require_mfa in (False, True):
        chunks = split_role_arns(many, require_mfa=require_mfa)
        assert len(chunks) > 1, "200 role ARNs fill more than one policy"
        for index, chunk in enumerate(chunks):
            found[f"assume split chunk {index + 1} of 200 ARNs mfa={require_mfa}"] = assume_role_policy(
                chunk, require_mfa=require_mfa
            )
    for partition, require_mfa in itertools.product(PARTITIONS, (False, True)):
        several = [role_arn(partition), role_arn(partition, "deployer", "/ci/", "444466667777")]
        for label, ends in (
            ("one end", {several[0]: "2027-03-31T23:59:59Z", several[1]: "2027-03-31T23:59:59Z"}),
            ("an end and none", {several[1]: "2027-03-31T23:59:59Z"}),
            ("two ends", {several[0]: "2027-03-31T23:59:59Z", several[1]: "2026-12-31T00:00:00Z"}),
        ):
            found[f"assume {partition} two roles {label} mfa={require_mfa}"] = assume_role_policy(
                several, require_mfa=require_mfa, ends=ends
            )
        for label, actions in (
            ("session tags", {several[1]: ["sts:TagSession"]}),
            ("tags and source identity", {a: ["sts:TagSession", "sts:SetSourceIdentity"] for a in several}),
        ):
            found[f"assume {partition} two roles {label} mfa={require_mfa}"] = assume_role_policy(
                several, require_mfa=require_mfa, session_actions=actions
            )
    ends = {arn: f"2099-01-{1 + i % 28:02d}T00:00:00Z" for i, arn in enumerate(many)}
    ended = split_role_arns(many, ends=ends)
    assert len(ended) > 2, "200 role ARNs with 28 ends fill more than two policies"
    for index, chunk in enumerate(ended):
        found[f"assume split chunk {index + 1} of 200 ARNs with 28 ends"] = assume_role_policy(
            chunk, ends=ends
        )
    return found


INLINE_POLICIES: dict[str, Document] = {
    "write-reports": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteIncomingReports",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                "Resource": "arn:aws:s3:::trusting-reports/incoming/*",
            }
        ],
    },
    "read-app-parameters": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadAppParameters",
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": "arn:aws:ssm:us-east-1:111122223333:parameter/app/*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        ],
    },
    "assume-next-hop": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeNextHop",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": "arn:aws:iam::444477778888:role/next-hop",
            }
        ],
    },
}


def program_runs() -> dict[str, Run]:
    reference = "organization/cross-account-access/trusting"
    trusted_mocks = RecordingMocks(
        account_id=TRUSTED_ACCOUNT,
        stack_outputs={reference: {"roleArn": role_arn("aws"), "externalIdRequired": False}},
    )
    many = [role_arn("aws", f"team-{i:03d}-reader", "/teams/", f"{100000000000 + i}") for i in range(150)]
    return {
        "trusting example": run_main(stack="trusting", config=stack_file_config("trusting")),
        "trusted example": run_main(
            stack="trusted", config=stack_file_config("trusted"), mocks=trusted_mocks
        ),
        "trusting hardened": run_main(
            stack="trusting",
            config={
                "trustedAccountIds": ["444455556666", "444466667777"],
                "externalId": "partner-7f3a",
                "requireMfa": True,
                "mfaMaxAgeSeconds": 3600,
                "organizationId": "o-abcdefghij",
                "trustedPrincipalArns": ["arn:aws:iam::444455556666:role/ops-*"],
                "inlinePolicies": INLINE_POLICIES,
                "revokeSessionsIssuedBefore": "2026-01-05T09:30:00.085Z",
            },
            secret_keys=("externalId",),
        ),
        "trusted many roles": run_main(
            stack="trusted",
            config={"roleArns": many, "groupNames": ["ops"], "requireMfa": True},
            mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT),
        ),
        "trusted callers with ends": run_main(
            stack="trusted",
            config={
                "roleNames": ["ci-deployer"],
                "newGroupName": "release-team",
                "newGroupMembers": ["dave"],
                "expiresAt": "2099-01-01T00:00:00Z",
            },
            mocks=RecordingMocks(
                account_id=TRUSTED_ACCOUNT,
                stack_outputs={
                    reference: {
                        "roleArnsByAccount": {
                            "444466667777": role_arn("aws", account="444466667777"),
                            "444477778888": role_arn("aws", account="444477778888"),
                        },
                        "expiresAt": "2098-06-30T00:00:00Z",
                        "mfaRequired": True,
                        "sessionTagsAllowed": True,
                        "sourceIdentityAllowed": True,
                    }
                },
            ),
        ),
    }


@pytest.fixture(scope="module")
def program_documents() -> dict[str, tuple[str, Document]]:
    """label -> ("trust" | "identity", document) for every document the real program registered."""
    found: dict[str, tuple[str, Document]] = {}
    for run_name, run in program_runs().items():
        for r in run.registrations:
            if r.type == "aws:iam/role:Role":
                found[f"{run_name}: {r.name}"] = ("trust", json.loads(r.inputs["assumeRolePolicy"]))
            elif r.type in ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy"):
                found[f"{run_name}: {r.name}"] = ("identity", json.loads(r.inputs["policy"]))
    return found


# The linter ----------------------------------------------------------------------


def configured_out(finding: Any, config: dict[str, Any]) -> bool:
    """parliament's ignore_locations rule: every key of one entry fully matches (regex, any case).

    parliament's own filter (parliament.cli.is_finding_filtered) never matches values
    read from YAML (its make_list turns plain strings and lists into []), so the same rule
    is applied here to tests/parliament.yaml; an entry may also match the finding's ``detail``.
    """
    where = {**finding.location, "detail": finding.detail}  # "detail": the finding's own words
    for entry in config.get(finding.issue, {}).get("ignore_locations", []):
        if all(
            any(re.fullmatch(p.lower(), str(where.get(key, "")).lower()) for p in _as_list(patterns))
            for key, patterns in entry.items()
        ):
            return True
    return False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def lint() -> Iterator[Any]:
    """parliament as `parliament --include-community-auditors --config tests/parliament.yaml` runs."""
    saved = json.loads(json.dumps(parliament.config))
    parliament.override_config(str(COMMUNITY_CONFIG))
    config = yaml.safe_load(PARLIAMENT_CONFIG.read_text())

    def findings(document: Document) -> list[str]:
        policy = parliament.analyze_policy_string(json.dumps(document), include_community_auditors=True)
        return [
            f"{f.issue}: {f.detail} at {f.location}"
            for f in map(parliament.enhance_finding, policy.findings)
            if not configured_out(f, config)  # and no severity filter: every level counts
        ]

    yield findings
    parliament.config.clear()
    parliament.config.update(saved)


def with_implicit_resource(document: Document, partition: str) -> Document:
    """A trust policy as the resource policy it is: its resource, the role, written out."""
    copy = json.loads(json.dumps(document))
    for statement in copy["Statement"]:
        statement["Resource"] = role_arn(partition)
    return copy


def test_every_trust_option_for_todays_callers_lints_clean(lint: Any) -> None:
    documents = trust_option_policies()
    assert len(documents) == 27
    failures = {
        label: found
        for label, (partition, document) in documents.items()
        if (found := lint(with_implicit_resource(document, partition)))
    }
    assert failures == {}


def test_every_trust_policy_combination_lints_clean(lint: Any) -> None:
    documents = trust_policies()
    assert len(documents) == 216
    failures = {
        label: found
        for label, (partition, document) in documents.items()
        if (found := lint(with_implicit_resource(document, partition)))
    }
    assert failures == {}


def test_every_assume_role_policy_lints_clean_and_fits_the_managed_policy_quota(lint: Any) -> None:
    documents = assume_role_policies()
    assert len(documents) >= 12
    assert {label: found for label, document in documents.items() if (found := lint(document))} == {}
    assert max(policy_size(d) for d in documents.values()) <= limits.MANAGED_POLICY_MAX


def test_every_document_the_program_registers_lints_clean(
    lint: Any, program_documents: dict[str, tuple[str, Document]]
) -> None:
    kinds = [kind for kind, _ in program_documents.values()]
    assert (kinds.count("trust"), kinds.count("identity")) == (2, 8), (
        "2 roles; 1 + 2 split policies + 1 with ends, 3 inline, AWSRevokeOlderSessions"
    )
    failures = {}
    for label, (kind, document) in program_documents.items():
        checked = with_implicit_resource(document, "aws") if kind == "trust" else document
        if found := lint(checked):
            failures[label] = found
    assert failures == {}


def test_inline_policies_reach_the_role_exactly_as_given(
    program_documents: dict[str, tuple[str, Document]],
) -> None:
    inline = {
        label.removeprefix("trusting hardened: trusting-inline-"): document
        for label, (_, document) in program_documents.items()
        if label.startswith("trusting hardened: trusting-inline-")
    }
    assert inline == {
        **INLINE_POLICIES,
        "AWSRevokeOlderSessions": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-01-05T09:30:00.085Z"}},
                }
            ],
        },
    }


def test_the_linter_reports_what_is_wrong(lint: Any) -> None:
    """The checks above can fail: parliament finds each planted mistake."""
    trust = with_implicit_resource(trust_policy("aws", ["444455556666"], external_id="partner-7f3a"), "aws")
    trust["Statement"][0]["Condition"] = {"NumericLessThan": {"sts:ExternalId": "partner-7f3a"}}
    assert [f.split(":")[0] for f in lint(trust)] == ["MISMATCHED_TYPE"]
    star = assume_role_policy(["*"])
    assert [f.split(":")[0] for f in lint(star)] == ["RESOURCE_STAR"]
    typo = {"Version": "2012-10-17", "Statement": [{**star["Statement"][0], "Action": "sts:AssumeRoles"}]}
    assert "UNKNOWN_ACTION" in [f.split(":")[0] for f in lint(typo)]
    session = assume_role_policy([role_arn("aws")])
    session["Statement"][0]["Action"] = ["sts:AssumeRole", "sts:GetSessionToken"]
    session["Statement"][0]["Resource"] = "*"
    assert "CREDENTIALS_EXPOSURE" in [f.split(":")[0] for f in lint(session)], (
        "only exactly sts:AssumeRole is configured out"
    )
    tagged = with_implicit_resource(trust_policy("aws", ["444455556666"], allow_session_tags=True), "aws")
    tagged["Statement"][0]["Condition"] = {
        "StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}
    }
    assert [f.split(" at ")[0] for f in lint(tagged)] == [
        "UNKNOWN_CONDITION_FOR_ACTION: Unknown condition sts:AWSServiceName for action sts:AssumeRole",
        "UNKNOWN_CONDITION_FOR_ACTION: Unknown condition sts:AWSServiceName for action sts:TagSession",
    ], "only the three request keys with the two session actions are configured out"


def test_without_its_resource_a_trust_policy_only_lacks_the_resource(lint: Any) -> None:
    """Why trust policies are linted with their resource written out (a parliament limitation)."""
    bare = trust_policy("aws", ["444455556666"], require_mfa=True)
    assert [f.split(" at ")[0] for f in lint(bare)] == [
        "MALFORMED: Statement contains neither Resource nor NotResource"
    ]


# moto's validation -------------------------------------------------------------


@pytest.fixture(scope="module")
def iam() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


def test_moto_accepts_every_trust_policy(
    iam: Any, program_documents: dict[str, tuple[str, Document]]
) -> None:
    documents = [d for _, d in trust_policies().values()] + [d for _, d in trust_option_policies().values()]
    documents += [d for kind, d in program_documents.values() if kind == "trust"]
    iam.create_role(RoleName="trust-check", AssumeRolePolicyDocument=json.dumps(documents[0]))
    for document in documents:
        # create_role stores any document; update_assume_role_policy runs moto's trust policy validator.
        iam.update_assume_role_policy(RoleName="trust-check", PolicyDocument=json.dumps(document))
        stored = iam.get_role(RoleName="trust-check")["Role"]["AssumeRolePolicyDocument"]
        assert stored == document


def test_moto_accepts_every_identity_document(
    iam: Any, program_documents: dict[str, tuple[str, Document]]
) -> None:
    documents = list(assume_role_policies().values())
    documents += [d for kind, d in program_documents.values() if kind == "identity"]
    iam.create_role(
        RoleName="inline-check", AssumeRolePolicyDocument=json.dumps(trust_policy("aws", [TRUSTING]))
    )
    for index, document in enumerate(documents):
        text = json.dumps(document)
        iam.create_policy(PolicyName=f"managed-check-{index}", PolicyDocument=text)
        iam.put_role_policy(RoleName="inline-check", PolicyName=f"inline-check-{index}", PolicyDocument=text)


def test_moto_rejects_what_iam_rejects(iam: Any) -> None:
    """The checks above can fail: moto refuses a trust policy with a Resource and an unknown service."""
    iam.create_role(
        RoleName="reject-check", AssumeRolePolicyDocument=json.dumps(trust_policy("aws", [TRUSTING]))
    )
    with_resource = with_implicit_resource(trust_policy("aws", ["444455556666"]), "aws")
    with pytest.raises(ClientError, match="Has prohibited field Resource"):
        iam.update_assume_role_policy(RoleName="reject-check", PolicyDocument=json.dumps(with_resource))
    bad_action = assume_role_policy([role_arn("aws")])
    bad_action["Statement"][0]["Action"] = "sts AssumeRole"
    with pytest.raises(ClientError, match="MalformedPolicyDocument"):
        iam.create_policy(PolicyName="reject-check", PolicyDocument=json.dumps(bad_action))


def test_the_security_doc_states_how_many_documents_are_checked(
    program_documents: dict[str, tuple[str, Document]],
) -> None:
    total = (
        len(trust_policies())
        + len(trust_option_policies())
        + len(assume_role_policies())
        + len(program_documents)
    )
    text = (ROOT / "docs" / "security.md").read_text()
    assert f"**{total} policy documents**" in text, f"docs/security.md should say {total}"
    assert f"({total} of them:" in text, f"docs/security.md's summary should say {total}"


# -- parliament imports without a warning ---------------------------------------------------------

IMPORT_STRICT = """
import sys, warnings
warnings.simplefilter("error")
import parliament
print("pkg_resources" in sys.modules)
"""


def test_parliament_imports_without_any_warning_or_pkg_resources_so_pytest_filters_none(
    tmp_path: Path,
) -> None:
    # parliament 1.6.4 imported pkg_resources (removed in setuptools 81), which warned on import and pinned
    # setuptools below 81; ol-parliament does not, so pytest filters no warning and setuptools is free.
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "filterwarnings" not in options, "every warning shows"
    # Compiled afresh (an empty bytecode cache), so a compile-time warning (an invalid escape) shows too.
    imported = subprocess.run(
        [sys.executable, "-c", IMPORT_STRICT],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path)},
    )
    assert (imported.returncode, imported.stdout, imported.stderr) == (0, "False\n", "")
