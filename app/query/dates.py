"""Date ranges, intervals and buckets in the project's time zone (spec insights.md 2.0).

Everything is computed in Python with zoneinfo: the query's bounds become local aware
datetimes (rounded per interval), SQL filters on their UTC equivalents, and buckets are
the *naive local* starts of each interval (what `date_trunc(unit, ts AT TIME ZONE tz)`
returns), so empty buckets can be filled with zeros and DST days keep 23/25 hours.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from app.query.base import QueryContext, QueryError

INTERVALS = ("hour", "day", "week", "month")
_RELATIVE = re.compile(r"^-?(\d+)([hdwmyHDWMY])$")
_END = time(23, 59, 59, 999999)


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; a bad name is a user error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise QueryError(f"unknown timezone {name!r}") from exc


def start_of(local: datetime, interval: str, week_start: int) -> datetime:
    """Start of the interval containing a naive local datetime (week_start 0=Sunday)."""
    if interval == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "day":
        return day
    if interval == "week":
        # Python weekday(): Monday=0; shift so the project's first day is 0.
        offset = (day.weekday() + (1 if week_start == 0 else 0)) % 7
        return day - timedelta(days=offset)
    if interval == "month":
        return day.replace(day=1)
    raise QueryError(
        f"unsupported interval {interval!r}",
    )


def step(local: datetime, interval: str, n: int = 1) -> datetime:
    """Add n intervals in local calendar arithmetic (naive)."""
    if interval == "hour":
        return local + timedelta(hours=n)
    if interval == "day":
        return local + timedelta(days=n)
    if interval == "week":
        return local + timedelta(weeks=n)
    shifted: datetime = local + relativedelta(months=n)
    return shifted


def to_utc(local_naive: datetime, tz: ZoneInfo) -> datetime:
    """A naive local wall time as an aware UTC datetime (DST gaps resolve forward)."""
    return local_naive.replace(tzinfo=tz).astimezone(UTC)


def to_local(aware: datetime, tz: ZoneInfo) -> datetime:
    """An aware datetime as naive wall-clock time in tz."""
    return aware.astimezone(tz).replace(tzinfo=None)


@dataclass(frozen=True)
class DateRange:
    """Resolved bounds (naive local wall times) plus interval and week start."""

    date_from: datetime
    date_to: datetime
    interval: str
    tz: ZoneInfo
    week_start: int

    @property
    def utc_from(self) -> datetime:
        return to_utc(self.date_from, self.tz)

    @property
    def utc_to(self) -> datetime:
        return to_utc(self.date_to, self.tz)

    def bucket_of(self, local: datetime) -> datetime:
        return start_of(local, self.interval, self.week_start)

    def buckets(self) -> list[datetime]:
        """Every interval start from start(date_from) to start(date_to), inclusive."""
        first = self.bucket_of(self.date_from)
        last = self.bucket_of(self.date_to)
        if self.interval == "hour":
            return self._hour_buckets(first, last)
        out, current = [], first
        while current <= last:
            out.append(current)
            current = step(current, self.interval)
        return out

    def _hour_buckets(self, first: datetime, last: datetime) -> list[datetime]:
        # Walk real hours in UTC so a DST fall-back hour is not emitted twice and a
        # spring-forward gap is skipped, exactly as date_trunc on local times behaves.
        out: list[datetime] = []
        current, end = to_utc(first, self.tz), to_utc(last, self.tz)
        while current <= end:
            local = start_of(to_local(current, self.tz), "hour", self.week_start)
            if not out or out[-1] != local:
                out.append(local)
            current += timedelta(hours=1)
        return out

    def shifted(self, delta: relativedelta | timedelta) -> DateRange:
        """The same range moved back by delta (compare to previous period)."""
        return DateRange(
            self.date_from - delta, self.date_to - delta, self.interval, self.tz, self.week_start
        )


def parse_relative(value: str) -> relativedelta | None:
    """`-7d` → relativedelta(days=7) (the magnitude), or None if not relative."""
    match = _RELATIVE.match(value.strip())
    if not match:
        return None
    n, unit = int(match.group(1)), match.group(2).lower()
    return {
        "h": relativedelta(hours=n),
        "d": relativedelta(days=n),
        "w": relativedelta(weeks=n),
        "m": relativedelta(months=n),
        "y": relativedelta(years=n),
    }[unit]


def _parse_absolute(value: str, tz: ZoneInfo) -> tuple[datetime, bool]:
    """(naive local datetime, has_time) for `YYYY-MM-DD` or an ISO datetime."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError(f"invalid date {value!r}") from exc
    has_time = len(value.strip()) > 10
    if parsed.tzinfo is not None:
        parsed = to_local(parsed, tz)
    return parsed, has_time


@dataclass(frozen=True)
class _Parsed:
    local: datetime
    kind: str  # "hours" (relative in hours), "relative", "absolute_date", "absolute_time"


def _parse_point(value: str, now_local: datetime, tz: ZoneInfo) -> _Parsed:
    anchors = {
        "dstart": now_local.replace(hour=0, minute=0, second=0, microsecond=0),
        "mstart": now_local.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
        "ystart": now_local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
    }
    key = value.strip().lower()
    if key in anchors:
        return _Parsed(anchors[key], "relative")
    delta = parse_relative(value)
    if delta is not None:
        kind = "hours" if value.strip().lower().endswith("h") else "relative"
        return _Parsed(now_local - delta, kind)
    local, has_time = _parse_absolute(value, tz)
    return _Parsed(local, "absolute_time" if has_time else "absolute_date")


def resolve(
    date_range: dict[str, Any] | None,
    interval: str | None,
    ctx: QueryContext,
    *,
    default_from: str = "-7d",
    earliest: Callable[[], datetime | None] | None = None,
) -> DateRange:
    """Resolve a PostHog `dateRange` + interval into local bounds (spec 2.0 rounding)."""
    interval = interval or "day"
    if interval not in INTERVALS:
        raise QueryError(f"unsupported interval {interval!r}")
    tz = zone(ctx.timezone)
    now_local = to_local(ctx.now, tz)
    dr = date_range or {}
    explicit = bool(dr.get("explicitDate"))
    date_from = _resolve_from(
        dr.get("date_from") or default_from, interval, now_local, tz, explicit, earliest
    )
    date_to = _resolve_to(dr.get("date_to"), interval, now_local, tz, explicit)
    if date_to < date_from:
        raise QueryError("date_to is before date_from")
    return DateRange(date_from, date_to, interval, tz, ctx.week_start_day)


def _resolve_from(
    value: str,
    interval: str,
    now_local: datetime,
    tz: ZoneInfo,
    explicit: bool,
    earliest: Callable[[], datetime | None] | None,
) -> datetime:
    if value.strip().lower() == "all":
        first = earliest() if earliest is not None else None
        local = to_local(first, tz) if first is not None else now_local
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    point = _parse_point(value, now_local, tz)
    if explicit:
        return point.local
    if interval == "hour" and point.kind in ("hours", "absolute_time"):
        return start_of(point.local, "hour", 0)
    day = point.local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day.replace(day=1) if interval == "month" else day


def _resolve_to(
    value: str | None, interval: str, now_local: datetime, tz: ZoneInfo, explicit: bool
) -> datetime:
    point = _parse_point(value, now_local, tz) if value else _Parsed(now_local, "now")
    if explicit and value:
        return point.local
    if interval == "hour":
        return start_of(point.local, "hour", 0) + timedelta(hours=1, microseconds=-1)
    return datetime.combine(point.local.date(), _END)


def format_day(bucket: datetime, interval: str) -> str:
    """PostHog's `days` entry for a bucket."""
    if interval == "hour":
        return bucket.strftime("%Y-%m-%d %H:%M:%S")
    return bucket.strftime("%Y-%m-%d")


def format_label(bucket: datetime, interval: str, dr: DateRange | None = None) -> str:
    """PostHog's `labels` entry: `9-Jan-2020`, `9-Jan 00:00`, `Jan 2020`, week ranges."""
    if interval == "hour":
        return f"{bucket.day}-{bucket.strftime('%b %H:%M')}"
    if interval == "month":
        return bucket.strftime("%b %Y")
    if interval == "week":
        start = max(bucket, dr.date_from) if dr else bucket
        end = bucket + timedelta(days=6)
        if dr is not None:
            end = min(end, dr.date_to)
        return f"{start.day}-{start.strftime('%b')} – {end.day}-{end.strftime('%b')}"
    return f"{bucket.day}-{bucket.strftime('%b-%Y')}"
