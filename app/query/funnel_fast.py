"""Ordered funnels: each actor's furthest step computed in Postgres (the common shape).

For an ordered funnel (steps visualisation, no exclusions, no breakdown, no attribution)
the state machine in app.query.funnel_steps, fed an actor's events at distinct instants,
reduces to one window pass per step over the actor's events in time order. An attempt is
the chain of times [t1, ..., tk] of the steps it reached; reach_k marks the events at
which some attempt reached step k (the machine's `entered[k]` being set):

- every step-1 event starts an attempt: it is a reach_1 with the chain [t];
- a step-k event at time x (k >= 2) advances the latest attempt that reached step k-1
  before x (the machine's `entered[k-1]`) when x - t1 <= window and no step-k event lies
  strictly between that attempt's step k-1 and x (such an event either advanced the same
  attempt already, or was out of its window, so x is too). Frames end one row before the
  current one: an event matching several steps only advances attempts of earlier events
  (the machine walks an event's steps in descending order).
- reach_k events come with strictly later attempts over time (a later reach_k needs a later
  reach_(k-1)), so every element of their chains only grows: the latest reach_(k-1)
  chain before x is the element-wise running max, and the first reach_k chain the
  element-wise min, all plain float8 window and group aggregates.
- the actor's result is the first attempt to reach the highest step reached.

Times are epoch seconds as float8 (`date_part('epoch', …)` rounds exactly like the
CAST(extract(…) AS float8) of the Python path) and the window test is the same float8
subtraction the machine does. Actors with two candidate events at one instant (the
machine's simultaneous-events rule applies) are returned apart: the caller runs them
through the state machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from app.db import get_session
from app.query.actor_scan import Scan, no_jit
from app.query.funnel_steps import ActorResult, Settings
from app.query.sql import execute


def eligible(cfg: Settings, scan: Scan, *, viz: str, breakdown: bool, exclusions: bool) -> bool:
    """Whether `furthest_steps` gives the state machine's answer for this funnel."""
    return (
        scan.params.pg
        and viz == "steps"
        and cfg.order == "ordered"
        and not breakdown
        and not exclusions
        and cfg.attribution_step is None
        and not cfg.all_events
        and cfg.starts_allowed is None
    )


def furthest_steps(
    scan: Scan, cfg: Settings, conditions: Sequence[str]
) -> tuple[list[ActorResult], list[Any]]:
    """ActorResults (breakdown value "") of the actors that entered the funnel, and the
    actors left to the state machine (events at one instant). Actors that stopped at step 1
    share one result without times (step_results needs only the step and the timings)."""
    no_jit()
    # For the rest of this transaction (this statement, then the tied actors' rescan):
    # let Postgres sort in parallel workers and merge (Gather Merge): the default transfer
    # cost per row (0.1) rules it out for these narrow rows, and the sort is a third of the
    # statement (1.64 s -> 1.39 s on 1M events, 2 cores; bench/RESULTS.md).
    get_session().execute(text("SET LOCAL parallel_tuple_cost = 0.01"))
    n = len(conditions)
    mask = " + ".join(
        f"(CASE WHEN {cond} THEN {1 << j} ELSE 0 END)" for j, cond in enumerate(conditions)
    )
    scan.columns.append(f"({mask}) AS m")
    rows: Sequence[Any] = execute(
        _sql(scan.sql(order=False), n, scan.bind(float(cfg.window))), scan.params
    )
    out: list[ActorResult] = []
    tied: list[Any] = []
    for row in rows:
        if row[1]:
            tied.append(row[0])
            continue
        k = row[2]
        if k == 1:  # the actors that stopped at step 1, as one count (no times carried)
            out += [ActorResult(0, "", [], [])] * row[-1]
            continue
        # the chain c1..cn, then its differences d1..d(n-1) (float8, as Python subtracts)
        out.append(ActorResult(k - 1, "", list(row[3 + n : 2 + n + k]), list(row[3 : 3 + k])))
    return out, tied


def _e(k: int, j: int) -> str:
    """Element j of the chain of the attempt reaching step k at this event (else NULL)."""
    return f"e{k}_{j}"


def _sql(inner: str, n: int, window: str) -> str:
    carried = ["actor", "ts", "t", "m"]
    sql = (
        f"SELECT s.actor, s.ts, s.m, date_part('epoch', s.ts) AS t, "
        f"CASE WHEN (s.m & 1) <> 0 THEN date_part('epoch', s.ts) END AS {_e(1, 1)} "
        f"FROM ({inner}) s"
    )
    carried.append(_e(1, 1))
    frame = "(PARTITION BY actor ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    for k in range(2, n + 1):
        bit = 1 << (k - 1)
        cols = ", ".join(carried)
        aggs = [f"max({_e(k - 1, j)}) OVER w AS p{j}" for j in range(1, k)]
        aggs.append(f"max(CASE WHEN (m & {bit}) <> 0 THEN t END) OVER w AS q")
        if k == 2:
            aggs.append("lag(ts) OVER w AS pts")
        reach = (
            f"(m & {bit}) <> 0 AND p1 IS NOT NULL AND t - p1 <= {window} "
            f"AND (q IS NULL OR q <= p{k - 1})"
        )
        news = [f"CASE WHEN r THEN p{j} END AS {_e(k, j)}" for j in range(1, k)]
        news.append(f"CASE WHEN r THEN t END AS {_e(k, k)}")
        pts = ", pts" if k == 2 else ""
        # After step 2 only the rows later steps or the result can use go on: events of a
        # step > 2, step-2 arrivals, the actor's first step-1 event, events at a tied instant.
        keep = " WHERE (m >> 2) <> 0 OR r OR ((m & 1) <> 0 AND p1 IS NULL) OR ts = pts"
        sql = (
            f"SELECT {cols}{pts}, {', '.join(news)} FROM ("
            f"SELECT {cols}{pts}, {', '.join(f'p{j}' for j in range(1, k))}, {reach} AS r "
            f"FROM (SELECT {cols}, {', '.join(aggs)} FROM ({sql}) l{k - 1} WINDOW w AS {frame}"
            f") w{k}) r{k}{keep if k == 2 else ''}"
        )
        if k == 2:
            carried.append("pts")
        carried += [_e(k, j) for j in range(1, k + 1)]
    firsts = ", ".join(
        f"min({_e(k, j)}) AS f{k}_{j}" for k in range(1, n + 1) for j in range(1, k + 1)
    )
    tie = "COALESCE(bool_or(ts = pts), FALSE)" if n >= 2 else "FALSE"
    grouped = f"SELECT actor, {tie} AS tie, {firsts} FROM ({sql}) z GROUP BY actor"
    # Per actor only what the result needs: the highest step reached and the chain of the
    # first attempt to reach it (element j of that chain is the first non-null f{k}_{j} from
    # the top step down, as higher steps than the one reached are NULL). The actor itself
    # only for tied ones; actors without a step-1 event never entered and are left out.
    top = " ".join(f"WHEN f{k}_1 IS NOT NULL THEN {k}" for k in range(n, 1, -1))
    step = f"CASE {top} ELSE 1 END" if n > 1 else "1"
    chain = ", ".join(
        f"COALESCE({', '.join(f'f{k}_{j}' for k in range(n, j - 1, -1))}) AS c{j}"
        for j in range(1, n + 1)
    )
    diffs = "".join(f", c{j + 1} - c{j}" for j in range(1, n))
    chain_cols = ", ".join(f"c{j}" for j in range(1, n + 1))
    nulls = ", NULL" * (2 * n - 1)
    # Actors that stopped at step 1 (most of them) only add to a count: one row for all.
    return (
        f"WITH c AS MATERIALIZED (SELECT CASE WHEN tie THEN actor END AS a, tie, {step} AS k, "
        f"{chain} FROM ({grouped}) g WHERE tie OR f1_1 IS NOT NULL) "
        f"SELECT a, tie, k, {chain_cols}{diffs}, 1 FROM c WHERE tie OR k > 1 "
        f"UNION ALL SELECT NULL, FALSE, 1{nulls}, count(*) FROM c WHERE NOT tie AND k = 1"
    )
