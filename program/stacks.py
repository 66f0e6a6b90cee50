"""Build one side from checked settings and export the contract's stack outputs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from cross_account import TrustedAccountAccess, TrustingAccountRole
from cross_account import validation as check
from cross_account.limits import (
    EXPIRES_AT_OUTPUT,
    EXTERNAL_ID_REQUIRED_OUTPUT,
    MFA_REQUIRED_OUTPUT,
    ROLE_ARN_OUTPUT,
    SESSION_NAME_REQUIRED_OUTPUT,
    SESSION_TAGS_ALLOWED_OUTPUT,
    SOURCE_IDENTITY_ALLOWED_OUTPUT,
    SOURCE_IDENTITY_REQUIRED_OUTPUT,
)
from cross_account.trusted import check_policies_per_principal, split_role_arns
from cross_account.trusting import checked_trust_policy, validate_trusting_args
from cross_account.validation import InvalidInputError

from .settings import CALLER_NAMES, KEY_FOR_ARG, TrustedSettings, TrustingSettings, secret_args


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
    if secret:
        args["secret_inputs"] = secret
    role = TrustingAccountRole("trusting", args, input_names=CALLER_NAMES)  # type: ignore[arg-type]
    pulumi.export("roleArn", role.role_arn)
    pulumi.export("roleName", role.role_name)
    pulumi.export("switchRoleUrl", role.switch_role_url)
    pulumi.export(EXTERNAL_ID_REQUIRED_OUTPUT, role.external_id_required)
    pulumi.export(MFA_REQUIRED_OUTPUT, role.mfa_required)
    pulumi.export("roleUniqueId", role.role_unique_id)
    pulumi.export("rolePath", role.role_path)
    pulumi.export(EXPIRES_AT_OUTPUT, role.expires_at)
    pulumi.export(SESSION_NAME_REQUIRED_OUTPUT, role.session_name_required)
    pulumi.export(SOURCE_IDENTITY_REQUIRED_OUTPUT, role.source_identity_required)
    pulumi.export(SESSION_TAGS_ALLOWED_OUTPUT, role.session_tags_allowed)
    pulumi.export(SOURCE_IDENTITY_ALLOWED_OUTPUT, role.source_identity_allowed)


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
