"""The typed specs (cross_account.specs): what each validator returns, key for key the component's Args,
and every default a field's docstring states is the default the validator applies."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from test_component_package import field_docstrings

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
