"""cross-account-verify's read-only probes: the calls the assumed session can be tried with.

No pulumi, no components: only the connection code (tests/test_console.py loads the console
scripts with pulumi made unimportable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .connection import Calls


def _list_buckets(session: Any, run: Calls) -> str:
    buckets = run.call(session, "s3", "list_buckets").get("Buckets", [])
    names = ", ".join(b["Name"] for b in buckets[:5]) + (", ..." if len(buckets) > 5 else "")
    return f"{len(buckets)} bucket(s)" + (f": {names}" if buckets else "")


PROBES: dict[str, Callable[[Any, Calls], str] | None] = {
    "s3:ListBuckets": _list_buckets,
    "none": None,
}
"""Read-only calls the assumed session can be tried with; ``none`` skips the probe."""
