"""Stack outputs, read one way by the program, ``program.plan`` and ``cross-account-audit``.

What ``pulumi stack output --json`` prints (an outputs file) or a ``pulumi.StackReference``
returns. Two parts, each written once:

- ``read_outputs_file``: a file read up to ``MAX_OUTPUTS_BYTES``, as UTF-8, as JSON, nested at
  most ``MAX_JSON_NESTING`` levels, holding a JSON object; any other file is ``OutputsFileError``,
  one line naming the flag, the file and the rule.
- the rules of each output a trusting stack exports that the trusted side or the audit reads
  (``trusting_values``): a bad value is ``OutputError``, ``<output>: <value> <rule>``, which each
  caller puts after its own prefix (``trustingStacks: <stack>: ``, ``--outputs <file>: <stack>: ``,
  ``--stack-outputs <file>: ``).

A value that looks like a credential (an access key id, a secret access key, a session token) is
never shown, nor is ``[secret]`` read as a value. Nothing here imports pulumi, so the console
scripts read outputs with it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from . import limits
from .iam.grammar import (
    ACCOUNT_ID_RE,
    CALLER_NAME_RE,
    EXPIRES_AT_RE,
    GROUP_NAME_RE,
    ORGANIZATION_PATH_RE,
    ROLE_ARN_PATTERN_RE,
    ROLE_NAME_RE,
    SECRET_NAME_RE,
    USER_NAME_RE,
    WILDCARDS,
    parse_role_arn,
)
from .iam.rules import RuleError, Shown as Shown
from .limits import (
    CALLER_REQUIREMENTS_OUTPUT,
    EXPIRES_AT_OUTPUT,
    EXTERNAL_ID_REQUIRED_OUTPUT,
    MAX_SESSION_DURATION_OUTPUT,
    MFA_REQUIRED_OUTPUT,
    ORGANIZATIONAL_UNIT_PATHS_OUTPUT,
    ROLE_ARN_OUTPUT,
    ROLE_ARN_PATTERN_OUTPUT,
    ROLE_ARNS_BY_ACCOUNT_OUTPUT,
    SESSION_NAME_REQUIRED_OUTPUT,
    SESSION_TAGS_ALLOWED_OUTPUT,
    SOURCE_IDENTITY_ALLOWED_OUTPUT,
    SOURCE_IDENTITY_REQUIRED_OUTPUT,
)

T = TypeVar("T")

MAX_OUTPUTS_BYTES = 64 * 2**20
"""An outputs file is read up to this size: a rollout of 1,000 accounts writes under 1 MiB."""
MAX_JSON_NESTING = 64
"""Deeper than any stack output nests (a trust policy inside auditBaseline nests 8 levels)."""
MAX_NODES = 1_000_000
"""More values than a stack file or an outputs file holds (a YAML alias bomb expands past it)."""
SECRET_MARK = "[secret]"
"""What `pulumi stack output --json` prints for a secret without --show-secrets."""
SECRET_MARK_RULE = (
    "is what `pulumi stack output --json` prints for a secret: "
    "write the outputs with `pulumi stack output --json --show-secrets`"
)
ACCESS_KEY_ID_RE = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])", re.ASCII)
"""An AWS access key id (long-term AKIA, temporary ASIA)."""
BASE64_RUN_RE = re.compile(r"[A-Za-z0-9/+=]{40,}", re.ASCII)
"""40 characters of base64 or more: a secret access key is 40, a session token hundreds."""
ARN_PART_RUN_RE = re.compile(r"[A-Za-z0-9+=]{40,}", re.ASCII)
"""The same inside an ARN, whose / separates a path from a name."""


SERVICE_LINKED_PREFIX = "awsservicerolefor"
SSO_ROLE_PREFIX = "awsreservedsso_"
SERVICE_LINKED_PATH = "/aws-service-role/"
ROLE_ARN_RULE = "is not an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name)"
EXPIRY_RULE = "is not a time in RFC 3339 UTC to the second, such as 2027-03-31T23:59:59Z"
ORGANIZATION_PATH_RULE = (
    "is not an organization path (o-<id>/r-<root>/ou-<unit>/..., ending in /, as AWS Organizations "
    "writes it; or o-<id>/*/ou-<unit>/ for a unit wherever it is)"
)
ROLE_ARN_PATTERN_RULE = (
    "is not a role ARN pattern (arn:<partition>:iam::*:role/<path/>name, only the account a *)"
)


class OutputsFileError(ValueError):
    """An outputs file no tool reads: the message is one line naming the flag, the file and the rule."""


class OutputError(RuleError):
    """An output's value breaks a rule: ``<output>: <value> <rule>``, the value never a credential."""

    def __init__(self, key: str, value: Any, rule: str) -> None:
        self.key = key
        self.value = shown_value(value)
        self.rule = rule
        ValueError.__init__(self, f"{key}: {self.value!r} {rule}")


# -- what a message shows -------------------------------------------------------------------------


def nesting_depth(value: Any, limit: int = limits.MAX_NESTING) -> int:
    """How deep maps and lists nest in ``value``, counted up to just past ``limit``."""
    return json_size(value, limit)[0]


def json_size(value: Any, limit: int) -> tuple[int, int]:
    """How deep maps and lists nest in ``value`` (stops past ``limit``) and how many values it holds."""
    deepest, nodes = 0, 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and nodes <= MAX_NODES and deepest <= limit:
        item, depth = stack.pop()
        nodes += 1
        if isinstance(item, Mapping):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest, nodes


def credential_in(text: str) -> bool:
    """Whether ``text`` holds what looks like an AWS credential: an access key id, or a run of 40 or
    more base64 characters with digits, capitals and small letters (a secret access key, a token)."""
    if ACCESS_KEY_ID_RE.search(text):
        return True
    runs = (ARN_PART_RUN_RE if text.startswith("arn:") else BASE64_RUN_RE).findall(text)
    return any(
        any(c.isdigit() for c in run) and any(c.isupper() for c in run) and any(c.islower() for c in run)
        for run in runs
    )


def looks_like_credential(value: Any) -> bool:
    """Whether a string inside ``value`` (a key or a value) looks like an AWS credential."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and credential_in(item):
            return True
        if isinstance(item, Mapping):
            stack.extend([*item.keys(), *item.values()])
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def shown_value(value: Any) -> Any:
    """``value`` as a message may show it: a credential hidden, a deep nest summed up."""
    if isinstance(value, Shown):
        return value
    if nesting_depth(value) > limits.MAX_NESTING:
        return Shown(f"'<nested more than {limits.MAX_NESTING} levels deep>'")
    if looks_like_credential(value):
        return Shown(f"'<{len(value)} characters, hidden>'" if isinstance(value, str) else "'<hidden>'")
    return value


def without_credentials(outputs: Mapping[str, Any], mark: str = SECRET_MARK) -> dict[str, Any]:
    """The outputs to print: an output named like a secret, or holding what looks like a credential, as ``mark``."""
    return {
        name: mark if SECRET_NAME_RE.search(name) or looks_like_credential(value) else value
        for name, value in outputs.items()
    }


# -- reading a file -----------------------------------------------------------------------------------


def read_outputs_file(path: str | Path, flag: str) -> dict[str, Any]:
    """The JSON object of an outputs file (``flag`` names where it was given); every failure is one line.

    Read up to MAX_OUTPUTS_BYTES (``/dev/zero`` is refused, not read until memory ends).
    """
    where = f"{flag} {path}"
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_OUTPUTS_BYTES + 1)
    except OSError as error:
        raise OutputsFileError(f"{where}: cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_OUTPUTS_BYTES:
        raise OutputsFileError(
            f"{where}: is larger than {MAX_OUTPUTS_BYTES // 2**20} MiB: not the outputs of a stack"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise OutputsFileError(
            f"{where}: is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None
    too_deep = f"{where}: nests maps and lists more than {MAX_JSON_NESTING} levels deep, deeper than any stack output"
    try:
        document = json.loads(text)
    except RecursionError:
        raise OutputsFileError(too_deep) from None
    except ValueError as error:
        raise OutputsFileError(f"{where}: is not JSON ({error})") from None
    depth, nodes = json_size(document, MAX_JSON_NESTING)
    if depth > MAX_JSON_NESTING:
        raise OutputsFileError(too_deep)
    if nodes > MAX_NODES:
        raise OutputsFileError(f"{where}: holds more than {MAX_NODES:,} values")
    if not isinstance(document, dict):
        raise OutputsFileError(f"{where}: holds a JSON {json_kind(document)}, not an object of stack outputs")
    return document


def json_kind(value: Any) -> str:
    """What JSON calls the type of ``value``: object, list (array), string, number, boolean or null."""
    if value is None:
        return "null"
    kinds = {dict: "object", list: "list", str: "string", bool: "boolean"}
    return next((kind for cls, kind in kinds.items() if isinstance(value, cls)), "number")


# -- the rules of one value ---------------------------------------------------------------------------


def not_marked(key: str, value: Any) -> Any:
    """The value, unless it is what `pulumi stack output --json` prints in place of a secret."""
    if isinstance(value, str) and value.startswith(SECRET_MARK):
        raise OutputError(key, value, SECRET_MARK_RULE)
    return value


def string(key: str, value: Any) -> str:
    not_marked(key, value)
    if not isinstance(value, str):
        raise OutputError(key, value, "must be a string")
    return value


def no_wildcard(key: str, value: str, what: str) -> None:
    if any(w in value for w in WILDCARDS):
        raise OutputError(key, value, f"contains a wildcard: {what} must be named exactly, never with * or ?")


def matching(key: str, value: Any, pattern: re.Pattern[str], rule: str, wildcard: str = "") -> str:
    """The value, if it is a string matching ``pattern`` whole; ``wildcard`` names what may hold no * or ?."""
    text = string(key, value)
    if wildcard:
        no_wildcard(key, text, wildcard)
    if not pattern.fullmatch(text):
        raise OutputError(key, text, rule)
    return text


def boolean(key: str, value: Any) -> bool:
    not_marked(key, value)
    if not isinstance(value, bool):
        raise OutputError(key, value, "must be true or false")
    return value


def integer(key: str, value: Any, low: int, high: int, unit: str = "") -> int:
    not_marked(key, value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)  # numbers reach the component provider, and JSON readers, as doubles
    if isinstance(value, bool) or not isinstance(value, int):
        raise OutputError(key, value, "must be a whole number")
    if not low <= value <= high:
        raise OutputError(key, value, f"is out of range: must be {low}..{high}{unit}")
    return value


def account_id(key: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise OutputError(key, value, "is a number: write the 12-digit account id as a quoted string")
    text = string(key, value)
    no_wildcard(key, text, "an account")
    if not ACCOUNT_ID_RE.fullmatch(text):
        raise OutputError(key, text, "is not a 12-digit AWS account id")
    return text


def role_arn(key: str, value: Any) -> str:
    """The ARN of a role that principals of another account may assume: never a wildcard, never a
    role whose trust policy AWS owns (service-linked, IAM Identity Center)."""
    text = string(key, value)
    no_wildcard(key, text, "a role")
    role = parse_role_arn(text)
    if role is None:
        raise OutputError(key, text, ROLE_ARN_RULE)
    name = role.name.lower()
    if role.path.startswith(SERVICE_LINKED_PATH) or name.startswith(SERVICE_LINKED_PREFIX):
        raise OutputError(
            key,
            text,
            "is a service-linked role (path /aws-service-role/): its trust policy names only its AWS "
            "service, so no principal of another account can assume it; name a role made for cross-account "
            "access",
        )
    if name.startswith(SSO_ROLE_PREFIX):
        raise OutputError(
            key,
            text,
            "is an IAM Identity Center role (AWSReservedSSO_*): it trusts only Identity Center's SAML "
            "provider, so no principal of another account can assume it; assign the permission set in "
            "that account instead",
        )
    return text


def expiry_time(key: str, value: Any) -> str:
    """An end of access in RFC 3339 UTC to the second, past or future (read from elsewhere, not set here)."""
    text = string(key, value)
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
        valid = EXPIRES_AT_RE.fullmatch(text) is not None
    except ValueError:
        valid = False
    if not valid:
        raise OutputError(key, text, EXPIRY_RULE)
    return text


def organization_path(key: str, value: Any) -> str:
    """An AWS Organizations entity path down to a root or unit, ending in ``/``: ``o-.../r-.../ou-.../``."""
    return matching(key, value, ORGANIZATION_PATH_RE, ORGANIZATION_PATH_RULE)


def role_arn_pattern(key: str, value: Any) -> str:
    """``arn:<partition>:iam::*:role/<path><name>``: one role, in any account."""
    return matching(key, value, ROLE_ARN_PATTERN_RE, ROLE_ARN_PATTERN_RULE)


NAME_CHARACTERS = "ASCII letters, digits and +=,.@_-"


def role_name(key: str, value: Any) -> str:
    return matching(
        key, value, ROLE_NAME_RE, f"is not an IAM role name (1-64 characters of {NAME_CHARACTERS})"
    )


def user_name(key: str, value: Any) -> str:
    rule = f"is not an IAM user name (1-64 characters of {NAME_CHARACTERS})"
    return matching(key, value, USER_NAME_RE, rule, wildcard="a user")


def group_name(key: str, value: Any) -> str:
    rule = f"is not an IAM group name (1-128 characters of {NAME_CHARACTERS})"
    return matching(key, value, GROUP_NAME_RE, rule, wildcard="a group")


def string_list(
    key: str,
    values: Any,
    check: Callable[[str, Any], T],
    *,
    required: bool = False,
    identity: Callable[[T], Hashable] | None = None,
) -> tuple[T, ...]:
    """A list of distinct values, each passing ``check``.

    ``identity`` says when two spellings name one thing (IAM names are case-insensitive:
    ``alice`` and ``Alice`` are one user).
    """
    not_marked(key, values)
    if values is None:
        values = []
    if isinstance(values, str | bytes) or not isinstance(values, list | tuple):
        raise OutputError(key, values, "must be a list")
    if required and not values:
        raise OutputError(key, values, "must name at least one entry")
    seen: dict[Hashable, T] = {}
    result = []
    for value in values:
        checked = check(key, value)
        same = identity(checked) if identity is not None else checked
        if same in seen:
            first = seen[same]
            if first == checked:
                raise OutputError(key, value, "is listed twice: entries must be distinct")
            raise OutputError(
                key,
                value,
                f"and {first!r} name the same thing, as IAM names are case-insensitive: keep one spelling",
            )
        seen[same] = checked
        result.append(checked)
    return tuple(result)


# -- the outputs a trusting stack exports ---------------------------------------------------------------

FLAG_OUTPUTS = {
    "external_id_required": EXTERNAL_ID_REQUIRED_OUTPUT,
    "mfa_required": MFA_REQUIRED_OUTPUT,
    "session_name_required": SESSION_NAME_REQUIRED_OUTPUT,
    "source_identity_required": SOURCE_IDENTITY_REQUIRED_OUTPUT,
    "session_tags_allowed": SESSION_TAGS_ALLOWED_OUTPUT,
    "source_identity_allowed": SOURCE_IDENTITY_ALLOWED_OUTPUT,
}
"""RoleRequirement field -> the trusting stack output it is read from (absent on older stacks: false)."""


def role_arns_by_account(key: str, value: Any) -> tuple[str, ...]:
    """The role ARNs of a rollout stack, in account-id order; each ARN in the account it is listed under."""
    not_marked(key, value)
    if not isinstance(value, Mapping):
        raise OutputError(key, value, "must be a map of account ids to role ARNs")
    if not value:
        raise OutputError(
            key,
            value,
            "holds no role: a rollout stack lists at least one account; run `pulumi up` on that stack, "
            "or leave it out of trustingStacks",
        )
    arns = []
    for account in sorted(value, key=str):
        account_id(key, account)
        arn = role_arn(f"{key}.{account}", value[account])
        role = parse_role_arn(arn)
        if role is None or role.account_id != account:
            raise OutputError(f"{key}.{account}", arn, f"is not a role of account {account!r}")
        arns.append(arn)
    return tuple(arns)


def max_session_duration(key: str, value: Any) -> int | None:
    """A trusting stack's maxSessionDuration: None when absent (older stacks), else 3600..43200 seconds."""
    if value is None:
        return None
    return integer(key, value, limits.MIN_SESSION_SECONDS, limits.MAX_SESSION_SECONDS, " seconds")


def end_of_access(key: str, value: Any) -> str:
    """A trusting stack's expiresAt: "" when absent or empty (older stacks), else an RFC 3339 UTC time."""
    if value is None or value == "":
        return ""
    return expiry_time(key, value)


def organizational_unit_paths(key: str, value: Any) -> tuple[str, ...]:
    """The organization paths of the units a stackset-mode stack deploys to."""
    not_marked(key, value)
    if not isinstance(value, list):
        raise OutputError(key, value, "must be a list")
    return string_list(key, value, organization_path)


def requirement_of(key: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """What a role's trust policy requires (a stack's outputs, or one caller entry): each flag true or false."""
    requirement: dict[str, Any] = {
        field: boolean(f"{key}{output}", outputs[output]) if outputs.get(output) is not None else False
        for field, output in FLAG_OUTPUTS.items()
    }
    requirement["expires_at"] = end_of_access(f"{key}{EXPIRES_AT_OUTPUT}", outputs.get(EXPIRES_AT_OUTPUT))
    return requirement


@dataclass(frozen=True)
class CallerEntry:
    """One entry of a trusting stack's callerRequirements: who it admits and what it requires of them."""

    name: str
    accounts: tuple[str, ...]
    requirement: Mapping[str, Any]


def caller_entries(key: str, value: Any) -> tuple[CallerEntry, ...]:
    """A trusting stack's callerRequirements, checked: one CallerEntry per caller entry."""
    not_marked(key, value)
    if not isinstance(value, list) or not value:
        raise OutputError(key, value, "must be a non-empty list of caller entries")
    entries = []
    for entry in value:
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not isinstance(name, str) or not CALLER_NAME_RE.fullmatch(name):
            raise OutputError(key, entry, "holds an entry without a caller name")
        accounts = string_list(
            f"{key}.{name}.trustedAccountIds", entry.get("trustedAccountIds"), account_id, required=True
        )
        entries.append(CallerEntry(name, accounts, requirement_of(f"{key}.{name}.", entry)))
    return tuple(entries)


TRUSTING_RULES: dict[str, Callable[[str, Any], Any]] = {
    ROLE_ARN_OUTPUT: role_arn,
    ROLE_ARNS_BY_ACCOUNT_OUTPUT: role_arns_by_account,
    MAX_SESSION_DURATION_OUTPUT: max_session_duration,
    EXPIRES_AT_OUTPUT: end_of_access,
    CALLER_REQUIREMENTS_OUTPUT: caller_entries,
    ORGANIZATIONAL_UNIT_PATHS_OUTPUT: organizational_unit_paths,
    ROLE_ARN_PATTERN_OUTPUT: role_arn_pattern,
    **{output: boolean for output in FLAG_OUTPUTS.values()},
}
"""The rule of each output of a trusting stack that the trusted side (and the audit) reads."""


def trusting_values(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Each output the trusted side reads that ``outputs`` holds (not null), checked by its rule.

    Which outputs a stack must have is the reader's to say (the program needs roleArn or
    roleArnsByAccount; the audit also roleName); a value given is checked the same everywhere.
    """
    return {
        name: rule(name, outputs[name])
        for name, rule in TRUSTING_RULES.items()
        if outputs.get(name) is not None
    }
