"""`make bench`: every benchmark in turn, each against throwaway Postgres and Redis servers.

Servers come from tests/servers.py (the same code the test suite uses): DATABASE_URL and
REDIS_URL name existing servers instead. Each benchmark prints its own figures; copy them
into bench/RESULTS.md with the command line and the machine description.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import servers  # noqa: E402

BENCHES = {
    "ingest": ["bench/ingest/bench.py", "--seconds", "15"],
    "insights": ["bench/insights/bench.py", "--events", "1000000"],
    "flags": ["bench/flags/bench.py", "--seconds", "15"],
}


def main(names: list[str]) -> int:
    chosen = names or list(BENCHES)
    failed = 0
    with servers.postgres_server() as pg, servers.redis_server() as redis_url:
        for name in chosen:
            url, db = servers.create_database(pg)
            env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url}
            env["PYTHONPATH"] = str(ROOT)
            print(f"== bench {name}: {' '.join(BENCHES[name])}", flush=True)
            done = subprocess.run([sys.executable, *BENCHES[name]], cwd=ROOT, env=env, check=False)
            failed += done.returncode != 0
            servers.drop_database(pg, db)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
