"""cross_account.testing: the mocks a consumer's unit tests use, answering like AWS per account and partition."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import textwrap
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from conftest import ROOT, Run, pulumi_run

from cross_account import TrustedAccountAccess, TrustingAccountRole
from cross_account.testing import CREATE_DATE, MOCK_POLICY_DOCUMENT, CrossAccountMocks

OTHER = "444466667777"
PARTITION = "aws:index/getPartition:getPartition"
CALLER = "aws:index/getCallerIdentity:getCallerIdentity"
REGION = "aws:index/getRegion:getRegion"
GET_POLICY = "aws:iam/getPolicy:getPolicy"
DESCENDANTS = (
    "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts"
)
DESCENDANT_UNITS = (
    "aws:organizations/getOrganizationalUnitDescendantOrganizationalUnits:"
    "getOrganizationalUnitDescendantOrganizationalUnits"
)


def unique_id(prefix: str, arn: str) -> str:
    """AWS's shape (prefix + 17 of A-Z, 2-7), derived from the ARN: the same ARN, the same id."""
    return prefix + base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()[:17]


def digits(*parts: str) -> str:
    """26 digits derived from ``parts``, the shape of the AWS provider's generated attachment ids."""
    number = int.from_bytes(hashlib.sha256("\0".join(parts).encode()).digest()[:12], "big")
    return f"{number % 10**26:026d}"


def run(body: Any, mocks: CrossAccountMocks | None = None) -> Run:
    return pulumi_run(body, mocks=mocks or CrossAccountMocks())


def resource_state(resource: pulumi.CustomResource, *names: str) -> dict[str, Any]:
    return {"id": resource.id, **{name: getattr(resource, name) for name in names}}


def build_iam_entities() -> dict[str, Any]:
    role = aws.iam.Role("r", name="reader", path="/audit/", assume_role_policy="{}")
    policy = aws.iam.Policy("p", name="assume", policy="{}")
    group = aws.iam.Group("g", name="auditors")
    user = aws.iam.User("u", name="alice")
    return {
        "role": resource_state(role, "arn", "unique_id", "create_date", "max_session_duration", "path"),
        "policy": resource_state(policy, "arn", "policy_id", "path"),
        "group": resource_state(group, "arn", "unique_id"),
        "user": resource_state(user, "arn", "unique_id"),
    }


# -- IAM entities: ARNs and ids per account and partition ---------------------------


def test_iam_entities_get_the_arns_ids_and_unique_ids_aws_gives_them() -> None:
    found = run(build_iam_entities).outputs
    assert found["role"] == {
        "id": "reader",
        "arn": "arn:aws:iam::111122223333:role/audit/reader",
        "unique_id": unique_id("AROA", "arn:aws:iam::111122223333:role/audit/reader"),
        "create_date": CREATE_DATE,
        "max_session_duration": 3600,
        "path": "/audit/",
    }
    assert found["policy"] == {
        "id": "arn:aws:iam::111122223333:policy/assume",
        "arn": "arn:aws:iam::111122223333:policy/assume",
        "policy_id": unique_id("ANPA", "arn:aws:iam::111122223333:policy/assume"),
        "path": "/",
    }
    assert found["group"] == {
        "id": "auditors",
        "arn": "arn:aws:iam::111122223333:group/auditors",
        "unique_id": unique_id("AGPA", "arn:aws:iam::111122223333:group/auditors"),
    }
    assert found["user"] == {
        "id": "alice",
        "arn": "arn:aws:iam::111122223333:user/alice",
        "unique_id": unique_id("AIDA", "arn:aws:iam::111122223333:user/alice"),
    }


def test_unique_ids_are_17_uppercase_letters_or_digits_after_the_aws_prefix() -> None:
    found = run(build_iam_entities).outputs
    ids = [found["role"]["unique_id"], found["policy"]["policy_id"]]
    ids += [found["group"]["unique_id"], found["user"]["unique_id"]]
    assert [i[:4] for i in ids] == ["AROA", "ANPA", "AGPA", "AIDA"]
    for found_id in ids:
        assert re.fullmatch(r"[A-Z]{4}[A-Z0-9]{17}", found_id, re.ASCII), found_id


@pytest.mark.parametrize(
    ("account", "partition", "region"),
    [
        ("111122223333", "aws", "us-east-1"),
        ("444477778888", "aws-cn", "cn-north-1"),
        ("555555555555", "aws-us-gov", "us-gov-west-1"),
    ],
)
def test_arns_name_the_mocks_account_and_partition(account: str, partition: str, region: str) -> None:
    found = run(build_iam_entities, CrossAccountMocks(account, partition=partition)).outputs
    assert [found[k]["arn"] for k in ("role", "policy", "group", "user")] == [
        f"arn:{partition}:iam::{account}:role/audit/reader",
        f"arn:{partition}:iam::{account}:policy/assume",
        f"arn:{partition}:iam::{account}:group/auditors",
        f"arn:{partition}:iam::{account}:user/alice",
    ]


def test_the_same_name_in_another_account_gets_another_unique_id() -> None:
    first = run(build_iam_entities).outputs
    second = run(build_iam_entities, CrossAccountMocks(OTHER)).outputs
    assert first["role"]["unique_id"] != second["role"]["unique_id"]
    assert first["user"]["unique_id"] != second["user"]["unique_id"]


def test_the_same_program_gets_the_same_ids_on_every_run() -> None:
    first, second = run(build_iam_entities), run(build_iam_entities)
    assert first.outputs == second.outputs
    assert [r["id"] for r in first.outputs.values()] == [
        "reader",
        first.outputs["policy"]["arn"],
        "auditors",
        "alice",
    ]


def test_an_unnamed_role_is_auto_named_from_its_logical_name_and_a_name_prefix_is_kept() -> None:
    def body() -> dict[str, Any]:
        auto = aws.iam.Role("auto", assume_role_policy="{}")
        prefixed = aws.iam.Role("prefixed", name_prefix="ci-", assume_role_policy="{}")
        return {"auto": auto.name, "prefixed": prefixed.name}

    found = run(body).outputs
    auto = hashlib.sha256(b"111122223333\0auto").hexdigest()[:7]
    assert found == {"auto": f"auto-{auto}", "prefixed": f"ci-{digits('111122223333', 'prefixed')}"}


# -- attachments, inline policies, memberships, anything else -------------------------


def test_attachments_inline_policies_and_memberships_get_the_ids_aws_gives_them() -> None:
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"

    def body() -> dict[str, Any]:
        return {
            "role_attachment": aws.iam.RolePolicyAttachment("ra", role="reader", policy_arn=arn).id,
            "user_attachment": aws.iam.UserPolicyAttachment("ua", user="alice", policy_arn=arn).id,
            "group_attachment": aws.iam.GroupPolicyAttachment("ga", group="auditors", policy_arn=arn).id,
            "role_policy": aws.iam.RolePolicy("rp", role="reader", name="s3", policy="{}").id,
            "user_policy": aws.iam.UserPolicy("up", user="alice", name="s3", policy="{}").id,
            "group_policy": aws.iam.GroupPolicy("gp", group="auditors", name="s3", policy="{}").id,
            "membership": aws.iam.UserGroupMembership("m", user="alice", groups=["auditors"]).id,
        }

    assert run(body).outputs == {
        "role_attachment": f"reader-{digits('111122223333', 'reader', arn)}",
        "user_attachment": f"alice-{digits('111122223333', 'alice', arn)}",
        "group_attachment": f"auditors-{digits('111122223333', 'auditors', arn)}",
        "role_policy": "reader:s3",
        "user_policy": "alice:s3",
        "group_policy": "auditors:s3",
        "membership": f"terraform-{digits('111122223333', 'alice', 'auditors')}",
    }


def test_any_other_resource_echoes_its_inputs_with_the_id_name_id() -> None:
    def body() -> dict[str, Any]:
        profile = aws.iam.InstanceProfile("ip", name="web", role="reader")
        return {"id": profile.id, "name": profile.name, "role": profile.role}

    assert run(body).outputs == {"id": "ip-id", "name": "web", "role": "reader"}


# -- providers: which account a resource lands in -----------------------------------


@pytest.mark.parametrize(
    ("provider_args", "mocks", "account"),
    [
        ({}, CrossAccountMocks(), "111122223333"),
        (
            {"assume_roles": [aws.ProviderAssumeRoleArgs(role_arn=f"arn:aws:iam::{OTHER}:role/Deployer")]},
            CrossAccountMocks(),
            OTHER,
        ),
        ({"allowed_account_ids": [OTHER]}, CrossAccountMocks(), OTHER),
        ({"profile": "other"}, CrossAccountMocks(provider_accounts={"other": OTHER}), OTHER),
        ({"allowed_account_ids": [OTHER, "111122223333"]}, CrossAccountMocks(), "111122223333"),
    ],
    ids=["no account named", "assume_roles", "allowed_account_ids", "provider_accounts", "several allowed"],
)
def test_a_resource_made_through_a_provider_lands_in_the_account_the_provider_names(
    provider_args: dict[str, Any], mocks: CrossAccountMocks, account: str
) -> None:
    def body() -> dict[str, Any]:
        provider = aws.Provider("other", region="eu-west-1", **provider_args)
        opts = pulumi.ResourceOptions(provider=provider)
        role = aws.iam.Role("r", name="reader", assume_role_policy="{}", opts=opts)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=provider))
        return {"arn": role.arn, "account": identity.account_id}

    assert run(body, mocks).outputs == {"arn": f"arn:aws:iam::{account}:role/reader", "account": account}


def test_the_components_land_in_the_account_of_the_provider_they_are_given() -> None:
    def body() -> dict[str, Any]:
        deployer = aws.ProviderAssumeRoleArgs(role_arn=f"arn:aws:iam::{OTHER}:role/Deployer")
        trusting = aws.Provider("trusting", assume_roles=[deployer])
        role = TrustingAccountRole(
            "audit",
            {"trusted_account_ids": ["444455556666"], "role_name": "auditor"},
            opts=pulumi.ResourceOptions(providers={"aws": trusting}),
        )
        access = TrustedAccountAccess("audit", {"role_arns": [role.role_arn], "group_names": ["auditors"]})
        return {"role": role.role_arn, "policy": access.policy_arn}

    found = run(body)
    assert found.outputs == {
        "role": f"arn:aws:iam::{OTHER}:role/auditor",
        "policy": "arn:aws:iam::111122223333:policy/cross-account-assume-role",
    }
    provider = found.one("pulumi:providers:aws")
    assert found.one("aws:iam/role:Role").provider == f"{provider.urn}::trusting-id"
    assert found.one("aws:iam/policy:Policy").provider == ""


def test_a_provider_in_a_china_region_makes_arns_of_the_china_partition() -> None:
    def body() -> dict[str, Any]:
        provider = aws.Provider("cn", region="cn-northwest-1", allowed_account_ids=[OTHER])
        role = aws.iam.Role(
            "r", name="reader", assume_role_policy="{}", opts=pulumi.ResourceOptions(provider=provider)
        )
        options = pulumi.InvokeOutputOptions(provider=provider)
        return {
            "arn": role.arn,
            "partition": aws.get_partition_output(opts=options).dns_suffix,
            "region": aws.get_region_output(opts=options).region,
        }

    assert run(body).outputs == {
        "arn": f"arn:aws-cn:iam::{OTHER}:role/reader",
        "partition": "amazonaws.com.cn",
        "region": "cn-northwest-1",
    }


def test_a_provider_whose_inputs_contradict_each_other_fails_naming_it() -> None:
    def body() -> None:
        deployer = aws.ProviderAssumeRoleArgs(role_arn=f"arn:aws:iam::{OTHER}:role/Deployer")
        aws.Provider("p", assume_roles=[deployer], allowed_account_ids=["444477778888"])

    found = pulumi_run(body, mocks=CrossAccountMocks(), expect_error=True)
    assert str(found.error) == (
        "provider 'p': account 444466667777 is not in its allowedAccountIds ['444477778888'] "
        "(give its account in provider_accounts)"
    )


def test_a_provider_assuming_something_that_is_not_a_role_fails_naming_it() -> None:
    def body() -> None:
        aws.Provider("p", assume_roles=[aws.ProviderAssumeRoleArgs(role_arn="arn:aws:iam::1234:user/x")])

    found = pulumi_run(body, mocks=CrossAccountMocks(), expect_error=True)
    assert (
        str(found.error)
        == "provider 'p': assumeRoles roleArn 'arn:aws:iam::1234:user/x' is not an IAM role ARN"
    )


def test_a_provider_allowing_several_accounts_but_not_the_mocks_account_fails_naming_it() -> None:
    def body() -> None:
        aws.Provider("p", allowed_account_ids=[OTHER, "444477778888"])

    found = pulumi_run(body, mocks=CrossAccountMocks(), expect_error=True)
    assert str(found.error) == (
        "provider 'p': account 111122223333 is not in its allowedAccountIds ['444466667777', '444477778888'] "
        "(give its account in provider_accounts)"
    )


# -- invokes --------------------------------------------------------------------------


def answer(mocks: CrossAccountMocks, token: str, **args: Any) -> dict[str, Any]:
    """What the mocks answer to one invoke through the default provider, as the engine receives it."""
    result, failures = mocks.call(pulumi.runtime.MockCallArgs(token, args, ""))
    assert failures == []
    return result


@pytest.mark.parametrize(
    ("partition", "dns_suffix", "reverse_dns_prefix"),
    [
        ("aws", "amazonaws.com", "com.amazonaws"),
        ("aws-cn", "amazonaws.com.cn", "cn.com.amazonaws"),
        ("aws-us-gov", "amazonaws.com", "com.amazonaws"),
    ],
)
def test_get_partition_answers_for_the_partition(
    partition: str, dns_suffix: str, reverse_dns_prefix: str
) -> None:
    assert answer(CrossAccountMocks(partition=partition), PARTITION) == {
        "partition": partition,
        "dnsSuffix": dns_suffix,
        "reverseDnsPrefix": reverse_dns_prefix,
        "id": partition,
    }


def test_a_program_reads_the_partition_through_the_aws_sdk() -> None:
    def body() -> dict[str, Any]:
        found = aws.get_partition_output()
        return {"partition": found.partition, "dns_suffix": found.dns_suffix}

    assert run(body, CrossAccountMocks(partition="aws-cn")).outputs == {
        "partition": "aws-cn",
        "dns_suffix": "amazonaws.com.cn",
    }


def test_get_caller_identity_answers_with_a_deployer_or_the_assumed_role() -> None:
    def body() -> dict[str, Any]:
        deployer = aws.ProviderAssumeRoleArgs(
            role_arn=f"arn:aws:iam::{OTHER}:role/ci/Deployer", session_name="ci"
        )
        provider = aws.Provider("ci", assume_roles=[deployer])
        default = aws.get_caller_identity_output()
        assumed = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=provider))
        return {
            "default": [default.account_id, default.arn, default.user_id, default.id],
            "assumed": [assumed.account_id, assumed.arn, assumed.user_id, assumed.id],
        }

    assert run(body).outputs == {
        "default": [
            "111122223333",
            "arn:aws:iam::111122223333:user/deployer",
            unique_id("AIDA", "arn:aws:iam::111122223333:user/deployer"),
            "111122223333",
        ],
        "assumed": [
            OTHER,
            f"arn:aws:sts::{OTHER}:assumed-role/Deployer/ci",
            unique_id("AROA", f"arn:aws:iam::{OTHER}:role/ci/Deployer") + ":ci",
            OTHER,
        ],
    }


def test_get_region_answers_with_the_mocks_region_or_the_one_asked_for() -> None:
    mocks = CrossAccountMocks(region="us-west-2")
    assert answer(mocks, REGION) == {
        "name": "us-west-2",
        "region": "us-west-2",
        "id": "us-west-2",
        "description": "US West (Oregon)",
        "endpoint": "ec2.us-west-2.amazonaws.com",
    }
    assert answer(mocks, REGION, region="eu-west-1")["region"] == "eu-west-1"

    def body() -> dict[str, Any]:
        return {
            "default": aws.get_region_output().region,
            "asked": aws.get_region_output(region="eu-west-1").region,
        }

    assert run(body, mocks).outputs == {"default": "us-west-2", "asked": "eu-west-1"}


def test_the_organization_invoke_lists_the_accounts_of_the_unit() -> None:
    mocks = CrossAccountMocks(organization_accounts={"ou-ab12-cdefgh34": [OTHER, "444477778888"]})

    def body() -> dict[str, Any]:
        found = aws.organizations.get_organizational_unit_descendant_accounts_output(
            parent_id="ou-ab12-cdefgh34"
        )
        return {"id": found.id, "accounts": found.accounts}

    found = run(body, mocks).outputs
    # The organization's id ("o-" and 10 of a-z, 2-7) derives from the management account.
    organization = "o-" + base64.b32encode(hashlib.sha256(b"111122223333").digest()).decode()[:10].lower()
    assert found["id"] == "ou-ab12-cdefgh34"
    assert found["accounts"] == [
        {
            "id": account,
            "arn": f"arn:aws:organizations::111122223333:account/{organization}/{account}",
            "name": f"account-{account}",
            "email": f"aws+{account}@example.com",
            "status": "ACTIVE",
            "state": "ACTIVE",
            "joined_method": "CREATED",
            "joined_timestamp": CREATE_DATE,
        }
        for account in (OTHER, "444477778888")
    ]
    assert mocks.invokes == [DESCENDANTS]


def test_the_organization_invoke_fails_for_a_unit_it_was_not_given() -> None:
    def body() -> dict[str, Any]:
        found = aws.organizations.get_organizational_unit_descendant_accounts_output(
            parent_id="ou-none-00000000"
        )
        return {"id": found.id}

    found = pulumi_run(
        body,
        mocks=CrossAccountMocks(organization_accounts={"ou-ab12-cdefgh34": [OTHER]}),
        expect_error=True,
    )
    assert str(found.error) == (
        "getOrganizationalUnitDescendantAccounts: parentId 'ou-none-00000000' is not an organizational unit "
        "of these mocks (organization_accounts has ['ou-ab12-cdefgh34'])"
    )


def test_any_other_invoke_fails_naming_it_and_is_recorded() -> None:
    mocks = CrossAccountMocks()

    def body() -> dict[str, Any]:
        return {"zones": aws.get_availability_zones_output().names}

    found = pulumi_run(body, mocks=mocks, expect_error=True)
    assert str(found.error) == (
        "CrossAccountMocks does not answer the invoke aws:index/getAvailabilityZones:getAvailabilityZones: "
        f"it answers {PARTITION}, {CALLER}, {REGION}, {DESCENDANTS}, {DESCENDANT_UNITS}, {GET_POLICY} (subclass it and extend call() "
        "for more)"
    )
    assert mocks.invokes == ["aws:index/getAvailabilityZones:getAvailabilityZones"]


def test_get_policy_answers_the_given_document_else_the_placeholder() -> None:
    """The program reads each customer-managed policy a role gets (the audit's baseline)."""
    team = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    mocks = CrossAccountMocks(policy_documents={"arn:aws:iam::111122223333:policy/team": team})

    def body() -> dict[str, Any]:
        return {
            "team": aws.iam.get_policy(arn="arn:aws:iam::111122223333:policy/team").policy,
            "other": aws.iam.get_policy(arn="arn:aws:iam::111122223333:policy/other").policy,
        }

    found = pulumi_run(body, mocks=mocks)
    assert json.loads(found.outputs["team"]) == team
    assert json.loads(found.outputs["other"]) == MOCK_POLICY_DOCUMENT
    assert mocks.invokes == [GET_POLICY, GET_POLICY]


def test_the_invokes_the_components_make_are_recorded_in_order() -> None:
    mocks = CrossAccountMocks()

    def body() -> dict[str, Any]:
        role = TrustingAccountRole("audit", {"trusted_account_ids": ["444455556666"], "require_mfa": True})
        access = TrustedAccountAccess(
            "audit",
            {"role_arns": [role.role_arn], "user_names": ["alice"], "role_requires_mfa": role.mfa_required},
        )
        return {"config": access.aws_cli_config}

    found = run(body, mocks)
    assert "mfa_serial = arn:aws:iam::111122223333:mfa/" in found.outputs["config"]
    assert mocks.invokes == [PARTITION, CALLER, CALLER]


# -- stack references -----------------------------------------------------------------


def test_a_stack_reference_returns_the_outputs_given_for_that_stack() -> None:
    role_arn = "arn:aws:iam::111122223333:role/reader"
    mocks = CrossAccountMocks(stack_outputs={"organization/project/trusting": {"roleArn": role_arn}})

    def body() -> dict[str, Any]:
        reference = pulumi.StackReference("organization/project/trusting")
        return {"outputs": reference.outputs, "roleArn": reference.get_output("roleArn")}

    assert run(body, mocks).outputs == {"outputs": {"roleArn": role_arn}, "roleArn": role_arn}
    assert mocks.stack_references == ["organization/project/trusting"]


def test_a_reference_to_a_stack_without_outputs_fails_as_the_engine_does() -> None:
    def body() -> dict[str, Any]:
        return {"outputs": pulumi.StackReference("organization/project/nope").outputs}

    found = pulumi_run(body, mocks=CrossAccountMocks(stack_outputs={}), expect_error=True)
    assert str(found.error) == 'unknown stack "organization/project/nope"'


# -- construction -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"account_id": "12345"}, "account_id: '12345' is not a 12-digit AWS account id"),
        ({"partition": "aws-iso"}, "partition: 'aws-iso' is not one of aws, aws-cn, aws-us-gov"),
        (
            {"partition": "aws-cn", "region": "us-east-1"},
            "region: 'us-east-1' is not a region of partition 'aws-cn'",
        ),
        ({"region": "Mars"}, "region: 'Mars' is not an AWS region name such as us-east-1"),
        (
            {"organization_accounts": {"ou-1": ["1"]}},
            "organization_accounts['ou-1']: '1' is not a 12-digit AWS account id",
        ),
        ({"provider_accounts": {"p": "x"}}, "provider_accounts['p']: 'x' is not a 12-digit AWS account id"),
    ],
)
def test_bad_mocks_arguments_fail_naming_the_argument(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        CrossAccountMocks(**kwargs)


def test_the_default_region_is_the_partitions_first() -> None:
    regions = [CrossAccountMocks(partition=p).region for p in ("aws", "aws-cn", "aws-us-gov")]
    assert regions == ["us-east-1", "cn-north-1", "us-gov-west-1"]


def test_the_module_exports_its_api_and_imports_without_pytest() -> None:
    probe = textwrap.dedent(
        """
        import sys
        import cross_account.testing as testing
        print(sorted(testing.__all__), "pytest" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60, cwd=ROOT
    )
    assert result.stdout == "['CREATE_DATE', 'CrossAccountMocks'] False\n"


def test_the_readme_example_passes_as_a_consumers_test_and_fails_when_the_arn_differs(tmp_path: Any) -> None:
    readme = (ROOT / "components" / "README.md").read_text()
    example = readme.split("```python\n")[2].split("```")[0]
    expected = '"arn:aws:iam::111122223333:role/auditor"'
    assert "CrossAccountMocks" in example and "@pulumi.runtime.test" in example and expected in example
    (tmp_path / "test_readme.py").write_text(example)
    (tmp_path / "test_readme_other_account.py").write_text(
        example.replace("111122223333:role", "999999999999:role")
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "test_readme.py",
            "test_readme_other_account.py",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert "FAILED test_readme_other_account.py::" in result.stdout, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("1 failed, 1 passed"), result.stdout + result.stderr
