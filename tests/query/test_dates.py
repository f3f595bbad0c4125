"""Date range resolution, rounding and bucket generation (spec 2.0)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.query.base import QueryContext, QueryError
from app.query.dates import format_day, format_label, resolve


def ctx(now: str, tz: str = "UTC", week_start: int = 0) -> QueryContext:
    return QueryContext(1, tz, week_start, datetime.fromisoformat(now).replace(tzinfo=UTC))


def days(dr: object) -> list[str]:
    return [format_day(b, dr.interval) for b in dr.buckets()]  # type: ignore[attr-defined]


def test_minus_7d_gives_eight_daily_buckets_today_included() -> None:
    dr = resolve({"date_from": "-7d"}, "day", ctx("2020-01-04T13:00:00"))
    assert dr.date_from == datetime(2019, 12, 28)
    assert dr.date_to == datetime(2020, 1, 4, 23, 59, 59, 999999)
    assert len(dr.buckets()) == 8


def test_hourly_absolute_single_day_is_one_bucket() -> None:
    dr = resolve({"date_from": "2020-01-09", "date_to": "2020-01-09"}, "hour", ctx("2020-02-01"))
    assert days(dr) == ["2020-01-09 00:00:00"]
    assert format_label(dr.buckets()[0], "hour") == "9-Jan 00:00"


def test_hourly_relative_days_truncate_to_day_and_hours_to_hour() -> None:
    dr = resolve({"date_from": "-2d"}, "hour", ctx("2020-01-12T12:30:00"))
    assert len(dr.buckets()) == 61
    dr = resolve({"date_from": "-24h"}, "hour", ctx("2020-01-12T12:30:00"))
    assert dr.date_from == datetime(2020, 1, 11, 12)
    assert len(dr.buckets()) == 25


def test_weekly_buckets_monday_start() -> None:
    dr = resolve({"date_from": "-14d"}, "week", ctx("2020-01-26T10:00:00", week_start=1))
    assert days(dr) == ["2020-01-06", "2020-01-13", "2020-01-20"]
    assert dr.date_from == datetime(2020, 1, 12)


def test_weekly_buckets_sunday_start() -> None:
    dr = resolve({"date_from": "-14d"}, "week", ctx("2020-01-26T10:00:00", week_start=0))
    assert days(dr) == ["2020-01-12", "2020-01-19", "2020-01-26"]


def test_anchors_and_month() -> None:
    c = ctx("2020-03-15T10:00:00", "Asia/Tokyo")
    assert resolve({"date_from": "mStart"}, "day", c).date_from == datetime(2020, 3, 1)
    assert resolve({"date_from": "yStart"}, "day", c).date_from == datetime(2020, 1, 1)
    assert resolve({"date_from": "dStart"}, "day", c).date_from == datetime(2020, 3, 15)
    dr = resolve({"date_from": "-2m"}, "month", c)
    assert days(dr) == ["2020-01-01", "2020-02-01", "2020-03-01"]
    assert format_label(dr.buckets()[0], "month") == "Jan 2020"


def test_time_zone_shifts_today() -> None:
    # 2020-01-12T01:00Z is still Jan 11 in US/Pacific
    dr = resolve({"date_from": "dStart"}, "day", ctx("2020-01-12T01:00:00", "US/Pacific"))
    assert days(dr) == ["2020-01-11"]
    assert dr.utc_from == datetime(2020, 1, 11, 8, tzinfo=UTC)


def test_dst_days_and_hours() -> None:
    c = ctx("2020-03-10T12:00:00", "US/Pacific")
    dr = resolve({"date_from": "2020-03-07", "date_to": "2020-03-09"}, "day", c)
    assert days(dr) == ["2020-03-07", "2020-03-08", "2020-03-09"]
    assert (dr.utc_to - dr.utc_from).total_seconds() == 3 * 86400 - 3600 - 0.000001
    hourly = resolve(
        {"date_from": "2020-03-08T00:00:00", "date_to": "2020-03-08T04:00:00"}, "hour", c
    )
    assert [b.hour for b in hourly.buckets()] == [0, 1, 3, 4]  # 02:00 does not exist
    fall = resolve(
        {"date_from": "2020-11-01T00:00:00", "date_to": "2020-11-01T03:00:00"},
        "hour",
        ctx("2020-11-02T12:00:00", "US/Pacific"),
    )
    assert [b.hour for b in fall.buckets()] == [0, 1, 2, 3]  # 01:00 twice → one bucket


def test_explicit_date_is_exact() -> None:
    dr = resolve(
        {
            "date_from": "2020-01-01T10:30:00",
            "date_to": "2020-01-02T11:00:00",
            "explicitDate": True,
        },
        "day",
        ctx("2020-02-01"),
    )
    assert dr.date_from == datetime(2020, 1, 1, 10, 30)
    assert dr.date_to == datetime(2020, 1, 2, 11)


def test_all_uses_earliest_event() -> None:
    earliest = datetime(2019, 12, 30, 22, tzinfo=UTC)
    dr = resolve(
        {"date_from": "all"},
        "day",
        ctx("2020-01-02T10:00:00", "Asia/Tokyo"),
        earliest=lambda: earliest,
    )
    assert days(dr) == ["2019-12-31", "2020-01-01", "2020-01-02"]


@pytest.mark.parametrize("bad", [{"date_from": "yesterday-ish"}, {"date_from": "2020-13-01"}])
def test_bad_dates_are_user_errors(bad: dict[str, str]) -> None:
    with pytest.raises(QueryError):
        resolve(bad, "day", ctx("2020-01-01"))


def test_bad_interval_and_zone() -> None:
    with pytest.raises(QueryError):
        resolve(None, "fortnight", ctx("2020-01-01"))
    with pytest.raises(QueryError):
        resolve(None, "day", ctx("2020-01-01", "Mars/Olympus"))
