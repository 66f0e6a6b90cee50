"""A broken rule, as the pure layer raises it, and what a message shows for a value.

``RuleError(key, value, rule)`` reads ``<key>: <value> <rule>``, the value as ``repr`` writes it (a
deep nest summed up, a ``Shown`` as it is). The checks layer turns it into an ``InvalidInputError``
with the same key, value and rule (``errors.input_rule``), whose text is the same line; the stack
outputs' ``OutputError`` is one, which also hides what looks like a credential. Pure: no pulumi.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import limits
from ..documents import cloudformation_expression


class Shown(str):
    """What a message shows for a value, as it is (its repr is itself)."""

    def __repr__(self) -> str:
        return str(self)


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


def shown(value: Any) -> str:
    """How a message shows ``value``: its repr, or a summary of a nest deeper than any input needs."""
    if nesting_depth(value) > limits.MAX_NESTING:
        return f"'<nested more than {limits.MAX_NESTING} levels deep>'"
    return repr(value)


def hidden_value(value: Any) -> str:
    """What an error shows instead of a secret value: its length at most."""
    if isinstance(value, Shown):
        return value
    if isinstance(value, str):
        return Shown(f"'<{len(value)} characters, hidden>'")
    return Shown("'<hidden>'")


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


class RuleError(ValueError):
    """A value breaks a rule: ``<key>: <value> <rule>``, one line, as ``InvalidInputError`` writes it."""

    def __init__(self, key: str, value: Any, rule: str) -> None:
        self.key = key
        self.value = value
        self.rule = rule
        super().__init__(f"{key}: {shown(value)} {rule}")


TOO_DEEP_RULE = f"nests maps and lists deeper than any IAM document needs ({limits.MAX_NESTING} levels)"
TOO_DEEP_VALUE = Shown(f"'<nested more than {limits.MAX_NESTING} levels deep>'")


def shallow(key: str, value: Any) -> Any:
    """The value, unless maps and lists nest in it deeper than any IAM document needs."""
    if nesting_depth(value) > limits.MAX_NESTING:
        raise RuleError(key, TOO_DEEP_VALUE, TOO_DEEP_RULE)
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
        raise RuleError(f"{key}{where}", part, EVALUATED_RULES[what])
    return value


def string(key: str, value: object) -> str:
    """A string that CloudFormation would not evaluate."""
    if not isinstance(value, str):
        raise RuleError(key, value, "must be a string")
    not_evaluated(key, value)
    return value


def folded(name: str) -> str:
    """The identity of an IAM name: names that differ only in case are one name."""
    return name.lower()
