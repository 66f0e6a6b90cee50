"""rolloutMode stackset: one service-managed CloudFormation StackSet, one instance per organizational unit.

Under cross_account.testing.CrossAccountMocks: what the program registers and exports, the template's
role against what TrustingAccountRole registers for the same inputs, and every refusal. Then the
template itself: linted by cfn-lint, and deployed into moto's CloudFormation in each member account
of an emulated organization, as StackSets would, where the role is assumed from the trusted account.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cfnlint.api import lint
from conftest import TRUSTED_ACCOUNT, TRUSTING_ACCOUNT, Run, pulumi_run, run_failing, run_main
from emulator import EmulatorMocks, account_session, assume_role_as, key_session, new_session
from moto import mock_aws
from moto.core import enable_iam_authentication

from cross_account.documents import ROLE_LOGICAL_ID
from cross_account.testing import CrossAccountMocks

UNIT, OTHER_UNIT = "ou-ab12-cdefgh34", "ou-ab12-ijklmn56"
A, B, C = "444466667777", "444477778888", "555555555555"
STACK_SET = "aws:cloudformation/stackSet:StackSet"
INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"
ROLLOUT = "cross-account:index:TrustingRoleRollout"
REFERENCE = "organization/cross-account-access/trusting"
BASE = {"trustedAccountIds": [TRUSTED_ACCOUNT], "targetOrganizationalUnitIds": [UNIT]}


def mocks(units: dict[str, list[str]] | None = None, **kwargs: Any) -> CrossAccountMocks:
    return CrossAccountMocks(TRUSTING_ACCOUNT, organization_accounts=units or {UNIT: [A, B]}, **kwargs)


def stackset_run(config: dict[str, Any], found: CrossAccountMocks | None = None, **kwargs: Any) -> Run:
    return run_main(
        stack="trusting",
        config={**BASE, "rolloutMode": "stackset", **config},
        mocks=found or mocks(),
        **kwargs,
    )


def template_of(run: Run) -> dict[str, Any]:
    return dict(json.loads(run.one(STACK_SET).inputs["templateBody"]))


# What the program registers and exports ---------------------------------------------


def test_a_stackset_rollout_registers_one_stack_set_and_one_instance_per_unit_and_nothing_per_account() -> (
    None
):
    run = stackset_run(
        {"targetOrganizationalUnitIds": [UNIT, OTHER_UNIT]},
        mocks({UNIT: [A, B], OTHER_UNIT: [C]}, region="eu-west-1"),
    )
    assert sorted((r.type, r.name) for r in run.registrations) == sorted(
        [
            (ROLLOUT, "trusting"),
            (STACK_SET, "trusting-stackset"),
            (INSTANCE, f"trusting-{UNIT}"),
            (INSTANCE, f"trusting-{OTHER_UNIT}"),
        ]
    )
    stack_set = run.one(STACK_SET)
    assert {k: v for k, v in stack_set.inputs.items() if k != "templateBody"} == {
        "name": "cross-account-access-trusting",
        "description": "Cross-account access role /cross-account-role",
        "permissionModel": "SERVICE_MANAGED",
        "autoDeployment": {"enabled": True, "retainStacksOnAccountRemoval": False},
        "capabilities": ["CAPABILITY_NAMED_IAM"],
        "callAs": "SELF",
        "operationPreferences": {
            "maxConcurrentPercentage": 100,
            "failureTolerancePercentage": 10,
            "regionConcurrencyType": "PARALLEL",
        },
    }
    for unit in (UNIT, OTHER_UNIT):
        instance = next(r for r in run.of_type(INSTANCE) if r.name == f"trusting-{unit}")
        assert instance.inputs == {
            "stackSetName": "cross-account-access-trusting",
            "deploymentTargets": {"organizationalUnitIds": [unit]},
            "stackSetInstanceRegion": "eu-west-1",
            "callAs": "SELF",
            "operationPreferences": {
                "maxConcurrentPercentage": 100,
                "failureTolerancePercentage": 10,
                "regionConcurrencyType": "PARALLEL",
                "concurrencyMode": "SOFT_FAILURE_TOLERANCE",
            },
            "retainStack": False,
        }
        assert "region" not in instance.inputs, "not the deprecated region input"
    assert run.outputs["roleArnsByAccount"] == {
        A: f"arn:aws:iam::{A}:role/cross-account-role",
        B: f"arn:aws:iam::{B}:role/cross-account-role",
        C: f"arn:aws:iam::{C}:role/cross-account-role",
    }
    assert run.outputs["stackSetName"] == "cross-account-access-trusting"
    assert run.outputs["stackSetArn"].startswith(
        f"arn:aws:cloudformation:eu-west-1:{TRUSTING_ACCOUNT}:stackset/cross-account-access-trusting:"
    )
    assert run.outputs["coveredOrganizationalUnitIds"] == [UNIT, OTHER_UNIT]
    assert list(run.outputs) == [
        "roleName",
        "externalIdRequired",
        "mfaRequired",
        "rolePath",
        "expiresAt",
        "sessionNameRequired",
        "sourceIdentityRequired",
        "sessionTagsAllowed",
        "sourceIdentityAllowed",
        "maxSessionDuration",
        "auditBaseline",
        "roleArnsByAccount",
        "stackSetName",
        "stackSetArn",
        "coveredOrganizationalUnitIds",
        "roleArnPattern",
        "organizationalUnitPaths",
    ], "no switchRoleUrlsByAccount: a second map of every account (docs/benchmarks.md)"
    assert run.outputs["roleArnPattern"] == "arn:aws:iam::*:role/cross-account-role"
    organization = json.loads(json.dumps(run.outputs["organizationalUnitPaths"]))[0].split("/")[0]
    assert run.outputs["organizationalUnitPaths"] == [
        f"{organization}/*/{UNIT}/",
        f"{organization}/*/{OTHER_UNIT}/",
    ]


def test_the_stackset_keys_reach_the_stack_set_and_its_instances() -> None:
    run = stackset_run(
        {
            "callAs": "DELEGATED_ADMIN",
            "retainStacksOnAccountRemoval": True,
            "maxConcurrentPercentage": 25,
            "failureTolerancePercentage": 5,
            "regionConcurrencyType": "SEQUENTIAL",
            "stackSetInstanceRegion": "eu-central-1",
        }
    )
    preferences = {
        "maxConcurrentPercentage": 25,
        "failureTolerancePercentage": 5,
        "regionConcurrencyType": "SEQUENTIAL",
    }
    stack_set, instance = run.one(STACK_SET), run.one(INSTANCE)
    assert stack_set.inputs["callAs"] == instance.inputs["callAs"] == "DELEGATED_ADMIN"
    assert stack_set.inputs["autoDeployment"] == {"enabled": True, "retainStacksOnAccountRemoval": True}
    assert stack_set.inputs["operationPreferences"] == preferences
    assert instance.inputs["operationPreferences"] == {
        **preferences,
        "concurrencyMode": "SOFT_FAILURE_TOLERANCE",
    }
    assert instance.inputs["stackSetInstanceRegion"] == "eu-central-1"
    assert instance.inputs["retainStack"] is True
    assert instance.inputs["deploymentTargets"] == {"organizationalUnitIds": [UNIT]}, (
        "no filter without exclusions"
    )


def test_resources_do_not_grow_with_the_accounts_of_the_unit() -> None:
    few = stackset_run({}, mocks({UNIT: [A]}))
    many = stackset_run({}, mocks({UNIT: [f"{100000000000 + i}" for i in range(500)]}))
    assert [(r.type, r.name) for r in many.registrations] == [(r.type, r.name) for r in few.registrations]
    assert len(many.outputs["roleArnsByAccount"]) == 500


def test_without_rollout_mode_units_default_to_stackset_and_warn_about_stacks_made_in_providers_mode(
    warnings_: list[str],
) -> None:
    run = run_main(stack="trusting", config=BASE, mocks=mocks())
    assert [r.type for r in run.registrations].count(STACK_SET) == 1
    assert warnings_ == [
        "rolloutMode is not set, so targetOrganizationalUnitIds makes this stack a stackset rollout (one "
        "CloudFormation StackSet, one instance per unit). A stack that version 0.2.0 or earlier deployed with "
        "targetOrganizationalUnitIds is in providers mode (the only mode of those versions): there this run "
        "would delete the role it made in every account, so set `pulumi config set "
        "cross-account-access:rolloutMode providers` to keep them, or move as docs/rollout.md says (moving "
        "from providers to stackset). A new stack: set rolloutMode stackset, which says so and ends this warning"
    ]
    explicit = run_main(stack="trusting", config={**BASE, "rolloutMode": "providers"}, mocks=mocks())
    assert not explicit.of_type(STACK_SET) and len(explicit.of_type("pulumi:providers:aws")) == 2
    warnings_.clear()
    said = run_main(stack="trusting", config={**BASE, "rolloutMode": "stackset"}, mocks=mocks())
    assert said.of_type(STACK_SET) and warnings_ == [], (
        "the warning only where the mode was decided for the stack"
    )


def test_only_target_account_ids_keeps_the_providers_mode() -> None:
    run = run_main(
        stack="trusting",
        config={"trustedAccountIds": [TRUSTED_ACCOUNT], "targetAccountIds": [A]},
        mocks=mocks(),
    )
    assert not run.of_type(STACK_SET) and len(run.of_type("pulumi:providers:aws")) == 1


# The template's role is the role TrustingAccountRole registers -------------------------

INLINE = {
    "read-logs": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["logs:GetLogEvents"], "Resource": "*"}],
    }
}
OPTIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "every option the mode supports": {
        "roleName": "audit",
        "rolePath": "/cross-account/",
        "roleDescription": "Audit access",
        "managedPolicyArns": ["ReadOnlyAccess", "arn:aws:iam::111122223333:policy/extra"],
        "inlinePolicies": INLINE,
        "maxSessionDuration": 7200,
        "permissionsBoundaryArn": "arn:aws:iam::111122223333:policy/boundary",
        "mfaMaxAgeSeconds": 3600,
        "organizationId": "o-abcdefghij",
        "trustedPrincipalArns": [
            "arn:aws:iam::444455556666:role/ops-*",
            "arn:aws:iam::444455556666:user/ops-*",
        ],
        "tags": {"team": "platform", "cost-centre": "42"},
        "allowSessionTags": True,
        "sourceIdentity": "username",
        "sessionNameIsUsername": True,
        "expiresAt": "2099-12-31T23:59:59Z",
        "extraTrustConditions": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
        "trustedPermissionSets": ["Auditor"],
    },
    "no managed policy": {"managedPolicyArns": [], "inlinePolicies": INLINE, "requireMfa": True},
}


def role_of_trusting_account_role(config: dict[str, Any]) -> dict[str, Any]:
    """What a plain trusting stack registers for the same keys, in the template's property names."""
    run = run_main(stack="trusting", config={"trustedAccountIds": [TRUSTED_ACCOUNT], **config})
    role = run.one("aws:iam/role:Role").inputs
    properties: dict[str, Any] = {
        "RoleName": role["name"],
        "Path": role["path"],
        "Description": role["description"],
        "AssumeRolePolicyDocument": json.loads(role["assumeRolePolicy"]),
        "MaxSessionDuration": int(role["maxSessionDuration"]),
    }
    managed = sorted(
        r.inputs["policyArn"] for r in run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    )
    if managed:
        properties["ManagedPolicyArns"] = managed
    inline = sorted(run.of_type("aws:iam/rolePolicy:RolePolicy"), key=lambda r: r.inputs["name"])
    if inline:
        properties["Policies"] = [
            {"PolicyName": r.inputs["name"], "PolicyDocument": json.loads(r.inputs["policy"])} for r in inline
        ]
    if "permissionsBoundary" in role:
        properties["PermissionsBoundary"] = role["permissionsBoundary"]
    if role.get("tags"):
        properties["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(role["tags"].items())]
    return properties


@pytest.mark.parametrize("case", sorted(OPTIONS))
def test_the_template_declares_exactly_the_role_trusting_account_role_registers(case: str) -> None:
    config = OPTIONS[case]
    template = template_of(stackset_run(config))
    assert list(template["Resources"]) == [ROLE_LOGICAL_ID]
    role = template["Resources"][ROLE_LOGICAL_ID]
    assert role["Type"] == "AWS::IAM::Role"
    assert role["Properties"] == role_of_trusting_account_role(config)
    assert template["Outputs"] == {
        "RoleArn": {"Description": "ARN of the role", "Value": {"Fn::GetAtt": [ROLE_LOGICAL_ID, "Arn"]}}
    }


def test_the_component_alone_builds_the_same_template_as_the_program() -> None:
    """The program adds nothing to the template: a program using the component gets the same one."""
    from cross_account import TrustingRoleRollout

    def body() -> dict[str, Any]:
        rollout = TrustingRoleRollout(
            "trusting",
            {
                "trusted_account_ids": [TRUSTED_ACCOUNT],
                "target_account_ids": [A, B],
                "rollout_mode": "stackset",
                "organizational_unit_ids": [UNIT],
            },
        )
        return {"pattern": rollout.role_arn_pattern}

    alone = pulumi_run(body, mocks=mocks())
    assert (
        alone.one(STACK_SET).inputs["templateBody"] == stackset_run({}).one(STACK_SET).inputs["templateBody"]
    )


# Refusals: what the mode cannot express, bad input, the management account ------------

REFUSED: dict[str, tuple[dict[str, Any], tuple[str, ...], str]] = {
    "external id": (
        {"externalId": "partner-7f3a"},
        (),
        "externalId: '<hidden>' cannot be used in stackset mode: the StackSet template is stored in plain text "
        "in CloudFormation (DescribeStackSet shows it to anyone allowed to call it), so a secret external id "
        "would not stay secret; use rolloutMode providers",
    ),
    "external ids": (
        {"externalIds": ["partner-7f3a", "partner-8b4c"]},
        (),
        "externalIds: '<hidden>' cannot be used in stackset mode: the StackSet template is stored in plain text "
        "in CloudFormation (DescribeStackSet shows it to anyone allowed to call it), so a secret external id "
        "would not stay secret; use rolloutMode providers",
    ),
    "a secret key": (
        {"roleDescription": "Audit"},
        ("roleDescription",),
        "roleDescription: '<hidden>' is set as a secret, which rolloutMode stackset cannot keep: the StackSet "
        "template, which holds every value of the role, is stored in plain text in CloudFormation; set "
        "rolloutMode providers",
    ),
    "force detach off": (
        {"forceDetachPolicies": False},
        (),
        "forceDetachPolicies: False cannot be used in stackset mode: CloudFormation deletes the roles it made "
        "with its own handler, which has no such option; leave it at its default",
    ),
    "target accounts": (
        {"targetAccountIds": [C]},
        (),
        f"targetAccountIds: ['{C}'] cannot be used with rolloutMode stackset: a service-managed stack set deploys "
        "to whole organizational units; list these accounts' units, or set rolloutMode providers",
    ),
    "excluded accounts": (
        {"excludeAccountIds": [B]},
        (),
        f"excludeAccountIds: ['{B}'] cannot be used with rolloutMode stackset: automatic deployment ignores "
        "account-level filters (AWS's StackSets guide), so an excluded account that leaves and joins a unit "
        "again, or moves between its child units, gets the role; and a changed list replaces every stack set "
        "instance, which deletes the role from every account of the unit. Move these accounts to an "
        "organizational unit this stack does not target, or use rolloutMode providers",
    ),
    "the root with a unit": (
        {"targetOrganizationalUnitIds": ["r-ab12", UNIT]},
        (),
        f"targetOrganizationalUnitIds: ['r-ab12', '{UNIT}'] lists the root 'r-ab12' with other units: the root "
        "holds every unit, so two stack set instances would deploy the role to the same accounts, and removing "
        "either one from the list would delete the role from accounts the other still covers: list only units "
        "that share no account (the root alone, or units none of which is under another)",
    ),
    "deployment role": (
        {"deploymentRoleName": "AWSControlTowerExecution"},
        (),
        "deploymentRoleName: 'AWSControlTowerExecution' applies only to rolloutMode providers: CloudFormation "
        "StackSets reach the accounts themselves; remove it, or set rolloutMode providers",
    ),
    "unit of the wrong form": (
        {"targetOrganizationalUnitIds": ["ou-1234"]},
        (),
        "targetOrganizationalUnitIds: 'ou-1234' is not an AWS Organizations organizational unit id "
        "(ou-<4-32>-<8-32> or a root, r-<4-32>, of lowercase letters and digits)",
    ),
    "call as": ({"callAs": "self"}, (), "callAs: 'self' must be one of SELF, DELEGATED_ADMIN"),
    "max concurrent over 100": (
        {"maxConcurrentPercentage": 101},
        (),
        "maxConcurrentPercentage: 101 is out of range: must be 1..100 percent",
    ),
    "max concurrent 0": (
        {"maxConcurrentPercentage": 0},
        (),
        "maxConcurrentPercentage: 0 is out of range: must be 1..100 percent",
    ),
    "failure tolerance below 0": (
        {"failureTolerancePercentage": -1},
        (),
        "failureTolerancePercentage: -1 is out of range: must be 0..100 percent",
    ),
    "region concurrency": (
        {"regionConcurrencyType": "ALL"},
        (),
        "regionConcurrencyType: 'ALL' must be one of PARALLEL, SEQUENTIAL",
    ),
    "region of another partition": (
        {"stackSetInstanceRegion": "cn-north-1"},
        (),
        "stackSetInstanceRegion: 'cn-north-1' is a region of partition 'aws-cn', not of 'aws', where the stack "
        "set is made",
    ),
    "region of no form": (
        {"stackSetInstanceRegion": "Europe"},
        (),
        "stackSetInstanceRegion: 'Europe' is not an AWS region name (such as us-east-1 or eu-west-2)",
    ),
    "retain not a boolean": (
        {"retainStacksOnAccountRemoval": "yes"},
        (),
        "retainStacksOnAccountRemoval: 'yes' must be true or false",
    ),
    "mode": (
        {"rolloutMode": "cloudformation"},
        (),
        'rolloutMode: \'cloudformation\' must be "stackset" or "providers" (or empty)',
    ),
    "stackset without units": (
        {"targetOrganizationalUnitIds": [], "targetAccountIds": [A]},
        (),
        "rolloutMode: 'stackset' needs targetOrganizationalUnitIds: a service-managed stack set deploys to "
        "organizational units",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_stackset_mode_refuses_fails_in_one_line_before_anything_is_registered(case: str) -> None:
    config, secrets, message = REFUSED[case]
    run = run_failing(
        stack="trusting",
        config={**BASE, "rolloutMode": "stackset", **config},
        mocks=mocks(),
        secret_keys=secrets,
    )
    assert str(run.error).splitlines()[-1] == message
    assert run.registrations == []


def test_stackset_keys_in_providers_mode_are_errors() -> None:
    run = run_failing(
        stack="trusting",
        config={**BASE, "rolloutMode": "providers", "callAs": "DELEGATED_ADMIN"},
        mocks=mocks(),
    )
    assert str(run.error).splitlines()[-1] == (
        "callAs: 'DELEGATED_ADMIN' applies only to rolloutMode stackset: remove it, or set rolloutMode stackset"
    )
    assert run.registrations == []


def test_a_unit_holding_the_management_account_is_refused_naming_the_way_out() -> None:
    run = run_failing(
        stack="trusting",
        config={**BASE, "targetOrganizationalUnitIds": ["r-ab12"]},
        mocks=mocks({"r-ab12": [TRUSTING_ACCOUNT, A]}),
    )
    assert str(run.error).splitlines()[-1] == (
        f"targetOrganizationalUnitIds: 'r-ab12' holds account '{TRUSTING_ACCOUNT}', the organization's management "
        "account, where StackSets never deploy a stack instance: use rolloutMode providers for the management "
        "account, or a plain trusting stack (or target the units under the root that hold the member accounts)"
    )
    assert run.registrations == []


def test_the_component_refuses_the_deploying_management_account_among_its_targets() -> None:
    from cross_account import TrustingRoleRollout

    def body() -> dict[str, Any]:
        TrustingRoleRollout(
            "trusting",
            {
                "trusted_account_ids": [TRUSTED_ACCOUNT],
                "target_account_ids": [TRUSTING_ACCOUNT, A],
                "rollout_mode": "stackset",
                "organizational_unit_ids": [UNIT],
            },
        )
        return {}

    run = pulumi_run(body, mocks=mocks(), expect_error=True)
    assert str(run.error).splitlines()[-1] == (
        f"target_account_ids: '{TRUSTING_ACCOUNT}' is the organization's management account, where StackSets never "
        "deploy a stack instance: use rolloutMode providers for the management account, or a plain trusting stack"
    )
    assert [r.type for r in run.registrations] == [ROLLOUT]


# The template is valid CloudFormation ------------------------------------------------


@pytest.mark.parametrize("case", sorted(OPTIONS))
def test_cfn_lint_finds_nothing_in_the_template(case: str) -> None:
    body = stackset_run(OPTIONS[case]).one(STACK_SET).inputs["templateBody"]
    matches = lint(body, regions=["us-east-1"])
    assert [str(m) for m in matches] == []


def test_cfn_lint_does_find_a_broken_role() -> None:
    """The lint can fail: a role without its trust policy is reported."""
    template = template_of(stackset_run({}))
    del template["Resources"][ROLE_LOGICAL_ID]["Properties"]["AssumeRolePolicyDocument"]
    assert any(
        "AssumeRolePolicyDocument" in str(m) for m in lint(json.dumps(template), regions=["us-east-1"])
    )


# Deployed into moto's CloudFormation in each member account ---------------------------

S3_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:ListAllMyBuckets", "s3:ListBucket", "s3:GetObject"],
            "Resource": "*",
        }
    ],
}


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[list[str], str, dict[str, str]]]:
    """An organization in moto; the template deployed as StackSets would, in each member account of the unit.

    moto 5.2.5's CloudFormation ignores an AWS::IAM::Role's ManagedPolicyArns (its
    create_from_cloudformation_json reads Policies but not ManagedPolicyArns; pinned by a test below),
    so the role reads S3 through an inline policy here, and stores that policy as a dict its own
    authorizer cannot read, so the same document is put again as text.
    """
    with mock_aws():
        organizations = account_session(TRUSTING_ACCOUNT).client("organizations")
        organizations.create_organization(FeatureSet="ALL")
        root = organizations.list_roots()["Roots"][0]["Id"]
        unit = organizations.create_organizational_unit(ParentId=root, Name="workloads")[
            "OrganizationalUnit"
        ]["Id"]
        members = []
        for name in ("billing", "payments"):
            status = organizations.create_account(Email=f"{name}@example.com", AccountName=name)[
                "CreateAccountStatus"
            ]
            organizations.move_account(
                AccountId=status["AccountId"], SourceParentId=root, DestinationParentId=unit
            )
            members.append(status["AccountId"])
        run = stackset_run(
            {
                "targetOrganizationalUnitIds": [unit],
                "managedPolicyArns": [],
                "inlinePolicies": {"s3-read": S3_READ},
            },
            mocks({unit: members}),
        )
        body = run.one(STACK_SET).inputs["templateBody"]
        for account in members:
            # StackSets create the stack through the member's AWSServiceRoleForCloudFormationStackSetsOrgMember;
            # the organization's access role stands in for it here.
            sts = account_session(TRUSTING_ACCOUNT).client("sts")
            credentials = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                RoleSessionName="stacksets",
            )["Credentials"]
            cloudformation = key_session(credentials).client("cloudformation")
            cloudformation.create_stack(
                StackName="StackSet-cross-account", TemplateBody=body, Capabilities=["CAPABILITY_NAMED_IAM"]
            )
            stack = cloudformation.describe_stacks(StackName="StackSet-cross-account")["Stacks"][0]
            assert stack["StackStatus"] == "CREATE_COMPLETE"
            assert stack["Outputs"][0]["OutputValue"] == run.outputs["roleArnsByAccount"][account]
            member_iam = account_session(account).client("iam")
            stored = member_iam.get_role_policy(RoleName="cross-account-role", PolicyName="s3-read")
            # moto keeps a CloudFormation role's inline policy as a dict (returned as its Python repr),
            # which its own authorizer cannot read (KeyError 'policy_document'): the same document,
            # put again as text.
            assert ast.literal_eval(stored["PolicyDocument"]) == S3_READ
            member_iam.put_role_policy(
                RoleName="cross-account-role", PolicyName="s3-read", PolicyDocument=json.dumps(S3_READ)
            )
            account_session(account).client("s3").create_bucket(Bucket=f"reports-{account}")
        iam = account_session(TRUSTED_ACCOUNT).client("iam")
        iam.create_user(UserName="alice")
        alice = dict(iam.create_access_key(UserName="alice")["AccessKey"])
        # The trusted stack reads the stackset-mode stack: one grant by organization path, made in moto.
        trusted = run_main(
            stack="trusted",
            config={"userNames": ["alice"]},
            mocks=EmulatorMocks(TRUSTED_ACCOUNT, stack_outputs={REFERENCE: run.outputs}),
        )
        [path] = run.outputs["organizationalUnitPaths"]
        assert path.endswith(f"/*/{unit}/")
        assert json.loads(trusted.one("aws:iam/policy:Policy").inputs["policy"])["Statement"] == [
            {
                "Sid": "AssumeCrossAccountRolesInOrganizationalUnits",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": "arn:aws:iam::*:role/cross-account-role",
                "Condition": {"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": f"{path}*"}},
            }
        ]
        yield members, body, alice


@pytest.mark.e2e
def test_the_role_exists_in_each_member_account_as_the_template_declares_it(
    deployed: tuple[list[str], str, dict[str, str]],
) -> None:
    members, body, _ = deployed
    declared = json.loads(body)["Resources"][ROLE_LOGICAL_ID]["Properties"]
    for account in members:
        iam = account_session(account).client("iam")
        role = iam.get_role(RoleName="cross-account-role")["Role"]
        assert role["Arn"] == f"arn:aws:iam::{account}:role/cross-account-role"
        assert role["AssumeRolePolicyDocument"] == declared["AssumeRolePolicyDocument"]
        assert role["MaxSessionDuration"] == 3600
        assert iam.list_role_policies(RoleName="cross-account-role")["PolicyNames"] == ["s3-read"]
    with pytest.raises(ClientError):
        account_session(TRUSTING_ACCOUNT).client("iam").get_role(RoleName="cross-account-role")


@pytest.mark.e2e
def test_the_trusted_user_assumes_each_role_reads_s3_and_is_refused_a_write(
    deployed: tuple[list[str], str, dict[str, str]],
) -> None:
    members, _, alice = deployed
    with enable_iam_authentication():
        for account in members:
            session = key_session(
                assume_role_as(key_session(alice), f"arn:aws:iam::{account}:role/cross-account-role")
            )
            assert session.client("sts").get_caller_identity()["Account"] == account
            s3 = session.client("s3")
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [f"reports-{account}"]
            with pytest.raises(ClientError) as caught:
                s3.put_object(Bucket=f"reports-{account}", Key="x.csv", Body=b"x")
            assert caught.value.response["Error"]["Code"] == "AccessDenied"


def test_moto_cloudformation_does_not_attach_managed_policy_arns_which_is_why_the_e2e_role_reads_s3_inline() -> (
    None
):
    """Pins the emulator gap the e2e test works around: when moto attaches them, use the managed policy there."""
    template = template_of(stackset_run({"managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}))
    with mock_aws():
        session = new_session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
        session.client("cloudformation").create_stack(
            StackName="probe", TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_NAMED_IAM"]
        )
        attached = session.client("iam").list_attached_role_policies(RoleName="cross-account-role")
        assert attached["AttachedPolicies"] == []


def test_the_stack_set_and_instances_are_pulumi_resources_of_the_component() -> None:
    run = stackset_run({})
    rollout = run.one(ROLLOUT)
    assert [r.parent for r in run.registrations if r.type in (STACK_SET, INSTANCE)] == [rollout.urn] * 2


# The trusted side: a grant by organization path ------------------------------------------

PATTERN = "arn:aws:iam::*:role/cross-account-role"
STACKSET_OUTPUTS = {
    "roleName": "cross-account-role",
    "mfaRequired": False,
    "expiresAt": "",
    "sessionTagsAllowed": False,
    "roleArnsByAccount": {A: f"arn:aws:iam::{A}:role/cross-account-role"},
    "stackSetName": "cross-account-access-trusting",
    "coveredOrganizationalUnitIds": [UNIT],
    "roleArnPattern": PATTERN,
    "organizationalUnitPaths": [f"o-abcdefghij/*/{UNIT}/"],
}


def trusted_run(config: dict[str, Any], outputs: dict[str, Any] | None = None, **kwargs: Any) -> Run:
    found = CrossAccountMocks(TRUSTED_ACCOUNT, stack_outputs={REFERENCE: outputs or STACKSET_OUTPUTS})
    return run_main(stack="trusted", config={"userNames": ["alice"], **config}, mocks=found, **kwargs)


def policy_of(run: Run) -> dict[str, Any]:
    return dict(json.loads(run.one("aws:iam/policy:Policy").inputs["policy"]))


def test_a_trusted_stack_reading_a_stackset_stack_grants_its_role_pattern_under_its_units_paths() -> None:
    run = trusted_run({})
    assert policy_of(run) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeCrossAccountRolesInOrganizationalUnits",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": PATTERN,
                "Condition": {"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": f"o-abcdefghij/*/{UNIT}/*"}},
            }
        ],
    }
    assert run.outputs["roleArns"] == [], "no per-account ARN"
    assert run.outputs["roleArnPatterns"] == [PATTERN], "what cross-account-audit expects the policy to grant"


def test_trust_organizational_unit_paths_replace_the_stacks_paths_beside_per_account_roles() -> None:
    paths = [
        "o-abcdefghij/r-ab12/ou-ab12-cdefgh34/",
        "o-abcdefghij/r-ab12/ou-ab12-cdefgh34/ou-ab12-zzzzzzzz/",
    ]
    other = "arn:aws:iam::444477778888:role/reader"
    run = trusted_run(
        {
            "trustOrganizationalUnitPaths": paths,
            "roleArns": [other],
            "trustingStacks": [REFERENCE],
            "requireMfa": True,
            "expiresAt": "2099-01-01T00:00:00Z",
        },
        {**STACKSET_OUTPUTS, "sessionTagsAllowed": True},
    )
    mfa = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"},
    }
    assert policy_of(run)["Statement"] == [
        {
            "Sid": "AssumeCrossAccountRolesUntil20990101000000",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": other,
            "Condition": mfa,
        },
        {
            "Sid": "AssumeCrossAccountRolesInOrganizationalUnitsAndTagSessionUntil20990101000000",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Resource": PATTERN,
            "Condition": {
                "ForAnyValue:StringLike": {"aws:ResourceOrgPaths": [f"{p}*" for p in paths]},
                **mfa,
            },
        },
    ]
    assert (run.outputs["roleArns"], run.outputs["roleArnPatterns"]) == ([other], [PATTERN])


def test_the_grant_counts_as_one_arn_in_the_size_quota() -> None:
    from cross_account import split_role_arns
    from cross_account.documents import OrganizationalUnitGrant, assume_role_policy, policy_size

    grant = OrganizationalUnitGrant(PATTERN, (f"o-abcdefghij/*/{UNIT}/",))
    arns = [f"arn:aws:iam::{100000000000 + i}:role/cross-account-role-{i:04d}" for i in range(400)]
    without = split_role_arns(arns)
    with_grant = split_role_arns(arns, grants=[grant])
    first = assume_role_policy(with_grant[0], grants=[grant])
    assert (
        policy_size(first)
        <= 6144
        < policy_size(assume_role_policy([*with_grant[0], with_grant[1][0]], grants=[grant]))
    )
    assert len(with_grant[0]) < len(without[0]), "the grant takes room in the first policy"
    assert [a for chunk in with_grant for a in chunk] == arns
    run = trusted_run(
        {"roleArns": arns[:7], "trustingStacks": [REFERENCE], "managedPoliciesPerPrincipalLimit": 1}
    )
    assert len(run.outputs["policyArns"]) == 1


@pytest.mark.parametrize(
    ("config", "outputs", "message"),
    [
        (
            {"trustOrganizationalUnitPaths": ["o-abcdefghij/r-ab12/ou-ab12-cdefgh34"]},
            None,
            "trustOrganizationalUnitPaths: 'o-abcdefghij/r-ab12/ou-ab12-cdefgh34' is not an organization path "
            "(o-<id>/r-<root>/ou-<unit>/..., ending in /, as AWS Organizations writes it; or o-<id>/*/ou-<unit>/ "
            "for a unit wherever it is)",
        ),
        (
            {"trustOrganizationalUnitPaths": ["o-abcdefghij/*/"]},
            None,
            "trustOrganizationalUnitPaths: 'o-abcdefghij/*/' is not an organization path (o-<id>/r-<root>/ou-<unit>/..., "
            "ending in /, as AWS Organizations writes it; or o-<id>/*/ou-<unit>/ for a unit wherever it is)",
        ),
        (
            {
                "trustOrganizationalUnitPaths": ["o-abcdefghij/r-ab12/"],
                "roleArns": [f"arn:aws:iam::{A}:role/x"],
            },
            None,
            "trustOrganizationalUnitPaths: ['o-abcdefghij/r-ab12/'] applies to trusting stacks in rolloutMode "
            "stackset read through trustingStacks (their roleArnPattern), and this stack reads none: list them "
            "in trustingStacks",
        ),
    ],
    ids=["no-trailing-slash", "wildcard-alone", "no-stack-read"],
)
def test_bad_organization_paths_fail_in_one_line_before_any_aws_resource(
    config: dict[str, Any], outputs: dict[str, Any] | None, message: str
) -> None:
    run = trusted_run(config, outputs, expect_error=True)
    assert str(run.error).splitlines()[-1] == message
    assert run.aws_resources == []


def test_paths_for_a_stack_that_is_not_in_stackset_mode_are_refused() -> None:
    run = trusted_run(
        {"trustOrganizationalUnitPaths": ["o-abcdefghij/r-ab12/"]},
        {"roleArn": f"arn:aws:iam::{A}:role/cross-account-role"},
        expect_error=True,
    )
    # Known once the stack is read: raised inside an apply, which the engine prefixes.
    assert str(run.error).splitlines()[-1].split("has risen: ")[-1] == (
        "trustOrganizationalUnitPaths: ['o-abcdefghij/r-ab12/'] applies to trusting stacks in rolloutMode stackset "
        f"(their roleArnPattern), and none of trustingStacks ['{REFERENCE}'] is one"
    )
    assert run.aws_resources == []


def test_stackset_mode_is_refused_in_the_china_partition_where_stacksets_have_no_trusted_access() -> None:
    found = CrossAccountMocks(
        TRUSTING_ACCOUNT, partition="aws-cn", region="cn-north-1", organization_accounts={UNIT: [A]}
    )
    run = run_failing(stack="trusting", config={**BASE, "rolloutMode": "stackset"}, mocks=found)
    assert str(run.error).splitlines()[-1] == (
        "rolloutMode: 'stackset' is not available in partition 'aws-cn': AWS Organizations trusted access for "
        "CloudFormation StackSets is not supported in the China regions; use rolloutMode providers"
    )
    assert run.registrations == []


def test_the_role_warnings_of_a_plain_stack_are_given_for_the_template_once(warnings_: list[str]) -> None:
    stackset_run({"managedPolicyArns": ["AmazonS3ReadOnlyAcess", "AdministratorAccess"]})
    assert warnings_ == [
        "managedPolicyArns: 'AmazonS3ReadOnlyAcess' is not a known AWS managed policy: did you mean "
        "'AmazonS3ReadOnlyAccess'? (it is used as given; AWS refuses it at deploy time if it does not exist)",
        "managedPolicyArns: 'AdministratorAccess' gives administrator-level permissions (every action on every "
        "resource), to principals of other accounts: grant only what the role needs (the policy pack's rule "
        "no-admin-on-cross-account-role refuses it)",
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"rollout_mode": "stackset", "organizational_unit_ids": [UNIT], "stack_set_name": "1-role"},
            "stack_set_name: '1-role' is not a StackSet name (a letter, then up to 127 ASCII letters, digits and "
            "hyphens)",
        ),
        (
            {"rollout_mode": "stackset"},
            "organizational_unit_ids: None is required in stackset mode: the units to deploy the role to",
        ),
        (
            {"organizational_unit_ids": [UNIT]},
            f"organizational_unit_ids: ['{UNIT}'] does not apply to rollout_mode 'providers': remove it",
        ),
        (
            {"rollout_mode": "stackset", "organizational_unit_ids": [UNIT], "deployment_role_name": "Admin"},
            "deployment_role_name: 'Admin' does not apply to rollout_mode 'stackset': remove it",
        ),
        ({"rollout_mode": "cfn"}, "rollout_mode: 'cfn' must be one of providers, stackset"),
    ],
    ids=["stack-set-name", "no-units", "units-in-providers-mode", "deployment-role-in-stackset-mode", "mode"],
)
def test_the_component_refuses_inputs_of_the_other_mode_and_bad_stackset_inputs_before_registering(
    extra: dict[str, Any], message: str
) -> None:
    from cross_account import TrustingRoleRollout

    def body() -> dict[str, Any]:
        TrustingRoleRollout(
            "trusting", {"trusted_account_ids": [TRUSTED_ACCOUNT], "target_account_ids": [A], **extra}
        )
        return {}

    run = pulumi_run(body, mocks=mocks(), expect_error=True)
    assert str(run.error).splitlines()[-1] == message
    assert run.registrations == []
