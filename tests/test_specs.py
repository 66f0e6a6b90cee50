"""The typed specs (cross_account.specs): frozen dataclasses, field for field the component's Args, each
default a docstring states the field's default (and the one its rule applies), the config contract
generated from their fields; ``spec_fields.parse`` on a spec of its own; each value parsed once."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import FrozenInstanceError, dataclass, fields
from types import MappingProxyType
from typing import Any

import pulumi
import pytest
from conftest import (
    TRUSTED_ACCOUNT,
    TRUSTING_ACCOUNT,
    RecordingMocks,
    Run,
    pulumi_run,
    run_main,
    stack_file_config,
)
from test_component_package import field_docstrings

from cross_account import TrustingRoleRollout, grants, limits, role_checks, validation as check
from cross_account.documents import ROLE_LOGICAL_ID
from cross_account.grants import validate_trusted_args
from cross_account.rollout import ROLE_INPUTS, TrustingRoleRolloutArgs, validate_rollout_args
from cross_account.spec_fields import config_default, default_of, field_names, info, parse, spec_field, values
from cross_account.specs import AccessSpec, RoleSpec, RolloutSpec, StackSetSpec
from cross_account.stackset import STACKSET_INPUTS, validate_stackset_args
from cross_account.testing import CrossAccountMocks
from cross_account.trusted_args import TrustedAccountAccessArgs
from cross_account.trusting import TrustingAccountRoleArgs, validate_trusting_args
from cross_account.validation import InvalidInputError
from program.settings import (
    KEYS,
    NAMESPACE,
    StackSpec,
    TrustedStackSpec,
    parsed_config,
    read_config,
    rollout_rules,
    trusted_rules,
)

ROLE = values(validate_trusting_args({"trusted_account_ids": ["444455556666"]}))
ACCESS = values(
    validate_trusted_args({"role_arns": ["arn:aws:iam::111122223333:role/reader"], "user_names": ["alice"]})
)
STACKSET = values(validate_stackset_args({"organizational_unit_ids": ["ou-ab12-cdefgh34"]}))
DEFAULT_RE = re.compile(r'\bDefault (true|false|-?[0-9]+|"[^"<]*"|\[[^\]<]*\])(?:[.;,):]| \()', re.ASCII)
"""A default a docstring states as a literal: Default 3600. Default "/". Default ["AmazonS3ReadOnlyAccess"].
Default 100 (a note). Default false: a note.
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


SPECS_OF_ARGS = {
    "TrustingAccountRoleArgs": (RoleSpec,),
    "TrustedAccountAccessArgs": (AccessSpec,),
    "TrustingRoleRolloutArgs": (RoleSpec, StackSetSpec, StackSpec),
}
"""The specs whose fields hold the defaults of each Args (a rollout's own inputs: the program's StackSpec)."""


def field_defaults(*specs: type) -> dict[str, Any]:
    """Input name -> its field's default, as JSON writes it (a program spec's fields under the input they feed)."""
    found: dict[str, Any] = {}
    for spec in specs:
        for field in fields(spec):
            name = info(field).arg if spec is StackSpec else field.name
            default = default_of(field)
            if name is not None and default is not None:
                found[name] = json.loads(
                    json.dumps(dict(default) if isinstance(default, MappingProxyType) else default)
                )
    return found


@pytest.mark.parametrize(
    ("args", "at_least"),
    [(TrustingAccountRoleArgs, 8), (TrustedAccountAccessArgs, 5), (TrustingRoleRolloutArgs, 11)],
    ids=["TrustingAccountRole", "TrustedAccountAccess", "TrustingRoleRollout"],
)
def test_every_default_a_docstring_states_is_its_spec_fields_default(args: type, at_least: int) -> None:
    stated = documented_defaults(args)
    assert len(stated) >= at_least, stated
    defaults = field_defaults(*SPECS_OF_ARGS[args.__name__])
    assert {name: defaults.get(name) for name in stated} == stated


# The rollout's own inputs: RolloutSpec (its stackset-mode inputs a StackSetSpec in it) -------------

ROLLOUT_OWN = set(TrustingRoleRolloutArgs.__annotations__) - ROLE_INPUTS
"""TrustingRoleRollout's own inputs: those it does not forward to each account's role."""
ROLLOUT_BASE = {"trusted_account_ids": [TRUSTED_ACCOUNT], "target_account_ids": ["111122223333"]}


def test_the_rollout_spec_has_exactly_the_rollouts_own_inputs_and_its_stackset_inputs_in_a_stackset_spec() -> (
    None
):
    own = set(field_names(RolloutSpec)) - {"stackset", "secret_inputs"}
    assert own | set(field_names(StackSetSpec)) == ROLLOUT_OWN
    assert not own & set(field_names(StackSetSpec))
    # secret_inputs: forwarded (the role's names) and read by the rollout itself (its own names).
    assert "secret_inputs" in ROLE_INPUTS
    assert field_names(RolloutSpec) == (
        "secret_inputs",
        "target_account_ids",
        "rollout_mode",
        "deployment_role_name",
        "deployment_role_external_id",
        "stackset",
    )


def test_every_default_a_rollout_docstring_states_for_its_own_inputs_is_its_spec_fields_default() -> None:
    stated = {
        name: value
        for name, value in documented_defaults(TrustingRoleRolloutArgs).items()
        if name in ROLLOUT_OWN
    }
    assert stated == {
        "deployment_role_name": "OrganizationAccountAccessRole",
        "retain_stacks_on_account_removal": False,
        "max_concurrent_percentage": 100,
        "failure_tolerance_percentage": 10,
        "stack_set_recreate_roles": False,
    }
    assert {name: field_defaults(RolloutSpec, StackSetSpec).get(name) for name in stated} == stated
    assert default_of(next(f for f in fields(RolloutSpec) if f.name == "rollout_mode")) == "providers"


def test_validate_rollout_args_returns_the_rollout_specs_values_with_its_stackset_inputs_beside_them() -> (
    None
):
    providers, role = validate_rollout_args(ROLLOUT_BASE)
    assert providers == {
        "secret_inputs": (),
        "target_account_ids": ("111122223333",),
        "rollout_mode": "providers",
        "deployment_role_name": "OrganizationAccountAccessRole",
        "deployment_role_external_id": None,
    }
    assert role == {"trusted_account_ids": [TRUSTED_ACCOUNT]}
    unit = "ou-ab12-cdefgh34"
    stackset, _ = validate_rollout_args(
        {**ROLLOUT_BASE, "rollout_mode": "stackset", "organizational_unit_ids": [unit]}
    )
    assert stackset == {
        **providers,
        "rollout_mode": "stackset",
        **values(validate_stackset_args({"organizational_unit_ids": [unit]})),
    }
    assert stackset["organizational_unit_ids"] == (unit,)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"target_account_ids": None}, "target_account_ids: None is required"),
        (
            {"target_account_ids": ["111122223333", "111122223333"]},
            "target_account_ids: '111122223333' is listed twice: entries must be distinct",
        ),
        ({"rollout_mode": "StackSet"}, "rollout_mode: 'StackSet' must be one of providers, stackset"),
        (
            {"deployment_role_name": "deploy role"},
            "deployment_role_name: 'deploy role' is not an IAM role name (1-64 characters of ASCII letters, "
            "digits and +=,.@_-)",
        ),
        (
            {"deployment_role_external_id": "x"},
            "deployment_role_external_id: '<1 characters, hidden>' is not a valid external id: 2-1224 "
            "characters of ASCII letters, digits and +=,.@:/_-",
        ),
        (
            {"deployment_role_name": "Cross-Account-Role"},
            "role_name: 'cross-account-role' is also deployment_role_name ('Cross-Account-Role'), the role the "
            "rollout assumes in each target account to create the role there: IAM refuses a second role of "
            "that name (EntityAlreadyExists), and taking it over would put the deployers' own access in the "
            "stack; choose another role_name",
        ),
        (
            {"target_account_ids": [TRUSTED_ACCOUNT]},
            f"target_account_ids: '{TRUSTED_ACCOUNT}' is also in trusted_account_ids: a role that trusts the "
            "account it is in is not cross-account access (it lets in every principal of that account whose "
            "own policies allow sts:AssumeRole)",
        ),
    ],
    ids=[
        "targets-required",
        "targets-twice",
        "mode",
        "deployment-role",
        "deployment-external-id",
        "deployment-role-is-the-role",
        "target-trusted",
    ],
)
def test_a_refusal_through_the_rollout_spec_names_the_input(given: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_rollout_args({**ROLLOUT_BASE, **given})
    assert str(caught.value) == message


CONFIG_FREE_FIELDS = {
    "RoleSpec": {"secret_inputs"},
    "AccessSpec": {
        "secret_inputs",
        "role_arns",
        "role_requires_external_id",
        "role_requires_mfa",
        "role_requirements",
        "organizational_unit_grants",
    },
    "StackSetSpec": {
        "organizational_unit_ids",
        "exclude_account_ids",
        "management_account_id",
        "stack_set_name",
    },
}
"""The inputs no config key of their own sets, deliberately: secret_inputs (the program sets it from the
keys set with --secret), what the trusted stack reads from the trusting stacks (trustingStacks, roleArns,
trustOrganizationalUnitPaths), and what a rollout sets from targetOrganizationalUnitIds, excludeAccountIds
and AWS Organizations (the management account) or makes itself (the StackSet's name)."""


def test_every_spec_field_has_a_config_key_but_a_deliberate_few() -> None:
    keyless = {
        spec.__name__: {f.name for f in fields(spec) if info(f).key is None}
        for spec in (RoleSpec, AccessSpec, StackSetSpec)
    }
    assert keyless == CONFIG_FREE_FIELDS


def test_every_config_key_is_one_spec_field_with_the_fields_default() -> None:
    by_key: dict[str, list[Any]] = {}
    for spec in (StackSpec, StackSetSpec, RoleSpec, TrustedStackSpec, AccessSpec):
        for field in fields(spec):
            if info(field).key is not None:
                by_key.setdefault(str(info(field).key), []).append(field)
    assert sorted(by_key) == sorted(k.name for k in KEYS)
    for key in KEYS:
        declared = by_key[key.name]
        # requireMfa, tags and expiresAt: a field of each side, one key (side "both").
        assert len(declared) == (2 if key.name in ("requireMfa", "tags", "expiresAt") else 1), key.name
        assert (key.side == "both") == (len(declared) == 2 or key.name in ("side", "protect")), key.name
        for field in declared:
            assert key.default == config_default(field), key.name
            assert key.description == info(field).doc, key.name


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


ROLLOUT_TARGETS = ("444466667777", "444477778888", "555555555555")
ROLLOUT_UNIT = "ou-ab12-cdefgh34"


def rollout_mocks() -> CrossAccountMocks:
    return CrossAccountMocks(TRUSTING_ACCOUNT, organization_accounts={ROLLOUT_UNIT: list(ROLLOUT_TARGETS)})


def mfa_trust_policy(external_id: str | None = None) -> dict[str, Any]:
    """The trust policy every account's role had, each built by its own TrustingAccountRole (the document
    test_rollout.py asserts the MFA condition of, with the external id a test there passes)."""
    condition: dict[str, Any] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    if external_id is not None:
        condition["StringEquals"] = {"sts:ExternalId": external_id}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustedAccountsMayAssume",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        ],
    }


def test_a_providers_mode_rollout_stack_of_three_accounts_parses_its_role_once_and_checks_its_trust_policy_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = counted(monkeypatch)
    config = {
        "trustedAccountIds": [TRUSTED_ACCOUNT],
        "targetAccountIds": list(ROLLOUT_TARGETS),
        "requireMfa": True,
        "externalId": "partner-7f3a",
    }
    run = run_main(stack="trusting", config=config, secret_keys=("externalId",), mocks=rollout_mocks())
    roles = run.of_type("aws:iam/role:Role")
    assert sorted(r.name for r in roles) == sorted(f"trusting-{a}-role" for a in ROLLOUT_TARGETS)
    for role in roles:
        assert json.loads(role.inputs["assumeRolePolicy"]) == mfa_trust_policy("partner-7f3a"), role.name
    assert dict(calls) == {"RoleSpec": 1, "checked_trust_policy": 1}


def rollout_alone(trusted_late: bool, **inputs: Any) -> Run:
    """TrustingRoleRollout alone, for ROLLOUT_TARGETS, trusting TRUSTED_ACCOUNT with MFA; ``trusted_late``:
    the trusted accounts are an Output. Exports its role ARNs by account."""

    def body() -> dict[str, Any]:
        trusted = [TRUSTED_ACCOUNT]
        rollout = TrustingRoleRollout(
            "trusting",
            {
                "trusted_account_ids": pulumi.Output.from_input(trusted) if trusted_late else trusted,
                "target_account_ids": list(ROLLOUT_TARGETS),
                "require_mfa": True,
                **inputs,
            },
        )
        return {"arns": rollout.role_arns_by_account}

    return pulumi_run(body, mocks=rollout_mocks())


@pytest.mark.parametrize(
    "trusted_late", [False, True], ids=["trusted accounts known", "trusted accounts an output"]
)
def test_the_rollout_component_alone_parses_its_role_once_and_checks_its_trust_policy_once(
    monkeypatch: pytest.MonkeyPatch, trusted_late: bool
) -> None:
    calls = counted(monkeypatch)
    run = rollout_alone(trusted_late, external_id=pulumi.Output.secret("partner-7f3a"))
    assert run.outputs["arns"] == {a: f"arn:aws:iam::{a}:role/cross-account-role" for a in ROLLOUT_TARGETS}
    roles = run.of_type("aws:iam/role:Role")
    assert len(roles) == len(ROLLOUT_TARGETS)
    for role in roles:
        assert json.loads(role.inputs["assumeRolePolicy"]) == mfa_trust_policy("partner-7f3a"), role.name
    assert dict(calls) == {"RoleSpec": 1, "checked_trust_policy": 1}


def test_a_stackset_mode_rollout_stack_parses_its_role_once_and_checks_its_trust_policy_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = counted(monkeypatch)
    config = {
        "trustedAccountIds": [TRUSTED_ACCOUNT],
        "targetOrganizationalUnitIds": [ROLLOUT_UNIT],
        "rolloutMode": "stackset",
        "requireMfa": True,
    }
    run = run_main(stack="trusting", config=config, mocks=rollout_mocks())
    template = json.loads(run.one("aws:cloudformation/stackSet:StackSet").inputs["templateBody"])
    assert (
        template["Resources"][ROLE_LOGICAL_ID]["Properties"]["AssumeRolePolicyDocument"] == mfa_trust_policy()
    )
    assert dict(calls) == {"RoleSpec": 1, "checked_trust_policy": 1}


@pytest.mark.parametrize(
    "trusted_late", [False, True], ids=["trusted accounts known", "trusted accounts an output"]
)
def test_the_stackset_component_alone_parses_its_role_once_and_checks_its_trust_policy_once(
    monkeypatch: pytest.MonkeyPatch, trusted_late: bool
) -> None:
    calls = counted(monkeypatch)
    run = rollout_alone(trusted_late, rollout_mode="stackset", organizational_unit_ids=[ROLLOUT_UNIT])
    template = json.loads(run.one("aws:cloudformation/stackSet:StackSet").inputs["templateBody"])
    assert (
        template["Resources"][ROLE_LOGICAL_ID]["Properties"]["AssumeRolePolicyDocument"] == mfa_trust_policy()
    )
    assert dict(calls) == {"RoleSpec": 1, "checked_trust_policy": 1}


# parse, on a spec of its own ----------------------------------------------------------------------


def _accounts(key: str, value: Any) -> tuple[str, ...]:
    return check.string_list(key, value, check.account_id, required=True)


@dataclass(frozen=True)
class Toy:
    """Three inputs, and a rule across two of them (at_most_limit), to exercise parse alone."""

    accounts: Any = spec_field(
        (), _accounts, "12-digit account ids, or an Output of them.", deferred=check.has_output
    )
    limit: int = spec_field(
        2, lambda key, value: check.integer(key, value, 1, 5), "At most this many accounts."
    )
    name: str = spec_field(limits.DEFAULT_ROLE_NAME, check.role_name, "A role name.")
    tags: Any = spec_field({"team": "ops"}, check.tags, "Tags, a mapping default.")


def at_most_limit(out: dict[str, Any]) -> None:
    if not check.has_output(out["accounts"]) and len(out["accounts"]) > out["limit"]:
        raise InvalidInputError(
            "accounts", list(out["accounts"]), f"names more than limit ({out['limit']}) accounts"
        )


def test_parse_refuses_an_unknown_input_as_every_component_does() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse(Toy, {"accounts": ["111122223333"], "nmae": "x"})
    assert str(caught.value) == "nmae: 'x' is not an input; known: ['accounts', 'limit', 'name', 'tags']"
    with pytest.raises(InvalidInputError) as caught:
        parse(Toy, {"roleName": "x"})
    assert str(caught.value) == "roleName: 'x' is not an input; known: ['accounts', 'limit', 'name', 'tags']"


def test_parse_applies_each_default_and_checks_each_value_by_its_fields_rule() -> None:
    toy = parse(Toy, {"accounts": ["111122223333"]}, rules=(at_most_limit,))
    assert toy == Toy(accounts=("111122223333",), limit=2, name="cross-account-role", tags={"team": "ops"})
    with pytest.raises(InvalidInputError) as caught:
        parse(Toy, {"accounts": ["111122223333"], "limit": 9})
    assert str(caught.value) == "limit: 9 is out of range: must be 1..5"
    with pytest.raises(InvalidInputError) as caught:
        parse(Toy, {"accounts": ["12345"]})
    assert str(caught.value) == "accounts: '12345' is not a 12-digit AWS account id"


def test_parse_runs_the_rules_across_fields_after_the_fields_rules() -> None:
    three = ["111122223333", "444455556666", "777788889999"]
    assert parse(Toy, {"accounts": three, "limit": 3}, rules=(at_most_limit,)).accounts == tuple(three)
    with pytest.raises(InvalidInputError) as caught:
        parse(Toy, {"accounts": three}, rules=(at_most_limit,))
    assert str(caught.value) == (
        "accounts: ['111122223333', '444455556666', '777788889999'] names more than limit (2) accounts"
    )


def test_a_spec_is_frozen_and_a_mapping_default_is_a_read_only_copy_of_its_own() -> None:
    first, second = Toy(), Toy()
    assert first.tags == {"team": "ops"} and first.tags is not second.tags
    with pytest.raises(TypeError):
        first.tags["team"] = "dev"
    with pytest.raises(FrozenInstanceError):
        first.limit = 3  # type: ignore[misc]
    with pytest.raises(TypeError, match="must be immutable"):
        spec_field([], None, "A list default would be shared by every spec.")


def test_parse_keeps_an_output_for_the_late_check_and_the_late_check_runs() -> None:
    """An Output is kept as given (no rule can read it yet); the rule runs on the value it resolves to."""
    accounts_field = next(f for f in fields(Toy) if f.name == "accounts")

    def body(resolved: list[str]) -> dict[str, Any]:
        given = pulumi.Output.from_input(resolved)
        toy = parse(Toy, {"accounts": given}, rules=(at_most_limit,))
        assert toy.accounts is given
        late = pulumi.Output.all(toy.accounts, toy.limit).apply(
            lambda values: {"accounts": info(accounts_field).rule("accounts", values[0]), "limit": values[1]}  # type: ignore[misc]
        )
        return {"checked": late}

    run = pulumi_run(lambda: body(["111122223333"]))
    assert run.outputs == {"checked": {"accounts": ("111122223333",), "limit": 2}}
    failed = pulumi_run(lambda: body(["12345"]), expect_error=True)
    assert str(failed.error).splitlines()[-1].endswith("accounts: '12345' is not a 12-digit AWS account id")


def test_the_generic_spec_module_imports_no_pulumi() -> None:
    """spec_fields is of the pure layer: with pulumi made unimportable, it imports and declares a spec."""
    probe = (
        "import sys; sys.modules['pulumi'] = None; sys.modules['pulumi_aws'] = None\n"
        "from dataclasses import dataclass\n"
        "from cross_account.spec_fields import spec_field, config_keys\n"
        "@dataclass(frozen=True)\n"
        "class S:\n"
        "    n: int = spec_field(3, None, 'A number.', key='n')\n"
        "print([k.default for k in config_keys(S, 'both')], S())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[3] S(n=3)"


# The program's own specs: each config key's rule in its field, the rules across keys beside it -------

RULELESS_PROGRAM_FIELDS: dict[str, list[str]] = {"StackSpec": [], "TrustedStackSpec": []}
"""The program specs' fields without a rule of their own: none (each key is checked in its field's line)."""


def test_every_field_of_the_programs_specs_has_its_rule() -> None:
    ruleless = {
        spec.__name__: [f.name for f in fields(spec) if info(f).rule is None]
        for spec in (StackSpec, TrustedStackSpec)
    }
    assert ruleless == RULELESS_PROGRAM_FIELDS


def config_values(**given: Any) -> dict[str, Any]:
    """The config values of a stack that sets ``given`` (each as the CLI passes it), defaults filled in."""
    return read_config(
        {
            f"{NAMESPACE}:{key}": value if isinstance(value, str) else json.dumps(value)
            for key, value in given.items()
        }
    )


ACCOUNT = "111122223333"
UNIT = "ou-ab12-cdefgh34"
ROLE_ARN = "arn:aws:iam::444455556666:role/reader"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"side": "both"}, 'side: \'both\' must be "trusting" or "trusted"'),
        ({"targetAccountIds": ["12345"]}, "targetAccountIds: '12345' is not a 12-digit AWS account id"),
        (
            {"targetOrganizationalUnitIds": ["ou-x"]},
            "targetOrganizationalUnitIds: 'ou-x' is not an AWS Organizations organizational unit id "
            "(ou-<4-32>-<8-32> or a root, r-<4-32>, of lowercase letters and digits)",
        ),
        (
            {"targetAccountIds": [ACCOUNT], "excludeAccountIds": ["1"]},
            "excludeAccountIds: '1' is not a 12-digit AWS account id",
        ),
        (
            {"targetAccountIds": [ACCOUNT], "deploymentRoleName": "a b"},
            "deploymentRoleName: 'a b' is not an IAM role name (1-64 characters of ASCII letters, digits and "
            "+=,.@_-)",
        ),
        (
            {"targetAccountIds": [ACCOUNT], "rolloutMode": "both"},
            'rolloutMode: \'both\' must be "stackset" or "providers" (or empty)',
        ),
        (
            {"deploymentRoleName": "Deployer"},
            "deploymentRoleName: 'Deployer' applies only to a rollout: set targetAccountIds or "
            "targetOrganizationalUnitIds, or remove it",
        ),
        (
            {"targetAccountIds": [ACCOUNT], "excludeAccountIds": [ACCOUNT]},
            f"excludeAccountIds: '{ACCOUNT}' is also in targetAccountIds: list the account in one of them",
        ),
        (
            {"targetAccountIds": [ACCOUNT], "excludeAccountIds": ["111122224444"]},
            "excludeAccountIds: ['111122224444'] excludes accounts of targetOrganizationalUnitIds, which is "
            "empty: leave them out of targetAccountIds instead",
        ),
        (
            {"targetAccountIds": [ACCOUNT], "callAs": "DELEGATED_ADMIN"},
            "callAs: 'DELEGATED_ADMIN' applies only to rolloutMode stackset: remove it, or set rolloutMode stackset",
        ),
        (
            {"targetAccountIds": [ACCOUNT], "rolloutMode": "stackset"},
            "rolloutMode: 'stackset' needs targetOrganizationalUnitIds: a service-managed stack set deploys to "
            "organizational units",
        ),
        (
            {"targetOrganizationalUnitIds": [UNIT], "deploymentRoleName": "Deployer"},
            "deploymentRoleName: 'Deployer' applies only to rolloutMode providers: CloudFormation StackSets "
            "reach the accounts themselves; remove it, or set rolloutMode providers",
        ),
    ],
    ids=[
        "side",
        "targetAccountIds",
        "targetOrganizationalUnitIds",
        "excludeAccountIds",
        "deploymentRoleName",
        "rolloutMode",
        "rollout-key-without-targets",
        "excluded-and-targeted",
        "excluded-without-units",
        "stackset-key-in-providers-mode",
        "stackset-mode-without-units",
        "providers-key-in-stackset-mode",
    ],
)
def test_a_refusal_through_the_stack_spec_names_the_config_key(given: dict[str, Any], message: str) -> None:
    values_ = config_values(**given)
    with pytest.raises(InvalidInputError) as refused:
        parsed_config(StackSpec, values_, rollout_rules(values_))
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"trustingStacks": ["a b"]},
            "trustingStacks: 'a b' is not a stack name (<stack>, <org>/<stack> or <org>/<project>/<stack>)",
        ),
        (
            {"roleArns": ["arn:aws:iam::1:role/x"]},
            "roleArns: 'arn:aws:iam::1:role/x' is not an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name)",
        ),
        (
            {"trustOrganizationalUnitPaths": ["o-x"]},
            "trustOrganizationalUnitPaths: 'o-x' is not an organization path (o-<id>/r-<root>/ou-<unit>/..., "
            "ending in /, as AWS Organizations writes it; or o-<id>/*/ou-<unit>/ for a unit wherever it is)",
        ),
        (
            {"roleArns": [ROLE_ARN], "trustOrganizationalUnitPaths": ["o-abcdefghij/r-ab12/"]},
            "trustOrganizationalUnitPaths: ['o-abcdefghij/r-ab12/'] applies to trusting stacks in rolloutMode "
            "stackset read through trustingStacks (their roleArnPattern), and this stack reads none: list them "
            "in trustingStacks",
        ),
    ],
    ids=["trustingStacks", "roleArns", "trustOrganizationalUnitPaths", "paths-without-stacks"],
)
def test_a_refusal_through_the_trusted_stack_spec_names_the_config_key(
    given: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parsed_config(TrustedStackSpec, config_values(**given), trusted_rules("acme/project/trusting"))
    assert str(refused.value) == message


def test_the_trusted_stack_spec_reads_the_default_trusting_stack_only_when_given_no_stack_and_no_arn() -> (
    None
):
    rules = trusted_rules("acme/project/trusting")
    assert parsed_config(TrustedStackSpec, config_values(), rules) == TrustedStackSpec(
        trusting_stacks=("acme/project/trusting",)
    )
    assert parsed_config(TrustedStackSpec, config_values(roleArns=[ROLE_ARN]), rules) == TrustedStackSpec(
        role_arns=(ROLE_ARN,)
    )
    paths = ("o-abcdefghij/r-ab12/",)
    assert parsed_config(
        TrustedStackSpec,
        config_values(trustingStacks=["acme/p/a"], trustOrganizationalUnitPaths=list(paths)),
        rules,
    ) == TrustedStackSpec(trusting_stacks=("acme/p/a",), trust_organizational_unit_paths=paths)


def test_the_stack_spec_checks_and_normalizes_each_key_by_its_fields_rule() -> None:
    values_ = config_values(
        side="trusting", protect="true", targetOrganizationalUnitIds=[UNIT], excludeAccountIds=[ACCOUNT]
    )
    assert parsed_config(StackSpec, values_, rollout_rules(values_)) == StackSpec(
        side="trusting",
        protect=True,
        target_organizational_unit_ids=(UNIT,),
        exclude_account_ids=(ACCOUNT,),
        deployment_role_external_id=None,
    )
