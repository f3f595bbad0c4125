"""Cache warming (spec 3.5): refresh stale caches of insights viewed in the last 7 days.

Views are a Redis sorted set of "<project>:<insight>:<dashboard or 0>" scored by time; the
hourly job enqueues an async calculation (job id = cache key, so it dedupes) for every
viewed insight whose cache is missing or stale, at most PER_PROJECT per project per run.
"""

from __future__ import annotations

import time
from collections import defaultdict

from sqlalchemy import select

from app.dashboards.filters import apply_dashboard_filters
from app.dashboards.models import Dashboard
from app.db import get_session
from app.insights.models import Insight
from app.insights.service import VIEWS_KEY
from app.projects.models import Project
from app.query import cache
from app.query.context import project_context
from app.query.execution import enqueue_async
from app.redis_client import get_redis
from app.tenancy import unscoped

WINDOW_SECONDS = 7 * 24 * 3600
PER_PROJECT = 50


def _recent_views() -> dict[int, list[tuple[int, int]]]:
    redis = get_redis()
    if redis is None:
        return {}
    cutoff = time.time() - WINDOW_SECONDS
    redis.zremrangebyscore(VIEWS_KEY, 0, cutoff)
    by_project: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for raw in redis.zrevrangebyscore(VIEWS_KEY, "+inf", cutoff):
        pid, iid, did = (int(x) for x in raw.decode().split(":"))
        by_project[pid].append((iid, did))
    return by_project


def warm_recently_viewed() -> int:
    """Enqueue refreshes for stale, recently viewed insights; returns how many."""
    enqueued = 0
    with unscoped():  # crossing tenants is this job's purpose
        for pid, views in _recent_views().items():
            enqueued += _warm_project(pid, views[:PER_PROJECT])
    return enqueued


def _warm_project(project_id: int, views: list[tuple[int, int]]) -> int:
    session = get_session()
    project = session.get(Project, project_id)
    if project is None:
        return 0
    ctx = project_context(project_id)
    count = 0
    for insight_id, dashboard_id in views:
        insight = session.scalars(
            select(Insight).where(Insight.id == insight_id, Insight.project_id == project_id)
        ).first()
        if insight is None or insight.deleted:
            continue
        query = insight.query
        if dashboard_id:
            dash = session.scalars(
                select(Dashboard).where(
                    Dashboard.id == dashboard_id, Dashboard.project_id == project_id
                )
            ).first()
            query = apply_dashboard_filters(query, dash.filters) if dash else query
        key = cache.cache_key(query, ctx)
        entry = cache.get(key)
        if entry is None or cache.is_stale(entry, query, ctx):
            enqueue_async(query, ctx, key, project.organization_id)
            count += 1
    return count
