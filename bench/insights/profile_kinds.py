"""Time (and optionally profile) one insight runner in-process against a loaded bench DB.

    .venv/bin/python bench/insights/profile_kinds.py DATABASE_URL "funnel 3 steps" [--profile]

Runs the runner directly (no API, no worker) in an app context and the tenant scope of the
project holding the bench events; prints the wall time of each of 3 runs.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from datetime import UTC, datetime

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench import NOW, QUERIES  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("name")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    from app.query.context import project_context
    from app.query.registry import RUNNERS
    from app.tenancy import tenant_scope, unscoped
    from tests.conftest import make_app

    app = make_app(args.url, None)
    query = dict(QUERIES[args.name])
    query["dateRange"] = {"date_from": "2026-10-02", "date_to": NOW.date().isoformat()}
    with app.app_context():
        from app.query.sql import execute

        with unscoped():
            row = execute("SELECT project_id FROM events LIMIT 1", {})[0]
            org = execute("SELECT organization_id FROM projects WHERE id = :p", {"p": row[0]})
        with tenant_scope(org[0][0], int(row[0])):
            ctx = project_context(int(row[0]), now=datetime.now(UTC))
            runner = RUNNERS[query["kind"]]
            for _ in range(3):
                start = time.perf_counter()
                if args.profile:
                    prof = cProfile.Profile()
                    prof.runcall(runner, query, ctx)
                    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
                else:
                    runner(query, ctx)
                sys.stderr.write(f"{args.name}: {time.perf_counter() - start:.2f}s\n")


if __name__ == "__main__":
    main()
