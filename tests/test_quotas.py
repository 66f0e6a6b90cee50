"""IAM quotas, checked before anything is registered: each limit at its boundary, both ways.

The numbers live in cross_account/limits.py; the warnings (console switch role)
are captured by replacing pulumi.log.warn for the run.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pulumi
import pytest
from conftest import ROOT, TRUSTED_ACCOUNT, RecordingMocks, Run, pulumi_run, run_failing, run_main

from cross_account import TrustingAccountRole, limits
from cross_account.documents import policy_size, trust_policy

ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY = "aws:iam/policy:Policy"
ACCOUNTS = {"trustedAccountIds": ["444455556666"]}


def last_line(error: BaseException | None) -> str:
    assert error is not None
    return str(error).splitlines()[-1].split("has risen: ")[-1]


def accounts(count: int) -> list[str]:
    return [f"{100000000000 + i}" for i in range(count)]


def test_the_quota_numbers_are_the_aws_defaults_and_maxima() -> None:
    """One place for the numbers (limits.py); a change here must be deliberate."""
    assert (limits.TRUST_POLICY_DEFAULT_MAX, limits.TRUST_POLICY_QUOTA_MAX) == (2048, 4096)
    assert limits.MANAGED_POLICY_MAX == 6144
    assert limits.INLINE_ROLE_POLICIES_MAX == 10240
    assert (limits.MANAGED_POLICIES_PER_ROLE_DEFAULT, limits.MANAGED_POLICIES_PER_ROLE_MAX) == (10, 20)
    assert (limits.ROLE_NAME_MAX, limits.PATH_MAX, limits.CONSOLE_SWITCH_ROLE_MAX) == (64, 512, 64)
    assert (limits.MIN_SESSION_SECONDS, limits.MAX_SESSION_SECONDS) == (3600, 43200)


# Trust policy size ------------------------------------------------------------


def test_policy_size_counts_characters_without_whitespace() -> None:
    document = trust_policy("aws", accounts(3), require_mfa=True)
    assert policy_size(document) == len(json.dumps(document, separators=(",", ":")))
    assert policy_size(document) < len(json.dumps(document)) < len(json.dumps(document, indent=2))


def over_quota(count: int, size: int, quota: int) -> str:
    """The trust size error. The program checks it with the stack's partition before registering anything."""
    raise_quota = (
        "raise the account's role trust policy quota (up to 4096) and trustPolicySizeLimit with it, or "
        if size <= limits.TRUST_POLICY_QUOTA_MAX
        else ""
    )
    return (
        f"trustedAccountIds: '<{count} accounts, 0 principal patterns>' makes a trust policy of {size} "
        f"characters, over the {quota}-character quota: {raise_quota}trust fewer accounts or principal "
        "patterns (for example one identity account that people sign in to, with organizationId to keep "
        "it inside your organization); organizationId adds a condition but cannot replace the account "
        "list, as the role never trusts a wildcard principal"
    )


def assert_refused_before_any_aws_resource(failed: Run, message: str) -> None:
    assert last_line(failed.error) == message
    assert str(failed.error).endswith(message)
    assert failed.aws_resources == []
    assert failed.registrations == [], "nothing is registered, not even the component"


def test_a_trust_policy_at_the_default_quota_builds_and_one_account_more_fails() -> None:
    fits = max(n for n in range(1, 100) if policy_size(trust_policy("aws", accounts(n))) <= 2048)
    size = policy_size(trust_policy("aws", accounts(fits)))
    run = run_main(stack="trusting", config={"trustedAccountIds": accounts(fits)})
    assert policy_size(json.loads(run.one(ROLE).inputs["assumeRolePolicy"])) == size <= 2048

    too_big = policy_size(trust_policy("aws", accounts(fits + 1)))
    failed = run_failing(stack="trusting", config={"trustedAccountIds": accounts(fits + 1)})
    assert_refused_before_any_aws_resource(failed, over_quota(fits + 1, too_big, 2048))


def test_a_raised_trust_policy_quota_is_used_to_the_character() -> None:
    count = 70
    size = policy_size(trust_policy("aws", accounts(count)))
    assert 2048 < size <= 4096
    run = run_main(
        stack="trusting", config={"trustedAccountIds": accounts(count), "trustPolicySizeLimit": size}
    )
    assert len(run.of_type(ROLE)) == 1
    failed = run_failing(
        stack="trusting", config={"trustedAccountIds": accounts(count), "trustPolicySizeLimit": size - 1}
    )
    assert_refused_before_any_aws_resource(failed, over_quota(count, size, size - 1))


def test_a_trust_policy_over_the_4096_maximum_is_told_to_trust_fewer_accounts() -> None:
    count = 130
    size = policy_size(trust_policy("aws", accounts(count)))
    assert size > 4096
    failed = run_failing(
        stack="trusting", config={"trustedAccountIds": accounts(count), "trustPolicySizeLimit": 4096}
    )
    assert_refused_before_any_aws_resource(failed, over_quota(count, size, 4096))


def test_the_size_is_counted_in_the_stacks_own_partition() -> None:
    """aws-us-gov ARNs are 7 characters longer each: a limit that fits in aws does not fit there."""
    count = 70
    aws_size = policy_size(trust_policy("aws", accounts(count)))
    gov_size = policy_size(trust_policy("aws-us-gov", accounts(count)))
    assert gov_size == aws_size + 7 * count
    failed = run_failing(
        stack="trusting",
        config={"trustedAccountIds": accounts(count), "trustPolicySizeLimit": aws_size},
        mocks=RecordingMocks(partition="aws-us-gov"),
    )
    assert_refused_before_any_aws_resource(failed, over_quota(count, gov_size, aws_size))


def test_account_ids_known_only_later_are_size_checked_when_they_resolve() -> None:
    def body() -> dict[str, Any]:
        role = TrustingAccountRole("acme", {"trusted_account_ids": pulumi.Output.from_input(accounts(62))})
        return {"role_arn": role.role_arn}

    size = policy_size(trust_policy("aws", accounts(62)))
    failed = pulumi_run(body, expect_error=True)
    in_arg_names = (
        over_quota(62, size, 2048)
        .replace("trustedAccountIds", "trusted_account_ids")
        .replace("trustPolicySizeLimit", "trust_policy_size_limit")
        .replace("organizationId", "organization_id")
    )
    assert last_line(failed.error) == in_arg_names
    assert failed.aws_resources == []


# Managed policies ----------------------------------------------------------------


def policy_arns(count: int) -> list[str]:
    return [f"arn:aws:iam::111122223333:policy/p{i:02d}" for i in range(count)]


def test_managed_policies_per_role_up_to_the_default_quota_attach() -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, "managedPolicyArns": policy_arns(10)})
    assert len(run.of_type(ATTACHMENT)) == 10


def test_a_raised_managed_policy_quota_allows_twenty_and_refuses_twenty_one() -> None:
    raised = {**ACCOUNTS, "managedPoliciesPerRoleLimit": 20}
    run = run_main(stack="trusting", config={**raised, "managedPolicyArns": policy_arns(20)})
    assert len(run.of_type(ATTACHMENT)) == 20
    failed = run_failing(stack="trusting", config={**raised, "managedPolicyArns": policy_arns(21)})
    assert str(failed.error) == (
        "managedPolicyArns: '<21 policies>' exceeds the managed-policies-per-role quota of 20 "
        "(raise the quota, up to 20, and managedPoliciesPerRoleLimit with it, or merge policies)"
    )
    assert failed.registrations == []


def test_assume_role_policies_never_exceed_the_managed_policy_document_quota() -> None:
    role_arns = [f"arn:aws:iam::{100000000000 + i}:role/teams/team-{i:03d}-reader" for i in range(250)]
    single = policy_size({"Version": "2012-10-17", "Statement": [{"Resource": role_arns}]})
    assert single > limits.MANAGED_POLICY_MAX, "one document could not hold them all"
    run = run_main(
        stack="trusted",
        config={"roleArns": role_arns, "userNames": ["alice"]},
        mocks=RecordingMocks(account_id=TRUSTED_ACCOUNT),
    )
    documents = [json.loads(p.inputs["policy"]) for p in run.of_type(POLICY)]
    assert len(documents) > 1
    assert max(policy_size(d) for d in documents) <= limits.MANAGED_POLICY_MAX
    assert sorted(a for d in documents for a in d["Statement"][0]["Resource"]) == sorted(role_arns)


# Names, paths, sessions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "fits", "too_long"),
    [
        ("roleName", "r" * 64, "r" * 65),
        ("rolePath", "/" + "p" * 510 + "/", "/" + "p" * 511 + "/"),
    ],
)
def test_role_name_and_path_lengths_at_their_quota(key: str, fits: str, too_long: str) -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, key: fits})
    assert run.one(ROLE).inputs[{"roleName": "name", "rolePath": "path"}[key]] == fits
    failed = run_failing(stack="trusting", config={**ACCOUNTS, key: too_long})
    assert str(failed.error).startswith(f"{key}: '{too_long}' is not an IAM ")
    assert failed.registrations == []


@pytest.mark.parametrize(("seconds", "ok"), [(3600, True), (43200, True), (3599, False), (43201, False)])
def test_session_duration_range(seconds: int, ok: bool) -> None:
    config = {**ACCOUNTS, "maxSessionDuration": seconds}
    if ok:
        assert run_main(stack="trusting", config=config).one(ROLE).inputs["maxSessionDuration"] == seconds
    else:
        failed = run_failing(stack="trusting", config=config)
        assert (
            str(failed.error) == f"maxSessionDuration: {seconds} is out of range: must be 3600..43200 seconds"
        )


# Console switch role: warnings, the role still works with STS ----------------------


def test_path_and_name_of_64_characters_fit_the_console(warnings_: list[str]) -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, "rolePath": "/abc/", "roleName": "r" * 60})
    assert len(run.of_type(ROLE)) == 1
    assert warnings_ == []


def test_path_and_name_over_64_characters_warn_that_the_console_link_will_not_work(
    warnings_: list[str],
) -> None:
    run = run_main(stack="trusting", config={**ACCOUNTS, "rolePath": "/abcd/", "roleName": "r" * 60})
    assert run.one(ROLE).inputs["path"] == "/abcd/", "the role is still made: STS and the CLI can use it"
    display = f"{'r' * 60}@111122223333"[:64]  # the console shows at most 64 characters
    assert run.outputs["switchRoleUrl"].endswith(f"roleName=abcd/{'r' * 60}&displayName={quote(display)}")
    assert warnings_ == [
        f"trusting: path + name 'abcd/{'r' * 60}' is 65 characters, over the console's 64: switch role "
        "with STS or the CLI; the switch-role link will not work"
    ]


def test_an_external_id_warns_that_the_console_link_cannot_be_used(warnings_: list[str]) -> None:
    run = run_main(
        stack="trusting", config={**ACCOUNTS, "externalId": "partner-7f3a"}, secret_keys=("externalId",)
    )
    assert run.outputs["externalIdRequired"] is True
    assert warnings_ == [
        "trusting: the role requires an external id, which the console's switch-role page cannot send: "
        "open the console with cross-account-console (the trusted stack's consoleCommandsByRoleArn), "
        "or use STS or the CLI profile; the switch-role link will not work"
    ]


def test_without_an_external_id_or_long_names_nothing_is_warned(warnings_: list[str]) -> None:
    run_main(stack="trusting", config=ACCOUNTS)
    assert warnings_ == []


def test_the_outputs_page_says_the_switch_role_link_does_not_work_with_an_external_id() -> None:
    page = (ROOT / "docs" / "outputs.md").read_text()
    outputs = page[page.index("<!-- section:outputs -->") : page.index("<!-- /section:outputs -->")]
    row = next(line for line in outputs.splitlines() if line.startswith("| trusting | `switchRoleUrl`"))
    assert "external id" in row and "STS" in row, row


def test_the_security_doc_quota_table_quotes_limits_py() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    table = text[text.index("<!-- quotas:begin -->") : text.index("<!-- quotas:end -->")]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| quota |")]
    assert len(rows) == 9
    tests_here = {name for name in globals() if name.startswith("test_")}
    for row in rows:
        number, constants = row.split(" | ")[1:3]
        names = re.findall(r"`([A-Z_]+)`", constants)
        assert names, row
        for name in names:
            assert f"{getattr(limits, name):,}" in number, (
                f"{name} = {getattr(limits, name)} is not in {row!r}"
            )
        for test_name in re.findall(r"`(test_\w+)`", row):
            assert test_name in tests_here, f"{test_name} is named in docs/security.md but not defined here"
