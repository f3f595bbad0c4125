"""CPU per /flags request inside one process: the WSGI app called with pre-built environs.

Usage (repo root, against a database seeded by bench.py --state S, same env as bench.py):
    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/flags/inprocess.py --state S [--profile]
It sends the bench's 2,000 bodies (bench.bodies) to `wsgi.app` twice to fill the caches, then
reports the minimum over 5 passes of process CPU time per request (no HTTP, no gunicorn), and
with --profile prints a cProfile (CPU clock) of two more passes. Run old and new code
alternately: the figure moves with the machine's load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path.cwd()))

from bench import bodies  # noqa: E402


def _environ(body: bytes) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/flags/",
        "QUERY_STRING": "v=2",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8765",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8765",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", required=True, help="bench.py's --state file")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    import wsgi

    token = json.loads(Path(args.state).read_text())["token"]
    payloads = [b.encode() for b in bodies(token)]

    def start_response(status: str, _headers: Any, _exc: Any = None) -> None:
        assert status.startswith("200"), status

    def one_pass() -> None:
        for body in payloads:
            out = wsgi.app(_environ(body), start_response)
            b"".join(out)
            getattr(out, "close", lambda: None)()

    one_pass()
    one_pass()
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        one_pass()
        best = min(best, (time.process_time() - started) / len(payloads))
    print(json.dumps({"cpu_ms_per_request": round(best * 1000, 3), "requests": len(payloads)}))
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        one_pass()
        one_pass()
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
