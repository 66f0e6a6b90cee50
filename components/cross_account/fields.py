"""Checks of plain input values, one function a kind of value: each takes the name to report and the
value, and returns the value normalized (tuples for lists) or raises InvalidInputError.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from . import limits, stack_outputs as rules
from .documents import (
    SOURCE_IDENTITY_MODES,
    parse_role_arn,
    policy_size,
)
from .errors import (
    InvalidInputError,
    T,
    hidden_value,
    input_rule,
    nesting_depth,
    snake_case,
)
from .iam import rules as pure
from .iam.conditions import CONDITION_FAMILIES as CONDITION_FAMILIES
from .iam.grammar import (
    ACCOUNT_ID_RE,
    ARN_PARTS_RE,
    AWS_MANAGED_NAME_RE,
    COLOR_RE,
    DESCRIPTION_RE,
    EXTERNAL_ID_RE,
    ORGANIZATION_ID_RE,
    ORGANIZATIONAL_UNIT_ID_RE,
    PARTITION,
    PATH_RE,
    PERMISSION_SET_NAME_RE,
    POLICY_ARN_RE,
    POLICY_NAME_RE,
    PRINCIPAL_RESOURCE_RE,
    PROFILE_NAME_RE,
    REGION_RE,
    ROLE_NAME_RE,
    STACK_NAME_RE,
    TAG_KEY_RE,
    TAG_VALUE_RE,
    WILDCARDS,
    known_regions,
)
from .iam.rules import (  # the pure rules, re-exported
    EVALUATED_RULES as EVALUATED_RULES,
    folded as folded,
)
from .stack_outputs import (  # the rules shared with the values read from a stack's outputs
    NAME_CHARACTERS as NAME_CHARACTERS,
    SERVICE_LINKED_PATH as SERVICE_LINKED_PATH,
    SERVICE_LINKED_PREFIX as SERVICE_LINKED_PREFIX,
    SSO_ROLE_PREFIX as SSO_ROLE_PREFIX,
)


def too_deep(key: str) -> InvalidInputError:
    return InvalidInputError(key, pure.TOO_DEEP_VALUE, pure.TOO_DEEP_RULE)


def shallow(key: str, value: Any) -> Any:
    """The value, unless maps and lists nest in it deeper than any IAM document needs."""
    if nesting_depth(value) > limits.MAX_NESTING:
        raise too_deep(key)
    return value


def _meant_input(name: object, known: Iterable[str]) -> str | None:
    """The input ``name`` means when it is one written in camelCase (or another case), else None."""
    if not isinstance(name, str):
        return None
    by_folded = {k.replace("_", "").lower(): k for k in known}
    meant = by_folded.get(snake_case(name).replace("_", ""))
    return meant if meant != name else None


def refuse_unknown_inputs(args: Mapping[str, Any], known: Iterable[str]) -> None:
    """The first arg (by name) that is not an input fails, naming it and, for a camelCase name, the input it means."""
    known = sorted(known)
    unknown = sorted(set(args) - set(known))
    if unknown:
        name = unknown[0]
        meant = _meant_input(name, known)
        rule = (
            f"is not an input: did you mean {meant}? (inputs are snake_case)"
            if meant
            else f"is not an input; known: {known}"
        )
        raise InvalidInputError(name, args[name], rule)


def secret_input_name(known: Iterable[str]) -> Callable[[str, Any], str]:
    """A checker of one entry of ``secret_inputs``: the name of an input that can be secret."""
    known = sorted(known)
    inputs = [name for name in known if name != "secret_inputs"]

    def checked(key: str, value: Any) -> str:
        if value not in inputs:
            meant = _meant_input(value, inputs)
            hint = f": did you mean {meant}? (inputs: {known})" if meant else f"; inputs: {known}"
            raise InvalidInputError(key, value, f"is not an input that can be secret{hint}")
        return str(value)

    return checked


def _string(key: str, value: object) -> str:
    return input_rule(pure.string, key, value)


def not_evaluated(key: str, value: Any) -> Any:
    """The value, if nothing in it is a CloudFormation dynamic reference or intrinsic function
    (``iam.rules.not_evaluated``, its error an InvalidInputError)."""
    return input_rule(pure.not_evaluated, key, value)


def not_evaluated_inputs(args: Mapping[str, Any]) -> None:
    """``not_evaluated`` over every input (an Output inside is passed over: its string rules check it
    once it resolves)."""
    for name, value in args.items():
        not_evaluated(name, value)


def string_list(
    key: str,
    values: Any,
    check: Callable[[str, Any], T],
    *,
    required: bool = False,
    identity: Callable[[T], Hashable] | None = None,
) -> tuple[T, ...]:
    """A list of distinct values, each passing ``check`` (stack_outputs.string_list, its errors as
    InvalidInputError; ``check``'s own errors pass as they are)."""
    return input_rule(rules.string_list, key, values, check, required=required, identity=identity)


def _no_wildcard(key: str, value: str, what: str) -> None:
    input_rule(rules.no_wildcard, key, value, what)


def account_id(key: str, value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return input_rule(rules.account_id, key, value)
    return input_rule(rules.account_id, key, _string(key, value))


def _matching(key: str, value: object, pattern: re.Pattern[str], rule: str, wildcard: str = "") -> str:
    """The value, if it is a string matching ``pattern`` whole; ``wildcard`` names what may hold no * or ?."""
    return input_rule(rules.matching, key, _string(key, value), pattern, rule, wildcard)


def role_name(key: str, value: object) -> str:
    return input_rule(rules.role_name, key, _string(key, value))


def user_name(key: str, value: object) -> str:
    return input_rule(rules.user_name, key, _string(key, value))


def group_name(key: str, value: object) -> str:
    return input_rule(rules.group_name, key, _string(key, value))


def policy_name(key: str, value: object) -> str:
    rule = f"is not an IAM policy name (1-128 characters of {NAME_CHARACTERS})"
    return _matching(key, value, POLICY_NAME_RE, rule)


def existing_role_name(key: str, value: object) -> str:
    """The name of a role that exists (in the trusted account) and takes policies: never a wildcard,
    never a role that AWS manages (service-linked, IAM Identity Center)."""
    rule = f"is not an IAM role name (1-64 characters of {NAME_CHARACTERS})"
    name = _matching(key, value, ROLE_NAME_RE, rule, wildcard="a role")
    if folded(name).startswith(SERVICE_LINKED_PREFIX):
        raise InvalidInputError(
            key,
            name,
            "names a service-linked role (AWSServiceRoleFor*), whose permissions its AWS service owns: "
            "IAM refuses to attach a policy to it (UnmodifiableEntity); name a role of your own",
        )
    if folded(name).startswith(SSO_ROLE_PREFIX):
        raise InvalidInputError(
            key,
            name,
            "names an IAM Identity Center role (AWSReservedSSO_*), which only Identity Center may change: "
            "IAM refuses to attach a policy to it; give the permission set an inline policy allowing "
            "sts:AssumeRole on the roles instead",
        )
    return name


def region(key: str, value: object) -> str:
    """A region that exists in one of AWS's partitions (the package's list, from botocore)."""
    text = _string(key, value)
    regions = known_regions()
    if text in regions:
        return text
    if not REGION_RE.fullmatch(text):
        raise InvalidInputError(key, text, "is not an AWS region name (such as us-east-1 or eu-west-2)")
    close = difflib.get_close_matches(text, sorted(regions), n=1, cutoff=0.6)
    hint = f": did you mean {close[0]!r}?" if close else ""
    raise InvalidInputError(
        key, text, f"is not a region of any AWS partition (the package's list, from botocore){hint}"
    )


def color(key: str, value: object) -> str:
    rule = "is not a colour of 6 hex digits without # (such as f2b0a9)"
    return _matching(key, value, COLOR_RE, rule)


def profile_name(key: str, value: object) -> str:
    rule = (
        "is not an AWS CLI profile name (1-128 characters of ASCII letters, digits and .@+=,:/_-; "
        "no spaces or brackets)"
    )
    return _matching(key, value, PROFILE_NAME_RE, rule)


PATH_RULE = (
    f"is not an IAM path: '/' or '/segments/' of printable ASCII with no empty segment, "
    f"at most {limits.PATH_MAX} characters"
)


def iam_path(key: str, value: object) -> str:
    return _matching(key, value, PATH_RE, PATH_RULE)


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
    """The ARN of a role that principals of another account may assume: never a wildcard, never a
    role whose trust policy AWS owns (service-linked, IAM Identity Center). One rule with the role
    ARNs read from a trusting stack's outputs (stack_outputs.role_arn)."""
    return input_rule(rules.role_arn, key, _string(key, value))


def role_identity(arn: str) -> Hashable:
    """One role, however its ARN is spelled: partition, account and the name without case."""
    role = parse_role_arn(arn)
    return (role.partition, role.account_id, folded(role.name)) if role is not None else arn


def integer(key: str, value: object, low: int, high: int, unit: str = "") -> int:
    """A whole number in low..high (7200.0, as numbers reach the component provider, is 7200)."""
    return input_rule(rules.integer, key, value, low, high, unit)


def session_duration(key: str, value: object) -> int:
    return integer(key, value, limits.MIN_SESSION_SECONDS, limits.MAX_SESSION_SECONDS, " seconds")


def mfa_max_age(key: str, value: object) -> int:
    return integer(key, value, 1, limits.MFA_MAX_AGE_MAX, " seconds")


def boolean(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInputError(key, value, "must be true or false")
    return value


def external_id(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(key, hidden_value(value), "must be a string")
    if not limits.EXTERNAL_ID_MIN <= len(value) <= limits.EXTERNAL_ID_MAX or not (
        EXTERNAL_ID_RE.fullmatch(value)
    ):
        # The value may be a secret: report its length, never the value itself.
        raise InvalidInputError(
            key,
            hidden_value(value),
            f"is not a valid external id: {limits.EXTERNAL_ID_MIN}-{limits.EXTERNAL_ID_MAX} "
            "characters of ASCII letters, digits and +=,.@:/_-",
        )
    return value


def organization_id(key: str, value: object) -> str:
    value = _string(key, value)
    _no_wildcard(key, value, "an organization")
    if not ORGANIZATION_ID_RE.fullmatch(value):
        raise InvalidInputError(
            key, value, "is not an AWS Organizations id (o- and 10-32 lowercase letters or digits)"
        )
    return value


def organizational_unit_id(key: str, value: object) -> str:
    """An organizational unit id (``ou-ab12-cdefgh34``) or root id (``r-ab12``)."""
    rule = (
        "is not an AWS Organizations organizational unit id (ou-<4-32>-<8-32> or a root, r-<4-32>, of "
        "lowercase letters and digits)"
    )
    return _matching(key, value, ORGANIZATIONAL_UNIT_ID_RE, rule, wildcard="an organizational unit")


def organization_path(key: str, value: object) -> str:
    """An AWS Organizations entity path down to a root or unit, ending in ``/``: ``o-.../r-.../ou-.../``."""
    return input_rule(rules.organization_path, key, _string(key, value))


def role_arn_pattern(key: str, value: object) -> str:
    """``arn:<partition>:iam::*:role/<path><name>``: one role, in any account."""
    return input_rule(rules.role_arn_pattern, key, _string(key, value))


PRINCIPAL_PATTERN_RULE = (
    "is not an IAM principal ARN pattern (arn:<partition>:iam::<account>:root|user/...|role/...)"
)


def principal_pattern(
    key: str, value: object, trusted_account_ids: Iterable[str], partition: str | None = None
) -> str:
    """An ``aws:PrincipalArn`` pattern that can match a principal of one of the trusted accounts.

    Wildcards may narrow the name (``role/ops-*``), but the partition, the
    service (iam), the account (one of the trusted accounts) and the principal
    type (``root``, ``user/``, ``role/``) are written out. ``partition``, when
    known, is the role's own: a pattern in another partition never matches.
    """
    value = _string(key, value)
    parts = ARN_PARTS_RE.fullmatch(value)
    if parts is None or not re.fullmatch(PARTITION, parts["partition"], re.ASCII) or parts["region"]:
        raise InvalidInputError(key, value, PRINCIPAL_PATTERN_RULE)
    if parts["service"] == "sts":
        raise InvalidInputError(
            key,
            value,
            "names an STS session, which can never match: for a role session aws:PrincipalArn is the "
            "role's ARN (arn:<partition>:iam::<account>:role/<path/>name), and federated users cannot "
            "call AssumeRole",
        )
    if parts["service"] != "iam":
        raise InvalidInputError(key, value, PRINCIPAL_PATTERN_RULE)
    account = parts["account"]
    if any(w in account for w in WILDCARDS):
        raise InvalidInputError(
            key, value, "has a wildcard account: the account of a principal pattern must be named exactly"
        )
    if not ACCOUNT_ID_RE.fullmatch(account):
        raise InvalidInputError(key, value, PRINCIPAL_PATTERN_RULE)
    accounts = set(trusted_account_ids)
    if account not in accounts:
        raise InvalidInputError(
            key,
            value,
            f"names account {account!r}, which is not one of trustedAccountIds {sorted(accounts)}",
        )
    if not PRINCIPAL_RESOURCE_RE.fullmatch(parts["resource"]):
        raise InvalidInputError(
            key,
            value,
            "does not start with a principal type (root, user/ or role/) before any wildcard, so it "
            "could match every principal: name a user or role pattern",
        )
    if partition is not None and parts["partition"] != partition:
        raise InvalidInputError(
            key,
            value,
            f"is in partition {parts['partition']!r}, but the role is in {partition!r}: it can never match",
        )
    return value


def source_identity(key: str, value: object) -> str | None:
    """``""`` (leave it out) or one of allowed, required, username."""
    text = _string(key, value)
    if text == "":
        return None
    if text not in SOURCE_IDENTITY_MODES:
        raise InvalidInputError(
            key,
            text,
            'is not one of "" (no source identity), "allowed", "required" or "username"',
        )
    return text


def permission_set_name(key: str, value: object) -> str:
    rule = f"is not an IAM Identity Center permission set name (1-32 characters of {NAME_CHARACTERS})"
    return _matching(key, value, PERMISSION_SET_NAME_RE, rule, wildcard="a permission set")


def stack_name(key: str, value: object) -> str:
    value = _string(key, value)
    if not STACK_NAME_RE.fullmatch(value):
        raise InvalidInputError(
            key, value, "is not a stack name (<stack>, <org>/<stack> or <org>/<project>/<stack>)"
        )
    return value


def tags(key: str, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError(key, value, "must be a map of tag names to values")
    shallow(key, value)
    if len(value) > limits.TAGS_MAX:
        raise InvalidInputError(key, f"<{len(value)} tags>", f"has more than {limits.TAGS_MAX}")
    seen: dict[str, str] = {}
    for name, tag_value in value.items():
        if not isinstance(name, str) or not TAG_KEY_RE.fullmatch(name):
            raise InvalidInputError(
                key,
                name,
                f"is not a tag key (1-{limits.TAG_KEY_MAX} characters of ASCII letters, digits, "
                "spaces and _.:/=+-@)",
            )
        if name.lower().startswith("aws:"):
            raise InvalidInputError(key, name, "uses the reserved prefix aws:")
        if folded(name) in seen:
            raise InvalidInputError(
                key,
                name,
                f"and {seen[folded(name)]!r} are one tag key, as IAM tag keys are case-insensitive: "
                "keep one spelling",
            )
        seen[folded(name)] = name
        if not isinstance(tag_value, str) or not TAG_VALUE_RE.fullmatch(tag_value):
            raise InvalidInputError(
                f"{key}.{name}",
                tag_value,
                f"must be a string of at most {limits.TAG_VALUE_MAX} ASCII letters, digits, spaces "
                "and _.:/=+-@",
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
    shallow(key, document)
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
    shallow(key, value)
    string_list(key, list(value), policy_name, identity=folded)
    result = {}
    for name, document in value.items():
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
