"""The guardrail policy pack (policy/): each rule both ways, the pack itself, and the real program under it.

Rules are called as the pack's analyzer calls them (docs/testing.md, "Policy
packs without the CLI"): properties go through the same protobuf round trip and unknown-checking
proxy, and config arrives as the CLI hands it over (numbers as floats).
"""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pulumi_policy
import pytest
import yaml
from conftest import ROOT, TRUSTED_ACCOUNT, RecordingMocks, Run, run_main, stack_file_config
from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from cross_account import limits
from policy import rules
from policy.rules import POLICIES

PACK_DIR = ROOT / "policy"
EXAMPLE_CONFIG = PACK_DIR / "config.json"
REFERENCE = "organization/cross-account-access/trusting"
OPTS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
ROLE_ARN = "arn:aws:iam::111122223333:role/my-s3-x-account-role"
TRUSTING_REFERENCE = "organization/cross-account-access/trusting"
RULE_NAMES = [
    "no-open-trust-policy",
    "third-party-requires-external-id",
    "no-admin-on-cross-account-role",
    "assume-role-names-role-arns",
    "no-exclusive-policy-attachment",
    "no-exclusive-group-membership",
    "no-exclusive-role-policies",
    "max-session-duration-ceiling",
]


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    props: Mapping[str, Any]

    @property
    def urn(self) -> str:
        return f"urn:pulumi:test::cross-account-access::{self.type}::{self.name}"


@dataclass(frozen=True)
class Violation:
    policy: str
    level: EnforcementLevel
    message: str
    urn: str | None


def through_the_wire(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the analyzer sees them: a protobuf Struct, back to Python (numbers become floats)."""
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return json_format.MessageToDict(struct)


def analyzer_props(props: Mapping[str, Any]) -> Any:
    return unknown_checking_proxy(deserialize_properties(through_the_wire(props)))


def read_pack_config(path: Path) -> dict[str, tuple[EnforcementLevel, dict[str, Any]]]:
    """A --policy-pack-config file: policy name -> (enforcement level, properties)."""
    config = {}
    for name, value in json.loads(path.read_text()).items():
        if isinstance(value, str):
            config[name] = (EnforcementLevel(value), {})
        else:
            props = dict(value)
            config[name] = (EnforcementLevel(props.pop("enforcementLevel")), props)
    return config


def run_pack(
    resources: Sequence[Resource],
    config: Mapping[str, tuple[EnforcementLevel, dict[str, Any]]] | None = None,
    policies: Sequence[Any] = POLICIES,
) -> list[Violation]:
    """Every policy over every resource (and the stack), as the pack's analyzer would run them."""
    found: list[Violation] = []
    for policy in policies:
        level, props = (config or {}).get(policy.name, (policy.enforcement_level, {}))
        if level == EnforcementLevel.DISABLED:
            continue
        policy_config = through_the_wire(props)

        def report(
            message: str, urn: str | None = None, _name: str = policy.name, _level: Any = level
        ) -> None:
            found.append(Violation(_name, _level, message, urn))

        if isinstance(policy, StackValidationPolicy):
            stack = [
                PolicyResource(r.type, analyzer_props(r.props), r.urn, r.name, OPTS, None, None, [], {})
                for r in resources
            ]
            assert policy.validate(StackValidationArgs(stack, policy_config), report) is None
            continue
        assert isinstance(policy, ResourceValidationPolicy)
        for r in resources:
            args = ResourceValidationArgs(
                r.type, analyzer_props(r.props), r.urn, r.name, OPTS, None, policy_config
            )
            assert policy.validate(args, report) is None
    return found


def only(name: str) -> list[Any]:
    return [p for p in POLICIES if p.name == name]


def messages(resources: Sequence[Resource], rule: str, **config: Any) -> list[str]:
    policy = only(rule)
    found = run_pack(resources, {rule: (EnforcementLevel.MANDATORY, config)}, policy)
    return [v.message for v in found]


def trust(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trusting(principal: Any = None, **extra: Any) -> dict[str, Any]:
    principal = {"AWS": "arn:aws:iam::444455556666:root"} if principal is None else principal
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


def role(assume: str, name: str = "x-role", **props: Any) -> Resource:
    return Resource(rules.ROLE, f"{name}-res", {"name": name, "assumeRolePolicy": assume, **props})


def identity(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Sid": "S", "Effect": "Allow", "Action": action, "Resource": resource, **extra}


# The pack as a whole -----------------------------------------------------------


def test_policies_list_every_rule_once_with_its_enforcement_level() -> None:
    assert [p.name for p in POLICIES] == RULE_NAMES
    assert {p.name: p.enforcement_level for p in POLICIES} == {
        "no-open-trust-policy": EnforcementLevel.MANDATORY,
        "third-party-requires-external-id": EnforcementLevel.MANDATORY,
        "no-admin-on-cross-account-role": EnforcementLevel.MANDATORY,
        "assume-role-names-role-arns": EnforcementLevel.MANDATORY,
        "no-exclusive-policy-attachment": EnforcementLevel.MANDATORY,
        "no-exclusive-group-membership": EnforcementLevel.MANDATORY,
        "no-exclusive-role-policies": EnforcementLevel.MANDATORY,
        "max-session-duration-ceiling": EnforcementLevel.ADVISORY,
    }


RULE_METADATA = {
    "no-open-trust-policy": (
        "critical",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
    ),
    "third-party-requires-external-id": (
        "high",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
    ),
    "no-admin-on-cross-account-role": (
        "critical",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    ),
    "assume-role-names-role-arns": (
        "high",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html",
    ),
    "no-exclusive-policy-attachment": (
        "high",
        "https://www.pulumi.com/registry/packages/aws/api-docs/iam/policyattachment/",
    ),
    "no-exclusive-group-membership": (
        "high",
        "https://www.pulumi.com/registry/packages/aws/api-docs/iam/groupmembership/",
    ),
    "no-exclusive-role-policies": (
        "high",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html",
    ),
    "max-session-duration-ceiling": (
        "low",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html",
    ),
}
"""Each rule's severity and the page (AWS's IAM User Guide, or the Pulumi registry for a resource's own
warning) that explains the risk it guards against."""


def test_every_rule_carries_its_severity_remediation_steps_and_documentation_link() -> None:
    assert {p.name: (p.severity.value if p.severity else None, p.url) for p in POLICIES} == RULE_METADATA
    for policy in POLICIES:
        steps = policy.remediation_steps or ""
        assert steps.endswith(".") and len(steps) > 40, f"{policy.name}: remediation steps say what to do"


def test_the_analyzer_hands_severity_remediation_and_link_to_the_cli() -> None:
    # What the pack's gRPC server answers to the CLI's GetAnalyzerInfo, without starting the server.
    from pulumi.runtime.proto import analyzer_pb2
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    servicer = _PolicyAnalyzerServicer(
        "cross-account-guardrails", "0.0.1", [*POLICIES], EnforcementLevel.MANDATORY,
        None, None, None, None, None, None, None,
    )  # fmt: skip
    info = servicer.GetAnalyzerInfo(None, None)
    severity = {
        analyzer_pb2.POLICY_SEVERITY_LOW: "low",
        analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
        analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
    }
    assert {p.name: (severity[p.severity], p.url) for p in info.policies} == RULE_METADATA
    assert {p.name: p.remediation_steps for p in info.policies} == {
        p.name: p.remediation_steps for p in POLICIES
    }


def test_the_pack_main_builds_the_policy_pack_from_policies(monkeypatch: pytest.MonkeyPatch) -> None:
    built: dict[str, Any] = {}

    class Recorder:
        def __init__(self, **kwargs: Any) -> None:
            built.update(kwargs)

    # The real PolicyPack starts a gRPC server and blocks; record its arguments instead.
    monkeypatch.setattr(pulumi_policy, "PolicyPack", Recorder)
    monkeypatch.syspath_prepend(str(PACK_DIR))
    monkeypatch.delitem(sys.modules, "rules", raising=False)
    runpy.run_path(str(PACK_DIR), run_name="__main__")  # what the CLI's python policy host does
    assert built["name"] == "cross-account-guardrails"
    assert built["enforcement_level"] == EnforcementLevel.MANDATORY
    assert [p.name for p in built["policies"]] == RULE_NAMES


def test_the_pack_project_file_and_requirements_are_what_the_cli_expects() -> None:
    project = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    pins = [line for line in (PACK_DIR / "requirements.txt").read_text().splitlines() if line[:1].isalpha()]
    assert pins == ["pulumi-policy>=1.21,<2"]
    assert "pulumi-policy>=1.21,<2" in (ROOT / "requirements-dev.txt").read_text().splitlines()


def test_the_example_config_names_real_policies_and_matches_their_schemas() -> None:
    config = read_pack_config(EXAMPLE_CONFIG)
    assert list(config) == RULE_NAMES
    for policy in POLICIES:
        level, props = config[policy.name]
        assert level == policy.enforcement_level, f"{policy.name}: the example shows the default level"
        schema = policy.config_schema
        if schema is None:
            assert props == {}
            continue
        jsonschema.validate(props, {"type": "object", "properties": schema.properties})
        assert set(props) == set(schema.properties), f"{policy.name}: the example shows every key"


def test_schema_defaults_are_the_defaults_the_rules_apply() -> None:
    defaults = {
        name: prop["default"]
        for p in POLICIES
        if p.config_schema is not None
        for name, prop in p.config_schema.properties.items()
    }
    assert defaults == {
        "requireCondition": rules.DEFAULT_REQUIRE_CONDITION,
        "internalAccountIds": list(rules.DEFAULT_INTERNAL_ACCOUNT_IDS),
        "requireEndDate": rules.DEFAULT_REQUIRE_END_DATE,
        "allowedPolicies": list(rules.DEFAULT_ALLOWED_POLICIES),
        "protectedRoleNames": list(rules.DEFAULT_PROTECTED_ROLE_NAMES),
        "maxSessionSeconds": rules.DEFAULT_MAX_SESSION_SECONDS,
    }


# The real program under the pack ------------------------------------------------


def program_resources(run: Run) -> list[Resource]:
    return [Resource(r.type, r.name, r.inputs) for r in run.registrations]


def trusting_example() -> Run:
    return run_main(stack="trusting", config=stack_file_config("trusting"))


def trusted_example() -> Run:
    mocks = RecordingMocks(
        account_id=TRUSTED_ACCOUNT,
        stack_outputs={TRUSTING_REFERENCE: {"roleArn": ROLE_ARN, "externalIdRequired": False}},
    )
    return run_main(stack="trusted", config=stack_file_config("trusted"), mocks=mocks)


THIRD_PARTY_EXAMPLE = Violation(
    "third-party-requires-external-id",
    EnforcementLevel.MANDATORY,
    "role 'my-s3-x-account-role': trust statement TrustedAccountsMayAssume trusts "
    "['444455556666'], not in internalAccountIds [], without an sts:ExternalId condition: "
    "a third party must be required to pass an external id (the confused-deputy problem); "
    "set the role's external id, or list the account in internalAccountIds if it is yours",
    None,
)
"""What the pack says of the example trusting stack: its account is AWS's example, no account of yours."""


def test_the_example_config_lists_no_placeholder_account_as_internal() -> None:
    config = read_pack_config(EXAMPLE_CONFIG)
    internal = config["third-party-requires-external-id"][1]["internalAccountIds"]
    assert not set(internal) & set(limits.PLACEHOLDER_ACCOUNT_IDS), internal
    assert rules.PLACEHOLDER_ACCOUNT_IDS == limits.PLACEHOLDER_ACCOUNT_IDS, "the pack's copy of the list"


def test_the_pack_refuses_a_placeholder_account_listed_as_internal() -> None:
    document = trust(trusting(Sid="T"))
    with pytest.raises(ValueError) as caught:
        messages(
            [role(document)],
            "third-party-requires-external-id",
            internalAccountIds=["123456789012", "444466667777", "444455556666"],
        )
    assert str(caught.value) == (
        "policy config internalAccountIds: ['123456789012', '444455556666'] are account ids AWS's "
        "documentation uses as examples, not accounts of yours: list your own account ids"
    )


def test_with_the_example_config_the_trusted_example_passes_and_the_trusting_example_trusts_a_third_party() -> (
    None
):
    config = read_pack_config(EXAMPLE_CONFIG)
    trusted, trusting = program_resources(trusted_example()), program_resources(trusting_example())
    for resources in (trusted, trusting):
        assert {r.type for r in resources} & {rules.ROLE, rules.POLICY}, "the rules had documents to read"
    assert run_pack(trusted, config) == []
    assert run_pack(trusting, config) == [THIRD_PARTY_EXAMPLE], "until you list your own accounts"


def test_with_the_example_trusted_account_listed_as_yours_both_examples_pass_the_whole_pack() -> None:
    config = read_pack_config(EXAMPLE_CONFIG)
    rule = "third-party-requires-external-id"
    level, props = config[rule]
    config[rule] = (level, {**props, "internalAccountIds": ["444477778888"]})
    mine = stack_file_config("trusting") | {"cross-account-access:trustedAccountIds": ["444477778888"]}
    for run in (run_main(stack="trusting", config=mine), trusted_example()):
        assert run_pack(program_resources(run), config) == []


def test_without_pack_config_the_trusting_example_is_told_its_account_is_a_third_party() -> None:
    assert run_pack(program_resources(trusted_example())) == []
    assert run_pack(program_resources(trusting_example())) == [THIRD_PARTY_EXAMPLE]


def test_a_hardened_trusting_stack_passes_even_the_strictest_config() -> None:
    run = run_main(
        stack="trusting",
        config={
            "trustedAccountIds": ["444455556666", "444466667777"],
            "externalIds": ["partner-7f3a", "partner-9b1c"],
            "requireMfa": True,
            "organizationId": "o-abcdefghij",
            "maxSessionDuration": 7200,
            "allowSessionTags": True,
            "sourceIdentity": "username",
            "sessionNameIsUsername": True,
            "expiresAt": "2099-12-31T23:59:59Z",
            "extraTrustConditions": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
            "trustedPermissionSets": ["Auditor"],
            # IAM users too: only they have the ${aws:username} that the session name must be.
            "trustedPrincipalArns": ["arn:aws:iam::444455556666:user/*", "arn:aws:iam::444466667777:user/*"],
            "inlinePolicies": {
                "assume-next-hop": {
                    "Version": "2012-10-17",
                    "Statement": [allow("sts:AssumeRole", "arn:aws:iam::444477778888:role/next-hop")],
                }
            },
        },
        secret_keys=("externalIds",),
    )
    strict = {
        "no-open-trust-policy": (EnforcementLevel.MANDATORY, {"requireCondition": True}),
        "third-party-requires-external-id": (
            EnforcementLevel.MANDATORY,
            {"internalAccountIds": [], "requireEndDate": True},
        ),
        "max-session-duration-ceiling": (EnforcementLevel.MANDATORY, {"maxSessionSeconds": 7200}),
    }
    assert run_pack(program_resources(run), strict) == []


# no-open-trust-policy -------------------------------------------------------


def test_trusting_named_accounts_is_not_an_open_trust_policy() -> None:
    assert messages([role(trust(trusting()))], "no-open-trust-policy") == []
    deny_everyone_else = {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}
    assert messages([role(trust(trusting(), deny_everyone_else))], "no-open-trust-policy") == []


@pytest.mark.parametrize(
    ("principal", "shown"),
    [("*", "['*']"), ({"AWS": "*"}, "['*']"), ({"AWS": ["arn:aws:iam::*:root"]}, "['arn:aws:iam::*:root']")],
)
def test_a_wildcard_principal_is_an_open_trust_policy(principal: Any, shown: str) -> None:
    assert messages([role(trust(trusting(principal, Sid="Open")))], "no-open-trust-policy") == [
        f"role 'x-role': trust statement Open trusts {shown}: a wildcard principal lets any AWS "
        "account assume the role; name the trusted accounts"
    ]


def test_not_principal_with_allow_is_an_open_trust_policy() -> None:
    statement = {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::444455556666:root"}}
    assert messages([role(trust({**statement, "Action": "sts:AssumeRole"}))], "no-open-trust-policy") == [
        "role 'x-role': trust statement #1 allows NotPrincipal, which trusts every principal it "
        "does not list: name the trusted accounts in Principal"
    ]


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"StringEquals": {"sts:ExternalId": "partner-7f3a"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
    ],
)
def test_a_required_condition_is_met_by_mfa_external_id_or_organization(condition: dict[str, Any]) -> None:
    document = trust(trusting(Condition=condition))
    assert messages([role(document)], "no-open-trust-policy", requireCondition=True) == []


@pytest.mark.parametrize(
    "condition",
    [
        None,
        {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        {"StringEqualsIfExists": {"sts:ExternalId": "partner-7f3a"}},
        {"Null": {"aws:PrincipalOrgID": "false"}},
        {"StringEquals": {"aws:PrincipalTag/team": "ops"}},
    ],
)
def test_trust_without_a_real_condition_is_reported_when_one_is_required(condition: Any) -> None:
    statement = trusting(Sid="T") if condition is None else trusting(Sid="T", Condition=condition)
    assert messages([role(trust(statement))], "no-open-trust-policy", requireCondition=True) == [
        "role 'x-role': trust statement T trusts ['arn:aws:iam::444455556666:root'] without a "
        "condition: require one of ['aws:MultiFactorAuthPresent', 'aws:MultiFactorAuthAge', "
        "'sts:ExternalId', 'aws:PrincipalOrgID'] (MFA, an external id or the organization)"
    ]
    assert messages([role(trust(statement))], "no-open-trust-policy") == [], "off by default"


def test_a_service_principal_needs_no_condition() -> None:
    service = trusting({"Service": "lambda.amazonaws.com"})
    assert messages([role(trust(service))], "no-open-trust-policy", requireCondition=True) == []


# third-party-requires-external-id -------------------------------------------


@pytest.mark.parametrize(
    "principal",
    ["arn:aws:iam::444477778888:root", "444477778888", "arn:aws:iam::444477778888:role/ops"],
)
def test_an_internal_account_needs_no_external_id(principal: str) -> None:
    document = trust(trusting({"AWS": principal}))
    found = messages(
        [role(document)], "third-party-requires-external-id", internalAccountIds=["444477778888"]
    )
    assert found == []


def test_a_third_party_with_an_external_id_passes() -> None:
    document = trust(trusting(Condition={"StringEquals": {"sts:ExternalId": "partner-7f3a"}}))
    assert messages([role(document)], "third-party-requires-external-id") == []


@pytest.mark.parametrize(
    ("principal", "condition"),
    [
        ({"AWS": ["arn:aws:iam::444477778888:root", "444466667777"]}, None),
        ({"AWS": ["arn:aws:iam::444477778888:root", "arn:aws:sts::444466667777:assumed-role/a/b"]}, None),
        (
            {"AWS": ["arn:aws:iam::444477778888:root", "444466667777"]},
            {"StringEqualsIfExists": {"sts:ExternalId": "partner-7f3a"}},
        ),
    ],
)
def test_a_third_party_without_an_external_id_is_reported(principal: Any, condition: Any) -> None:
    extra = {} if condition is None else {"Condition": condition}
    document = trust(trusting(principal, Sid="T", **extra))
    found = messages(
        [role(document)], "third-party-requires-external-id", internalAccountIds=["444477778888"]
    )
    assert found == [
        "role 'x-role': trust statement T trusts ['444466667777'], not in internalAccountIds "
        "['444477778888'], without an sts:ExternalId condition: a third party must be required to "
        "pass an external id (the confused-deputy problem); set the role's external id, or list "
        "the account in internalAccountIds if it is yours"
    ]


EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": ["partner-old", "partner-new"]}}


def test_a_list_of_external_ids_counts_as_an_external_id() -> None:
    document = trust(trusting(Condition=EXTERNAL_ID))
    assert messages([role(document)], "third-party-requires-external-id") == []


@pytest.mark.parametrize("operator", ["DateLessThan", "DateLessThanEquals"])
def test_with_require_end_date_a_third_party_with_an_end_date_passes(operator: str) -> None:
    condition = {**EXTERNAL_ID, operator: {"aws:CurrentTime": "2027-03-31T23:59:59Z"}}
    document = trust(trusting(Condition=condition))
    assert messages([role(document)], "third-party-requires-external-id", requireEndDate=True) == []


@pytest.mark.parametrize(
    "condition",
    [
        EXTERNAL_ID,
        {**EXTERNAL_ID, "DateGreaterThan": {"aws:CurrentTime": "2027-03-31T23:59:59Z"}},
        {**EXTERNAL_ID, "DateLessThan": {"aws:TokenIssueTime": "2027-03-31T23:59:59Z"}},
    ],
    ids=["no-date", "a-start-date", "another-key"],
)
def test_with_require_end_date_a_third_party_without_an_end_is_reported(condition: Any) -> None:
    document = trust(trusting(Sid="T", Condition=condition))
    assert messages([role(document)], "third-party-requires-external-id", requireEndDate=True) == [
        "role 'x-role': trust statement T trusts ['444455556666'], not in internalAccountIds, with no end "
        "date: with requireEndDate a third party's access must end (DateLessThan aws:CurrentTime; the "
        "program's expiresAt)"
    ]
    assert messages([role(document)], "third-party-requires-external-id") == [], "off by default"


def test_internal_account_ids_must_be_quoted_12_digit_strings() -> None:
    document = trust(trusting())
    with pytest.raises(ValueError) as caught:
        messages([role(document)], "third-party-requires-external-id", internalAccountIds=[444455556666])
    assert str(caught.value) == (
        "policy config internalAccountIds: [444455556666.0] must be a list of strings (quote account ids)"
    )
    with pytest.raises(ValueError) as caught:
        messages([role(document)], "third-party-requires-external-id", internalAccountIds=["2222"])
    assert str(caught.value) == "policy config internalAccountIds: ['2222'] are not 12-digit AWS account ids"


# no-admin-on-cross-account-role ---------------------------------------------

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
IAM_FULL_ARN = "arn:aws:iam::aws:policy/IAMFullAccess"


def attachment(policy_arn: str, role_name: str = "x-role") -> Resource:
    return Resource(rules.ROLE_POLICY_ATTACHMENT, "attach", {"role": role_name, "policyArn": policy_arn})


def inline(document: str, role_name: str = "x-role") -> Resource:
    return Resource(rules.ROLE_POLICY, "inline", {"role": role_name, "name": "inline", "policy": document})


def test_narrow_permissions_on_a_cross_account_role_pass() -> None:
    resources = [
        role(trust(trusting())),
        attachment("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        attachment("arn:aws:iam::111122223333:policy/AdministratorAccess"),  # a customer policy
        inline(identity(allow("s3:GetObject", "*"))),
    ]
    assert messages(resources, "no-admin-on-cross-account-role") == []


def test_admin_on_a_role_that_no_other_account_may_assume_is_not_this_rules_business() -> None:
    service_role = role(trust(trusting({"Service": "ec2.amazonaws.com"})))
    assert messages([service_role, attachment(ADMIN_ARN)], "no-admin-on-cross-account-role") == []


def test_administrator_access_attached_to_a_cross_account_role_is_reported() -> None:
    found = run_pack(
        [role(trust(trusting())), attachment(ADMIN_ARN)], policies=only("no-admin-on-cross-account-role")
    )
    assert found == [
        Violation(
            "no-admin-on-cross-account-role",
            EnforcementLevel.MANDATORY,
            "cross-account role 'x-role' gets AdministratorAccess (attachment 'attach'): a role other "
            "accounts may assume must not administer this account; attach narrower permissions, or "
            "list 'arn:aws:iam::aws:policy/AdministratorAccess' in allowedPolicies if this is intended",
            attachment(ADMIN_ARN).urn,
        )
    ]


@pytest.mark.parametrize(
    ("resources", "shown"),
    [
        ([role(trust(trusting()), managedPolicyArns=[IAM_FULL_ARN])], "IAMFullAccess (managedPolicyArns)"),
        (
            [role(trust(trusting())), inline(identity(allow("*:*", "*")))],
            "AdministratorAccess (inline policy 'inline')",
        ),
        (
            [
                role(
                    trust(trusting()),
                    inlinePolicies=[{"name": "all", "policy": identity(allow(["iam:*"], "*"))}],
                )
            ],
            "IAMFullAccess (inline policy 'all')",
        ),
    ],
)
def test_admin_rights_in_any_form_on_a_cross_account_role_are_reported(
    resources: list[Resource], shown: str
) -> None:
    found = messages(resources, "no-admin-on-cross-account-role")
    assert len(found) == 1
    assert found[0].startswith(f"cross-account role 'x-role' gets {shown}: ")


def test_allowed_policies_let_an_intended_admin_role_through() -> None:
    resources = [role(trust(trusting())), attachment(ADMIN_ARN), inline(identity(allow("*", "*")))]
    assert (
        messages(resources, "no-admin-on-cross-account-role", allowedPolicies=["AdministratorAccess"]) == []
    )
    assert len(messages(resources, "no-admin-on-cross-account-role", allowedPolicies=[IAM_FULL_ARN])) == 2


# assume-role-names-role-arns ------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        allow("sts:AssumeRole", ROLE_ARN),
        allow(
            ["sts:AssumeRole", "sts:TagSession"],
            [ROLE_ARN, "arn:aws-us-gov:iam::444466667777:role/ops/app-*"],
        ),
        allow("s3:GetObject", "*"),
        allow("sts:GetCallerIdentity", "*"),
    ],
)
def test_assume_role_on_named_roles_passes(statement: dict[str, Any]) -> None:
    policy = Resource(rules.POLICY, "p", {"name": "p", "policy": identity(statement)})
    assert messages([policy], "assume-role-names-role-arns") == []


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        (allow("sts:AssumeRole", "*"), "['*']"),
        (allow("sts:*", [ROLE_ARN, "*"]), "['*']"),
        (allow("STS:Assume*", "arn:aws:iam::111122223333:role/*"), "['arn:aws:iam::111122223333:role/*']"),
        (allow("sts:AssumeRole", "arn:aws:iam::*:role/x"), "['arn:aws:iam::*:role/x']"),
        (allow("sts:AssumeRole", "arn:aws:iam::111122223333:user/x"), "['arn:aws:iam::111122223333:user/x']"),
        ({"Sid": "S", "Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}, "['*']"),
    ],
)
def test_assume_role_on_anything_but_named_roles_is_reported(statement: dict[str, Any], shown: str) -> None:
    policy = Resource(rules.POLICY, "p", {"name": "p", "policy": identity(statement)})
    assert messages([policy], "assume-role-names-role-arns") == [
        f"policy 'p': statement S allows sts:AssumeRole on {shown}: name the roles "
        "(arn:<partition>:iam::<account>:role/<name>, or arn:<partition>:iam::*:role/<name> under an "
        "aws:ResourceOrgPaths condition), never '*'"
    ]


def test_assume_role_with_not_resource_is_reported_on_every_identity_policy_type() -> None:
    statement = {"Sid": "S", "Effect": "Allow", "Action": "sts:AssumeRole", "NotResource": ROLE_ARN}
    resources = [
        Resource(t, "p", {"name": "p", "policy": identity(statement)}) for t in rules.IDENTITY_POLICY_TYPES
    ] + [role(trust(trusting()), inlinePolicies=[{"name": "i", "policy": identity(statement)}])]
    found = messages(resources, "assume-role-names-role-arns")
    tail = "statement S allows sts:AssumeRole with NotResource, i.e. on every role it does not list: name the role ARNs in Resource"
    assert found == [f"policy 'p': {tail}"] * 4 + [f"role 'x-role' inline policy 'i': {tail}"]


# no-exclusive-policy-attachment ---------------------------------------------


def test_non_exclusive_attachments_pass() -> None:
    resources = [
        attachment(ADMIN_ARN),
        Resource(
            "aws:iam/userPolicyAttachment:UserPolicyAttachment", "u", {"user": "a", "policyArn": ADMIN_ARN}
        ),
    ]
    assert messages(resources, "no-exclusive-policy-attachment") == []


def test_an_exclusive_policy_attachment_is_reported() -> None:
    exclusive = Resource(rules.POLICY_ATTACHMENT, "all-readers", {"policyArn": ADMIN_ARN, "users": ["a"]})
    assert messages([exclusive], "no-exclusive-policy-attachment") == [
        "aws.iam.PolicyAttachment 'all-readers' is exclusive: it detaches "
        "'arn:aws:iam::aws:policy/AdministratorAccess' from every user, group and role it does not "
        "list, across the whole account; use RolePolicyAttachment, UserPolicyAttachment or "
        "GroupPolicyAttachment"
    ]


@pytest.mark.parametrize(
    ("type_", "props", "message"),
    [
        (
            "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
            {"roleName": "ci-deployer", "policyArns": [ADMIN_ARN]},
            "aws.iam.RolePolicyAttachmentsExclusive 'only-these' is exclusive: it detaches from role "
            "'ci-deployer' every managed policy it does not list, including those other stacks and teams "
            "attached and a deny attached in an incident (AWSDenyAll); use one RolePolicyAttachment per policy",
        ),
        (
            "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
            {"userName": "alice", "policyArns": []},
            "aws.iam.UserPolicyAttachmentsExclusive 'only-these' is exclusive: it detaches from user "
            "'alice' every managed policy it does not list, including those other stacks and teams "
            "attached and a deny attached in an incident (AWSDenyAll); use one UserPolicyAttachment per policy",
        ),
        (
            "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
            {"groupName": "ops", "policyArns": []},
            "aws.iam.GroupPolicyAttachmentsExclusive 'only-these' is exclusive: it detaches from group "
            "'ops' every managed policy it does not list, including those other stacks and teams "
            "attached and a deny attached in an incident (AWSDenyAll); use one GroupPolicyAttachment per policy",
        ),
    ],
    ids=["role", "user", "group"],
)
def test_an_exclusive_set_of_a_principals_attachments_is_reported(
    type_: str, props: dict[str, Any], message: str
) -> None:
    assert messages([Resource(type_, "only-these", props)], "no-exclusive-policy-attachment") == [message]


# no-exclusive-group-membership ----------------------------------------------


def test_one_membership_per_user_passes() -> None:
    membership = Resource(
        "aws:iam/userGroupMembership:UserGroupMembership", "m", {"user": "dave", "groups": ["release-team"]}
    )
    assert messages([membership], "no-exclusive-group-membership") == []


def test_an_exclusive_group_membership_is_reported() -> None:
    exclusive = Resource(rules.GROUP_MEMBERSHIP, "all-members", {"group": "release-team", "users": ["dave"]})
    assert messages([exclusive], "no-exclusive-group-membership") == [
        "aws.iam.GroupMembership 'all-members' is exclusive: it removes from group 'release-team' every user "
        "it does not list, whoever added them; use one UserGroupMembership per user, which leaves the user's "
        "other groups and the group's other members alone"
    ]


def test_a_trusted_stack_with_roles_and_a_new_group_passes_the_whole_pack() -> None:
    mocks = RecordingMocks(
        account_id=TRUSTED_ACCOUNT,
        stack_outputs={TRUSTING_REFERENCE: {"roleArn": ROLE_ARN, "expiresAt": "2099-01-01T00:00:00Z"}},
    )
    run = run_main(
        stack="trusted",
        config={
            "roleNames": ["ci-deployer"],
            "newGroupName": "release-team",
            "newGroupMembers": ["dave"],
            "expiresAt": "2098-01-01T00:00:00Z",
            "requireMfa": True,
        },
        mocks=mocks,
    )
    resources = program_resources(run)
    assert {r.type for r in resources} >= {
        rules.POLICY,
        rules.ROLE_POLICY_ATTACHMENT,
        "aws:iam/userGroupMembership:UserGroupMembership",
    }
    assert run_pack(resources, read_pack_config(EXAMPLE_CONFIG)) == []
    assert run_pack(resources) == []


# no-exclusive-role-policies ------------------------------------------------

LOCAL_TRUST = trust(
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
)
INLINE_EXCLUSIVE = (
    "role 'x-role': inlinePolicies makes the role's inline policies exclusive (even set to []): pulumi up "
    "deletes every inline policy it does not list, including AWSRevokeOlderSessions, the deny the console's "
    "Revoke active sessions writes in an incident; use one aws.iam.RolePolicy per policy"
)
MANAGED_EXCLUSIVE = (
    "role 'x-role': managedPolicyArns makes the role's managed policies exclusive (even set to []): pulumi "
    "up detaches every managed policy it does not list, including a deny attached in an incident "
    "(AWSDenyAll) and policies other stacks attached; use one aws.iam.RolePolicyAttachment per policy"
)
READ_LOGS = identity(allow("logs:GetLogEvents", "*"))


def test_role_policies_exclusive_is_reported_in_any_project() -> None:
    exclusive = Resource(
        rules.ROLE_POLICIES_EXCLUSIVE, "only-these", {"roleName": "ci-deployer", "policyNames": ["logs"]}
    )
    assert messages([exclusive], "no-exclusive-role-policies") == [
        "aws.iam.RolePoliciesExclusive 'only-these' is exclusive: it deletes from role 'ci-deployer' every "
        "inline policy it does not list, including AWSRevokeOlderSessions, the deny the console's Revoke "
        "active sessions writes in an incident, so the next pulumi up lifts the revocation; use one "
        "RolePolicy per policy"
    ]


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"inlinePolicies": [{"name": "logs", "policy": READ_LOGS}]}, [INLINE_EXCLUSIVE]),
        ({"inlinePolicies": []}, [INLINE_EXCLUSIVE]),
        ({"managedPolicyArns": [ADMIN_ARN]}, [MANAGED_EXCLUSIVE]),
        ({"managedPolicyArns": []}, [MANAGED_EXCLUSIVE]),
        ({"inlinePolicies": [], "managedPolicyArns": []}, [INLINE_EXCLUSIVE, MANAGED_EXCLUSIVE]),
    ],
    ids=["inline", "inline-empty", "managed", "managed-empty", "both"],
)
def test_exclusive_policies_on_a_cross_account_role_are_reported(
    props: dict[str, Any], expected: list[str]
) -> None:
    assert messages([role(trust(trusting()), **props)], "no-exclusive-role-policies") == expected


def test_a_role_without_exclusive_properties_and_its_own_policies_pass() -> None:
    resources = [
        role(trust(trusting())),
        Resource(rules.ROLE_POLICY, "p", {"role": "x-role", "name": "logs", "policy": READ_LOGS}),
        attachment(ADMIN_ARN),
    ]
    assert messages(resources, "no-exclusive-role-policies") == []


def test_a_role_no_other_account_may_assume_is_protected_only_when_named() -> None:
    local = role(LOCAL_TRUST, name="Lambda-Runner", managedPolicyArns=[])
    assert messages([local], "no-exclusive-role-policies") == []
    assert messages([local], "no-exclusive-role-policies", protectedRoleNames=["other-*"]) == []
    named = messages([local], "no-exclusive-role-policies", protectedRoleNames=["lambda-*"])
    assert named == [MANAGED_EXCLUSIVE.replace("'x-role'", "'Lambda-Runner'")], "names match in any case"
    assert len(messages([local], "no-exclusive-role-policies", protectedRoleNames=["*"])) == 1


def test_protected_role_names_must_be_strings() -> None:
    with pytest.raises(ValueError) as caught:
        messages([role(trust(trusting()))], "no-exclusive-role-policies", protectedRoleNames="x-*")
    assert str(caught.value) == "policy config protectedRoleNames: 'x-*' must be a list of strings"


def test_an_unknown_inline_policies_value_in_preview_still_counts_as_set() -> None:
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

    unknown = role(trust(trusting()), inlinePolicies=UNKNOWN_STRING_VALUE)
    assert messages([unknown], "no-exclusive-role-policies") == [INLINE_EXCLUSIVE]


def test_the_program_never_makes_a_roles_policies_exclusive_even_when_it_revokes_sessions() -> None:
    run = run_main(
        stack="trusting",
        config={
            "trustedAccountIds": [TRUSTED_ACCOUNT],
            "inlinePolicies": {"logs": json.loads(READ_LOGS)},
            "revokeSessionsIssuedBefore": "2026-01-05T09:30:00Z",
        },
    )
    resources = program_resources(run)
    roles = [r for r in resources if r.type == rules.ROLE]
    assert len(roles) == 1 and not {"inlinePolicies", "managedPolicyArns"} & set(roles[0].props)
    assert sorted(r.props["name"] for r in resources if r.type == rules.ROLE_POLICY) == [
        "AWSRevokeOlderSessions",
        "logs",
    ]
    assert messages(resources, "no-exclusive-role-policies") == []


# max-session-duration-ceiling -----------------------------------------------


@pytest.mark.parametrize(("duration", "ceiling"), [(None, None), (3600, None), (43200, 43200), (7200, 7200)])
def test_sessions_within_the_ceiling_pass(duration: int | None, ceiling: int | None) -> None:
    props = {} if duration is None else {"maxSessionDuration": duration}
    config = {} if ceiling is None else {"maxSessionSeconds": ceiling}
    assert messages([role(trust(trusting()), **props)], "max-session-duration-ceiling", **config) == []


def test_a_session_over_the_ceiling_is_reported_as_advisory_by_default() -> None:
    found = run_pack(
        [role(trust(trusting()), maxSessionDuration=7201)], policies=only("max-session-duration-ceiling")
    )
    assert found == [
        Violation(
            "max-session-duration-ceiling",
            EnforcementLevel.ADVISORY,
            "role 'x-role': maxSessionDuration 7201 s is over the 3600 s ceiling (maxSessionSeconds): "
            "stolen session credentials stay valid that long; shorten it or raise the ceiling",
            None,
        )
    ]
    long_role = role(trust(trusting()), maxSessionDuration=7201)
    assert len(messages([long_role], "max-session-duration-ceiling", maxSessionSeconds=7200)) == 1


def test_a_session_ceiling_outside_what_iam_allows_is_a_config_error() -> None:
    with pytest.raises(ValueError) as caught:
        messages([role(trust(trusting()))], "max-session-duration-ceiling", maxSessionSeconds=60)
    assert str(caught.value) == "policy config maxSessionSeconds: 60 must be 3600..43200"


# Preview: unknown values ----------------------------------------------------


def test_an_unknown_trust_policy_in_preview_stops_the_rule_the_way_the_pack_reports_it() -> None:
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

    unknown = Resource(rules.ROLE, "r", {"name": "x-role", "assumeRolePolicy": UNKNOWN_STRING_VALUE})
    # The analyzer turns UnknownValueError into "can't run policy ... during preview".
    with pytest.raises(UnknownValueError):
        messages([unknown], "third-party-requires-external-id")


# docs/security.md ----------------------------------------------------------------


def test_the_security_doc_lists_every_rule_with_its_level_and_settings() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    table = text[text.index("<!-- rules:begin -->") : text.index("<!-- rules:end -->")]
    rows = {}
    for line in table.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows[cells[0].strip("`")] = (cells[1], cells[2], cells[3])
    expected = {}
    for policy in POLICIES:
        properties = policy.config_schema.properties if policy.config_schema else {}
        settings = ", ".join(f"`{k}` (`{json.dumps(v['default'])}`)" for k, v in properties.items())
        level = policy.enforcement_level.value
        expected[policy.name] = (level, policy.severity.value if policy.severity else "", settings or "none")
    assert rows == expected


# Roles in a StackSet's template (rolloutMode stackset), and grants by organization path -----------


def stack_set(role_properties: dict[str, Any], name: str = "cross-account-access-trusting") -> Resource:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"CrossAccountRole": {"Type": "AWS::IAM::Role", "Properties": role_properties}},
    }
    return Resource(
        rules.STACK_SET, "trusting-stackset", {"name": name, "templateBody": json.dumps(template)}
    )


def test_a_stackset_rollout_of_the_program_passes_the_whole_pack_with_the_example_config() -> None:
    from cross_account.testing import CrossAccountMocks

    # The trusted account is one of the reader's own (not a documented placeholder), listed as internal.
    own = "444477778888"
    pack = read_pack_config(EXAMPLE_CONFIG)
    level, props = pack["third-party-requires-external-id"]
    pack["third-party-requires-external-id"] = (level, {**props, "internalAccountIds": [own]})
    mocks = CrossAccountMocks("111122223333", organization_accounts={"ou-ab12-cdefgh34": ["444466667777"]})
    config = {
        "trustedAccountIds": [own],
        "targetOrganizationalUnitIds": ["ou-ab12-cdefgh34"],
        "rolloutMode": "stackset",
    }
    run = run_main(stack="trusting", config=config, mocks=mocks)
    resources = program_resources(run)
    assert [r.type for r in resources].count(rules.STACK_SET) == 1
    assert run_pack(resources, pack) == []
    trusted = run_main(
        stack="trusted",
        config={"userNames": ["alice"]},
        mocks=RecordingMocks(account_id=own, stack_outputs={REFERENCE: run.outputs}),
    )
    assert run_pack(program_resources(trusted), pack) == []


def test_a_role_in_a_stack_set_template_trusting_everyone_is_an_open_trust_policy() -> None:
    resource = stack_set(
        {"RoleName": "r", "AssumeRolePolicyDocument": json.loads(trust(trusting("*", Sid="Open")))}
    )
    assert messages([resource], "no-open-trust-policy") == [
        "StackSet 'cross-account-access-trusting' role 'r': trust statement Open trusts ['*']: a wildcard "
        "principal lets any AWS account assume the role; name the trusted accounts"
    ]


def test_a_stack_set_template_that_is_not_json_is_reported_not_skipped() -> None:
    resource = Resource(
        rules.STACK_SET, "s", {"name": "s", "templateBody": "Resources:\n  R:\n    Type: AWS::IAM::Role\n"}
    )
    assert messages([resource], "no-open-trust-policy") == [
        "StackSet 's': the template is not JSON, so the roles it may declare cannot be checked: give the "
        "template as JSON"
    ]


def test_admin_rights_and_long_sessions_in_a_stack_set_template_are_reported() -> None:
    resource = stack_set(
        {
            "RoleName": "r",
            "AssumeRolePolicyDocument": json.loads(trust(trusting())),
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
            "Policies": [{"PolicyName": "all", "PolicyDocument": json.loads(identity(allow("*", "*")))}],
            "MaxSessionDuration": 43200,
        }
    )
    assert [
        v.message.split(":")[0] for v in run_pack([resource], policies=only("no-admin-on-cross-account-role"))
    ] == [
        "cross-account role 'r' gets AdministratorAccess (managedPolicyArns)",
        "cross-account role 'r' gets AdministratorAccess (inline policy 'all')",
    ]
    assert messages([resource], "max-session-duration-ceiling") == [
        "StackSet 'cross-account-access-trusting' role 'r': maxSessionDuration 43200 s is over the 3600 s ceiling "
        "(maxSessionSeconds): stolen session credentials stay valid that long; shorten it or raise the ceiling"
    ]


ORG_PATHS = {"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": "o-abcdefghij/*/ou-ab12-cdefgh34/*"}}


def test_assume_role_on_a_role_in_any_account_passes_only_under_an_organization_path_condition() -> None:
    pattern = "arn:aws:iam::*:role/cross-account-role"
    granted = Resource(
        rules.POLICY,
        "p",
        {"name": "p", "policy": identity(allow("sts:AssumeRole", pattern, Condition=ORG_PATHS))},
    )
    assert messages([granted], "assume-role-names-role-arns") == []
    for condition in (
        None,
        {"ForAllValues:StringLike": ORG_PATHS["ForAnyValue:StringLike"]},
        {"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": "*"}},
    ):
        extra = {} if condition is None else {"Condition": condition}
        open_ = Resource(
            rules.POLICY, "p", {"name": "p", "policy": identity(allow("sts:AssumeRole", pattern, **extra))}
        )
        assert len(messages([open_], "assume-role-names-role-arns")) == 1, condition
    anything = Resource(
        rules.POLICY,
        "p",
        {
            "name": "p",
            "policy": identity(allow("sts:AssumeRole", "arn:aws:iam::*:role/*", Condition=ORG_PATHS)),
        },
    )
    assert len(messages([anything], "assume-role-names-role-arns")) == 1, "a name is still required"


def test_the_pack_readme_lists_every_rule_with_its_level_and_severity() -> None:
    text = (PACK_DIR / "README.md").read_text()
    rows = {}
    for line in text.split("## Rules", 1)[1].split("## Config", 1)[0].splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    assert rows == {
        p.name: (p.enforcement_level.value, p.severity.value if p.severity else "") for p in POLICIES
    }
