"""Container health probe: `python infra/healthcheck.py [web|worker|scheduler]`.

Exit 0 when healthy, 1 otherwise. Without an argument the role is read from the
file infra/entrypoint.sh writes at start-up, falling back to web.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.request
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

# Written by entrypoint.sh; /tmp is the only writable path in the container.
ROLE_FILE = Path(os.environ.get("BURROW_ROLE_FILE", "/tmp/burrow-role"))  # noqa: S108


def web_is_healthy() -> bool:
    """GET /_health on the local gunicorn (liveness only, no DB or Redis)."""
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/_health"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 - fixed local URL
            return response.status == 200
    except OSError:
        return False


def worker_is_healthy() -> bool:
    """True when this host's RQ worker is registered (its key expires without heartbeats)."""
    redis = _redis()
    if redis is None:
        return False
    hostname = socket.gethostname()
    for key in redis.smembers("rq:workers"):
        if redis.hget(key, "hostname") == hostname.encode():
            return True
    return False


def scheduler_is_healthy() -> bool:
    """The scheduler only needs Redis to claim periods and enqueue."""
    redis = _redis()
    return redis is not None


def _redis() -> Redis | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    client = Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
    except RedisError:
        return None
    return client


CHECKS = {"web": web_is_healthy, "worker": worker_is_healthy, "scheduler": scheduler_is_healthy}


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        role = argv[1]
    else:
        try:
            role = ROLE_FILE.read_text().strip()
        except OSError:
            role = "web"
    check = CHECKS.get(role)
    return 0 if check is not None and check() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
