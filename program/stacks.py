"""Build one side from checked settings and export the contract's stack outputs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from cross_account import TrustedAccountAccess, TrustingAccountRole, TrustingRoleRollout
from cross_account import validation as check
from cross_account.limits import (
    EXPIRES_AT_OUTPUT,
    EXTERNAL_ID_REQUIRED_OUTPUT,
    MFA_REQUIRED_OUTPUT,
    ROLE_ARN_OUTPUT,
    ROLE_ARNS_BY_ACCOUNT_OUTPUT,
    SESSION_NAME_REQUIRED_OUTPUT,
    SOURCE_IDENTITY_REQUIRED_OUTPUT,
    SWITCH_ROLE_URLS_BY_ACCOUNT_OUTPUT,
)
from cross_account.rollout import ROLE_INPUTS
from cross_account.trusted import check_policies_per_principal, split_role_arns
from cross_account.trusting import checked_trust_policy, validate_trusting_args
from cross_account.validation import InvalidInputError

from .settings import (
    CALLER_NAMES,
    KEY_FOR_ARG,
    RolloutSettings,
    TrustedSettings,
    TrustingSettings,
    secret_args,
)


@contextmanager
def config_names(names: Mapping[str, str] = KEY_FOR_ARG) -> Iterator[None]:
    """Report a component's InvalidInputError under the config keys the user wrote."""
    try:
        yield
    except InvalidInputError as error:
        raise error.renamed(names) from None


def build(settings: TrustingSettings | TrustedSettings) -> None:
    if isinstance(settings, TrustingSettings):
        build_trusting(settings)
    else:
        build_trusted(settings)


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
        build_rollout(settings.rollout, args, checked["trusted_account_ids"], secret)
        return
    secret = tuple(name for name in secret if name in ROLE_INPUTS)
    if secret:
        args["secret_inputs"] = secret
    role = TrustingAccountRole("trusting", args, input_names=CALLER_NAMES)  # type: ignore[arg-type]
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


def build_rollout(
    rollout: RolloutSettings, args: dict[str, Any], trusted: Sequence[str], secret: tuple[str, ...]
) -> None:
    """The role in every target account, through TrustingRoleRollout; the accounts resolved first."""
    accounts = target_accounts(rollout, trusted)
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
    component = TrustingRoleRollout("trusting", rollout_args, input_names=CALLER_NAMES)  # type: ignore[arg-type]
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


def target_accounts(rollout: RolloutSettings, trusted: Sequence[str]) -> tuple[str, ...]:
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
            pulumi.log.warn(
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


def _checked_arns(settings: TrustedSettings, key: str, arns: list[str]) -> list[str]:
    """All role ARNs, distinct, and few enough for the policies each user and group may take."""
    names = {**KEY_FOR_ARG, "role_arns": key}
    with config_names(names):
        checked = list(
            check.string_list(key, arns, check.role_arn, required=True, identity=check.role_identity)
        )
        chunks = split_role_arns(checked, require_mfa=settings.args["require_mfa"])
        limit = settings.args["managed_policies_per_principal_limit"]
        check_policies_per_principal(len(checked), len(chunks), limit)
    return checked


_READ_OUTPUTS = (ROLE_ARN_OUTPUT, EXTERNAL_ID_REQUIRED_OUTPUT, MFA_REQUIRED_OUTPUT)


def _read_stacks(stacks: tuple[str, ...], resolved: list[Any]) -> Any:
    """(roleArn, externalIdRequired, mfaRequired) of each trusting stack; secret if a stack marks one so."""
    outputs, secret_names = resolved[: len(stacks)], resolved[len(stacks) :]
    values = [
        (
            _role_arn_of(stack, out.get(ROLE_ARN_OUTPUT)),
            out.get(EXTERNAL_ID_REQUIRED_OUTPUT) is True,
            out.get(MFA_REQUIRED_OUTPUT) is True,
        )
        for stack, out in zip(stacks, outputs, strict=True)
    ]
    secret = any(set(_READ_OUTPUTS) & set(names or ()) for names in secret_names)
    return pulumi.Output.secret(values) if secret else values


def _any_flag(index: int, values: list[tuple[str, bool, bool]]) -> bool:
    return any(v[index] for v in values)


def build_trusted(settings: TrustedSettings) -> None:
    # All trusting stacks are read in one apply: a get_output per stack and output cost
    # about 3 ms more per stack, and 37 MiB more at 1,000 stacks (docs/benchmarks.md).
    # As with get_output, the values are secret only if a stack marks one of them secret.
    stacks = settings.trusting_stacks
    references = [pulumi.StackReference(stack) for stack in stacks]
    stacks_read = pulumi.Output.unsecret(
        pulumi.Output.all(*(r.outputs for r in references), *(r.secret_output_names for r in references))
    ).apply(partial(_read_stacks, stacks))
    flags = {
        flag: stacks_read.apply(partial(_any_flag, index))
        for index, flag in enumerate(_READ_OUTPUTS[1:], start=1)
    }
    role_arns: Any
    if references:
        role_arns = stacks_read.apply(
            lambda values: _checked_arns(
                settings, "trustingStacks/roleArns", [v[0] for v in values] + list(settings.role_arns)
            )
        )
    else:
        role_arns = _checked_arns(settings, "roleArns", list(settings.role_arns))
    secret = secret_args(settings.secret_keys)
    access = TrustedAccountAccess(
        "trusted",
        {
            **settings.args,  # type: ignore[typeddict-item]
            "role_arns": role_arns,
            "role_requires_external_id": flags[EXTERNAL_ID_REQUIRED_OUTPUT],
            "role_requires_mfa": flags[MFA_REQUIRED_OUTPUT],
            **({"secret_inputs": secret} if secret else {}),
        },
        input_names=CALLER_NAMES,
    )
    pulumi.export("policyArn", access.policy_arns.apply(lambda arns: arns[0] if len(arns) == 1 else None))
    pulumi.export("policyArns", access.policy_arns)
    pulumi.export("roleArns", access.role_arns)
    pulumi.export("switchRoleUrls", access.switch_role_urls)
    pulumi.export("awsCliConfig", access.aws_cli_config)
