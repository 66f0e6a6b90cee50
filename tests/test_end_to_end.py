"""End to end: the real program, both stacks, provisioned into the moto AWS emulator.

The trusting stack runs first, in account 111122223333; the trusted stack runs
second, in account 444455556666, and its StackReference returns the trusting
run's real outputs. Both use the committed stack files. Then, with IAM
authentication on, the people of the scenario act with their own keys:

- alice (the user the policy is attached to) and bob (a member of the
  attached group) assume the role and read S3 in the trusting account, and are
  denied S3 writes and IAM calls there;
- carol (trusted account, no policy) is denied sts:AssumeRole, and alice is
  denied a role of the trusting account that the policy does not name;
- mallory (another account, allowed sts:AssumeRole on anything by her own
  policy) is denied by the role's trust policy;
- dave assumes a second role, made for CI callers (session tags, a source
  identity allowed, an end date), tagging his session and setting a source
  identity; after the end date, and on a role without session tags, the trust
  policy refuses the same call.

moto checks the identity side and the session's permissions; it does not
evaluate trust policies across accounts, nor their conditions, so ``assume_role_as``
(tests/emulator.py) checks the trust side with a small evaluator before calling moto,
with the request's context (time, session name, source identity, the actions a
tagged or identified session needs).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pulumi_aws as aws
import pytest
from botocore.exceptions import ClientError
from conftest import (
    ORGANIZATION,
    PROJECT,
    TRUSTED_ACCOUNT,
    TRUSTING_ACCOUNT,
    Run,
    pulumi_run,
    run_main,
    stack_file_config,
)
from emulator import (
    EmulatorMocks,
    UnknownResourceTypeError,
    account_session,
    as_deployers,
    assume_role_as,
    aws_managed_policies,
    deployer_session,
    key_session,
    trust_allows,
    trust_policy_of,
)
from moto.core import enable_iam_authentication

OUTSIDER_ACCOUNT = "444466667777"
ROLE_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/my-s3-x-account-role"
POLICY_ARN = f"arn:aws:iam::{TRUSTED_ACCOUNT}:policy/my-s3-x-account-policy"
OTHER_ROLE = "other-team-role"
BUCKET = "trusting-reports"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


@dataclass
class World:
    """The emulator after both stacks ran: the runs and everyone's access keys."""

    trusting: Run
    trusted: Run
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    mocks: dict[str, EmulatorMocks] = field(default_factory=dict)

    def session(self, person: str) -> boto3.Session:
        return key_session(self.keys[person])


def _user_with_key(iam: Any, name: str, groups: tuple[str, ...] = ()) -> dict[str, str]:
    iam.create_user(UserName=name)
    for group in groups:
        iam.add_user_to_group(GroupName=group, UserName=name)
    return dict(iam.create_access_key(UserName=name)["AccessKey"])


def _seed() -> dict[str, dict[str, str]]:
    """What exists before `pulumi up`: people, a bucket with data, and a role the policy does not name."""
    trusted = account_session(TRUSTED_ACCOUNT).client("iam")
    trusted.create_group(GroupName="s3-readers")
    keys = {
        "alice": _user_with_key(trusted, "alice"),
        "bob": _user_with_key(trusted, "bob", groups=("s3-readers",)),
        "carol": _user_with_key(trusted, "carol"),
    }
    outsider = account_session(OUTSIDER_ACCOUNT).client("iam")
    keys["mallory"] = _user_with_key(outsider, "mallory")
    outsider.put_user_policy(
        UserName="mallory",
        PolicyName="assume-anything",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    trusting = account_session(TRUSTING_ACCOUNT)
    s3 = trusting.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="q1.csv", Body=b"region,total\neu,42\n")
    iam = trusting.client("iam")
    iam.create_role(
        RoleName=OTHER_ROLE,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    iam.attach_role_policy(RoleName=OTHER_ROLE, PolicyArn=S3_READ_ONLY)
    return keys


@pytest.fixture(scope="module")
def emulator() -> Iterator[None]:
    """One in-process moto for the module, AWS managed policies loaded once, in the trusting account."""
    with aws_managed_policies(TRUSTING_ACCOUNT):
        yield


@pytest.fixture(scope="module")
def world(emulator: None) -> World:
    keys = _seed()
    trusting_config, trusted_config = stack_file_config("trusting"), stack_file_config("trusted")
    trusting_deployer = deployer_session(TRUSTING_ACCOUNT, "trusting", trusting_config)
    trusted_deployer = deployer_session(TRUSTED_ACCOUNT, "trusted", trusted_config)
    trusting_mocks = EmulatorMocks(TRUSTING_ACCOUNT, session=trusting_deployer)
    reference = f"{ORGANIZATION}/{PROJECT}/trusting"
    with as_deployers():  # each stack deployed by a user holding only its generated deployer policy
        trusting = run_main(stack="trusting", config=trusting_config, mocks=trusting_mocks)
        trusted_mocks = EmulatorMocks(
            TRUSTED_ACCOUNT, stack_outputs={reference: trusting.outputs}, session=trusted_deployer
        )
        trusted = run_main(stack="trusted", config=trusted_config, mocks=trusted_mocks)
    return World(trusting, trusted, keys, {"trusting": trusting_mocks, "trusted": trusted_mocks})


@pytest.fixture
def iam_auth(world: World) -> Iterator[None]:
    """IAM authentication on: every call is signed with, and authorized for, the caller's own keys."""
    with enable_iam_authentication():
        yield


def _denied(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDenied", f"expected AccessDenied, got {error}"
    return str(error.get("Message", ""))


# What the two runs created -------------------------------------------------


@pytest.mark.e2e
def test_the_trusting_run_creates_the_role_in_the_trusting_account(world: World) -> None:
    assert world.trusting.outputs["roleArn"] == ROLE_ARN
    assert world.trusting.outputs["switchRoleUrl"] == (
        "https://signin.aws.amazon.com/switchrole?account=111122223333"
        "&roleName=my-s3-x-account-role&displayName=my-s3-x-account-role%40111122223333"
    )
    assert world.mocks["trusting"].created == [
        ("aws:iam/role:Role", "my-s3-x-account-role"),
        (
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            f"my-s3-x-account-role/{S3_READ_ONLY}",
        ),
    ]
    assert trust_policy_of(ROLE_ARN) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustedAccountsMayAssume",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }, "the role must trust exactly the trusted account"
    iam = account_session(TRUSTING_ACCOUNT).client("iam")
    attached = iam.list_attached_role_policies(RoleName="my-s3-x-account-role")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [S3_READ_ONLY]
    assert iam.list_role_policies(RoleName="my-s3-x-account-role")["PolicyNames"] == []


@pytest.mark.e2e
def test_the_trusted_run_reads_the_role_arn_and_attaches_the_policy_to_the_user_and_the_group(
    world: World,
) -> None:
    assert world.trusted.outputs["roleArns"] == [ROLE_ARN]
    assert world.trusted.outputs["policyArn"] == POLICY_ARN
    assert world.trusted.outputs["awsCliConfig"] == (
        f"[profile my-s3-x-account-role-111122223333]\nrole_arn = {ROLE_ARN}\nsource_profile = default\n"
    )
    iam = account_session(TRUSTED_ACCOUNT).client("iam")
    version = iam.get_policy(PolicyArn=POLICY_ARN)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId=version)["PolicyVersion"]["Document"]
    assert (json.loads(document) if isinstance(document, str) else document) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeCrossAccountRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": ROLE_ARN,
            }
        ],
    }
    user = iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
    group = iam.list_attached_group_policies(GroupName="s3-readers")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in user] == [POLICY_ARN]
    assert [p["PolicyArn"] for p in group] == [POLICY_ARN]
    for other in ("bob", "carol"):
        assert iam.list_attached_user_policies(UserName=other)["AttachedPolicies"] == []


# What the people can do, IAM authentication on ------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("person", ["alice", "bob"], ids=["attached-user", "member-of-attached-group"])
def test_the_trusted_person_assumes_the_role_and_reads_s3_in_the_trusting_account(
    world: World, iam_auth: None, person: str
) -> None:
    session = key_session(assume_role_as(world.session(person), ROLE_ARN))
    identity = session.client("sts").get_caller_identity()
    assert identity["Account"] == TRUSTING_ACCOUNT
    assert identity["Arn"] == f"arn:aws:sts::{TRUSTING_ACCOUNT}:assumed-role/my-s3-x-account-role/e2e"
    s3 = session.client("s3")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET], "the trusting account's buckets"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["q1.csv"]
    assert s3.get_object(Bucket=BUCKET, Key="q1.csv")["Body"].read() == b"region,total\neu,42\n"


@pytest.mark.e2e
@pytest.mark.parametrize("person", ["alice", "bob"], ids=["attached-user", "member-of-attached-group"])
def test_the_session_is_denied_s3_writes_and_iam_calls(world: World, iam_auth: None, person: str) -> None:
    session = key_session(assume_role_as(world.session(person), ROLE_ARN))
    s3, iam = session.client("s3"), session.client("iam")
    _denied(lambda: s3.put_object(Bucket=BUCKET, Key="new.csv", Body=b"x"))
    _denied(lambda: s3.delete_object(Bucket=BUCKET, Key="q1.csv"))
    _denied(lambda: s3.create_bucket(Bucket="another-bucket"))
    assert "iam:ListRoles" in _denied(iam.list_roles)
    assert "iam:CreateUser" in _denied(lambda: iam.create_user(UserName="intruder"))


@pytest.mark.e2e
def test_a_trusted_account_user_without_the_policy_is_denied_assume_role(
    world: World, iam_auth: None
) -> None:
    assert trust_allows(trust_policy_of(ROLE_ARN), f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/carol"), (
        "the trust policy trusts carol's account: the denial must come from her missing policy"
    )
    message = _denied(lambda: assume_role_as(world.session("carol"), ROLE_ARN))
    assert message == (
        f"User: arn:aws:iam::{TRUSTED_ACCOUNT}:user/carol is not authorized to perform: sts:AssumeRole"
    )


@pytest.mark.e2e
def test_the_attached_user_is_denied_a_role_the_policy_does_not_name(world: World, iam_auth: None) -> None:
    other_role = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/{OTHER_ROLE}"
    assert trust_allows(trust_policy_of(other_role), f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/alice")
    message = _denied(lambda: assume_role_as(world.session("alice"), other_role))
    assert message == (
        f"User: arn:aws:iam::{TRUSTED_ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRole"
    )


@pytest.mark.e2e
def test_a_principal_of_another_account_is_denied_by_the_trust_policy(world: World, iam_auth: None) -> None:
    message = _denied(lambda: assume_role_as(world.session("mallory"), ROLE_ARN))
    assert message == (
        f"arn:aws:iam::{OUTSIDER_ACCOUNT}:user/mallory is not trusted by the trust policy of {ROLE_ARN} "
        "for sts:AssumeRole"
    )


# Today's callers: a CI role, a group the stack makes, an end date -----------------

CALLERS_POLICY_ARN = f"arn:aws:iam::{TRUSTED_ACCOUNT}:policy/release-assume-role"
CALLERS_END = "2099-01-01T00:00:00Z"


@dataclass
class Callers:
    """A second trusted stack (stack "callers"): a CI role and a group it makes, with an end date."""

    run: Run
    keys: dict[str, dict[str, str]]
    """People's access keys and role sessions' credentials, by name."""

    def session(self, who: str) -> boto3.Session:
        return key_session(self.keys[who])


def _role_session(iam: Any, sts: Any, name: str) -> dict[str, str]:
    """A role of the trusted account that the account may assume, and a session of it (auth off)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return dict(sts.assume_role(RoleArn=arn, RoleSessionName=f"{name}-job")["Credentials"])


@pytest.fixture(scope="module")
def callers(world: World) -> Callers:
    """The callers exist (grace already in another group); then the stack runs against the trusting run's outputs."""
    setup = account_session(TRUSTED_ACCOUNT)
    iam, sts = setup.client("iam"), setup.client("sts")
    iam.create_group(GroupName="on-call")
    keys = {
        "grace": _user_with_key(iam, "grace", groups=("on-call",)),
        "heidi": _user_with_key(iam, "heidi"),
        "ivan": _user_with_key(iam, "ivan"),
        "ci-deployer": _role_session(iam, sts, "ci-deployer"),
        "batch-job": _role_session(iam, sts, "batch-job"),
    }
    reference = f"{ORGANIZATION}/{PROJECT}/trusting"
    config = {
        "side": "trusted",
        "policyName": "release-assume-role",
        "roleNames": ["ci-deployer"],
        "newGroupName": "release-team",
        "newGroupMembers": ["grace", "heidi"],
        "expiresAt": CALLERS_END,
        "tags": {"team": "release"},
    }
    deployer = deployer_session(TRUSTED_ACCOUNT, "callers", config, user="callers-deployer")
    mocks = EmulatorMocks(
        TRUSTED_ACCOUNT, stack_outputs={reference: world.trusting.outputs}, session=deployer
    )
    with as_deployers():
        return Callers(run_main(stack="callers", config=config, mocks=mocks), keys)


@pytest.mark.e2e
def test_the_callers_run_makes_the_group_adds_its_members_and_attaches_the_policy_to_it_and_the_role(
    callers: Callers,
) -> None:
    iam = account_session(TRUSTED_ACCOUNT).client("iam")
    assert callers.run.outputs["policyArn"] == CALLERS_POLICY_ARN
    assert callers.run.outputs["principals"] == {
        "users": [],
        "groups": [],
        "roles": ["ci-deployer"],
        "newGroup": "release-team",
        "newGroupMembers": ["grace", "heidi"],
    }
    members = iam.get_group(GroupName="release-team")["Users"]
    assert sorted(u["UserName"] for u in members) == ["grace", "heidi"]
    assert sorted(g["GroupName"] for g in iam.list_groups_for_user(UserName="grace")["Groups"]) == [
        "on-call",
        "release-team",
    ], "grace keeps the group she was in"
    attached = {
        "release-team": iam.list_attached_group_policies(GroupName="release-team")["AttachedPolicies"],
        "ci-deployer": iam.list_attached_role_policies(RoleName="ci-deployer")["AttachedPolicies"],
        "batch-job": iam.list_attached_role_policies(RoleName="batch-job")["AttachedPolicies"],
    }
    assert {k: [p["PolicyArn"] for p in v] for k, v in attached.items()} == {
        "release-team": [CALLERS_POLICY_ARN],
        "ci-deployer": [CALLERS_POLICY_ARN],
        "batch-job": [],
    }
    version = iam.get_policy(PolicyArn=CALLERS_POLICY_ARN)["Policy"]["DefaultVersionId"]
    stored = iam.get_policy_version(PolicyArn=CALLERS_POLICY_ARN, VersionId=version)["PolicyVersion"]
    document = stored["Document"]
    assert (json.loads(document) if isinstance(document, str) else document) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeCrossAccountRolesUntil20990101000000",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": ROLE_ARN,
                "Condition": {"DateLessThan": {"aws:CurrentTime": CALLERS_END}},
            }
        ],
    }
    assert iam.list_policy_tags(PolicyArn=CALLERS_POLICY_ARN)["Tags"] == [{"Key": "team", "Value": "release"}]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("who", "caller"),
    [
        ("ci-deployer", f"arn:aws:sts::{TRUSTED_ACCOUNT}:assumed-role/ci-deployer/ci-deployer-job"),
        ("grace", f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/grace"),
        ("heidi", f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/heidi"),
    ],
    ids=["role-of-role-names", "member-of-the-new-group", "other-member-of-the-new-group"],
)
def test_the_ci_role_and_the_new_groups_members_assume_the_role_with_their_own_credentials(
    callers: Callers, iam_auth: None, who: str, caller: str
) -> None:
    own = callers.session(who)
    assert own.client("sts").get_caller_identity()["Arn"] == caller
    session = key_session(assume_role_as(own, ROLE_ARN, session_name=who))
    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{TRUSTING_ACCOUNT}:assumed-role/my-s3-x-account-role/{who}"
    assert [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]] == [BUCKET]
    _denied(lambda: session.client("s3").put_object(Bucket=BUCKET, Key="ci.txt", Body=b"x"))


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("who", "caller"),
    [
        ("ivan", f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/ivan"),
        ("batch-job", f"arn:aws:sts::{TRUSTED_ACCOUNT}:assumed-role/batch-job/batch-job-job"),
    ],
    ids=["user-without-the-policy", "role-not-in-role-names"],
)
def test_a_user_or_role_of_the_trusted_account_without_the_policy_is_refused(
    callers: Callers, iam_auth: None, who: str, caller: str
) -> None:
    assert trust_allows(trust_policy_of(ROLE_ARN), caller), "the trust policy lets the account in"
    message = _denied(lambda: assume_role_as(callers.session(who), ROLE_ARN))
    assert message == f"User: {caller} is not authorized to perform: sts:AssumeRole"


# The adapter itself ------------------------------------------------------------


def test_the_emulator_adapter_refuses_a_resource_type_it_does_not_map(emulator: None) -> None:
    def body() -> dict[str, Any]:
        user = aws.iam.User("stray", name="stray")
        return {"user": user.id}

    run = pulumi_run(body, mocks=EmulatorMocks(TRUSTING_ACCOUNT), expect_error=True)
    assert isinstance(run.error, UnknownResourceTypeError), repr(run.error)
    assert str(run.error).startswith("the emulator adapter does not map aws:iam/user:User (stray)")


def test_the_emulator_adapter_refuses_the_exclusive_group_membership(emulator: None) -> None:
    def body() -> dict[str, Any]:
        membership = aws.iam.GroupMembership("all-of-them", group="ops", users=["alice"])
        return {"membership": membership.id}

    run = pulumi_run(body, mocks=EmulatorMocks(TRUSTING_ACCOUNT), expect_error=True)
    assert isinstance(run.error, UnknownResourceTypeError), repr(run.error)
    assert str(run.error).startswith(
        "the emulator adapter does not map aws:iam/groupMembership:GroupMembership (all-of-them)"
    )


ACCOUNT_ROOT = {"AWS": "arn:aws:iam::444455556666:root"}
ALICE = "arn:aws:iam::444455556666:user/alice"


def _trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(
    ("document", "allowed"),
    [
        (_trust({"Effect": "Allow", "Principal": ACCOUNT_ROOT, "Action": "sts:AssumeRole"}), True),
        (_trust({"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole"}), True),
        (_trust({"Effect": "Allow", "Principal": {"AWS": [ALICE]}, "Action": ["sts:*"]}), True),
        (_trust({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*"}), True),
        (_trust({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}), False),
        (_trust({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:user/bob"}, "Action": "sts:AssumeRole"}), False),
        (_trust({"Effect": "Allow", "Principal": ACCOUNT_ROOT, "Action": "sts:TagSession"}), False),
        (_trust({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}), False),
        (
            _trust(
                {"Effect": "Allow", "Principal": ACCOUNT_ROOT, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"},
            ),
            False,
        ),
    ],
    ids=[
        "account-root", "bare-account-id", "exact-arn-and-action-wildcard", "anyone", "other-account",
        "other-user", "other-action", "service-principal", "deny-wins",
    ],
)  # fmt: skip
def test_the_trust_evaluator_follows_iam_rules_for_principals_actions_and_deny(
    document: dict[str, Any], allowed: bool
) -> None:
    assert trust_allows(document, ALICE) is allowed


def test_the_trust_evaluator_refuses_conditions_it_cannot_judge() -> None:
    document = _trust(
        {
            "Effect": "Allow",
            "Principal": ACCOUNT_ROOT,
            "Action": "sts:AssumeRole",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        }
    )
    with pytest.raises(NotImplementedError, match="does not evaluate conditions"):
        trust_allows(document, ALICE)
    with pytest.raises(NotImplementedError, match="does not evaluate the condition IpAddress aws:SourceIp"):
        trust_allows(document, ALICE, context={"aws:SourceIp": "203.0.113.7"})


@pytest.mark.parametrize(
    ("condition", "context", "allowed"),
    [
        ({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2026-12-31T23:59:59Z"}, True),
        ({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2027-01-01T00:00:00Z"}, False),
        ({"StringLike": {"sts:SourceIdentity": "${aws:username}"}}, {"sts:SourceIdentity": "alice", "aws:username": "alice"}, True),
        ({"StringLike": {"sts:SourceIdentity": "${aws:username}"}}, {"sts:SourceIdentity": "bob", "aws:username": "alice"}, False),
        ({"StringLike": {"sts:RoleSessionName": "${aws:username}"}}, {"aws:username": "alice"}, False),
        ({"Null": {"sts:SourceIdentity": "false"}}, {"sts:SourceIdentity": "alice"}, True),
        ({"Null": {"sts:SourceIdentity": "false"}}, {}, False),
    ],
    ids=["before-the-end", "at-the-end", "source-is-user", "source-is-other", "no-session-name", "source-set", "source-missing"],
)  # fmt: skip
def test_the_trust_evaluator_judges_the_conditions_the_program_writes_for_todays_callers(
    condition: dict[str, Any], context: dict[str, str], allowed: bool
) -> None:
    document = _trust(
        {"Effect": "Allow", "Principal": ACCOUNT_ROOT, "Action": "sts:AssumeRole", "Condition": condition}
    )
    assert trust_allows(document, ALICE, context=context) is allowed


# Today's callers: session tags, a source identity, an end date ----------------

CI_ROLE = "ci-access"
CI_ROLE_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/{CI_ROLE}"
END = "2099-12-31T23:59:59Z"


@pytest.fixture(scope="module")
def ci_world(world: World) -> World:
    """A second trusting stack in the emulator: session tags, source identity allowed, an end date; and dave,
    whose own policy lets him assume it (tagging the session and setting a source identity)."""
    config = {
        "trustedAccountIds": [TRUSTED_ACCOUNT],
        "roleName": CI_ROLE,
        "allowSessionTags": True,
        "sourceIdentity": "allowed",
        "expiresAt": END,
    }
    deployer = deployer_session(TRUSTING_ACCOUNT, "trusting", config, user="ci-access-deployer")
    with as_deployers():
        run_main(stack="trusting", config=config, mocks=EmulatorMocks(TRUSTING_ACCOUNT, session=deployer))
    trusted = account_session(TRUSTED_ACCOUNT).client("iam")
    world.keys["dave"] = _user_with_key(trusted, "dave")
    trusted.put_user_policy(
        UserName="dave",
        PolicyName="assume-ci-access",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                        "Resource": CI_ROLE_ARN,
                    }
                ],
            }
        ),
    )
    return world


@pytest.mark.e2e
def test_the_role_for_ci_trusts_tags_a_source_identity_and_ends_at_its_date(ci_world: World) -> None:
    assert trust_policy_of(CI_ROLE_ARN) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustedAccountsMayAssume",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"},
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                "Condition": {"DateLessThan": {"aws:CurrentTime": END}},
            }
        ],
    }


@pytest.mark.e2e
def test_a_caller_assumes_it_with_session_tags_and_a_source_identity_and_reads_s3(
    ci_world: World, iam_auth: None
) -> None:
    credentials = assume_role_as(
        ci_world.session("dave"),
        CI_ROLE_ARN,
        "dave",
        tags={"team": "ops", "pipeline": "deploy"},
        source_identity="dave",
    )
    session = key_session(credentials)
    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{TRUSTING_ACCOUNT}:assumed-role/{CI_ROLE}/dave"
    assert [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]] == [BUCKET]


@pytest.mark.e2e
def test_after_the_end_date_the_trust_policy_refuses_the_same_call(ci_world: World, iam_auth: None) -> None:
    message = _denied(
        lambda: assume_role_as(
            ci_world.session("dave"), CI_ROLE_ARN, "dave", tags={"team": "ops"}, now="2100-01-01T00:00:00Z"
        )
    )
    assert message.endswith(
        f"is not trusted by the trust policy of {CI_ROLE_ARN} for sts:AssumeRole, sts:TagSession"
    )


@pytest.mark.e2e
def test_a_role_without_session_tags_refuses_a_tagged_session(ci_world: World, iam_auth: None) -> None:
    message = _denied(lambda: assume_role_as(ci_world.session("alice"), ROLE_ARN, tags={"team": "ops"}))
    assert message == (
        f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/alice is not trusted by the trust policy of {ROLE_ARN} "
        "for sts:AssumeRole, sts:TagSession"
    )
