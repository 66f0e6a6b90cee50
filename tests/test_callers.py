"""Several kinds of callers of one role (the ``callers`` input and config key): a statement each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import TRUSTED_ACCOUNT, RecordingMocks, Run, pulumi_run, run_failing, run_main

from cross_account import InvalidInputError, TrustingAccountRole, TrustingAccountRoleArgs
from cross_account.documents import external_id_digest
from cross_account.trusting import checked_trust_policy, validate_trusting_args

ROLE = "aws:iam/role:Role"
PEOPLE_ACCOUNT = TRUSTED_ACCOUNT
CI_ACCOUNT = "777788889999"
VENDOR_ACCOUNT = "222233334444"
VENDOR_ID = "vendor-7f3a9c"
REFERENCE = "organization/cross-account-access/trusting"

CALLERS: list[dict[str, Any]] = [
    {
        "name": "People",
        "trusted_account_ids": [PEOPLE_ACCOUNT],
        "trusted_principal_arns": [f"arn:aws:iam::{PEOPLE_ACCOUNT}:user/*"],
        "require_mfa": True,
        "session_name_is_username": True,
    },
    {
        "name": "Deploy",
        "trusted_account_ids": [CI_ACCOUNT],
        "trusted_principal_arns": [f"arn:aws:iam::{CI_ACCOUNT}:role/ci-deploy"],
        "allow_session_tags": True,
    },
    {"name": "Vendor", "trusted_account_ids": [VENDOR_ACCOUNT], "external_ids": [VENDOR_ID]},
]
"""People of one account (MFA, session name = user name), a CI role of another (session tags, no
MFA: a role session has none) and a third party (external id)."""

THREE_STATEMENTS = [
    {
        "Sid": "Deploy",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{CI_ACCOUNT}:root"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{CI_ACCOUNT}:role/ci-deploy"}},
    },
    {
        "Sid": "People",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{PEOPLE_ACCOUNT}:root"},
        "Action": "sts:AssumeRole",
        "Condition": {
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "StringLike": {"sts:RoleSessionName": "${aws:username}"},
            "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{PEOPLE_ACCOUNT}:user/*"},
        },
    },
    {
        "Sid": "Vendor",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{VENDOR_ACCOUNT}:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": VENDOR_ID}},
    },
]


def config_callers(callers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries as the config key writes them (the flat keys' camelCase names)."""
    names = {
        "trusted_account_ids": "trustedAccountIds",
        "trusted_principal_arns": "trustedPrincipalArns",
        "require_mfa": "requireMfa",
        "session_name_is_username": "sessionNameIsUsername",
        "allow_session_tags": "allowSessionTags",
        "external_ids": "externalIds",
    }
    return [{names.get(k, k): v for k, v in caller.items()} for caller in callers]


def document(callers: list[dict[str, Any]], **args: Any) -> dict[str, Any]:
    spec = validate_trusting_args({"callers": callers, **args})
    return checked_trust_policy("aws", spec.trusted_account_ids, None, spec)


def build(args: TrustingAccountRoleArgs) -> Run:
    def body() -> dict[str, Any]:
        role = TrustingAccountRole("acme", args)
        return {
            "external_id_required": role.external_id_required,
            "mfa_required": role.mfa_required,
            "session_tags_allowed": role.session_tags_allowed,
            "session_name_required": role.session_name_required,
        }

    return pulumi_run(body)


def test_a_role_with_three_callers_has_exactly_their_three_statements() -> None:
    run = build({"callers": CALLERS})  # type: ignore[typeddict-item]
    role = run.one(ROLE)
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": THREE_STATEMENTS,
    }
    assert "assumeRolePolicy" in role.secret_inputs, "a caller's external id keeps the document secret"
    assert run.outputs == {
        "external_id_required": True,
        "mfa_required": True,
        "session_tags_allowed": True,
        "session_name_required": True,
    }, "the flat outputs say what any caller requires (older trusted stacks read them)"


def test_reordering_or_adding_a_caller_rewrites_no_other_statement() -> None:
    base = document(CALLERS)["Statement"]
    assert document(list(reversed(CALLERS)))["Statement"] == base
    added = document([*CALLERS, {"name": "Audit", "trusted_account_ids": ["555566667777"]}])["Statement"]
    assert added == [
        {
            "Sid": "Audit",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::555566667777:root"},
            "Action": "sts:AssumeRole",
        },
        *base,
    ]


def test_a_caller_that_trusts_accounts_whole_and_patterns_writes_name_and_name_principals() -> None:
    caller = {
        "name": "Ops",
        "trusted_account_ids": [PEOPLE_ACCOUNT, CI_ACCOUNT],
        "trusted_principal_arns": [f"arn:aws:iam::{CI_ACCOUNT}:role/ops"],
        "mfa_max_age_seconds": 3600,
    }
    statements = document([caller], organization_id="o-abcdefghij")["Statement"]
    conditions = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"},
    }
    assert statements == [
        {
            "Sid": "Ops",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PEOPLE_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
            "Condition": conditions,
        },
        {
            "Sid": "OpsPrincipals",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{CI_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {
                **conditions,
                "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{CI_ACCOUNT}:role/ops"},
            },
        },
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"require_mfa": True},
            "require_mfa: True is set with callers, which say each caller's own who and conditions: move it "
            "into the caller entries it applies to (callers[].require_mfa), or leave callers unset",
        ),
        (
            {"external_id": "partner-7f3a"},
            "external_id: '<hidden>' is set with callers, which say each caller's own who and conditions: move "
            "it into the caller entries it applies to (callers[].external_ids), or leave callers unset",
        ),
        (
            {"trusted_account_ids": [PEOPLE_ACCOUNT]},
            "trusted_account_ids: ['444455556666'] is set with callers, which say each caller's own who and "
            "conditions: move it into the caller entries it applies to (callers[].trusted_account_ids), or "
            "leave callers unset",
        ),
    ],
)
def test_flat_keys_beside_callers_are_refused_naming_the_key_to_move(
    args: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError) as error:
        validate_trusting_args({"callers": CALLERS, **args})
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("callers", "message"),
    [
        (
            [{"name": "ci-role", "trusted_account_ids": [CI_ACCOUNT]}],
            "callers[0].name: 'ci-role' is not a caller name (1-64 ASCII letters and digits: it is the Sid "
            "of the caller's statement)",
        ),
        (
            [
                {"name": "Ops", "trusted_account_ids": [CI_ACCOUNT]},
                {"name": "ops", "trusted_account_ids": [CI_ACCOUNT]},
            ],
            "callers.ops: 'ops' and 'Ops' name one caller (names are compared without case, as their "
            "statements' Sids must differ): give each caller its own name",
        ),
        (
            [{"name": "Ops", "trustedAccountIds": [CI_ACCOUNT]}],
            "callers.Ops.trustedAccountIds: ['777788889999'] is not a caller key; known: "
            "['allow_session_tags', 'expires_at', 'external_ids', 'extra_trust_conditions', "
            "'mfa_max_age_seconds', 'name', 'require_mfa', 'session_name_is_username', 'source_identity', "
            "'trusted_account_ids', 'trusted_permission_sets', 'trusted_principal_arns']",
        ),
        (
            [
                {
                    "name": "Vendor",
                    "trusted_account_ids": [VENDOR_ACCOUNT],
                    "external_ids": ["no spaces allowed"],
                }
            ],
            "callers.Vendor.external_ids: '<17 characters, hidden>' is not a valid external id: 2-1224 "
            "characters of ASCII letters, digits and +=,.@:/_-",
        ),
        (
            [
                {
                    "name": "Deploy",
                    "trusted_account_ids": [CI_ACCOUNT],
                    "trusted_principal_arns": [f"arn:aws:iam::{CI_ACCOUNT}:role/ci-deploy"],
                    "session_name_is_username": True,
                }
            ],
            "callers.Deploy.session_name_is_username: True requires the session name to be "
            "${aws:username}, which only IAM users have, but trusted_principal_arns/trusted_permission_sets "
            "admit only role sessions (roles, Identity Center permission sets) and the root user: no one "
            "could ever assume the role; trust users too, or leave it unset",
        ),
        (
            [
                {
                    "name": "Ops",
                    "trusted_account_ids": [CI_ACCOUNT],
                    "require_mfa": True,
                    "extra_trust_conditions": {"Bool": {"AWS:MultiFactorAuthPresent": "true"}},
                }
            ],
            "callers.Ops.extra_trust_conditions.Bool: 'AWS:MultiFactorAuthPresent' is a condition the role "
            "already writes from require_mfa (as aws:MultiFactorAuthPresent: IAM reads condition keys "
            "case-insensitively): set it there",
        ),
        (
            [{"name": "Ops", "trusted_account_ids": [CI_ACCOUNT], "expires_at": "{{resolve:ssm:/end}}"}],
            "callers[0].expires_at: '{{resolve:ssm:/end}}' holds a CloudFormation dynamic reference",
        ),
    ],
)
def test_every_flat_rule_holds_per_caller_under_the_callers_key(
    callers: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(InvalidInputError) as error:
        document(callers)
    assert str(error.value).startswith(message)


def test_the_size_quota_holds_for_the_whole_document_with_the_split_advice() -> None:
    callers = [
        {"name": f"Caller{n}", "trusted_account_ids": [f"{100000000000 + n * 7}"], "require_mfa": True}
        for n in range(20)
    ]
    with pytest.raises(InvalidInputError) as error:
        document(callers)
    assert str(error.value).startswith(
        "trusted_account_ids: '<20 accounts, 0 principal patterns>' makes a trust policy of "
    )
    assert "raise the account's role trust policy quota (up to 4096)" in str(error.value)


def test_a_caller_named_like_anothers_principals_statement_is_refused() -> None:
    callers = [
        {
            "name": "Ops",
            "trusted_account_ids": [PEOPLE_ACCOUNT, CI_ACCOUNT],
            "trusted_principal_arns": [f"arn:aws:iam::{CI_ACCOUNT}:role/ops"],
        },
        {"name": "OpsPrincipals", "trusted_account_ids": [VENDOR_ACCOUNT]},
    ]
    with pytest.raises(InvalidInputError) as error:
        document(callers)
    assert str(error.value) == (
        "callers: 'OpsPrincipals' is the Sid of two statements ('OpsPrincipals' too): a caller that trusts "
        "accounts whole and principal patterns also writes <name>Principals; rename one caller"
    )


def trusting_run(**config: Any) -> Run:
    return run_main(
        stack="trusting", config={"callers": config_callers(CALLERS), **config}, secret_keys=("callers",)
    )


def test_the_program_builds_the_three_statements_and_exports_each_callers_requirements() -> None:
    run = trusting_run()
    assert json.loads(run.one(ROLE).inputs["assumeRolePolicy"])["Statement"] == THREE_STATEMENTS
    assert run.outputs["callerRequirements"] == [
        {
            "name": "Deploy",
            "trustedAccountIds": [CI_ACCOUNT],
            "externalIdRequired": False,
            "mfaRequired": False,
            "sessionNameRequired": False,
            "sourceIdentityRequired": False,
            "sessionTagsAllowed": True,
            "sourceIdentityAllowed": False,
            "expiresAt": "",
        },
        {
            "name": "People",
            "trustedAccountIds": [PEOPLE_ACCOUNT],
            "externalIdRequired": False,
            "mfaRequired": True,
            "sessionNameRequired": True,
            "sourceIdentityRequired": False,
            "sessionTagsAllowed": False,
            "sourceIdentityAllowed": False,
            "expiresAt": "",
        },
        {
            "name": "Vendor",
            "trustedAccountIds": [VENDOR_ACCOUNT],
            "externalIdRequired": True,
            "mfaRequired": False,
            "sessionNameRequired": False,
            "sourceIdentityRequired": False,
            "sessionTagsAllowed": False,
            "sourceIdentityAllowed": False,
            "expiresAt": "",
        },
    ]
    baseline = run.outputs["auditBaseline"]
    assert baseline["trustPolicy"]["Statement"][2]["Condition"] == {
        "StringEquals": {"sts:ExternalId": external_id_digest(VENDOR_ID)}
    }, "the baseline's trust policy is the whole document, the external id as its digest"
    assert "auditBaseline" in run.secret_outputs


def test_a_flat_stack_exports_no_caller_requirements() -> None:
    run = run_main(stack="trusting", config={"trustedAccountIds": [PEOPLE_ACCOUNT]})
    assert "callerRequirements" not in run.outputs


def test_a_flat_key_beside_callers_in_config_is_refused_under_its_config_name() -> None:
    run = run_failing(stack="trusting", config={"callers": config_callers(CALLERS), "requireMfa": True})
    assert str(run.error) == (
        "requireMfa: True is set with callers, which say each caller's own who and conditions: move it "
        "into the caller entries it applies to (callers[].requireMfa), or leave callers unset"
    )


def test_a_callers_external_id_is_never_echoed_in_an_error() -> None:
    callers = config_callers(CALLERS)
    callers[2]["externalIds"] = ["bad id with spaces"]
    run = run_failing(stack="trusting", config={"callers": callers}, secret_keys=("callers",))
    assert "bad id" not in str(run.error)
    assert str(run.error) == (
        "callers.<hidden>.externalIds: '<18 characters, hidden>' is not a valid external id: 2-1224 "
        "characters of ASCII letters, digits and +=,.@:/_-"
    ), "set with --secret, every string of the key is hidden, the caller names too"
    run = run_failing(stack="trusting", config={"callers": callers})
    assert str(run.error) == (
        "callers.Vendor.externalIds: '<18 characters, hidden>' is not a valid external id: 2-1224 "
        "characters of ASCII letters, digits and +=,.@:/_-"
    ), "in plain config, an external id is still never shown"


def test_callers_with_external_ids_are_refused_in_stackset_mode() -> None:
    run = run_failing(
        stack="trusting",
        config={
            "callers": config_callers(CALLERS),
            "targetOrganizationalUnitIds": ["ou-ab12-cdefgh34"],
            "rolloutMode": "stackset",
        },
    )
    assert "cannot be used in stackset mode" in str(run.error)
    assert VENDOR_ID not in str(run.error)


def trusted_run(account: str, requirements: list[dict[str, Any]], **config: Any) -> Run:
    outputs = {
        "roleArn": "arn:aws:iam::111122223333:role/shared",
        "externalIdRequired": True,
        "mfaRequired": True,
        "callerRequirements": requirements,
    }
    mocks = RecordingMocks(account_id=account, stack_outputs={REFERENCE: outputs})
    return run_main(stack="trusted", config={"userNames": ["alice"], **config}, mocks=mocks)


def caller_requirements() -> list[dict[str, Any]]:
    return trusting_run().outputs["callerRequirements"]  # type: ignore[no-any-return]


def test_the_trusted_side_applies_the_requirements_of_the_caller_that_admits_its_account() -> None:
    requirements = caller_requirements()
    people = trusted_run(PEOPLE_ACCOUNT, requirements)
    assert people.outputs["awsCliConfig"] == (
        "[profile shared-111122223333]\n"
        "role_arn = arn:aws:iam::111122223333:role/shared\n"
        "source_profile = default\n"
        f"mfa_serial = arn:aws:iam::{PEOPLE_ACCOUNT}:mfa/<your-mfa-device-name>\n"
        "# The role requires the session name to be your IAM user name:\n"
        "role_session_name = <your-iam-user-name>\n"
    )
    deploy = trusted_run(CI_ACCOUNT, requirements, userNames=[], roleNames=["ci-deploy"])
    assert json.loads(deploy.one("aws:iam/policy:Policy").inputs["policy"])["Statement"] == [
        {
            "Sid": "AssumeCrossAccountRolesAndTagSession",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Resource": "arn:aws:iam::111122223333:role/shared",
        }
    ]
    assert "mfa_serial" not in deploy.outputs["awsCliConfig"]
    vendor = trusted_run(VENDOR_ACCOUNT, requirements)
    assert "external_id = <external-id-" in vendor.outputs["awsCliConfig"]
    assert "mfa_serial" not in vendor.outputs["awsCliConfig"]


def test_an_account_admitted_by_two_callers_with_different_requirements_is_refused_naming_both() -> None:
    requirements = caller_requirements()
    requirements[0]["trustedAccountIds"] = [CI_ACCOUNT, PEOPLE_ACCOUNT]
    mocks = RecordingMocks(
        account_id=PEOPLE_ACCOUNT,
        stack_outputs={
            REFERENCE: {
                "roleArn": "arn:aws:iam::111122223333:role/shared",
                "callerRequirements": requirements,
            }
        },
    )
    run = run_failing(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks)
    assert str(run.error) == (
        f"trustingStacks: '{REFERENCE}' admits account '{PEOPLE_ACCOUNT}' in callers 'Deploy' and 'People', "
        "which require different things (mfa_required, session_name_required, session_tags_allowed): the "
        "policies and CLI profiles here can follow only one; give the account one caller entry there (or "
        "deploy each kind of caller from its own account)"
    )


def test_an_account_no_caller_admits_is_refused() -> None:
    mocks = RecordingMocks(
        account_id="999988887777",
        stack_outputs={
            REFERENCE: {
                "roleArn": "arn:aws:iam::111122223333:role/shared",
                "callerRequirements": caller_requirements(),
            }
        },
    )
    run = run_failing(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks)
    assert str(run.error) == (
        f"trustingStacks: '{REFERENCE}' has the callers ['Deploy', 'People', 'Vendor'], and none admits "
        "account '999988887777', the trusted account this stack deploys to: the role's trust policy refuses "
        "every principal here; add the account to a caller entry of that stack"
    )


def test_each_callers_conditions_are_warned_about_under_its_name(warnings_: list[str]) -> None:
    callers = [
        *CALLERS[:2],
        {**CALLERS[2], "source_identity": "required"},
    ]
    build({"callers": callers, "role_name": "shared"})  # type: ignore[typeddict-item]
    assert warnings_ == [
        "callers.Vendor.source_identity: 'required': the console's switch-role page and AWS CLI profiles "
        "cannot set a source identity, so this caller must assume the role through STS "
        "(cross-account-verify --source-identity, or an SDK)",
        "acme: caller 'Vendor' must send an external id, which the console's switch-role page cannot send: "
        "it opens the console with cross-account-console, or uses STS or the CLI profile",
    ]


def test_the_program_names_a_callers_warning_with_the_config_keys(warnings_: list[str]) -> None:
    callers = config_callers(CALLERS)
    callers[2]["sourceIdentity"] = "required"
    run_main(stack="trusting", config={"callers": callers}, secret_keys=("callers",))
    assert warnings_ == [
        "callers.Vendor.sourceIdentity: '<hidden>': the console's switch-role page and AWS CLI profiles "
        "cannot set a source identity, so this caller must assume the role through STS "
        "(cross-account-verify --source-identity, or an SDK)",
        "trusting: caller '<hidden>' must send an external id, which the console's switch-role page cannot "
        "send: it opens the console with cross-account-console, or uses STS or the CLI profile",
    ], "under the config keys, and the values of a key set with --secret hidden"


def test_make_plan_shows_the_callers_role_and_the_trusted_plan_follows_the_callers_entry(
    tmp_path: Path,
) -> None:
    from test_plan import outputs_file, plan_json, stack_file

    config = stack_file(tmp_path, {"callers": config_callers(CALLERS), "roleName": "shared"})
    trusting = plan_json("trusting", "--config", str(config))
    role = trusting["resources"][1]
    assert (role["inputs"]["assumeRolePolicy"], role["secretInputs"]) == ("[secret]", ["assumeRolePolicy"])
    assert [entry["name"] for entry in trusting["outputs"]["callerRequirements"]] == [
        "Deploy",
        "People",
        "Vendor",
    ]
    assert trusting["outputs"]["auditBaseline"] == "[secret]", "an external id of a caller keeps it secret"
    trusted_config = stack_file(tmp_path, {"roleNames": ["ci-deploy"]}, "Pulumi.ci.yaml")
    outputs = outputs_file(tmp_path, {REFERENCE: trusting["outputs"]})
    trusted = plan_json(
        "trusted", "--config", str(trusted_config), "--outputs", str(outputs), "--account-id", CI_ACCOUNT
    )
    policy = next(r for r in trusted["resources"] if r["type"] == "aws:iam/policy:Policy")
    assert policy["inputs"]["policy"]["Statement"][0]["Action"] == ["sts:AssumeRole", "sts:TagSession"]


def test_both_rollout_modes_write_the_callers_statements_into_every_accounts_role() -> None:
    from cross_account.testing import CrossAccountMocks

    callers = config_callers(CALLERS[:2])  # no external id: a StackSet template is stored in plain text
    units = {"ou-ab12-cdefgh34": ["444466667777", "444477778888"]}
    stackset = run_main(
        stack="trusting",
        config={
            "callers": callers,
            "targetOrganizationalUnitIds": ["ou-ab12-cdefgh34"],
            "rolloutMode": "stackset",
        },
        mocks=CrossAccountMocks("111122223333", organization_accounts=units),
    )
    template = json.loads(stackset.one("aws:cloudformation/stackSet:StackSet").inputs["templateBody"])
    document = template["Resources"]["CrossAccountRole"]["Properties"]["AssumeRolePolicyDocument"]
    assert document == {"Version": "2012-10-17", "Statement": THREE_STATEMENTS[:2]}
    providers = run_main(
        stack="trusting",
        config={"callers": config_callers(CALLERS), "targetAccountIds": ["444466667777", "444477778888"]},
        mocks=CrossAccountMocks("111122223333"),
        secret_keys=("callers",),
    )
    roles = [r for r in providers.registrations if r.type == ROLE]
    assert len(roles) == 2
    for role in roles:
        assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == THREE_STATEMENTS
        assert "assumeRolePolicy" in role.secret_inputs
    assert providers.outputs["callerRequirements"][2]["externalIdRequired"] is True
