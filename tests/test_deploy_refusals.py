"""What AWS would refuse at deploy time is refused before: the components' own checks, the region list,
and the trusting stack's maxSessionDuration that the trusted side checks against.

The program's errors for the same inputs are rows of the bad-input table (tests/test_bad_inputs.py).
"""

from __future__ import annotations

import sys
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from conftest import ROOT, TRUSTED_ACCOUNT, TRUSTING_ACCOUNT, RecordingMocks, pulumi_run, run_main

from cross_account import InvalidInputError, TrustedAccountAccess, TrustingRoleRollout, validation as check
from cross_account.testing import CrossAccountMocks

sys.path.insert(0, str(ROOT / "tools"))
import aws_regions  # noqa: E402 - the generator script, not a package

ROLE = "arn:aws:iam::111122223333:role/reader"
SPLIT_ROLES = [f"arn:aws:iam::{100000000000 + i}:role/cross-account-role-{i:04d}" for i in range(150)]


def refused(args: dict[str, Any]) -> str:
    """The error TrustedAccountAccess raises for ``args`` (checked: no AWS resource was registered)."""
    run = pulumi_run(
        lambda: {"p": TrustedAccountAccess("acme", {"role_arns": [ROLE], **args}).policy_arns},  # type: ignore[typeddict-item]
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT),
        expect_error=True,
    )
    assert isinstance(run.error, InvalidInputError), repr(run.error)
    assert run.aws_resources == []
    return str(run.error)


# The region list ----------------------------------------------------------------------


def test_the_region_list_is_what_the_generator_makes_from_the_installed_botocore() -> None:
    """Fails when botocore (the maintained source) is bumped and the list is not regenerated."""
    assert aws_regions.TARGET.read_text() == aws_regions.render(), (
        "components/cross_account/aws_regions.txt is stale: run .venv/bin/python tools/aws_regions.py"
    )


def test_the_region_list_places_each_region_in_its_partition() -> None:
    regions = check.known_regions()
    assert regions["us-east-1"] == "aws" and regions["eu-west-1"] == "aws"
    assert regions["cn-north-1"] == "aws-cn" and regions["us-gov-west-1"] == "aws-us-gov"
    assert regions["us-isob-east-1"] == "aws-iso-b"
    assert {"aws", "aws-cn", "aws-us-gov"} <= set(regions.values())


@pytest.mark.parametrize(
    ("region", "error"),
    [
        (
            "eu-wset-1",
            "region: 'eu-wset-1' is not a region of any AWS partition (the package's list, from botocore): "
            "did you mean 'eu-west-1'?",
        ),
        ("mars", "region: 'mars' is not an AWS region name (such as us-east-1 or eu-west-2)"),
        ("us-east-1\n", "region: 'us-east-1\\n' is not an AWS region name (such as us-east-1 or eu-west-2)"),
    ],
)
def test_a_region_no_partition_has_is_refused_with_the_closest_one(region: str, error: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check.region("region", region)
    assert str(raised.value) == error


def test_every_listed_region_is_accepted_as_it_is() -> None:
    for region in check.known_regions():
        assert check.region("region", region) == region


def test_the_testing_mocks_take_a_regions_partition_from_the_list() -> None:
    """Before, any region not starting cn- or us-gov- was taken to be in partition aws."""
    with pytest.raises(ValueError) as raised:
        CrossAccountMocks(TRUSTING_ACCOUNT, partition="aws", region="us-isob-east-1")
    assert str(raised.value) == "region: 'us-isob-east-1' is not a region of partition 'aws'"
    assert CrossAccountMocks(TRUSTING_ACCOUNT, partition="aws-us-gov", region="us-gov-east-1").region == (
        "us-gov-east-1"
    )


def test_a_provider_in_a_region_of_a_partition_the_mocks_do_not_emulate_fails_naming_it() -> None:
    """Before, us-isob-east-1 was taken for a region of aws, and its ARNs said arn:aws:."""

    def body() -> dict[str, Any]:
        provider = aws.Provider("iso", region="us-isob-east-1")
        role = aws.iam.Role(
            "r", name="reader", assume_role_policy="{}", opts=pulumi.ResourceOptions(provider=provider)
        )
        return {"arn": role.arn}

    run = pulumi_run(body, mocks=CrossAccountMocks(TRUSTING_ACCOUNT), expect_error=True)
    assert str(run.error).splitlines()[-1] == (
        "ValueError has risen: provider 'iso': region 'us-isob-east-1' is in partition 'aws-iso-b', which the "
        "mocks do not emulate (aws, aws-cn, aws-us-gov)"
    )


# TrustedAccountAccess ---------------------------------------------------------------------


def test_the_component_refuses_a_region_of_another_partition_than_the_roles() -> None:
    assert refused({"user_names": ["alice"], "region": "cn-north-1"}) == (
        f"region: 'cn-north-1' is a region of partition 'aws-cn', but the role '{ROLE}' is in partition "
        "'aws': the CLI profile would call STS where the role does not exist; use a region of 'aws'"
    )


@pytest.mark.parametrize("name", ["AWSServiceRoleForConfig", "awsservicerolefororganizations"])
def test_the_component_refuses_to_attach_to_a_service_linked_role(name: str) -> None:
    assert refused({"role_names": [name]}) == (
        f"role_names: '{name}' names a service-linked role (AWSServiceRoleFor*), whose permissions its AWS "
        "service owns: IAM refuses to attach a policy to it (UnmodifiableEntity); name a role of your own"
    )


def test_the_component_refuses_to_attach_to_an_identity_center_role() -> None:
    assert refused({"role_names": ["AWSReservedSSO_Admin_0123456789abcdef"]}).startswith(
        "role_names: 'AWSReservedSSO_Admin_0123456789abcdef' names an IAM Identity Center role (AWSReservedSSO_*)"
    )


@pytest.mark.parametrize(
    ("arn", "what"),
    [
        (
            "arn:aws:iam::111122223333:role/aws-service-role/ops.apigateway.amazonaws.com/Custom",
            "service-linked",
        ),
        ("arn:aws:iam::111122223333:role/AWSServiceRoleForSupport", "service-linked"),
        (
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/awsreservedsso_X_0123",
            "Identity Center",
        ),
    ],
)
def test_the_component_refuses_role_arns_no_other_account_can_assume(arn: str, what: str) -> None:
    run = pulumi_run(
        lambda: {"p": TrustedAccountAccess("acme", {"role_arns": [arn], "user_names": ["a"]}).policy_arns},
        expect_error=True,
    )
    assert isinstance(run.error, InvalidInputError)
    assert str(run.error).startswith(f"role_arns: '{arn}' is ")
    assert what in str(run.error) and "no principal of another account can assume it" in str(run.error)


def test_the_component_refuses_a_split_policy_name_over_128_characters() -> None:
    run = pulumi_run(
        lambda: {
            "p": TrustedAccountAccess(
                "acme", {"role_arns": SPLIT_ROLES, "user_names": ["a"], "policy_name": "p" * 127}
            ).policy_arns
        },
        expect_error=True,
    )
    assert str(run.error) == (
        f"policy_name: '{'p' * 127}' is 127 characters, and the role ARNs need 2 policies, the last named with "
        "the suffix '-2': 129 characters, over the 128 IAM allows in a policy name; shorten policy_name to at "
        "most 126 characters"
    )
    assert run.aws_resources == []


def test_a_split_policy_name_of_exactly_128_characters_with_its_suffix_is_accepted() -> None:
    run = pulumi_run(
        lambda: {
            "p": TrustedAccountAccess(
                "acme", {"role_arns": SPLIT_ROLES, "user_names": ["a"], "policy_name": "p" * 126}
            ).policy_arns
        }
    )
    names = sorted(r.inputs["name"] for r in run.of_type("aws:iam/policy:Policy"))
    assert names == ["p" * 126, "p" * 126 + "-2"]


def test_the_component_refuses_a_session_over_an_hour_when_every_caller_is_a_role_session() -> None:
    assert refused({"role_names": ["ci"], "session_duration_seconds": 3601}) == (
        "session_duration_seconds: 3601 is over 3600 seconds, but the policies go to role_names only, so every "
        "caller is a role session: a role session that assumes another role (role chaining) gets at most 3600 "
        "seconds, and STS refuses a longer DurationSeconds; set it to 3600 or less"
    )


def test_an_hour_is_fine_for_role_sessions_and_longer_is_fine_for_users() -> None:
    for args in (
        {"role_names": ["ci"], "session_duration_seconds": 3600},
        {"role_names": ["ci"], "user_names": ["alice"], "session_duration_seconds": 43200},
    ):
        run = pulumi_run(
            lambda args=args: {  # type: ignore[misc]
                "c": TrustedAccountAccess("acme", {"role_arns": [ROLE], **args}).aws_cli_config  # type: ignore[typeddict-item]
            }
        )
        assert f"duration_seconds = {args['session_duration_seconds']}\n" in run.outputs["c"]


# TrustingRoleRollout -------------------------------------------------------------------------


def test_the_rollout_refuses_to_create_its_own_deployment_role() -> None:
    run = pulumi_run(
        lambda: {
            "r": TrustingRoleRollout(
                "acme",
                {
                    "trusted_account_ids": [TRUSTED_ACCOUNT],
                    "target_account_ids": ["444466667777"],
                    "role_name": "Deployer",
                    "deployment_role_name": "deployer",
                },
            ).role_name
        },
        mocks=CrossAccountMocks(TRUSTING_ACCOUNT),
        expect_error=True,
    )
    assert str(run.error) == (
        "role_name: 'Deployer' is also deployment_role_name ('deployer'), the role the rollout assumes in each "
        "target account to create the role there: IAM refuses a second role of that name (EntityAlreadyExists), "
        "and taking it over would put the deployers' own access in the stack; choose another role_name"
    )
    assert [r for r in run.registrations if r.type.startswith("aws:")] == []


# maxSessionDuration, from the trusting stack to the trusted one ------------------------------------


def test_the_trusting_stack_exports_the_roles_max_session_duration() -> None:
    run = run_main(
        stack="trusting", config={"trustedAccountIds": [TRUSTED_ACCOUNT], "maxSessionDuration": 7200}
    )
    assert run.outputs["maxSessionDuration"] == 7200
    assert run.one("aws:iam/role:Role").inputs["maxSessionDuration"] == 7200


def test_a_secret_max_session_duration_stays_secret_in_the_output() -> None:
    run = run_main(
        stack="trusting",
        config={"trustedAccountIds": [TRUSTED_ACCOUNT], "maxSessionDuration": 7200},
        secret_keys=("maxSessionDuration",),
    )
    assert run.outputs["maxSessionDuration"] == 7200
    assert "maxSessionDuration" in run.secret_outputs


def test_the_trusted_stack_accepts_the_sessions_the_trusting_stack_allows() -> None:
    trusting = run_main(
        stack="trusting", config={"trustedAccountIds": [TRUSTED_ACCOUNT], "maxSessionDuration": 7200}
    )
    mocks = RecordingMocks(
        account_id=TRUSTED_ACCOUNT,
        stack_outputs={"organization/cross-account-access/trusting": trusting.outputs},
    )
    run = run_main(
        stack="trusted", config={"userNames": ["alice"], "sessionDurationSeconds": 7200}, mocks=mocks
    )
    assert "duration_seconds = 7200\n" in run.outputs["awsCliConfig"]


def test_a_trusting_stack_of_an_earlier_version_without_max_session_duration_is_not_checked() -> None:
    mocks = RecordingMocks(
        account_id=TRUSTED_ACCOUNT,
        stack_outputs={"organization/cross-account-access/trusting": {"roleArn": ROLE}},
    )
    run = run_main(
        stack="trusted", config={"userNames": ["alice"], "sessionDurationSeconds": 7200}, mocks=mocks
    )
    assert "duration_seconds = 7200\n" in run.outputs["awsCliConfig"]
