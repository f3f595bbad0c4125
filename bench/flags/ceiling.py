"""The ceiling of this box for bench.py's load: a "hello world" WSGI app through gunicorn.

Usage (repo root): .venv/bin/python bench/flags/ceiling.py [--threads N]
It serves a constant JSON body of the size of a /flags answer for 50 flags (12.6 kB)
through gunicorn with bench.py's worker settings (`--workers`, `--threads` > 1 = gthread,
keep-alive 75 s) and drives it with the same wrk client (one thread, 16 connections, POST
bodies). What it reaches is the most any app can reach on this box with this server and
client, measured at the same time as the real runs (their load moves it too).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench import PORT, _tree_cpu_seconds

BODY = b'{"x":"' + b"a" * 12_560 + b'"}'


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.input"].read()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]


LUA = """wrk.method = "POST"
wrk.body = '{"token":"phc_x","distinct_id":"user1"}'
wrk.headers["Content-Type"] = "application/json"
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help=">1 uses gthread workers")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    here = Path(__file__).resolve().parent
    venv = Path.cwd() / ".venv/bin/gunicorn"
    worker = ["--worker-class", "gthread", "--threads", str(args.threads)]
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [str(venv), "-w", str(args.workers), "-b", f"127.0.0.1:{PORT}"]
        + (worker if args.threads > 1 else [])
        + ["--keep-alive", "75", "--log-level", "warning", "--chdir", str(here), "ceiling:app"]
    )
    try:
        time.sleep(2.5)
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(LUA)
            script.flush()
            load = float(Path("/proc/loadavg").read_text().split()[0])
            cpu = _tree_cpu_seconds(server.pid)
            out = subprocess.run(  # noqa: S603 - fixed argv
                ["wrk", "-t1", f"-c{args.concurrency}", f"-d{args.seconds}s", "--latency"]
                + ["-s", script.name, f"http://127.0.0.1:{PORT}/flags/?v=2"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            cpu = _tree_cpu_seconds(server.pid) - cpu
        requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
        kind = f"gthreadx{args.threads}" if args.threads > 1 else "sync"
        print(
            json.dumps(
                {
                    "app": "hello world (ceiling)",
                    "server": f"{args.workers}x{kind}",
                    "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),  # type: ignore[index]
                    "p50": re.search(r"50%\s+(\S+)", out)[1],  # type: ignore[index]
                    "p99": re.search(r"99%\s+(\S+)", out)[1],  # type: ignore[index]
                    "server_cpu_ms_per_req": round(cpu * 1000 / requests, 3),
                    "loadavg_before": load,
                }
            )
        )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
