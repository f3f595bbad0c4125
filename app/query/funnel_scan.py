"""The funnel's events pass: compact rows and lossless thinning in Postgres.

Each candidate event comes back as (actor, epoch seconds, uuid only when it shares its
timestamp with a neighbour, step bitmask[, breakdown value]). Bit j of the mask is the
j-th (slot, condition) pair; Python turns a mask into the step tuple once per distinct mask.

Thinning (ordered and strict funnels, steps and time-to-convert): inside a run of
consecutive events of one actor that all match exactly the same single step (and carry the
same breakdown value, at distinct timestamps), only the first and the last event can
change the state machine in app.query.funnel_steps: a run of step-1 events restarts the
attempt at every event (the last one wins; the first one may set the actor's best
attempt), and after the first event of a run of step-k events the later ones find their
attempt already at step k (or out of the window, which only grows). The middle events are
dropped in SQL ("runs"). Without exclusions and step / all-events attribution the best
attempt can only be set by the actor's first step-1 event, so step-1 runs keep just their
last event (plus that first one) and later-step runs just their first ("ends").
Unordered funnels and conversion trends (per-entry-bucket starts) keep every event.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from app.query.actor_scan import Scan, no_jit
from app.query.funnel_breakdown import Breakdown
from app.query.funnel_steps import FunnelEvent
from app.query.sql import execute

Actors = list[tuple[list[FunnelEvent], list[Any]]]


def actor_events(
    scan: Scan, conditions: Sequence[tuple[int, str]], breakdown: Breakdown, *, thin: str
) -> Actors:
    """Per actor (ordered by actor): its events and the breakdown values it runs for."""
    no_jit()
    mask = " + ".join(
        f"(CASE WHEN {cond} THEN {1 << j} ELSE 0 END)" for j, (_, cond) in enumerate(conditions)
    )
    scan.columns.append(f"({mask}) AS m")
    breakdown.add_column(scan)
    if breakdown.column:
        scan.columns[-1] = f"{scan.columns[-1]} AS bd"
    rows: Sequence[Any] = execute(_sql(scan, conditions, thin, breakdown.column), scan.params)
    slots = [slot for slot, _ in conditions]
    steps_of: dict[int, tuple[int, ...]] = {}
    value_of = breakdown.value_of
    out: Actors = []
    for actor, group in groupby(rows, key=lambda r: r[0]):
        events = []
        for row in group:
            m = row[3]
            steps = steps_of.get(m)
            if steps is None:
                steps = steps_of[m] = tuple(s for j, s in enumerate(slots) if m >> j & 1)
            value = value_of(row[4]) if breakdown.column else ""
            events.append(FunnelEvent(row[1], row[2] or "", value, steps))
        out.append((events, breakdown.values_for(actor, events)))
    return out


def _sql(scan: Scan, conditions: Sequence[tuple[int, str]], thin: str, with_bd: bool) -> str:
    inner = scan.sql(order=False)
    bd = ", s.bd" if with_bd else ""
    window = "WINDOW o AS (PARTITION BY s.actor ORDER BY s.ts, s.uid)"
    neighbours = "lag(s.ts) OVER o AS pt, lead(s.ts) OVER o AS nt"
    keep = "TRUE"
    if thin != "none":
        neighbours += ", lag(s.m) OVER o AS pm, lead(s.m) OVER o AS nm"
        if with_bd:
            neighbours += ", lag(s.bd) OVER o AS pbd, lead(s.bd) OVER o AS nbd"
        keep = f"NOT COALESCE({_droppable(conditions, thin, with_bd)}, FALSE)"
        if thin == "ends":
            neighbours += ", sum(s.m & 1) OVER (o ROWS UNBOUNDED PRECEDING) AS c1"
    return (
        f"SELECT w.actor, CAST(extract(epoch FROM w.ts) AS float8), "
        f"CASE WHEN w.ts = w.pt OR w.ts = w.nt THEN CAST(w.uid AS text) END, w.m"
        f"{', w.bd' if with_bd else ''} "
        f"FROM (SELECT s.actor, s.ts, s.uid, s.m{bd}, {neighbours} FROM ({inner}) s {window}) w "
        f"WHERE {keep} ORDER BY w.actor, w.ts, w.uid"
    )


def _droppable(conditions: Sequence[tuple[int, str]], thin: str, with_bd: bool) -> str:
    """SQL condition for an event the state machine provably ignores (see module doc)."""
    singles = ", ".join(str(1 << j) for j, (slot, _) in enumerate(conditions) if slot > 0)
    alone = "w.ts <> w.pt AND w.ts <> w.nt"  # no neighbour at the same instant
    prev_same = "w.m = w.pm" + (" AND w.bd IS NOT DISTINCT FROM w.pbd" if with_bd else "")
    next_same = "w.m = w.nm" + (" AND w.bd IS NOT DISTINCT FROM w.nbd" if with_bd else "")
    if thin == "runs":
        return f"(w.m IN ({singles}) AND {alone} AND {prev_same} AND {next_same})"
    # "ends": step-1 runs keep their last event (and the actor's first step-1 event),
    # later-step runs their first event.
    later = ", ".join(str(1 << j) for j, (slot, _) in enumerate(conditions) if slot > 1)
    first_step = f"(w.m = 1 AND {next_same} AND w.c1 > 1)"
    later_step = f"(w.m IN ({later}) AND {prev_same})" if later else "FALSE"
    return f"({alone} AND ({first_step} OR {later_step}))"
