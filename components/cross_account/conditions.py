"""The IAM condition language at the checks layer: ``iam.conditions`` (pure, no pulumi) with its
errors as ``InvalidInputError``, the same line naming the key, the value and the rule.

Every name of ``iam.conditions`` is re-exported here, so ``cross_account.conditions.<name>`` (and
``cross_account.validation.<name>``) stays what it was; the functions that refuse a value raise an
``InvalidInputError`` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import input_rule
from .iam import conditions as pure
from .iam.conditions import (  # re-exported: conditions.<name> stays what it was
    _PROJECT_KEYS as _PROJECT_KEYS,
    ALWAYS_PRESENT_KEYS as ALWAYS_PRESENT_KEYS,
    ARN_WILDCARD_RE as ARN_WILDCARD_RE,
    BASE64_RE as BASE64_RE,
    BESIDE_PROJECT_CONDITIONS as BESIDE_PROJECT_CONDITIONS,
    CIDR_RE as CIDR_RE,
    CONDITION_FAMILIES as CONDITION_FAMILIES,
    DOCUMENTED_KEY_SERVICES as DOCUMENTED_KEY_SERVICES,
    EXTERNAL_ID_RULE as EXTERNAL_ID_RULE,
    MULTIVALUED_KEYS as MULTIVALUED_KEYS,
    NEVER as NEVER,
    NON_NEGATIVE_KEYS as NON_NEGATIVE_KEYS,
    SAME_CONDITIONS as SAME_CONDITIONS,
    SERVICE_ONLY_KEYS as SERVICE_ONLY_KEYS,
    SESSION_TAG_KEY_PREFIXES as SESSION_TAG_KEY_PREFIXES,
    SET_PREFIXES as SET_PREFIXES,
    UPPER_BOUNDS as UPPER_BOUNDS,
    ConditionOperator as ConditionOperator,
    TrustContext as TrustContext,
    _conditions_of as _conditions_of,
    _contradicts_the_project as _contradicts_the_project,
    _epoch as _epoch,
    _like as _like,
    _matches_every_arn as _matches_every_arn,
    _matches_every_value as _matches_every_value,
    _meaning as _meaning,
    _mentions_external_id as _mentions_external_id,
    _network as _network,
    _never_holds as _never_holds,
    _past as _past,
    _project_keys as _project_keys,
    _set_operator_key as _set_operator_key,
    _string_matches as _string_matches,
    _written_by_the_project as _written_by_the_project,
    condition_time as condition_time,
    requires_key as requires_key,
)


def parse_operator(key: str, value: object) -> ConditionOperator:
    """An IAM condition operator, with its ``...IfExists`` and ``ForAllValues:``/``ForAnyValue:`` forms."""
    return input_rule(pure.parse_operator, key, value)


def condition_operator(key: str, value: object) -> str:
    """An IAM condition operator, with its ``...IfExists`` and ``ForAllValues:``/``ForAnyValue:`` forms."""
    return input_rule(pure.condition_operator, key, value)


def _condition_value(key: str, family: str, value: object) -> str:
    """A value of a condition whose operator compares ``family`` values."""
    return input_rule(lambda k, v: pure._condition_value(k, family, v), key, value)


def trust_conditions(
    key: str, value: object, context: TrustContext | None = None
) -> dict[str, dict[str, str | tuple[str, ...]]]:
    """Extra trust conditions: operator -> condition key -> value or list of values
    (``iam.conditions.trust_conditions``, which says what is refused)."""
    return input_rule(pure.trust_conditions, key, value, context)


def condition_warnings(key: str, conditions: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Warnings about checked extra conditions that hold, but maybe not as meant
    (``iam.conditions.condition_warnings``)."""
    return input_rule(pure.condition_warnings, key, conditions)
