"""Build one side from checked settings and export the contract's stack outputs."""

from __future__ import annotations

from functools import partial
from typing import Any

import pulumi

from cross_account import TrustedAccountAccess, TrustingAccountRole
from cross_account import validation as check
from cross_account.limits import (
    EXTERNAL_ID_REQUIRED_OUTPUT,
    MFA_REQUIRED_OUTPUT,
    ROLE_ARN_OUTPUT,
)
from cross_account.validation import InvalidInputError

from .settings import TrustedSettings, TrustingSettings


def build(settings: TrustingSettings | TrustedSettings) -> None:
    if isinstance(settings, TrustingSettings):
        build_trusting(settings)
    else:
        build_trusted(settings)


def build_trusting(settings: TrustingSettings) -> None:
    args: dict[str, Any] = dict(settings.args)
    if "external_id" in args:
        # Always a secret in state and outputs, whether or not it was set with --secret.
        args["external_id"] = pulumi.Output.secret(args["external_id"])
        if not settings.external_id_secret:
            pulumi.log.warn(
                "externalId is stored in plain text in the stack's config file: set it with "
                "`pulumi config set --secret cross-account-access:externalId <id>`"
            )
    role = TrustingAccountRole("trusting", args)  # type: ignore[arg-type]
    pulumi.export("roleArn", role.role_arn)
    pulumi.export("roleName", role.role_name)
    pulumi.export("switchRoleUrl", role.switch_role_url)
    pulumi.export(EXTERNAL_ID_REQUIRED_OUTPUT, role.external_id_required)
    pulumi.export(MFA_REQUIRED_OUTPUT, role.mfa_required)


def _role_arn_of(stack: str, value: Any) -> str:
    if value is None:
        raise InvalidInputError(
            "trustingStacks",
            stack,
            f"has no {ROLE_ARN_OUTPUT!r} output: run `pulumi up` on that stack first, "
            "or list the role in roleArns",
        )
    return check.role_arn(f"trustingStacks: {stack}: {ROLE_ARN_OUTPUT}", value)


def _checked_arns(arns: list[str]) -> list[str]:
    return list(check.string_list("trustingStacks/roleArns", arns, check.role_arn, required=True))


def build_trusted(settings: TrustedSettings) -> None:
    references = [pulumi.StackReference(stack) for stack in settings.trusting_stacks]
    referenced = [
        ref.get_output(ROLE_ARN_OUTPUT).apply(partial(_role_arn_of, stack))
        for stack, ref in zip(settings.trusting_stacks, references, strict=True)
    ]
    flags = {
        flag: pulumi.Output.all(*(ref.get_output(flag) for ref in references)).apply(
            lambda values: any(v is True for v in values)
        )
        for flag in (EXTERNAL_ID_REQUIRED_OUTPUT, MFA_REQUIRED_OUTPUT)
    }
    role_arns: Any = list(settings.role_arns)
    if referenced:
        role_arns = pulumi.Output.all(*referenced, *settings.role_arns).apply(_checked_arns)
    access = TrustedAccountAccess(
        "trusted",
        {
            **settings.args,  # type: ignore[typeddict-item]
            "role_arns": role_arns,
            "external_id_required": flags[EXTERNAL_ID_REQUIRED_OUTPUT],
            "mfa_required": flags[MFA_REQUIRED_OUTPUT],
        },
    )
    pulumi.export("policyArn", access.policy_arns.apply(lambda arns: arns[0] if len(arns) == 1 else None))
    pulumi.export("policyArns", access.policy_arns)
    pulumi.export("roleArns", access.role_arns)
    pulumi.export("switchRoleUrls", access.switch_role_urls)
    pulumi.export("awsCliConfig", access.aws_cli_config)
