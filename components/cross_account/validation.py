"""Checks of plain input values, with errors that name the input, the value and the rule.

Each check takes the name to report (an arg name such as ``trusted_account_ids``
from the components, a config key such as ``trustedAccountIds`` from the
program) and returns the value normalized (tuples for lists).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pulumi

from . import limits
from .documents import parse_role_arn, policy_size

T = TypeVar("T")

ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
USER_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
GROUP_NAME_RE = re.compile(r"^[\w+=,.@-]{1,128}$")
POLICY_NAME_RE = re.compile(r"^[\w+=,.@-]{1,128}$")
PATH_RE = re.compile(rf"^(?=.{{1,{limits.PATH_MAX}}}$)/(?:[\x21-\x7e]*/)?$")
DESCRIPTION_RE = re.compile(rf"^[\t\n\r\x20-\x7e\xa1-\xff]{{0,{limits.DESCRIPTION_MAX}}}$")
POLICY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::(?:aws|\d{12}):policy(?:/[\x21-\x7e]*)?/[\w+=,.@-]{1,128}$")
EXTERNAL_ID_RE = re.compile(r"^[\w+=,.@:/-]+$")
ORGANIZATION_ID_RE = re.compile(r"^o-[a-z0-9]{10,32}$")
PRINCIPAL_PATTERN_RE = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):(?P<service>iam|sts)::(?P<account>[^:]*):(?P<resource>.+)$"
)
PROFILE_NAME_RE = re.compile(r"^[\w.@+=,:/-]{1,128}$")
AWS_MANAGED_NAME_RE = re.compile(r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,128}$")
STACK_NAME_RE = re.compile(r"^[\w.-]+(?:/[\w.-]+){0,2}$")
WILDCARDS = ("*", "?")


class InvalidInputError(pulumi.RunError, ValueError):
    """An input value breaks a rule. Raised before any resource is registered."""

    def __init__(self, key: str, value: Any, rule: str) -> None:
        self.key = key
        self.value = value
        self.rule = rule
        super().__init__(f"{key}: {value!r} {rule}")

    def renamed(self, names: Mapping[str, str]) -> InvalidInputError:
        """The same error reported under the caller's names, for the input and any input its rule mentions."""
        rule = self.rule
        for name, caller_name in names.items():
            rule = re.sub(rf"\b{re.escape(name)}\b", caller_name, rule)
        head, dot, rest = self.key.partition(".")  # "inline_policies.<name>" -> "inlinePolicies.<name>"
        return InvalidInputError(f"{names.get(head, head)}{dot}{rest}", self.value, rule)


def has_output(value: object) -> bool:
    """True when the value is, or a list of it holds, a pulumi Output (resolved later)."""
    if isinstance(value, pulumi.Output):
        return True
    if isinstance(value, (list, tuple)):
        return any(has_output(v) for v in value)
    return False


def _string(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(key, value, "must be a string")
    return value


def string_list(
    key: str,
    values: Any,
    check: Callable[[str, Any], T],
    *,
    required: bool = False,
) -> tuple[T, ...]:
    """A list of distinct values, each passing ``check``."""
    if values is None:
        values = []
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        raise InvalidInputError(key, values, "must be a list")
    if required and not values:
        raise InvalidInputError(key, values, "must name at least one entry")
    seen: set[Any] = set()
    result = []
    for value in values:
        checked = check(key, value)
        if checked in seen:
            raise InvalidInputError(key, value, "is listed twice: entries must be distinct")
        seen.add(checked)
        result.append(checked)
    return tuple(result)


def _no_wildcard(key: str, value: str, what: str) -> None:
    if any(w in value for w in WILDCARDS):
        raise InvalidInputError(
            key, value, f"contains a wildcard: {what} must be named exactly, never with * or ?"
        )


def account_id(key: str, value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise InvalidInputError(key, value, "is a number: write the 12-digit account id as a quoted string")
    value = _string(key, value)
    _no_wildcard(key, value, "an account")
    if not ACCOUNT_ID_RE.match(value):
        raise InvalidInputError(key, value, "is not a 12-digit AWS account id")
    return value


def _matching(key: str, value: object, pattern: re.Pattern[str], rule: str, wildcard: str = "") -> str:
    """The value, if it is a string matching ``pattern``; ``wildcard`` names what may hold no * or ?."""
    text = _string(key, value)
    if wildcard:
        _no_wildcard(key, text, wildcard)
    if not pattern.match(text):
        raise InvalidInputError(key, text, rule)
    return text


NAME_CHARACTERS = "letters, digits and +=,.@_-"


def role_name(key: str, value: object) -> str:
    return _matching(
        key, value, ROLE_NAME_RE, f"is not an IAM role name (1-64 characters of {NAME_CHARACTERS})"
    )


def user_name(key: str, value: object) -> str:
    rule = f"is not an IAM user name (1-64 characters of {NAME_CHARACTERS})"
    return _matching(key, value, USER_NAME_RE, rule, wildcard="a user")


def group_name(key: str, value: object) -> str:
    rule = f"is not an IAM group name (1-128 characters of {NAME_CHARACTERS})"
    return _matching(key, value, GROUP_NAME_RE, rule, wildcard="a group")


def policy_name(key: str, value: object) -> str:
    rule = f"is not an IAM policy name (1-128 characters of {NAME_CHARACTERS})"
    return _matching(key, value, POLICY_NAME_RE, rule)


def profile_name(key: str, value: object) -> str:
    rule = (
        "is not an AWS CLI profile name (1-128 characters of letters, digits and .@+=,:/_-; "
        "no spaces or brackets)"
    )
    return _matching(key, value, PROFILE_NAME_RE, rule)


def iam_path(key: str, value: object) -> str:
    rule = f"is not an IAM path: '/' or '/segments/' of printable ASCII, at most {limits.PATH_MAX} characters"
    return _matching(key, value, PATH_RE, rule)


def description(key: str, value: object) -> str:
    rule = f"is not an IAM description (at most {limits.DESCRIPTION_MAX} printable characters)"
    return _matching(key, value, DESCRIPTION_RE, rule)


def policy_arn(key: str, value: object) -> str:
    rule = "is not an IAM policy ARN (arn:<partition>:iam::<aws|account>:policy/...)"
    return _matching(key, value, POLICY_ARN_RE, rule)


def aws_managed_policy_name(key: str, value: object) -> str:
    rule = (
        "is neither a policy ARN nor the name of an AWS managed policy "
        "(such as AmazonS3ReadOnlyAccess or job-function/ViewOnlyAccess)"
    )
    return _matching(key, value, AWS_MANAGED_NAME_RE, rule)


def role_arn(key: str, value: object) -> str:
    text = _string(key, value)
    _no_wildcard(key, text, "a role")
    if parse_role_arn(text) is None:
        raise InvalidInputError(
            key, text, "is not an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name)"
        )
    return text


def integer(key: str, value: object, low: int, high: int, unit: str = "") -> int:
    if isinstance(value, float) and value.is_integer():
        # Numbers reach the component provider as doubles (7200 arrives as 7200.0).
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(key, value, "must be a whole number")
    if not low <= value <= high:
        raise InvalidInputError(key, value, f"is out of range: must be {low}..{high}{unit}")
    return value


def session_duration(key: str, value: object) -> int:
    return integer(key, value, limits.MIN_SESSION_SECONDS, limits.MAX_SESSION_SECONDS, " seconds")


def mfa_max_age(key: str, value: object) -> int:
    return integer(key, value, 1, limits.MFA_MAX_AGE_MAX, " seconds")


def boolean(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInputError(key, value, "must be true or false")
    return value


def external_id(key: str, value: object) -> str:
    value = _string(key, value)
    if not limits.EXTERNAL_ID_MIN <= len(value) <= limits.EXTERNAL_ID_MAX or not (
        EXTERNAL_ID_RE.match(value)
    ):
        # The value may be a secret: report its length, never the value itself.
        raise InvalidInputError(
            key,
            f"<{len(value)} characters, hidden>",
            f"is not a valid external id: {limits.EXTERNAL_ID_MIN}-{limits.EXTERNAL_ID_MAX} "
            "characters of letters, digits and +=,.@:/_-",
        )
    return value


def organization_id(key: str, value: object) -> str:
    value = _string(key, value)
    _no_wildcard(key, value, "an organization")
    if not ORGANIZATION_ID_RE.match(value):
        raise InvalidInputError(
            key, value, "is not an AWS Organizations id (o- and 10-32 lowercase letters or digits)"
        )
    return value


def principal_pattern(key: str, value: object, trusted_account_ids: Iterable[str]) -> str:
    """An ``aws:PrincipalArn`` pattern inside one of the trusted accounts.

    Wildcards may narrow the resource part (``role/ops-*``) but the account must
    be one of the trusted accounts, written out.
    """
    value = _string(key, value)
    match = PRINCIPAL_PATTERN_RE.match(value)
    if match is None:
        raise InvalidInputError(
            key, value, "is not an IAM principal ARN pattern (arn:<partition>:iam::<account>:...)"
        )
    account = match["account"]
    _no_wildcard(key, account, "the account of a principal pattern")
    accounts = set(trusted_account_ids)
    if account not in accounts:
        raise InvalidInputError(
            key,
            value,
            f"names account {account!r}, which is not one of trustedAccountIds {sorted(accounts)}",
        )
    if match["resource"].strip("*?/") == "":
        raise InvalidInputError(key, value, "matches every principal: name a user or role pattern")
    return value


def stack_name(key: str, value: object) -> str:
    value = _string(key, value)
    if not STACK_NAME_RE.match(value):
        raise InvalidInputError(
            key, value, "is not a stack name (<stack>, <org>/<stack> or <org>/<project>/<stack>)"
        )
    return value


def tags(key: str, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError(key, value, "must be a map of tag names to values")
    if len(value) > limits.TAGS_MAX:
        raise InvalidInputError(key, f"<{len(value)} tags>", f"has more than {limits.TAGS_MAX}")
    for name, tag_value in value.items():
        if not isinstance(name, str) or not 1 <= len(name) <= limits.TAG_KEY_MAX:
            raise InvalidInputError(key, name, f"is not a tag key (1-{limits.TAG_KEY_MAX} chars)")
        if name.lower().startswith("aws:"):
            raise InvalidInputError(key, name, "uses the reserved prefix aws:")
        if not isinstance(tag_value, str) or len(tag_value) > limits.TAG_VALUE_MAX:
            raise InvalidInputError(
                f"{key}.{name}", tag_value, f"must be a string of at most {limits.TAG_VALUE_MAX}"
            )
    return dict(value)


def _statement_list(key: str, document: Any) -> list[Any]:
    if not isinstance(document, Mapping):
        raise InvalidInputError(key, document, "must be a policy document object")
    if document.get("Version") != "2012-10-17":
        raise InvalidInputError(key, document.get("Version"), "Version must be '2012-10-17'")
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise InvalidInputError(key, statements, "Statement must be a non-empty list")
    return statements


def identity_policy_document(key: str, document: Any) -> dict[str, Any]:
    """An identity policy document (inline role policy): no Principal, every statement whole."""
    for statement in _statement_list(key, document):
        if not isinstance(statement, Mapping):
            raise InvalidInputError(key, statement, "each statement must be an object")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise InvalidInputError(key, statement.get("Effect"), "Effect must be Allow or Deny")
        if ("Action" in statement) == ("NotAction" in statement):
            raise InvalidInputError(key, statement, "needs exactly one of Action or NotAction")
        if ("Resource" in statement) == ("NotResource" in statement):
            raise InvalidInputError(key, statement, "needs exactly one of Resource or NotResource")
        if "Principal" in statement or "NotPrincipal" in statement:
            raise InvalidInputError(key, statement, "has a Principal: identity policies name no principal")
    normalized: dict[str, Any] = _whole_numbers(document)
    return normalized


def _whole_numbers(value: Any) -> Any:
    """The value with whole floats as ints: numbers reach the component provider as doubles."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_whole_numbers(v) for v in value]
    return value


def inline_policies(key: str, value: object) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError(key, value, "must be a map of policy names to policy documents")
    result = {}
    for name, document in value.items():
        policy_name(key, name)
        result[name] = identity_policy_document(f"{key}.{name}", document)
    total = sum(policy_size(d) for d in result.values())
    if total > limits.INLINE_ROLE_POLICIES_MAX:
        raise InvalidInputError(
            key,
            f"<{total} characters>",
            f"exceeds the {limits.INLINE_ROLE_POLICIES_MAX}-character quota on a role's inline "
            "policies: move permissions into a managed policy",
        )
    return result
