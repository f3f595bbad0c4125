"""The shared Redis connection (None on the embedded default)."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis


def init_redis(app: Flask) -> None:
    url = app.config["BURROW"].REDIS_URL
    app.extensions["redis"] = (
        Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2) if url else None
    )


def get_redis() -> Redis[bytes] | None:
    client: Redis[bytes] | None = current_app.extensions.get("redis")
    return client


def require_redis() -> Redis[bytes]:
    client = get_redis()
    if client is None:
        raise RuntimeError("this operation needs REDIS_URL")
    return client
