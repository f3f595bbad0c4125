"""The two reports are scheduled at different times and never fire together."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workers.schedule import SCHEDULE, due

TELEMETRY = {"telemetry-usage", "telemetry-entity"}


def fired_at(app: Any, when: datetime) -> set[str]:
    return set(due(app, when.timestamp())) & TELEMETRY


def test_usage_daily_at_three_entity_weekly_on_sunday_afternoon(app: Any) -> None:
    sunday = datetime(2026, 11, 22, tzinfo=UTC)
    assert sunday.weekday() == 6
    assert fired_at(app, sunday.replace(hour=3, minute=5)) == {"telemetry-usage"}
    assert fired_at(app, sunday.replace(hour=3, minute=30)) == set()  # claimed for the day
    assert fired_at(app, sunday.replace(hour=15, minute=5)) == {"telemetry-entity"}
    assert fired_at(app, sunday.replace(hour=15, minute=50)) == set()
    monday = datetime(2026, 11, 23, 3, 1, tzinfo=UTC)
    assert fired_at(app, monday) == {"telemetry-usage"}
    assert fired_at(app, monday.replace(hour=15, minute=1)) == set()  # entity is weekly


def test_the_firing_windows_never_overlap() -> None:
    """Whenever a scheduler starts, at most one of the two reports is in its window."""
    entries = [e for e in SCHEDULE if e.name in TELEMETRY]
    assert len(entries) == 2 and all(e.window_seconds for e in entries)
    start = datetime(2026, 11, 16, tzinfo=UTC).timestamp()
    for minute in range(0, 14 * 24 * 60, 5):
        now = start + minute * 60
        open_ = [
            e for e in entries if (now - e.offset_seconds) % e.every_seconds < e.window_seconds
        ]
        assert len(open_) <= 1
