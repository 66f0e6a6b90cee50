"""The console scripts with a short run floor and watchdog grace, for the tests that wait a run out.

Whatever ``--timeout`` says, a run gets at least ``MIN_RUN_SECONDS`` (5 s), and the watchdog that
ends a read which never completes waits ``WATCHDOG_GRACE_SECONDS`` (2 s) past it: constants of
``cross_account.connection`` that every console script reads there (``watchdog_seconds``, the
connection's deadline). A test that shows a hung or trickling endpoint cannot hold a run past its
limit sets them to ``FLOOR`` and ``GRACE`` here, in its own process (``shorten``) or in the script's
(``command``): the same bound, met in about four seconds instead of seven. The floor stays well
above the trickling server's 0.1 s between bytes (a read waits half the floor), so a loaded machine
does not turn the watchdog's case into a read timeout. ``tests/test_verify.py`` shows the real
floor and grace apart, without waiting them out.
"""

from __future__ import annotations

import sys

import pytest

from cross_account import connection

FLOOR = 3.0
GRACE = 0.5
SCRIPTS = ("cross_account.verify", "cross_account.console", "cross_account.audit")

_RUN = """\
import importlib, sys
from cross_account import connection
connection.MIN_RUN_SECONDS, connection.WATCHDOG_GRACE_SECONDS = {floor!r}, {grace!r}
sys.exit(importlib.import_module(sys.argv[1]).main(sys.argv[2:]))
"""


def shorten(monkeypatch: pytest.MonkeyPatch) -> None:
    """The floor and the grace of every console script run in this process, for one test."""
    monkeypatch.setattr(connection, "MIN_RUN_SECONDS", FLOOR)
    monkeypatch.setattr(connection, "WATCHDOG_GRACE_SECONDS", GRACE)


def command(script: str, *argv: str) -> list[str]:
    """The argv of ``python -m <script> *argv`` with the short floor and grace."""
    assert script in SCRIPTS, script
    return [sys.executable, "-c", _RUN.format(floor=FLOOR, grace=GRACE), script, *argv]
