"""The typed specs (cross_account.specs): what each validator returns, key for key the component's Args,
and every default a field's docstring states is the default the validator applies."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from conftest import TRUSTED_ACCOUNT, RecordingMocks, run_main, stack_file_config
from test_component_package import field_docstrings

from cross_account import grants, role_checks
from cross_account.grants import validate_trusted_args
from cross_account.rollout import TrustingRoleRolloutArgs
from cross_account.spec_fields import field_names, values
from cross_account.specs import AccessSpec, RoleSpec, StackSetSpec
from cross_account.stackset import STACKSET_INPUTS, validate_stackset_args
from cross_account.trusted_args import TrustedAccountAccessArgs
from cross_account.trusting import TrustingAccountRoleArgs, validate_trusting_args

ROLE = values(validate_trusting_args({"trusted_account_ids": ["444455556666"]}))
ACCESS = values(
    validate_trusted_args({"role_arns": ["arn:aws:iam::111122223333:role/reader"], "user_names": ["alice"]})
)
STACKSET = values(validate_stackset_args({"organizational_unit_ids": ["ou-ab12-cdefgh34"]}))
DEFAULT_RE = re.compile(r'\bDefault (true|false|-?[0-9]+|"[^"<]*"|\[[^\]<]*\])[.;,)]', re.ASCII)
"""A default a docstring states as a literal: Default 3600. Default "/". Default ["AmazonS3ReadOnlyAccess"].
(A template such as "cross-account-access-<stack>" is no literal.)"""


@pytest.mark.parametrize(
    ("spec", "args", "checked"),
    [
        (RoleSpec, set(TrustingAccountRoleArgs.__annotations__), ROLE),
        (AccessSpec, set(TrustedAccountAccessArgs.__annotations__), ACCESS),
        (StackSetSpec, set(STACKSET_INPUTS), STACKSET),
    ],
    ids=["TrustingAccountRole", "TrustedAccountAccess", "stackset mode"],
)
def test_each_spec_has_exactly_the_inputs_of_its_args_and_the_validator_fills_every_one(
    spec: type, args: set[str], checked: dict[str, Any]
) -> None:
    assert set(field_names(spec)) == args
    assert set(checked) == args


def documented_defaults(cls: type) -> dict[str, Any]:
    found = {}
    for name, doc in field_docstrings(cls).items():
        match = DEFAULT_RE.search(doc)
        if match:
            found[name] = json.loads(match.group(1))
    return found


@pytest.mark.parametrize(
    ("args", "checked", "at_least"),
    [
        (TrustingAccountRoleArgs, ROLE, 8),
        (TrustedAccountAccessArgs, ACCESS, 5),
        (
            TrustingRoleRolloutArgs,
            {**ROLE, **STACKSET, "deployment_role_name": "OrganizationAccountAccessRole"},
            11,
        ),
    ],
    ids=["TrustingAccountRole", "TrustedAccountAccess", "TrustingRoleRollout"],
)
def test_every_default_a_docstring_states_is_the_one_the_validator_applies(
    args: type, checked: dict[str, Any], at_least: int
) -> None:
    stated = documented_defaults(args)
    assert len(stated) >= at_least, stated  # the pattern reads the docstrings (it cannot pass on none)
    applied = {name: json.loads(json.dumps(checked[name])) for name in stated}
    assert applied == stated


def test_every_config_key_of_a_component_input_defaults_to_what_the_validator_applies() -> None:
    """Pulumi.yaml's defaults (the program's KEYS, which tests/test_config_contract.py holds equal to it)
    are the specs' defaults: each default is written once, in limits.py, and read by both."""
    from program.settings import KEYS

    given = {"trusted_account_ids", "role_arns", "user_names", "organizational_unit_ids"}  # set by the test
    compared = 0
    for key in KEYS:
        if key.arg is None or key.arg in given:
            continue
        for side, checked in (("trusting", {**ROLE, **STACKSET}), ("trusted", ACCESS)):
            if key.side not in (side, "both") or key.arg not in checked or checked[key.arg] is None:
                continue
            applied = json.loads(json.dumps(checked[key.arg]))
            assert key.default == applied, (key.name, side, key.default, applied)
            compared += 1
    assert compared >= 30, compared


# Once per value: a stack parses its inputs once and checks its trust policy once -------------------


def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts each spec parsed and each trust policy checked, wherever the call comes from."""
    calls: Counter[str] = Counter()
    for module in (role_checks, grants):
        original = module.parse

        def parse(spec_type: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            calls[spec_type.__name__] += 1
            return _original(spec_type, *args, **kwargs)

        monkeypatch.setattr(module, "parse", parse)
    fits = role_checks._fits_the_quota

    def fits_the_quota(*args: Any) -> None:
        calls["checked_trust_policy"] += 1
        fits(*args)

    monkeypatch.setattr(role_checks, "_fits_the_quota", fits_the_quota)
    return calls


def test_a_plain_trusting_stack_parses_its_role_once_and_checks_its_trust_policy_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = counted(monkeypatch)
    run = run_main(stack="trusting", config=stack_file_config("trusting"))
    assert run.one("aws:iam/role:Role").inputs["name"] == "my-s3-x-account-role"
    assert dict(calls) == {"RoleSpec": 1, "checked_trust_policy": 1}


def test_a_trusted_stack_parses_its_access_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted(monkeypatch)
    mocks = RecordingMocks(
        account_id=TRUSTED_ACCOUNT,
        stack_outputs={
            "organization/cross-account-access/trusting": {
                "roleArn": "arn:aws:iam::111122223333:role/my-s3-x-account-role",
                "externalIdRequired": False,
                "mfaRequired": False,
            }
        },
    )
    run = run_main(stack="trusted", config=stack_file_config("trusted"), mocks=mocks)
    assert run.one("aws:iam/policy:Policy").inputs["name"] == "my-s3-x-account-policy"
    assert dict(calls) == {"AccessSpec": 1}
