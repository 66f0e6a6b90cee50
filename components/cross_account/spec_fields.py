"""Typed specs: frozen dataclasses whose fields each carry their default, rule, doc and config key, and
the one function that builds a spec from a component's inputs (``parse``).

A spec field is one line, ``name: type = spec_field(default, rule, doc, key="configKey")``. ``parse``
refuses an unknown input, applies each default, runs each field's rule as ``rule(input_name, value)``
(the ``validation`` checks have this shape), keeps a value that resolves later (a pulumi Output, said
by the field's ``deferred`` predicate) as it is for the late check, then runs the spec's cross-field
rules. ``config_keys`` reads the same fields as the program's config contract.

Stdlib dataclasses rather than pydantic or attrs: no runtime dependency, and the component schema
stays the TypedDict Args (which Pulumi's component-provider analyzer reads).

This module imports no pulumi: whether a value resolves later is a predicate each field is given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal, TypeVar

Rule = Callable[[str, Any], Any]
"""A field's check: ``rule(input_name, value)`` returns the value normalized or raises InvalidInputError."""
CrossRule = Callable[[dict[str, Any]], None]
"""A rule across fields: reads (and may normalize) the checked values, by field name, or raises."""
ConfigType = Literal["string", "integer", "boolean", "array", "object"]
KeySide = Literal["trusting", "trusted", "both"]
METADATA = "cross_account.spec"
"""The key of a spec field's FieldInfo in its dataclasses metadata."""

S = TypeVar("S")


@dataclasses.dataclass(frozen=True)
class FieldInfo:
    """What a spec field says beside its type and default: its rule, its doc, where config sets it."""

    rule: Rule | None
    """Checks and normalizes the value; None: the value is kept as given (a cross-field rule checks it)."""
    doc: str
    """What the field is; for a field with a config key, the description of the key."""
    key: str | None = None
    """The program's config key that sets it (camelCase); None: no config key feeds it."""
    side: KeySide | None = None
    """The side of the config key ("trusting", "trusted" or "both"); None: the spec's side."""
    config_type: ConfigType | None = None
    """The config key's type; None: the type of the default (or of ``unset``)."""
    unset: Any = None
    """The config value that means "not set" when the field's default is None ("", 0, [], {})."""
    deferred: Callable[[Any], bool] | None = None
    """True for a value that resolves later (an Output): kept as is, checked once it resolves."""
    arg: str | None = None
    """A program spec's field: the component input the config key feeds (None: none)."""


def spec_field(
    default: Any,
    rule: Rule | None,
    doc: str,
    *,
    key: str | None = None,
    side: KeySide | None = None,
    type: ConfigType | None = None,  # noqa: A002 - the config key's type, as Pulumi.yaml names it
    unset: Any = None,
    deferred: Callable[[Any], bool] | None = None,
    arg: str | None = None,
) -> Any:
    """A spec field: its default (a scalar, None, a tuple, or a mapping: each spec gets a read-only copy
    of it), its rule, its doc, and the config key that sets it."""
    if isinstance(default, (list, set)):
        raise TypeError(f"a spec field's default must be immutable (a tuple), not {default!r}")
    meta = {METADATA: FieldInfo(rule, doc, key, side, type, unset, deferred, arg)}
    if isinstance(default, Mapping):
        frozen = dict(default)
        return dataclasses.field(default_factory=lambda: MappingProxyType(dict(frozen)), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def default_of(field: dataclasses.Field[Any]) -> Any:
    """A field's default (a mapping's: a fresh read-only copy)."""
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def info(field: dataclasses.Field[Any]) -> FieldInfo:
    """The FieldInfo of a spec field (every field of a spec has one)."""
    found = field.metadata.get(METADATA)
    if not isinstance(found, FieldInfo):
        raise TypeError(f"{field.name} is not declared with spec_field")
    return found


def spec_fields(spec_type: type) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of a spec, in declaration order."""
    return dataclasses.fields(spec_type)


def field_names(spec_type: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(spec_type))


def values(spec: Any) -> dict[str, Any]:
    """A spec's values by field name (shallow: nested specs and Outputs kept as they are)."""
    return {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}


def parse(
    spec_type: type[S],
    args: Mapping[str, Any],
    *,
    known: Iterable[str] | None = None,
    prepare: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
    rules: Sequence[CrossRule] = (),
) -> S:
    """The spec of ``args``: unknown inputs refused (``known`` defaults to the spec's fields), each
    absent one its default, each value checked by its field's rule (or kept, when it resolves later),
    then the cross-field ``rules`` in order. ``prepare`` (after the unknown inputs are refused) may check
    or complete the inputs first. Raises InvalidInputError naming the input."""
    from .fields import refuse_unknown_inputs  # the one message for an unknown input (imports pulumi)

    refuse_unknown_inputs(args, field_names(spec_type) if known is None else known)
    if prepare is not None:
        args = prepare(args)
    checked: dict[str, Any] = {}
    for field in dataclasses.fields(spec_type):  # type: ignore[arg-type]
        checked[field.name] = _checked(field, args[field.name] if field.name in args else default_of(field))
    for rule in rules:
        rule(checked)
    return spec_type(**checked)


def _checked(field: dataclasses.Field[Any], value: Any) -> Any:
    """One value by its field's rule; a value that resolves later kept as is (checked once it resolves)."""
    meta = info(field)
    if meta.deferred is not None and meta.deferred(value):
        return value
    return value if meta.rule is None else meta.rule(field.name, value)


def completed(spec: S, args: Mapping[str, Any], names: Iterable[str], rules: Sequence[CrossRule] = ()) -> S:
    """``spec`` with the inputs ``names`` taken from ``args`` (each by its field's rule, a value that
    resolves later kept), then ``rules``: for a caller that parsed the other inputs of ``args`` already
    (the program, whose component adds the ARNs it read or the secrets it knows), so no value is checked
    twice. An input of ``names`` absent from ``args`` keeps the spec's value."""
    checked = values(spec)
    by_name = {field.name: field for field in dataclasses.fields(spec)}  # type: ignore[arg-type]
    for name in names:
        if name in args:
            checked[name] = _checked(by_name[name], args[name])
    for rule in rules:
        rule(checked)
    return type(spec)(**checked)


def config_default(field: dataclasses.Field[Any]) -> Any:
    """A field's default as the config writes it: lists for tuples, dicts for mappings, ``unset`` for None."""
    default = default_of(field)
    if default is None:
        return info(field).unset
    if isinstance(default, tuple):
        return list(default)
    if isinstance(default, Mapping):
        return dict(default)
    return default


def config_type(field: dataclasses.Field[Any]) -> ConfigType:
    """A field's config type: as declared, else the type of its config default."""
    meta = info(field)
    if meta.config_type is not None:
        return meta.config_type
    default = config_default(field)
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, str):
        return "string"
    if isinstance(default, list):
        return "array"
    if isinstance(default, dict):
        return "object"
    raise TypeError(f"{field.name}: no config type for the default {default!r}; declare type=")


@dataclasses.dataclass(frozen=True)
class ConfigKey:
    """One config key as a spec field declares it (the program's ``Key`` is made from it)."""

    name: str
    side: KeySide
    type: ConfigType
    default: Any
    arg: str | None
    description: str
    unset: Any = None
    """The default value that means "not set" (an empty string, 0) when the arg has no default."""


def config_keys(spec_type: type, side: KeySide, *, component: bool = True) -> Iterator[ConfigKey]:
    """The config keys of a spec's fields, in field order: a component spec's keys feed the field's own
    input; a program spec's feed its ``arg`` (or none)."""
    for field in dataclasses.fields(spec_type):
        meta = info(field)
        if meta.key is None:
            continue
        yield ConfigKey(
            name=meta.key,
            side=meta.side or side,
            type=config_type(field),
            default=config_default(field),
            arg=field.name if component else meta.arg,
            description=meta.doc,
            unset=meta.unset,
        )


EMPTY: Mapping[str, Any] = MappingProxyType({})
"""The default of a mapping field (each spec gets its own read-only copy)."""
