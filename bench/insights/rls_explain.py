"""Do insight queries keep their plans (and speed) under Postgres row-level security?

Usage (from the repo root; a Postgres server URL without a database name):
    .venv/bin/python bench/insights/rls_explain.py \
        --server postgresql://postgres@127.0.0.1:5432/postgres --events 300000 --persons 20000

Creates a throwaway database, loads the bench data set (bench/insights/bench.py) into the
project of organization A, copies it into the project of organization B (so the policy has
another tenant's rows to remove), ANALYZEs, and runs each insight once inside a tenant scope
to capture the SQL the engine sends. Every captured statement is then EXPLAINed as the
connecting role (no RLS, the code path before migration 0014) and as `burrow_tenant` with
the scope settings, and the plan shapes are compared with the RLS predicate lines removed.
Finally each insight runs end to end (run_query in the tenant scope) with and without the
RLS hook, alternately, median of --repeat.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import event, text  # noqa: E402

from app.query.sql import WORK_MEM  # noqa: E402
from bench import NOW, QUERIES, load  # noqa: E402 - bench/insights/bench.py
from tests import servers  # noqa: E402

SETTINGS = f"SET LOCAL jit = off; SET LOCAL work_mem = '{WORK_MEM}'"  # as app/query/sql.py
CLONE = """
INSERT INTO persons (uuid, properties, properties_last_updated_at, is_identified, created_at,
                     version, project_id)
  SELECT uuid, properties, properties_last_updated_at, is_identified, created_at, version, :b
  FROM persons WHERE project_id = :a;
INSERT INTO events (uuid, event, distinct_id, person_id, timestamp, created_at, properties,
                    elements_chain, group0, group1, group2, group3, group4, person_mode,
                    project_id)
  SELECT gen_random_uuid(), event, distinct_id, person_id, timestamp, created_at, properties,
         elements_chain, group0, group1, group2, group3, group4, person_mode, :b
  FROM events WHERE project_id = :a;
"""


def _shape(plan: list[str]) -> list[str]:
    """The plan's nodes (type, relation, index) in order, without the conditions and without
    the RLS predicate's InitPlans (a `Result` computing the scope's project ids)."""
    out = []
    for line in plan:
        node = line.strip().removeprefix("->").strip()
        if ":" in node.split("(")[0] or node.startswith(("InitPlan", "SubPlan", "Result")):
            continue
        out.append(node)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url, name = servers.create_database(args.server)
    try:
        run(url, args)
    finally:
        servers.drop_database(args.server, name)


def run(url: str, args: argparse.Namespace) -> None:  # noqa: C901 - a linear script
    from alembic import command
    from alembic.config import Config

    from app.db import get_db, get_session
    from app.query.base import QueryContext
    from app.query.registry import run_query
    from app.tenancy import tenant_scope, unscoped
    from tests.conftest import make_app
    from tests.helpers import Api

    cfg = Config("alembic.ini")
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "heads")
    app = make_app(url, None)
    api = Api(app)
    a = api.signup(email=f"rls-a-{uuid.uuid4().hex[:6]}@example.com")
    b = api.signup(email=f"rls-b-{uuid.uuid4().hex[:6]}@example.com")
    load(url, a.project_id, args.events, args.persons, 30)
    with app.app_context(), unscoped():
        session = get_session()
        for stmt in CLONE.split(";"):
            if stmt.strip():
                session.execute(text(stmt), {"a": a.project_id, "b": b.project_id})
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()
    print(f"loaded {args.events:,} events per project, 2 projects in 2 organizations")

    captured: list[tuple[str, str, Any]] = []
    current = [""]

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: Any) -> None:
        if "events" in statement and not statement.startswith(("SELECT set_config", "SET ")):
            captured.append((current[0], statement, params))

    org = uuid.UUID(a.organization_id)
    with app.app_context():
        engine = get_db().engine
        event.listen(engine, "before_cursor_execute", capture)
        ctx = QueryContext(a.project_id, "UTC", 0, NOW)
        for label, query in QUERIES.items():
            current[0] = label
            with tenant_scope(org, a.project_id):
                run_query(query, ctx)
                get_session().rollback()
        event.remove(engine, "before_cursor_execute", capture)

    same = 0
    seen: dict[str, int] = {}
    for label, statement, params in captured:
        seen[label] = seen.get(label, 0) + 1
        label = f"{label} #{seen[label]}"  # noqa: PLW2901 - one row per statement
        plans: dict[str, list[str]] = {}
        for arm in ("off", "on"):
            with app.app_context():
                session = get_session()
                scope = unscoped() if arm == "off" else tenant_scope(org, a.project_id)
                with scope:
                    conn = session.connection()
                    conn.exec_driver_sql(SETTINGS)
                    rows = conn.exec_driver_sql(f"EXPLAIN (COSTS OFF) {statement}", params)
                    plans[arm] = [r[0] for r in rows]
                session.rollback()
        ok = _shape(plans["off"]) == _shape(plans["on"])
        same += ok
        print(f"\n== {label}: plan shape {'identical' if ok else 'DIFFERENT'}")
        rls_seen = any("current_setting" in line or "burrow_rls" in line for line in plans["on"])
        print(f"   (the RLS predicate {'is' if rls_seen else 'is NOT'} in the plan)")
        if not ok or label.startswith("trends DAU"):
            print("-- without RLS:\n" + "\n".join(plans["off"]))
            print("-- with RLS:\n" + "\n".join(plans["on"]))
    print(f"\n{same}/{len(captured)} captured statements keep their plan shape")
    # End to end, as a worker runs it: run_query inside the tenant scope, with the RLS hook
    # (the default) and without it (the code path before 0014), alternating.
    from app.tenancy import _before_cursor_execute

    print("\n| insight | no RLS (s) | RLS (s) | RLS / no RLS |\n|---|---|---|---|")
    with app.app_context():
        engine = get_db().engine
    for label, query in QUERIES.items():
        t: dict[str, list[float]] = {"off": [], "on": []}
        for i in range(args.repeat):
            for arm in ("off", "on") if i % 2 == 0 else ("on", "off"):
                hooked = event.contains(engine, "before_cursor_execute", _before_cursor_execute)
                if arm == "off" and hooked:
                    event.remove(engine, "before_cursor_execute", _before_cursor_execute)
                if arm == "on" and not hooked:
                    event.listen(engine, "before_cursor_execute", _before_cursor_execute)
                with app.app_context(), tenant_scope(org, a.project_id):
                    t0 = time.perf_counter()
                    run_query(query, ctx)
                    t[arm].append(time.perf_counter() - t0)
                    get_session().rollback()
        off, on = statistics.median(t["off"]), statistics.median(t["on"])
        print(f"| {label} | {off:.3f} | {on:.3f} | {on / off:.2f} |", flush=True)
    print(f"\n(at {datetime.now().isoformat(timespec='seconds')})")


if __name__ == "__main__":
    main()
