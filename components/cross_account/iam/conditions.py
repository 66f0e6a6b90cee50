"""The IAM condition language, for extra trust conditions: operators, keys, values by operator, and the
analysis of conditions that can never hold, alone or beside what the other inputs write.

Pure: no pulumi. A broken rule is a ``RuleError`` (``<key>: <value> <rule>``); ``cross_account.conditions``
gives the same line as an ``InvalidInputError``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..documents import (
    PROJECT_CONDITIONS,
)
from ..stack_outputs import string_list
from .grammar import (
    ACCOUNT_ID_RE,
    CONDITION_KEY_RE,
    CONDITION_VALUE_RE,
    DATE_RE,
    NUMBER_RE,
    _pattern,
)
from .rules import (
    RuleError,
    folded,
    hidden_value,
    secret_strings,
    shallow,
    string as _string,
)

CONDITION_FAMILIES: Mapping[str, tuple[str, ...]] = {
    "string": (
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
        "StringLike", "StringNotLike",
    ),
    "number": (
        "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
        "NumericGreaterThan", "NumericGreaterThanEquals",
    ),
    "date": (
        "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
        "DateGreaterThanEquals",
    ),
    "boolean": ("Bool",),
    "binary": ("BinaryEquals",),
    "ip": ("IpAddress", "NotIpAddress"),
    "arn": ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"),
    "null": ("Null",),
}  # fmt: skip
"""IAM's condition operators, by what their values are
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)."""


SET_PREFIXES = ("ForAllValues:", "ForAnyValue:")
MULTIVALUED_KEYS = frozenset(
    {
        "aws:calledvia",
        "aws:principalorgpaths",
        "aws:principalservicenameslist",
        "aws:resourceorgpaths",
        "aws:sourceorgpaths",
        "aws:tagkeys",
        "aws:vpceorgpaths",
        "sts:transitivetagkeys",
    }
)
"""The multivalued context keys of IAM's global keys (``aws:``) and of STS (``sts:``), folded: the only
keys of those services that a set operator (``ForAllValues:``/``ForAnyValue:``) may test. Every other
key of theirs is single-valued (AWS's "Single-valued vs. multivalued context keys",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html);
keys of other services are not checked."""
DOCUMENTED_KEY_SERVICES = ("aws", "sts")
"""Services whose keys' value types are all known (global keys, and STS's own for AssumeRole)."""
ALWAYS_PRESENT_KEYS = frozenset(
    {
        "aws:currenttime",
        "aws:epochtime",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principaltype",
        "aws:securetransport",
        "aws:userid",
        "aws:viaawsservice",
        "sts:rolesessionname",
    }
)
"""Keys (folded) that every AssumeRole request by an IAM user or role carries."""
SERVICE_ONLY_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"})
"""Keys (folded) a request carries only when an AWS service calls on a principal's behalf (AWS IAM User
Guide, "AWS global condition context keys": aws:SourceArn and the others "included in the request context
only if accessing a resource triggers an AWS service to call another service on behalf of the resource
owner"): an IAM user or role calling AssumeRole, the only callers this role trusts, never sends them."""
NON_NEGATIVE_KEYS = frozenset({"aws:multifactorauthage", "aws:epochtime"})
"""Numeric keys (folded) that are never below 0."""
SESSION_TAG_KEY_PREFIXES = ("aws:requesttag/", "aws:tagkeys", "sts:transitivetagkeys")
"""Keys (folded) a request carries only when the caller tags its session (sts:TagSession)."""
BASE64_RE = _pattern(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
CIDR_RE = _pattern(r"[0-9A-Fa-f.:]+(?:/(?:0|[1-9][0-9]{0,2}))?")
"""An address, or a network with a prefix length (no netmask, no zone id, no leading zero)."""
ARN_WILDCARD_RE = _pattern(r"\*+|arn(?::\*+){1,5}")
"""ARN patterns of wildcards only (``*``, ``arn:*``, ``arn:*:*``), which ArnLike reads as any ARN."""


@dataclass(frozen=True)
class ConditionOperator:
    """An operator read apart: ``ForAnyValue:StringLikeIfExists`` is StringLike, with a set prefix and IfExists."""

    text: str
    set_prefix: str
    base: str
    if_exists: bool
    family: str

    @property
    def negated(self) -> bool:
        """A negated matching operator (StringNotEquals, NotIpAddress, ArnNotLike, ...): true when the key is absent."""
        return "Not" in self.base

    @property
    def test(self) -> str:
        """What the operator tests, whatever its form: ArnEquals and ArnLike match alike."""
        return {"ArnEquals": "ArnLike", "ArnNotEquals": "ArnNotLike"}.get(self.base, self.base)

    @property
    def needs_key(self) -> bool:
        """The condition is false when the request has no such key."""
        return not (
            self.negated or self.if_exists or self.set_prefix == "ForAllValues:" or self.family == "null"
        )


def parse_operator(key: str, value: object) -> ConditionOperator:
    """An IAM condition operator, with its ``...IfExists`` and ``ForAllValues:``/``ForAnyValue:`` forms."""
    text = _string(key, value)
    base = text
    set_prefix = next((p for p in SET_PREFIXES if text.startswith(p)), "")
    base = text.removeprefix(set_prefix)
    if_exists = base.endswith("IfExists") and base != "IfExists"
    base = base.removesuffix("IfExists") if if_exists else base
    family = next((f for f, operators in CONDITION_FAMILIES.items() if base in operators), None)
    if family is None or (family == "null" and (if_exists or set_prefix)):
        raise RuleError(
            key,
            text,
            "is not an IAM condition operator (StringEquals, StringLike, ArnLike, IpAddress, DateLessThan, "
            "Bool, Null, ...; with IfExists and the ForAllValues:/ForAnyValue: forms)",
        )
    return ConditionOperator(text, set_prefix, base, if_exists, family)


def condition_operator(key: str, value: object) -> str:
    """An IAM condition operator, with its ``...IfExists`` and ``ForAllValues:``/``ForAnyValue:`` forms."""
    return parse_operator(key, value).text


def _condition_value(key: str, family: str, value: object) -> str:
    text = _string(key, value)
    if not CONDITION_VALUE_RE.fullmatch(text):
        raise RuleError(key, text, "is not a condition value (1-1024 printable ASCII characters)")
    valid = {
        "boolean": text in ("true", "false"),
        "null": text in ("true", "false"),
        "number": bool(NUMBER_RE.fullmatch(text)),
        "date": condition_time(text) is not None,
        "arn": text.startswith("arn:") or bool(ARN_WILDCARD_RE.fullmatch(text)),
        "ip": _network(text) is not None,
        "binary": bool(BASE64_RE.fullmatch(text)),
    }.get(family, True)
    if not valid:
        what = {
            "boolean": '"true" or "false"',
            "null": '"true" or "false"',
            "number": "a number",
            "date": "an ISO 8601 date or time that exists (2027-03-31 or 2027-03-31T23:59:59Z), or seconds "
            "since 1970",
            "arn": "an ARN (arn:...)",
            "ip": "an IP address or CIDR block (a prefix length of 0-32 for IPv4, 0-128 for IPv6; no netmask, "
            "no zone id such as %eth0)",
            "binary": "base64 (A-Z, a-z, 0-9, + and /, padded with = to a multiple of 4 characters)",
        }[family]
        raise RuleError(key, text, f"is not {what}, which this operator compares")
    return text


def condition_time(text: str) -> datetime | None:
    """The instant an IAM date value names (ISO 8601 that exists, or seconds since 1970), in UTC; None if none."""
    if not DATE_RE.fullmatch(text):
        return None
    if text.isdigit():
        try:
            return datetime.fromtimestamp(int(text), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not CIDR_RE.fullmatch(text):  # no zone id (%eth0), no netmask (/255.255.255.0)
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


@dataclass(frozen=True)
class TrustContext:
    """What the other inputs write into the trust policy, to check extra conditions against.

    ``trusted_account_ids`` and ``partition`` are None until they are known
    (Outputs, the stack's partition): the checks that need them run then.
    """

    external_id: bool = False
    require_mfa: bool = False
    mfa_max_age_seconds: int | None = None
    organization_id: str | None = None
    expires_at: str | None = None
    source_identity: str | None = None
    session_name_is_username: bool = False
    principal_patterns: bool = False
    allow_session_tags: bool = False
    trusted_account_ids: tuple[str, ...] | None = None
    partition: str | None = None
    now: datetime | None = None

    def sets(self, setter: str) -> bool:
        """Whether the input ``setter`` (a PROJECT_CONDITIONS value) writes its condition."""
        return {
            "require_mfa": self.require_mfa or self.mfa_max_age_seconds is not None,
            "mfa_max_age_seconds": self.mfa_max_age_seconds is not None,
            "external_id/external_ids": self.external_id,
            "organization_id": self.organization_id is not None,
            "session_name_is_username": self.session_name_is_username,
            "source_identity": self.source_identity in ("required", "username"),
            "expires_at": self.expires_at is not None,
            "trusted_principal_arns/trusted_permission_sets": self.principal_patterns,
        }.get(setter, False)


def _project_keys() -> Mapping[str, tuple[str, tuple[tuple[str, str], ...]]]:
    found: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for (operator, condition_key), setter in PROJECT_CONDITIONS.items():
        found.setdefault(folded(condition_key), (condition_key, []))[1].append((operator, setter))
    return {k: (spelling, tuple(pairs)) for k, (spelling, pairs) in found.items()}


_PROJECT_KEYS = _project_keys()
BESIDE_PROJECT_CONDITIONS: Mapping[str, Callable[[ConditionOperator], bool]] = {
    "aws:currenttime": lambda op: op.test in ("DateGreaterThan", "DateGreaterThanEquals"),
    "aws:principalarn": lambda op: op.negated,
}
"""Conditions that may stand beside the project's own condition on the same key, as they narrow in a way
no input does: a start of access beside expires_at, principals left out of trusted_principal_arns."""
EXTERNAL_ID_RULE = (
    "is an external id, which is a secret: use external_ids (or external_id), which keep it secret in "
    "state and outputs and tell the CLI profiles to send one; never extra_trust_conditions, which stores "
    "it in clear"
)


def _mentions_external_id(value: Any) -> bool:
    return any(folded(text) == "sts:externalid" for text in secret_strings(value))


def trust_conditions(
    key: str, value: object, context: TrustContext | None = None
) -> dict[str, dict[str, str | tuple[str, ...]]]:
    """Extra trust conditions: operator -> condition key -> value or list of values.

    Operators and keys are IAM's; keys are compared as IAM reads them, without
    case. Values are checked for what the operator compares; a condition that
    can never hold (alone, or beside what ``context`` says the other inputs
    write) is refused, and so is a key the components write themselves (any
    operator on it while its input is set, except ``BESIDE_PROJECT_CONDITIONS``;
    the operator the input would write otherwise), naming the input that sets
    it. An external id is refused without showing its value.
    """
    context = context or TrustContext()
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        shown = hidden_value(value) if _mentions_external_id(value) else value
        raise RuleError(key, shown, "must be a map of condition operators to maps of condition keys")
    shallow(key, value)
    result: dict[str, dict[str, str | tuple[str, ...]]] = {}
    for operator_text, keys in value.items():
        operator = parse_operator(key, operator_text)
        where = f"{key}.{operator.text}"
        if not isinstance(keys, Mapping) or not keys:
            shown = hidden_value(keys) if _mentions_external_id(keys) else keys
            raise RuleError(where, shown, "must be a non-empty map of condition keys to values")
        result[operator.text] = _conditions_of(where, operator, keys, context)
    return result


def _conditions_of(
    where: str, operator: ConditionOperator, keys: Mapping[str, Any], context: TrustContext
) -> dict[str, str | tuple[str, ...]]:
    """The condition keys and values under one operator, each checked."""
    checked: dict[str, str | tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for condition_key, values in keys.items():
        if not isinstance(condition_key, str) or not CONDITION_KEY_RE.fullmatch(condition_key):
            raise RuleError(
                where,
                condition_key,
                "is not a condition key of the form service:key (aws:SourceIp, aws:PrincipalTag/team)",
            )
        same = folded(condition_key)
        if same in seen:
            raise RuleError(
                where,
                condition_key,
                f"and {seen[same]!r} are one condition key, as IAM reads condition keys "
                "case-insensitively: keep one spelling",
            )
        seen[same] = condition_key
        if same == "sts:externalid" and not (
            context.external_id and operator.base == "Null" and values == "true"
        ):
            raise RuleError(where, condition_key, EXTERNAL_ID_RULE)
        _set_operator_key(where, operator, condition_key)
        family = operator.family
        listed = string_list(
            f"{where}.{condition_key}",
            [values] if isinstance(values, str) else values,
            lambda k, v, family=family: _condition_value(k, family, v),  # type: ignore[misc]
            required=True,
        )
        checked[condition_key] = listed[0] if isinstance(values, str) else listed
        _never_holds(f"{where}.{condition_key}", operator, same, values, listed, context)
        _written_by_the_project(where, operator, condition_key, context)
    return checked


def _set_operator_key(where: str, operator: ConditionOperator, condition_key: str) -> None:
    service = folded(condition_key.split(":", 1)[0])
    if (
        operator.set_prefix
        and service in DOCUMENTED_KEY_SERVICES
        and folded(condition_key) not in MULTIVALUED_KEYS
    ):
        raise RuleError(
            where,
            condition_key,
            f"is a single-valued context key: {operator.set_prefix} compares sets of values and, on a key "
            "with one value, can match where the operator alone would not (ForAllValues: even when the key "
            f"is absent); write {operator.text.removeprefix(operator.set_prefix)} (AWS's \"Single-valued vs. "
            'multivalued context keys")',
        )


UPPER_BOUNDS = ("DateLessThan", "DateLessThanEquals", "NumericLessThan", "NumericLessThanEquals")
SAME_CONDITIONS: Mapping[str, tuple[str, str]] = {
    "aws:currenttime": ("aws:currenttime", "DateLessThan"),
    "aws:epochtime": ("aws:currenttime", "DateLessThan"),
    "aws:multifactorauthage": ("aws:multifactorauthage", "NumericLessThan"),
}
"""Folded keys whose upper bounds (UPPER_BOUNDS) say what a condition of the project says: an end of access
(the current time as a date or in seconds), a longest MFA age."""


def _meaning(condition_key: str, operator: ConditionOperator) -> tuple[str, str]:
    """The folded key and the test a condition makes, as the project writes the same condition."""
    same = SAME_CONDITIONS.get(folded(condition_key))
    if same is not None and operator.test in UPPER_BOUNDS:
        return same
    return folded(condition_key), operator.test


def _written_by_the_project(
    where: str, operator: ConditionOperator, condition_key: str, context: TrustContext
) -> None:
    key, test = _meaning(condition_key, operator)
    found = _PROJECT_KEYS.get(key)
    if found is None:
        return
    spelling, pairs = found
    allowed = BESIDE_PROJECT_CONDITIONS.get(key)
    beside = allowed is not None and allowed(operator)
    for project_operator, setter in pairs:
        same_test = parse_operator(where, project_operator).test == test
        if same_test or (context.sets(setter) and not beside):
            if condition_key == spelling:
                also = ""
            elif folded(condition_key) == key:
                also = f" (as {spelling}: IAM reads condition keys case-insensitively)"
            else:
                also = f" (as {project_operator} {spelling}, which this condition repeats)"
            raise RuleError(
                where,
                condition_key,
                f"is a condition the role already writes from {setter}{also}: set it there",
            )


def _like(pattern: str, text: str) -> bool:
    """IAM's StringLike: * for any run of characters, ? for one, case-sensitive."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


def _string_matches(operator: ConditionOperator, pattern: str, text: str) -> bool:
    """Whether a value of a (positive or negated) string operator matches ``text``."""
    test = operator.test.replace("Not", "")
    if test == "StringLike":
        return _like(pattern, text)
    if test == "StringEqualsIgnoreCase":
        return pattern.lower() == text.lower()
    return pattern == text


def _matches_every_arn(pattern: str, context: TrustContext, principal: bool) -> bool:
    """Whether an ARN pattern matches every ARN (``principal``: every principal the role trusts, as far as known).

    ArnLike matches each of the six colon-separated parts alone; a pattern of
    fewer parts ending in wildcards is read as matching the rest.
    """
    if set(pattern) <= {"*"}:
        return True
    parts = pattern.split(":", 5)
    accounts = context.trusted_account_ids if principal else None
    known = [
        "arn",
        context.partition if principal else None,
        "iam" if principal else None,
        "" if principal else None,
    ]

    def everything(index: int, part: str) -> bool:
        if part and set(part) <= {"*"}:
            return True
        if index < len(known) and known[index] is not None:
            return part == known[index]
        if index == 4 and accounts:
            return all(_like(part, account) for account in accounts)
        return False

    if len(parts) < 6 and not (parts[-1] and set(parts[-1]) <= {"*"}):
        return False
    return all(everything(index, part) for index, part in enumerate(parts))


def _matches_every_value(
    operator: ConditionOperator, key: str, values: tuple[str, ...], context: TrustContext
) -> bool:
    """Whether a negated operator's values match every value the key can have."""
    if operator.test == "StringNotLike":
        return any(set(v) <= {"*"} for v in values)
    if operator.test == "ArnNotLike":
        return any(_matches_every_arn(v, context, key == "aws:principalarn") for v in values)
    if operator.test == "NotIpAddress":
        networks = [n for n in (_network(v) for v in values) if n is not None]
        v4 = list(ipaddress.collapse_addresses(n for n in networks if isinstance(n, ipaddress.IPv4Network)))
        v6 = list(ipaddress.collapse_addresses(n for n in networks if isinstance(n, ipaddress.IPv6Network)))
        return v4 == [ipaddress.ip_network("0.0.0.0/0")] and v6 == [ipaddress.ip_network("::/0")]
    return False


NEVER = "the condition can never hold, so no one could assume the role"


def _never_holds(
    where: str,
    operator: ConditionOperator,
    key: str,
    shown: Any,
    values: tuple[str, ...],
    context: TrustContext,
) -> None:
    """Raise if the condition can never hold, alone or beside the conditions the other inputs write."""
    now = context.now or datetime.now(UTC)
    everything = operator.negated and not (operator.if_exists or operator.set_prefix)
    if everything and _matches_every_value(operator, key, values, context):
        if key in ALWAYS_PRESENT_KEYS:
            rule = f"matches every value of a key that every AssumeRole request carries: {NEVER}"
        else:
            rule = (
                "matches every value: the condition holds only for a request without this key; if that is "
                'meant, say so with the Null operator and "true"'
            )
        raise RuleError(where, shown, rule)
    if key in SERVICE_ONLY_KEYS and requires_key(operator, values):
        raise RuleError(
            where,
            shown,
            "requires a key that only a request an AWS service makes on a principal's behalf carries; the "
            f"IAM users and roles this role trusts call AssumeRole themselves and never send it: {NEVER}",
        )
    if operator.base == "Null" and "true" in values and key in ALWAYS_PRESENT_KEYS:
        raise RuleError(
            where, shown, f"requires the key to be absent, but every AssumeRole request carries it: {NEVER}"
        )
    if key == "aws:securetransport" and operator.family == "boolean" and "true" not in values:
        raise RuleError(
            where,
            shown,
            "can never hold: AssumeRole is called over TLS only (aws:SecureTransport is always true), so no "
            "one could assume the role",
        )
    if (
        key in NON_NEGATIVE_KEYS
        and operator.test in ("NumericLessThan", "NumericLessThanEquals")
        and not operator.set_prefix
    ):
        strict = operator.test == "NumericLessThan"
        if all(float(v) <= 0 if strict else float(v) < 0 for v in values):
            raise RuleError(
                where, shown, "can never hold: the key is never below 0, so no one could assume the role"
            )
    _past(where, operator, key, values, context, now)
    _contradicts_the_project(where, operator, key, shown, values, context)


def requires_key(operator: ConditionOperator, values: Iterable[str]) -> bool:
    """The condition is false for a request without its key: a positive operator, or Null "false"."""
    return operator.needs_key or (operator.family == "null" and set(values) == {"false"})


def _past(
    where: str,
    operator: ConditionOperator,
    key: str,
    values: tuple[str, ...],
    context: TrustContext,
    now: datetime,
) -> None:
    """A value before now, of an operator that then can never hold on the current time (as for expires_at)."""
    if key not in ("aws:currenttime", "aws:epochtime") or operator.set_prefix:
        return
    upper = operator.test in (
        "DateLessThan",
        "DateLessThanEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "DateEquals",
        "NumericEquals",
    )
    if upper:
        for value in values:
            when = condition_time(value) if operator.family == "date" else _epoch(value)
            if when is not None and when <= now:
                raise RuleError(
                    where,
                    value,
                    f"is in the past (it is {now.strftime('%Y-%m-%dT%H:%M:%SZ')} now): the access would end "
                    "before it starts; set a later time, or remove the condition",
                )
    if operator.test in ("DateGreaterThan", "DateGreaterThanEquals") and context.expires_at is not None:
        end = condition_time(context.expires_at)
        starts = [t for t in (condition_time(v) for v in values) if t is not None]
        if end is not None and starts and min(starts) >= end:
            raise RuleError(
                where,
                values[0] if len(values) == 1 else list(values),
                f"is not before expires_at ({context.expires_at!r}): the access would end before it starts",
            )


def _epoch(value: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _contradicts_the_project(
    where: str,
    operator: ConditionOperator,
    key: str,
    shown: Any,
    values: tuple[str, ...],
    context: TrustContext,
) -> None:
    """Raise if the condition cannot hold beside a condition the other inputs write."""
    absent = operator.base == "Null" and values == ("true",)
    present = operator.base == "Null" and values == ("false",)
    never = None
    if context.require_mfa or context.mfa_max_age_seconds is not None:
        if key == "aws:multifactorauthpresent" and operator.family == "boolean" and "true" not in values:
            never = "contradicts require_mfa, which requires aws:MultiFactorAuthPresent to be true"
        elif key in ("aws:multifactorauthpresent", "aws:multifactorauthage") and absent:
            never = "contradicts require_mfa, which requires an MFA-authenticated session, where the key is present"
    if context.external_id and key == "sts:externalid" and absent:
        never = "contradicts external_id/external_ids, which require an sts:ExternalId"
    if context.organization_id is not None and key == "aws:principalorgid":
        org = context.organization_id
        if absent:
            never = f"contradicts organization_id, which requires aws:PrincipalOrgID {org!r}"
        elif operator.family == "string" and not operator.set_prefix:
            matched = any(_string_matches(operator, v, org) for v in values)
            if matched == operator.negated:
                never = f"contradicts organization_id ({org!r}), which aws:PrincipalOrgID must equal"
    if (
        context.trusted_account_ids is not None
        and key == "aws:principalaccount"
        and operator.family == "string"
    ):
        accounts = context.trusted_account_ids
        if not operator.negated:
            for value in values:
                if ACCOUNT_ID_RE.fullmatch(value) and value not in accounts:
                    raise RuleError(
                        where,
                        value,
                        f"names account {value!r}, which is not one of trusted_account_ids {sorted(accounts)}",
                    )
        covered = [a for a in accounts if any(_string_matches(operator, v, a) for v in values)]
        if (operator.negated and len(covered) == len(accounts)) or (not operator.negated and not covered):
            never = f"leaves out every account of trusted_account_ids {sorted(accounts)}"
    requires_key = operator.needs_key or present
    if key == "sts:sourceidentity" and context.source_identity is None and requires_key:
        never = (
            "requires a source identity, which a caller can bring only when source_identity allows it "
            "(sts:SetSourceIdentity)"
        )
    if key.startswith(SESSION_TAG_KEY_PREFIXES) and not context.allow_session_tags and requires_key:
        never = (
            "requires session tags, which a caller can pass only when allow_session_tags is true "
            "(sts:TagSession)"
        )
    if never is not None:
        raise RuleError(where, shown, f"{never}: {NEVER}")


def condition_warnings(key: str, conditions: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Warnings about checked extra conditions that hold, but maybe not as meant (each naming the key and value).

    ``ForAllValues:`` also holds when the request has no such key at all
    (unless a ``Null`` ``false`` condition requires it); ``NotIpAddress`` of
    every IPv4 (or IPv6) address lets in only callers of the other version.
    """
    found = []
    required = {folded(k) for k, v in conditions.get("Null", {}).items() if v == "false"}
    for operator_text, keys in conditions.items():
        operator = parse_operator(key, operator_text)
        for condition_key, values in keys.items():
            where = f"{key}.{operator.text}.{condition_key}"
            listed = (values,) if isinstance(values, str) else tuple(values)
            if operator.set_prefix == "ForAllValues:" and folded(condition_key) not in required:
                found.append(
                    f"{where}: {operator.text} also holds for a request without {condition_key}; if the key must "
                    f'be there, add {{"Null": {{"{condition_key}": "false"}}}}'
                )
            if operator.test == "NotIpAddress" and not operator.if_exists:
                for version, everything in ((4, "0.0.0.0/0"), (6, "::/0")):
                    networks = [
                        n for n in (_network(v) for v in listed) if n is not None and n.version == version
                    ]
                    collapsed = list(ipaddress.collapse_addresses(networks))  # type: ignore[type-var]
                    if collapsed == [ipaddress.ip_network(everything)]:
                        other = 6 if version == 4 else 4
                        found.append(
                            f"{where}: {values!r} leaves out every IPv{version} address: only callers over "
                            f"IPv{other} may assume the role"
                        )
    return found
