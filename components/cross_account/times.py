"""Times in inputs: ends of access, session revocation, and the warnings as they near."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from . import limits, stack_outputs as rules
from .errors import (
    InvalidInputError,
    input_rule,
)
from .fields import _string
from .iam.grammar import (
    EXPIRES_AT_RE,
    TOKEN_ISSUE_TIME_RE,
)
from .stack_outputs import EXPIRY_RULE as EXPIRY_RULE


def expiry_time(key: str, value: object) -> str:
    """An end of access in RFC 3339 UTC to the second, past or future (read from elsewhere, not set here)."""
    return input_rule(rules.expiry_time, key, _string(key, value))


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
