"""How the program reports a bad value found while it builds: under the config keys, in one line."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

from cross_account.validation import (
    InvalidInputError,
    Reporter,
    ResolvedInputError,
)

from .settings import (
    KEY_FOR_ARG,
)

T = TypeVar("T")


@contextmanager
def config_names(names: Mapping[str, str] = KEY_FOR_ARG) -> Iterator[None]:
    """Report a component's InvalidInputError under the config keys the user wrote."""
    try:
        yield
    except InvalidInputError as error:
        raise error.renamed(names) from None


def reported_late(reporter: Reporter, work: Callable[[], T], names: Mapping[str, str] = KEY_FOR_ARG) -> T:
    """``work()`` inside an apply: an InvalidInputError ends the run as one line (ResolvedInputError),
    under config keys, secrets hidden."""
    try:
        return work()
    except InvalidInputError as error:
        reported = reporter.error(error.renamed(names))
    # Raised out of the except block: the first error, which may show a secret, is not its context.
    raise ResolvedInputError(reported) from reported
