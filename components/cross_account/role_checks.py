"""The trusting role's inputs checked (``validate_trusting_args``), and its trust policy once the values
that resolve late (partition, accounts, external ids) are known (``checked_trust_policy``)."""

from collections.abc import Mapping, Sequence
from typing import Any, cast

import pulumi

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
from .specs import RoleSpec
from .trusting_args import (
    TrustingAccountRoleArgs,
)
from .validation import InvalidInputError


def attachment_suffix(policy: str) -> str:
    """A resource-name suffix derived from a managed policy ARN or AWS managed policy name.

    AWS managed: the policy's path and name (``AmazonS3ReadOnlyAccess``,
    ``service-role-AWSLambdaRole``), whether written as a name or an ARN;
    customer managed: prefixed with the account id.
    """
    if not policy.startswith("arn:"):
        return policy.replace("/", "-")
    account, resource = policy.split(":", 5)[4:]
    path_and_name = resource.removeprefix("policy/").replace("/", "-")
    return path_and_name if account == "aws" else f"{account}-{path_and_name}"


def managed_policy(key: str, value: Any) -> str:
    """A managed policy ARN, or the name (with path) of an AWS managed policy."""
    if isinstance(value, str) and not value.startswith("arn:"):
        return check.aws_managed_policy_name(key, value)
    return check.policy_arn(key, value)


def validate_trusting_args(args: Mapping[str, Any]) -> RoleSpec:
    """Check every plain value of TrustingAccountRoleArgs; return them normalized.

    Raises InvalidInputError naming the arg, the value and the rule. Values that
    are pulumi Outputs are checked when they resolve.
    """
    known = set(TrustingAccountRoleArgs.__annotations__)
    check.refuse_unknown_inputs(args, known)
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
        accounts = sorted({a for caller in checked_callers for a in caller["trusted_account_ids"]})
        args = {k: v for k, v in args.items() if k != "callers"} | {"trusted_account_ids": accounts}
    if "trusted_account_ids" not in args:
        raise InvalidInputError("trusted_account_ids", None, "is required (or give callers)")
    out: dict[str, Any] = {}
    out["secret_inputs"] = check.string_list(
        "secret_inputs", args.get("secret_inputs"), check.secret_input_name(known)
    )
    _role_fields(args, out)
    _trust_fields(args, out)
    _quota_fields(args, out)
    out["callers"] = checked_callers if callers is not None else ()
    return cast(RoleSpec, out)


def _checked_caller(entry: Mapping[str, Any], organization_id: str | None) -> dict[str, Any]:
    """One caller entry's who and conditions, checked with the flat inputs' rules."""
    out: dict[str, Any] = {"inline_policies": {}}
    out["trusted_account_ids"] = check.string_list(
        "trusted_account_ids", entry["trusted_account_ids"], check.account_id, required=True
    )
    _trust_fields({**entry, "organization_id": organization_id}, out)
    return out


def _role_fields(args: Mapping[str, Any], out: dict[str, Any]) -> None:
    """Who is trusted, and what the role is: name, path, description, policies, session, boundary."""
    accounts = args["trusted_account_ids"]
    if not check.has_output(accounts):
        out["trusted_account_ids"] = check.string_list(
            "trusted_account_ids", accounts, check.account_id, required=True
        )
    else:
        out["trusted_account_ids"] = accounts
    out["role_name"] = check.role_name("role_name", args.get("role_name", limits.DEFAULT_ROLE_NAME))
    out["role_path"] = check.iam_path("role_path", args.get("role_path", limits.DEFAULT_PATH))
    out["role_description"] = check.description(
        "role_description", args.get("role_description", limits.DEFAULT_ROLE_DESCRIPTION)
    )
    managed = args.get("managed_policy_arns", (limits.S3_READ_ONLY,))
    out["managed_policy_arns"] = check.string_list(
        "managed_policy_arns",
        managed,
        managed_policy,
        identity=lambda policy: check.folded(attachment_suffix(policy)),
    )
    out["inline_policies"] = check.inline_policies("inline_policies", args.get("inline_policies"))
    out["max_session_duration"] = check.session_duration(
        "max_session_duration", args.get("max_session_duration", limits.DEFAULT_SESSION_SECONDS)
    )
    boundary = args.get("permissions_boundary_arn")
    out["permissions_boundary_arn"] = (
        None if boundary is None else check.policy_arn("permissions_boundary_arn", boundary)
    )


def _trust_fields(args: Mapping[str, Any], out: dict[str, Any]) -> None:
    """What the trust policy requires of callers: MFA, external ids, organization, principals, sessions."""
    out["require_mfa"] = check.boolean("require_mfa", args.get("require_mfa", False))
    age = args.get("mfa_max_age_seconds")
    out["mfa_max_age_seconds"] = None if age is None else check.mfa_max_age("mfa_max_age_seconds", age)
    external_id = args.get("external_id")
    if external_id is not None and not isinstance(external_id, pulumi.Output):
        external_id = check.external_id("external_id", external_id)
    out["external_id"] = external_id
    external_ids = args.get("external_ids")
    if external_ids is not None and not check.has_output(external_ids):
        external_ids = check.string_list("external_ids", external_ids, check.external_id) or None
    if external_ids is not None and external_id is not None:
        raise InvalidInputError(
            "external_id/external_ids",
            check.hidden_value(None),
            "are both set: give one id in external_id, or several (during a rotation) in external_ids",
        )
    out["external_ids"] = external_ids
    org = args.get("organization_id")
    out["organization_id"] = None if org is None else check.organization_id("organization_id", org)
    patterns = args.get("trusted_principal_arns") or ()
    if patterns and not check.has_output(out["trusted_account_ids"]):
        patterns = check.string_list(
            "trusted_principal_arns",
            patterns,
            lambda key, value: check.principal_pattern(key, value, out["trusted_account_ids"]),
        )
    out["trusted_principal_arns"] = tuple(patterns)
    out["allow_session_tags"] = check.boolean("allow_session_tags", args.get("allow_session_tags", False))
    out["source_identity"] = check.source_identity("source_identity", args.get("source_identity", ""))
    out["session_name_is_username"] = check.boolean(
        "session_name_is_username", args.get("session_name_is_username", False)
    )
    expires = args.get("expires_at")
    out["expires_at"] = None if expires in (None, "") else check.expires_at("expires_at", expires)
    out["trusted_permission_sets"] = check.string_list(
        "trusted_permission_sets",
        args.get("trusted_permission_sets"),
        check.permission_set_name,
        identity=check.folded,
    )
    out["extra_trust_conditions"] = check.trust_conditions(
        "extra_trust_conditions", args.get("extra_trust_conditions"), trust_context(cast(RoleSpec, out))
    )
    revoke = args.get("revoke_sessions_issued_before")
    out["revoke_sessions_issued_before"] = (
        None
        if revoke in (None, "")
        else check.revoke_sessions_issued_before("revoke_sessions_issued_before", revoke)
    )
    if out["revoke_sessions_issued_before"] is not None:
        _revocation_fits(out["inline_policies"], out["revoke_sessions_issued_before"])


def _quota_fields(args: Mapping[str, Any], out: dict[str, Any]) -> None:
    """Detaching on delete, tags, and the account's quotas the role must fit."""
    out["force_detach_policies"] = check.boolean(
        "force_detach_policies", args.get("force_detach_policies", True)
    )
    out["tags"] = check.tags("tags", args.get("tags"))
    out["trust_policy_size_limit"] = check.integer(
        "trust_policy_size_limit",
        args.get("trust_policy_size_limit", limits.TRUST_POLICY_DEFAULT_MAX),
        limits.TRUST_POLICY_DEFAULT_MAX,
        limits.TRUST_POLICY_QUOTA_MAX,
        " characters",
    )
    out["managed_policies_per_role_limit"] = check.integer(
        "managed_policies_per_role_limit",
        args.get("managed_policies_per_role_limit", limits.MANAGED_POLICIES_PER_ROLE_DEFAULT),
        1,
        limits.MANAGED_POLICIES_PER_ROLE_MAX,
    )
    count = len(out["managed_policy_arns"])
    if count > out["managed_policies_per_role_limit"]:
        raise InvalidInputError(
            "managed_policy_arns",
            f"<{count} policies>",
            f"exceeds the managed-policies-per-role quota of {out['managed_policies_per_role_limit']} "
            f"(raise the quota, up to {limits.MANAGED_POLICIES_PER_ROLE_MAX}, and "
            "managed_policies_per_role_limit with it, or merge policies)",
        )


def trust_context(
    settings: RoleSpec, account_ids: Sequence[str] | None = None, partition: str | None = None
) -> check.TrustContext:
    """What the checked inputs write into the trust policy, to check extra_trust_conditions against."""
    accounts = settings["trusted_account_ids"] if account_ids is None else account_ids
    return check.TrustContext(
        external_id=settings["external_id"] is not None or settings.get("external_ids") is not None,
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
    if settings["session_name_is_username"]:
        key, value, what = "session_name_is_username", True, "the session name"
    elif settings["source_identity"] == "username":
        key, value, what = "source_identity", "username", "the source identity"
    else:
        for operator_text, keys in (settings.get("extra_trust_conditions") or {}).items():
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
    if settings["callers"]:
        return _callers_policy(partition, settings)
    document, accounts, patterns = _statements(partition, account_ids, external_id, settings)
    _fits_the_quota(document, settings["trust_policy_size_limit"], accounts, patterns)
    return document


def _callers_policy(partition: str, settings: RoleSpec) -> dict[str, Any]:
    """The trust policy of caller entries: each entry's statements, Sids from its name."""
    statements: list[dict[str, Any]] = []
    patterns = 0
    for caller in sorted(settings["callers"], key=lambda caller: caller["name"].lower()):
        flat = cast(RoleSpec, {**settings, **caller, "external_id": None, "callers": ()})
        try:
            document, _, narrowing = _statements(
                partition,
                caller["trusted_account_ids"],
                caller["external_ids"],
                flat,
                caller_sids(caller["name"]),
            )
        except InvalidInputError as error:
            raise InvalidInputError(
                f"callers.{caller['name']}.{error.key}", error.value, error.rule
            ) from None
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
    accounts = len(settings["trusted_account_ids"])
    _fits_the_quota(document, settings["trust_policy_size_limit"], accounts, patterns)
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
        list(settings["trusted_principal_arns"]),
        lambda key, value: check.principal_pattern(key, value, accounts, partition),
    )
    for permission_set in settings["trusted_permission_sets"]:
        patterns += tuple(permission_set_patterns(partition, accounts, permission_set))
    _username_check(settings, patterns, accounts)
    extra = check.trust_conditions(
        "extra_trust_conditions",
        settings["extra_trust_conditions"],
        trust_context(settings, accounts, partition),
    )
    document = trust_policy(
        partition,
        accounts,
        require_mfa=settings["require_mfa"],
        mfa_max_age_seconds=settings["mfa_max_age_seconds"],
        external_id=external_id,
        organization_id=settings["organization_id"],
        trusted_principal_arns=patterns,
        allow_session_tags=settings["allow_session_tags"],
        source_identity=settings["source_identity"],
        session_name_is_username=settings["session_name_is_username"],
        expires_at=settings["expires_at"],
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
