"""Shaping funnel actor results into PostHog's responses (steps, time to convert, trends)."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from app.query import dates
from app.query.actions import series_identity
from app.query.funnel_breakdown import OTHER, Breakdown
from app.query.funnel_steps import ActorResult, FunnelEvent, Settings, actor_results

Actors = Sequence[tuple[list[FunnelEvent], list[Any]]]


class _Tally:
    def __init__(self, num_steps: int) -> None:
        self.exact = [0] * num_steps
        self.times: list[list[float]] = [[] for _ in range(num_steps)]

    def add(self, result: ActorResult) -> None:
        self.exact[result.step] += 1
        for i, seconds in enumerate(result.timings):
            if seconds > 0:  # zero-second conversions are left out of the averages
                self.times[i + 1].append(seconds)

    def merge(self, other: _Tally) -> None:
        self.exact = [a + b for a, b in zip(self.exact, other.exact, strict=True)]
        self.times = [a + b for a, b in zip(self.times, other.times, strict=True)]

    def counts(self) -> list[int]:
        return [sum(self.exact[k:]) for k in range(len(self.exact))]


def step_results(
    series: list[dict[str, Any]], cfg: Settings, results: list[ActorResult], bd: Breakdown
) -> list[Any]:
    tallies: dict[Any, _Tally] = defaultdict(lambda: _Tally(cfg.num_steps))
    for result in results:
        tallies[result.breakdown].add(result)
    if not bd.active:
        tally = tallies.get("")
        return _steps(series, cfg, tally) if tally else []
    return [_steps(series, cfg, t, bd, value) for value, t in _ranked(tallies, bd)]


def _ranked(tallies: dict[Any, _Tally], bd: Breakdown) -> list[tuple[Any, _Tally]]:
    """Order by exact counts of the last step, then the one before... (desc), value asc."""
    ordered = sorted(
        tallies.items(), key=lambda kv: ([-c for c in reversed(kv[1].exact)], str(kv[0]))
    )
    if not bd.limited() or len(ordered) <= bd.limit:
        return ordered
    kept, rest = ordered[: bd.limit], ordered[bd.limit :]
    other = _Tally(len(rest[0][1].exact))
    for _, tally in rest:
        other.merge(tally)
    return [*kept, (OTHER, other)]


def _steps(
    series: list[dict[str, Any]],
    cfg: Settings,
    tally: _Tally,
    bd: Breakdown | None = None,
    value: Any = None,
) -> list[dict[str, Any]]:
    counts = tally.counts()
    out = []
    for i, node in enumerate(series):
        times = tally.times[i]
        step: dict[str, Any] = {
            **_step_identity(node, i, cfg),
            "order": i,
            "count": counts[i],
            "people": [],
            "average_conversion_time": statistics.fmean(times) if times else None,
            "median_conversion_time": statistics.median(times) if times else None,
        }
        if bd is not None:
            step["breakdown"] = step["breakdown_value"] = bd.boxed(value)
        out.append(step)
    return out


def _step_identity(node: dict[str, Any], i: int, cfg: Settings) -> dict[str, Any]:
    if cfg.order == "unordered":
        name = f"Completed {i + 1} step{'s' if i else ''}"
        return {"action_id": None, "name": name, "custom_name": None, "type": "events"}
    ident, kind, name = series_identity(node)
    return {
        "action_id": ident,
        "name": name or "All events",
        "custom_name": node.get("custom_name"),
        "type": kind,
    }


def time_to_convert(cfg: Settings, actors: Actors, ff: dict[str, Any]) -> dict[str, Any]:
    """Histogram of conversion times from funnelFromStep to funnelToStep (spec 2.2)."""
    lo = int(ff.get("funnelFromStep") or 0)
    hi = ff.get("funnelToStep")
    hi = cfg.num_steps - 1 if hi is None else int(hi)
    timings = []
    for events, _ in actors:
        for result in actor_results(cfg, events, [""]):
            if result.step >= hi:
                timings.append(sum(result.timings[lo:hi]))
    if not timings:
        return {"bins": [], "average_conversion_time": None}
    return {
        "bins": bins(timings, ff.get("binCount")),
        "average_conversion_time": statistics.fmean(timings),
    }


def bins(timings: list[float], bin_count: Any) -> list[list[int]]:
    if bin_count:
        count = min(max(int(bin_count), 1), 90)
    else:
        count = min(max(math.ceil(round(len(timings) ** (1 / 3), 9)), 1), 60)
    low, high = math.floor(min(timings)), math.ceil(max(timings))
    width = math.ceil((high - low) / count) or 60
    hist = [0] * (count + 1)
    for t in timings:
        hist[min(int((t - low) // width), count)] += 1
    return [[low + i * width, n] for i, n in enumerate(hist)]


def trends_results(
    cfg: Settings, actors: Actors, ff: dict[str, Any], dr: dates.DateRange, bd: Breakdown
) -> list[dict[str, Any]]:
    """Conversion rate per entrance period (the bucket of the attempt's first step)."""
    lo = int(ff.get("funnelFromStep") or 0)
    hi = ff.get("funnelToStep")
    hi = cfg.num_steps - 1 if hi is None else int(hi)
    buckets = dr.buckets()
    tallies: dict[Any, dict[Any, list[int]]] = defaultdict(lambda: {b: [0, 0] for b in buckets})
    for events, values in actors:
        for bucket in _entry_buckets(events, dr):
            _trend_actor(cfg, events, values, bucket, dr, tallies, (lo, hi))
    if not tallies and not bd.active:
        tallies[""]  # noqa: B018 - an empty funnel still fills every bucket with 0
    out = []
    for value, per_bucket in sorted(tallies.items(), key=lambda kv: str(kv[0])):
        rates = [_rate(*per_bucket[b]) for b in buckets]
        row: dict[str, Any] = {
            "count": len(buckets),
            "data": rates,
            "days": [dates.format_day(b, dr.interval) for b in buckets],
            "labels": [dates.format_label(b, dr.interval, dr) for b in buckets],
        }
        if bd.active:
            row["breakdown_value"] = bd.boxed(value)
        out.append(row)
    return out


def _entry_buckets(events: list[FunnelEvent], dr: dates.DateRange) -> list[Any]:
    seen: dict[Any, None] = {}
    for event in events:
        if 1 in event.steps:
            seen.setdefault(dr.bucket_of(dates.to_local(_utc(event.ts), dr.tz)), None)
    return list(seen)


def _trend_actor(
    cfg: Settings,
    events: list[FunnelEvent],
    values: list[Any],
    bucket: Any,
    dr: dates.DateRange,
    tallies: dict[Any, dict[Any, list[int]]],
    span: tuple[int, int],
) -> None:
    def starts(ts: float) -> bool:
        return bool(dr.bucket_of(dates.to_local(_utc(ts), dr.tz)) == bucket)

    scoped = Settings(
        cfg.num_steps, cfg.window, cfg.order, cfg.attribution_step, cfg.all_events, starts
    )
    for result in actor_results(scoped, events, values):
        cell = tallies[result.breakdown].get(bucket)
        if cell is None:
            continue
        cell[0] += result.step >= span[0]
        cell[1] += result.step >= span[1]


def _rate(reached_from: int, reached_to: int) -> float:
    return round(reached_to / reached_from * 100, 2) if reached_from else 0.0


def _utc(ts: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC)
