"""Build one side from checked settings and export the contract's stack outputs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from cross_account import TrustedAccountAccess, TrustingAccountRole, TrustingRoleRollout
from cross_account import validation as check
from cross_account.documents import external_id_digest, parse_role_arn, with_external_ids
from cross_account.limits import (
    AUDIT_BASELINE_OUTPUT,
    EXPIRES_AT_OUTPUT,
    EXTERNAL_ID_REQUIRED_OUTPUT,
    MFA_REQUIRED_OUTPUT,
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
from cross_account.trusting import TRUST_INPUTS, checked_trust_policy, validate_trusting_args
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


def protected(settings: TrustingSettings | TrustedSettings) -> pulumi.ResourceOptions | None:
    """``protect`` for the component, which its children inherit; None (no options) when not asked."""
    return pulumi.ResourceOptions(protect=True) if settings.protect else None


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
        baseline = audit_baseline(partition, checked, secret_args(settings.secret_keys))
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
            settings.rollout, args, checked["trusted_account_ids"], secret, baseline, protected(settings)
        )
        return
    secret = tuple(name for name in secret if name in ROLE_INPUTS)
    if secret:
        args["secret_inputs"] = secret
    role = TrustingAccountRole("trusting", args, protected(settings), input_names=CALLER_NAMES)  # type: ignore[arg-type]
    export_role(role, role.role_arn, role.switch_role_url, role.role_unique_id, baseline)


BASELINE_INPUTS = (
    *TRUST_INPUTS,
    "managed_policy_arns",
    "inline_policies",
    "max_session_duration",
    "permissions_boundary_arn",
)
"""The inputs the audit baseline is made of: if one is secret (or an external id is set), so is the baseline."""


def audit_baseline(partition: str, checked: Mapping[str, Any], secret: Sequence[str]) -> Any:
    """What every role of the stack should be, for cross-account-audit: the trust policy (an external
    id only as its digest), the managed policy ARNs, the inline policy names, the longest session and
    the permissions boundary. Secret when an external id is set or one of its inputs is secret."""
    external_id = checked["external_id"] if checked["external_id"] is not None else checked["external_ids"]
    document = checked_trust_policy(partition, checked["trusted_account_ids"], external_id, checked)
    baseline = {
        "trustPolicy": with_external_ids(document, external_id_digest),
        "managedPolicyArns": [
            arn if arn.startswith("arn:") else f"arn:{partition}:iam::aws:policy/{arn}"
            for arn in checked["managed_policy_arns"]
        ],
        "inlinePolicyNames": sorted(checked["inline_policies"]),
        "maxSessionDuration": checked["max_session_duration"],
        "permissionsBoundaryArn": checked["permissions_boundary_arn"] or "",
    }
    if external_id is not None or set(secret) & set(BASELINE_INPUTS):
        return pulumi.Output.secret(baseline)
    return baseline


def export_role(
    role: TrustingAccountRole | TrustingRoleRollout,
    role_arn: pulumi.Output[str] | None,
    switch_role_url: pulumi.Output[str] | None,
    role_unique_id: pulumi.Output[str] | None,
    baseline: Any,
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
    pulumi.export(AUDIT_BASELINE_OUTPUT, baseline)


def build_rollout(
    rollout: RolloutSettings,
    args: dict[str, Any],
    trusted: Sequence[str],
    secret: tuple[str, ...],
    baseline: Any,
    opts: pulumi.ResourceOptions | None = None,
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
            baseline,
        )
    else:
        export_role(component, None, None, None, baseline)
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


def _role_arns_by_account(stack: str, value: Any) -> list[str]:
    """The role ARNs of a rollout stack, in account-id order; each ARN in the account it is listed under."""
    key = f"trustingStacks: {stack}: {ROLE_ARNS_BY_ACCOUNT_OUTPUT}"
    if not isinstance(value, Mapping):
        raise InvalidInputError(key, value, "must be a map of account ids to role ARNs")
    if not value:
        pulumi.log.warn(
            f"trustingStacks: {stack!r} exports an empty {ROLE_ARNS_BY_ACCOUNT_OUTPUT}: it adds no role"
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


def _stack_roles(stack: str, out: Mapping[str, Any]) -> StackRoles:
    by_account = out.get(ROLE_ARNS_BY_ACCOUNT_OUTPUT)
    arns = (
        _role_arns_by_account(stack, by_account)
        if by_account is not None
        else [_role_arn_of(stack, out.get(ROLE_ARN_OUTPUT))]
    )
    requirement: dict[str, Any] = {field: out.get(output) is True for field, output in _FLAG_OUTPUTS.items()}
    requirement["expires_at"] = _end_of(stack, out.get(EXPIRES_AT_OUTPUT))
    return StackRoles(tuple(arns), requirement)


def _read_stacks(stacks: tuple[str, ...], resolved: list[Any]) -> Any:
    """The StackRoles of each trusting stack; secret if a stack marks one of the outputs read secret."""
    outputs, secret_names = resolved[: len(stacks)], resolved[len(stacks) :]
    values = [_stack_roles(stack, out) for stack, out in zip(stacks, outputs, strict=True)]
    secret = any(set(_READ_OUTPUTS) & set(names or ()) for names in secret_names)
    return pulumi.Output.secret(values) if secret else values


def _roles_and_requirements(
    settings: TrustedSettings, key: str, stacks: list[StackRoles]
) -> tuple[list[str], list[dict[str, Any]]]:
    """Every role ARN (the stacks', in order, then roleArns), checked, and the requirements the stacks give."""
    arns = [arn for roles in stacks for arn in roles.role_arns] + list(settings.role_arns)
    requirements = [{"role_arn": arn, **roles.requirement} for roles in stacks for arn in roles.role_arns]
    names = {**KEY_FOR_ARG, "role_arns": key}
    with config_names(names):
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
    ).apply(partial(_read_stacks, stacks))
    role_arns: Any
    requirements: Any
    if references:
        both = stacks_read.apply(
            lambda values: _roles_and_requirements(settings, "trustingStacks/roleArns", values)
        )
        role_arns = both.apply(lambda pair: pair[0])
        requirements = both.apply(lambda pair: pair[1])
    else:
        role_arns, requirements = _roles_and_requirements(settings, "roleArns", [])
    secret = secret_args(settings.secret_keys)
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
