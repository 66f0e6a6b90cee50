"""Several kinds of callers of one role: each caller entry is a trust statement of its own.

A caller entry says who (``trusted_account_ids``, ``trusted_principal_arns``,
``trusted_permission_sets``) and what the trust policy requires of them (``require_mfa``,
``mfa_max_age_seconds``, ``external_ids``, ``allow_session_tags``, ``source_identity``,
``session_name_is_username``, ``extra_trust_conditions``, ``expires_at``), with the flat inputs'
own names and rules. Its statements' Sids come from its ``name`` (``documents.caller_sids``).
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict

from . import validation as check
from .iam.grammar import CALLER_NAME_RE as CALLER_NAME_RE
from .specs import CallerSpec
from .validation import InvalidInputError


class Caller(TypedDict):
    """One kind of caller of the role: who they are and what the trust policy requires of them."""

    name: str
    """1-64 ASCII letters and digits, distinct without case: the Sid of the caller's statement (and <name>Principals for its principal patterns when it also trusts accounts whole)."""
    trusted_account_ids: Sequence[str]
    """12-digit ids of the accounts of this caller."""
    trusted_principal_arns: NotRequired[Sequence[str]]
    """aws:PrincipalArn patterns narrowing this caller in the accounts they name, like the flat input."""
    trusted_permission_sets: NotRequired[Sequence[str]]
    """IAM Identity Center permission set names narrowing this caller, like the flat input."""
    require_mfa: NotRequired[bool]
    """This caller must have signed in with MFA. Default false."""
    mfa_max_age_seconds: NotRequired[int]
    """This caller's MFA authentication must be younger than this; implies require_mfa."""
    external_ids: NotRequired[Sequence[str]]
    """sts:ExternalId values this caller may present (any of them); kept secret."""
    allow_session_tags: NotRequired[bool]
    """This caller may tag its session (sts:TagSession). Default false."""
    source_identity: NotRequired[str]
    """"" (default), "allowed", "required" or "username", like the flat input."""
    session_name_is_username: NotRequired[bool]
    """This caller must name its session after its IAM user. Default false."""
    extra_trust_conditions: NotRequired[Mapping[str, Mapping[str, Any]]]
    """Further conditions on this caller's statements, with the flat input's rules."""
    expires_at: NotRequired[str]
    """This caller's access ends then (RFC 3339 UTC to the second); not in the past."""


CALLER_KEYS: Mapping[str, str] = {
    "name": "name",
    "trustedAccountIds": "trusted_account_ids",
    "trustedPrincipalArns": "trusted_principal_arns",
    "trustedPermissionSets": "trusted_permission_sets",
    "requireMfa": "require_mfa",
    "mfaMaxAgeSeconds": "mfa_max_age_seconds",
    "externalIds": "external_ids",
    "allowSessionTags": "allow_session_tags",
    "sourceIdentity": "source_identity",
    "sessionNameIsUsername": "session_name_is_username",
    "extraTrustConditions": "extra_trust_conditions",
    "expiresAt": "expires_at",
}
"""A caller entry's config keys (the flat keys' own names) -> its input names."""
FLAT_UNSET: Mapping[str, Any] = {
    "trusted_account_ids": (),
    "trusted_principal_arns": (),
    "trusted_permission_sets": (),
    "require_mfa": False,
    "mfa_max_age_seconds": None,
    "external_id": None,
    "external_ids": None,
    "allow_session_tags": False,
    "source_identity": "",
    "session_name_is_username": False,
    "extra_trust_conditions": None,
    "expires_at": "",
}
"""The flat inputs a caller entry replaces, and the values that mean they are not set."""


def entries_from_config(value: Any) -> Any:
    """The config key ``callers`` as component input: each entry's camelCase keys as the input names
    (an unknown key is left for ``validate_callers`` to refuse, as written)."""
    if not isinstance(value, list):
        return value
    return [
        {CALLER_KEYS.get(k, k): v for k, v in entry.items()} if isinstance(entry, Mapping) else entry
        for entry in value
    ]


def _unset(value: Any, empty: Any) -> bool:
    if value is None or value == empty:
        return True
    return isinstance(value, (list, tuple, dict)) and not value


def refuse_flat_inputs(args: Mapping[str, Any]) -> None:
    """With ``callers``, a flat who or condition input set too is refused, saying where to move it."""
    for name, empty in FLAT_UNSET.items():
        if name in args and not _unset(args[name], empty):
            where = "external_ids" if name == "external_id" else name
            value = check.hidden_value(None) if name in ("external_id", "external_ids") else args[name]
            raise InvalidInputError(
                name,
                value,
                f"is set with callers, which say each caller's own who and conditions: move it into the "
                f"caller entries it applies to (callers[].{where}), or leave callers unset",
            )


def validate_callers(
    value: Any,
    organization_id: str | None,
    checked_caller: Callable[[Mapping[str, Any], str | None], CallerSpec],
) -> tuple[CallerSpec, ...]:
    """The caller entries, each checked with the flat inputs' rules (``checked_caller`` applies them)."""
    if not isinstance(value, (list, tuple)) or not value:
        raise InvalidInputError("callers", value, "must be a non-empty list of caller entries")
    known = sorted(Caller.__annotations__)
    names: dict[str, str] = {}
    result = []
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise InvalidInputError(f"callers[{index}]", entry, "must be an object with a name")
        name = entry.get("name")
        if not isinstance(name, str) or not CALLER_NAME_RE.fullmatch(name):
            raise InvalidInputError(
                f"callers[{index}].name",
                name,
                "is not a caller name (1-64 ASCII letters and digits: it is the Sid of the caller's "
                "statement)",
            )
        if name.lower() in names:
            raise InvalidInputError(
                f"callers.{name}",
                name,
                f"and {names[name.lower()]!r} name one caller (names are compared without case, as "
                "their statements' Sids must differ): give each caller its own name",
            )
        names[name.lower()] = name
        unknown = sorted(set(entry) - set(known), key=str)
        if unknown:
            raise InvalidInputError(
                f"callers.{name}.{unknown[0]}", entry[unknown[0]], f"is not a caller key; known: {known}"
            )
        if "trusted_account_ids" not in entry:
            raise InvalidInputError(f"callers.{name}.trusted_account_ids", None, "is required")
        try:
            checked = checked_caller(entry, organization_id)
        except InvalidInputError as error:
            raise InvalidInputError(f"callers.{name}.{error.key}", error.value, error.rule) from None
        result.append(checked)
    return tuple(result)


def caller_external_ids(callers: Sequence[CallerSpec]) -> list[str]:
    """Every external id of the caller entries (secrets: for the reporter to hide)."""
    return [external_id for caller in callers for external_id in caller.external_ids or ()]


def caller_requirements(callers: Sequence[CallerSpec]) -> list[dict[str, Any]]:
    """What each caller entry requires, as the trusted side reads it (the trusting stack's
    ``callerRequirements`` output): no external id, only whether one is required."""
    return [
        {
            "name": caller.name,
            "trustedAccountIds": sorted(caller.trusted_account_ids),
            "externalIdRequired": caller.external_ids is not None,
            "mfaRequired": caller.require_mfa or caller.mfa_max_age_seconds is not None,
            "sessionNameRequired": caller.session_name_is_username,
            "sourceIdentityRequired": caller.source_identity in ("required", "username"),
            "sessionTagsAllowed": caller.allow_session_tags,
            "sourceIdentityAllowed": caller.source_identity is not None,
            "expiresAt": caller.expires_at or "",
        }
        for caller in sorted(callers, key=lambda caller: caller.name.lower())
    ]
