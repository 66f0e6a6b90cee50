"""Replacement without a pause, drift made visible.

A new ``roleName`` or ``policyName`` replaces the role or policy create-first. The AWS provider asks the
engine for delete-first on every replacement of a resource whose name is given (the bridge's
``nameRequiresDeleteBeforeReplace``); the engine lets a program's explicit ``deleteBeforeReplace`` win
over it (``goal.DeleteBeforeReplace``, sent with ``deleteBeforeReplaceDefined``), so the program says
``False`` explicitly: these tests read the option as the engine would receive it.
"""

from __future__ import annotations

from typing import Any

import yaml
from conftest import ROOT, TRUSTED_ACCOUNT, TRUSTING_ACCOUNT, RecordingMocks, Registration, run_main

from cross_account.testing import CrossAccountMocks

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
REFERENCE = "organization/cross-account-access/trusting"
ROLE_A = "arn:aws:iam::111122223333:role/reader"
ROLE_B = "arn:aws:iam::444466667777:role/team/writer"
DOCS = ROOT / "docs"


def create_first(registration: Registration) -> bool:
    """The program said deleteBeforeReplace, and said False: the engine creates the new one first."""
    return registration.delete_before_replace_defined and registration.delete_before_replace is False


def test_a_new_role_name_creates_the_new_role_before_deleting_the_old_one() -> None:
    run = run_main(stack="trusting", config={"trustedAccountIds": [TRUSTED_ACCOUNT], "roleName": "audit"})
    assert create_first(run.one(ROLE)), "left unsaid, the AWS provider replaces a named role delete-first"


def test_every_role_of_a_rollout_is_replaced_create_first_too() -> None:
    run = run_main(
        stack="trusting",
        config={"trustedAccountIds": [TRUSTED_ACCOUNT], "targetAccountIds": ["444466667777", "444477778888"]},
        mocks=CrossAccountMocks(TRUSTING_ACCOUNT),
    )
    roles = run.of_type(ROLE)
    assert len(roles) == 2 and all(create_first(role) for role in roles)


def test_a_new_policy_name_creates_every_new_policy_before_deleting_the_old_ones() -> None:
    arns = [f"arn:aws:iam::{100000000000 + i}:role/cross-account-role-{i:04d}" for i in range(150)]
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT)
    run = run_main(stack="trusted", config={"roleArns": arns, "userNames": ["alice"]}, mocks=mocks)
    policies = run.of_type(POLICY)
    assert len(policies) == 2 and all(create_first(policy) for policy in policies)


def test_an_inline_policy_moves_to_a_renamed_role_before_it_leaves_the_old_one() -> None:
    """A RolePolicy has a name too, so the provider would ask for delete-first when its role is replaced."""
    inline = {
        "read": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
        }
    }
    run = run_main(
        stack="trusting", config={"trustedAccountIds": [TRUSTED_ACCOUNT], "inlinePolicies": inline}
    )
    assert create_first(run.one(ROLE_POLICY))


def test_no_other_resource_says_a_replacement_order() -> None:
    """Attachments have no name: the provider leaves them to Pulumi's default, create-first."""
    inline = {
        "read": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
        }
    }
    config = {"trustedAccountIds": [TRUSTED_ACCOUNT], "inlinePolicies": inline}
    trusting = run_main(stack="trusting", config=config)
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={REFERENCE: trusting.outputs})
    trusted = run_main(
        stack="trusted",
        config={"userNames": ["alice"], "roleNames": ["ci"], "newGroupName": "ops"},
        mocks=mocks,
    )
    said = sorted(
        r.type for r in [*trusting.registrations, *trusted.registrations] if r.delete_before_replace_defined
    )
    assert said == [POLICY, ROLE, ROLE_POLICY]


def test_the_trusted_stack_says_which_role_arn_each_switch_role_link_grants() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT)
    run = run_main(
        stack="trusted", config={"roleArns": [ROLE_A, ROLE_B], "userNames": ["alice"]}, mocks=mocks
    )
    assert run.outputs["switchRoleUrlsByRoleArn"] == {
        ROLE_A: "https://signin.aws.amazon.com/switchrole?account=111122223333&roleName=reader"
        "&displayName=reader%40111122223333",
        ROLE_B: "https://signin.aws.amazon.com/switchrole?account=444466667777&roleName=team/writer"
        "&displayName=writer%40444466667777",
    }
    assert list(run.outputs["switchRoleUrlsByRoleArn"].values()) == run.outputs["switchRoleUrls"]


def test_a_trusting_stack_renamed_since_the_trusted_one_ran_shows_the_old_arn_in_the_links() -> None:
    """What docs/deploy.md tells: the trusted stack grants the ARN it read, until it runs again."""
    before = run_main(stack="trusting", config={"trustedAccountIds": [TRUSTED_ACCOUNT], "roleName": "reader"})
    after = run_main(
        stack="trusting", config={"trustedAccountIds": [TRUSTED_ACCOUNT], "roleName": "reader-v2"}
    )

    def trusted(outputs: dict[str, Any]) -> dict[str, str]:
        mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs={REFERENCE: outputs})
        return run_main(stack="trusted", config={"userNames": ["alice"]}, mocks=mocks).outputs[
            "switchRoleUrlsByRoleArn"
        ]

    assert list(trusted(before.outputs)) == [before.outputs["roleArn"]]
    assert list(trusted(after.outputs)) == [after.outputs["roleArn"]] != [before.outputs["roleArn"]]


def test_the_project_refreshes_before_every_preview_update_and_destroy() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["options"] == {"refresh": "always"}


def test_the_deploy_page_says_how_a_rename_replaces_and_what_refresh_shows() -> None:
    page = " ".join((DOCS / "deploy.md").read_text().split())
    assert "creates the new role first, then deletes the old one" in page
    assert "run the trusted stack again" in page
    assert "`switchRoleUrlsByRoleArn`" in page
    assert "`options: refresh: always`" in page
    for change in (
        "A principal added to the trust policy by hand",
        "A user of `userNames` deleted by hand",
        "The assume-role policy detached by hand",
        "A managed policy attached to the role by hand",
    ):
        assert change in page, change
