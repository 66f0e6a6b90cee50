"""The trusting stacks a trusted stack reads: their outputs read in one apply, checked, and the roles,
requirements and organization-path grants they give, with the rules across the two stacks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pulumi

from cross_account import (
    limits,
    stack_outputs as outputs,
    validation as check,
)
from cross_account.documents import parse_role_arn
from cross_account.limits import (
    CALLER_REQUIREMENTS_OUTPUT,
    COVERED_UNITS_OUTPUT,
    MAX_SESSION_DURATION_OUTPUT,
    ORGANIZATIONAL_UNIT_PATHS_OUTPUT,
    OUTPUT_NAMES,
    ROLE_ARN_OUTPUT,
    ROLE_ARN_PATTERN_OUTPUT,
    ROLE_ARNS_BY_ACCOUNT_OUTPUT,
)
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
from cross_account.validation import (
    InvalidInputError,
    Reporter,
    hidden_value,
    scrub,
    scrub_key,
    scrubbed,
)

from .reporting import config_names, reported_late
from .settings import (
    KEY_FOR_ARG,
    TrustedSettings,
)

T = TypeVar("T")


def _role_arn_of(stack: str, value: Any) -> str:
    if value is None:
        raise InvalidInputError(
            "trustingStacks",
            stack,
            f"has no {ROLE_ARN_OUTPUT!r} output: run `pulumi up` on that stack first, "
            "or list the role in roleArns",
        )
    return _read(stack, outputs.role_arn, ROLE_ARN_OUTPUT, value)


def _read(stack: str, rule: Callable[[str, Any], T], output: str, value: Any) -> T:
    """``value`` of the output checked by its rule (stack_outputs, shared with the plan and the audit);
    a bad value is an InvalidInputError naming the stack: ``trustingStacks: <stack>: <output>: ...``."""
    try:
        return rule(output, value)
    except outputs.OutputError as error:
        raise InvalidInputError(f"trustingStacks: {stack}: {error.key}", error.value, error.rule) from None


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
    callers: tuple[tuple[str, tuple[str, ...], Mapping[str, Any]], ...] = ()
    """A role with caller entries (its callerRequirements): each entry's name, accounts and requirement,
    which replaces ``requirement`` for the trusted account the entry admits."""


_READ_OUTPUTS = tuple(outputs.TRUSTING_RULES)
"""The outputs of a trusting stack read here, each checked by its rule in cross_account.stack_outputs."""


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
    values = _read(stack, lambda _, given: outputs.trusting_values(given), "", out)
    pattern = values.get(ROLE_ARN_PATTERN_OUTPUT)
    requirement = outputs.requirement_of("", out)
    longest = values.get(MAX_SESSION_DURATION_OUTPUT)
    if pattern is not None and out.get(COVERED_UNITS_OUTPUT):
        # A stackset-mode rollout: its role in any account under its units' paths (or the key's).
        covered = values.get(ORGANIZATIONAL_UNIT_PATHS_OUTPUT)
        if not covered:
            raise InvalidInputError(
                f"trustingStacks: {stack}",
                stack,
                f"exports {ROLE_ARN_PATTERN_OUTPUT} but no {ORGANIZATIONAL_UNIT_PATHS_OUTPUT}: the units its "
                "roles are in are not known, so no grant by organization path can be limited to them; run "
                "`pulumi up` on that stack",
            )
        # trustOrganizationalUnitPaths narrows a stack's grant to the paths within its units, never wider.
        given = [path for path in paths if any(path_within(path, unit) for unit in covered)]
        grant: dict[str, Any] = {
            "role_arn_pattern": pattern,
            "organization_paths": given or list(covered),
            "session_tags_allowed": requirement["session_tags_allowed"],
            "source_identity_allowed": requirement["source_identity_allowed"]
            or requirement["source_identity_required"],
        }
        if requirement["expires_at"]:
            grant["expires_at"] = requirement["expires_at"]
        return StackRoles((), {}, stack, longest, grant, tuple(covered))
    by_account = values.get(ROLE_ARNS_BY_ACCOUNT_OUTPUT)
    arns = list(by_account) if by_account is not None else [_role_arn_of(stack, out.get(ROLE_ARN_OUTPUT))]
    entries = tuple(
        (entry.name, entry.accounts, entry.requirement)
        for entry in values.get(CALLER_REQUIREMENTS_OUTPUT, ())
    )
    return StackRoles(tuple(arns), requirement, stack, longest, callers=entries)


def _requirement_for(roles: StackRoles, account: str) -> Mapping[str, Any]:
    """What the role requires of principals of ``account``: with caller entries, the entry's that admits
    it. An account that no entry admits, or two entries that require different things, is refused."""
    if not roles.callers:
        return roles.requirement
    admitting = [(name, requirement) for name, accounts, requirement in roles.callers if account in accounts]
    if not admitting:
        names = [name for name, _, _ in roles.callers]
        raise InvalidInputError(
            "trustingStacks",
            roles.stack,
            f"has the callers {names}, and none admits account {account!r}, the trusted account this stack "
            "deploys to: the role's trust policy refuses every principal here; add the account to a caller "
            "entry of that stack",
        )
    (first, wanted), *others = admitting
    for name, requirement in others:
        if requirement != wanted:
            differ = sorted(field for field in wanted if wanted[field] != requirement[field])
            raise InvalidInputError(
                "trustingStacks",
                roles.stack,
                f"admits account {account!r} in callers {first!r} and {name!r}, which require different "
                f"things ({', '.join(differ)}): the policies and CLI profiles here can follow only one; give "
                "the account one caller entry there (or deploy each kind of caller from its own account)",
            )
    return wanted


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
    requirements: list[dict[str, Any]] = []
    grants = [dict(roles.grant) for roles in stacks if roles.grant is not None]
    names = {**KEY_FOR_ARG, "role_arns": key, "organizational_unit_grants": "trustOrganizationalUnitPaths"}

    def checks() -> list[str]:
        requirements[:] = [
            {"role_arn": arn, **_requirement_for(roles, account)}
            for roles in stacks
            for arn in roles.role_arns
        ]
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
