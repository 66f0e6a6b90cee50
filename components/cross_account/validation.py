"""Checks of plain input values, with errors that name the input, the value and the rule.

Each check takes the name to report (an arg name such as ``trusted_account_ids``
from the components, a config key such as ``trustedAccountIds`` from the
program) and returns the value normalized (tuples for lists).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pulumi

from . import limits
from .documents import (
    PROJECT_CONDITIONS,
    SOURCE_IDENTITY_MODES,
    cloudformation_expression,
    parse_role_arn,
    policy_size,
)
from .iam.grammar import (  # re-exported: validation.<NAME> stays what it was
    ACCOUNT_ID_RE as ACCOUNT_ID_RE,
    ARN_PARTS_RE as ARN_PARTS_RE,
    AWS_MANAGED_NAME_RE as AWS_MANAGED_NAME_RE,
    COLOR_RE as COLOR_RE,
    CONDITION_KEY_RE as CONDITION_KEY_RE,
    CONDITION_VALUE_RE as CONDITION_VALUE_RE,
    DATE_RE as DATE_RE,
    DESCRIPTION_RE as DESCRIPTION_RE,
    EXPIRES_AT_RE as EXPIRES_AT_RE,
    EXTERNAL_ID_RE as EXTERNAL_ID_RE,
    GROUP_NAME_RE as GROUP_NAME_RE,
    NAME_CLASS as NAME_CLASS,
    NUMBER_RE as NUMBER_RE,
    ORGANIZATION_ID_RE as ORGANIZATION_ID_RE,
    ORGANIZATION_PATH_RE as ORGANIZATION_PATH_RE,
    ORGANIZATIONAL_UNIT_ID_RE as ORGANIZATIONAL_UNIT_ID_RE,
    PARTITION as PARTITION,
    PATH_RE as PATH_RE,
    PATH_SEGMENT as PATH_SEGMENT,
    PERMISSION_SET_NAME_RE as PERMISSION_SET_NAME_RE,
    POLICY_ARN_RE as POLICY_ARN_RE,
    POLICY_NAME_RE as POLICY_NAME_RE,
    PRINCIPAL_RESOURCE_RE as PRINCIPAL_RESOURCE_RE,
    PROFILE_NAME_RE as PROFILE_NAME_RE,
    REGION_RE as REGION_RE,
    REGIONS_FILE as REGIONS_FILE,
    ROLE_ARN_PATTERN_RE as ROLE_ARN_PATTERN_RE,
    ROLE_NAME_RE as ROLE_NAME_RE,
    SECRET_NAME_RE as SECRET_NAME_RE,
    STACK_NAME_RE as STACK_NAME_RE,
    TAG_KEY_RE as TAG_KEY_RE,
    TAG_VALUE_RE as TAG_VALUE_RE,
    TOKEN_ISSUE_TIME_RE as TOKEN_ISSUE_TIME_RE,
    USER_NAME_RE as USER_NAME_RE,
    WILDCARDS as WILDCARDS,
    _pattern,
    known_regions as known_regions,
    region_partition as region_partition,
)

T = TypeVar("T")


class InvalidInputError(pulumi.RunError, ValueError):
    """An input value breaks a rule. Raised before any resource is registered."""

    def __init__(self, key: str, value: Any, rule: str) -> None:
        self.key = key
        self.value = value
        self.rule = rule
        super().__init__(f"{key}: {_shown(value)} {rule}")

    def renamed(self, names: Mapping[str, str]) -> InvalidInputError:
        """The same error reported under the caller's names, for the input and any input its rule mentions."""
        # "inline_policies.<name>" -> "inlinePolicies.<name>", "trusted_principal_arns[0]" likewise
        head, rest = re.fullmatch(r"([^.\[]*)(.*)", self.key, re.DOTALL).groups()  # type: ignore[union-attr]
        head = names.get(head) or "/".join(names.get(part, part) for part in head.split("/"))  # "a/b": a or b
        return InvalidInputError(f"{head}{rest}", self.value, rename_inputs(self.rule, names))

    def hidden(self) -> InvalidInputError:
        """The same error without the value (for a secret input)."""
        return InvalidInputError(self.key, hidden_value(self.value), self.rule)


class ResolvedInputError(pulumi.RunError):
    """An input known only once an Output resolves (a stack reference's output) breaks a rule.

    Raised inside an apply, with the InvalidInputError's one line. It is not a ValueError: the SDK
    wraps those in its multi-line "While processing input ..." text, while a RunError reaches the
    CLI as its own line, without a traceback.
    """

    def __init__(self, error: InvalidInputError) -> None:
        self.error = error
        super().__init__(str(error))


def rename_inputs(text: str, names: Mapping[str, str]) -> str:
    """``text`` with every input name it mentions replaced by the caller's name for it."""
    for name, caller_name in names.items():
        text = re.sub(rf"\b{re.escape(name)}\b", caller_name, text)
    return text


class _Shown(str):
    """What a message shows for a value, as it is (its repr is itself)."""

    def __repr__(self) -> str:
        return str(self)


def hidden_value(value: Any) -> str:
    """What an error shows instead of a secret value: its length at most."""
    if isinstance(value, _Shown):
        return value
    if isinstance(value, str):
        return _Shown(f"'<{len(value)} characters, hidden>'")
    return _Shown("'<hidden>'")


def _shown(value: Any) -> str:
    if nesting_depth(value) > limits.MAX_NESTING:
        return f"'<nested more than {limits.MAX_NESTING} levels deep>'"
    return repr(value)


def secret_strings(value: Any) -> list[str]:
    """Every string inside a value (map keys and values, list items), to scrub them from messages."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


HIDDEN = "<hidden>"
_QUOTED_RE = re.compile(
    r"""(?<![A-Za-z0-9])(?:'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")(?![A-Za-z0-9])""", re.ASCII
)
"""A quoted value as ``repr`` writes it: the opening quote is not preceded by a letter or digit
(the apostrophe of "role's" opens nothing), the closing one is not followed by one."""
_WORD_RE = _pattern(r"[A-Za-z0-9_.:/@+=,-]*[A-Za-z0-9_/@+=-]")
"""A word outside quotes: what an ARN, an id or a stack name is made of (a final . , or : is punctuation)."""


def _forms(secret: str) -> set[str]:
    """How a secret reads in a message: as it is, and as ``repr`` escapes it inside quotes."""
    return {secret, repr(secret)[1:-1]}


def _holds(text: str, secrets: Iterable[str]) -> bool:
    """Whether a secret stands in ``text`` as a whole token: not inside a longer run of letters and digits."""
    for secret in secrets:
        for form in _forms(secret):
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", text):
                return True
    return False


def _plain_word(secret: str) -> bool:
    return secret.isascii() and secret.isalpha()


def scrub(text: str, secrets: Iterable[str], keep: Iterable[str] = ()) -> str:
    """``text`` without any secret, never garbled.

    - A quoted value (as ``repr`` writes values) in which a secret stands as a whole token is
      hidden whole: ``'<hidden>'``. A secret inside a longer word (``ro`` in ``role``) is not a
      token of it: the text stays as it is, and so nothing points at the secret.
    - Outside quotes (where messages put only their own words and key paths), a word holding a
      secret as a whole token is hidden whole, unless the secret is a plain word of letters:
      hiding one of the message's own words would show what the secret is. Words in ``keep``
      (key and output names) are never hidden.
    - Secrets shorter than two characters are never searched for: they are in every text.
    """
    found = sorted({s for s in secrets if len(s) >= 2}, key=len, reverse=True)
    if not found:
        return text
    kept = set(keep)
    unquoted = [s for s in found if not _plain_word(s)]

    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        return HIDDEN if token not in kept and _holds(token, unquoted) else token

    pieces: list[str] = []
    position = 0
    for quoted in _QUOTED_RE.finditer(text):
        pieces.append(
            _WORD_RE.sub(word, text[position : quoted.start()])
            if unquoted
            else text[position : quoted.start()]
        )
        literal = quoted.group(0)
        pieces.append(f"{literal[0]}{HIDDEN}{literal[0]}" if _holds(literal[1:-1], found) else literal)
        position = quoted.end()
    rest = text[position:]
    pieces.append(_WORD_RE.sub(word, rest) if unquoted else rest)
    return "".join(pieces)


def _key_separator(key: str, index: int) -> bool:
    """Whether ``key[index]`` separates two segments of a key path: a dot, a space, or the colon of ": "."""
    return (
        key[index] in ". " or key[index : index + 2] == ": " or (key[index] == ":" and index + 1 == len(key))
    )


def scrub_key(key: str, secrets: Iterable[str], keep: Iterable[str] = ()) -> str:
    """An error's key path without secrets: a segment holding one as a whole token is hidden whole.

    Segments are separated by ``.`` or ``: `` (``inlinePolicies.<name>``, ``trustingStacks: <stack>:
    roleArn``); a secret spanning several (a stack name with dots) hides them all. The segments are
    names the user chose, so a plain word is hidden there too; ``keep`` (key and output names) never is.
    """
    found = sorted({s for s in secrets if len(s) >= 2}, key=len, reverse=True)
    kept = set(keep)
    spans: list[tuple[int, int]] = []
    for secret in found:
        for form in _forms(secret):
            for match in re.finditer(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", key):
                start, end = match.span()
                while start > 0 and not _key_separator(key, start - 1):
                    start -= 1
                while end < len(key) and not _key_separator(key, end):
                    end += 1
                if key[start:end] not in kept:
                    spans.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    for start, end in reversed(merged):
        key = key[:start] + HIDDEN + key[end:]
    return key


def nesting_depth(value: Any, limit: int = limits.MAX_NESTING) -> int:
    """How deep maps and lists nest in ``value`` (a string is 0); stops counting past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Iterable[Any] = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if depth > limit:
            return depth
        stack.extend((child, depth) for child in children)
    return deepest


def too_deep(key: str) -> InvalidInputError:
    return InvalidInputError(
        key,
        _Shown(f"'<nested more than {limits.MAX_NESTING} levels deep>'"),
        f"nests maps and lists deeper than any IAM document needs ({limits.MAX_NESTING} levels)",
    )


def shallow(key: str, value: Any) -> Any:
    """The value, unless maps and lists nest in it deeper than any IAM document needs."""
    if nesting_depth(value) > limits.MAX_NESTING:
        raise too_deep(key)
    return value


def snake_case(name: str) -> str:
    """``trustedAccountIds`` -> ``trusted_account_ids``: the component arg a config-style name means."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


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
    not_evaluated(key, value)
    return value


EVALUATED_RULES = {
    "dynamic reference": (
        "holds a CloudFormation dynamic reference ({{resolve:...}}), which CloudFormation would resolve in "
        "each account that runs the role's template (so whoever can write that parameter or secret there "
        "decides the value, and a secret lands in clear in a policy anyone with iam:GetRole reads): "
        "write the value itself"
    ),
    "intrinsic function": (
        "is a CloudFormation intrinsic function (a one-key object Ref or Fn::...), which CloudFormation "
        "would evaluate in each account, so the role would not be what the config, the plan and the audit "
        "show: write the value itself"
    ),
}
"""Why a value CloudFormation would evaluate is refused, by what it is."""


def not_evaluated(key: str, value: Any) -> Any:
    """The value, if nothing in it is a CloudFormation dynamic reference or intrinsic function.

    One rule for every value that reaches a CloudFormation template or an IAM document, in either
    rollout mode (documents.cloudformation_expression says what CloudFormation evaluates); the error
    names the input and the path inside the value (``inline_policies.logs.Statement[0].Resource``).
    """
    found = cloudformation_expression(value)
    if found is not None:
        where, part, what = found
        raise InvalidInputError(f"{key}{where}", part, EVALUATED_RULES[what])
    return value


def not_evaluated_inputs(args: Mapping[str, Any]) -> None:
    """``not_evaluated`` over every input (an Output inside is passed over: its string rules check it
    once it resolves)."""
    for name, value in args.items():
        not_evaluated(name, value)


def has_any_output(value: Any) -> bool:
    """True when an Output is anywhere inside the value (lists and maps walked)."""
    if isinstance(value, pulumi.Output):
        return True
    if isinstance(value, Mapping):
        return any(has_any_output(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_any_output(v) for v in value)
    return False


def string_list(
    key: str,
    values: Any,
    check: Callable[[str, Any], T],
    *,
    required: bool = False,
    identity: Callable[[T], Hashable] | None = None,
) -> tuple[T, ...]:
    """A list of distinct values, each passing ``check``.

    ``identity`` says when two spellings name one thing (IAM names are
    case-insensitive: ``alice`` and ``Alice`` are one user).
    """
    if values is None:
        values = []
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        raise InvalidInputError(key, values, "must be a list")
    if required and not values:
        raise InvalidInputError(key, values, "must name at least one entry")
    seen: dict[Hashable, T] = {}
    result = []
    for value in values:
        checked = check(key, value)
        same = identity(checked) if identity is not None else checked
        if same in seen:
            first = seen[same]
            if first == checked:
                raise InvalidInputError(key, value, "is listed twice: entries must be distinct")
            raise InvalidInputError(
                key,
                value,
                f"and {first!r} name the same thing, as IAM names are case-insensitive: keep one spelling",
            )
        seen[same] = checked
        result.append(checked)
    return tuple(result)


def folded(name: str) -> str:
    """The identity of an IAM name: names that differ only in case are one name."""
    return name.lower()


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
    if not ACCOUNT_ID_RE.fullmatch(value):
        raise InvalidInputError(key, value, "is not a 12-digit AWS account id")
    return value


def _matching(key: str, value: object, pattern: re.Pattern[str], rule: str, wildcard: str = "") -> str:
    """The value, if it is a string matching ``pattern`` whole; ``wildcard`` names what may hold no * or ?."""
    text = _string(key, value)
    if wildcard:
        _no_wildcard(key, text, wildcard)
    if not pattern.fullmatch(text):
        raise InvalidInputError(key, text, rule)
    return text


NAME_CHARACTERS = "ASCII letters, digits and +=,.@_-"


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


EXPIRY_RULE = "is not a time in RFC 3339 UTC to the second, such as 2027-03-31T23:59:59Z"


SERVICE_LINKED_PREFIX = "awsservicerolefor"
"""How the names of service-linked roles begin (``AWSServiceRoleForSupport``), folded."""
SSO_ROLE_PREFIX = "awsreservedsso_"
"""How the names of IAM Identity Center's roles begin (``AWSReservedSSO_ReadOnly_0123456789abcdef``), folded."""
SERVICE_LINKED_PATH = "/aws-service-role/"
"""Where service-linked roles live (``role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport``)."""


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


def expiry_time(key: str, value: object) -> str:
    """An end of access in RFC 3339 UTC to the second, past or future (read from elsewhere, not set here)."""
    text = _string(key, value)
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
        valid = EXPIRES_AT_RE.fullmatch(text) is not None
    except ValueError:
        valid = False
    if not valid:
        raise InvalidInputError(key, text, EXPIRY_RULE)
    return text


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
    role whose trust policy AWS owns (service-linked, IAM Identity Center)."""
    text = _string(key, value)
    _no_wildcard(key, text, "a role")
    role = parse_role_arn(text)
    if role is None:
        raise InvalidInputError(
            key, text, "is not an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name)"
        )
    if role.path.startswith(SERVICE_LINKED_PATH) or folded(role.name).startswith(SERVICE_LINKED_PREFIX):
        raise InvalidInputError(
            key,
            text,
            "is a service-linked role (path /aws-service-role/): its trust policy names only its AWS "
            "service, so no principal of another account can assume it; name a role made for cross-account "
            "access",
        )
    if folded(role.name).startswith(SSO_ROLE_PREFIX):
        raise InvalidInputError(
            key,
            text,
            "is an IAM Identity Center role (AWSReservedSSO_*): it trusts only Identity Center's SAML "
            "provider, so no principal of another account can assume it; assign the permission set in "
            "that account instead",
        )
    return text


def role_identity(arn: str) -> Hashable:
    """One role, however its ARN is spelled: partition, account and the name without case."""
    role = parse_role_arn(arn)
    return (role.partition, role.account_id, folded(role.name)) if role is not None else arn


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
    rule = (
        "is not an organization path (o-<id>/r-<root>/ou-<unit>/..., ending in /, as AWS Organizations "
        "writes it; or o-<id>/*/ou-<unit>/ for a unit wherever it is)"
    )
    return _matching(key, value, ORGANIZATION_PATH_RE, rule)


def role_arn_pattern(key: str, value: object) -> str:
    """``arn:<partition>:iam::*:role/<path><name>``: one role, in any account."""
    rule = "is not a role ARN pattern (arn:<partition>:iam::*:role/<path/>name, only the account a *)"
    return _matching(key, value, ROLE_ARN_PATTERN_RE, rule)


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


def expires_at(key: str, value: object, now: datetime | None = None) -> str:
    """An end of access in RFC 3339 UTC (``2027-03-31T23:59:59Z``), later than ``now``."""
    text = _string(key, value)
    rule = "is not a time in RFC 3339 UTC to the second, such as 2027-03-31T23:59:59Z"
    if not EXPIRES_AT_RE.fullmatch(text):
        raise InvalidInputError(key, text, rule)
    try:
        when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInputError(key, text, rule) from None
    now = now or datetime.now(UTC)
    if when <= now:
        raise InvalidInputError(
            key,
            text,
            f"is in the past (it is {now.strftime('%Y-%m-%dT%H:%M:%SZ')} now): the access would end before "
            "it starts; set a later time, or remove the key",
        )
    return text


REVOKE_RULE = (
    "is not an RFC 3339 time with seconds and a time zone (Z or +HH:MM), such as 2026-12-05T09:30:00Z"
)


def revoke_sessions_issued_before(key: str, value: object, now: datetime | None = None) -> str:
    """A time sessions issued before are denied (aws:TokenIssueTime): RFC 3339 with a time zone,
    a real date and time, not in the future; returned in UTC (``Z``), the fraction of a second kept."""
    text = _string(key, value)
    match = TOKEN_ISSUE_TIME_RE.fullmatch(text)
    if match is None:
        raise InvalidInputError(key, text, REVOKE_RULE)
    zone = match["zone"]
    try:
        local = datetime.strptime(f"{match['date']}T{match['time']}", "%Y-%m-%dT%H:%M:%S")
        hours, minutes = (0, 0) if zone == "Z" else (int(zone[1:3]), int(zone[4:6]))
        if hours > 23 or minutes > 59:
            raise ValueError(zone)
        offset = timedelta(hours=hours, minutes=minutes) * (-1 if zone.startswith("-") else 1)
        when = (local - offset).replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidInputError(key, text, f"{REVOKE_RULE}: not a real date and time") from None
    fraction = match["fraction"] or ""
    now = now or datetime.now(UTC)
    if when + timedelta(microseconds=int((fraction[1:] + "000000")[:6])) > now:
        raise InvalidInputError(
            key,
            text,
            f"is in the future (it is {now.strftime('%Y-%m-%dT%H:%M:%SZ')} now): every session issued "
            "until then, new ones too, would be denied, so nobody could use the role until then; revoke "
            "with the current time (date -u +%Y-%m-%dT%H:%M:%SZ), as the console does",
        )
    return f"{when.strftime('%Y-%m-%dT%H:%M:%S')}{fraction}Z"


def revocation_warning(key: str, value: str, now: datetime | None = None) -> str | None:
    """The warning for a revocation time more than 12 hours old (None otherwise): every session
    issued before it has expired, so the deny has nothing left to deny."""
    when = datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    if (now or datetime.now(UTC)) - when <= timedelta(seconds=limits.MAX_SESSION_SECONDS):
        return None
    return (
        f"{key}: {value!r} is more than {limits.MAX_SESSION_SECONDS // 3600} hours ago: every role session "
        f"issued before it has expired (none lasts longer), so {limits.REVOKE_SESSIONS_POLICY_NAME} denies "
        "nothing any more; remove the key once the incident is closed"
    )


def expires_soon(value: str, now: datetime | None = None) -> bool:
    """Whether a checked ``expires_at`` value is within the next 7 days."""
    when = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return when - (now or datetime.now(UTC)) <= timedelta(days=limits.EXPIRY_WARNING_DAYS)


def expiry_warning(key: str, value: str, now: datetime | None = None) -> str | None:
    """The warning for an end of access within 7 days, naming the key and the value (None otherwise)."""
    if not expires_soon(value, now):
        return None
    return (
        f"{key}: {value!r} is less than {limits.EXPIRY_WARNING_DAYS} days away: the access ends then "
        "(aws:CurrentTime); move it later if that is not meant"
    )


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
        raise InvalidInputError(
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
        raise InvalidInputError(key, text, "is not a condition value (1-1024 printable ASCII characters)")
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
        raise InvalidInputError(key, text, f"is not {what}, which this operator compares")
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
        raise InvalidInputError(key, shown, "must be a map of condition operators to maps of condition keys")
    shallow(key, value)
    result: dict[str, dict[str, str | tuple[str, ...]]] = {}
    for operator_text, keys in value.items():
        operator = parse_operator(key, operator_text)
        where = f"{key}.{operator.text}"
        if not isinstance(keys, Mapping) or not keys:
            shown = hidden_value(keys) if _mentions_external_id(keys) else keys
            raise InvalidInputError(where, shown, "must be a non-empty map of condition keys to values")
        checked: dict[str, str | tuple[str, ...]] = {}
        seen: dict[str, str] = {}
        for condition_key, values in keys.items():
            if not isinstance(condition_key, str) or not CONDITION_KEY_RE.fullmatch(condition_key):
                raise InvalidInputError(
                    where,
                    condition_key,
                    "is not a condition key of the form service:key (aws:SourceIp, aws:PrincipalTag/team)",
                )
            same = folded(condition_key)
            if same in seen:
                raise InvalidInputError(
                    where,
                    condition_key,
                    f"and {seen[same]!r} are one condition key, as IAM reads condition keys "
                    "case-insensitively: keep one spelling",
                )
            seen[same] = condition_key
            if same == "sts:externalid" and not (
                context.external_id and operator.base == "Null" and values == "true"
            ):
                raise InvalidInputError(where, condition_key, EXTERNAL_ID_RULE)
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
        result[operator.text] = checked
    return result


def _set_operator_key(where: str, operator: ConditionOperator, condition_key: str) -> None:
    service = folded(condition_key.split(":", 1)[0])
    if (
        operator.set_prefix
        and service in DOCUMENTED_KEY_SERVICES
        and folded(condition_key) not in MULTIVALUED_KEYS
    ):
        raise InvalidInputError(
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
            raise InvalidInputError(
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
        raise InvalidInputError(where, shown, rule)
    if key in SERVICE_ONLY_KEYS and requires_key(operator, values):
        raise InvalidInputError(
            where,
            shown,
            "requires a key that only a request an AWS service makes on a principal's behalf carries; the "
            f"IAM users and roles this role trusts call AssumeRole themselves and never send it: {NEVER}",
        )
    if operator.base == "Null" and "true" in values and key in ALWAYS_PRESENT_KEYS:
        raise InvalidInputError(
            where, shown, f"requires the key to be absent, but every AssumeRole request carries it: {NEVER}"
        )
    if key == "aws:securetransport" and operator.family == "boolean" and "true" not in values:
        raise InvalidInputError(
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
            raise InvalidInputError(
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
                raise InvalidInputError(
                    where,
                    value,
                    f"is in the past (it is {now.strftime('%Y-%m-%dT%H:%M:%SZ')} now): the access would end "
                    "before it starts; set a later time, or remove the condition",
                )
    if operator.test in ("DateGreaterThan", "DateGreaterThanEquals") and context.expires_at is not None:
        end = condition_time(context.expires_at)
        starts = [t for t in (condition_time(v) for v in values) if t is not None]
        if end is not None and starts and min(starts) >= end:
            raise InvalidInputError(
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
                    raise InvalidInputError(
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
        raise InvalidInputError(where, shown, f"{never}: {NEVER}")


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


class Reporter:
    """How a component reports errors and warnings: under its caller's names, without secrets.

    ``names`` maps input names to the names the caller uses (config keys for
    the program); values of ``secret_inputs``, of inputs whose names say they
    hold a secret, and every string inside them, never appear in a message.
    """

    def __init__(
        self,
        names: Mapping[str, str] | None = None,
        secret_inputs: Iterable[str] = (),
        values: Mapping[str, Any] | None = None,
        *,
        once: bool = False,
    ) -> None:
        """``once``: a warning whose text was already given is not given again (a rollout shares one
        Reporter with the role of every account, so a warning about their common inputs shows once)."""
        self.names = dict(names or {})
        self.secret_inputs = frozenset(secret_inputs)
        self.secrets: list[str] = []
        self._warned: set[str] | None = set() if once else None
        for name, value in (values or {}).items():
            if self.is_secret(name) and not has_output(value):
                self.secrets.extend(secret_strings(value))

    def is_secret(self, name: str) -> bool:
        # The input a key path starts with: "inline_policies.<name>", "trustingStacks: <stack>: roleArn".
        heads = {re.split(r"[./]", name, maxsplit=1)[0], re.split(r"[./:\s]", name, maxsplit=1)[0]}
        if "secret_inputs" in heads:  # input names, which say nothing secret (only its name looks like it)
            return False
        # An input written in camelCase (refused as unknown) is as secret as the input it means.
        return any(
            head in self.secret_inputs
            or snake_case(head) in self.secret_inputs
            or SECRET_NAME_RE.search(head)
            for head in heads
        )

    def error(self, error: InvalidInputError) -> InvalidInputError:
        """``error`` under the caller's names, its value hidden if the input is secret."""
        shown = error.hidden() if any(self.is_secret(k) for k in error.key.split("/")) else error
        renamed = shown.renamed(self.names)
        return InvalidInputError(
            scrub_key(renamed.key, self.secrets, self.keep),
            renamed.value if isinstance(renamed.value, _Shown) else scrubbed(renamed.value, self.secrets),
            scrub(renamed.rule, self.secrets, self.keep),
        )

    @property
    def keep(self) -> frozenset[str]:
        """Names never hidden: the inputs', the caller's names for them, and the stack outputs read."""
        return frozenset(self.names) | frozenset(self.names.values()) | limits.OUTPUT_NAMES

    def add_secrets(self, value: Any) -> None:
        """Hide from now on every string inside ``value`` too (a secret that resolved after the start)."""
        self.secrets.extend(secret_strings(value))

    def text(self, message: str) -> str:
        """A warning's text under the caller's names, without secrets."""
        return scrub(rename_inputs(message, self.names), self.secrets, self.keep)

    def warn(self, message: str, resource: pulumi.Resource | None = None) -> None:
        text = self.text(message)
        if self._warned is not None:
            if text in self._warned:
                return
            self._warned.add(text)
        pulumi.log.warn(text, resource=resource)


def scrubbed(value: Any, secrets: list[str]) -> Any:
    """The value, or what a message shows for it without the secrets in it."""
    shown = _shown(value)
    cleaned = scrub(shown, secrets)
    return value if cleaned == shown else _Shown(cleaned)
