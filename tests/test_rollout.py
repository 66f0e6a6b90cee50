"""The rollout to many accounts: TrustingRoleRollout and the program's targetAccountIds / targetOrganizationalUnitIds.

Under cross_account.testing.CrossAccountMocks, which routes every resource and
invoke made through an ``aws.Provider`` with ``assumeRoles`` to the account of
the assumed role and answers the organizations invoke. What moto makes of the
same program (roles really in each member account, assumed by a trusted user)
is in test_rollout_emulator.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from conftest import (
    ROOT,
    TRUSTED_ACCOUNT,
    TRUSTING_ACCOUNT,
    Registration,
    Run,
    pulumi_run,
    run_main,
)

from cross_account import InvalidInputError, TrustingAccountRole, TrustingRoleRollout
from cross_account.rollout import session_name, validate_rollout_args
from cross_account.testing import CrossAccountMocks

UNIT = "ou-ab12-cdefgh34"
OTHER_UNIT = "ou-ab12-ijklmn56"
A, B, C, D = "444466667777", "444477778888", "555555555555", "666666666666"
ACCOUNTS = {"trustedAccountIds": [TRUSTED_ACCOUNT]}
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PROVIDER = "pulumi:providers:aws"
ROLLOUT = "cross-account:index:TrustingRoleRollout"
TRUSTING = "cross-account:index:TrustingAccountRole"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
DESCENDANTS = (
    "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts"
)
ROLE_OUTPUTS = [
    "roleArn",
    "roleName",
    "switchRoleUrl",
    "externalIdRequired",
    "mfaRequired",
    "roleUniqueId",
    "rolePath",
    "expiresAt",
    "sessionNameRequired",
    "sourceIdentityRequired",
    "sessionTagsAllowed",
    "sourceIdentityAllowed",
    "maxSessionDuration",
    "auditBaseline",
]
"""What a trusting stack without targets exports, in order."""


def arn(account: str, name: str = "cross-account-role") -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def link(account: str, name: str = "cross-account-role") -> str:
    return (
        f"https://signin.aws.amazon.com/switchrole?account={account}&roleName={name}"
        f"&displayName={name}%40{account}"
    )


def mocks(units: dict[str, list[str]] | None = None, **kwargs: Any) -> CrossAccountMocks:
    return CrossAccountMocks(TRUSTING_ACCOUNT, organization_accounts=units or {UNIT: [A, B]}, **kwargs)


def rollout_run(config: dict[str, Any], found: CrossAccountMocks | None = None, **kwargs: Any) -> Run:
    """The program in providers mode (this file's subject; stackset mode is test_stackset.py's)."""
    if "targetOrganizationalUnitIds" in config:
        config = {"rolloutMode": "providers", **config}
    return run_main(stack="trusting", config={**ACCOUNTS, **config}, mocks=found or mocks(), **kwargs)


def name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def shape(run: Run) -> list[tuple[str, str, str, str]]:
    """(type, name, parent's name, provider's name) of each registration, sorted."""
    return sorted(
        (r.type, r.name, name_of(r.parent), name_of(r.provider.rsplit("::", 1)[0]) if r.provider else "")
        for r in run.registrations
    )


def of_account(run: Run, account: str) -> list[Registration]:
    return sorted((r for r in run.registrations if account in r.name), key=lambda r: r.urn)


# A stack without targets: nothing changes -----------------------------------------


def test_a_stack_without_targets_registers_what_it_always_did_and_exports_the_same_outputs() -> None:
    config = {
        **ACCOUNTS,
        "roleName": "auditor",
        "managedPolicyArns": ["ReadOnlyAccess", "arn:aws:iam::111122223333:policy/extra"],
        "inlinePolicies": {
            "logs": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "logs:Get*", "Resource": "*"}],
            }
        },
    }
    found = mocks()
    run = run_main(stack="trusting", config=config, mocks=found)
    assert shape(run) == sorted(
        [
            (TRUSTING, "trusting", "cross-account-access-trusting", ""),
            (ROLE, "trusting-role", "trusting", ""),
            (ATTACHMENT, "trusting-ReadOnlyAccess", "trusting", ""),
            (ATTACHMENT, "trusting-111122223333-extra", "trusting", ""),
            ("aws:iam/rolePolicy:RolePolicy", "trusting-inline-logs", "trusting", ""),
        ]
    )
    assert not run.of_type(PROVIDER) and not run.of_type(ROLLOUT)
    assert list(run.outputs) == ROLE_OUTPUTS
    assert run.outputs["roleArn"] == arn(TRUSTING_ACCOUNT, "auditor")
    assert set(found.invokes) == {
        "aws:index/getPartition:getPartition",
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:iam/getPolicy:getPolicy",  # the customer-managed policy's document, for the audit baseline
    }, "no region and no organizations invoke without a rollout"


def test_rollout_keys_at_their_defaults_change_nothing_at_all() -> None:
    defaults = {
        "targetAccountIds": [],
        "targetOrganizationalUnitIds": [],
        "excludeAccountIds": [],
        "deploymentRoleName": "OrganizationAccountAccessRole",
        "deploymentRoleExternalId": "",
        "rolloutMode": "",
        "callAs": "SELF",
        "retainStacksOnAccountRemoval": False,
        "maxConcurrentPercentage": 100,
        "failureTolerancePercentage": 10,
        "regionConcurrencyType": "PARALLEL",
        "stackSetInstanceRegion": "",
    }
    plain, explicit = (
        run_main(stack="trusting", config=ACCOUNTS, mocks=mocks()),
        run_main(stack="trusting", config={**ACCOUNTS, **defaults}, mocks=mocks()),
    )
    assert [(r.type, r.urn, r.inputs, r.provider) for r in explicit.registrations] == [
        (r.type, r.urn, r.inputs, r.provider) for r in plain.registrations
    ]
    assert explicit.outputs == plain.outputs


# The rollout: what each account gets -----------------------------------------------


def test_each_account_but_the_deploying_one_gets_a_provider_assuming_the_deployment_role_in_the_stacks_region() -> (
    None
):
    run = rollout_run({"targetAccountIds": [B, TRUSTING_ACCOUNT, A]}, mocks(region="eu-west-1"))
    providers = {r.name: r for r in run.of_type(PROVIDER)}
    assert sorted(providers) == [f"trusting-{A}", f"trusting-{B}"], "none for the deploying account"
    for account in (A, B):
        provider = providers[f"trusting-{account}"]
        assert name_of(provider.parent) == "trusting" and provider.parent.split("::")[-2].endswith(ROLLOUT)
        assert provider.inputs["region"] == "eu-west-1"
        assert json.loads(provider.inputs["allowedAccountIds"]) == [account]
        assert json.loads(provider.inputs["assumeRoles"]) == [
            {
                "roleArn": f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                "sessionName": "cross-account-access-trusting",
            }
        ]
        for resource in of_account(run, account):
            if resource.type in (ROLE, ATTACHMENT):
                assert resource.provider == f"{provider.urn}::trusting-{account}-id", resource.name
    for resource in of_account(run, TRUSTING_ACCOUNT):
        assert resource.provider == "", "the deploying account's role goes through the stack's own provider"
    assert run.outputs["roleArnsByAccount"] == {a: arn(a) for a in sorted([A, B, TRUSTING_ACCOUNT])}


def test_each_account_gets_the_same_role_named_after_its_account_under_the_rollout() -> None:
    run = rollout_run({"targetAccountIds": [A, B], "roleName": "auditor", "requireMfa": True})
    assert [r.name for r in run.of_type(ROLLOUT)] == ["trusting"]
    documents = set()
    for account in (A, B):
        child = f"trusting-{account}"
        assert [s for s in shape(run) if account in s[1]] == sorted(
            [
                (TRUSTING, child, "trusting", ""),
                (PROVIDER, child, "trusting", ""),
                (ROLE, f"{child}-role", child, child),
                (ATTACHMENT, f"{child}-AmazonS3ReadOnlyAccess", child, child),
            ]
        )
        role = next(r for r in of_account(run, account) if r.type == ROLE)
        assert role.inputs["name"] == "auditor"
        documents.add(role.inputs["assumeRolePolicy"])
    assert len(documents) == 1, "every account's role has one and the same trust policy"
    assert json.loads(documents.pop())["Statement"][0]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"}
    }
    assert run.outputs["switchRoleUrlsByAccount"] == {A: link(A, "auditor"), B: link(B, "auditor")}
    assert run.outputs["mfaRequired"] is True


def test_several_accounts_export_the_maps_and_what_every_role_shares_but_no_single_role_arn() -> None:
    run = rollout_run({"targetAccountIds": [A, B]})
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
        "switchRoleUrlsByAccount",
        "roleUniqueIdsByAccount",
    ]
    assert run.outputs["roleArnsByAccount"] == {A: arn(A), B: arn(B)}
    assert run.outputs["roleName"] == "cross-account-role"


def test_one_account_also_exports_role_arn_switch_role_url_and_unique_id_as_a_stack_without_targets_does() -> (
    None
):
    run = rollout_run({"targetAccountIds": [A]})
    assert list(run.outputs) == [
        *ROLE_OUTPUTS,
        "roleArnsByAccount",
        "switchRoleUrlsByAccount",
        "roleUniqueIdsByAccount",
    ]
    assert run.outputs["roleArn"] == arn(A)
    assert run.outputs["switchRoleUrl"] == link(A)
    assert run.outputs["roleUniqueId"].startswith("AROA")
    assert run.outputs["roleArnsByAccount"] == {A: arn(A)}


def test_the_deployment_role_name_and_a_secret_external_id_reach_every_provider() -> None:
    run = rollout_run(
        {"targetAccountIds": [A, B], "deploymentRoleName": "AWSControlTowerExecution", "deploymentRoleExternalId": "deploy-7a1c"},
        secret_keys=("deploymentRoleExternalId",),
    )  # fmt: skip
    for provider in run.of_type(PROVIDER):
        account = provider.name.rsplit("-", 1)[1]
        assert json.loads(provider.inputs["assumeRoles"]) == [
            {
                "externalId": "deploy-7a1c",
                "roleArn": f"arn:aws:iam::{account}:role/AWSControlTowerExecution",
                "sessionName": "cross-account-access-trusting",
            }
        ]
        assert "assumeRoles" in provider.secret_inputs
    assert "deploy-7a1c" not in json.dumps(run.outputs)


def test_a_deployment_external_id_in_plain_text_is_still_secret_and_warns(warnings_: list[str]) -> None:
    run = rollout_run({"targetAccountIds": [A], "deploymentRoleExternalId": "deploy-7a1c"})
    assert all("assumeRoles" in p.secret_inputs for p in run.of_type(PROVIDER))
    assert warnings_ == [
        "deploymentRoleExternalId is stored in plain text in the stack's config file: set it with "
        "`pulumi config set --secret cross-account-access:deploymentRoleExternalId <id>`"
    ]


def test_the_session_name_is_cut_to_the_64_characters_sts_allows() -> None:
    assert session_name("prod") == "cross-account-access-prod"
    long = session_name("s" * 100)
    assert len(long) == 64 and long == "cross-account-access-" + "s" * 43


# Organizational units -------------------------------------------------------------


def test_the_accounts_of_the_units_join_target_account_ids_without_the_excluded_ones() -> None:
    found = mocks({UNIT: [A, B, C], OTHER_UNIT: [C, D]})
    run = rollout_run(
        {"targetAccountIds": [TRUSTING_ACCOUNT], "targetOrganizationalUnitIds": [UNIT, OTHER_UNIT], "excludeAccountIds": [B]},
        found,
    )  # fmt: skip
    assert list(run.outputs["roleArnsByAccount"]) == sorted([TRUSTING_ACCOUNT, A, C, D])
    assert found.invokes.count(DESCENDANTS) == 2


class SuspendedAccountMocks(CrossAccountMocks):
    """Mocks whose unit also holds a suspended account and one being closed."""

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        result, failures = super().call(args)
        if args.token == DESCENDANTS:
            for account, state in zip(result["accounts"][1:], ("SUSPENDED", "PENDING_CLOSURE"), strict=False):
                account["status"] = account["state"] = state
        return result, failures


def test_only_active_accounts_of_a_unit_get_the_role() -> None:
    found = SuspendedAccountMocks(TRUSTING_ACCOUNT, organization_accounts={UNIT: [A, B, C]})
    run = rollout_run({"targetOrganizationalUnitIds": [UNIT]}, found)
    assert run.outputs["roleArnsByAccount"] == {A: arn(A)}


def test_an_exclusion_that_matches_no_account_of_the_units_warns_naming_it(warnings_: list[str]) -> None:
    run = rollout_run({"targetOrganizationalUnitIds": [UNIT], "excludeAccountIds": [B, D]})
    assert list(run.outputs["roleArnsByAccount"]) == [A]
    assert warnings_ == [
        f"excludeAccountIds: '{D}' is not an active account of targetOrganizationalUnitIds ['{UNIT}']: "
        "it excludes nothing"
    ]


def test_an_account_of_a_unit_that_is_also_trusted_fails_before_any_aws_resource() -> None:
    run = rollout_run(
        {"targetOrganizationalUnitIds": [UNIT]}, mocks({UNIT: [A, TRUSTED_ACCOUNT]}), expect_error=True
    )
    assert str(run.error).splitlines()[-1] == (
        f"targetOrganizationalUnitIds: '{UNIT}' holds account '{TRUSTED_ACCOUNT}', which is also in "
        "trustedAccountIds: a role that trusts the account it is in is not cross-account access; leave it out "
        "with excludeAccountIds"
    )
    assert run.aws_resources == [] and run.registrations == []


def test_units_with_no_account_left_fail_rather_than_remove_every_role() -> None:
    run = rollout_run({"targetOrganizationalUnitIds": [UNIT], "excludeAccountIds": [A, B]}, expect_error=True)
    assert str(run.error).splitlines()[-1] == (
        f"targetOrganizationalUnitIds: ['{UNIT}'] hold no active account that excludeAccountIds leaves in: the "
        "rollout would create no role (to remove this stack's roles, run `pulumi destroy`)"
    )
    assert run.registrations == []


class RefusingMocks(CrossAccountMocks):
    """Mocks answering the organizations invoke as AWS does for credentials outside the management account."""

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        if args.token == DESCENDANTS:
            self.invokes.append(args.token)
            return {}, [
                (
                    "",
                    "operation error Organizations: ListChildren, https response error StatusCode: 400, "
                    "AccessDeniedException: You don't have permissions to access this resource.",
                )
            ]
        return super().call(args)


def test_a_refused_organizations_call_says_whose_credentials_it_needs() -> None:
    run = rollout_run({"targetOrganizationalUnitIds": [UNIT]}, RefusingMocks(), expect_error=True)
    assert str(run.error).splitlines()[-1] == (
        f"targetOrganizationalUnitIds: '{UNIT}' could not be read from AWS Organizations (operation error "
        "Organizations: ListChildren, https response error StatusCode: 400, AccessDeniedException: You don't "
        "have permissions to access this resource. ()): listing the accounts of an organizational unit needs "
        "credentials of the organization's management account or of a delegated administrator, and the id "
        "of a unit of that organization"
    )
    assert run.registrations == []


# Stable under change ------------------------------------------------------------------


def registered(run: Run, account: str) -> list[tuple[str, str, str, Any, str]]:
    return [(r.type, r.urn, r.parent, r.inputs, r.provider) for r in of_account(run, account)]


def test_adding_an_account_in_the_middle_changes_no_other_resource() -> None:
    before = rollout_run({"targetOrganizationalUnitIds": [UNIT]}, mocks({UNIT: [A, C]}))
    after = rollout_run({"targetOrganizationalUnitIds": [UNIT]}, mocks({UNIT: [A, B, C]}))
    for account in (A, C):
        assert registered(after, account) == registered(before, account), account
        assert len(registered(before, account)) == 4, "provider, component, role, attachment"
    added = {r.urn for r in after.registrations} - {r.urn for r in before.registrations}
    assert added == {r.urn for r in of_account(after, B)}
    assert after.outputs["roleArnsByAccount"] == {A: arn(A), B: arn(B), C: arn(C)}


def test_an_account_that_leaves_the_unit_is_no_longer_built_and_the_others_stay_as_they_were() -> None:
    before = rollout_run({"targetOrganizationalUnitIds": [UNIT]}, mocks({UNIT: [A, B, C]}))
    after = rollout_run({"targetOrganizationalUnitIds": [UNIT]}, mocks({UNIT: [A, C]}))
    assert of_account(after, B) == [], "its role is not in the program: the next pulumi up deletes it"
    assert {r.urn for r in before.registrations} - {r.urn for r in after.registrations} == {
        r.urn for r in of_account(before, B)
    }
    for account in (A, C):
        assert registered(after, account) == registered(before, account)


def test_listing_an_account_that_left_the_unit_in_target_account_ids_keeps_every_resource_of_it() -> None:
    before = rollout_run({"targetOrganizationalUnitIds": [UNIT]}, mocks({UNIT: [A, B]}))
    kept = rollout_run({"targetOrganizationalUnitIds": [UNIT], "targetAccountIds": [B]}, mocks({UNIT: [A]}))
    assert registered(kept, B) == registered(before, B)


# Warnings once, errors under the config keys -----------------------------------------


def test_a_warning_about_the_common_inputs_shows_once_for_the_whole_rollout(warnings_: list[str]) -> None:
    rollout_run({"targetAccountIds": [A, B, C], "managedPolicyArns": ["AmazonS3ReadOnlyAcess"]})
    assert warnings_ == [
        "managedPolicyArns: 'AmazonS3ReadOnlyAcess' is not a known AWS managed policy: did you mean "
        "'AmazonS3ReadOnlyAccess'? (it is used as given; AWS refuses it at deploy time if it does not exist)"
    ]


def test_a_warning_naming_the_role_names_the_rollout_once(warnings_: list[str]) -> None:
    rollout_run({"targetAccountIds": [A, B], "externalId": "partner-42"}, secret_keys=("externalId",))
    assert warnings_ == [
        "trusting: the role requires an external id, which the console's switch-role page cannot send: "
        "open the console with cross-account-console (the trusted stack's consoleCommandsByRoleArn), "
        "or use STS or the CLI profile; the switch-role link will not work"
    ]


# The component, for other programs ---------------------------------------------------


def build(args: dict[str, Any], **kwargs: Any) -> Run:
    def body() -> dict[str, Any]:
        rollout = TrustingRoleRollout("audit", {"trusted_account_ids": [TRUSTED_ACCOUNT], **args})  # type: ignore[typeddict-item]
        return {"arns": rollout.role_arns_by_account, "name": rollout.role_name}

    return pulumi_run(body, mocks=kwargs.pop("mocks", None) or mocks(), **kwargs)


def test_the_component_takes_the_deploying_account_from_the_provider_it_is_given() -> None:
    def body() -> dict[str, Any]:
        import pulumi_aws as aws

        management = aws.Provider(
            "management",
            assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=f"arn:aws:iam::{A}:role/deployer")],
        )
        rollout = TrustingRoleRollout(
            "audit",
            {"trusted_account_ids": [TRUSTED_ACCOUNT], "target_account_ids": [A, B]},
            opts=pulumi.ResourceOptions(providers=[management]),
        )
        return {"arns": rollout.role_arns_by_account}

    run = pulumi_run(body, mocks=mocks())
    assert run.outputs["arns"] == {A: arn(A), B: arn(B)}
    assert [p.name for p in run.of_type(PROVIDER)] == ["management", f"audit-{B}"]
    role_of_a = next(r for r in run.of_type(ROLE) if r.name == f"audit-{A}-role")
    assert role_of_a.provider.endswith("::management-id"), "the account of the provider given: no new one"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({}, "target_account_ids: None is required"),
        ({"target_account_ids": []}, "target_account_ids: [] must name at least one entry"),
        (
            {"target_account_ids": [A, A]},
            f"target_account_ids: '{A}' is listed twice: entries must be distinct",
        ),
        (
            {"target_account_ids": [A, TRUSTED_ACCOUNT]},
            f"target_account_ids: '{TRUSTED_ACCOUNT}' is also in trusted_account_ids: a role that trusts the "
            "account it is in is not cross-account access (it lets in every principal of that account whose "
            "own policies allow sts:AssumeRole)",
        ),
        (
            {"target_account_ids": [A], "deployment_role_name": "a b"},
            "deployment_role_name: 'a b' is not an IAM role name (1-64 characters of ASCII letters, digits and "
            "+=,.@_-)",
        ),
        (
            {"target_account_ids": [A], "deployment_role_external_id": "x"},
            "deployment_role_external_id: '<1 characters, hidden>' is not a valid external id: 2-1224 "
            "characters of ASCII letters, digits and +=,.@:/_-",
        ),
        (
            {"target_account_ids": [A], "secret_inputs": ["account_ids"]},
            "secret_inputs: 'account_ids' is not an input that can be secret; inputs: ",
        ),
        (
            {"target_account_ids": [A], "max_session_duration": 60},
            "max_session_duration: 60 is out of range: must be 3600..43200 seconds",
        ),
    ],
    ids=["missing", "empty", "twice", "trusted", "role-name", "external-id", "secret-inputs", "role-input"],
)
def test_bad_component_input_fails_before_anything_is_registered(args: dict[str, Any], error: str) -> None:
    run = build(args, expect_error=True)
    assert isinstance(run.error, InvalidInputError)
    assert str(run.error).startswith(error), str(run.error)
    assert run.registrations == []


def test_target_accounts_must_be_known_when_the_component_is_built() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_rollout_args(
            {"trusted_account_ids": [TRUSTED_ACCOUNT], "target_account_ids": pulumi.Output.from_input([A])}
        )
    assert str(caught.value) == (
        "target_account_ids: '<an output>' must be known account ids, not outputs: each account names its own "
        "resources"
    )


def test_trusted_accounts_given_as_an_output_are_checked_against_the_targets_once_known() -> None:
    def body() -> dict[str, Any]:
        rollout = TrustingRoleRollout(
            "audit",
            {
                "trusted_account_ids": pulumi.Output.from_input([TRUSTED_ACCOUNT, B]),
                "target_account_ids": [A, B],
            },
        )
        return {"arns": rollout.role_arns_by_account}

    run = pulumi_run(body, mocks=mocks(), expect_error=True)
    assert (
        str(run.error)
        .splitlines()[-1]
        .endswith(
            f"target_account_ids: '{B}' is also in trusted_account_ids: a role that trusts the account it is in "
            "is not cross-account access (it lets in every principal of that account whose own policies allow "
            "sts:AssumeRole)"
        )
    )


def test_errors_of_the_component_use_the_callers_names() -> None:
    def body() -> dict[str, Any]:
        rollout = TrustingRoleRollout(
            "audit",
            {"trusted_account_ids": [TRUSTED_ACCOUNT], "target_account_ids": ["1"]},
            input_names={"target_account_ids": "targets"},
        )
        return {"arns": rollout.role_arns_by_account}

    run = pulumi_run(body, mocks=mocks(), expect_error=True)
    assert str(run.error) == "targets: '1' is not a 12-digit AWS account id"


def test_protect_on_the_rollout_reaches_every_account_role(monkeypatch: pytest.MonkeyPatch) -> None:
    """`protect` on the component (as another program sets it) is inherited by every child."""
    import conftest

    protected: dict[str, bool] = {}
    original = conftest.RecordingMonitor.RegisterResource

    def record(self: Any, request: Any) -> Any:
        if request.type != "pulumi:pulumi:Stack":
            protected[request.name] = request.protect
        return original(self, request)

    monkeypatch.setattr(conftest.RecordingMonitor, "RegisterResource", record)

    def body() -> dict[str, Any]:
        rollout = TrustingRoleRollout(
            "audit",
            {"trusted_account_ids": [TRUSTED_ACCOUNT], "target_account_ids": [A, B]},
            opts=pulumi.ResourceOptions(protect=True),
        )
        return {"arns": rollout.role_arns_by_account}

    run = pulumi_run(body, mocks=mocks())
    assert {r.name for r in run.registrations} == set(protected)
    assert all(protected.values()), protected


def test_the_rollout_is_exported_and_served_with_the_other_components() -> None:
    import cross_account

    assert (
        "TrustingRoleRollout" in cross_account.__all__ and "TrustingRoleRolloutArgs" in cross_account.__all__
    )
    host = (ROOT / "components" / "__main__.py").read_text()
    assert re.search(r"COMPONENTS = \[TrustingAccountRole, TrustingRoleRollout, TrustedAccountAccess\]", host)
    assert issubclass(TrustingRoleRollout, pulumi.ComponentResource) and TrustingAccountRole is not None


# The sharding examples of the docs ---------------------------------------------------

BIN = Path(sys.executable).parent
SHARD_UNITS = {"ou-ab12-workload1": [A, B], "ou-ab12-sandbox01": [C, D]}


def shard_configs() -> dict[str, dict[str, Any]]:
    """Stack name -> config of each `# Pulumi.<stack>.yaml` block in docs/backends.md's sharding section."""
    page = (ROOT / "docs" / "backends.md").read_text().split("## Shard a rollout by organizational unit")[1]
    found = {}
    for block in re.findall(r"^```yaml\n(.*?)^```$", page, re.M | re.S):
        first = block.splitlines()[0]
        match = re.fullmatch(r"# Pulumi\.(?P<stack>[\w-]+)\.yaml", first)
        assert match, f"a stack file block starts with its file name: {first!r}"
        found[match["stack"]] = yaml.safe_load(block)["config"]
    return found


def rollout_workflow() -> str:
    page = (ROOT / "docs" / "ci.md").read_text().split("## A rollout sharded by organizational unit")[1]
    blocks = re.findall(r"^```yaml\n(.*?)^```$", page, re.M | re.S)
    assert len(blocks) == 1
    return str(blocks[0])


def test_the_two_shards_of_the_docs_each_roll_the_same_role_out_to_their_own_unit() -> None:
    configs = shard_configs()
    assert sorted(configs) == ["rollout-sandbox", "rollout-workloads"]
    assert {k: v for k, v in configs["rollout-sandbox"].items() if "Organizational" not in k} == {
        k: v for k, v in configs["rollout-workloads"].items() if "Organizational" not in k
    }, "the shards differ only in their units"
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    defaults = {f"cross-account-access:{k}": v["default"] for k, v in project.items()}
    roles = {}
    for stack, config in configs.items():
        run = run_main(stack=stack, config={**defaults, **config}, mocks=mocks(SHARD_UNITS))
        [unit] = config["cross-account-access:targetOrganizationalUnitIds"]
        assert run.outputs["roleArnsByAccount"] == {a: arn(a, "security-audit") for a in SHARD_UNITS[unit]}
        roles[stack] = set(run.outputs["roleArnsByAccount"])
        attached = {r.inputs["policyArn"] for r in run.of_type(ATTACHMENT)}
        assert attached == {"arn:aws:iam::aws:policy/SecurityAudit"}
    assert not roles["rollout-sandbox"] & roles["rollout-workloads"], "no account in two shards"


def test_the_ci_example_runs_each_shard_in_its_own_parallel_job() -> None:
    workflow = yaml.safe_load(rollout_workflow())
    job = workflow["jobs"]["up"]
    assert job["strategy"] == {"fail-fast": False, "matrix": {"stack": sorted(shard_configs(), reverse=True)}}
    assert job["concurrency"] == {"group": "rollout-${{ matrix.stack }}", "cancel-in-progress": False}
    pulumi_step = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi_step["with"]["command"] == "up"
    assert pulumi_step["with"]["stack-name"].endswith("/cross-account-access/${{ matrix.stack }}")
    assert job["permissions"] == {"contents": "read", "id-token": "write"}


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_the_ci_example_is_a_valid_workflow_with_no_zizmor_finding(tmp_path: Path, persona: str) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "rollout.yml").write_text(rollout_workflow())
    schema = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(workflows / "rollout.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run(
        [
            str(BIN / "zizmor"),
            "--offline",
            "--no-progress",
            f"--persona={persona}",
            "--config",
            str(ROOT / ".github" / "zizmor.yml"),
            str(workflows),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report" in audit.stdout


def test_the_outputs_page_names_the_rollout_outputs_and_the_ones_left_out_with_several_accounts() -> None:
    page = (ROOT / "docs" / "outputs.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| trusting (rollout) |")]
    assert len(rows) == 1
    named, rest = rows[0].split("|")[2], rows[0].split("|")[3]
    several = rollout_run({"targetAccountIds": [A, B]}).outputs
    one = rollout_run({"targetAccountIds": [A]}).outputs
    assert set(re.findall(r"`(\w+)`", named)) == set(several) - set(ROLE_OUTPUTS)
    left_out = set(ROLE_OUTPUTS) - set(several)
    assert left_out == {"roleArn", "switchRoleUrl", "roleUniqueId"} == set(one) - set(several)
    assert all(f"`{name}`" in rest for name in left_out)


# The policy pack over a rollout -------------------------------------------------------


def test_the_policy_pack_passes_a_rollout_and_refuses_admin_on_every_accounts_role() -> None:
    from test_policy_pack import EXAMPLE_CONFIG, program_resources, read_pack_config, run_pack

    config = read_pack_config(EXAMPLE_CONFIG)
    rule = "third-party-requires-external-id"
    config[rule] = (
        config[rule][0],
        {**config[rule][1], "internalAccountIds": [D]},
    )  # the trusted account, yours
    mine = {"trustedAccountIds": [D]}
    plain = rollout_run({**mine, "targetAccountIds": [A, B, C]})
    assert run_pack(program_resources(plain), config) == [], "providers and every account's role pass"
    admin = rollout_run({**mine, "targetAccountIds": [A, B, C], "managedPolicyArns": ["AdministratorAccess"]})
    found = run_pack(program_resources(admin), config)
    assert sorted(v.message for v in found) == [
        f"cross-account role 'cross-account-role' gets AdministratorAccess (attachment "
        f"'trusting-{account}-AdministratorAccess'): a role other accounts may assume must not administer "
        "this account; attach narrower permissions, or list 'arn:aws:iam::aws:policy/AdministratorAccess' in "
        "allowedPolicies if this is intended"
        for account in (A, B, C)
    ]
    assert {v.policy for v in found} == {"no-admin-on-cross-account-role"}


def test_a_secret_deployment_role_name_keeps_every_providers_assume_roles_secret() -> None:
    run = build(
        {
            "target_account_ids": [A, B],
            "deployment_role_name": "Deployer",
            "secret_inputs": ["deployment_role_name"],
        }
    )
    providers = run.of_type(PROVIDER)
    assert len(providers) == 2
    for provider in providers:
        assert "assumeRoles" in provider.secret_inputs
        assert json.loads(provider.inputs["assumeRoles"])[0]["roleArn"].endswith(":role/Deployer")
    plain = build({"target_account_ids": [A], "deployment_role_name": "Deployer"})
    assert all("assumeRoles" not in p.secret_inputs for p in plain.of_type(PROVIDER))


@pytest.mark.parametrize("series", ["rollout", "rolloutFloor"])
def test_the_benchmark_series_of_the_rollout_run_and_count_one_provider_and_role_per_account(
    series: str,
) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--child", f"{series}:3"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    per_account = {
        "pulumi:providers:aws": 3,
        "aws:iam/role:Role": 3,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 3,
    }
    if series == "rollout":
        per_account |= {ROLLOUT: 1, TRUSTING: 3}
    assert report["types"] == per_account
    assert report["policies"] == 3


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("ou-ab12-cdefgh34", True),
        ("r-ab12", True),
        ("ou-" + "a" * 32 + "-" + "b" * 32, True),
        ("ou-AB12-cdefgh34", False),
        ("ou-ab1-cdefgh34", False),
        ("ou-ab12-cdefgh3", False),
        ("r-ab1", False),
        ("o-abcdefghij", False),
        ("ou-ab12-cdefgh34 ", False),
        ("ou-ab12-cdefgh3\uff14", False),
    ],
)
def test_organizational_unit_ids_are_ou_or_root_ids_in_lowercase_ascii_whole(
    value: str, accepted: bool
) -> None:
    from cross_account import validation

    if accepted:
        assert validation.organizational_unit_id("targetOrganizationalUnitIds", value) == value
    else:
        with pytest.raises(InvalidInputError, match="is not an AWS Organizations organizational unit id"):
            validation.organizational_unit_id("targetOrganizationalUnitIds", value)


def test_a_rollout_to_a_placeholder_account_warns_once_naming_the_key(every_warning_: list[str]) -> None:
    rollout_run({"trustedAccountIds": [D], "targetAccountIds": ["111122223333", A]})
    assert every_warning_ == [
        "targetAccountIds: '111122223333' is an account id AWS's documentation uses as an example, "
        "not an account of yours: replace it with the id of the account you mean"
    ]
