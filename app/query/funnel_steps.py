"""The per-actor funnel state machines (spec insights.md 2.2), pure Python.

They mirror PostHog's funnel UDF: events sorted by time, each carrying the 1-based steps
it matches (positive) and the exclusion slots it matches (negative). Slot -(i+1) marks an
exclusion that applies between 0-based steps i-1 and i. The ordered/strict machine keeps,
per step, the latest-starting attempt that reached it; the actor's result is the furthest
step over all attempts (an excluded furthest attempt removes the actor).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any


@dataclass(frozen=True)
class FunnelEvent:
    ts: float  # epoch seconds
    uid: str
    breakdown: Any
    steps: tuple[int, ...]


@dataclass
class Entered:
    ts: float | None = None  # start of the attempt (time of its first step)
    excluded: bool = False
    timings: list[float] = field(default_factory=list)
    uids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ActorResult:
    step: int  # 0-based furthest step reached
    breakdown: Any
    timings: list[float]  # seconds between consecutive reached steps
    times: list[float]  # timestamps of the reached steps


@dataclass(frozen=True)
class Settings:
    num_steps: int
    window: float  # seconds, inclusive
    order: str = "ordered"  # ordered | strict | unordered
    attribution_step: int | None = None  # breakdownAttributionType "step"
    all_events: bool = False  # breakdownAttributionType "all_events"
    starts_allowed: Callable[[float], bool] | None = None  # funnel trends: one entry bucket


class _Ordered:
    def __init__(self, cfg: Settings, prop: Any) -> None:
        self.cfg = cfg
        self.prop = prop
        self.entered = [Entered() for _ in range(cfg.num_steps + 1)]
        self.max_step = 0
        self.best = Entered()

    def run(self, events: Iterable[FunnelEvent]) -> ActorResult | None:
        for ts, group_iter in groupby(events, key=lambda e: e.ts):
            group = list(group_iter)
            self.entered[0] = Entered(ts=ts)
            if len(group) == 1 or all(e.steps == group[0].steps for e in group):
                for event in group:
                    self._process(event, multiple=False)
            else:
                # Different events at one instant: feed them in step order, one step each,
                # ignoring exclusions and strictness (the UDF's rule).
                singles = sorted(
                    (
                        FunnelEvent(e.ts, e.uid, e.breakdown, (s,))
                        for e in group
                        for s in e.steps
                        if s > 0
                    ),
                    key=lambda e: e.steps[0],
                )
                for event in singles:
                    self._process(event, multiple=True)
            if self.entered[self.cfg.num_steps].ts is not None:
                break
        if self.max_step == 0 or self.best.excluded:
            return None
        times = self.best.timings
        diffs = [b - a for a, b in zip(times, times[1:], strict=False)]
        return ActorResult(self.max_step - 1, self.prop, diffs, list(times))

    def _process(self, event: FunnelEvent, *, multiple: bool) -> None:
        # The UDF walks [steps ascending, exclusions ascending] backwards.
        order = sorted((s for s in event.steps if s < 0), reverse=False)
        order += sorted((s for s in event.steps if s > 0), reverse=True)
        for raw in order:
            step = abs(raw)
            prev = self.entered[step - 1]
            if prev.ts is None or event.ts - prev.ts > self.cfg.window:
                continue
            if self.entered[step].ts is not None and self.entered[step].ts == prev.ts:
                continue  # this attempt already reached the step
            if raw < 0:
                self._exclude(step - 1, event.ts)
            else:
                self._advance(step, prev, event, multiple)
        if not multiple and self.cfg.order == "strict":
            for i in range(1, len(self.entered)):
                if i not in event.steps:
                    self.entered[i] = Entered()

    def _exclude(self, index: int, ts: float) -> None:
        prev = self.entered[index]
        if prev.excluded:
            return
        prev.excluded = True
        best_ts = self.best.ts if self.best.ts is not None else ts
        if self.max_step == index and ts - best_ts <= self.cfg.window:
            self.best.excluded = True

    def _advance(self, step: int, prev: Entered, event: FunnelEvent, multiple: bool) -> None:
        if step == 1 and self.cfg.starts_allowed and not self.cfg.starts_allowed(event.ts):
            return
        wrong_value = (
            self.cfg.attribution_step is not None
            and step - 1 == self.cfg.attribution_step
            and event.breakdown != self.prop
        )
        if wrong_value or (multiple and event.uid in prev.uids):
            return
        new = Entered(prev.ts, prev.excluded, [*prev.timings, event.ts], [*prev.uids, event.uid])
        if not prev.excluded:
            self.entered[step] = new
        if step > self.max_step or (step == self.max_step and self.best.excluded):
            # a copy: excluding the stored attempt later must not flag the result retroactively
            self.max_step = step
            self.best = Entered(new.ts, new.excluded, list(new.timings), list(new.uids))


def _unordered(cfg: Settings, events: Sequence[FunnelEvent], prop: Any) -> ActorResult | None:
    """Max over anchors of the distinct steps seen within the window from the anchor."""
    best: tuple[int, list[float], bool] | None = None
    for i, anchor in enumerate(events):
        if not any(s > 0 for s in anchor.steps):
            continue
        if cfg.starts_allowed and not cfg.starts_allowed(anchor.ts):
            continue
        filled, times, excluded = _fill_from(cfg, events, i)
        if not filled:
            continue
        count = len(filled)
        if best is None or count > best[0] or (count == best[0] and best[2] and not excluded):
            best = (count, times, excluded)
    if best is None or best[2]:
        return None
    times = best[1]
    diffs = [b - a for a, b in zip(times, times[1:], strict=False)]
    return ActorResult(best[0] - 1, prop, diffs, times)


def _fill_from(
    cfg: Settings, events: Sequence[FunnelEvent], start: int
) -> tuple[set[int], list[float], bool]:
    anchor = events[start]
    filled: dict[int, float] = {}
    exclusion_times: list[float] = []
    for event in events[start:]:
        if event.ts - anchor.ts > cfg.window:
            break
        if any(s < 0 for s in event.steps):
            exclusion_times.append(event.ts)
        for s in sorted(s for s in event.steps if s > 0):
            if s not in filled:
                filled[s] = event.ts
                break  # one event fills one step
    times = sorted(filled.values())
    excluded = bool(times) and any(times[0] <= t <= times[-1] for t in exclusion_times)
    return set(filled), times, excluded


def actor_results(
    cfg: Settings, events: Sequence[FunnelEvent], prop_vals: Sequence[Any]
) -> list[ActorResult]:
    """One result per breakdown value the actor is attributed to (actors that never entered
    or whose furthest attempt was excluded give nothing)."""
    out = []
    if _plain(cfg, events):
        for prop in prop_vals:
            result = _ordered_plain(cfg, events, prop)
            if result is not None:
                out.append(result)
        return out
    for prop in prop_vals:
        own = [e for e in events if e.breakdown == prop] if cfg.all_events else events
        if cfg.order == "unordered":
            result = _unordered(cfg, own, prop)
        else:
            result = _Ordered(cfg, prop).run(own)
        if result is not None:
            out.append(result)
    return out


def _plain(cfg: Settings, events: Sequence[FunnelEvent]) -> bool:
    """The common case the lean machine below handles: ordered or strict, no breakdown
    attribution, no conversion-trends entry filter, no exclusion slots and no two events
    at one instant (the scan gives a uid only to events sharing their timestamp)."""
    if cfg.order == "unordered" or cfg.attribution_step is not None or cfg.all_events:
        return False
    if cfg.starts_allowed is not None:
        return False
    return not any(e.uid or (e.steps and e.steps[-1] < 0) for e in events)


_DESCENDING: dict[tuple[int, ...], tuple[int, ...]] = {}


def _ordered_plain(cfg: Settings, events: Sequence[FunnelEvent], prop: Any) -> ActorResult | None:
    """_Ordered.run for `_plain` inputs, on tuples (start ts, step times) per step."""
    n = cfg.num_steps
    strict = cfg.order == "strict"
    entered: list[tuple[float, list[float]] | None] = [None] * (n + 1)
    max_step = 0
    best: list[float] = []
    for event in events:
        entered[0] = (event.ts, [])
        top, times = _feed(entered, event, cfg.window)
        if top > max_step:
            max_step, best = top, times
        if strict:
            for i in range(1, n + 1):
                if i not in event.steps:
                    entered[i] = None
        if entered[n] is not None:
            break
    if max_step == 0:
        return None
    diffs = [b - a for a, b in zip(best, best[1:], strict=False)]
    return ActorResult(max_step - 1, prop, diffs, list(best))


def _feed(
    entered: list[tuple[float, list[float]] | None], event: FunnelEvent, window: float
) -> tuple[int, list[float]]:
    """Advance the attempts with one event (steps descending); the highest step advanced."""
    order = _DESCENDING.get(event.steps)
    if order is None:
        order = _DESCENDING[event.steps] = tuple(sorted(event.steps, reverse=True))
    ts = event.ts
    top, times = 0, []
    for step in order:
        prev = entered[step - 1]
        if prev is None or ts - prev[0] > window:
            continue
        current = entered[step]
        if current is not None and current[0] == prev[0]:
            continue
        attempt = (prev[0], [*prev[1], ts])
        entered[step] = attempt
        if not top:
            top, times = step, attempt[1]
    return top, times
