"""Execution modes (spec 3.1) and async status (3.4) around the runner registry.

`execute_query` decides, per `refresh` mode, whether to serve the cache, compute now, or
enqueue on the insights queue with job id = cache key (identical requests join one job).
The QueryStatus JSON lives in Redis at `query_async:{project_id}:{query_id}` (20 min TTL).
Without Redis (embedded default) async modes compute blocking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.db import utcnow
from app.query import cache
from app.query.base import QueryContext, QueryError
from app.query.cancel import checkpoint
from app.query.registry import run_query
from app.redis_client import get_redis

STATUS_TTL = 20 * 60
MODES = {
    "true": "force_blocking",
    "force_blocking": "force_blocking",
    "force_async": "force_async",
    "blocking": "blocking",
    "async": "async",
    "async_except_on_cache_miss": "async_except_on_cache_miss",
    "lazy_async": "lazy_async",
    "force_cache": "force_cache",
    "false": "force_cache",
}
JOB = "workers.jobs.insights.process_query"


def normalise_mode(refresh: Any, default: str) -> str:
    if refresh is None or refresh == "":
        return default
    mode = MODES.get(str(refresh).lower())
    if mode is None:
        raise QueryError(f"invalid refresh mode {refresh!r}")
    return mode


def shared_mode(refresh: Any) -> str:
    """The mode for a shared (public) insight (spec 3.1): it may not force work, so
    force_cache → lazy_async, true/force_blocking → blocking, async stays async, and
    everything else (absent and false included) → lazy_async."""
    mode = normalise_mode(refresh, "force_cache")
    if mode == "force_blocking":
        return "blocking"
    return "async" if mode == "async" else "lazy_async"


@dataclass
class Outcome:
    status: int  # 200 or 202
    body: dict[str, Any]


def compute(query: dict[str, Any], ctx: QueryContext, key: str | None = None) -> dict[str, Any]:
    """Run now and store in the cache; returns the annotated (is_cached false) response."""
    key = key or cache.cache_key(query, ctx)
    version = cache.data_version(ctx.project_id)
    response = run_query(query, ctx)
    checkpoint()  # stopped while finishing in Python: store nothing
    entry = cache.new_entry(key, response, ctx.project_id, version)
    cache.put(key, entry)
    return cache.annotate(entry, query, ctx, cached=False, lazy=False)


def execute_query(
    query: dict[str, Any], ctx: QueryContext, *, mode: str, organization_id: Any
) -> Outcome:
    """Serve one request in the given (normalised) mode."""
    if not isinstance(query, dict) or not query.get("kind"):
        raise QueryError("query.kind is required")
    key = cache.cache_key(query, ctx)
    if mode == "force_blocking":
        return Outcome(200, compute(query, ctx, key))
    entry = cache.get(key)
    lazy = mode == "lazy_async"
    fresh = entry is not None and not cache.is_stale(entry, query, ctx, lazy=lazy)
    if entry is not None and fresh and mode != "force_async":
        return Outcome(200, cache.annotate(entry, query, ctx, cached=True, lazy=lazy))
    if mode == "force_cache":
        if entry is not None:
            return Outcome(200, cache.annotate(entry, query, ctx, cached=True, lazy=lazy))
        return Outcome(200, {"results": None, "is_cached": False, "cache_key": key})
    blocking = mode == "blocking" or (mode == "async_except_on_cache_miss" and entry is None)
    if blocking or get_redis() is None:
        return Outcome(200, compute(query, ctx, key))
    status = enqueue_async(query, ctx, key, organization_id)
    if entry is not None and mode != "force_async":
        body = cache.annotate(entry, query, ctx, cached=True, lazy=lazy)
        body["query_status"] = status
        return Outcome(200, body)
    return Outcome(202, {"query_status": status})


def _status_key(project_id: int, query_id: str) -> str:
    return f"query_async:{project_id}:{query_id}"


def get_status(project_id: int, query_id: str) -> dict[str, Any] | None:
    redis = get_redis()
    raw = redis.get(_status_key(project_id, query_id)) if redis is not None else None
    return json.loads(raw) if raw else None


def save_status(status: dict[str, Any]) -> None:
    redis = get_redis()
    if redis is not None:
        key = _status_key(int(status["project_id"]), str(status["id"]))
        redis.set(key, json.dumps(status, default=str), ex=STATUS_TTL)


def enqueue_async(
    query: dict[str, Any], ctx: QueryContext, key: str, organization_id: Any
) -> dict[str, Any]:
    """Enqueue (or join) the calculation; the query id is the cache key."""
    from workers import queues
    from workers.enqueue import enqueue, job_status

    existing = get_status(ctx.project_id, key)
    running = existing and job_status(str(existing.get("task_id") or key)) in _RUNNING
    if existing and not existing.get("complete") and running:
        return existing  # an identical calculation is running: join it
    job_id = key
    if job_status(key) in _RUNNING:
        # The previous job of this key is still finalising although its result is stored:
        # a new calculation needs its own job id or it would be swallowed by that one.
        job_id = f"{key}-{_sequence(key)}"
    now = utcnow()
    status = {
        "id": key,
        "team_id": ctx.project_id,
        "project_id": ctx.project_id,
        "query_async": True,
        "complete": False,
        "error": False,
        "error_message": None,
        "results": None,
        "start_time": now.isoformat(),
        "pickup_time": None,
        "end_time": None,
        "expiration_time": (now + timedelta(seconds=STATUS_TTL)).isoformat(),
        "task_id": job_id,
    }
    save_status(status)
    enqueue(
        JOB,
        queue=queues.INSIGHTS,
        organization_id=organization_id,
        project_id=ctx.project_id,
        job_id=job_id,
        query=query,
        query_id=key,
    )
    return status


_RUNNING = {"queued", "started", "deferred", "scheduled"}


def _sequence(key: str) -> int:
    redis = get_redis()
    return int(redis.incr(f"query_job_seq:{key}")) if redis is not None else 0


def cancel(project_id: int, query_id: str) -> bool:
    """Cancel the job and drop its status; False when unknown."""
    from workers.enqueue import cancel as cancel_job

    status = get_status(project_id, query_id)
    if status is None:
        return False
    cancel_job(str(status.get("task_id") or query_id))
    redis = get_redis()
    if redis is not None:
        redis.delete(_status_key(project_id, query_id))
    return True
