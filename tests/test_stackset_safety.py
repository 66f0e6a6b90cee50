"""rolloutMode stackset: nothing a member account, CloudFormation or an edit of the config can widen or delete.

- Values CloudFormation would evaluate (dynamic references, intrinsic functions) never reach a template or
  an IAM document, in either mode: the rule is ``documents.cloudformation_expression``, checked by
  ``validation.not_evaluated`` on every input (AWS CloudFormation User Guide, "Get values stored in other
  services using dynamic references" and "Intrinsic function reference").
- An account filter is refused: "Automatic deployments do not consider account level targeting filters"
  (AWS CloudFormation User Guide, StackSets, "Manage automatic deployments for a StackSet with
  service-managed permissions").
- Every input whose change replaces the StackSet or an instance in pulumi-aws (ForceNew in
  terraform-provider-aws internal/service/cloudformation/stack_set.go and stack_set_instance.go, which
  pulumi-aws bridges; ``region``: its per-resource region) is held at its deployed value unless
  ``stackSetRecreateRoles`` says the roles will be re-created.
- Target units that overlap are refused, and the trusted side grants by organization path only within the
  units the trusting stack covers, in its own partition.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import TRUSTED_ACCOUNT, TRUSTING_ACCOUNT, Run, run_failing, run_main

from cross_account import stackset as stackset_mode
from cross_account.documents import cloudformation_expression
from cross_account.testing import CrossAccountMocks
from cross_account.trusting import validate_trusting_args
from cross_account.validation import InvalidInputError

UNIT, OTHER_UNIT, CHILD_UNIT = "ou-ab12-cdefgh34", "ou-ab12-ijklmn56", "ou-ab12-opqrst78"
A, B, C = "444466667777", "444477778888", "555555555555"
STACK_SET = "aws:cloudformation/stackSet:StackSet"
INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"
BASE = {
    "trustedAccountIds": [TRUSTED_ACCOUNT],
    "targetOrganizationalUnitIds": [UNIT],
    "rolloutMode": "stackset",
}
REFERENCE = "organization/cross-account-access/trusting"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def mocks(units: dict[str, list[str]] | None = None, **kwargs: Any) -> CrossAccountMocks:
    return CrossAccountMocks(TRUSTING_ACCOUNT, organization_accounts=units or {UNIT: [A, B]}, **kwargs)


def stackset_run(config: dict[str, Any], found: CrossAccountMocks | None = None, **kwargs: Any) -> Run:
    return run_main(stack="trusting", config={**BASE, **config}, mocks=found or mocks(), **kwargs)


# What CloudFormation evaluates ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("arn:aws:s3:::logs/*", None),
        ("${aws:username}", None),
        ({"Fn::Sub": "x"}, ("", {"Fn::Sub": "x"}, "intrinsic function")),
        ({"Ref": "AWS::NoValue"}, ("", {"Ref": "AWS::NoValue"}, "intrinsic function")),
        ({"Ref": "x", "Other": 1}, None),
        ({"Fn::If": 1, "b": 2}, None),
        ("a {{resolve:ssm:/p}} b", ("", "a {{resolve:ssm:/p}} b", "dynamic reference")),
        ("{{resolve:ssm-secure:/p}}", ("", "{{resolve:ssm-secure:/p}}", "dynamic reference")),
        ("{{ RESOLVE : ssm:/p}}", ("", "{{ RESOLVE : ssm:/p}}", "dynamic reference")),
        ("{ {resolve:ssm:/p} }", None),
        ({"{{resolve:ssm:/k}}": "v"}, (".{{resolve:ssm:/k}}", "{{resolve:ssm:/k}}", "dynamic reference")),
        (
            {"Statement": [{"Resource": ["ok", {"Fn::Select": ["0", ["*"]]}]}]},
            (".Statement[0].Resource[1]", {"Fn::Select": ["0", ["*"]]}, "intrinsic function"),
        ),
        ([1, True, None, 2.5], None),
    ],
)
def test_cloudformation_expression_finds_what_cloudformation_would_evaluate(value: Any, found: Any) -> None:
    assert cloudformation_expression(value) == found


def test_policy_variables_stay_allowed_and_reach_the_template_as_written() -> None:
    inline = {
        "home": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::home/${aws:username}/*",
                }
            ],
        }
    }
    run = stackset_run({"inlinePolicies": inline})
    template = json.loads(run.one(STACK_SET).inputs["templateBody"])
    role = template["Resources"]["CrossAccountRole"]["Properties"]
    assert role["Policies"] == [{"PolicyName": "home", "PolicyDocument": inline["home"]}]


EVALUATED = {
    "principal": (
        {"trustedPrincipalArns": [f"arn:aws:iam::{TRUSTED_ACCOUNT}:role/{{{{resolve:ssm:/who}}}}"]},
        f"trustedPrincipalArns[0]: 'arn:aws:iam::{TRUSTED_ACCOUNT}:role/{{{{resolve:ssm:/who}}}}' holds a "
        "CloudFormation dynamic reference",
    ),
    "inline resource": (
        {
            "inlinePolicies": {
                "logs": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Select": ["1", ["arn:aws:s3:::logs/*", "*"]]},
                        }
                    ],
                }
            }
        },
        "inlinePolicies.logs.Statement[0].Resource: {'Fn::Select': ['1', ['arn:aws:s3:::logs/*', '*']]} is a "
        "CloudFormation intrinsic function",
    ),
    "tag value": (
        {"tags": {"team": "{{resolve:ssm:/team}}"}},
        "tags.team: '{{resolve:ssm:/team}}' holds a CloudFormation dynamic reference",
    ),
}


@pytest.mark.parametrize("mode", ["stackset", "providers"])
@pytest.mark.parametrize("case", sorted(EVALUATED))
def test_a_value_cloudformation_would_evaluate_is_refused_in_either_mode_before_anything_is_registered(
    case: str, mode: str
) -> None:
    config, message = EVALUATED[case]
    run = run_failing(stack="trusting", config={**BASE, "rolloutMode": mode, **config}, mocks=mocks())
    assert str(run.error).splitlines()[-1].startswith(message), str(run.error).splitlines()[-1]
    assert run.registrations == []


def test_a_secret_dynamic_reference_is_not_echoed_when_the_key_is_secret() -> None:
    run = run_failing(
        stack="trusting",
        config={
            **BASE,
            "rolloutMode": "providers",
            "extraTrustConditions": {
                "StringEquals": {"aws:PrincipalTag/team": "{{resolve:secretsmanager:s}}"}
            },
        },
        mocks=mocks(),
        secret_keys=("extraTrustConditions",),
    )
    last = str(run.error).splitlines()[-1]
    assert "secretsmanager:s" not in last and last.startswith("extraTrustConditions.")
    assert "holds a CloudFormation dynamic reference" in last


def test_the_template_is_read_as_a_whole_once_more_whatever_built_its_settings() -> None:
    settings = replace(
        validate_trusting_args({"trusted_account_ids": [TRUSTED_ACCOUNT]}),
        role_description="{{resolve:ssm:/d}}",  # as if a check had been skipped
    )
    with pytest.raises(InvalidInputError) as raised:
        stackset_mode.stack_set_template("aws", [TRUSTED_ACCOUNT], settings)
    assert str(raised.value).startswith(
        "template.CrossAccountRole.Properties.Description: '{{resolve:ssm:/d}}' holds a CloudFormation"
    )


# Account filters, overlapping units ------------------------------------------------------------


def test_no_instance_carries_an_account_filter_and_removing_a_unit_removes_only_its_instance() -> None:
    units = {UNIT: [A, B], OTHER_UNIT: [C]}
    both = stackset_run({"targetOrganizationalUnitIds": [UNIT, OTHER_UNIT]}, mocks(units))
    one = stackset_run({"targetOrganizationalUnitIds": [UNIT]}, mocks(units))
    assert {r.name: r.inputs["deploymentTargets"] for r in both.of_type(INSTANCE)} == {
        f"trusting-{UNIT}": {"organizationalUnitIds": [UNIT]},
        f"trusting-{OTHER_UNIT}": {"organizationalUnitIds": [OTHER_UNIT]},
    }, "one unit each, no account filter (registration order varies)"
    kept = {(r.type, r.name): r.inputs for r in one.registrations if r.type != STACK_SET}
    before = {(r.type, r.name): r.inputs for r in both.registrations if r.type != STACK_SET}
    assert set(before) - set(kept) == {(INSTANCE, f"trusting-{OTHER_UNIT}")}
    assert all(before[key] == inputs for key, inputs in kept.items() if key[0] == INSTANCE)


def test_a_unit_under_another_listed_unit_is_refused_from_the_organizations_listing() -> None:
    found = mocks({UNIT: [A, B], CHILD_UNIT: []}, organization_units={UNIT: [CHILD_UNIT]})
    run = run_failing(
        stack="trusting", config={**BASE, "targetOrganizationalUnitIds": [UNIT, CHILD_UNIT]}, mocks=found
    )
    assert str(run.error).splitlines()[-1] == (
        f"targetOrganizationalUnitIds: '{CHILD_UNIT}' is a unit under '{UNIT}', which is listed too: two stack "
        "set instances would deploy the role to the same accounts, and removing either one from the list "
        "would delete the role from accounts the other still covers: list only units that share no account "
        "(the root alone, or units none of which is under another)"
    )
    assert run.registrations == []
    assert (
        "aws:organizations/getOrganizationalUnitDescendantOrganizationalUnits:"
        "getOrganizationalUnitDescendantOrganizationalUnits" in found.invokes
    )


def test_two_units_that_share_an_account_are_refused() -> None:
    run = run_failing(
        stack="trusting",
        config={**BASE, "targetOrganizationalUnitIds": [UNIT, OTHER_UNIT]},
        mocks=mocks({UNIT: [A, B], OTHER_UNIT: [B, C]}),
    )
    assert (
        str(run.error)
        .splitlines()[-1]
        .startswith(
            f"targetOrganizationalUnitIds: ['{UNIT}', '{OTHER_UNIT}'] both hold account '{B}': two stack set instances"
        )
    )
    assert run.registrations == []


def test_overlapping_units_stay_allowed_in_providers_mode_where_each_account_has_one_role() -> None:
    run = run_main(
        stack="trusting",
        config={**BASE, "rolloutMode": "providers", "targetOrganizationalUnitIds": [UNIT, OTHER_UNIT]},
        mocks=mocks({UNIT: [A, B], OTHER_UNIT: [B, C]}),
    )
    assert sorted(run.outputs["roleArnsByAccount"]) == [A, B, C]


# Inputs that would replace the StackSet or an instance -----------------------------------------


def test_every_replacing_input_is_held_at_its_deployed_value_by_default() -> None:
    run = stackset_run({})
    assert run.one(STACK_SET).ignore_changes == ("name", "autoDeployment", "region")
    assert run.one(INSTANCE).ignore_changes == (
        "stackSetName",
        "deploymentTargets",
        "stackSetInstanceRegion",
        "region",
        "accountId",
    )
    assert not run.one(STACK_SET).delete_before_replace


def test_stack_set_recreate_roles_lets_them_apply_delete_first() -> None:
    run = stackset_run({"stackSetRecreateRoles": True})
    for registration in (run.one(STACK_SET), run.one(INSTANCE)):
        assert registration.ignore_changes == ()
        assert registration.delete_before_replace and registration.delete_before_replace_defined


@pytest.mark.parametrize(
    ("change", "found", "resource", "replacing_input"),
    [
        ({"retainStacksOnAccountRemoval": True}, None, STACK_SET, "autoDeployment"),
        ({"stackSetInstanceRegion": "eu-central-1"}, None, INSTANCE, "stackSetInstanceRegion"),
        ({}, mocks(region="eu-west-1"), INSTANCE, "stackSetInstanceRegion"),
    ],
    ids=["retainStacksOnAccountRemoval", "stackSetInstanceRegion", "aws:region"],
)
def test_each_config_change_that_reaches_a_replacing_input_is_one_the_default_holds_back(
    change: dict[str, Any], found: CrossAccountMocks | None, resource: str, replacing_input: str
) -> None:
    before = stackset_run({}).one(resource)
    after = stackset_run(change, found).one(resource)
    changed = {k for k in before.inputs if before.inputs[k] != after.inputs.get(k)}
    assert changed == {replacing_input}
    assert replacing_input in after.ignore_changes


def test_a_renamed_stack_reaches_the_stack_set_name_which_the_default_holds_back() -> None:
    before = run_main(stack="trusting", config=BASE, mocks=mocks()).one(STACK_SET)
    after = run_main(stack="org-roles", config={**BASE, "side": "trusting"}, mocks=mocks()).one(STACK_SET)
    assert (before.inputs["name"], after.inputs["name"]) == (
        "cross-account-access-trusting",
        "cross-account-access-org-roles",
    )
    assert "name" in after.ignore_changes


class DeployedMocks(CrossAccountMocks):
    """The state a stack deployed earlier holds: the StackSet's old name, retain flag and instance region."""

    def new_resource(self, args: Any) -> tuple[str | None, dict[str, Any]]:
        found, state = super().new_resource(args)
        if args.typ == STACK_SET:
            state["name"] = "cross-account-access-old"
            state["autoDeployment"] = {"enabled": True, "retainStacksOnAccountRemoval": True}
        if args.typ == INSTANCE:
            state["stackSetInstanceRegion"] = "eu-central-1"
        return found, state


def test_a_held_back_change_warns_naming_what_is_deployed_and_how_to_apply_it(warnings_: list[str]) -> None:
    stackset_run({}, DeployedMocks(TRUSTING_ACCOUNT, organization_accounts={UNIT: [A, B]}))
    tail = (
        "that change is held back, because it would replace {what} and CloudFormation would delete the role "
        "from every account of the units before making it again. To apply it (the roles are re-created, with "
        "a window without access), set stackSetRecreateRoles true for one run"
    )
    assert sorted(warnings_) == sorted(
        [
            "the StackSet's name is 'cross-account-access-old' where it is deployed, and the config now says "
            "'cross-account-access-trusting': " + tail.format(what="the StackSet"),
            "retainStacksOnAccountRemoval is True where it is deployed, and the config now says False: "
            + tail.format(what="the StackSet"),
            "stackSetInstanceRegion is 'eu-central-1' where it is deployed, and the config now says 'us-east-1': "
            + tail.format(what=f"the stack set instance of {UNIT}"),
        ]
    )


def test_no_warning_when_what_is_deployed_is_what_the_config_says(warnings_: list[str]) -> None:
    stackset_run({})
    assert warnings_ == []


def test_rollout_md_lists_every_input_that_replaces_the_stack_set_or_an_instance() -> None:
    text = (DOCS / "rollout.md").read_text()
    for name in (*stackset_mode.STACK_SET_REPLACED_BY, *stackset_mode.INSTANCE_REPLACED_BY):
        assert f"`{name}`" in text, name


# StackSet names --------------------------------------------------------------------------------


def test_distinct_stack_names_never_share_a_stack_set_name_and_plain_ones_keep_theirs() -> None:
    names = ["trusting", "a.b", "a_b", "a-b", "a--b", "a-b--0123456789abcdef", "x" * 200, "x" * 201]
    made = [stackset_mode.default_stack_set_name(name) for name in names]
    assert len(set(made)) == len(names)
    assert made[0] == "cross-account-access-trusting" and made[3] == "cross-account-access-a-b"
    assert all(stackset_mode.STACK_SET_NAME_RE.fullmatch(name) for name in made)


# The trusted side: within the units the trusting stack covers ----------------------------------

PATTERN = "arn:aws:iam::*:role/cross-account-role"
ORG = "o-abcdefghij"
OUTPUTS = {
    "roleName": "cross-account-role",
    "mfaRequired": False,
    "expiresAt": "",
    "roleArnsByAccount": {A: f"arn:aws:iam::{A}:role/cross-account-role"},
    "stackSetName": "cross-account-access-trusting",
    "coveredOrganizationalUnitIds": [UNIT],
    "roleArnPattern": PATTERN,
    "organizationalUnitPaths": [f"{ORG}/*/{UNIT}/"],
}
WIDER = (
    "is not at or below the units the stackset-mode trusting stacks deploy to (o-abcdefghij/*/ou-ab12-cdefgh34/): "
    "a wider path, or one of another organization, would allow sts:AssumeRole on the role name in accounts the "
    "rollout does not cover (the management account included); list paths at or below these, from the root "
    "(o-.../r-.../ou-.../) for a unit under one of them"
)


def trusted_run(config: dict[str, Any], outputs: dict[str, Any] | None = None, **kwargs: Any) -> Run:
    found = CrossAccountMocks(TRUSTED_ACCOUNT, stack_outputs={REFERENCE: outputs or OUTPUTS}, **kwargs)
    return run_main(stack="trusted", config={"userNames": ["alice"], **config}, mocks=found)


@pytest.mark.parametrize(
    "path",
    [f"{ORG}/r-ab12/", f"o-zzzzzzzzzz/*/{UNIT}/", f"{ORG}/*/{OTHER_UNIT}/", f"{ORG}/r-ab12/{OTHER_UNIT}/"],
    ids=["the root", "another organization", "another unit", "another unit from the root"],
)
def test_a_path_wider_than_the_rollout_or_foreign_to_it_is_refused(path: str) -> None:
    found = CrossAccountMocks(TRUSTED_ACCOUNT, stack_outputs={REFERENCE: OUTPUTS})
    run = run_failing(
        stack="trusted", config={"userNames": ["alice"], "trustOrganizationalUnitPaths": [path]}, mocks=found
    )
    assert str(run.error).splitlines()[-1] == f"trustOrganizationalUnitPaths: {path!r} {WIDER}"
    assert run.aws_resources == []


def test_a_path_within_the_rollout_narrows_the_grant() -> None:
    path = f"{ORG}/r-ab12/{UNIT}/{CHILD_UNIT}/"
    run = trusted_run({"trustOrganizationalUnitPaths": [path]})
    statement = json.loads(run.one("aws:iam/policy:Policy").inputs["policy"])["Statement"][0]
    assert statement["Condition"] == {"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": f"{path}*"}}


def test_a_role_pattern_of_another_partition_is_refused() -> None:
    run = run_failing(
        stack="trusted",
        config={"userNames": ["alice"]},
        mocks=CrossAccountMocks(
            TRUSTED_ACCOUNT,
            stack_outputs={
                REFERENCE: {**OUTPUTS, "roleArnPattern": "arn:aws-cn:iam::*:role/cross-account-role"}
            },
        ),
    )
    assert str(run.error).splitlines()[-1] == (
        "trustOrganizationalUnitPaths: 'arn:aws-cn:iam::*:role/cross-account-role' is in partition 'aws-cn', "
        "and this stack deploys to partition 'aws': principals of one partition can never assume a role of "
        "another; deploy the trusting stack in the same partition"
    )


def test_a_role_arn_of_another_partition_is_refused() -> None:
    run = run_failing(
        stack="trusted",
        config={"userNames": ["alice"], "roleArns": [f"arn:aws-us-gov:iam::{A}:role/reader"]},
        mocks=CrossAccountMocks(TRUSTED_ACCOUNT),
    )
    assert (
        str(run.error)
        .splitlines()[-1]
        .startswith(
            f"roleArns: 'arn:aws-us-gov:iam::{A}:role/reader' is in partition 'aws-us-gov', and this stack deploys "
            "to partition 'aws'"
        )
    )


def test_an_expired_stackset_stack_warns_as_a_role_arn_stack_does(warnings_: list[str]) -> None:
    end = "2001-01-01T00:00:00Z"
    trusted_run({}, {**OUTPUTS, "expiresAt": end})
    grant_warnings = list(warnings_)
    warnings_.clear()
    trusted_run({}, {"roleArn": f"arn:aws:iam::{A}:role/cross-account-role", "expiresAt": end})
    role_warnings = list(warnings_)
    ended = (
        "trustingStacks: access to {what} ended at '2001-01-01T00:00:00Z' (expiresAt of its trust policy): "
        "the role refuses every caller, and the assume-role policies allow it no more"
    )
    assert role_warnings == [ended.format(what=repr(f"arn:aws:iam::{A}:role/cross-account-role"))]
    assert grant_warnings == [ended.format(what=repr(PATTERN))]
