"""Insight result cache (spec 3.2/3.3): keys, storage, staleness, data versions.

The key is md5 over a canonical JSON of (kind, query minus volatile fields, project id,
timezone, week start, person mode, version) — never the user. Results live in Redis for
a few days; the embedded default (no Redis) uses a small in-process LRU.

New data: ingestion calls `bump_data_version(project_id)`; a cached result computed under
an older version is stale (unless its range is entirely in the past, spec 3.3 rule 1).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from app.db import utcnow
from app.query import actions
from app.query.base import QueryContext, QueryError
from app.query.dates import resolve
from app.redis_client import get_redis

CACHE_VERSION = 1
CACHE_TTL = 3 * 24 * 3600
# Actors: stored person + merge overrides, current person properties (PostHog's
# person_id_override_properties_joined; same answers as the "disabled" mode, see
# app/query/persons.py for the one GDPR-delete difference).
PERSON_MODE = "person_id_override_properties_joined"
VOLATILE = {"tags", "response", "client_query_id", "modifiers_debug"}
_LRU_SIZE = 512
_THRESHOLDS = {  # interval → (default, lazy) staleness thresholds
    "minute": (timedelta(minutes=5), timedelta(minutes=15)),
    "hour": (timedelta(hours=1), timedelta(hours=2)),
    "day": (timedelta(hours=6), timedelta(hours=12)),
    "week": (timedelta(days=1), timedelta(days=1)),
    "month": (timedelta(days=2), timedelta(days=2)),
    None: (timedelta(hours=6), timedelta(hours=12)),
}


def canonical(query: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in query.items() if k not in VOLATILE}


def cache_key(query: dict[str, Any], ctx: QueryContext) -> str:
    """`cache_` + md5 of the canonical JSON of everything that changes the answer."""
    payload = {
        "kind": query.get("kind"),
        "query": canonical(query),
        "project_id": ctx.project_id,
        "timezone": ctx.timezone,
        "week_start_day": ctx.week_start_day,
        "person_mode": PERSON_MODE,
        "version": CACHE_VERSION,
    }
    used = actions.fingerprint(query, ctx.project_id)
    if used:  # only queries with actions carry this, so other keys are unchanged
        payload["actions"] = used
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return "cache_" + hashlib.md5(blob.encode(), usedforsecurity=False).hexdigest()


def _lru() -> OrderedDict[str, str]:
    store: OrderedDict[str, str] = current_app.extensions.setdefault(
        "query_cache_lru", OrderedDict()
    )
    return store


def get(key: str) -> dict[str, Any] | None:
    redis = get_redis()
    raw = redis.get(key) if redis is not None else _lru().get(key)
    if raw is None:
        return None
    data: dict[str, Any] = json.loads(raw)
    return data


def put(key: str, entry: dict[str, Any]) -> None:
    blob = json.dumps(entry, default=str)
    redis = get_redis()
    if redis is not None:
        redis.set(key, blob, ex=CACHE_TTL)
        return
    lru = _lru()
    lru[key] = blob
    lru.move_to_end(key)
    while len(lru) > _LRU_SIZE:
        lru.popitem(last=False)


def _version_key(project_id: int) -> str:
    return f"query_data_version:{project_id}"


def data_version(project_id: int) -> int:
    redis = get_redis()
    if redis is None:
        return int(current_app.extensions.get("query_data_versions", {}).get(project_id, 0))
    raw = redis.get(_version_key(project_id))
    return int(raw) if raw else 0


def bump_data_version(project_id: int) -> int:
    """Called when new events arrive for a project: cached results of live ranges go stale."""
    redis = get_redis()
    if redis is None:
        versions = current_app.extensions.setdefault("query_data_versions", {})
        versions[project_id] = versions.get(project_id, 0) + 1
        return int(versions[project_id])
    return int(redis.incr(_version_key(project_id)))


def interval_of(query: dict[str, Any]) -> str | None:
    if query.get("kind") == "RetentionQuery":
        period = (query.get("retentionFilter") or {}).get("period") or "Day"
        return str(period).lower()
    if query.get("kind") in ("FunnelsQuery", "PathsQuery"):
        viz = (query.get("funnelsFilter") or {}).get("funnelVizType")
        return query.get("interval") or "day" if viz == "trends" else None
    interval = query.get("interval")
    return str(interval) if interval else "day"


def threshold(query: dict[str, Any], lazy: bool = False) -> timedelta:
    default, lazy_value = _THRESHOLDS.get(interval_of(query), _THRESHOLDS[None])
    return lazy_value if lazy else default


def min_refresh_interval(query: dict[str, Any], ctx: QueryContext) -> timedelta:
    """3 minutes for hourly or ≤ 7 day ranges, else 15 minutes (spec 3.2)."""
    if interval_of(query) == "hour":
        return timedelta(minutes=3)
    try:
        dr = resolve(query.get("dateRange"), "day", ctx)
    except QueryError:
        return timedelta(minutes=15)
    short = dr.date_to - dr.date_from <= timedelta(days=7)
    return timedelta(minutes=3) if short else timedelta(minutes=15)


def range_end_utc(query: dict[str, Any], ctx: QueryContext) -> datetime | None:
    try:
        return resolve(query.get("dateRange"), "day", ctx).utc_to
    except QueryError:
        return None


def is_stale(
    entry: dict[str, Any], query: dict[str, Any], ctx: QueryContext, *, lazy: bool = False
) -> bool:
    """Spec 3.3: fully-past ranges never go stale; else new data or age past the threshold."""
    last = datetime.fromisoformat(entry["last_refresh"])
    end = range_end_utc(query, ctx)
    if end is not None and end < last - timedelta(seconds=10):
        return False
    if entry.get("data_version", 0) != data_version(ctx.project_id):
        return True
    return bool(utcnow() > last + threshold(query, lazy))


def annotate(
    entry: dict[str, Any], query: dict[str, Any], ctx: QueryContext, *, cached: bool, lazy: bool
) -> dict[str, Any]:
    """The response: results plus is_cached, last_refresh, next refresh and target age."""
    last = datetime.fromisoformat(entry["last_refresh"])
    response = dict(entry["response"])
    response.update(
        is_cached=cached,
        last_refresh=entry["last_refresh"],
        next_allowed_client_refresh=(last + min_refresh_interval(query, ctx)).isoformat(),
        cache_target_age=(last + threshold(query, lazy)).isoformat(),
        cache_key=entry["cache_key"],
        timezone=ctx.timezone,
    )
    return response


def new_entry(key: str, response: dict[str, Any], project_id: int, version: int) -> dict[str, Any]:
    return {
        "cache_key": key,
        "response": response,
        "last_refresh": utcnow().isoformat(),
        "data_version": version,
    }
