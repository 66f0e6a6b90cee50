"""Scale: many role ARNs and trusting stacks on the trusted side, many accounts on the trusting side.

Sizes are checked against literal JSON templates of the documents (IAM counts
characters without whitespace), so a boundary here is the real quota's boundary.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from typing import Any

import pulumi
import pytest
from conftest import ROOT, SECRET_SIG, SIG_KEY, TRUSTED_ACCOUNT, RecordingMocks, Run, run_failing, run_main

from cross_account import InvalidInputError
from cross_account.documents import assume_role_policy, policy_size
from cross_account.trusted import check_policies_per_principal, split_role_arns
from cross_account.validation import ResolvedInputError

POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
FIRST_ACCOUNT = 100000000000
NAME = "cross-account-role"
NAME_ROOM = 64 - len(NAME)
"""Characters a role name may still grow by (role names are at most 64 characters)."""

ASSUME_TEMPLATE = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"AssumeCrossAccountRoles","Effect":"Allow",'
    '"Action":"sts:AssumeRole","Resource":[]}]}'
)
ASSUME_MFA_TEMPLATE = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"AssumeCrossAccountRoles","Effect":"Allow",'
    '"Action":"sts:AssumeRole","Resource":[],"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}'
)
TRUST_TEMPLATE = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"TrustedAccountsMayAssume","Effect":"Allow",'
    '"Principal":{"AWS":[]},"Action":"sts:AssumeRole"}]}'
)
TRUST_EXTERNAL_ID_TEMPLATE = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"TrustedAccountsMayAssume","Effect":"Allow",'
    '"Principal":{"AWS":[]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":""}}}]}'
)


def account(index: int) -> str:
    return f"{FIRST_ACCOUNT + index:012d}"


def role_arn(index: int, longer_by: int = 0) -> str:
    """A role ARN of 49 characters, plus ``longer_by`` (the role name grows)."""
    return f"arn:aws:iam::{account(index)}:role/{NAME}{'x' * longer_by}"


def stack(index: int) -> str:
    return f"organization/cross-account-access/trusting-{index:04d}"


def listed_size(items: list[str], template: str) -> int:
    """Characters of ``template`` with ``items`` as its (only) JSON list of strings."""
    return len(template) + sum(len(item) + 2 for item in items) + len(items) - 1


def arns_of_document_size(size: int, count: int, template: str = ASSUME_TEMPLATE) -> list[str]:
    """``count`` distinct role ARNs whose assume-role document is exactly ``size`` characters."""
    missing = size - listed_size([role_arn(i) for i in range(count)], template)
    assert 0 <= missing <= NAME_ROOM * count, "the sizes asked for cannot be built from these names"
    arns = []
    for index in range(count):
        grow = min(NAME_ROOM, missing)
        missing -= grow
        arns.append(role_arn(index, grow))
    assert listed_size(arns, template) == size
    return arns


def assume_document(arns: list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeCrossAccountRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": sorted(arns) if len(arns) > 1 else arns[0],
            }
        ],
    }


PER_POLICY = (6144 - len(ASSUME_TEMPLATE) + 1) // (49 + 3)
"""How many 49-character role ARNs one 6,144-character policy holds."""


def test_one_policy_holds_115_role_arns_of_49_characters() -> None:
    assert PER_POLICY == 115
    arns = [role_arn(i) for i in range(PER_POLICY + 1)]
    assert policy_size(assume_role_policy(arns[:PER_POLICY])) <= 6144 < policy_size(assume_role_policy(arns))
    assert split_role_arns(arns) == [tuple(arns[:PER_POLICY]), (arns[PER_POLICY],)]


# Splitting: the exact boundary ------------------------------------------------


@pytest.mark.parametrize(("require_mfa", "template"), [(False, ASSUME_TEMPLATE), (True, ASSUME_MFA_TEMPLATE)])
def test_a_document_of_exactly_6144_characters_is_one_policy_and_one_more_character_makes_two(
    require_mfa: bool, template: str
) -> None:
    arns = arns_of_document_size(6144, 100, template)
    assert policy_size(assume_role_policy(arns, require_mfa=require_mfa)) == 6144
    assert split_role_arns(arns, require_mfa=require_mfa) == [tuple(arns)]

    longer = [*arns[:-1], role_arn(99, 1)]
    assert policy_size(assume_role_policy(longer, require_mfa=require_mfa)) == 6145
    assert split_role_arns(longer, require_mfa=require_mfa) == [tuple(arns[:-1]), (role_arn(99, 1),)]


def run_role_arns(arns: list[str], **config: Any) -> Run:
    return run_main(
        stack="trusted",
        config={"roleArns": arns, "userNames": ["alice"], "groupNames": ["ops"], **config},
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT),
    )


def policy_arn(suffix: str = "") -> str:
    return f"arn:aws:iam::{TRUSTED_ACCOUNT}:policy/cross-account-assume-role{suffix}"


def test_the_program_makes_one_policy_of_exactly_6144_characters_and_exports_policy_arn() -> None:
    arns = arns_of_document_size(6144, 100)
    run = run_role_arns(arns)
    policy = run.one(POLICY)
    assert json.loads(policy.inputs["policy"]) == assume_document(arns)
    assert policy_size(json.loads(policy.inputs["policy"])) == 6144
    assert run.outputs["policyArn"] == policy_arn()
    assert run.outputs["policyArns"] == [policy_arn()]


def test_the_program_splits_a_document_one_character_over_into_two_policies_attached_to_everyone() -> None:
    arns = [*arns_of_document_size(6144, 100)[:-1], role_arn(99, 1)]
    run = run_role_arns(arns)
    policies = sorted(run.of_type(POLICY), key=lambda p: p.name)
    assert [(p.name, p.inputs["name"]) for p in policies] == [
        ("trusted-policy", "cross-account-assume-role"),
        ("trusted-policy-2", "cross-account-assume-role-2"),
    ]
    assert [json.loads(p.inputs["policy"]) for p in policies] == [
        assume_document(arns[:-1]),
        assume_document([role_arn(99, 1)]),
    ]
    attachments = {r.name: r.inputs for r in run.aws_resources if r.type != POLICY}
    assert attachments == {
        "trusted-user-alice": {"user": "alice", "policyArn": policy_arn()},
        "trusted-user-alice-2": {"user": "alice", "policyArn": policy_arn("-2")},
        "trusted-group-ops": {"group": "ops", "policyArn": policy_arn()},
        "trusted-group-ops-2": {"group": "ops", "policyArn": policy_arn("-2")},
    }
    assert run.outputs["policyArn"] is None, "policyArn is only set when one policy holds every role"
    assert run.outputs["policyArns"] == [policy_arn(), policy_arn("-2")]
    assert run.outputs["roleArns"] == arns


# Splitting: as few policies as the order allows, and stable ---------------------


def fewest_ordered_chunks(arns: list[str], max_size: int) -> int:
    """The fewest runs of consecutive ARNs whose documents each fit, by exhaustive dynamic programming."""
    best = [0] + [len(arns) + 1] * len(arns)
    for end in range(1, len(arns) + 1):
        for start in range(end):
            if policy_size(assume_role_policy(arns[start:end])) <= max_size:
                best[end] = min(best[end], best[start] + 1)
    return best[-1]


@pytest.mark.parametrize("seed", range(5))
def test_the_split_uses_as_few_policies_as_any_split_that_keeps_the_order(seed: int) -> None:
    rng = random.Random(seed)
    arns = [role_arn(i, rng.randrange(NAME_ROOM + 1)) for i in range(40)]
    chunks = split_role_arns(arns, max_size=600)
    assert [arn for chunk in chunks for arn in chunk] == arns, "every ARN, once, in order"
    assert all(policy_size(assume_role_policy(chunk)) <= 600 for chunk in chunks)
    assert len(chunks) == fewest_ordered_chunks(arns, 600)


@pytest.mark.parametrize("count", [150, 2 * PER_POLICY, 2 * PER_POLICY - 1])
def test_appending_an_arn_leaves_every_earlier_policy_unchanged(count: int) -> None:
    arns = [role_arn(i) for i in range(count)]
    before = split_role_arns(arns)
    after = split_role_arns([*arns, role_arn(count)])
    if len(before[-1]) < PER_POLICY:
        assert after == [*before[:-1], (*before[-1], role_arn(count))]
    else:
        assert after == [*before, (role_arn(count),)]


def test_inserting_an_arn_changes_only_the_policies_from_its_position_on() -> None:
    arns = [role_arn(i) for i in range(3 * PER_POLICY)]
    before = split_role_arns(arns)
    after = split_role_arns([*arns[: PER_POLICY + 5], role_arn(999), *arns[PER_POLICY + 5 :]])
    assert after[0] == before[0]
    assert after[1] != before[1]


def test_an_arn_too_long_for_any_policy_is_refused() -> None:
    with pytest.raises(InvalidInputError) as error:
        split_role_arns([role_arn(0), role_arn(1)], max_size=150)
    assert str(error.value) == (
        f"role_arns: '{role_arn(0)}' alone makes a policy over the 150-character quota"
    )


# Many trusting stacks through the real program ----------------------------------


def run_stacks(count: int, mocks: RecordingMocks | None = None) -> Run:
    stacks = [stack(i) for i in range(count)]
    outputs = {
        name: {"roleArn": role_arn(i), "externalIdRequired": False, "mfaRequired": False}
        for i, name in enumerate(stacks)
    }
    mocks = mocks or RecordingMocks(account_id=TRUSTED_ACCOUNT)
    mocks.stack_outputs = outputs
    return run_main(
        stack="trusted",
        config={"trustingStacks": stacks, "userNames": ["alice", "bob"], "groupNames": ["ops"]},
        mocks=mocks,
    )


def test_150_trusting_stacks_make_two_policies_each_attached_to_every_user_and_group() -> None:
    mocks = RecordingMocks(account_id=TRUSTED_ACCOUNT)
    run = run_stacks(150, mocks)
    assert sorted(mocks.stack_references) == [stack(i) for i in range(150)], "one read per stack"
    policies = sorted(run.of_type(POLICY), key=lambda p: p.name)
    assert [p.name for p in policies] == ["trusted-policy", "trusted-policy-2"]
    arns = [role_arn(i) for i in range(150)]
    assert [json.loads(p.inputs["policy"]) for p in policies] == [
        assume_document(arns[:PER_POLICY]),
        assume_document(arns[PER_POLICY:]),
    ]
    attachments = sorted((r.name, r.inputs["policyArn"]) for r in run.aws_resources if r.type != POLICY)
    assert attachments == sorted(
        (f"trusted-{kind}-{who}{suffix}", policy_arn(suffix))
        for kind, who in (("user", "alice"), ("user", "bob"), ("group", "ops"))
        for suffix in ("", "-2")
    )
    assert run.outputs["policyArn"] is None
    assert run.outputs["policyArns"] == [policy_arn(), policy_arn("-2")]
    assert run.outputs["roleArns"] == arns
    assert len(run.outputs["switchRoleUrls"]) == 150


def policy_inputs(run: Run) -> dict[str, str]:
    return {p.name: p.inputs["policy"] for p in run.of_type(POLICY)}


def test_adding_a_trusting_stack_at_the_end_keeps_every_resource_and_earlier_document() -> None:
    full = 2 * PER_POLICY
    before = run_stacks(full)
    after = run_stacks(full + 1)
    assert {r.urn for r in before.registrations} < {r.urn for r in after.registrations}
    assert policy_inputs(after) == {
        **policy_inputs(before),
        "trusted-policy-3": json.dumps(assume_document([role_arn(full)])),
    }, "the two full policies are byte-identical; the new stack gets a third"
    assert after.outputs["policyArns"] == [policy_arn(), policy_arn("-2"), policy_arn("-3")]


# The managed-policies-per-user/group limit ------------------------------------------


def root_error(error: BaseException | None) -> InvalidInputError:
    """The error an apply raised, under the SDK's 'While processing ...' wrappers (whose causes may loop)."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        if isinstance(current, InvalidInputError):
            return current
        if isinstance(current, ResolvedInputError):  # an apply's error, reported as one line
            return current.error
        seen.add(id(current))
        pending += [current.__cause__, current.__context__]
    raise AssertionError(f"the run did not fail with an InvalidInputError: {error!r}")


def test_more_policies_than_the_per_principal_limit_fail_before_any_aws_resource() -> None:
    run = run_failing(
        stack="trusted",
        config={"roleArns": [role_arn(i) for i in range(2 * PER_POLICY + 1)], "userNames": ["alice"]}
        | {"managedPoliciesPerPrincipalLimit": 2},
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT),
    )
    assert str(root_error(run.error)) == (
        "roleArns: '<231 role ARNs>' need 3 assume-role policies of at most 6144 characters, "
        "over managedPoliciesPerPrincipalLimit (2), the IAM quota on managed policies attached to "
        "one user, group or role: raise the quota (up to 20) and managedPoliciesPerPrincipalLimit with it, "
        "or give the roles to several IAM groups: split them across trusted stacks that each attach "
        "their policies to one group of groupNames, and add the users to those groups "
        "(a user may belong to 10 groups)"
    )
    assert run.aws_resources == []


def test_the_per_principal_limit_error_from_stack_references_fails_before_any_aws_resource() -> None:
    run = run_failing(
        stack="trusted",
        config={"trustingStacks": [stack(i) for i in range(PER_POLICY + 1)], "groupNames": ["ops"]}
        | {"managedPoliciesPerPrincipalLimit": 1},
        mocks=RecordingMocks(
            account_id=TRUSTED_ACCOUNT,
            stack_outputs={stack(i): {"roleArn": role_arn(i)} for i in range(PER_POLICY + 1)},
        ),
    )
    assert str(root_error(run.error)).startswith(
        "trustingStacks/roleArns: '<116 role ARNs>' need 2 assume-role policies of at most 6144 characters, "
        "over managedPoliciesPerPrincipalLimit (1)"
    )
    assert run.aws_resources == []


def test_the_default_limit_of_10_holds_1150_role_arns_and_not_one_more() -> None:
    check_policies_per_principal(1150, len(split_role_arns([role_arn(i) for i in range(1150)])), 10)
    with pytest.raises(InvalidInputError, match="need 11 assume-role policies"):
        check_policies_per_principal(1151, len(split_role_arns([role_arn(i) for i in range(1151)])), 10)


def test_beyond_20_policies_the_error_offers_groups_only() -> None:
    with pytest.raises(InvalidInputError) as error:
        check_policies_per_principal(2500, 22, 20)
    assert str(error.value) == (
        "role_arns: '<2500 role ARNs>' need 22 assume-role policies of at most 6144 characters, "
        "over managed_policies_per_principal_limit (20), the IAM quota on managed policies attached to "
        "one user, group or role: give the roles to several IAM groups: split them across trusted stacks "
        "that each attach their policies to one group of group_names, and add the users to those "
        "groups (a user may belong to 10 groups)"
    )


# The trusting side: the trust policy size quota ---------------------------------------


def trust_error(accounts: int, size: int, quota: int, raise_quota: bool = True) -> str:
    ways = (
        "raise the account's role trust policy quota (up to 4096) and trustPolicySizeLimit with it, or "
        if raise_quota
        else ""
    )
    return (
        f"trustedAccountIds: '<{accounts} accounts, 0 principal patterns>' makes a trust policy of "
        f"{size} characters, over the {quota}-character quota: {ways}trust fewer accounts or principal "
        "patterns (for example one identity account that people sign in to, with organizationId to "
        "keep it inside your organization); organizationId adds a condition but cannot replace the "
        "account list, as the role never trusts a wildcard principal"
    )


def principals(count: int) -> list[str]:
    return [f"arn:aws:iam::{account(i)}:root" for i in range(count)]


def test_a_trust_policy_of_exactly_2048_characters_is_registered_and_one_more_fails_first() -> None:
    accounts = [account(i) for i in range(50)]
    room = 2048 - listed_size(principals(50), TRUST_EXTERNAL_ID_TEMPLATE)
    fits = run_main(
        stack="trusting",
        config={"trustedAccountIds": accounts, "externalId": "e" * room},
        secret_keys=("externalId",),
    )
    document = json.loads(fits.one(ROLE).inputs["assumeRolePolicy"])
    assert document["Statement"][0]["Principal"] == {"AWS": principals(50)}
    assert policy_size(document) == 2048

    over = run_failing(
        stack="trusting",
        config={"trustedAccountIds": accounts, "externalId": "e" * (room + 1)},
        secret_keys=("externalId",),
    )
    assert str(root_error(over.error)) == trust_error(50, 2049, 2048)
    assert over.aws_resources == [], "nothing of AWS is registered"
    assert over.registrations == [], "nothing is registered, not even the component"


def test_100_accounts_need_the_raised_4096_quota() -> None:
    accounts = [account(i) for i in range(100)]
    size = listed_size(principals(100), TRUST_TEMPLATE)
    assert 2048 < size <= 4096
    over = run_failing(stack="trusting", config={"trustedAccountIds": accounts})
    assert str(root_error(over.error)) == trust_error(100, size, 2048)
    assert over.aws_resources == []

    raised = run_main(stack="trusting", config={"trustedAccountIds": accounts, "trustPolicySizeLimit": 4096})
    assert json.loads(raised.one(ROLE).inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustedAccountsMayAssume",
                "Effect": "Allow",
                "Principal": {"AWS": principals(100)},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def test_over_the_4096_maximum_the_error_does_not_offer_to_raise_the_quota() -> None:
    accounts = [account(i) for i in range(130)]
    size = listed_size(principals(130), TRUST_TEMPLATE)
    over = run_failing(stack="trusting", config={"trustedAccountIds": accounts, "trustPolicySizeLimit": 4096})
    assert str(root_error(over.error)) == trust_error(130, size, 4096, raise_quota=False)
    assert over.aws_resources == []


# Reading trusting stacks: one apply each, secrets as the stack marks them ---------------


class SecretOutputMocks(RecordingMocks):
    """Stack references whose listed outputs are secret, as the engine returns them."""

    def __init__(self, secret: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.secret = secret

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        name, state = super().new_resource(args)
        if args.typ == "pulumi:pulumi:StackReference":
            secret = self.secret.get(args.inputs["name"], [])
            state["outputs"] = {
                k: {SIG_KEY: SECRET_SIG, "value": v} if k in secret else v
                for k, v in state["outputs"].items()
            }
            state["secretOutputNames"] = secret
        return name, state


@pytest.mark.parametrize(
    ("secret", "role_arns_secret"),
    [({}, False), ({stack(0): ["token"]}, False), ({stack(1): ["roleArn"]}, True)],
)
def test_role_arns_read_from_stacks_are_secret_only_when_a_stack_marks_its_role_arn_secret(
    secret: dict[str, list[str]], role_arns_secret: bool
) -> None:
    outputs = {stack(i): {"roleArn": role_arn(i), "token": "t0ken"} for i in range(2)}
    run = run_main(
        stack="trusted",
        config={"trustingStacks": [stack(0), stack(1)], "userNames": ["alice"]},
        mocks=SecretOutputMocks(secret, account_id=TRUSTED_ACCOUNT, stack_outputs=outputs),
    )
    assert run.outputs["roleArns"] == [role_arn(0), role_arn(1)]
    assert ("roleArns" in run.secret_outputs) is role_arns_secret


@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)])
def test_the_flags_of_each_stack_reach_the_cli_profiles_of_its_own_roles(flags: tuple[bool, bool]) -> None:
    mfa, external_id = flags
    outputs = {
        stack(0): {"roleArn": role_arn(0), "externalIdRequired": False, "mfaRequired": mfa},
        stack(1): {"roleArn": role_arn(1), "externalIdRequired": external_id, "mfaRequired": False},
    }
    run = run_main(
        stack="trusted",
        config={"trustingStacks": [stack(0), stack(1)], "userNames": ["alice"]},
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT, stack_outputs=outputs),
    )
    extra = [
        "mfa_serial = arn:aws:iam::444455556666:mfa/<your-mfa-device-name>\n" if mfa else "",
        "external_id = <external-id-from-the-trusting-account>\n" if external_id else "",
    ]
    assert run.outputs["awsCliConfig"] == "\n".join(
        f"[profile {NAME}-{account(i)}]\nrole_arn = {role_arn(i)}\nsource_profile = default\n{extra[i]}"
        for i in range(2)
    )


# The benchmark's child still runs the real program ------------------------------------


def test_the_benchmark_runs_the_program_and_counts_what_it_registered() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--child", "stacks:120"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["types"] == {
        "pulumi:pulumi:StackReference": 120,
        "cross-account:index:TrustedAccountAccess": 1,
        "aws:iam/policy:Policy": 2,
        "aws:iam/userPolicyAttachment:UserPolicyAttachment": 2,
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": 2,
    }
    assert (report["resources"], report["policies"]) == (127, 2)


def test_the_stackset_benchmark_registers_three_resources_for_any_number_of_accounts() -> None:
    reports = []
    for count in (1, 300):
        result = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--child", f"rolloutStackSet:{count}"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        reports.append(json.loads(result.stdout.strip().splitlines()[-1]))
    for report in reports:
        assert report["types"] == {
            "cross-account:index:TrustingRoleRollout": 1,
            "aws:cloudformation/stackSet:StackSet": 1,
            "aws:cloudformation/stackSetInstance:StackSetInstance": 1,
        }
