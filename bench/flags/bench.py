"""Benchmark /flags/?v=2 (50 mixed flags, stored person properties) and definitions 304s.

Usage (from the repo root, against a throwaway database and Redis):
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench_flags REDIS_URL=redis://127.0.0.1:6390/0 \
        .venv/bin/python bench/flags/bench.py --seconds 15 --client both
It migrates the database, seeds a project with 50 flags and 1,000 persons, starts gunicorn
(`--workers`, `--threads`: >1 means gthread workers) and drives it with keep-alive clients:

- `--client wrk` (default when `wrk` is installed): one `wrk` process, written in C, so the
  load generator costs little of the cores it shares with the server. A generated Lua script
  POSTs 2,000 pre-built bodies in a random order: stored distinct ids among the 1,000 persons
  (90 %) and unknown ids (10 %); a quarter carry `person_properties` overrides. Latency
  percentiles are wrk's (measured per request, no coordinated-omission correction).
- `--client python`: the old generator, threads of http.client in this process (it needs
  most of a core and the GIL, so it understates the server; kept to compare).
- `--client both`: both, one after the other, against the same server.

Each run prints one JSON line per endpoint: requests/s, p50/p90/p99, status counts.
`--state FILE` remembers the seeded token/key so repeated runs against the same database
skip seeding.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

PORT = 8765
PERSONS = 1000


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
    rng = random.Random(7)
    with app.app_context(), tenant_scope(uuid.UUID(data["organization"]["id"]), pid):
        for i in range(PERSONS):
            person = Person(
                properties={
                    "email": f"u{i}@{'acme' if i % 3 else 'other'}.com",
                    "plan": rng.choice(["free", "pro"]),
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


def bodies(token: str, count: int = 2000, seed_value: int = 11) -> list[str]:
    """Request bodies: 90 % stored persons, 10 % unknown ids, a quarter with overrides."""
    rng = random.Random(seed_value)
    out = []
    for _ in range(count):
        if rng.random() < 0.9:
            distinct_id = f"user{rng.randrange(PERSONS)}"
        else:
            distinct_id = f"anon-{uuid.UUID(int=rng.getrandbits(128))}"
        body: dict[str, Any] = {"token": token, "distinct_id": distinct_id}
        if rng.random() < 0.25:
            body["person_properties"] = {
                "plan": rng.choice(["free", "pro"]),
                "app_version": f"1.{rng.randrange(10)}.{rng.randrange(3)}",
            }
        out.append(json.dumps(body))
    return out


# ---------------------------------------------------------------- python threads client


def _worker(
    kind: str,
    token: str,
    key: str,
    stop: float,
    out: list[float],
    codes: list[int],
    payloads: list[str],
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    etag = ""
    rng = random.Random()
    while time.perf_counter() < stop:
        t0 = time.perf_counter()
        if kind == "flags":
            body = rng.choice(payloads)
            conn.request("POST", "/flags/?v=2", body, {"Content-Type": "application/json"})
        else:
            headers = {"Authorization": f"Bearer {key}"}
            if etag:
                headers["If-None-Match"] = etag
            conn.request("GET", f"/flags/definitions?token={token}&send_cohorts", headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.getheader("Connection", "").lower() == "close":
            conn.close()
        etag = resp.getheader("ETag") or etag
        out.append(time.perf_counter() - t0)
        codes.append(resp.status)


def run_python(kind: str, token: str, key: str, seconds: float, concurrency: int) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    codes: list[list[int]] = [[] for _ in range(concurrency)]
    payloads = bodies(token)
    stop = time.perf_counter() + seconds
    threads = [
        threading.Thread(
            target=_worker, args=(kind, token, key, stop, latencies[i], codes[i], payloads)
        )
        for i in range(concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = sorted(x for xs in latencies for x in xs) or [0.0]
    all_codes = [c for cs in codes for c in cs]
    return {
        "client": "python",
        "endpoint": kind,
        "connections": concurrency,
        "requests": len(flat),
        "rps": round(len(flat) / seconds, 1),
        "p50_ms": round(statistics.median(flat) * 1000, 2),
        "p90_ms": round(flat[int(len(flat) * 0.90)] * 1000, 2),
        "p99_ms": round(flat[int(len(flat) * 0.99)] * 1000, 2),
        "status_counts": {str(c): all_codes.count(c) for c in sorted(set(all_codes))},
    }


# ---------------------------------------------------------------- wrk client

_LUA_COMMON = """
counts = {}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("offset", #threads * 997)
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  %(on_response)s
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for status, n in pairs(c) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, '"' .. status .. '":' .. n) end
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,' ..
    '"max_us":%%d,"socket_errors":%%d,"status_counts":{%%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ",")))
end
"""


def _lua_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _flags_lua(token: str) -> str:
    entries = ",\n".join(_lua_string(b) for b in bodies(token))
    return (
        f"local bodies = {{\n{entries}\n}}\n"
        "local n = #bodies\n"
        "local i = 0\n"
        "function init(args)\n"
        "  i = (offset or 0) % n\n"
        "end\n"
        "function request()\n"
        "  i = i % n + 1\n"
        "  return wrk.format('POST', '/flags/?v=2', "
        "{['Content-Type'] = 'application/json'}, bodies[i])\n"
        "end\n" + _LUA_COMMON % {"on_response": ""}
    )


def _definitions_lua(token: str, key: str) -> str:
    return (
        "local etag = nil\n"
        f"local path = '/flags/definitions?token={token}&send_cohorts'\n"
        "function request()\n"
        f"  local headers = {{['Authorization'] = 'Bearer {key}'}}\n"
        "  if etag then headers['If-None-Match'] = etag end\n"
        "  return wrk.format('GET', path, headers)\n"
        "end\n"
        + _LUA_COMMON
        % {"on_response": "if headers['ETag'] then etag = headers['ETag'] end"}
    )


def run_wrk(
    kind: str, token: str, key: str, seconds: float, connections: int, wrk_threads: int
) -> dict[str, Any]:
    script = _flags_lua(token) if kind == "flags" else _definitions_lua(token, key)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv
            [
                "wrk",
                f"-t{wrk_threads}",
                f"-c{connections}",
                f"-d{int(seconds)}s",
                "--timeout",
                "10s",
                "-s",
                f.name,
                f"http://127.0.0.1:{PORT}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.unlink(f.name)
    found = re.search(r"^WRKJSON (.*)$", done.stdout, re.M)
    if found is None:
        raise SystemExit(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(found[1])
    return {
        "client": "wrk",
        "endpoint": kind,
        "connections": connections,
        "requests": raw["requests"],
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "socket_errors": raw["socket_errors"],
        "status_counts": dict(sorted(raw["status_counts"].items())),
    }


# ---------------------------------------------------------------- server


def _tree_cpu_seconds(root: int) -> float:
    """utime + stime of a process and its live children (the gunicorn master and workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [root]
    children = Path(f"/proc/{root}/task/{root}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


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


def start_server(workers: int, threads: int, production: bool) -> subprocess.Popen[bytes]:
    if production:  # infra/gunicorn.conf.py as deployed (access log included, to /dev/null)
        env = {**os.environ, "PORT": str(PORT), "WEB_CONCURRENCY": str(workers)}
        env["GUNICORN_THREADS"] = str(threads)
        return subprocess.Popen(  # noqa: S603 - fixed argv
            [".venv/bin/gunicorn", "-c", "infra/gunicorn.conf.py", "-b", f"127.0.0.1:{PORT}"]
            + ["wsgi:app"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    worker_args = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    return subprocess.Popen(  # noqa: S603 - fixed argv
        [
            ".venv/bin/gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{PORT}",
            *worker_args,
            "--keep-alive",
            "75",
            "wsgi:app",
            "--log-level",
            "warning",
        ],
        env=os.environ.copy(),
    )


def _client_cpu() -> float:
    """CPU seconds of this process plus its finished children (wrk)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _seeded(state: str | None) -> tuple[str, str]:
    if state and Path(state).exists():
        saved = json.loads(Path(state).read_text())
        return saved["token"], saved["key"]
    token, key = seed()
    if state:
        Path(state).write_text(json.dumps({"token": token, "key": key}))
    return token, key


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=16, help="connections")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help=">1 uses gthread workers")
    default_client = "wrk" if shutil.which("wrk") else "python"
    parser.add_argument("--client", choices=("wrk", "python", "both"), default=default_client)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--python-concurrency", type=int, default=8)
    parser.add_argument("--endpoints", default="flags,definitions")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of /flags first")
    parser.add_argument("--state", help="JSON file remembering the seeded token and key")
    parser.add_argument(
        "--production-config",
        action="store_true",
        help="use infra/gunicorn.conf.py (gthread, access log) with --workers and --threads",
    )
    args = parser.parse_args()
    token, key = _seeded(args.state)
    server = start_server(args.workers, args.threads, args.production_config)
    clients = ("wrk", "python") if args.client == "both" else (args.client,)
    try:
        _wait_ready()
        # Warm-up: fill each worker's definitions and person caches (1,000 persons and the
        # unknown ids of the body set), as a long-running server has them.
        if shutil.which("wrk") and args.warmup >= 1:
            run_wrk("flags", token, key, args.warmup, args.concurrency, args.wrk_threads)
        else:
            run_python("flags", token, key, max(args.warmup, 2), 4)
        for client in clients:
            for kind in args.endpoints.split(","):
                load_before = Path("/proc/loadavg").read_text().split()[0]
                server_cpu = _tree_cpu_seconds(server.pid)
                client_cpu = _client_cpu()
                if client == "wrk":
                    result = run_wrk(
                        kind, token, key, args.seconds, args.concurrency, args.wrk_threads
                    )
                else:
                    result = run_python(kind, token, key, args.seconds, args.python_concurrency)
                requests = max(result["requests"], 1)
                result["server_cpu_ms_per_req"] = round(
                    (_tree_cpu_seconds(server.pid) - server_cpu) * 1000 / requests, 3
                )
                result["client_cpu_ms_per_req"] = round(
                    (_client_cpu() - client_cpu) * 1000 / requests, 3
                )
                gthread = args.threads > 1 or args.production_config
                result["server"] = f"{args.workers}x{'gthread' if gthread else 'sync'}"
                if gthread:
                    result["server"] += f"x{args.threads}"
                if args.production_config:
                    result["server"] += " (infra/gunicorn.conf.py)"
                result["loadavg_before_after"] = [
                    float(load_before),
                    float(Path("/proc/loadavg").read_text().split()[0]),
                ]
                print(json.dumps(result), flush=True)  # noqa: T201
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
