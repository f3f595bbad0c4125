"""Benchmark capture (`POST /batch/`, 100 realistic events per request) and the ingest worker.

Usage (from the repo root):
    .venv/bin/python bench/ingest/bench.py --seconds 15 --clients 16 --procs 2
Starts a throwaway Postgres and Redis (unless DATABASE_URL / REDIS_URL are set: use scratch
ones), migrates, signs up a project, runs `gunicorn -w 2 wsgi:app`, and drives it with
keep-alive HTTP clients (threads spread over --procs processes). Prints accepted events/s
and p50/p99 latency. Then one ingest worker (this process) drains the queue into Postgres
(persons, definitions, events) and the same rows are COPYed into an identical table, giving
the worker/COPY ratio.

`--worker-only 20000 --rls-ab 6` instead alternates the worker with and without Postgres
row-level security (6 rounds per arm, 20,000 fresh events each) and prints the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
URLS = ["/", "/pricing", "/docs/start", "/blog/post-1", "/signup", "/app/dashboard"]
BROWSERS = ["Chrome", "Firefox", "Safari", "Edge"]


def realistic_batch(token: str, users: int, rng: random.Random) -> bytes:
    """100 events shaped like posthog-js/posthog-python traffic (≈ 600 bytes each)."""
    now = datetime.now(UTC).isoformat()
    events = []
    for _ in range(100):
        user = rng.randrange(users)
        props: dict[str, Any] = {
            "$current_url": f"https://shop.example{rng.choice(URLS)}",
            "$host": "shop.example",
            "$pathname": rng.choice(URLS),
            "$browser": rng.choice(BROWSERS),
            "$browser_version": rng.randint(90, 130),
            "$os": "Mac OS X",
            "$device_type": "Desktop",
            "$screen_height": 1080,
            "$screen_width": 1920,
            "$lib": "web",
            "$lib_version": "1.449.2",
            "$session_id": f"sess-{user}-{rng.randrange(5)}",
            "$window_id": f"win-{user}",
            "$referrer": "https://www.google.com/",
            "$referring_domain": "www.google.com",
            "plan": rng.choice(["free", "pro", "team"]),
            "cart_value": round(rng.random() * 200, 2),
        }
        name = rng.choice(
            ["$pageview", "$pageview", "$pageview", "clicked_button", "added_to_cart"]
        )
        if rng.random() < 0.05:
            props["$set"] = {"plan": props["plan"], "email": f"user{user}@example.com"}
        events.append(
            {
                "event": name,
                "distinct_id": f"user-{user}",
                # "deadbeef" is replaced per request, so every request carries fresh uuids.
                "uuid": "deadbeef" + str(uuid.uuid4())[8:],
                "timestamp": now,
                "properties": props,
            }
        )
    return json.dumps({"api_key": token, "batch": events, "sent_at": now}).encode()


def _client_proc(port: int, token: str, threads: int, seconds: float, out: Any) -> None:
    lat: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def loop(seed: int) -> None:
        rng = random.Random(seed)
        bodies = [realistic_batch(token, 5000, rng) for _ in range(20)]
        tag = (seed % 4096) << 20
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        i = 0
        while time.monotonic() < stop:
            start = time.perf_counter()
            body = bodies[i % 20].replace(b"deadbeef", b"%08x" % (tag + i))
            conn.request("POST", "/batch/", body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - start)
            if resp.status != 200:
                with lock:
                    errors[0] += 1
            i += 1
        with lock:
            lat.extend(mine)

    workers = [threading.Thread(target=loop, args=(os.getpid() * 100 + t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((lat, errors[0]))


@contextlib.contextmanager
def servers() -> Iterator[tuple[str, str]]:
    from tests import servers as srv

    with contextlib.ExitStack() as stack:
        db = os.environ.get("DATABASE_URL")
        if not db:
            pg = stack.enter_context(srv.postgres_server())
            db, _ = srv.create_database(pg)
        redis = os.environ.get("REDIS_URL") or stack.enter_context(srv.redis_server())
        yield db, redis


def setup(db: str, redis: str, args: argparse.Namespace) -> tuple[Any, str, int]:
    from alembic import command
    from alembic.config import Config

    from app import create_app

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = db
    command.upgrade(cfg, "heads")
    app = create_app(
        {
            "DATABASE_URL": db,
            "REDIS_URL": redis,
            "MAIL_BACKEND": "memory",
            "SESSION_COOKIE_SECURE": False,
            "TELEMETRY_ENABLED": False,
            "INGESTION_QUEUE_BATCH": args.chunk_events,
        }
    )
    client = app.test_client()
    data = client.post(
        "/api/signup/",
        json={
            "email": f"bench{uuid.uuid4().hex[:6]}@example.com",
            "password": "correct-horse-battery",
            "first_name": "B",
            "organization_name": "Bench",
        },
    ).get_json()
    pid = data["project"]["id"]
    token = client.get(f"/api/projects/{pid}/").get_json()["api_token"]
    return app, token, pid


def run_capture(args: argparse.Namespace, db: str, redis: str, token: str) -> dict[str, float]:
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "REDIS_URL": redis,
        "TELEMETRY_ENABLED": "false",
        "SECRET_KEY": "bench-secret-key-0123456789-0123456789-0123456789",
    }
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_http(args.port)
        queue: Any = multiprocessing.Queue()
        per = max(1, args.clients // args.procs)
        procs = [
            multiprocessing.Process(
                target=_client_proc, args=(args.port, token, per, args.seconds, queue)
            )
            for _ in range(args.procs)
        ]
        start = time.perf_counter()
        for p in procs:
            p.start()
        results = [queue.get() for _ in procs]
        elapsed = time.perf_counter() - start
        for p in procs:
            p.join()
    finally:
        gunicorn.terminate()
        gunicorn.wait(20)
    lat = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    accepted = (len(lat) - errors) * 100
    return {
        "requests": len(lat),
        "errors": errors,
        "events": accepted,
        "events_per_s": accepted / elapsed,
        "p50_ms": statistics.median(lat) * 1000,
        "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000,
    }


def _wait_http(port: int) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/_health")
            conn.getresponse().read()
            return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def run_worker(app: Any, pid: int) -> dict[str, float]:
    from sqlalchemy import func, select

    from app.db import get_session
    from app.events.models import Event
    from app.ingestion.consumer import drain
    from app.tenancy import unscoped

    with app.app_context():
        start = time.perf_counter()
        chunk = app.config["BURROW"].INGESTION_QUEUE_BATCH
        stored = drain(app.extensions["redis"], chunk_events=chunk, max_seconds=3600)
        elapsed = time.perf_counter() - start
        with unscoped():
            total = get_session().scalar(select(func.count()).select_from(Event))
    return {
        "stored": stored,
        "total_rows": total or 0,
        "seconds": elapsed,
        "events_per_s": stored / elapsed if elapsed else 0.0,
    }


def run_copy(db: str) -> dict[str, float]:
    import psycopg

    cols = (
        "uuid, event, distinct_id, person_id, timestamp, created_at, properties, "
        "elements_chain, group0, group1, group2, group3, group4, person_mode, project_id"
    )
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS events_copy_bench")
        conn.execute("CREATE TABLE events_copy_bench (LIKE events INCLUDING ALL)")
        # The same rows as the worker stored, with properties as the JSON text it sent.
        text_cols = cols.replace("properties", "properties::text")
        rows = conn.execute(f"SELECT {text_cols} FROM events").fetchall()  # noqa: S608
        start = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                f"COPY events_copy_bench ({cols}) FROM STDIN"  # noqa: S608
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE events_copy_bench")
    return {"rows": len(rows), "seconds": elapsed, "rows_per_s": len(rows) / elapsed}


def queue_directly(app: Any, token: str, events: int) -> None:
    """Fill the queue without HTTP (--worker-only): the messages capture would have pushed."""
    from app.ingestion import queue
    from app.ingestion.pipeline import message_for
    from app.ingestion.tokens import lookup

    rng = random.Random(7)
    with app.app_context():
        project = lookup(token)
        assert project is not None
        messages = []
        for _ in range(events // 100):
            body = json.loads(realistic_batch(token, 5000, rng))
            for event in body["batch"]:
                event["uuid"] = str(uuid.uuid4())
            message = message_for(
                project_id=project.project_id,
                organization_id=project.organization_id,
                events=body["batch"],
                sent_at=body["sent_at"],
                ip="10.0.0.1",
            )
            messages.append(queue.encode(message))
        queue.push_raw(app.extensions["redis"], messages)


def run_rls_ab(app: Any, token: str, pid: int, events: int, rounds: int) -> None:
    """Worker throughput with and without row-level security, alternating in one run.

    "off" removes the engine hook (the code path before RLS existed); "on" is the default.
    Each round queues EVENTS fresh events per arm; the order alternates between rounds.
    """
    from sqlalchemy import event

    from app.tenancy import _before_cursor_execute

    engine = app.extensions["db"].engine
    queue_directly(app, token, events)  # warm-up: creates the 5,000 persons, not counted
    run_worker(app, pid)
    rates: dict[str, list[float]] = {"on": [], "off": []}
    for i in range(rounds):
        for arm in ("on", "off") if i % 2 == 0 else ("off", "on"):
            hooked = event.contains(engine, "before_cursor_execute", _before_cursor_execute)
            if arm == "off" and hooked:
                event.remove(engine, "before_cursor_execute", _before_cursor_execute)
            if arm == "on" and not hooked:
                event.listen(engine, "before_cursor_execute", _before_cursor_execute)
            queue_directly(app, token, events)
            result = run_worker(app, pid)
            rates[arm].append(result["events_per_s"])
            print(f"round {i} rls={arm}: {result['events_per_s']:.0f} events/s")
    on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
    print(f"median events/s: rls on {on:.0f}, rls off {off:.0f}, on/off ratio {on / off:.3f}")
    # Neighbouring runs share the machine's load: the per-round ratio is the steadier figure.
    paired = [a / b for a, b in zip(rates["on"], rates["off"], strict=True)]
    print(
        f"per-round on/off ratios: median {statistics.median(paired):.3f}, "
        f"geometric mean {statistics.geometric_mean(paired):.3f}, "
        f"range {min(paired):.2f}-{max(paired):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--port", type=int, default=8777)
    parser.add_argument(
        "--chunk-events",
        type=int,
        default=4000,
        help="INGESTION_QUEUE_BATCH for the worker (events per transaction)",
    )
    parser.add_argument(
        "--worker-only",
        type=int,
        default=0,
        metavar="EVENTS",
        help="skip capture: queue EVENTS events directly, then measure the worker and COPY",
    )
    parser.add_argument(
        "--rls-ab",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="with --worker-only: alternate the worker with and without row-level security",
    )
    args = parser.parse_args()
    with servers() as (db, redis):
        app, token, pid = setup(db, redis, args)
        if args.rls_ab:
            run_rls_ab(app, token, pid, args.worker_only or 20_000, args.rls_ab)
            return
        if args.worker_only:
            queue_directly(app, token, args.worker_only)
        else:
            capture = run_capture(args, db, redis, token)
            print(f"capture: {json.dumps(capture)}")
        worker = run_worker(app, pid)
        print(f"worker:  {json.dumps(worker)}")
        copy = run_copy(db)
        print(f"copy:    {json.dumps(copy)}")
        print(f"worker/COPY ratio: {worker['events_per_s'] / copy['rows_per_s']:.3f}")


if __name__ == "__main__":
    main()
