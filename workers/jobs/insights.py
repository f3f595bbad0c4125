"""Insight jobs: run one async query (status + cache), warm recently viewed insights."""

from __future__ import annotations

import logging
from typing import Any

from app.db import utcnow
from app.query.base import QueryError
from app.query.cancel import Cancelled
from app.query.context import project_context
from app.query.execution import compute, get_status, save_status
from app.tenancy import require_project_id

log = logging.getLogger(__name__)


def process_query(query: dict[str, Any], query_id: str) -> None:
    """Compute a query for the async API, store the cache and complete its QueryStatus."""
    project_id = require_project_id()
    status = get_status(project_id, query_id) or {"id": query_id, "project_id": project_id}
    status["pickup_time"] = utcnow().isoformat()
    save_status(status)
    try:
        result = compute(query, project_context(project_id), key=query_id)
    except QueryError as exc:
        _finish(status, error=str(exc), code=400)
        return
    except Cancelled:
        raise  # DELETE already dropped the status; writing it again would resurrect it
    except Exception:
        _finish(status, error="Internal error while calculating the query.", code=500)
        raise
    status.update(results=result)
    _finish(status, error=None, code=200)


def _finish(status: dict[str, Any], *, error: str | None, code: int) -> None:
    status.update(
        complete=True,
        error=error is not None,
        error_message=error,
        error_code=code if error else None,
        end_time=utcnow().isoformat(),
    )
    save_status(status)


def warm_insights() -> int:
    """Scheduled: refresh stale caches of insights viewed in the last 7 days (all projects)."""
    from app.insights.warming import warm_recently_viewed

    return int(warm_recently_viewed())
