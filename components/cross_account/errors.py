"""Errors that name the input, the value and the rule, and what keeps a secret out of every message.

``InvalidInputError`` (a bad plain value, before anything is registered), ``ResolvedInputError`` (a bad
value known once an Output resolves), the scrubbing of secrets as whole values and tokens, and
``Reporter``, through which a component reports errors and warnings under its caller's names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pulumi

from . import limits
from .iam.grammar import (
    SECRET_NAME_RE,
    _pattern,
)
from .iam.rules import (  # re-exported: errors.<name> stays what it was
    RuleError,
    Shown,
    hidden_value as hidden_value,
    nesting_depth as nesting_depth,
    secret_strings as secret_strings,
    shown,
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
        if head == "callers":  # "callers.<caller>.require_mfa": the entry's keys are the inputs' own names
            rest = re.sub(r"^(\.[^.]+\.)(\w+)", lambda found: found[1] + names.get(found[2], found[2]), rest)
        head = names.get(head) or "/".join(names.get(part, part) for part in head.split("/"))  # "a/b": a or b
        return InvalidInputError(f"{head}{rest}", self.value, rename_inputs(self.rule, names))

    def hidden(self) -> InvalidInputError:
        """The same error without the value (for a secret input)."""
        return InvalidInputError(self.key, hidden_value(self.value), self.rule)


def input_rule(check: Callable[..., T], key: str, value: Any, *args: Any, **kwargs: Any) -> T:
    """``check`` (a rule of the pure layer, ``stack_outputs`` or ``iam``, which never import pulumi; its
    ``RuleError``, an ``OutputError`` among them) as an InvalidInputError."""
    try:
        return check(key, value, *args, **kwargs)
    except RuleError as error:
        raise InvalidInputError(error.key, error.value, error.rule) from None


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


_Shown = Shown
"""What a message shows for a value, as it is (its repr is itself): one class with stack_outputs'."""
_shown = shown
"""How a message shows a value (``iam.rules.shown``): its repr, or a summary of a deep nest."""


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


def snake_case(name: str) -> str:
    """``trustedAccountIds`` -> ``trusted_account_ids``: the component arg a config-style name means."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def has_output(value: object) -> bool:
    """True when the value is, or a list of it holds, a pulumi Output (resolved later)."""
    if isinstance(value, pulumi.Output):
        return True
    if isinstance(value, (list, tuple)):
        return any(has_output(v) for v in value)
    return False


def has_any_output(value: Any) -> bool:
    """True when an Output is anywhere inside the value (lists and maps walked)."""
    if isinstance(value, pulumi.Output):
        return True
    if isinstance(value, Mapping):
        return any(has_any_output(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_any_output(v) for v in value)
    return False


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
