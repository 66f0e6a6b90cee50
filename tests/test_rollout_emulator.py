"""End to end: one trusting stack rolls the role out to the accounts of an organizational unit, in moto.

The organization: management account 111122223333, an organizational unit
"workloads" holding two member accounts and a nested unit "team-a" holding a
third, and one more member account directly under the root. The real
``__main__.py`` runs as the management account with
``targetOrganizationalUnitIds: [<workloads>]``: it reads the unit's accounts
from moto's AWS Organizations, and each member account's role goes through an
``aws.Provider`` that assumes ``OrganizationAccountAccessRole`` there; the
emulator adapter (tests/emulator.py) replays that with moto's ``sts:AssumeRole``
and creates the provider's resources with the session's credentials.

Then: each member account, read with its own credentials, has the role; the
management account and the account outside the unit have none; alice, a user
of the trusted account whose policy allows it (made by the trusted stack from
the three ARNs it reads in the trusting stack's roleArnsByAccount), assumes
each of the three roles and lands in that account.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import Run, run_failing, run_main
from emulator import (
    EmulatorMocks,
    _loading_managed_policies,
    account_session,
    as_deployers,
    assume_role_as,
    deployer_session,
    key_session,
    trust_policy_of,
)
from moto import mock_aws
from moto.core import enable_iam_authentication

from program.deployer import trusting_deployer_policy

MANAGEMENT = "111122223333"
TRUSTED = "444455556666"
ROLE = "cross-account-role"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ORGANIZATION_ROLE = "OrganizationAccountAccessRole"


@dataclass
class Organization:
    """moto's organization: the unit, its members, the account outside it, and keys to read each."""

    unit: str
    members: list[str]
    outside: str
    readers: dict[str, dict[str, str]] = field(default_factory=dict)
    """Account id -> access key of a user of that account (to read it with its own credentials)."""
    alice: dict[str, str] = field(default_factory=dict)

    def reader(self, account: str) -> boto3.Session:
        return key_session(self.readers[account])


@dataclass
class Rollout:
    organization: Organization
    trusting: Run
    trusted: Run
    mocks: EmulatorMocks


def _new_account(organizations: Any, name: str, root: str, parent: str) -> str:
    status = organizations.create_account(Email=f"{name}@example.com", AccountName=name)[
        "CreateAccountStatus"
    ]
    account = str(status["AccountId"])
    if parent != root:
        organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=parent)
    return account


def _user_with_key(account: str, name: str) -> dict[str, str]:
    iam = account_session(account).client("iam")
    iam.create_user(UserName=name)
    return dict(iam.create_access_key(UserName=name)["AccessKey"])


def _build_organization() -> Organization:
    organizations = account_session(MANAGEMENT).client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    unit = organizations.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"][
        "Id"
    ]
    nested = organizations.create_organizational_unit(ParentId=unit, Name="team-a")["OrganizationalUnit"][
        "Id"
    ]
    with _loading_managed_policies():  # each member account's IAM comes with AWS's managed policies
        members = [
            _new_account(organizations, "billing", root, unit),
            _new_account(organizations, "payments", root, unit),
            _new_account(organizations, "team-a-data", root, nested),
        ]
        outside = _new_account(organizations, "sandbox", root, root)
    found = Organization(unit=unit, members=sorted(members), outside=outside)
    for account in [*members, outside, MANAGEMENT]:
        found.readers[account] = _user_with_key(account, "reader")
        account_session(account).client("s3").create_bucket(Bucket=f"reports-{account}")
    found.alice = _user_with_key(TRUSTED, "alice")
    return found


@pytest.fixture(scope="module")
def rollout() -> Iterator[Rollout]:
    with mock_aws():
        organization = _build_organization()
        config = {
            "trustedAccountIds": [TRUSTED],
            "targetOrganizationalUnitIds": [organization.unit],
            "rolloutMode": "providers",
        }
        # Least privilege: the management account's deployer holds only its generated policy (assume the
        # deployment role, list the unit), and in each member the deployment role only the trusting policy.
        deployer = deployer_session(MANAGEMENT, "trusting", config)
        for member in organization.members:
            account_session(member).client("iam").put_role_policy(
                RoleName=ORGANIZATION_ROLE,
                PolicyName="deploy",
                PolicyDocument=json.dumps(trusting_deployer_policy("aws", member, "/", ROLE, [S3_READ_ONLY])),
            )
        trusted_deployer = deployer_session(TRUSTED, "trusted", {"userNames": ["alice"]})
        mocks = EmulatorMocks(MANAGEMENT, session=deployer)
        reference = "organization/cross-account-access/trusting"
        with as_deployers():
            trusting = run_main(stack="trusting", config=config, mocks=mocks)
            # The trusted stack reads the rollout's roleArnsByAccount through its stack reference.
            trusted = run_main(
                stack="trusted",
                config={"userNames": ["alice"]},
                mocks=EmulatorMocks(
                    TRUSTED,
                    stack_outputs={reference: trusting.outputs},
                    session=trusted_deployer,
                ),
            )
        yield Rollout(organization, trusting, trusted, mocks)


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ROLE}"


@pytest.mark.e2e
def test_the_stack_rolls_the_role_out_to_every_account_of_the_unit_and_its_nested_unit(
    rollout: Rollout,
) -> None:
    members = rollout.organization.members
    assert rollout.trusting.outputs["roleArnsByAccount"] == {
        account: role_arn(account) for account in members
    }
    assert list(rollout.trusting.outputs["switchRoleUrlsByAccount"]) == members
    assert "roleArn" not in rollout.trusting.outputs, "three accounts: no single role ARN"
    assert rollout.trusting.outputs["roleName"] == ROLE


@pytest.mark.e2e
def test_each_member_role_goes_through_a_provider_that_assumed_the_organization_role_there(
    rollout: Rollout,
) -> None:
    providers = {p.name: p for p in rollout.mocks.providers.values()}
    assert sorted(providers) == [f"trusting-{account}" for account in rollout.organization.members]
    for account in rollout.organization.members:
        provider = providers[f"trusting-{account}"]
        assert provider.account_id == account
        assert provider.region == "us-east-1", "the region of the stack's own provider"
        assert provider.assumed == {
            "roleArn": f"arn:aws:iam::{account}:role/{ORGANIZATION_ROLE}",
            "sessionName": "cross-account-access-trusting",
        }
    assert rollout.mocks.created == [], "nothing is created in the management account"
    assert rollout.mocks.created_in == {
        account: [
            ("aws:iam/role:Role", ROLE),
            ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"{ROLE}/{S3_READ_ONLY}"),
        ]
        for account in rollout.organization.members
    }


@pytest.mark.e2e
def test_each_member_account_read_with_its_own_credentials_has_the_role_trusting_the_trusted_account(
    rollout: Rollout,
) -> None:
    for account in rollout.organization.members:
        iam = rollout.organization.reader(account).client("iam")
        assert iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{account}:user/reader", "its own credentials"
        role = iam.get_role(RoleName=ROLE)["Role"]
        assert role["Arn"] == role_arn(account)
        assert trust_policy_of(role["Arn"]) == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TrustedAccountsMayAssume",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{TRUSTED}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        attached = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
        assert [p["PolicyArn"] for p in attached] == [S3_READ_ONLY]


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["management", "outside"])
def test_the_management_account_and_an_account_outside_the_unit_have_no_role(
    rollout: Rollout, where: str
) -> None:
    account = MANAGEMENT if where == "management" else rollout.organization.outside
    iam = rollout.organization.reader(account).client("iam")
    with pytest.raises(ClientError) as caught:
        iam.get_role(RoleName=ROLE)
    assert caught.value.response["Error"]["Code"] == "NoSuchEntity"


@pytest.mark.e2e
def test_a_trusted_user_assumes_each_of_the_three_roles_and_reads_s3_in_that_account(
    rollout: Rollout,
) -> None:
    alice = key_session(rollout.organization.alice)
    policy = json.loads(rollout.trusted.one("aws:iam/policy:Policy").inputs["policy"])
    assert policy["Statement"][0]["Resource"] == [role_arn(a) for a in rollout.organization.members]
    assert rollout.trusted.outputs["roleArns"] == [role_arn(a) for a in rollout.organization.members]
    with enable_iam_authentication():
        for account in rollout.organization.members:
            session = key_session(assume_role_as(alice, role_arn(account)))
            identity = session.client("sts").get_caller_identity()
            assert identity["Arn"] == f"arn:aws:sts::{account}:assumed-role/{ROLE}/e2e"
            s3 = session.client("s3")
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [f"reports-{account}"]
            with pytest.raises(ClientError) as caught:
                s3.put_object(Bucket=f"reports-{account}", Key="x.csv", Body=b"x")
            assert caught.value.response["Error"]["Code"] == "AccessDenied"


@pytest.mark.e2e
def test_a_member_account_cannot_read_the_unit_and_the_error_says_whose_credentials_it_needs(
    rollout: Rollout,
) -> None:
    member = rollout.organization.members[0]
    run = run_failing(
        stack="trusting",
        config={
            "trustedAccountIds": [TRUSTED],
            "targetOrganizationalUnitIds": [rollout.organization.unit],
            "rolloutMode": "providers",
        },
        mocks=EmulatorMocks(member),
    )
    assert str(run.error).splitlines()[-1] == (
        f"targetOrganizationalUnitIds: '{rollout.organization.unit}' could not be read from AWS Organizations "
        "(An error occurred (ParentNotFoundException) when calling the ListAccountsForParent operation: "
        "You specified parent that doesn't exist. (parentId)): listing the accounts of an "
        "organizational unit needs credentials of the organization's management account or of a delegated "
        "administrator, and the id of a unit of that organization"
    )
    assert run.aws_resources == []
