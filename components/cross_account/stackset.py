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

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from . import limits, validation as check
from .documents import (
    TEMPLATE_BODY_MAX,
    revoke_older_sessions_policy,
    role_arn_pattern,
    role_template,
    template_body,
)
from .iam.grammar import region_partition as region_partition
from .spec_fields import parse
from .specs import (
    CALL_AS as CALL_AS,
    MODES as MODES,
    REGION_CONCURRENCY as REGION_CONCURRENCY,
    RoleSpec,
    StackSetSpec,
)
from .trusting import checked_trust_policy
from .validation import InvalidInputError, Reporter

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
    "stack_set_recreate_roles",
)
"""The inputs only the stackset mode reads."""
PROVIDERS_INPUTS = ("deployment_role_name", "deployment_role_external_id")
"""The inputs only the providers mode reads."""
MANAGEMENT_REFUSED = "use rolloutMode providers for the management account, or a plain trusting stack"
EXCLUDE_REFUSED = (
    "cannot be used with rollout_mode stackset: automatic deployment ignores account-level filters "
    "(AWS's StackSets guide), so an excluded account that leaves and joins a unit again, or moves "
    "between its child units, gets the role; and a changed list replaces every stack set instance, which "
    "deletes the role from every account of the unit. Move these accounts to an organizational unit this "
    "stack does not target, or use rollout_mode providers"
)
"""Why a stackset rollout takes no account filter."""
MOVE_OUT = "move it to an organizational unit this stack does not target, or use rollout_mode providers"
"""What to do with an account of a target unit that must not get the role, in stackset mode."""
STACK_SET_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}", re.ASCII)


def default_stack_set_name(stack: str) -> str:
    """``cross-account-access-<stack>``, unchanged when that is a StackSet name with no ``--``; otherwise
    made one (what a StackSet name may not hold turned into hyphens, cut to fit) and ended with ``--`` and
    a digest of the stack's name, so distinct stack names (``a.b``, ``a_b``, ``a-b``) never share one."""
    name = f"cross-account-access-{stack}"
    if STACK_SET_NAME_RE.fullmatch(name) and "--" not in name:
        return name
    digest = hashlib.sha256(stack.encode()).hexdigest()[:16]
    readable = re.sub(r"[^A-Za-z0-9-]", "-", name)[: 128 - 2 - len(digest)].rstrip("-")
    return f"{readable}--{digest}"


def unsupported(role: Mapping[str, Any]) -> InvalidInputError | None:
    """The first role input (of those given) the stackset mode cannot express, with the reason; None when all can be."""
    callers = role.get("callers") or ()
    with_ids = [c for c in callers if isinstance(c, Mapping) and c.get("external_ids")]
    for name in ("external_id", "external_ids", *(["callers"] if with_ids else [])):
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


def validate_stackset_args(args: Mapping[str, Any], partition: str | None = None) -> StackSetSpec:
    """The stackset mode's own inputs, checked and with their defaults (other inputs are left alone)."""
    if partition == "aws-cn":
        raise InvalidInputError(
            "rollout_mode",
            "stackset",
            "is not available in partition 'aws-cn': AWS Organizations trusted access for CloudFormation "
            "StackSets is not supported in the China regions; use rollout_mode providers",
        )
    given = {k: v for k, v in args.items() if k in STACKSET_INPUTS}

    def region_in_partition(out: dict[str, Any]) -> None:
        region = out["stack_set_instance_region"]
        if region is not None and partition is not None and region_partition(region) != partition:
            raise InvalidInputError(
                "stack_set_instance_region",
                region,
                f"is a region of partition {region_partition(region)!r}, not of {partition!r}, where "
                "the stack set is made",
            )

    return parse(StackSetSpec, given, prepare=_targets, rules=(_no_exclusions, _name, region_in_partition))


def _targets(args: Mapping[str, Any]) -> Mapping[str, Any]:
    """Where the stack set deploys: the units (no root beside others)."""
    units = args.get("organizational_unit_ids")
    if not units:
        raise InvalidInputError(
            "organizational_unit_ids", units, "is required in stackset mode: the units to deploy the role to"
        )
    checked = check.string_list("organizational_unit_ids", units, check.organizational_unit_id, required=True)
    roots = [unit for unit in checked if unit.startswith("r-")]
    if roots and len(checked) > 1:
        raise InvalidInputError(
            "organizational_unit_ids",
            list(checked),
            f"lists the root {roots[0]!r} with other units: the root holds every unit, so " + OVERLAP,
        )
    return {**args, "organizational_unit_ids": checked}


def _no_exclusions(out: dict[str, Any]) -> None:
    if out["exclude_account_ids"]:
        raise InvalidInputError("exclude_account_ids", list(out["exclude_account_ids"]), EXCLUDE_REFUSED)


def _name(out: dict[str, Any]) -> None:
    name = out["stack_set_name"]
    if name is not None and (not isinstance(name, str) or STACK_SET_NAME_RE.fullmatch(name) is None):
        raise InvalidInputError(
            "stack_set_name",
            name,
            "is not a StackSet name (a letter, then up to 127 ASCII letters, digits and hyphens)",
        )


OVERLAP = (
    "two stack set instances would deploy the role to the same accounts, and removing either one from "
    "the list would delete the role from accounts the other still covers: list only units that share no "
    "account (the root alone, or units none of which is under another)"
)


def refuse_overlaps(
    key: str,
    accounts_by_unit: Mapping[str, Sequence[str]],
    descendants_by_unit: Mapping[str, Sequence[str]],
) -> None:
    """Refuse target units that overlap, as AWS Organizations lists them now: a unit under another
    listed unit (``descendants_by_unit``: the units at any depth below each), or two units whose
    accounts (``accounts_by_unit``, at any depth) share one."""
    units = list(accounts_by_unit)
    for unit in units:
        below = set(descendants_by_unit.get(unit, ()))
        for other in units:
            if other != unit and other in below:
                raise InvalidInputError(
                    key, other, f"is a unit under {unit!r}, which is listed too: " + OVERLAP
                )
    holder: dict[str, str] = {}
    for unit in units:
        for account in accounts_by_unit[unit]:
            first = holder.setdefault(account, unit)
            if first != unit:
                raise InvalidInputError(key, [first, unit], f"both hold account {account!r}: " + OVERLAP)


def refuse_management(accounts: Sequence[str], management: str | None, key: str) -> None:
    """StackSets never deploy to the organization's management account: refuse it as a target."""
    if management is not None and management in accounts:
        raise InvalidInputError(
            key,
            management,
            "is the organization's management account, where StackSets never deploy a stack instance: "
            + MANAGEMENT_REFUSED,
        )


def stack_set_template(
    partition: str, trusted: Sequence[str], settings: RoleSpec, trust_policy: Mapping[str, Any] | None = None
) -> str:
    """The StackSet's template body: the role, its documents built as TrustingAccountRole builds them
    (``trust_policy``: the trust policy checked already, by the caller that parsed ``settings``)."""
    document = (
        checked_trust_policy(partition, trusted, None, settings) if trust_policy is None else trust_policy
    )
    managed = [
        policy if policy.startswith("arn:") else f"arn:{partition}:iam::aws:policy/{policy}"
        for policy in settings.managed_policy_arns
    ]
    inline = dict(settings.inline_policies)
    revoke = settings.revoke_sessions_issued_before
    if revoke is not None:
        # The same inline policy TrustingAccountRole adds (the console's Revoke active sessions).
        inline[limits.REVOKE_SESSIONS_POLICY_NAME] = revoke_older_sessions_policy(revoke)
    template = role_template(
        role_name=settings.role_name,
        role_path=settings.role_path,
        description=settings.role_description,
        trust_policy=document,
        managed_policy_arns=managed,
        inline_policies=inline,
        max_session_duration=settings.max_session_duration,
        permissions_boundary_arn=settings.permissions_boundary_arn,
        tags=settings.tags,
    )
    # Every input passed check.not_evaluated; the role's properties are read once more as a whole,
    # so that nothing CloudFormation would evaluate reaches a template, whatever built it.
    check.not_evaluated("template", template["Resources"])
    body = template_body(template)
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
    settings: RoleSpec,
    partition: str,
    region: str,
    report: Reporter,
    body: pulumi.Input[str],
) -> tuple[aws.cloudformation.StackSet, dict[str, aws.cloudformation.StackSetInstance]]:
    """The StackSet (its template ``body``, made once by the caller) and one StackSetInstance per
    organizational unit, children of ``parent``."""
    preferences = {
        "max_concurrent_percentage": stackset["max_concurrent_percentage"],
        "failure_tolerance_percentage": stackset["failure_tolerance_percentage"],
        "region_concurrency_type": stackset["region_concurrency_type"],
    }
    recreate = stackset["stack_set_recreate_roles"]
    stack_set = aws.cloudformation.StackSet(
        f"{name}-stackset",
        name=stackset["stack_set_name"],
        description=f"Cross-account access role {settings.role_path}{settings.role_name}",
        permission_model="SERVICE_MANAGED",
        auto_deployment=aws.cloudformation.StackSetAutoDeploymentArgs(
            enabled=True,
            retain_stacks_on_account_removal=stackset["retain_stacks_on_account_removal"],
        ),
        capabilities=["CAPABILITY_NAMED_IAM"],
        call_as=stackset["call_as"],
        operation_preferences=aws.cloudformation.StackSetOperationPreferencesArgs(**preferences),
        template_body=body,
        opts=_replacement_options(parent, recreate, STACK_SET_REPLACED_BY),
    )
    region = stackset["stack_set_instance_region"] or region
    instances = {}
    for unit in stackset["organizational_unit_ids"]:
        # One unit, no account filter: the targets of an instance never change (a change would
        # replace it, and the old instance's delete removes the role from the whole unit).
        targets = aws.cloudformation.StackSetInstanceDeploymentTargetsArgs(organizational_unit_ids=[unit])
        instances[unit] = aws.cloudformation.StackSetInstance(
            f"{name}-{unit}",
            stack_set_name=stack_set.name,
            deployment_targets=targets,
            stack_set_instance_region=region,
            call_as=stackset["call_as"],
            operation_preferences=aws.cloudformation.StackSetInstanceOperationPreferencesArgs(
                **preferences, concurrency_mode=CONCURRENCY_MODE
            ),
            retain_stack=stackset["retain_stacks_on_account_removal"],
            opts=_replacement_options(parent, recreate, INSTANCE_REPLACED_BY),
        )
    if not recreate:
        held_back(report, parent, stack_set, instances, stackset, region)
    return stack_set, instances


CONCURRENCY_MODE = "SOFT_FAILURE_TOLERANCE"
"""How a stack set instance's operations (deploying a unit) run. CloudFormation rounds both percentages
down to whole accounts (the concurrency to at least one), and its default STRICT_FAILURE_TOLERANCE caps
the accounts deployed at once at the failure tolerance + 1: with 10 % of a unit of fewer than 10 accounts,
one account at a time. SOFT_FAILURE_TOLERANCE decouples the two (AWS CloudFormation API Reference,
StackSetOperationPreferences): every account of a small unit at once, and the operation still stops past
the tolerance (at the first failure, below 10 accounts). The StackSet's own preferences (its template
updates) have no such field in pulumi-aws 7.51, so they stay strict: one account at a time there."""
STACK_SET_REPLACED_BY = ("name", "autoDeployment", "region")
"""StackSet inputs whose change replaces it in pulumi-aws (ForceNew in terraform-provider-aws
internal/service/cloudformation/stack_set.go: name, auto_deployment; region: the provider's per-resource
region). A replaced StackSet replaces every instance, which deletes the role from every account."""
INSTANCE_REPLACED_BY = ("stackSetName", "deploymentTargets", "stackSetInstanceRegion", "region", "accountId")
"""StackSetInstance inputs whose change replaces it (ForceNew in stack_set_instance.go: stack_set_name,
deployment_targets and all under it, region (stack_set_instance_region here), account_id; region: the
per-resource region). Its delete calls DeleteStackInstances for the whole unit, RetainStacks false."""
RECREATE_KEY = "stack_set_recreate_roles"


def _replacement_options(
    parent: pulumi.Resource, recreate: bool, replaced_by: Sequence[str]
) -> pulumi.ResourceOptions:
    """Without ``recreate``, the inputs that would replace the resource are held at their deployed values
    (``ignore_changes``: the engine keeps what is deployed, and ``held_back`` says so); with it, they apply,
    delete-first (the same StackSet name, and the same role names in every account, cannot exist twice)."""
    if recreate:
        return pulumi.ResourceOptions(parent=parent, delete_before_replace=True)
    return pulumi.ResourceOptions(parent=parent, ignore_changes=list(replaced_by))


HELD_BACK = (
    "{what} is {deployed!r} where it is deployed, and the config now says {wanted!r}: that change is held "
    "back, because it would replace {resource} and CloudFormation would delete the role from every account "
    "of the units before making it again. To apply it (the roles are re-created, with a window without "
    "access), set " + RECREATE_KEY + " true for one run"
)


def held_back(
    report: Reporter,
    parent: pulumi.Resource,
    stack_set: aws.cloudformation.StackSet,
    instances: Mapping[str, aws.cloudformation.StackSetInstance],
    stackset: Mapping[str, Any],
    region: str,
) -> None:
    """Warn, once the deployed values are known, of each change ``ignore_changes`` holds back."""

    def compare(what: str, wanted: Any, resource: str) -> Any:
        def check_one(deployed: Any) -> None:
            if deployed is not None and deployed != wanted:
                report.warn(
                    HELD_BACK.format(what=what, deployed=deployed, wanted=wanted, resource=resource),
                    resource=parent,
                )

        return check_one

    wanted_retain = stackset["retain_stacks_on_account_removal"]
    stack_set.name.apply(compare("the StackSet's name", stackset["stack_set_name"], "the StackSet"))
    stack_set.auto_deployment.apply(
        lambda deployed: compare("retain_stacks_on_account_removal", wanted_retain, "the StackSet")(
            None if deployed is None else deployed.retain_stacks_on_account_removal
        )
    )
    for unit, instance in instances.items():
        instance.stack_set_instance_region.apply(
            compare("stack_set_instance_region", region, f"the stack set instance of {unit}")
        )


def pattern(partition: str, settings: RoleSpec) -> str:
    """The role_arn_pattern output: the role, by its path and name, in any account."""
    return role_arn_pattern(partition, settings.role_path, settings.role_name)
