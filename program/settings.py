"""The stack's configuration, read once at the edge and checked before anything is registered.

``KEYS`` is the config contract: every key of the ``cross-account-access``
namespace with its side, type, default and the component arg it feeds,
generated from the specs' fields (``cross_account.specs``, and StackSpec and
TrustedStackSpec here for the keys that feed no component input). The tests
check Pulumi.yaml and docs/configuration.md against it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

import pulumi

from cross_account import limits, spec_fields, stackset as stackset_mode, validation as check
from cross_account.callers import entries_from_config
from cross_account.grants import parse_trusted_options
from cross_account.rollout import ROLE_INPUTS as ROLE_ARGS, not_the_deployment_role, not_trusted
from cross_account.spec_fields import (
    ConfigKey,
    CrossRule,
    config_keys,
    info,
    parse,
    spec_field,
    values as spec_values,
)
from cross_account.specs import AccessSpec, RoleSpec, StackSetSpec, list_of, optional
from cross_account.trusting import validate_trusting_args
from cross_account.validation import InvalidInputError, Reporter

NAMESPACE = "cross-account-access"
Side = Literal["trusting", "trusted"]
SIDES: tuple[Side, ...] = ("trusting", "trusted")
ConfigType = spec_fields.ConfigType


Key = ConfigKey
"""One config key: where it applies, its type, its default and the arg it feeds (made from a spec field)."""
S = TypeVar("S")


def _side(key: str, value: Any) -> str:
    """The side: trusting, trusted, or empty (the stack name decides)."""
    if value not in ("", *SIDES):
        raise InvalidInputError(key, value, 'must be "trusting" or "trusted"')
    return str(value)


def _rollout_mode(key: str, value: Any) -> str:
    """The rollout mode: stackset, providers, or empty (the targets decide)."""
    if value not in ("", *stackset_mode.MODES):
        raise InvalidInputError(key, value, 'must be "stackset" or "providers" (or empty)')
    return str(value)


# fmt: off
@dataclass(frozen=True)
class StackSpec:
    """The config keys that feed no TrustingAccountRole input: the side, protection, a rollout's targets
    (checked by ``parsed_config``; the rules across keys: ``rollout_rules``)."""

    side: str = spec_field("", _side, 'What the stack builds: "trusting" or "trusted". Empty: the stack name decides.', key="side", side="both")
    protect: bool = spec_field(False, check.boolean, "Protect every resource of the stack: a pulumi up that would delete or replace one fails.", key="protect", side="both")
    target_account_ids: tuple[str, ...] = spec_field((), list_of(check.account_id), "12-digit ids of the accounts to create the role in (quoted strings). Empty, with no OU: this stack's account.", key="targetAccountIds", arg="target_account_ids")
    target_organizational_unit_ids: tuple[str, ...] = spec_field((), list_of(check.organizational_unit_id), "Organizational units (ou-...) or roots (r-...) whose active accounts, at any depth, also get the role.", key="targetOrganizationalUnitIds")
    exclude_account_ids: tuple[str, ...] = spec_field((), list_of(check.account_id), "Accounts of targetOrganizationalUnitIds that get no role.", key="excludeAccountIds")
    deployment_role_name: str = spec_field(limits.DEFAULT_DEPLOYMENT_ROLE_NAME, check.role_name, "Role assumed in each target account other than the deploying one, to create the role there.", key="deploymentRoleName", arg="deployment_role_name")
    deployment_role_external_id: str | None = spec_field("", optional(check.external_id, ""), "sts:ExternalId of the deployment role; set it with --secret. Empty: none.", key="deploymentRoleExternalId", unset="", arg="deployment_role_external_id")
    rollout_mode: str = spec_field("", _rollout_mode, 'How a rollout reaches its accounts: "stackset" or "providers". Empty: stackset with targetOrganizationalUnitIds, else providers.', key="rolloutMode", unset="", arg="rollout_mode")
# fmt: on


def _targets(checked: Mapping[str, Any]) -> bool:
    """The stack rolls out: it targets accounts or organizational units."""
    return bool(checked["target_account_ids"] or checked["target_organizational_unit_ids"])


def decided_mode(checked: Mapping[str, Any]) -> str:
    """rolloutMode, decided: as set, else stackset with targetOrganizationalUnitIds, else providers."""
    return str(
        checked["rollout_mode"] or ("stackset" if checked["target_organizational_unit_ids"] else "providers")
    )


def rollout_rules(values: Mapping[str, Any]) -> tuple[CrossRule, ...]:
    """StackSpec's rules across keys, in order: the rollout keys only with targets, the exclusions, each
    mode's keys only in that mode. ``values`` (the config's) give the stackset keys and each value as written."""

    def only_with_targets(checked: dict[str, Any]) -> None:
        if _targets(checked):
            return
        for key in ROLLOUT_KEYS[2:]:
            if values[key] != KEYS_BY_NAME[key].default:
                raise InvalidInputError(
                    key,
                    values[key],
                    "applies only to a rollout: set targetAccountIds or targetOrganizationalUnitIds, "
                    "or remove it",
                )

    def mode_keys(checked: dict[str, Any]) -> None:
        if not _targets(checked):
            return
        if decided_mode(checked) == "stackset":
            _stackset_keys_apply(values, checked)
            return
        for key in STACKSET_KEYS:
            if values[key] != KEYS_BY_NAME[key].default:
                raise InvalidInputError(
                    key,
                    values[key],
                    "applies only to rolloutMode stackset: remove it, or set rolloutMode stackset",
                )

    return (only_with_targets, _exclusions_apply, mode_keys)


def _exclusions_apply(checked: Mapping[str, Any]) -> None:
    """excludeAccountIds leaves out accounts of the units: none of targetAccountIds, and units to leave."""
    if not _targets(checked):
        return
    excluded, targets = checked["exclude_account_ids"], checked["target_account_ids"]
    for account in excluded:
        if account in targets:
            raise InvalidInputError(
                "excludeAccountIds", account, "is also in targetAccountIds: list the account in one of them"
            )
    if excluded and not checked["target_organizational_unit_ids"]:
        raise InvalidInputError(
            "excludeAccountIds",
            list(excluded),
            "excludes accounts of targetOrganizationalUnitIds, which is empty: leave them out of "
            "targetAccountIds instead",
        )


STACKSET_NEEDS_UNITS = (
    "needs targetOrganizationalUnitIds: a service-managed stack set deploys to organizational units"
)


def _stackset_keys_apply(values: Mapping[str, Any], checked: Mapping[str, Any]) -> None:
    """In stackset mode: units, no accounts, and none of the providers-mode keys."""
    if not checked["target_organizational_unit_ids"]:
        raise InvalidInputError("rolloutMode", "stackset", STACKSET_NEEDS_UNITS)
    if checked["target_account_ids"]:
        raise InvalidInputError(
            "targetAccountIds",
            list(checked["target_account_ids"]),
            "cannot be used with rolloutMode stackset: a service-managed stack set deploys to whole "
            "organizational units; list these accounts' units, or set rolloutMode providers",
        )
    for key in PROVIDERS_KEYS:
        if values[key] != KEYS_BY_NAME[key].default:
            raise InvalidInputError(
                key,
                check.hidden_value(None) if key == "deploymentRoleExternalId" else values[key],
                "applies only to rolloutMode providers: CloudFormation StackSets reach the accounts "
                "themselves; remove it, or set rolloutMode providers",
            )


# fmt: off
@dataclass(frozen=True)
class TrustedStackSpec:
    """The trusted side's config keys that feed no TrustedAccountAccess input: where the role ARNs come from
    (checked by ``parsed_config``; the rules across keys: ``trusted_rules``)."""

    trusting_stacks: tuple[str, ...] = spec_field((), list_of(check.stack_name), "Stacks whose roleArn output is read. Empty: [<organization>/<project>/trusting].", key="trustingStacks")
    role_arns: tuple[str, ...] = spec_field((), list_of(check.role_arn, identity=check.role_identity), "Role ARNs to use instead of stack references (roles made elsewhere).", key="roleArns")
    trust_organizational_unit_paths: tuple[str, ...] = spec_field((), list_of(check.organization_path), "Organization paths (o-.../r-.../ou-.../) under which the roleArnPattern of stackset-mode stacks may be assumed.", key="trustOrganizationalUnitPaths")
# fmt: on


def trusted_rules(default_stack: str) -> tuple[CrossRule, ...]:
    """TrustedStackSpec's rules across keys, in order: no stack and no ARN read ``default_stack``;
    trustOrganizationalUnitPaths needs trusting stacks."""

    def default_trusting_stack(checked: dict[str, Any]) -> None:
        if not checked["trusting_stacks"] and not checked["role_arns"]:
            checked["trusting_stacks"] = (default_stack,)

    return (default_trusting_stack, _paths_need_stacks)


def _paths_need_stacks(checked: Mapping[str, Any]) -> None:
    paths = checked["trust_organizational_unit_paths"]
    if paths and not checked["trusting_stacks"]:
        raise InvalidInputError(
            "trustOrganizationalUnitPaths",
            list(paths),
            "applies to trusting stacks in rolloutMode stackset read through trustingStacks (their "
            "roleArnPattern), and this stack reads none: list them in trustingStacks",
        )


def parsed_config(spec_type: type[S], values: Mapping[str, Any], rules: tuple[CrossRule, ...] = ()) -> S:
    """A program spec from the config values: each field from its key, checked by its rule, then the
    rules across keys; an error names the config key."""
    names = {f.name: str(info(f).key) for f in spec_fields.spec_fields(spec_type)}
    try:
        return parse(spec_type, {name: values[key] for name, key in names.items()}, rules=rules)
    except InvalidInputError as error:
        raise error.renamed(names) from None


def _generated_keys() -> tuple[Key, ...]:
    """Every config key, from the specs' fields: the stack's, the stackset options', the role's, the
    trusted stack's, the access'; a key both sides read (requireMfa, tags, expiresAt) once."""
    found: dict[str, Key] = {}
    for key in (
        *config_keys(StackSpec, "trusting", component=False),
        *config_keys(StackSetSpec, "trusting"),
        *config_keys(RoleSpec, "trusting"),
        *config_keys(TrustedStackSpec, "trusted", component=False),
        *config_keys(AccessSpec, "trusted"),
    ):
        if key.name in found:
            if found[key.name] != key:
                raise TypeError(f"{key.name}: the two sides declare it differently")
            continue
        found[key.name] = key
    return tuple(found.values())


KEYS: tuple[Key, ...] = _generated_keys()
"""The config contract, generated from the specs (Pulumi.yaml and docs/configuration.md follow it)."""

KEYS_BY_NAME: Mapping[str, Key] = {k.name: k for k in KEYS}
KEY_FOR_ARG: Mapping[str, str] = {
    **{k.arg: k.name for k in KEYS if k.arg is not None},
    "role_arns": "roleArns",
    "organizational_unit_ids": "targetOrganizationalUnitIds",
    "exclude_account_ids": "excludeAccountIds",
    "role_requirements": "trustingStacks",
    "user_names/group_names/role_names/new_group_name": "userNames/groupNames/roleNames/newGroupName",
}
"""Component arg name -> the config key a user wrote, for error messages."""
OUTPUT_FOR_ATTRIBUTE: Mapping[str, str] = {
    "switch_role_url": "switchRoleUrl",
    "switch_role_urls": "switchRoleUrls",
    "aws_cli_config": "awsCliConfig",
    "switch_roles_extension_config": "switchRolesExtensionConfig",
}
"""Component output attribute -> the stack output it is exported as, for warnings."""
CALLER_NAMES: Mapping[str, str] = {**KEY_FOR_ARG, **OUTPUT_FOR_ATTRIBUTE}
"""How the components should name their inputs and outputs in the program's errors and warnings."""


STACKSET_KEYS = (
    "callAs",
    "retainStacksOnAccountRemoval",
    "maxConcurrentPercentage",
    "failureTolerancePercentage",
    "regionConcurrencyType",
    "stackSetInstanceRegion",
    "stackSetRecreateRoles",
)
"""The keys only a stackset-mode rollout reads."""
PROVIDERS_KEYS = ("deploymentRoleName", "deploymentRoleExternalId")
"""The keys only a providers-mode rollout reads."""
ROLLOUT_KEYS = (
    "targetAccountIds",
    "targetOrganizationalUnitIds",
    "excludeAccountIds",
    "deploymentRoleName",
    "deploymentRoleExternalId",
    "rolloutMode",
    *STACKSET_KEYS,
)
"""The keys of a rollout to many accounts; the others apply to the role in every account."""


@dataclass(frozen=True)
class RolloutSettings:
    """Where a trusting stack creates its role when it targets accounts or organizational units."""

    target_account_ids: tuple[str, ...]
    organizational_unit_ids: tuple[str, ...]
    exclude_account_ids: tuple[str, ...]
    deployment_role_name: str
    deployment_role_external_id: str | None = None
    external_id_secret: bool = False
    """deploymentRoleExternalId was set with --secret."""
    mode: str = "providers"
    """rolloutMode, decided: "providers" or "stackset"."""
    mode_defaulted: bool = False
    """rolloutMode was not set and targetOrganizationalUnitIds made it stackset."""
    stackset: Mapping[str, Any] = field(default_factory=dict)
    """Stackset mode: the component inputs of the stackset keys, checked."""


@dataclass(frozen=True)
class TrustingSettings:
    """Checked args of TrustingAccountRole, from the trusting stack's config."""

    args: Mapping[str, Any]
    secret_keys: frozenset[str] = frozenset()
    """The config keys set as secrets."""
    rollout: RolloutSettings | None = None
    """Set when the stack targets accounts or organizational units: the role is made in each."""
    protect: bool = False
    """Every resource of the stack is protected (the component passes it to its children)."""
    reporter: Reporter = field(default_factory=Reporter, compare=False, repr=False)
    """Reports the later checks' errors and warnings as the config's: under config keys, no secret shown."""
    spec: RoleSpec | None = field(default=None, compare=False, repr=False)
    """``args`` parsed (once: the stack and its component read this parse)."""


@dataclass(frozen=True)
class TrustedSettings:
    """Checked settings of the trusted stack."""

    trusting_stacks: tuple[str, ...]
    role_arns: tuple[str, ...]
    args: Mapping[str, Any] = field(default_factory=dict)
    organization_paths: tuple[str, ...] = ()
    """trustOrganizationalUnitPaths: the paths of every stackset-mode trusting stack read (else its own)."""
    secret_keys: frozenset[str] = frozenset()
    """The config keys set as secrets."""
    protect: bool = False
    """Every resource of the stack is protected (the component passes it to its children)."""
    reporter: Reporter = field(default_factory=Reporter, compare=False, repr=False)
    """Reports the later checks' errors and warnings as the config's: under config keys, no secret shown."""
    spec: AccessSpec | None = field(default=None, compare=False, repr=False)
    """``args`` parsed (once: the component completes this parse with the role ARNs read)."""


def secret_args(secret_keys: frozenset[str]) -> tuple[str, ...]:
    """The component args fed by config keys set as secrets (they stay secret in every resource)."""
    args = (KEYS_BY_NAME[k].arg for k in secret_keys if k in KEYS_BY_NAME)
    return tuple(sorted(arg for arg in args if arg is not None))


def _parse(key: Key, raw: str) -> Any:
    """A raw config string (as the CLI passes it) to a value of the key's type."""
    if key.type == "string":
        return raw
    if key.type == "boolean":
        if raw.lower() not in ("true", "false"):
            raise InvalidInputError(key.name, raw, "must be true or false")
        return raw.lower() == "true"
    if key.type == "integer":
        try:
            return int(raw)
        except ValueError:
            raise InvalidInputError(key.name, raw, "must be a whole number") from None
    try:
        value = json.loads(raw)
    except RecursionError:  # nested thousands of levels deep
        raise check.too_deep(key.name) from None
    except json.JSONDecodeError:
        raise InvalidInputError(key.name, raw, f"must be a YAML/JSON {key.type}") from None
    check.shallow(key.name, value)
    expected = list if key.type == "array" else dict
    if not isinstance(value, expected):
        raise InvalidInputError(key.name, value, f"must be an {key.type}")
    return value


def _did_you_mean(name: str) -> str:
    """The known key closest to ``name``, as a hint ("" when none is close)."""
    by_folded = {k.lower(): k for k in KEYS_BY_NAME}
    if name.lower() in by_folded:
        return f"did you mean {NAMESPACE}:{by_folded[name.lower()]}?"
    close = difflib.get_close_matches(name, list(KEYS_BY_NAME), n=1, cutoff=0.6)
    return (
        f"did you mean {NAMESPACE}:{close[0]}?"
        if close
        else "see the configuration reference (docs/configuration.md)"
    )


def _near_namespace(namespace: str) -> bool:
    """A namespace that is ours misspelt: equal but for case, or a few edits away."""
    if namespace.lower() == NAMESPACE:
        return True
    return difflib.SequenceMatcher(None, namespace.lower(), NAMESPACE).ratio() >= 0.85


def read_config(raw: Mapping[str, str]) -> dict[str, Any]:
    """Every key of the namespace, parsed, defaults filled in; unknown keys are errors."""
    prefix = f"{NAMESPACE}:"
    values: dict[str, Any] = {}
    for full_key, text in sorted(raw.items()):
        namespace, colon, name = full_key.partition(":")
        if colon and namespace != NAMESPACE and _near_namespace(namespace):
            hint = _did_you_mean(name) if name not in KEYS_BY_NAME else f"did you mean {prefix}{name}?"
            raise InvalidInputError(
                full_key, text, f"is in namespace {namespace!r}, not {NAMESPACE!r}: {hint}"
            )
        if not full_key.startswith(prefix):
            continue
        if name not in KEYS_BY_NAME:
            raise InvalidInputError(
                full_key, text, f"is not a config key of {NAMESPACE}: {_did_you_mean(name)}"
            )
        values[name] = _parse(KEYS_BY_NAME[name], text)
    for key in KEYS:
        values.setdefault(key.name, key.default)
    return values


def choose_side(side: str, stack: str) -> Side:
    """The side: as set (checked by StackSpec's rule), else the stack name's."""
    side = _side("side", side)
    if side in SIDES:
        return side
    if stack in SIDES:
        return stack
    raise InvalidInputError(
        "side",
        side,
        f'is not set and the stack name {stack!r} is neither "trusting" nor "trusted": set {NAMESPACE}:side',
    )


def _refuse_other_side(values: Mapping[str, Any], side: Side) -> None:
    for key in KEYS:
        if key.side not in (side, "both") and values[key.name] != key.default:
            raise InvalidInputError(
                key.name,
                values[key.name],
                f"is a {key.side}-side key, but this stack builds the {side} side",
            )


def _args(values: Mapping[str, Any], side: Side) -> dict[str, Any]:
    """Component args from the config values of one side, leaving out unset optional keys."""
    args = {}
    for key in KEYS:
        if key.arg is None or key.side not in (side, "both"):
            continue
        value = values[key.name]
        if key.unset is not None and value == key.unset:
            continue
        args[key.arg] = value
    return args


def rollout_settings(
    values: Mapping[str, Any], secret_keys: frozenset[str] = frozenset()
) -> RolloutSettings | None:
    """The rollout keys checked; None when the stack targets no account and no organizational unit."""
    return _rollout(parsed_config(StackSpec, values, rollout_rules(values)), values, secret_keys)


def _rollout(
    spec: StackSpec, values: Mapping[str, Any], secret_keys: frozenset[str]
) -> RolloutSettings | None:
    """The rollout of a parsed StackSpec (None: no targets), its stackset inputs checked in stackset mode."""
    checked = spec_values(spec)
    if not _targets(checked):
        return None
    mode = decided_mode(checked)
    return RolloutSettings(
        target_account_ids=spec.target_account_ids,
        organizational_unit_ids=spec.target_organizational_unit_ids,
        exclude_account_ids=spec.exclude_account_ids,
        deployment_role_name=spec.deployment_role_name,
        deployment_role_external_id=spec.deployment_role_external_id,
        external_id_secret="deploymentRoleExternalId" in secret_keys,
        mode=mode,
        mode_defaulted=not spec.rollout_mode and mode == "stackset",
        stackset=_stackset_settings(values, spec) if mode == "stackset" else {},
    )


def _stackset_settings(values: Mapping[str, Any], spec: StackSpec) -> dict[str, Any]:
    """The stackset keys checked, as the component's inputs (without the partition check of the region)."""
    args: dict[str, Any] = {str(KEYS_BY_NAME[key].arg): values[key] for key in STACKSET_KEYS}
    args = {k: v for k, v in args.items() if v != ""}
    args["organizational_unit_ids"] = spec.target_organizational_unit_ids
    args["exclude_account_ids"] = spec.exclude_account_ids
    try:
        checked = stackset_mode.validate_stackset_args(args)
    except InvalidInputError as error:
        raise error.renamed(KEY_FOR_ARG) from None
    return {k: v for k, v in spec_values(checked).items() if v is not None and k in args}


def trusting_settings(
    values: Mapping[str, Any], secret_keys: frozenset[str] = frozenset()
) -> TrustingSettings:
    role_keys = {k: v for k, v in _args(values, "trusting").items() if KEY_FOR_ARG.get(k) not in ROLLOUT_KEYS}
    if "callers" in role_keys:
        role_keys["callers"] = entries_from_config(role_keys["callers"])
    try:
        checked = validate_trusting_args(role_keys)
    except InvalidInputError as error:
        raise error.renamed(KEY_FOR_ARG) from None
    args: dict[str, Any] = {
        k: v for k, v in spec_values(checked).items() if v is not None and k != "secret_inputs"
    }
    if args.get("callers"):
        # The entries as inputs again (an unset condition left out, as the flat keys are); the
        # accounts are the callers' (the components read them there).
        args["callers"] = [
            {k: v for k, v in spec_values(c).items() if v is not None} for c in args["callers"]
        ]
        del args["trusted_account_ids"]
    else:
        args.pop("callers", None)
    stack = parsed_config(StackSpec, values, rollout_rules(values))
    rollout = _rollout(stack, values, secret_keys)
    if rollout is not None:
        try:
            not_the_deployment_role(args["role_name"], rollout.deployment_role_name)
        except InvalidInputError as error:
            raise error.renamed(KEY_FOR_ARG) from None
    if rollout is not None and rollout.mode == "stackset":
        refuse_in_stackset_mode(role_keys, secret_keys)
    if rollout is not None and not check.has_output(checked.trusted_account_ids):
        not_trusted(
            "targetAccountIds",
            rollout.target_account_ids,
            checked.trusted_account_ids,
            "trustedAccountIds",
        )
    return TrustingSettings(
        args=args, secret_keys=secret_keys, rollout=rollout, protect=stack.protect, spec=checked
    )


def refuse_in_stackset_mode(role_args: Mapping[str, Any], secret_keys: frozenset[str]) -> None:
    """The role keys a StackSet template cannot hold, refused with the reason."""
    secret = sorted(k for k in secret_keys if k in KEYS_BY_NAME and KEYS_BY_NAME[k].arg in ROLE_ARGS)
    if secret:
        raise InvalidInputError(
            secret[0],
            check.hidden_value(None),
            "is set as a secret, which rolloutMode stackset cannot keep: the StackSet template, which holds "
            "every value of the role, is stored in plain text in CloudFormation; set rolloutMode providers",
        )
    refused = stackset_mode.unsupported(role_args)
    if refused is not None:
        raise refused.renamed(KEY_FOR_ARG)


def trusted_settings(
    values: Mapping[str, Any], default_stack: str, secret_keys: frozenset[str] = frozenset()
) -> TrustedSettings:
    trusted = parsed_config(TrustedStackSpec, values, trusted_rules(default_stack))
    try:
        # The ARNs read from stacks are checked with the others once they resolve.
        options = parse_trusted_options(_args(values, "trusted"))
    except InvalidInputError as error:
        raise error.renamed(KEY_FOR_ARG) from None
    args = {k: v for k, v in spec_values(options).items() if k not in ("role_arns", "secret_inputs")}
    return TrustedSettings(
        spec=options,
        trusting_stacks=trusted.trusting_stacks,
        role_arns=trusted.role_arns,
        args=args,
        organization_paths=trusted.trust_organizational_unit_paths,
        secret_keys=secret_keys,
        protect=parsed_config(StackSpec, values).protect,
    )


def secret_config_keys(raw: Mapping[str, str]) -> frozenset[str]:
    """Every config key (namespace included) set as a secret."""
    listed = set(pulumi.runtime.get_config_secret_keys_env())
    return frozenset(k for k in raw if k in listed or pulumi.runtime.is_config_secret(k))


def secrets_reporter(raw: Mapping[str, str], secret_keys: frozenset[str]) -> Reporter:
    """Reports errors and warnings under the config keys, without the value of a key set as a
    secret (or named like one), nor any string inside such a value, wherever it shows up."""
    ours = {k.removeprefix(f"{NAMESPACE}:") for k in secret_keys}
    secret_values = {k.removeprefix(f"{NAMESPACE}:"): raw[k] for k in secret_keys if k in raw}
    for key in ours & set(KEYS_BY_NAME):
        if KEYS_BY_NAME[key].type in ("array", "object"):
            with suppress(ValueError, RecursionError):
                secret_values[f"{key}.parsed"] = json.loads(secret_values[key])
    args = {KEYS_BY_NAME[k].arg for k in ours if k in KEYS_BY_NAME} - {None}
    return Reporter(
        KEY_FOR_ARG, secret_inputs=[*ours, *secret_keys, *(a for a in args if a)], values=secret_values
    )


@contextmanager
def hidden(reporter: Reporter) -> Iterator[None]:
    """No error raised inside shows a secret: it is reported through ``reporter``."""
    try:
        yield
    except InvalidInputError as error:
        raise reporter.error(error) from None


def load(
    raw: Mapping[str, str] | None = None, stack: str | None = None
) -> TrustingSettings | TrustedSettings:
    """Read and check this stack's config; raise InvalidInputError naming the config key."""
    if raw is None:
        raw = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    stack = pulumi.get_stack() if stack is None else stack
    secret_keys = secret_config_keys(raw)
    ours = frozenset(k.removeprefix(f"{NAMESPACE}:") for k in secret_keys if k.startswith(f"{NAMESPACE}:"))
    reporter = secrets_reporter(raw, secret_keys)
    loaded: TrustingSettings | TrustedSettings
    with hidden(reporter):
        values = read_config(raw)
        side = choose_side(values["side"], stack)
        _refuse_other_side(values, side)
        if side == "trusting":
            loaded = trusting_settings(values, ours)
        else:
            default_stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/trusting"
            loaded = trusted_settings(values, default_stack, ours)
    # Every later check (program/stacks.py) reports through the same hiding.
    return replace(loaded, reporter=reporter)
