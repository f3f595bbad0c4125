"""Benchmark the insight engine end to end against hand-written SQL.

Usage (from the repo root; starts throwaway Postgres and Redis unless DATABASE_URL /
REDIS_URL point at a server without a database name / a Redis db):
    .venv/bin/python bench/insights/bench.py --events 1000000 [--persons 50000] [--days 30]
    .venv/bin/python bench/insights/bench.py --events 10000000        # the 10M variant
    # keep a loaded database between runs (on a Postgres you started yourself):
    .venv/bin/python bench/insights/bench.py --database-url postgresql://…/bench \
        [--only funnel --only retention] [--repeat 3]

It creates a database, migrates it, signs up one account, loads N events over ~50k persons
and 30 days with COPY, ANALYZEs, starts `python -m workers insights` as a subprocess and
then, per insight, times: the same question as hand-written SQL (one warm-up run, then the
median of 3), the API call without a result cache (POST refresh=force_async, poll the status
every 20 ms until 200; median of 3, each a fresh calculation in the insights worker, which
runs jobs in its own process; `WORKER_FORK=1` measures RQ's forking worker instead),
and a cached POST (median of 20).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

sys.path.insert(0, os.getcwd())

import psycopg  # noqa: E402

from app.query.sql import WORK_MEM  # noqa: E402
from tests import servers  # noqa: E402

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=30)
BROWSERS = ["Chrome", "Chrome", "Chrome", "Safari", "Safari", "Firefox", "Edge", None]
URLS = ["/", "/pricing", "/docs", "/blog", "/signup", "/app", "/app/settings", "/about"]
EVENTS = [("$pageview", 60), ("$pageleave", 15), ("$autocapture", 12), ("signup", 6),
          ("purchase", 7)]  # fmt: skip


def _weights() -> tuple[list[str], list[int]]:
    return [e for e, _ in EVENTS], [w for _, w in EVENTS]


def load(url: str, project_id: int, n_events: int, n_persons: int, days: int) -> None:
    """Persons, distinct ids, overrides and events via COPY (deterministic seed).

    Shaped like ingestion leaves it: every event stores the person its distinct id had when
    it was ingested. 30 % of persons started anonymous (distinct id `a<i>`, their own
    person) and identified as `p<i>` at a random moment, 5 % of them from two devices
    (`a<i>` and `b<i>`): events before that moment carry the anonymous person's uuid, the
    anonymous persons are gone, their distinct ids map to the identified person and
    `person_overrides` points each anonymous uuid at it (what a merge writes).
    """
    rng = random.Random(42)
    person_rows, pdi_rows, override_rows = io.StringIO(), io.StringIO(), io.StringIO()
    uuids: list[uuid.UUID] = []
    # person index -> (merge moment as seconds into the range, [(distinct id, uuid)])
    anon: dict[int, tuple[float, list[tuple[str, uuid.UUID]]]] = {}
    span = days * 86400
    pdi_id = 0
    for i in range(1, n_persons + 1):
        pu = uuid.UUID(int=rng.getrandbits(128))
        uuids.append(pu)
        props = json.dumps({"plan": rng.choice(["free", "pro", "team"]), "email": f"u{i}@x.com"})
        created = (START - timedelta(days=rng.randint(0, 60))).isoformat()
        person_rows.write(f"{i}\t{pu}\t{props}\t{{}}\tt\t{created}\t1\t{project_id}\n")
        pdi_id += 1
        pdi_rows.write(f"{pdi_id}\tp{i}\t{i}\t{pu}\t0\t{project_id}\n")
        if rng.random() < 0.3:
            devices = ["a", "b"] if rng.random() < 0.05 / 0.3 else ["a"]
            ids = [(f"{d}{i}", uuid.UUID(int=rng.getrandbits(128))) for d in devices]
            anon[i - 1] = (rng.random() * span, ids)
            for did, au in ids:
                pdi_id += 1
                pdi_rows.write(f"{pdi_id}\t{did}\t{i}\t{pu}\t1\t{project_id}\n")
                override_rows.write(f"{au}\t{pu}\t{NOW.isoformat()}\t{project_id}\n")
    names, weights = _weights()
    # A skewed activity distribution: some persons are much more active than others.
    activity = [rng.paretovariate(1.2) for _ in range(n_persons)]
    chosen = rng.choices(range(n_persons), weights=activity, k=n_events)
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        _copy(
            cur,
            "persons (id, uuid, properties, properties_last_updated_at, is_identified,"
            " created_at, version, project_id)",
            person_rows.getvalue(),
        )
        _copy(
            cur,
            "person_distinct_ids (id, distinct_id, person_id, person_uuid, version, project_id)",
            pdi_rows.getvalue(),
        )
        _copy(
            cur,
            "person_overrides (old_person_uuid, override_person_uuid, created_at, project_id)",
            override_rows.getvalue(),
        )
        for start in range(0, n_events, 200_000):
            buf = io.StringIO()
            for k in range(start, min(start + 200_000, n_events)):
                p = chosen[k]
                event = rng.choices(names, weights)[0]
                offset = rng.random() * span
                ts = (START + timedelta(seconds=offset)).isoformat()
                props: dict[str, Any] = {
                    "$browser": rng.choice(BROWSERS),
                    "$current_url": "https://ex.com" + rng.choice(URLS),
                    "$os": rng.choice(["Mac OS X", "Windows", "iOS"]),
                }
                if event == "purchase":
                    props["price"] = round(rng.uniform(5, 500), 2)
                did, pu = f"p{p + 1}", uuids[p]
                if p in anon and offset < anon[p][0]:
                    ids = anon[p][1]
                    did, pu = ids[0] if len(ids) == 1 else rng.choice(ids)
                buf.write(
                    f"{uuid.UUID(int=rng.getrandbits(128))}\t{event}\t{did}\t{pu}\t"
                    f"{ts}\t{ts}\t{json.dumps(props)}\t\t\t\t\t\t\tfull\t{project_id}\n"
                )
            _copy(
                cur,
                "events (uuid, event, distinct_id, person_id, timestamp, created_at,"
                " properties, elements_chain, group0, group1, group2, group3, group4,"
                " person_mode, project_id)",
                buf.getvalue(),
            )
        cur.execute("SELECT setval(pg_get_serial_sequence('persons','id'), max(id)) FROM persons")
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('person_distinct_ids','id'), "
            "max(id)) FROM person_distinct_ids"
        )
        # What autovacuum does to an insert-only table soon after a load (PG 13+): statistics
        # and the visibility map (index-only scans).
        cur.execute("VACUUM ANALYZE")


def _copy(cur: Any, table: str, data: str) -> None:
    with cur.copy(f"COPY {table} FROM STDIN") as copy:
        copy.write(data)


RANGE = {"date_from": "-30d"}
# A day without events: the API figure is the job round trip alone (enqueue, worker, cache,
# status, polling), next to the same DAU statement by hand.
EMPTY_DAY = {"date_from": "2020-01-01", "date_to": "2020-01-01"}
QUERIES: dict[str, dict[str, Any]] = {
    "round trip (empty day DAU)": {"kind": "TrendsQuery", "dateRange": EMPTY_DAY,
                                   "series": [{"event": "$pageview", "math": "dau"}]},
    "trends DAU 30d": {"kind": "TrendsQuery", "dateRange": RANGE,
                       "series": [{"event": "$pageview", "math": "dau"}]},
    "trends total by $browser": {"kind": "TrendsQuery", "dateRange": RANGE,
                                 "series": [{"event": "$pageview"}],
                                 "breakdownFilter": {"breakdown": "$browser"}},
    "trends WAU 30d": {"kind": "TrendsQuery", "dateRange": RANGE,
                       "series": [{"event": "$pageview", "math": "weekly_active"}]},
    "funnel 3 steps": {"kind": "FunnelsQuery", "dateRange": RANGE,
                       "series": [{"event": "$pageview"}, {"event": "signup"},
                                  {"event": "purchase"}]},
    "retention 30x30": {"kind": "RetentionQuery", "dateRange": RANGE,
                        "retentionFilter": {"totalIntervals": 30, "period": "Day",
                                            "targetEntity": {"id": "$pageview", "type": "events"},
                                            "returningEntity": {"id": "$pageview",
                                                                "type": "events"}}},
    "stickiness 30d": {"kind": "StickinessQuery", "dateRange": RANGE,
                       "series": [{"event": "$pageview"}]},
    "lifecycle 30d": {"kind": "LifecycleQuery", "dateRange": RANGE,
                      "series": [{"event": "$pageview"}]},
    "paths 30d": {"kind": "PathsQuery", "dateRange": RANGE,
                  "pathsFilter": {"includeEventTypes": ["$pageview"]}},
}  # fmt: skip

# The storage shape the engine reads: the person stored on the event, followed through the
# (small) person_overrides table for persons merged away since.
_BASE = (
    "FROM events e LEFT JOIN person_overrides po ON po.project_id = e.project_id "
    "AND po.old_person_uuid = e.person_id WHERE e.project_id = %(p)s AND e.timestamp >= %(f)s "
    "AND e.timestamp <= %(t)s"
)
ACTOR = "COALESCE(po.override_person_uuid, e.person_id)"
HAND_SQL: dict[str, str] = {
    "round trip (empty day DAU)": f"SELECT date_trunc('day', e.timestamp AT TIME ZONE 'UTC'), "
    f"count(DISTINCT {ACTOR}) {_BASE.replace('%(f)s', '%(ef)s').replace('%(t)s', '%(et)s')} "
    "AND e.event = '$pageview' GROUP BY 1",
    "trends DAU 30d": f"SELECT date_trunc('day', e.timestamp AT TIME ZONE 'UTC'), "
    f"count(DISTINCT {ACTOR}) {_BASE} AND e.event = '$pageview' GROUP BY 1",
    "trends total by $browser": "SELECT date_trunc('day', e.timestamp AT TIME ZONE 'UTC'), "
    "e.properties->>'$browser', count(*) FROM events e WHERE e.project_id = %(p)s "
    "AND e.timestamp >= %(f)s AND e.timestamp <= %(t)s AND e.event = '$pageview' GROUP BY 1, 2",
    "trends WAU 30d": "WITH d AS (SELECT DISTINCT date_trunc('day', e.timestamp AT TIME ZONE "
    f"'UTC') AS day, {ACTOR} AS a {_BASE.replace('%(f)s', '%(f7)s')} AND e.event = '$pageview'), "
    "b AS (SELECT generate_series(%(fd)s::timestamp, %(td)s::timestamp, interval '1 day') AS s) "
    "SELECT b.s, count(DISTINCT d.a) FROM b JOIN d ON d.day > b.s - interval '7 days' "
    "AND d.day <= b.s GROUP BY 1",
    # A simplified first-attempt funnel: each actor's first pageview, the first signup within
    # 14 days after it, then any purchase after that signup within the same 14 days.
    "funnel 3 steps": "WITH ev AS MATERIALIZED (SELECT " + ACTOR + " AS a, e.event, "
    "e.timestamp AS ts " + _BASE + " AND e.event IN ('$pageview', 'signup', 'purchase')), "
    "s AS (SELECT a, min(ts) FILTER (WHERE event = '$pageview') AS t1 FROM ev GROUP BY 1), "
    "s2 AS (SELECT s.a, s.t1, min(ev.ts) AS t2 FROM s JOIN ev ON ev.a = s.a "
    "AND ev.event = 'signup' AND ev.ts >= s.t1 AND ev.ts <= s.t1 + interval '14 days' "
    "GROUP BY 1, 2), s3 AS (SELECT DISTINCT s2.a FROM s2 JOIN ev ON ev.a = s2.a "
    "AND ev.event = 'purchase' AND ev.ts >= s2.t2 AND ev.ts <= s2.t1 + interval '14 days') "
    "SELECT (SELECT count(*) FROM s WHERE t1 IS NOT NULL), (SELECT count(*) FROM s2), "
    "(SELECT count(*) FROM s3)",
    "retention 30x30": "WITH d AS (SELECT DISTINCT " + ACTOR + " AS a, date_trunc('day', "
    "e.timestamp AT TIME ZONE 'UTC') AS day " + _BASE + " AND e.event = '$pageview'), "
    "f AS (SELECT a, min(day) AS c FROM d GROUP BY 1) SELECT f.c, d.day - f.c, count(*) FROM f "
    "JOIN d ON d.a = f.a GROUP BY 1, 2",
    "stickiness 30d": "SELECT n, count(*) FROM (SELECT " + ACTOR + ", count(DISTINCT "
    "date_trunc('day', e.timestamp AT TIME ZONE 'UTC')) AS n " + _BASE + " AND e.event = "
    "'$pageview' GROUP BY 1) x GROUP BY 1",
}


def timed(fn: Any, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:  # noqa: C901 - a linear script
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument(
        "--database-url",
        help="use this database; when it already holds events (an earlier run with the same "
        "URL), skip migrating and loading and reuse them",
    )
    parser.add_argument("--only", action="append", help="run only insights containing this")
    parser.add_argument("--repeat", type=int, default=3, help="cold runs per insight")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        redis_url = stack.enter_context(servers.redis_server())
        url = args.database_url
        if url is None:
            server = stack.enter_context(servers.postgres_server())
            url, _name = servers.create_database(server)
        run(url, redis_url, args)


def _loaded_project(url: str) -> int | None:
    with psycopg.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('events')").fetchone()
        if exists is None or exists[0] is None:
            return None
        row = conn.execute("SELECT project_id FROM events LIMIT 1").fetchone()
        return int(row[0]) if row else None


def _adopt(url: str, project_id: int, organization_id: str) -> None:
    """Move the loaded project into the new account's organization (reuse mode)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE projects SET organization_id = %s WHERE id = %s",
            (organization_id, project_id),
        )


def run(url: str, redis_url: str, args: argparse.Namespace) -> None:
    from alembic import command
    from alembic.config import Config

    loaded = _loaded_project(url)
    if loaded is None:
        cfg = Config("alembic.ini")
        cfg.attributes["url"] = url
        cfg.attributes["configure_logger"] = False
        command.upgrade(cfg, "heads")
    from tests.conftest import make_app
    from tests.helpers import Api

    app = make_app(url, redis_url)
    api = Api(app)
    acct = api.signup(email=f"bench{uuid.uuid4().hex[:8]}@example.com")
    pid = acct.project_id
    if loaded is not None:
        _adopt(url, loaded, acct.organization_id)
        acct.project_id = pid = loaded
        print(f"reusing the events already loaded in project {pid}", flush=True)
    else:
        t0 = time.perf_counter()
        load(url, pid, args.events, args.persons, args.days)
        print(
            f"loaded {args.events:,} events / {args.persons:,} persons in "
            f"{time.perf_counter() - t0:.1f}s",
            flush=True,
        )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers", "insights"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        print(f"load average: {os.getloadavg()}", flush=True)
        report(api, acct, url, pid, args)
        print(f"load average: {os.getloadavg()}", flush=True)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def api_cold(api: Any, acct: Any, pid: int, query: dict[str, Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    resp = api.post(
        acct, f"/api/projects/{pid}/query/", json={"query": query, "refresh": "force_async"}
    )
    if resp.status_code != 202:
        return time.perf_counter() - start, resp.json
    qid = resp.json["query_status"]["id"]
    while True:
        polled = api.get(acct, f"/api/projects/{pid}/query/{qid}/")
        if polled.status_code != 202:
            return time.perf_counter() - start, polled.json
        time.sleep(0.02)


def report(api: Any, acct: Any, url: str, pid: int, args: argparse.Namespace) -> None:
    end = NOW.replace(hour=23, minute=59, second=59)
    frm = (NOW - timedelta(days=30)).replace(hour=0, minute=0, second=0)
    params = {
        "p": pid,
        "f": frm,
        "t": end,
        "f7": frm - timedelta(days=7),
        "fd": frm.replace(tzinfo=None),
        "td": end.replace(tzinfo=None),
        "ef": datetime(2020, 1, 1, tzinfo=UTC),
        "et": datetime(2020, 1, 1, 23, 59, 59, tzinfo=UTC),
    }
    # "now" for the API is the real clock; pin the data's window with absolute dates instead.
    absolute = {"date_from": frm.date().isoformat(), "date_to": NOW.date().isoformat()}
    print(f"{'insight':28} {'API cold':>9} {'hand SQL':>9} {'ratio':>6} {'cached':>8}")
    with psycopg.connect(url) as conn:
        conn.execute(f"SET work_mem = '{WORK_MEM}'")  # the engine's per-query settings
        conn.execute("SET jit = off")
        for name, query in QUERIES.items():
            if args.only and not any(part in name for part in args.only):
                continue
            if query["dateRange"] is RANGE:
                query = {**query, "dateRange": absolute}
            hand = None
            if name in HAND_SQL:
                sql = HAND_SQL[name]
                conn.execute(sql, params).fetchall()  # warm the buffers for both sides
                hand = timed(lambda sql=sql: conn.execute(sql, params).fetchall(), repeat=3)
            runs = [api_cold(api, acct, pid, query) for _ in range(args.repeat)]
            cold, body = statistics.median(r[0] for r in runs), runs[-1][1]
            ok = isinstance(body, dict) and "query_status" in body
            cached = timed(
                lambda q=query: api.post(acct, f"/api/projects/{pid}/query/", json={"query": q}),
                repeat=20,
            )
            ratio = f"{cold / hand:.2f}" if hand else "-"
            hand_s = f"{hand * 1000:.0f}ms" if hand else "-"
            status = "" if ok else f"  (error: {str(body)[:80]})"
            print(
                f"{name:28} {cold * 1000:7.0f}ms {hand_s:>9} {ratio:>6} "
                f"{cached * 1000:6.1f}ms{status}",
                flush=True,
            )


if __name__ == "__main__":
    main()
