"""Unit tests of this program, written as any project that uses the components can write its own.

The real ``__main__.py`` runs once under ``cross_account.testing.CrossAccountMocks``:
no Pulumi CLI, no AWS credentials. Its two providers pick their accounts with
AWS CLI profiles, which mocks cannot read, so ``provider_accounts`` says which
account each provider stands for; every resource and invoke made through a
provider then lands in that provider's account.

    pip install -r requirements-dev.txt
    python -m pytest
"""

from __future__ import annotations

import json
import runpy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor

from cross_account.testing import CrossAccountMocks

HERE = Path(__file__).resolve().parent
PROJECT = "cross-account-example"
TRUSTING = "111122223333"
TRUSTED = "444455556666"
ROLE_ARN = f"arn:aws:iam::{TRUSTING}:role/audit-read-only"
POLICY_ARN = f"arn:aws:iam::{TRUSTED}:policy/cross-account-assume-role"


@dataclass
class Deployment:
    """What one run of the program registered (states by type token) and exported."""

    outputs: dict[str, Any]
    states: dict[str, list[dict[str, Any]]]
    mocks: CrossAccountMocks

    def one(self, type_: str) -> dict[str, Any]:
        (state,) = self.states[type_]
        return state


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    """Run __main__.py for a stack with both profiles and one group, as `pulumi up` would."""
    mocks = CrossAccountMocks(TRUSTING, region="eu-west-1", provider_accounts={"trusted": TRUSTED})
    monitor = MockMonitor(mocks)
    pulumi.runtime.set_all_config(
        {
            f"{PROJECT}:trustingProfile": "trusting",
            f"{PROJECT}:trustedProfile": "trusted",
            f"{PROJECT}:groupNames": json.dumps(["auditors"]),
            "aws:region": "eu-west-1",
        }
    )
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="dev", preview=False, monitor=monitor)
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[None]:
        runpy.run_path(str(HERE / "__main__.py"), run_name="__main__")
        stack = pulumi.runtime.get_root_resource()
        assert stack is not None
        names = list(stack.outputs)
        # Returned, so that the run waits for every output before the tests read them.
        return pulumi.Output.all(*(stack.outputs[n] for n in names)).apply(
            lambda values: exported.update(zip(names, values, strict=True))
        )

    program()
    assert exported, "the stack outputs never resolved"
    states: dict[str, list[dict[str, Any]]] = {}
    for registration in monitor.get_registered_resources().values():
        type_ = registration.urn.split("::")[2].split("$")[-1]
        states.setdefault(type_, []).append(registration.state)
    return Deployment(exported, states, mocks)


def test_the_role_is_made_in_the_trusting_account_and_trusts_the_trusted_account_with_mfa(
    deployment: Deployment,
) -> None:
    role = deployment.one("aws:iam/role:Role")
    assert role["arn"] == ROLE_ARN
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [
        {
            "Sid": "TrustedAccountsMayAssume",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{TRUSTED}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    ]
    attachment = deployment.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert (attachment["role"], attachment["policyArn"]) == (
        "audit-read-only",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    )


def test_the_group_of_the_trusted_account_may_assume_that_role_and_nothing_else(
    deployment: Deployment,
) -> None:
    policy = deployment.one("aws:iam/policy:Policy")
    assert policy["arn"] == POLICY_ARN
    statements = json.loads(policy["policy"])["Statement"]
    assert [(s["Effect"], s["Action"], s["Resource"]) for s in statements] == [
        ("Allow", "sts:AssumeRole", ROLE_ARN)
    ]
    attachment = deployment.one("aws:iam/groupPolicyAttachment:GroupPolicyAttachment")
    assert (attachment["group"], attachment["policyArn"]) == ("auditors", POLICY_ARN)


def test_the_stack_exports_the_role_the_policy_and_a_profile_with_the_trusted_accounts_mfa_device(
    deployment: Deployment,
) -> None:
    assert deployment.outputs == {
        "roleArn": ROLE_ARN,
        "switchRoleUrl": (
            f"https://signin.aws.amazon.com/switchrole?account={TRUSTING}"
            f"&roleName=audit-read-only&displayName=audit-read-only%40{TRUSTING}"
        ),
        "policyArn": POLICY_ARN,
        "awsCliConfig": (
            f"[profile audit-read-only-{TRUSTING}]\n"
            f"role_arn = {ROLE_ARN}\n"
            "source_profile = default\n"
            f"mfa_serial = arn:aws:iam::{TRUSTED}:mfa/<your-mfa-device-name>\n"
        ),
    }


def test_the_program_asks_aws_only_for_the_callers_identity_and_the_partition(deployment: Deployment) -> None:
    assert sorted(deployment.mocks.invokes) == [
        "aws:index/getCallerIdentity:getCallerIdentity",  # the trusted account's id
        "aws:index/getCallerIdentity:getCallerIdentity",  # the role checks it does not trust its own account
        "aws:index/getCallerIdentity:getCallerIdentity",  # the mfa_serial of the CLI profile
        "aws:index/getPartition:getPartition",
    ]
