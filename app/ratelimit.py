"""Fixed-window rate limits in Redis (in-process counters on the embedded default)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request

from app.errors import RateLimited
from app.redis_client import get_redis

F = TypeVar("F", bound=Callable[..., Any])
_local: dict[str, tuple[int, float]] = {}
_lock = threading.Lock()


def hit(bucket: str, limit: int, window: int) -> None:
    """Count one request in `bucket`; 429 with Retry-After once `limit` is passed in `window` s."""
    if not current_app.config["BURROW"].RATE_LIMITS_ENABLED:
        return
    now = time.time()
    window_start = int(now // window) * window
    key = f"ratelimit:{bucket}:{window_start}"
    count = _count(key, window)
    if count > limit:
        raise RateLimited(max(1, int(window_start + window - now)))


def _count(key: str, window: int) -> int:
    redis = get_redis()
    if redis is not None:
        pipe = redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, window + 1)
        return int(pipe.execute()[0])
    with _lock:
        count, expires = _local.get(key, (0, time.time() + window))
        _local[key] = (count + 1, expires)
        for stale in [k for k, (_, e) in _local.items() if e < time.time()]:
            _local.pop(stale, None)
        return count + 1


def client_ip() -> str:
    return request.remote_addr or "unknown"


def reset_local() -> None:
    with _lock:
        _local.clear()
