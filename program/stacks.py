"""Build one side from checked settings and export the contract's stack outputs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from cross_account import (
    TrustedAccountAccess,
    TrustingAccountRole,
    TrustingRoleRollout,
    stackset as stackset_mode,
    validation as check,
)
from cross_account.callers import caller_external_ids, caller_requirements
from cross_account.documents import external_id_digest, parse_role_arn, with_external_ids
from cross_account.iam.grammar import CUSTOMER_POLICY_ARN_RE
from cross_account.invokes import account_and_partition_now
from cross_account.limits import (
    AUDIT_BASELINE_OUTPUT,
    CALLER_REQUIREMENTS_OUTPUT,
    COVERED_UNITS_OUTPUT,
    EXPIRES_AT_OUTPUT,
    EXTERNAL_ID_REQUIRED_OUTPUT,
    MAX_SESSION_DURATION_OUTPUT,
    MFA_REQUIRED_OUTPUT,
    ORGANIZATIONAL_UNIT_PATHS_OUTPUT,
    PLACEHOLDER_ACCOUNT_IDS,
    ROLE_ARN_PATTERN_OUTPUT,
    ROLE_ARN_PATTERNS_OUTPUT,
    ROLE_ARNS_BY_ACCOUNT_OUTPUT,
    ROLE_UNIQUE_IDS_BY_ACCOUNT_OUTPUT,
    SESSION_NAME_REQUIRED_OUTPUT,
    SESSION_TAGS_ALLOWED_OUTPUT,
    SOURCE_IDENTITY_ALLOWED_OUTPUT,
    SOURCE_IDENTITY_REQUIRED_OUTPUT,
    SWITCH_ROLE_URLS_BY_ACCOUNT_OUTPUT,
)
from cross_account.rollout import ROLE_INPUTS
from cross_account.specs import RoleSpec
from cross_account.trusting import TRUST_INPUTS, checked_trust_policy, validate_trusting_args
from cross_account.validation import (
    InvalidInputError,
    Reporter,
)

from .organizations import (
    Member,
    organizational_unit_descendants,
    organizational_unit_members,
    target_accounts,
)
from .references import (
    _read_references,
    _read_stacks,
    _roles_and_requirements,
)
from .reporting import config_names
from .settings import (
    CALLER_NAMES,
    RolloutSettings,
    TrustedSettings,
    TrustingSettings,
    hidden,
    secret_args,
)


def protected(settings: TrustingSettings | TrustedSettings) -> pulumi.ResourceOptions | None:
    """``protect`` for the component, which its children inherit; None (no options) when not asked."""
    return pulumi.ResourceOptions(protect=True) if settings.protect else None


EXAMPLE_ACCOUNT = "an account id AWS's documentation uses as an example, not an account of yours"
REPLACE_IT = "replace it with the id of the account you mean"


def placeholder_warnings(settings: TrustingSettings | TrustedSettings) -> list[str]:
    """One line per config key and placeholder account id it names (PLACEHOLDER_ACCOUNT_IDS)."""
    named: list[tuple[str, str, str]] = []  # (key, value as written, the account id in it)
    if isinstance(settings, TrustingSettings):
        accounts = settings.args.get("trusted_account_ids")
        if not check.has_output(accounts):
            named += [("trustedAccountIds", account, account) for account in accounts or ()]
        for caller in settings.args.get("callers") or ():
            key = f"callers.{caller['name']}.trustedAccountIds"
            named += [(key, account, account) for account in caller["trusted_account_ids"]]
        if settings.rollout is not None:
            named += [
                ("targetAccountIds", account, account) for account in settings.rollout.target_account_ids
            ]
        patterns = settings.args.get("trusted_principal_arns")
        if not check.has_output(patterns):
            named += [
                ("trustedPrincipalArns", arn, arn.split(":")[4])
                for arn in patterns or ()
                if arn.count(":") >= 5
            ]
    else:
        roles = ((arn, parse_role_arn(arn)) for arn in settings.role_arns)
        named += [("roleArns", arn, role.account_id) for arn, role in roles if role is not None]
    lines: list[str] = []
    for key, value, account in named:
        if account not in PLACEHOLDER_ACCOUNT_IDS:
            continue
        if key in settings.secret_keys:
            line = f"{key}: {check.hidden_value(value)} names {EXAMPLE_ACCOUNT}: {REPLACE_IT}"
        elif value == account:
            line = f"{key}: {value!r} is {EXAMPLE_ACCOUNT}: {REPLACE_IT}"
        else:
            line = f"{key}: {value!r} names account {account!r}, {EXAMPLE_ACCOUNT}: {REPLACE_IT}"
        if line not in lines:
            lines.append(line)
    return lines


def build(settings: TrustingSettings | TrustedSettings) -> None:
    """Build the side; every check made here reports as the config's checks do (secrets hidden)."""
    with hidden(settings.reporter):
        for line in placeholder_warnings(settings):
            settings.reporter.warn(line)
        if isinstance(settings, TrustingSettings):
            build_trusting(settings)
        else:
            build_trusted(settings)


def build_trusting(settings: TrustingSettings) -> None:
    args: dict[str, Any] = dict(settings.args)
    # The checks that need the partition (the trust policy's size quota), before anything
    # is registered: the component makes them again, later, for its other callers.
    partition = aws.get_partition().partition
    checked = validate_trusting_args(args) if settings.spec is None else settings.spec
    with config_names():
        external_id = checked.external_id if checked.external_id is not None else checked.external_ids
        trust = checked_trust_policy(partition, checked.trusted_account_ids, external_id, checked)
        documents = (
            customer_managed_documents(checked.managed_policy_arns) if settings.rollout is None else {}
        )
        baseline = audit_baseline(partition, checked, secret_args(settings.secret_keys), documents, trust)
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
    if "callers" in args:
        # What each caller entry requires is for the trusted side, which applies the entry that
        # admits its account.
        pulumi.export(CALLER_REQUIREMENTS_OUTPUT, caller_requirements(checked.callers))
        if caller_external_ids(checked.callers) and "callers" not in settings.secret_keys:
            pulumi.log.warn(
                "callers holds external ids stored in plain text in the stack's config file: set the key "
                "with `pulumi config set --secret --path 'cross-account-access:callers[<n>].externalIds[0]' <id>`"
            )
    secret = secret_args(settings.secret_keys)
    if settings.rollout is not None:
        build_rollout(
            settings.rollout,
            args,
            checked.trusted_account_ids,
            secret,
            baseline,
            protected(settings),
            settings.reporter,
            spec=checked,
            trust_policy=trust,
        )
        return
    secret = tuple(name for name in secret if name in ROLE_INPUTS)
    if secret:
        args["secret_inputs"] = secret
    role = TrustingAccountRole(
        "trusting",
        args,  # type: ignore[arg-type]
        protected(settings),
        input_names=CALLER_NAMES,
        spec=checked,
        trust_policy=trust,
    )
    export_role(role, role.role_arn, role.switch_role_url, role.role_unique_id, baseline)


BASELINE_INPUTS = (
    *TRUST_INPUTS,
    "managed_policy_arns",
    "inline_policies",
    "max_session_duration",
    "permissions_boundary_arn",
    "tags",
    "revoke_sessions_issued_before",
)
"""The inputs the audit baseline is made of: if one is secret (or an external id is set), so is the baseline."""


def customer_managed_documents(arns: Sequence[str]) -> dict[str, Any]:
    """The document of the default version, now, of each customer-managed policy the role gets: the
    audit compares the default version with it (one aws:iam/getPolicy:getPolicy invoke per such policy;
    AWS managed policies are AWS's to change and are not read)."""
    documents: dict[str, Any] = {}
    for arn in arns:
        if CUSTOMER_POLICY_ARN_RE.fullmatch(arn):
            documents[arn] = json.loads(aws.iam.get_policy(arn=arn).policy)
    return documents


def audit_baseline(
    partition: str,
    checked: RoleSpec,
    secret: Sequence[str],
    managed_documents: Mapping[str, Any] | None = None,
    trust_policy: Mapping[str, Any] | None = None,
) -> Any:
    """What every role of the stack should be, for cross-account-audit: the trust policy (an external
    id only as its digest), the managed policy ARNs, the inline policy names, the longest session and
    the permissions boundary; the documents of its inline policies and (single role) of the customer-
    managed policies it attaches, its tags and the time before which it revokes sessions. Secret when
    an external id is set or one of its inputs is secret. ``trust_policy``: the one checked already."""
    external_id = checked.external_id if checked.external_id is not None else checked.external_ids
    document = (
        checked_trust_policy(partition, checked.trusted_account_ids, external_id, checked)
        if trust_policy is None
        else trust_policy
    )
    baseline = {
        "trustPolicy": with_external_ids(document, external_id_digest),
        "managedPolicyArns": [
            arn if arn.startswith("arn:") else f"arn:{partition}:iam::aws:policy/{arn}"
            for arn in checked.managed_policy_arns
        ],
        "inlinePolicyNames": sorted(checked.inline_policies),
        "maxSessionDuration": checked.max_session_duration,
        "permissionsBoundaryArn": checked.permissions_boundary_arn or "",
        # What the audit compares the contents with (added after the keys above, which it also reads).
        "inlinePolicies": dict(sorted(checked.inline_policies.items())),
        "tags": dict(sorted((checked.tags or {}).items())),
        "revokeSessionsIssuedBefore": checked.revoke_sessions_issued_before or "",
        "managedPolicyDocuments": dict(sorted((managed_documents or {}).items())),
    }
    if external_id is not None or caller_external_ids(checked.callers) or set(secret) & set(BASELINE_INPUTS):
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
    pulumi.export(MAX_SESSION_DURATION_OUTPUT, role.max_session_duration)
    pulumi.export(AUDIT_BASELINE_OUTPUT, baseline)


def build_rollout(
    rollout: RolloutSettings,
    args: dict[str, Any],
    trusted: Sequence[str],
    secret: tuple[str, ...],
    baseline: Any,
    opts: pulumi.ResourceOptions | None = None,
    reporter: Reporter | None = None,
    *,
    spec: RoleSpec | None = None,
    trust_policy: Mapping[str, Any] | None = None,
) -> None:
    """The role in every target account, through TrustingRoleRollout; the accounts resolved first.
    ``spec`` and ``trust_policy``: the role's inputs parsed and its trust policy checked already."""
    if rollout.mode == "stackset":
        build_stack_set_rollout(rollout, args, trusted, baseline, opts, spec=spec, trust_policy=trust_policy)
        return
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
    component = TrustingRoleRollout(
        "trusting",
        rollout_args,  # type: ignore[arg-type]
        opts,
        input_names=CALLER_NAMES,
        spec=spec,
        trust_policy=trust_policy,
    )
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
    # Each role's unique id, for cross-account-audit: a role deleted and made again has another one.
    pulumi.export(ROLE_UNIQUE_IDS_BY_ACCOUNT_OUTPUT, component.role_unique_ids_by_account)


MODE_DEFAULTED = (
    "rolloutMode is not set, so targetOrganizationalUnitIds makes this stack a stackset rollout (one "
    "CloudFormation StackSet, one instance per unit). A stack that version 0.2.0 or earlier deployed with "
    "targetOrganizationalUnitIds is in providers mode (the only mode of those versions): there this run "
    "would delete the role it made in every account, so set `pulumi config set "
    "cross-account-access:rolloutMode providers` to keep them, or move as docs/rollout.md says (moving "
    "from providers to stackset). A new stack: set rolloutMode stackset, which says so and ends this warning"
)


def listed_units(rollout: RolloutSettings) -> tuple[dict[str, list[Member]], set[str], set[str]]:
    """Each target unit's active accounts (from AWS Organizations), the management accounts and the
    organizations they name; overlapping units and a unit holding the management account refused."""
    listed = {unit: organizational_unit_members(unit) for unit in rollout.organizational_unit_ids}
    if len(listed) > 1:
        below = {unit: organizational_unit_descendants(unit) for unit in listed}
        stackset_mode.refuse_overlaps(
            "targetOrganizationalUnitIds", {u: [m.account for m in ms] for u, ms in listed.items()}, below
        )
    management = {m.management for members in listed.values() for m in members}
    organizations = {m.organization for members in listed.values() for m in members}
    for unit, members in listed.items():
        for member in members:
            if member.account in management:
                raise InvalidInputError(
                    "targetOrganizationalUnitIds",
                    unit,
                    f"holds account {member.account!r}, the organization's management account, where StackSets "
                    f"never deploy a stack instance: {stackset_mode.MANAGEMENT_REFUSED} (or target the units "
                    "under the root that hold the member accounts)",
                )
    return listed, management, organizations


def build_stack_set_rollout(
    rollout: RolloutSettings,
    args: dict[str, Any],
    trusted: Sequence[str],
    baseline: Any,
    opts: pulumi.ResourceOptions | None = None,
    *,
    spec: RoleSpec | None = None,
    trust_policy: Mapping[str, Any] | None = None,
) -> None:
    """Stackset mode: the units' accounts listed (for the outputs and the checks), then the StackSet."""
    if rollout.mode_defaulted:
        pulumi.log.warn(MODE_DEFAULTED)
    partition = aws.get_partition().partition
    with config_names():
        stackset_mode.validate_stackset_args(rollout.stackset, partition)
    listed, management, organizations = listed_units(rollout)
    accounts = target_accounts(
        rollout, trusted, listed={u: [m.account for m in ms] for u, ms in listed.items()}
    )
    inputs: dict[str, Any] = {
        **args,
        **rollout.stackset,
        "target_account_ids": accounts,
        "rollout_mode": "stackset",
        **({"management_account_id": sorted(management)[0]} if len(management) == 1 else {}),
    }
    component = TrustingRoleRollout(
        "trusting",
        inputs,  # type: ignore[arg-type]
        opts,
        input_names=CALLER_NAMES,
        spec=spec,
        trust_policy=trust_policy,
    )
    export_role(
        component,
        component.role_arns_by_account.apply(lambda m: m[accounts[0]]) if len(accounts) == 1 else None,
        None,
        None,
        baseline,
    )
    # No switchRoleUrlsByAccount: a second map of every account costs 0.02 ms per account to export
    # (docs/benchmarks.md, "Stackset mode"); the link of any account is switchRoleUrl's form.
    pulumi.export(ROLE_ARNS_BY_ACCOUNT_OUTPUT, component.role_arns_by_account)
    pulumi.export("stackSetName", component.stack_set_name)
    pulumi.export("stackSetArn", component.stack_set_arn)
    pulumi.export(COVERED_UNITS_OUTPUT, component.covered_organizational_unit_ids)
    pulumi.export(ROLE_ARN_PATTERN_OUTPUT, component.role_arn_pattern)
    if len(organizations) == 1:
        organization = organizations.pop()
        paths = [
            f"{organization}/{unit}/" if unit.startswith("r-") else f"{organization}/*/{unit}/"
            for unit in rollout.organizational_unit_ids
        ]
        pulumi.export(ORGANIZATIONAL_UNIT_PATHS_OUTPUT, paths)


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
    # A role of this account, or of another partition, is refused.
    account, partition = account_and_partition_now()
    references = [pulumi.StackReference(stack) for stack in stacks]
    stacks_read = _read_references(stacks, references).apply(
        partial(_read_stacks, stacks, settings.organization_paths, settings.reporter)
    )
    role_arns: Any
    requirements: Any
    if references:
        both = stacks_read.apply(
            lambda values: _roles_and_requirements(
                settings, "trustingStacks/roleArns", values, account, late=True, partition=partition
            )
        )
        role_arns = both.apply(lambda found: found[0])
        requirements = both.apply(lambda found: found[1])
        grants: Any = both.apply(lambda found: found[2])
    else:
        role_arns, requirements, grants = _roles_and_requirements(
            settings, "roleArns", [], account, partition=partition
        )
    secret = secret_args(settings.secret_keys)
    if settings.secret_keys & {"roleArns", "trustingStacks"}:
        # The roles, and what their stacks say of them, are as secret as where they come from.
        secret = (*secret, "role_arns", "role_requirements")
    if "trustOrganizationalUnitPaths" in settings.secret_keys and references:
        # The paths go into the grants' statements (and their errors): as secret as the key.
        secret = (*secret, "organizational_unit_grants")
    access = TrustedAccountAccess(
        "trusted",
        {
            **{k: v for k, v in settings.args.items() if v is not None},  # type: ignore[typeddict-item]
            "role_arns": role_arns,
            "role_requirements": requirements,
            **({"organizational_unit_grants": grants} if references else {}),
            **({"secret_inputs": secret} if secret else {}),
        },
        protected(settings),
        input_names=CALLER_NAMES,
        options=settings.spec,
    )
    export_trusted(access, grants)


def export_trusted(access: TrustedAccountAccess, grants: Any) -> None:
    """The trusted stack's outputs (the contract's, and what cross-account-audit compares)."""
    pulumi.export("policyArn", access.policy_arns.apply(lambda arns: arns[0] if len(arns) == 1 else None))
    pulumi.export("policyArns", access.policy_arns)
    pulumi.export("roleArns", access.role_arns)
    # The role ARN patterns granted by organization path (stackset-mode trusting stacks), which
    # roleArns cannot list: what cross-account-audit expects the policies to grant beside roleArns.
    # (As secret as the trusting stacks' outputs they come from.)
    pulumi.export(
        ROLE_ARN_PATTERNS_OUTPUT,
        pulumi.Output.from_input(grants).apply(lambda found: [g["role_arn_pattern"] for g in found]),
    )
    pulumi.export("switchRoleUrls", access.switch_role_urls)
    # Which role ARN each link grants: after a trusting stack renames its role, the old ARN stays
    # here (and in the policy) until this stack runs again (docs/deploy.md).
    pulumi.export(
        "switchRoleUrlsByRoleArn",
        pulumi.Output.all(access.role_arns, access.switch_role_urls).apply(
            lambda pair: dict(zip(pair[0], pair[1], strict=True))
        ),
    )
    # Beside each switch-role link, the command that opens the console as the role where the
    # switch-role page cannot (an external id, a source identity): cross-account-console.
    pulumi.export(
        "consoleCommandsByRoleArn",
        pulumi.Output.all(access.role_arns, access.console_commands).apply(
            lambda pair: dict(zip(pair[0], pair[1], strict=True))
        ),
    )
    pulumi.export("awsCliConfig", access.aws_cli_config)
    pulumi.export("switchRolesExtensionConfig", access.switch_roles_extension_config)
    pulumi.export("principals", access.principals.apply(_principals_output))
    # What cross-account-audit compares the live assume-role policies with: every statement, action
    # and condition (as secret as the policies' documents).
    pulumi.export(
        AUDIT_BASELINE_OUTPUT, access.policy_documents.apply(lambda docs: {"policyDocuments": docs})
    )
