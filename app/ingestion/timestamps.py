"""Event time from client clocks, corrected for skew (protocol.md 1.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

FUTURE_LIMIT = timedelta(hours=23)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an ISO string or epoch number; None when unparseable."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int | float):
            seconds = value / 1000 if value > 1e11 else value
            return datetime.fromtimestamp(seconds, UTC)
        if not isinstance(value, str) or not value:
            return None
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "T"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _raw_time(event: dict[str, Any], now: datetime, sent_at: datetime | None) -> datetime:
    stamp = parse_time(event.get("timestamp"))
    if stamp is not None:
        if sent_at is None:
            return stamp
        try:
            return now + (stamp - sent_at)
        except OverflowError:
            return now
    offset = event.get("offset")
    if isinstance(offset, int | float) and not isinstance(offset, bool):
        try:
            return now - timedelta(milliseconds=offset)
        except OverflowError:
            return now
    return now


def resolve(
    event: dict[str, Any], now: datetime, sent_at: datetime | None
) -> tuple[datetime, str | None]:
    """The event's stored time and an ingestion warning code, if any."""
    props = event.get("properties") or {}
    if props.get("$ignore_sent_at") is True:
        sent_at = None
    result = _raw_time(event, now, sent_at)
    if result - now > FUTURE_LIMIT:
        return now, "event_timestamp_in_future"
    return result, None
