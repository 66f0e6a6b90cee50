"""The deployers in moto: each stack deployed with IAM authentication on, by an identity that holds
only the policy `python -m program.deployer` generates for it (program/deployer.py).

What moto (5.2) enforces of those policies: the actions, and, once ``iam_resources_as_aws``
(tests/emulator.py) gives each IAM call the resource AWS checks it against, the resources (the
role, policy, user and group ARNs). What it does not: conditions other than ``StringEquals`` are
treated as holding, so ``iam:PolicyARN`` (``ArnEquals``/``ArnLike``) and ``iam:PermissionsBoundary``
never narrow anything in moto. The tests assert that as it is, and check the ``iam:PolicyARN``
conditions by IAM's rule with ``condition_holds``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import (
    ORGANIZATION,
    PROJECT,
    TRUSTED_ACCOUNT,
    TRUSTING_ACCOUNT,
    Run,
    run_main,
    stack_file_config,
)
from emulator import (
    EmulatorMocks,
    account_session,
    assume_role_as,
    aws_managed_policies,
    condition_holds,
    iam_resources_as_aws,
    key_session,
)
from moto import mock_aws
from moto.core import enable_iam_authentication

from program.deployer import for_settings, stack_config
from program.settings import load

ROLE_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/my-s3-x-account-role"
POLICY_ARN = f"arn:aws:iam::{TRUSTED_ACCOUNT}:policy/my-s3-x-account-policy"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def deployer_policy(stack: str, account: str) -> dict[str, Any]:
    """The policy the docs tell a user to give the identity that deploys ``stack``."""
    return for_settings(load(stack_config(stack), stack), "aws", account)


def deployer_keys(account: str, policy: dict[str, Any]) -> dict[str, str]:
    """A user holding only ``policy`` (set up with authentication off), and its access key."""
    iam = account_session(account).client("iam")
    iam.create_user(UserName="deployer")
    iam.put_user_policy(UserName="deployer", PolicyName="deploy", PolicyDocument=json.dumps(policy))
    return dict(iam.create_access_key(UserName="deployer")["AccessKey"])


@dataclass
class Deployed:
    trusting: Run
    trusted: Run
    keys: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def deployed() -> Iterator[Deployed]:
    with aws_managed_policies(TRUSTING_ACCOUNT):
        trusted_iam = account_session(TRUSTED_ACCOUNT).client("iam")
        trusted_iam.create_group(GroupName="s3-readers")
        trusted_iam.create_user(UserName="alice")
        keys = {
            "alice": dict(trusted_iam.create_access_key(UserName="alice")["AccessKey"]),
            "trusting": deployer_keys(TRUSTING_ACCOUNT, deployer_policy("trusting", TRUSTING_ACCOUNT)),
            "trusted": deployer_keys(TRUSTED_ACCOUNT, deployer_policy("trusted", TRUSTED_ACCOUNT)),
        }
        with enable_iam_authentication(), iam_resources_as_aws():
            trusting = run_main(
                stack="trusting",
                config=stack_file_config("trusting"),
                mocks=EmulatorMocks(TRUSTING_ACCOUNT, session=key_session(keys["trusting"])),
            )
            reference = f"{ORGANIZATION}/{PROJECT}/trusting"
            trusted = run_main(
                stack="trusted",
                config=stack_file_config("trusted"),
                mocks=EmulatorMocks(
                    TRUSTED_ACCOUNT,
                    stack_outputs={reference: trusting.outputs},
                    session=key_session(keys["trusted"]),
                ),
            )
        yield Deployed(trusting, trusted, keys)


def _denied(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDenied", f"expected AccessDenied, got {error}"
    return str(error.get("Message", ""))


@pytest.mark.e2e
def test_both_stacks_deploy_as_identities_holding_only_their_generated_policy(deployed: Deployed) -> None:
    assert deployed.trusting.outputs["roleArn"] == ROLE_ARN
    assert deployed.trusted.outputs["policyArn"] == POLICY_ARN
    trusting = account_session(TRUSTING_ACCOUNT).client("iam")
    attached = trusting.list_attached_role_policies(RoleName="my-s3-x-account-role")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [S3_READ_ONLY]
    trusted = account_session(TRUSTED_ACCOUNT).client("iam")
    assert [
        p["PolicyArn"] for p in trusted.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
    ] == [POLICY_ARN]
    group = trusted.list_attached_group_policies(GroupName="s3-readers")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in group] == [POLICY_ARN]


@pytest.mark.e2e
def test_the_deployed_access_works_for_the_trusted_user(deployed: Deployed) -> None:
    with enable_iam_authentication():
        session = key_session(assume_role_as(key_session(deployed.keys["alice"]), ROLE_ARN))
        identity = session.client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{TRUSTING_ACCOUNT}:assumed-role/my-s3-x-account-role/e2e"


@pytest.mark.e2e
def test_the_trusting_deployer_may_touch_only_its_role(deployed: Deployed) -> None:
    iam = key_session(deployed.keys["trusting"]).client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    with enable_iam_authentication(), iam_resources_as_aws():
        assert iam.get_role(RoleName="my-s3-x-account-role")["Role"]["Arn"] == ROLE_ARN
        _denied(lambda: iam.create_role(RoleName="another-role", AssumeRolePolicyDocument=trust))
        _denied(
            lambda: iam.create_role(
                RoleName="my-s3-x-account-role", Path="/other/", AssumeRolePolicyDocument=trust
            )
        )
        _denied(lambda: iam.create_user(UserName="intruder"))
        _denied(lambda: iam.create_policy(PolicyName="anything", PolicyDocument=trust))
        _denied(lambda: iam.list_roles())


@pytest.mark.e2e
def test_the_trusted_deployer_may_touch_only_its_policy_users_and_groups(deployed: Deployed) -> None:
    setup = account_session(TRUSTED_ACCOUNT).client("iam")
    setup.create_user(UserName="carol")
    setup.create_group(GroupName="admins")
    iam = key_session(deployed.keys["trusted"]).client("iam")
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
    )
    with enable_iam_authentication(), iam_resources_as_aws():
        assert iam.get_policy(PolicyArn=POLICY_ARN)["Policy"]["PolicyName"] == "my-s3-x-account-policy"
        _denied(lambda: iam.attach_user_policy(UserName="carol", PolicyArn=POLICY_ARN))
        _denied(lambda: iam.attach_group_policy(GroupName="admins", PolicyArn=POLICY_ARN))
        _denied(lambda: iam.create_policy(PolicyName="other-policy", PolicyDocument=document))
        _denied(lambda: iam.add_user_to_group(GroupName="admins", UserName="alice"))


@pytest.mark.e2e
def test_moto_does_not_evaluate_iam_policy_arn_which_iams_rule_does(deployed: Deployed) -> None:
    """moto lets the trusting deployer attach AdministratorAccess to its role; AWS would not."""
    statement = deployer_policy("trusting", TRUSTING_ACCOUNT)["Statement"][1]
    assert statement["Sid"] == "AttachOnlyTheListedPolicies"
    condition = statement["Condition"]["ArnEquals"]["iam:PolicyARN"]
    assert condition_holds("ArnEquals", "iam:PolicyARN", condition, {"iam:PolicyARN": S3_READ_ONLY})
    assert not condition_holds("ArnEquals", "iam:PolicyARN", condition, {"iam:PolicyARN": ADMIN})
    iam = key_session(deployed.keys["trusting"]).client("iam")
    with enable_iam_authentication(), iam_resources_as_aws():
        iam.attach_role_policy(RoleName="my-s3-x-account-role", PolicyArn=ADMIN)  # moto: allowed
    account_session(TRUSTING_ACCOUNT).client("iam").detach_role_policy(
        RoleName="my-s3-x-account-role", PolicyArn=ADMIN
    )


def test_without_the_resource_fix_moto_refuses_even_the_role_the_policy_names() -> None:
    """Why iam_resources_as_aws exists: moto checks CreateRole against '*', which no scoped policy matches."""
    account = "444477778888"
    with mock_aws():
        keys = deployer_keys(account, deployer_policy("trusting", account))
        iam = key_session(keys).client("iam")
        trust = json.dumps({"Version": "2012-10-17", "Statement": []})
        with enable_iam_authentication():
            _denied(lambda: iam.create_role(RoleName="my-s3-x-account-role", AssumeRolePolicyDocument=trust))
        with enable_iam_authentication(), iam_resources_as_aws():
            created = iam.create_role(RoleName="my-s3-x-account-role", AssumeRolePolicyDocument=trust)
        assert created["Role"]["Arn"] == f"arn:aws:iam::{account}:role/my-s3-x-account-role"
