"""The trusting role's inputs checked (``validate_trusting_args``), and its trust policy once the values
that resolve late (partition, accounts, external ids) are known (``checked_trust_policy``)."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from . import limits, validation as check
from .callers import (
    refuse_flat_inputs,
    validate_callers,
)
from .documents import (
    POLICY_VERSION,
    caller_sids,
    permission_set_patterns,
    policy_size,
    revoke_older_sessions_policy,
    trust_policy,
)
from .spec_fields import parse, values
from .specs import (
    CallerSpec,
    RoleSpec,
    attachment_suffix as attachment_suffix,
    managed_policy as managed_policy,
)
from .validation import InvalidInputError


def validate_trusting_args(args: Mapping[str, Any]) -> RoleSpec:
    """Check every plain value of TrustingAccountRoleArgs; return them normalized.

    Raises InvalidInputError naming the arg, the value and the rule. Values that
    are pulumi Outputs are checked when they resolve.
    """
    return parse(RoleSpec, args, prepare=_callers_first, rules=ROLE_RULES)


def _callers_first(args: Mapping[str, Any]) -> Mapping[str, Any]:
    """No CloudFormation expression anywhere; with caller entries, each checked, and the accounts theirs."""
    check.not_evaluated_inputs(args)
    callers = args.get("callers")
    if callers is not None:
        refuse_flat_inputs(args)
        if check.has_any_output(callers):
            raise InvalidInputError(
                "callers", check.hidden_value(None), "must be plain values, known before the program runs"
            )
        org = args.get("organization_id")
        org = None if org is None else check.organization_id("organization_id", org)
        checked_callers = validate_callers(callers, org, _checked_caller)
        accounts = sorted({a for caller in checked_callers for a in caller.trusted_account_ids})
        args = {**args, "trusted_account_ids": accounts, "callers": checked_callers}
    if "trusted_account_ids" not in args:
        raise InvalidInputError("trusted_account_ids", None, "is required (or give callers)")
    return args


def _checked_caller(entry: Mapping[str, Any], organization_id: str | None) -> CallerSpec:
    """One caller entry's who and conditions, checked with the flat inputs' rules."""

    def conditions(out: dict[str, Any]) -> None:
        out["extra_trust_conditions"] = _conditions_of(out, organization_id)

    return parse(CallerSpec, entry, rules=(_patterns_in_accounts, conditions))


def _one_external_id(out: dict[str, Any]) -> None:
    if out["external_ids"] is not None and out["external_id"] is not None:
        raise InvalidInputError(
            "external_id/external_ids",
            check.hidden_value(None),
            "are both set: give one id in external_id, or several (during a rotation) in external_ids",
        )


def _patterns_in_accounts(out: dict[str, Any]) -> None:
    """trusted_principal_arns: patterns in the trusted accounts (once the accounts are known)."""
    patterns, accounts = out["trusted_principal_arns"], out["trusted_account_ids"]
    if patterns and not check.has_output(accounts):
        out["trusted_principal_arns"] = check.string_list(
            "trusted_principal_arns",
            patterns,
            lambda key, value: check.principal_pattern(key, value, accounts),
        )


def _conditions_of(out: Mapping[str, Any], organization_id: str | None) -> Any:
    context = _context_of({**out, "organization_id": organization_id})
    return check.trust_conditions("extra_trust_conditions", out["extra_trust_conditions"], context)


def _trust_conditions(out: dict[str, Any]) -> None:
    """extra_trust_conditions, checked against what the other inputs write into the trust policy."""
    out["extra_trust_conditions"] = _conditions_of(out, out["organization_id"])


def _revocation(out: dict[str, Any]) -> None:
    if out["revoke_sessions_issued_before"] is not None:
        _revocation_fits(out["inline_policies"], out["revoke_sessions_issued_before"])


def _managed_policies_fit(out: dict[str, Any]) -> None:
    count = len(out["managed_policy_arns"])
    if count > out["managed_policies_per_role_limit"]:
        raise InvalidInputError(
            "managed_policy_arns",
            f"<{count} policies>",
            f"exceeds the managed-policies-per-role quota of {out['managed_policies_per_role_limit']} "
            f"(raise the quota, up to {limits.MANAGED_POLICIES_PER_ROLE_MAX}, and "
            "managed_policies_per_role_limit with it, or merge policies)",
        )


ROLE_RULES = (_one_external_id, _patterns_in_accounts, _trust_conditions, _revocation, _managed_policies_fit)
"""RoleSpec's rules across fields, in order."""


def trust_context(
    settings: RoleSpec, account_ids: Sequence[str] | None = None, partition: str | None = None
) -> check.TrustContext:
    """What the checked inputs write into the trust policy, to check extra_trust_conditions against."""
    return _context_of(values(settings), account_ids, partition)


def _context_of(
    settings: Mapping[str, Any], account_ids: Sequence[str] | None = None, partition: str | None = None
) -> check.TrustContext:
    accounts = settings["trusted_account_ids"] if account_ids is None else account_ids
    return check.TrustContext(
        external_id=settings.get("external_id") is not None or settings.get("external_ids") is not None,
        require_mfa=settings["require_mfa"],
        mfa_max_age_seconds=settings["mfa_max_age_seconds"],
        organization_id=settings["organization_id"],
        expires_at=settings.get("expires_at"),
        source_identity=settings.get("source_identity"),
        session_name_is_username=settings.get("session_name_is_username", False),
        principal_patterns=bool(
            settings.get("trusted_principal_arns") or settings.get("trusted_permission_sets")
        ),
        allow_session_tags=settings.get("allow_session_tags", False),
        trusted_account_ids=None if check.has_output(accounts) else tuple(accounts),
        partition=partition,
    )


def only_role_sessions(patterns: Sequence[str], accounts: Sequence[str]) -> bool:
    """Whether principal patterns leave only role sessions as callers: every account narrowed, to roles (or root)."""
    if not patterns:
        return False
    narrowed = {pattern.split(":")[4] for pattern in patterns}
    if not set(accounts) <= narrowed:
        return False
    return all(pattern.split(":", 5)[5].startswith(("role/", "root")) for pattern in patterns)


def _username_check(settings: RoleSpec, patterns: Sequence[str], accounts: Sequence[str]) -> None:
    """Refuse ${aws:username} requirements when no caller can be an IAM user (the role could never be assumed)."""
    if not only_role_sessions(patterns, accounts):
        return
    who = "trusted_principal_arns/trusted_permission_sets"
    value: object
    if settings.session_name_is_username:
        key, value, what = "session_name_is_username", True, "the session name"
    elif settings.source_identity == "username":
        key, value, what = "source_identity", "username", "the source identity"
    else:
        for operator_text, keys in (settings.extra_trust_conditions or {}).items():
            operator = check.parse_operator("extra_trust_conditions", operator_text)
            for condition_key, values in keys.items():
                listed = [values] if isinstance(values, str) else list(values)
                if check.folded(condition_key) == "aws:username" and check.requires_key(operator, listed):
                    raise InvalidInputError(
                        f"extra_trust_conditions.{operator_text}.{condition_key}",
                        values,
                        f"requires aws:username, which only IAM users have, but {who} admit only role "
                        "sessions (roles, Identity Center permission sets) and the root user: no one could "
                        "ever assume the role; trust users too, or remove the condition",
                    )
        return
    raise InvalidInputError(
        key,
        value,
        f"requires {what} to be ${{aws:username}}, which only IAM users have, but {who} admit only role "
        "sessions (roles, Identity Center permission sets) and the root user: no one could ever assume the "
        "role; trust users too, or leave it unset",
    )


def _revocation_fits(inline: Mapping[str, Any], revoke: str) -> None:
    """The revocation policy beside the inline policies: a name of its own, within the size quota."""
    for policy in inline:
        if check.folded(policy) == check.folded(limits.REVOKE_SESSIONS_POLICY_NAME):
            raise InvalidInputError(
                "inline_policies",
                policy,
                "is the inline policy revoke_sessions_issued_before writes "
                f"({limits.REVOKE_SESSIONS_POLICY_NAME}, as the console's Revoke active sessions): "
                "give your policy another name",
            )
    total = sum(policy_size(d) for d in inline.values()) + policy_size(revoke_older_sessions_policy(revoke))
    if total > limits.INLINE_ROLE_POLICIES_MAX:
        raise InvalidInputError(
            "inline_policies",
            f"<{total} characters with {limits.REVOKE_SESSIONS_POLICY_NAME}>",
            f"exceeds the {limits.INLINE_ROLE_POLICIES_MAX}-character quota on a role's inline policies "
            "once revoke_sessions_issued_before adds its policy: move permissions into a managed policy",
        )


def checked_trust_policy(
    partition: str,
    account_ids: Sequence[str],
    external_id: str | Sequence[str] | None,
    settings: RoleSpec,
) -> dict[str, Any]:
    """The trust policy, after the checks that need resolved values (accounts, partition, size quota).

    ``external_id`` is the resolved ``external_id`` or ``external_ids``. With caller entries, each
    is checked and written as the flat inputs are, in statements of its own (in name order, so the
    order of the entries changes nothing), and the size quota holds for the whole document.
    """
    if settings.callers:
        return _callers_policy(partition, settings)
    document, accounts, patterns = _statements(partition, account_ids, external_id, settings)
    _fits_the_quota(document, settings.trust_policy_size_limit, accounts, patterns)
    return document


def _callers_policy(partition: str, settings: RoleSpec) -> dict[str, Any]:
    """The trust policy of caller entries: each entry's statements, Sids from its name."""
    statements: list[dict[str, Any]] = []
    patterns = 0
    for caller in sorted(settings.callers, key=lambda caller: caller.name.lower()):
        own = {k: v for k, v in values(caller).items() if k != "name"}
        flat = replace(settings, **own, external_id=None, callers=())
        try:
            document, _, narrowing = _statements(
                partition,
                caller.trusted_account_ids,
                caller.external_ids,
                flat,
                caller_sids(caller.name),
            )
        except InvalidInputError as error:
            raise InvalidInputError(f"callers.{caller.name}.{error.key}", error.value, error.rule) from None
        statements += document["Statement"]
        patterns += narrowing
    sids: dict[str, str] = {}
    for statement in statements:
        folded = statement["Sid"].lower()
        if folded in sids:
            raise InvalidInputError(
                "callers",
                statement["Sid"],
                f"is the Sid of two statements ({sids[folded]!r} too): a caller that trusts accounts whole "
                "and principal patterns also writes <name>Principals; rename one caller",
            )
        sids[folded] = statement["Sid"]
    document = {"Version": POLICY_VERSION, "Statement": statements}
    accounts = len(settings.trusted_account_ids)
    _fits_the_quota(document, settings.trust_policy_size_limit, accounts, patterns)
    return document


def _statements(
    partition: str,
    account_ids: Sequence[str],
    external_id: str | Sequence[str] | None,
    settings: RoleSpec,
    sids: tuple[str, str] | None = None,
) -> tuple[dict[str, Any], int, int]:
    """The flat inputs' trust policy, checked, with the number of accounts and principal patterns."""
    accounts = check.string_list("trusted_account_ids", list(account_ids), check.account_id, required=True)
    if isinstance(external_id, str):
        external_id = check.external_id("external_id", external_id)
    elif external_id is not None:
        external_id = check.string_list("external_ids", list(external_id), check.external_id) or None
    patterns = check.string_list(
        "trusted_principal_arns",
        list(settings.trusted_principal_arns),
        lambda key, value: check.principal_pattern(key, value, accounts, partition),
    )
    for permission_set in settings.trusted_permission_sets:
        patterns += tuple(permission_set_patterns(partition, accounts, permission_set))
    _username_check(settings, patterns, accounts)
    extra = check.trust_conditions(
        "extra_trust_conditions",
        settings.extra_trust_conditions,
        trust_context(settings, accounts, partition),
    )
    document = trust_policy(
        partition,
        accounts,
        require_mfa=settings.require_mfa,
        mfa_max_age_seconds=settings.mfa_max_age_seconds,
        external_id=external_id,
        organization_id=settings.organization_id,
        trusted_principal_arns=patterns,
        allow_session_tags=settings.allow_session_tags,
        source_identity=settings.source_identity,
        session_name_is_username=settings.session_name_is_username,
        expires_at=settings.expires_at,
        extra_conditions=extra,
        **({} if sids is None else {"sids": sids}),
    )
    return document, len(accounts), len(patterns)


def _fits_the_quota(document: Mapping[str, Any], quota: int, accounts: int, patterns: int) -> None:
    """Refuse a trust policy over the account's size quota, saying the ways to make it fit."""
    size = policy_size(document)
    if size > quota:
        ways = []
        if size <= limits.TRUST_POLICY_QUOTA_MAX:
            ways.append(
                "raise the account's role trust policy quota "
                f"(up to {limits.TRUST_POLICY_QUOTA_MAX}) and trust_policy_size_limit with it"
            )
        ways.append(
            "trust fewer accounts or principal patterns (for example one identity account "
            "that people sign in to, with organization_id to keep it inside your organization)"
        )
        raise InvalidInputError(
            "trusted_account_ids",
            f"<{accounts} accounts, {patterns} principal patterns>",
            f"makes a trust policy of {size} characters, over the {quota}-character quota: "
            + ", or ".join(ways)
            + "; organization_id adds a condition but cannot replace the account list, "
            "as the role never trusts a wildcard principal",
        )
