"""Build one side from checked settings and export the contract's stack outputs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import pulumi
import pulumi_aws as aws

from cross_account import TrustedAccountAccess, TrustingAccountRole, TrustingRoleRollout
from cross_account import validation as check
from cross_account.documents import parse_role_arn
from cross_account.limits import (
    EXPIRES_AT_OUTPUT,
    EXTERNAL_ID_REQUIRED_OUTPUT,
    MFA_REQUIRED_OUTPUT,
    OUTPUT_NAMES,
    ROLE_ARN_OUTPUT,
    ROLE_ARNS_BY_ACCOUNT_OUTPUT,
    SESSION_NAME_REQUIRED_OUTPUT,
    SESSION_TAGS_ALLOWED_OUTPUT,
    SOURCE_IDENTITY_ALLOWED_OUTPUT,
    SOURCE_IDENTITY_REQUIRED_OUTPUT,
    SWITCH_ROLE_URLS_BY_ACCOUNT_OUTPUT,
)
from cross_account.rollout import ROLE_INPUTS
from cross_account.trusted import (
    check_policies_per_principal,
    effective_ends,
    requirements_by_role,
    session_actions,
    split_role_arns,
)
from cross_account.trusting import checked_trust_policy, validate_trusting_args
from cross_account.validation import (
    InvalidInputError,
    Reporter,
    ResolvedInputError,
    hidden_value,
    scrub,
    scrub_key,
    scrubbed,
)

from .settings import (
    CALLER_NAMES,
    KEY_FOR_ARG,
    RolloutSettings,
    TrustedSettings,
    TrustingSettings,
    hidden,
    secret_args,
)

T = TypeVar("T")


@contextmanager
def config_names(names: Mapping[str, str] = KEY_FOR_ARG) -> Iterator[None]:
    """Report a component's InvalidInputError under the config keys the user wrote."""
    try:
        yield
    except InvalidInputError as error:
        raise error.renamed(names) from None


def protected(settings: TrustingSettings | TrustedSettings) -> pulumi.ResourceOptions | None:
    """``protect`` for the component, which its children inherit; None (no options) when not asked."""
    return pulumi.ResourceOptions(protect=True) if settings.protect else None


def build(settings: TrustingSettings | TrustedSettings) -> None:
    """Build the side; every check made here reports as the config's checks do (secrets hidden)."""
    with hidden(settings.reporter):
        if isinstance(settings, TrustingSettings):
            build_trusting(settings)
        else:
            build_trusted(settings)


def reported_late(reporter: Reporter, work: Callable[[], T], names: Mapping[str, str] = KEY_FOR_ARG) -> T:
    """``work()`` inside an apply: an InvalidInputError ends the run as one line (ResolvedInputError),
    under config keys, secrets hidden."""
    try:
        return work()
    except InvalidInputError as error:
        reported = reporter.error(error.renamed(names))
    # Raised out of the except block: the first error, which may show a secret, is not its context.
    raise ResolvedInputError(reported) from reported


def build_trusting(settings: TrustingSettings) -> None:
    args: dict[str, Any] = dict(settings.args)
    # The checks that need the partition (the trust policy's size quota), before anything
    # is registered: the component makes them again, later, for its other callers.
    partition = aws.get_partition().partition
    checked = validate_trusting_args(args)
    with config_names():
        checked_trust_policy(partition, checked["trusted_account_ids"], checked["external_id"], checked)
    for arg, key in (("external_id", "externalId"), ("external_ids", "externalIds")):
        if arg in args:
            # Always a secret in state and outputs, whether or not it was set with --secret.
            args[arg] = pulumi.Output.secret(args[arg])
            if key not in settings.secret_keys:
                how = "" if arg == "external_id" else " --path"
                pulumi.log.warn(
                    f"{key} is stored in plain text in the stack's config file: set it with "
                    f"`pulumi config set --secret{how} cross-account-access:{key}"
                    + (" <id>`" if arg == "external_id" else "[0] <id>`")
                )
    secret = secret_args(settings.secret_keys)
    if settings.rollout is not None:
        build_rollout(
            settings.rollout,
            args,
            checked["trusted_account_ids"],
            secret,
            protected(settings),
            settings.reporter,
        )
        return
    secret = tuple(name for name in secret if name in ROLE_INPUTS)
    if secret:
        args["secret_inputs"] = secret
    role = TrustingAccountRole("trusting", args, protected(settings), input_names=CALLER_NAMES)  # type: ignore[arg-type]
    export_role(role, role.role_arn, role.switch_role_url, role.role_unique_id)


def export_role(
    role: TrustingAccountRole | TrustingRoleRollout,
    role_arn: pulumi.Output[str] | None,
    switch_role_url: pulumi.Output[str] | None,
    role_unique_id: pulumi.Output[str] | None,
) -> None:
    """The trusting stack's outputs; those of one role only when there is one (None: left out)."""
    if role_arn is not None:
        pulumi.export("roleArn", role_arn)
    pulumi.export("roleName", role.role_name)
    if switch_role_url is not None:
        pulumi.export("switchRoleUrl", switch_role_url)
    pulumi.export(EXTERNAL_ID_REQUIRED_OUTPUT, role.external_id_required)
    pulumi.export(MFA_REQUIRED_OUTPUT, role.mfa_required)
    if role_unique_id is not None:
        pulumi.export("roleUniqueId", role_unique_id)
    pulumi.export("rolePath", role.role_path)
    pulumi.export(EXPIRES_AT_OUTPUT, role.expires_at)
    pulumi.export(SESSION_NAME_REQUIRED_OUTPUT, role.session_name_required)
    pulumi.export(SOURCE_IDENTITY_REQUIRED_OUTPUT, role.source_identity_required)
    pulumi.export(SESSION_TAGS_ALLOWED_OUTPUT, role.session_tags_allowed)
    pulumi.export(SOURCE_IDENTITY_ALLOWED_OUTPUT, role.source_identity_allowed)


def build_rollout(
    rollout: RolloutSettings,
    args: dict[str, Any],
    trusted: Sequence[str],
    secret: tuple[str, ...],
    opts: pulumi.ResourceOptions | None = None,
    reporter: Reporter | None = None,
) -> None:
    """The role in every target account, through TrustingRoleRollout; the accounts resolved first."""
    accounts = target_accounts(rollout, trusted, reporter or Reporter())
    rollout_args: dict[str, Any] = {
        **args,
        "target_account_ids": accounts,
        "deployment_role_name": rollout.deployment_role_name,
    }
    if rollout.deployment_role_external_id is not None:
        rollout_args["deployment_role_external_id"] = pulumi.Output.secret(
            rollout.deployment_role_external_id
        )
        if not rollout.external_id_secret:
            pulumi.log.warn(
                "deploymentRoleExternalId is stored in plain text in the stack's config file: set it with "
                "`pulumi config set --secret cross-account-access:deploymentRoleExternalId <id>`"
            )
    if secret:
        rollout_args["secret_inputs"] = secret
    component = TrustingRoleRollout("trusting", rollout_args, opts, input_names=CALLER_NAMES)  # type: ignore[arg-type]
    if len(accounts) == 1:
        # One account: the outputs of one role mean what they mean on a stack without targets.
        def only(by_account: pulumi.Output[dict[str, str]]) -> pulumi.Output[str]:
            return by_account.apply(lambda values: values[accounts[0]])

        export_role(
            component,
            only(component.role_arns_by_account),
            only(component.switch_role_urls_by_account),
            only(component.role_unique_ids_by_account),
        )
    else:
        export_role(component, None, None, None)
    pulumi.export(ROLE_ARNS_BY_ACCOUNT_OUTPUT, component.role_arns_by_account)
    pulumi.export(SWITCH_ROLE_URLS_BY_ACCOUNT_OUTPUT, component.switch_role_urls_by_account)


ORGANIZATIONS_REFUSED = (
    "could not be read from AWS Organizations ({reason}): listing the accounts of an organizational "
    "unit needs credentials of the organization's management account or of a delegated administrator, "
    "and the id of a unit of that organization"
)


def organizational_unit_accounts(unit: str) -> list[str]:
    """The active accounts in an organizational unit and every unit under it, as AWS Organizations lists them now."""
    try:
        found = aws.organizations.get_organizational_unit_descendant_accounts(parent_id=unit)
    except Exception as error:  # noqa: BLE001 - any refusal of the invoke ends in this one line
        reason = " ".join(str(error).split()).split(" failed: ", 1)[-1][:300]
        raise InvalidInputError(
            "targetOrganizationalUnitIds", unit, ORGANIZATIONS_REFUSED.format(reason=reason)
        ) from None
    return [account.id for account in found.accounts if account.state == "ACTIVE"]


def target_accounts(
    rollout: RolloutSettings, trusted: Sequence[str], reporter: Reporter | None = None
) -> tuple[str, ...]:
    """targetAccountIds, and the active accounts of targetOrganizationalUnitIds but excludeAccountIds."""
    accounts = dict.fromkeys(rollout.target_account_ids)
    excluded = set(rollout.exclude_account_ids)
    excluding: set[str] = set()
    for unit in rollout.organizational_unit_ids:
        for account in organizational_unit_accounts(unit):
            if account in excluded:
                excluding.add(account)
                continue
            if account in trusted:
                raise InvalidInputError(
                    "targetOrganizationalUnitIds",
                    unit,
                    f"holds account {account!r}, which is also in trustedAccountIds: a role that trusts the "
                    "account it is in is not cross-account access; leave it out with excludeAccountIds",
                )
            accounts.setdefault(account)
    for account in rollout.exclude_account_ids:
        if account not in excluding:
            (reporter or Reporter()).warn(
                f"excludeAccountIds: {account!r} is not an active account of targetOrganizationalUnitIds "
                f"{list(rollout.organizational_unit_ids)}: it excludes nothing"
            )
    if not accounts:
        raise InvalidInputError(
            "targetOrganizationalUnitIds",
            list(rollout.organizational_unit_ids),
            "hold no active account that excludeAccountIds leaves in: the rollout would create no role "
            "(to remove this stack's roles, run `pulumi destroy`)",
        )
    return tuple(sorted(accounts))


def _role_arn_of(stack: str, value: Any) -> str:
    if value is None:
        raise InvalidInputError(
            "trustingStacks",
            stack,
            f"has no {ROLE_ARN_OUTPUT!r} output: run `pulumi up` on that stack first, "
            "or list the role in roleArns",
        )
    return check.role_arn(f"trustingStacks: {stack}: {ROLE_ARN_OUTPUT}", value)


def _role_arns_by_account(stack: str, value: Any) -> list[str]:
    """The role ARNs of a rollout stack, in account-id order; each ARN in the account it is listed under."""
    key = f"trustingStacks: {stack}: {ROLE_ARNS_BY_ACCOUNT_OUTPUT}"
    if not isinstance(value, Mapping):
        raise InvalidInputError(key, value, "must be a map of account ids to role ARNs")
    if not value:
        raise InvalidInputError(
            key,
            value,
            "holds no role: a rollout stack lists at least one account; run `pulumi up` on that stack, "
            "or leave it out of trustingStacks",
        )
    arns = []
    for account in sorted(value, key=str):
        check.account_id(key, account)
        arn = check.role_arn(f"{key}.{account}", value[account])
        role = parse_role_arn(arn)
        if role is None or role.account_id != account:
            raise InvalidInputError(f"{key}.{account}", arn, f"is not a role of account {account!r}")
        arns.append(arn)
    return arns


def _end_of(stack: str, value: Any) -> str:
    """A trusting stack's expiresAt: "" when absent or empty (older stacks), else an RFC 3339 UTC time."""
    if value is None or value == "":
        return ""
    return check.expiry_time(f"trustingStacks: {stack}: {EXPIRES_AT_OUTPUT}", value)


@dataclass(frozen=True)
class StackRoles:
    """What one trusting stack gives: its role ARNs, and what their trust policy requires."""

    role_arns: tuple[str, ...]
    requirement: Mapping[str, Any]
    """The RoleRequirement fields (role_arn aside) that apply to every role of the stack."""


_READ_OUTPUTS = (
    ROLE_ARN_OUTPUT,
    ROLE_ARNS_BY_ACCOUNT_OUTPUT,
    EXTERNAL_ID_REQUIRED_OUTPUT,
    MFA_REQUIRED_OUTPUT,
    SESSION_NAME_REQUIRED_OUTPUT,
    SOURCE_IDENTITY_REQUIRED_OUTPUT,
    SESSION_TAGS_ALLOWED_OUTPUT,
    SOURCE_IDENTITY_ALLOWED_OUTPUT,
    EXPIRES_AT_OUTPUT,
)
_FLAG_OUTPUTS = {
    "external_id_required": EXTERNAL_ID_REQUIRED_OUTPUT,
    "mfa_required": MFA_REQUIRED_OUTPUT,
    "session_name_required": SESSION_NAME_REQUIRED_OUTPUT,
    "source_identity_required": SOURCE_IDENTITY_REQUIRED_OUTPUT,
    "session_tags_allowed": SESSION_TAGS_ALLOWED_OUTPUT,
    "source_identity_allowed": SOURCE_IDENTITY_ALLOWED_OUTPUT,
}
"""RoleRequirement field -> the trusting stack output it is read from (absent on older stacks: false)."""


def _stack_roles(stack: str, out: Mapping[str, Any], secret_names: Sequence[str] = ()) -> StackRoles:
    """What a stack gives, checked; a bad value is reported without the value of a secret output."""
    try:
        return _checked_stack_roles(stack, out)
    except InvalidInputError as error:
        secret = [name for name in _READ_OUTPUTS if name in secret_names]
        if not secret:
            raise
        values = check.secret_strings([out.get(name) for name in secret])
        tail = error.key.rsplit(": ", 1)[-1].split(".", 1)[0]  # the output: "roleArnsByAccount.<account>"
        raise InvalidInputError(
            scrub_key(error.key, values, OUTPUT_NAMES),
            hidden_value(error.value) if tail in secret else scrubbed(error.value, values),
            scrub(error.rule, values, OUTPUT_NAMES),
        ) from None


def _checked_stack_roles(stack: str, out: Mapping[str, Any]) -> StackRoles:
    by_account = out.get(ROLE_ARNS_BY_ACCOUNT_OUTPUT)
    arns = (
        _role_arns_by_account(stack, by_account)
        if by_account is not None
        else [_role_arn_of(stack, out.get(ROLE_ARN_OUTPUT))]
    )
    requirement: dict[str, Any] = {field: out.get(output) is True for field, output in _FLAG_OUTPUTS.items()}
    requirement["expires_at"] = _end_of(stack, out.get(EXPIRES_AT_OUTPUT))
    return StackRoles(tuple(arns), requirement)


def _read_stacks(stacks: tuple[str, ...], reporter: Reporter, resolved: list[Any]) -> Any:
    """The StackRoles of each trusting stack; secret if a stack marks one of the outputs read secret.

    A bad value ends the run in one line naming the stack and the output; from then on, the values
    of secret outputs are hidden from every error and warning too.
    """
    outputs, secret_names = resolved[: len(stacks)], resolved[len(stacks) :]
    secret = False
    for out, names in zip(outputs, secret_names, strict=True):
        read = [name for name in _READ_OUTPUTS if name in (names or ())]
        if read:
            secret = True
            reporter.add_secrets([out.get(name) for name in read])
    values = reported_late(
        reporter,
        lambda: [
            _stack_roles(stack, out, names or ())
            for stack, out, names in zip(stacks, outputs, secret_names, strict=True)
        ],
    )
    return pulumi.Output.secret(values) if secret else values


def _roles_and_requirements(
    settings: TrustedSettings, key: str, stacks: list[StackRoles], *, late: bool = False
) -> tuple[list[str], list[dict[str, Any]]]:
    """Every role ARN (the stacks', in order, then roleArns), checked, and the requirements the stacks give.

    ``late``: called inside an apply (the stacks' outputs resolved), where an error ends the run as one line.
    """
    arns = [arn for roles in stacks for arn in roles.role_arns] + list(settings.role_arns)
    requirements = [{"role_arn": arn, **roles.requirement} for roles in stacks for arn in roles.role_arns]
    names = {**KEY_FOR_ARG, "role_arns": key}

    def checks() -> list[str]:
        checked = list(
            check.string_list(key, arns, check.role_arn, required=True, identity=check.role_identity)
        )
        by_role = requirements_by_role(checked, requirements)
        ends = effective_ends(checked, by_role, settings.args.get("expires_at"))
        actions = session_actions(checked, by_role)
        chunks = split_role_arns(
            checked, require_mfa=settings.args["require_mfa"], ends=ends, actions=actions
        )
        limit = settings.args["managed_policies_per_principal_limit"]
        check_policies_per_principal(len(checked), len(chunks), limit)
        return checked

    if late:
        checked = reported_late(settings.reporter, checks, names)
    else:
        with config_names(names):
            checked = checks()
    return checked, requirements


def _principals_output(principals: Mapping[str, Any]) -> dict[str, Any]:
    """The component's principals under the stack's camelCase names."""
    return {
        "users": principals["users"],
        "groups": principals["groups"],
        "roles": principals["roles"],
        "newGroup": principals["new_group"],
        "newGroupMembers": principals["new_group_members"],
    }


def build_trusted(settings: TrustedSettings) -> None:
    # All trusting stacks are read in one apply: a get_output per stack and output cost
    # about 3 ms more per stack, and 37 MiB more at 1,000 stacks (docs/benchmarks.md).
    # As with get_output, the values are secret only if a stack marks one of them secret.
    stacks = settings.trusting_stacks
    references = [pulumi.StackReference(stack) for stack in stacks]
    stacks_read = pulumi.Output.unsecret(
        pulumi.Output.all(*(r.outputs for r in references), *(r.secret_output_names for r in references))
    ).apply(partial(_read_stacks, stacks, settings.reporter))
    role_arns: Any
    requirements: Any
    if references:
        both = stacks_read.apply(
            lambda values: _roles_and_requirements(settings, "trustingStacks/roleArns", values, late=True)
        )
        role_arns = both.apply(lambda pair: pair[0])
        requirements = both.apply(lambda pair: pair[1])
    else:
        role_arns, requirements = _roles_and_requirements(settings, "roleArns", [])
    secret = secret_args(settings.secret_keys)
    if settings.secret_keys & {"roleArns", "trustingStacks"}:
        # The roles, and what their stacks say of them, are as secret as where they come from.
        secret = (*secret, "role_arns", "role_requirements")
    access = TrustedAccountAccess(
        "trusted",
        {
            **{k: v for k, v in settings.args.items() if v is not None},  # type: ignore[typeddict-item]
            "role_arns": role_arns,
            "role_requirements": requirements,
            **({"secret_inputs": secret} if secret else {}),
        },
        protected(settings),
        input_names=CALLER_NAMES,
    )
    pulumi.export("policyArn", access.policy_arns.apply(lambda arns: arns[0] if len(arns) == 1 else None))
    pulumi.export("policyArns", access.policy_arns)
    pulumi.export("roleArns", access.role_arns)
    pulumi.export("switchRoleUrls", access.switch_role_urls)
    pulumi.export("awsCliConfig", access.aws_cli_config)
    pulumi.export("switchRolesExtensionConfig", access.switch_roles_extension_config)
    pulumi.export("principals", access.principals.apply(_principals_output))
