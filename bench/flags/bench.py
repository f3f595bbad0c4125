"""Benchmark /flags/?v=2 (50 mixed flags, stored person properties) and definitions 304s.

Usage (from the repo root, against a throwaway database and Redis):
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench_flags REDIS_URL=redis://127.0.0.1:6390/0 \
        .venv/bin/python bench/flags/bench.py --seconds 20 --concurrency 16
It migrates the database, seeds a project with 50 flags and 1,000 persons, starts
`gunicorn -w 2 wsgi:app`, and drives it with keep-alive HTTP clients in threads.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import threading
import time
import uuid
from typing import Any

PORT = 8765


def seed() -> tuple[str, str]:
    from alembic import command
    from alembic.config import Config

    from app import create_app
    from app.db import get_session
    from app.persons.models import Person, PersonDistinctId
    from app.tenancy import tenant_scope

    cfg = Config("alembic.ini")
    command.upgrade(cfg, "heads")
    app = create_app({"MAIL_BACKEND": "memory", "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    email = f"bench{uuid.uuid4().hex[:8]}@example.com"
    data = client.post(
        "/api/signup/",
        json={
            "email": email,
            "password": "correct-horse-battery",
            "first_name": "B",
            "organization_name": "Bench",
        },
    ).get_json()
    pid, csrf = data["project"]["id"], data["csrf_token"]
    for i in range(50):
        client.post(
            f"/api/projects/{pid}/feature_flags/", json=_flag(i), headers={"X-CSRFToken": csrf}
        )
    key = client.post(
        "/api/personal_api_keys/",
        json={"label": "b", "scopes": ["feature_flag:read"]},
        headers={"X-CSRFToken": csrf},
    ).get_json()["value"]
    with app.app_context(), tenant_scope(uuid.UUID(data["organization"]["id"]), pid):
        for i in range(1000):
            person = Person(
                properties={
                    "email": f"u{i}@{'acme' if i % 3 else 'other'}.com",
                    "plan": random.choice(["free", "pro"]),
                    "age": i % 90,
                    "app_version": f"1.{i % 10}.0",
                }
            )
            get_session().add(person)
            get_session().flush()
            get_session().add(
                PersonDistinctId(
                    distinct_id=f"user{i}", person_id=person.id, person_uuid=person.uuid
                )
            )
        get_session().commit()
        token = client.get(f"/api/projects/{pid}/").get_json()["api_token"]
    return token, key


def _flag(i: int) -> dict[str, Any]:
    kinds = [
        [],
        [{"key": "email", "operator": "icontains", "value": "acme", "type": "person"}],
        [{"key": "plan", "value": ["pro"], "type": "person"}],
        [{"key": "age", "operator": "gt", "value": 30, "type": "person"}],
        [{"key": "app_version", "operator": "semver_gte", "value": "1.5.0", "type": "person"}],
        [{"key": "email", "operator": "regex", "value": r"^u\d+@acme", "type": "person"}],
    ]
    return {
        "key": f"flag-{i}",
        "filters": {
            "groups": [{"properties": kinds[i % len(kinds)], "rollout_percentage": (i * 7) % 100}]
        },
    }


def _worker(
    kind: str, token: str, key: str, stop: float, out: list[float], codes: list[int]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    etag = ""
    while time.perf_counter() < stop:
        t0 = time.perf_counter()
        if kind == "flags":
            body = json.dumps({"token": token, "distinct_id": f"user{random.randrange(1000)}"})
            conn.request("POST", "/flags/?v=2", body, {"Content-Type": "application/json"})
        else:
            headers = {"Authorization": f"Bearer {key}"}
            if etag:
                headers["If-None-Match"] = etag
            conn.request("GET", f"/flags/definitions?token={token}&send_cohorts", headers=headers)
        resp = conn.getresponse()
        resp.read()
        etag = resp.getheader("ETag") or etag
        out.append(time.perf_counter() - t0)
        codes.append(resp.status)


def run(kind: str, token: str, key: str, seconds: float, concurrency: int) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    codes: list[list[int]] = [[] for _ in range(concurrency)]
    stop = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=_worker, args=(kind, token, key, stop, latencies[i], codes[i]))
        for i in range(concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = sorted(x for xs in latencies for x in xs) or [0.0]
    all_codes = [c for cs in codes for c in cs]
    return {
        "endpoint": kind,
        "requests": len(flat),
        "rps": round(len(flat) / seconds, 1),
        "p50_ms": round(statistics.median(flat) * 1000, 2),
        "p99_ms": round(flat[int(len(flat) * 0.99)] * 1000, 2),
        "status_counts": {str(c): all_codes.count(c) for c in sorted(set(all_codes))},
    }


def _wait_ready(limit: float = 120) -> None:
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            conn.request("GET", "/flags/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help=">1 uses gthread workers")
    args = parser.parse_args()
    token, key = seed()
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            ".venv/bin/gunicorn",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{PORT}",
            *(
                ["--worker-class", "gthread", "--threads", str(args.threads)]
                if args.threads > 1
                else []
            ),
            "wsgi:app",
            "--log-level",
            "warning",
        ],
        env=os.environ.copy(),
    )
    try:
        _wait_ready()
        run("flags", token, key, 2, 4)  # warm-up: fill each worker's definitions cache
        for kind in ("flags", "definitions"):
            print(json.dumps(run(kind, token, key, args.seconds, args.concurrency)))  # noqa: T201
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
