"""The stackset mode of TrustingRoleRollout: one service-managed CloudFormation StackSet.

The role is declared in a CloudFormation template built from the same
``documents`` functions as ``TrustingAccountRole`` (trust policy, managed and
inline policies, boundary, path, tags, longest session); one
``aws.cloudformation.StackSet`` (``SERVICE_MANAGED``, automatic deployment)
holds it, and one ``aws.cloudformation.StackSetInstance`` per organizational
unit deploys it to every account of the unit, those that join later included,
through one provider: the caller's. See docs/rollout.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from . import limits
from . import validation as check
from .documents import (
    TEMPLATE_BODY_MAX,
    revoke_older_sessions_policy,
    role_arn_pattern,
    role_template,
    template_body,
)
from .trusting import checked_trust_policy
from .validation import InvalidInputError

MODES = ("providers", "stackset")
CALL_AS = ("SELF", "DELEGATED_ADMIN")
REGION_CONCURRENCY = ("PARALLEL", "SEQUENTIAL")
STACKSET_INPUTS = (
    "organizational_unit_ids",
    "exclude_account_ids",
    "management_account_id",
    "stack_set_name",
    "call_as",
    "retain_stacks_on_account_removal",
    "max_concurrent_percentage",
    "failure_tolerance_percentage",
    "region_concurrency_type",
    "stack_set_instance_region",
)
"""The inputs only the stackset mode reads."""
PROVIDERS_INPUTS = ("deployment_role_name", "deployment_role_external_id")
"""The inputs only the providers mode reads."""
MANAGEMENT_REFUSED = "use rolloutMode providers for the management account, or a plain trusting stack"
STACK_SET_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}", re.ASCII)
REGION_PARTITIONS = (
    ("us-gov-", "aws-us-gov"),
    ("cn-", "aws-cn"),
    ("us-iso-", "aws-iso"),
    ("us-isob-", "aws-iso-b"),
)


def region_partition(region: str) -> str:
    """The partition a region belongs to (``us-gov-west-1`` -> ``aws-us-gov``)."""
    for prefix, partition in REGION_PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


def default_stack_set_name(stack: str) -> str:
    """``cross-account-access-<stack>``, with what a StackSet name may not hold turned into hyphens."""
    return re.sub(r"[^A-Za-z0-9-]", "-", f"cross-account-access-{stack}")[:128]


def unsupported(role: Mapping[str, Any]) -> InvalidInputError | None:
    """The first role input (of those given) the stackset mode cannot express, with the reason; None when all can be."""
    for name in ("external_id", "external_ids"):
        if role.get(name) is not None:
            return InvalidInputError(
                name,
                check.hidden_value(None),
                "cannot be used in stackset mode: the StackSet template is stored in plain text in "
                "CloudFormation (DescribeStackSet shows it to anyone allowed to call it), so a secret "
                "external id would not stay secret; use rollout_mode providers",
            )
    secret = [name for name in role.get("secret_inputs") or () if name in role]
    if secret:
        return InvalidInputError(
            "secret_inputs",
            secret,
            "cannot be used in stackset mode: the StackSet template, which holds every input of the "
            "role, is stored in plain text in CloudFormation; use rollout_mode providers",
        )
    if role.get("force_detach_policies") is False:
        return InvalidInputError(
            "force_detach_policies",
            False,
            "cannot be used in stackset mode: CloudFormation deletes the roles it made with its own "
            "handler, which has no such option; leave it at its default",
        )
    return None


def validate_stackset_args(args: Mapping[str, Any], partition: str | None = None) -> dict[str, Any]:
    """The stackset mode's own inputs, checked and with their defaults."""
    if partition == "aws-cn":
        raise InvalidInputError(
            "rollout_mode",
            "stackset",
            "is not available in partition 'aws-cn': AWS Organizations trusted access for CloudFormation "
            "StackSets is not supported in the China regions; use rollout_mode providers",
        )
    out: dict[str, Any] = {}
    units = args.get("organizational_unit_ids")
    if not units:
        raise InvalidInputError(
            "organizational_unit_ids", units, "is required in stackset mode: the units to deploy the role to"
        )
    out["organizational_unit_ids"] = check.string_list(
        "organizational_unit_ids", units, check.organizational_unit_id, required=True
    )
    out["exclude_account_ids"] = check.string_list(
        "exclude_account_ids", args.get("exclude_account_ids"), check.account_id
    )
    management = args.get("management_account_id")
    out["management_account_id"] = (
        None if management in (None, "") else check.account_id("management_account_id", management)
    )
    name = args.get("stack_set_name")
    if name is not None and (not isinstance(name, str) or STACK_SET_NAME_RE.fullmatch(name) is None):
        raise InvalidInputError(
            "stack_set_name",
            name,
            "is not a StackSet name (a letter, then up to 127 ASCII letters, digits and hyphens)",
        )
    out["stack_set_name"] = name
    call_as = args.get("call_as", limits.DEFAULT_CALL_AS)
    if call_as not in CALL_AS:
        raise InvalidInputError("call_as", call_as, f"must be one of {', '.join(CALL_AS)}")
    out["call_as"] = call_as
    out["retain_stacks_on_account_removal"] = check.boolean(
        "retain_stacks_on_account_removal", args.get("retain_stacks_on_account_removal", False)
    )
    out["max_concurrent_percentage"] = check.integer(
        "max_concurrent_percentage",
        args.get("max_concurrent_percentage", limits.DEFAULT_MAX_CONCURRENT_PERCENTAGE),
        1,
        100,
        " percent",
    )
    out["failure_tolerance_percentage"] = check.integer(
        "failure_tolerance_percentage",
        args.get("failure_tolerance_percentage", limits.DEFAULT_FAILURE_TOLERANCE_PERCENTAGE),
        0,
        100,
        " percent",
    )
    concurrency = args.get("region_concurrency_type", limits.DEFAULT_REGION_CONCURRENCY)
    if concurrency not in REGION_CONCURRENCY:
        raise InvalidInputError(
            "region_concurrency_type", concurrency, f"must be one of {', '.join(REGION_CONCURRENCY)}"
        )
    out["region_concurrency_type"] = concurrency
    region = args.get("stack_set_instance_region")
    if region is not None:
        region = check.region("stack_set_instance_region", region)
        if partition is not None and region_partition(region) != partition:
            raise InvalidInputError(
                "stack_set_instance_region",
                region,
                f"is a region of partition {region_partition(region)!r}, not of {partition!r}, where "
                "the stack set is made",
            )
    out["stack_set_instance_region"] = region
    return out


def refuse_management(accounts: Sequence[str], management: str | None, key: str) -> None:
    """StackSets never deploy to the organization's management account: refuse it as a target."""
    if management is not None and management in accounts:
        raise InvalidInputError(
            key,
            management,
            "is the organization's management account, where StackSets never deploy a stack instance: "
            + MANAGEMENT_REFUSED,
        )


def stack_set_template(partition: str, trusted: Sequence[str], settings: Mapping[str, Any]) -> str:
    """The StackSet's template body: the role, its documents built as TrustingAccountRole builds them."""
    document = checked_trust_policy(partition, trusted, None, settings)
    managed = [
        policy if policy.startswith("arn:") else f"arn:{partition}:iam::aws:policy/{policy}"
        for policy in settings["managed_policy_arns"]
    ]
    inline = dict(settings["inline_policies"])
    if settings.get("revoke_sessions_issued_before") is not None:
        # The same inline policy TrustingAccountRole adds (the console's Revoke active sessions).
        inline[limits.REVOKE_SESSIONS_POLICY_NAME] = revoke_older_sessions_policy(
            settings["revoke_sessions_issued_before"]
        )
    body = template_body(
        role_template(
            role_name=settings["role_name"],
            role_path=settings["role_path"],
            description=settings["role_description"],
            trust_policy=document,
            managed_policy_arns=managed,
            inline_policies=inline,
            max_session_duration=settings["max_session_duration"],
            permissions_boundary_arn=settings["permissions_boundary_arn"],
            tags=settings["tags"],
        )
    )
    size = len(body.encode())
    if size > TEMPLATE_BODY_MAX:
        raise InvalidInputError(
            "inline_policies",
            f"<template of {size} bytes>",
            f"makes a StackSet template over CloudFormation's {TEMPLATE_BODY_MAX}-byte limit: move "
            "inline policies into managed policies (managed_policy_arns)",
        )
    return body


def build_stack_set(
    parent: pulumi.Resource,
    name: str,
    stackset: Mapping[str, Any],
    settings: Mapping[str, Any],
    partition: str,
    region: str,
) -> tuple[aws.cloudformation.StackSet, dict[str, aws.cloudformation.StackSetInstance]]:
    """The StackSet and one StackSetInstance per organizational unit, children of ``parent``."""
    body = pulumi.Output.from_input(settings["trusted_account_ids"]).apply(
        lambda trusted: stack_set_template(partition, trusted, settings)
    )
    preferences = {
        "max_concurrent_percentage": stackset["max_concurrent_percentage"],
        "failure_tolerance_percentage": stackset["failure_tolerance_percentage"],
        "region_concurrency_type": stackset["region_concurrency_type"],
    }
    stack_set = aws.cloudformation.StackSet(
        f"{name}-stackset",
        name=stackset["stack_set_name"],
        description=f"Cross-account access role {settings['role_path']}{settings['role_name']}",
        permission_model="SERVICE_MANAGED",
        auto_deployment=aws.cloudformation.StackSetAutoDeploymentArgs(
            enabled=True,
            retain_stacks_on_account_removal=stackset["retain_stacks_on_account_removal"],
        ),
        capabilities=["CAPABILITY_NAMED_IAM"],
        call_as=stackset["call_as"],
        operation_preferences=aws.cloudformation.StackSetOperationPreferencesArgs(**preferences),
        template_body=body,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    excluded = list(stackset["exclude_account_ids"])
    instances = {}
    for unit in stackset["organizational_unit_ids"]:
        targets = aws.cloudformation.StackSetInstanceDeploymentTargetsArgs(
            organizational_unit_ids=[unit],
            **({"account_filter_type": "DIFFERENCE", "accounts": excluded} if excluded else {}),
        )
        instances[unit] = aws.cloudformation.StackSetInstance(
            f"{name}-{unit}",
            stack_set_name=stack_set.name,
            deployment_targets=targets,
            stack_set_instance_region=stackset["stack_set_instance_region"] or region,
            call_as=stackset["call_as"],
            operation_preferences=aws.cloudformation.StackSetInstanceOperationPreferencesArgs(**preferences),
            retain_stack=stackset["retain_stacks_on_account_removal"],
            opts=pulumi.ResourceOptions(parent=parent),
        )
    return stack_set, instances


def pattern(partition: str, settings: Mapping[str, Any]) -> str:
    """The role_arn_pattern output: the role, by its path and name, in any account."""
    return role_arn_pattern(partition, settings["role_path"], settings["role_name"])
