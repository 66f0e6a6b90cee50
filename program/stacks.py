"""Build one side from checked settings and export the contract's stack outputs."""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import pulumi
import pulumi_aws as aws

from cross_account import (
    TrustedAccountAccess,
    TrustingAccountRole,
    TrustingRoleRollout,
    limits,
    stackset as stackset_mode,
    validation as check,
)
from cross_account.documents import external_id_digest, parse_role_arn, with_external_ids
from cross_account.invokes import account_and_partition_now
from cross_account.limits import (
    AUDIT_BASELINE_OUTPUT,
    COVERED_UNITS_OUTPUT,
    EXPIRES_AT_OUTPUT,
    EXTERNAL_ID_REQUIRED_OUTPUT,
    MAX_SESSION_DURATION_OUTPUT,
    MAX_SESSION_SECONDS,
    MFA_REQUIRED_OUTPUT,
    MIN_SESSION_SECONDS,
    ORGANIZATIONAL_UNIT_PATHS_OUTPUT,
    OUTPUT_NAMES,
    PLACEHOLDER_ACCOUNT_IDS,
    ROLE_ARN_OUTPUT,
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
from cross_account.trusted import (
    check_policies_per_principal,
    check_policy_names,
    check_region_partition,
    checked_grants,
    effective_ends,
    grant_of,
    path_within,
    requirements_by_role,
    session_actions,
    split_role_arns,
)
from cross_account.trusting import TRUST_INPUTS, checked_trust_policy, validate_trusting_args
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


EXAMPLE_ACCOUNT = "an account id AWS's documentation uses as an example, not an account of yours"
REPLACE_IT = "replace it with the id of the account you mean"


def placeholder_warnings(settings: TrustingSettings | TrustedSettings) -> list[str]:
    """One line per config key and placeholder account id it names (PLACEHOLDER_ACCOUNT_IDS)."""
    named: list[tuple[str, str, str]] = []  # (key, value as written, the account id in it)
    if isinstance(settings, TrustingSettings):
        accounts = settings.args.get("trusted_account_ids")
        if not check.has_output(accounts):
            named += [("trustedAccountIds", account, account) for account in accounts or ()]
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
        documents = (
            customer_managed_documents(checked["managed_policy_arns"]) if settings.rollout is None else {}
        )
        baseline = audit_baseline(partition, checked, secret_args(settings.secret_keys), documents)
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
            baseline,
            protected(settings),
            settings.reporter,
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
    "tags",
    "revoke_sessions_issued_before",
)
"""The inputs the audit baseline is made of: if one is secret (or an external id is set), so is the baseline."""


CUSTOMER_MANAGED_POLICY_RE = re.compile(r"arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:policy/[\x21-\x7e]+", re.ASCII)


def customer_managed_documents(arns: Sequence[str]) -> dict[str, Any]:
    """The document of the default version, now, of each customer-managed policy the role gets: the
    audit compares the default version with it (one aws:iam/getPolicy:getPolicy invoke per such policy;
    AWS managed policies are AWS's to change and are not read)."""
    documents: dict[str, Any] = {}
    for arn in arns:
        if CUSTOMER_MANAGED_POLICY_RE.fullmatch(arn):
            documents[arn] = json.loads(aws.iam.get_policy(arn=arn).policy)
    return documents


def audit_baseline(
    partition: str,
    checked: Mapping[str, Any],
    secret: Sequence[str],
    managed_documents: Mapping[str, Any] | None = None,
) -> Any:
    """What every role of the stack should be, for cross-account-audit: the trust policy (an external
    id only as its digest), the managed policy ARNs, the inline policy names, the longest session and
    the permissions boundary; the documents of its inline policies and (single role) of the customer-
    managed policies it attaches, its tags and the time before which it revokes sessions. Secret when
    an external id is set or one of its inputs is secret."""
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
        # What the audit compares the contents with (added after the keys above, which it also reads).
        "inlinePolicies": dict(sorted(checked["inline_policies"].items())),
        "tags": dict(sorted((checked["tags"] or {}).items())),
        "revokeSessionsIssuedBefore": checked["revoke_sessions_issued_before"] or "",
        "managedPolicyDocuments": dict(sorted((managed_documents or {}).items())),
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
) -> None:
    """The role in every target account, through TrustingRoleRollout; the accounts resolved first."""
    if rollout.mode == "stackset":
        build_stack_set_rollout(rollout, args, trusted, baseline, opts)
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


def build_stack_set_rollout(
    rollout: RolloutSettings,
    args: dict[str, Any],
    trusted: Sequence[str],
    baseline: Any,
    opts: pulumi.ResourceOptions | None = None,
) -> None:
    """Stackset mode: the units' accounts listed (for the outputs and the checks), then the StackSet."""
    if rollout.mode_defaulted:
        pulumi.log.warn(MODE_DEFAULTED)
    partition = aws.get_partition().partition
    with config_names():
        stackset_mode.validate_stackset_args(rollout.stackset, partition)
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
    component = TrustingRoleRollout("trusting", inputs, opts, input_names=CALLER_NAMES)  # type: ignore[arg-type]
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


@dataclass(frozen=True)
class Member:
    """An active account of an organizational unit, and whose organization it is in."""

    account: str
    management: str
    """The organization's management account (the account field of the account's ARN)."""
    organization: str
    """The organization id, o-..."""


DESCENDANT_ACCOUNTS = (
    "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts"
)


def aws_invoke_options() -> pulumi.InvokeOptions:
    """What pulumi_aws's typed invokes pass: the version of the AWS provider the program's resources use."""
    return pulumi.InvokeOptions(version=importlib.metadata.version("pulumi_aws"))


ORGANIZATIONS_REFUSED = (
    "could not be read from AWS Organizations ({reason}): listing the accounts of an organizational "
    "unit needs credentials of the organization's management account or of a delegated administrator, "
    "and the id of a unit of that organization"
)


DESCENDANT_UNITS = (
    "aws:organizations/getOrganizationalUnitDescendantOrganizationalUnits:"
    "getOrganizationalUnitDescendantOrganizationalUnits"
)


def _organizations(token: str, unit: str) -> Any:
    """The result of an Organizations invoke about ``unit``; a refusal ends the run in one line."""
    try:
        # The untyped invoke: the typed function builds an object per account, 0.1 ms each, which
        # is most of what a stackset rollout to 5,000 accounts costs (docs/benchmarks.md).
        return pulumi.runtime.invoke(token, {"parentId": unit}, aws_invoke_options()).value
    except Exception as error:  # noqa: BLE001 - any refusal of the invoke ends in this one line
        reason = " ".join(str(error).split()).split(" failed: ", 1)[-1][:300]
        raise InvalidInputError(
            "targetOrganizationalUnitIds", unit, ORGANIZATIONS_REFUSED.format(reason=reason)
        ) from None


def organizational_unit_descendants(unit: str) -> list[str]:
    """The ids of the organizational units under ``unit``, at any depth, as AWS Organizations lists them now."""
    return [str(child.get("id")) for child in _organizations(DESCENDANT_UNITS, unit).get("childrens") or ()]


def organizational_unit_accounts(unit: str) -> list[str]:
    """The active accounts in an organizational unit and every unit under it, as AWS Organizations lists them now."""
    return [member.account for member in organizational_unit_members(unit)]


def organizational_unit_members(unit: str) -> list[Member]:
    """The active accounts of a unit (and the units under it), with their organization and its management account."""
    found = _organizations(DESCENDANT_ACCOUNTS, unit)
    members = []
    for account in found.get("accounts") or ():
        if account.get("state") != "ACTIVE":
            continue
        # arn:<partition>:organizations::<management account>:account/<organization id>/<account id>
        arn = str(account.get("arn") or "")
        parts = arn.split(":")
        management = parts[4] if len(parts) > 5 else ""
        organization = parts[5].split("/")[1] if len(parts) > 5 and parts[5].count("/") == 2 else ""
        members.append(Member(str(account["id"]), management, organization))
    return members


def target_accounts(
    rollout: RolloutSettings,
    trusted: Sequence[str],
    reporter: Reporter | None = None,
    listed: Mapping[str, Sequence[str]] | None = None,
) -> tuple[str, ...]:
    """targetAccountIds, and the active accounts of targetOrganizationalUnitIds but excludeAccountIds.

    ``listed``: the units' accounts when already read (unit -> accounts)."""
    accounts = dict.fromkeys(rollout.target_account_ids)
    excluded = set(rollout.exclude_account_ids)
    excluding: set[str] = set()
    for unit in rollout.organizational_unit_ids:
        members = listed[unit] if listed is not None else organizational_unit_accounts(unit)
        for account in members:
            if account in excluded:
                excluding.add(account)
                continue
            if account in trusted:
                raise InvalidInputError(
                    "targetOrganizationalUnitIds",
                    unit,
                    f"holds account {account!r}, which is also in trustedAccountIds: a role that trusts the "
                    "account it is in is not cross-account access; "
                    + (
                        stackset_mode.MOVE_OUT.replace("rollout_mode", "rolloutMode")
                        if rollout.mode == "stackset"
                        else "leave it out with excludeAccountIds"
                    ),
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


def _max_session_of(stack: str, value: Any) -> int | None:
    """A trusting stack's maxSessionDuration: None when absent (older stacks), else 3600..43200 seconds."""
    if value is None:
        return None
    return check.integer(
        f"trustingStacks: {stack}: {MAX_SESSION_DURATION_OUTPUT}",
        value,
        MIN_SESSION_SECONDS,
        MAX_SESSION_SECONDS,
        " seconds",
    )


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
    stack: str = ""
    max_session_duration: int | None = None
    """The roles' longest session (None: an older stack that does not say)."""
    grant: Mapping[str, Any] | None = None
    """A stackset-mode stack: the OrganizationalUnitAccess of its roles (no per-account ARN)."""
    covered_paths: tuple[str, ...] = ()
    """A stackset-mode stack: the organization paths of the units it deploys to (its export)."""


_READ_OUTPUTS = (
    ROLE_ARN_PATTERN_OUTPUT,
    ORGANIZATIONAL_UNIT_PATHS_OUTPUT,
    ROLE_ARN_OUTPUT,
    ROLE_ARNS_BY_ACCOUNT_OUTPUT,
    EXTERNAL_ID_REQUIRED_OUTPUT,
    MFA_REQUIRED_OUTPUT,
    SESSION_NAME_REQUIRED_OUTPUT,
    SOURCE_IDENTITY_REQUIRED_OUTPUT,
    SESSION_TAGS_ALLOWED_OUTPUT,
    SOURCE_IDENTITY_ALLOWED_OUTPUT,
    EXPIRES_AT_OUTPUT,
    MAX_SESSION_DURATION_OUTPUT,
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


def _stack_roles(
    stack: str, out: Mapping[str, Any], secret_names: Sequence[str] = (), paths: Sequence[str] = ()
) -> StackRoles:
    """What a stack gives, checked; a bad value is reported without the value of a secret output."""
    try:
        return _checked_stack_roles(stack, out, paths)
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


def _checked_stack_roles(stack: str, out: Mapping[str, Any], paths: Sequence[str] = ()) -> StackRoles:
    pattern = out.get(ROLE_ARN_PATTERN_OUTPUT)
    if pattern is not None and out.get(COVERED_UNITS_OUTPUT):
        # A stackset-mode rollout: its role in any account under its units' paths (or the key's).
        key = f"trustingStacks: {stack}"
        exported = out.get(ORGANIZATIONAL_UNIT_PATHS_OUTPUT)
        if not exported:
            raise InvalidInputError(
                key,
                stack,
                f"exports {ROLE_ARN_PATTERN_OUTPUT} but no {ORGANIZATIONAL_UNIT_PATHS_OUTPUT}: the units its "
                "roles are in are not known, so no grant by organization path can be limited to them; run "
                "`pulumi up` on that stack",
            )
        if not isinstance(exported, list):
            raise InvalidInputError(f"{key}: {ORGANIZATIONAL_UNIT_PATHS_OUTPUT}", exported, "must be a list")
        covered = check.string_list(
            f"{key}: {ORGANIZATIONAL_UNIT_PATHS_OUTPUT}", exported, check.organization_path
        )
        # trustOrganizationalUnitPaths narrows a stack's grant to the paths within its units, never wider.
        given = [path for path in paths if any(path_within(path, unit) for unit in covered)]
        grant: dict[str, Any] = {
            "role_arn_pattern": check.role_arn_pattern(f"{key}: {ROLE_ARN_PATTERN_OUTPUT}", pattern),
            "organization_paths": given or list(covered),
            "session_tags_allowed": out.get(SESSION_TAGS_ALLOWED_OUTPUT) is True,
            "source_identity_allowed": out.get(SOURCE_IDENTITY_ALLOWED_OUTPUT) is True
            or out.get(SOURCE_IDENTITY_REQUIRED_OUTPUT) is True,
        }
        end = _end_of(stack, out.get(EXPIRES_AT_OUTPUT))
        if end:
            grant["expires_at"] = end
        longest = _max_session_of(stack, out.get(MAX_SESSION_DURATION_OUTPUT))
        return StackRoles((), {}, stack, longest, grant, covered)
    by_account = out.get(ROLE_ARNS_BY_ACCOUNT_OUTPUT)
    arns = (
        _role_arns_by_account(stack, by_account)
        if by_account is not None
        else [_role_arn_of(stack, out.get(ROLE_ARN_OUTPUT))]
    )
    requirement: dict[str, Any] = {field: out.get(output) is True for field, output in _FLAG_OUTPUTS.items()}
    requirement["expires_at"] = _end_of(stack, out.get(EXPIRES_AT_OUTPUT))
    longest = _max_session_of(stack, out.get(MAX_SESSION_DURATION_OUTPUT))
    return StackRoles(tuple(arns), requirement, stack, longest)


class StackReferenceError(pulumi.RunError):
    """A trusting stack that cannot be read, or that lacks what the trusted stack needs: one line.

    Not a ValueError, unlike InvalidInputError: the SDK wraps a ValueError raised while it prepares
    a resource's inputs in a multi-line "While processing input ... ValueError has risen" message,
    whereas a RunError reaches the user as its one line.
    """


UNKNOWN_STACK = "unknown stack"
"""How the engine (and the mocks) fail a StackReference to a stack that does not exist."""


def deploy_first(stack: str) -> str:
    """What to do when a trusting stack does not exist yet."""
    return f"deploy the trusting stack first (pulumi up --stack {stack.rsplit('/', 1)[-1]})"


def _unreadable(stack: str, error: Exception) -> Exception:
    """The error of a stack reference that failed, with what to do when the stack does not exist."""
    message = " ".join(str(error).split())
    if UNKNOWN_STACK not in message:
        return error
    return StackReferenceError(f"trustingStacks: {stack!r}: {message}: {deploy_first(stack)}")


def _read_references(stacks: tuple[str, ...], references: list[pulumi.StackReference]) -> pulumi.Output[Any]:
    """Every stack's outputs, then every stack's secret output names, as plain values (one Output).

    A stack that does not exist fails with one line naming it and saying to deploy it first.
    The Output depends on the references, as theirs do.
    """

    async def read() -> list[Any]:
        outputs = []
        for stack, reference in zip(stacks, references, strict=True):
            try:
                outputs.append(await reference.outputs.future(with_unknowns=True))
            except Exception as error:  # noqa: BLE001 - re-raised, explained when it is a missing stack
                raise _unreadable(stack, error) from None
        names = [await reference.secret_output_names.future(with_unknowns=True) for reference in references]
        return outputs + names

    known: asyncio.Future[bool] = asyncio.get_event_loop().create_future()
    known.set_result(True)
    return pulumi.Output(set(references), asyncio.ensure_future(read()), known)


def _read_stacks(
    stacks: tuple[str, ...], paths: tuple[str, ...], reporter: Reporter, resolved: list[Any]
) -> Any:
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

    def read_all() -> list[StackRoles]:
        values = [
            _stack_roles(stack, out, names or (), paths)
            for stack, out, names in zip(stacks, outputs, secret_names, strict=True)
        ]
        if paths and not any(roles.grant for roles in values):
            raise InvalidInputError(
                "trustOrganizationalUnitPaths",
                list(paths),
                "applies to trusting stacks in rolloutMode stackset (their roleArnPattern), and none of "
                f"trustingStacks {list(stacks)} is one",
            )
        covered = [path for roles in values for path in roles.covered_paths]
        for path in paths:
            if not any(path_within(path, unit) for unit in covered):
                raise InvalidInputError(
                    "trustOrganizationalUnitPaths",
                    path,
                    "is not at or below the units the stackset-mode trusting stacks deploy to "
                    f"({', '.join(covered)}): a wider path, or one of another organization, would allow "
                    "sts:AssumeRole on the role name in accounts the rollout does not cover (the management "
                    "account included); list paths at or below these, from the root "
                    "(o-.../r-.../ou-.../) for a unit under one of them",
                )
        return values

    values = reported_late(reporter, read_all)
    return pulumi.Output.secret(values) if secret else values


def _roles_and_requirements(
    settings: TrustedSettings,
    key: str,
    stacks: list[StackRoles],
    account: str = "",
    *,
    late: bool = False,
    partition: str = "",
) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """Every role ARN (the stacks', in order, then roleArns), checked, the requirements the stacks
    give, and the organizational unit grants of stackset-mode stacks.

    ``account`` is the trusted account (this stack's): a role in it is refused. ``late``: called inside
    an apply (the stacks' outputs resolved), where an error ends the run as one line.
    """
    arns = [arn for roles in stacks for arn in roles.role_arns] + list(settings.role_arns)
    requirements = [{"role_arn": arn, **roles.requirement} for roles in stacks for arn in roles.role_arns]
    grants = [dict(roles.grant) for roles in stacks if roles.grant is not None]
    names = {**KEY_FOR_ARG, "role_arns": key, "organizational_unit_grants": "trustOrganizationalUnitPaths"}

    def checks() -> list[str]:
        checked = list(
            check.string_list(key, arns, check.role_arn, required=not grants, identity=check.role_identity)
        )
        by_role = requirements_by_role(checked, requirements)
        ends = effective_ends(checked, by_role, settings.args.get("expires_at"))
        actions = session_actions(checked, by_role)
        expires_at = settings.args.get("expires_at")
        chunks = split_role_arns(
            checked,
            require_mfa=settings.args["require_mfa"],
            ends=ends,
            actions=actions,
            grants=[grant_of(grant, expires_at) for grant in checked_grants(grants)],
        )
        limit = settings.args["managed_policies_per_principal_limit"]
        check_policies_per_principal(len(checked) + len(grants), len(chunks), limit)
        check_policy_names(settings.args["policy_name"], len(chunks))
        check_region_partition(settings.args.get("region"), checked)
        _refuse_own_account(key, checked, account)
        _refuse_other_partition(key, checked, [grant["role_arn_pattern"] for grant in grants], partition)
        _check_session_duration(settings.args.get("session_duration_seconds"), stacks, settings.reporter)
        return checked

    if late:
        checked = reported_late(settings.reporter, checks, names)
    else:
        with config_names(names):
            checked = checks()
    return checked, requirements, grants


def _refuse_other_partition(
    key: str, role_arns: Sequence[str], patterns: Sequence[str], partition: str
) -> None:
    """A role (or role pattern) of another partition than the trusted stack's can never be assumed from it."""
    if not partition:
        return
    for arn in [*role_arns, *patterns]:
        theirs = arn.split(":")[1]
        if theirs != partition:
            raise InvalidInputError(
                key if arn in role_arns else "trustOrganizationalUnitPaths",
                arn,
                f"is in partition {theirs!r}, and this stack deploys to partition {partition!r}: principals of "
                "one partition can never assume a role of another; deploy the trusting stack in the same "
                "partition",
            )


def _refuse_own_account(key: str, role_arns: Sequence[str], account: str) -> None:
    for arn in role_arns:
        role = parse_role_arn(arn)
        if role is not None and role.account_id == account:
            raise InvalidInputError(
                key,
                arn,
                f"is a role of account {account!r}, the trusted account this stack deploys to: access within "
                "one account is not cross-account access (the role's own trust policy decides it, not an "
                "assume-role policy here); list roles of other accounts",
            )


def _check_session_duration(
    seconds: int | None, stacks: Sequence[StackRoles], reporter: Reporter | None = None
) -> None:
    """sessionDurationSeconds may not exceed the maxSessionDuration a trusting stack exports; over an hour,
    a stack that does not say (older than that output) is a warning, once per stack."""
    if seconds is None:
        return
    for roles in stacks:
        if roles.max_session_duration is None and seconds > limits.ROLE_CHAINING_MAX_SECONDS and reporter:
            reporter.warn(
                f"sessionDurationSeconds: {seconds} is over {limits.ROLE_CHAINING_MAX_SECONDS} seconds, and "
                f"trusting stack {roles.stack!r} exports no maxSessionDuration (it was deployed by an older "
                "version): if its role's longest session is shorter, STS refuses every CLI profile's "
                "DurationSeconds; run `pulumi up` on that stack, or set sessionDurationSeconds to 3600 or less"
            )
        if roles.max_session_duration is not None and seconds > roles.max_session_duration:
            raise InvalidInputError(
                "sessionDurationSeconds",
                seconds,
                f"is over the maxSessionDuration ({roles.max_session_duration} seconds) of the role of trusting "
                f"stack {roles.stack!r}: STS refuses a longer DurationSeconds, so every CLI profile would fail; "
                f"set it to {roles.max_session_duration} or less, or raise maxSessionDuration there",
            )


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
    account, partition = (
        account_and_partition_now()
    )  # a role of this account, or of another partition, is refused
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
    )
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
