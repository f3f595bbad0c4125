"""The query API: POST /query/ (refresh modes), GET/DELETE /query/<id>/ (async status)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify
from pydantic import BaseModel, Field

from app.db import utcnow
from app.errors import AppError, NotFound, ValidationError
from app.http import api_scope, doc, parse
from app.query.base import QueryContext, QueryError
from app.query.execution import cancel, execute_query, get_status, normalise_mode
from app.query.registry import preload

bp = Blueprint("query", __name__)
preload()


class QueryRequest(BaseModel):
    query: dict[str, Any]
    refresh: bool | str | None = None
    client_query_id: str | None = Field(default=None, max_length=200)


class QueryFailed(AppError):
    status = 500
    type = "server_error"
    default_code = "query_failed"


def current_context() -> QueryContext:
    """The request's project as a query context (already loaded by the access check)."""
    project = g.project
    return QueryContext(project.id, project.timezone or "UTC", project.week_start_day, utcnow())


def _json(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


@bp.post("/api/projects/<int:project_id>/query/")
@api_scope("query")
@doc(request_model=QueryRequest, tag="query")
def run(project_id: int) -> Response:
    """Run an insight query (TrendsQuery, FunnelsQuery, ...); `refresh` picks the mode."""
    data = parse(QueryRequest)
    try:
        mode = normalise_mode(data.refresh, "blocking")
        outcome = execute_query(
            data.query, current_context(), mode=mode, organization_id=g.project.organization_id
        )
    except QueryError as exc:
        raise ValidationError(str(exc), attr="query") from exc
    if data.client_query_id:
        outcome.body["client_query_id"] = data.client_query_id
    return _json(outcome.body, outcome.status)


@bp.get("/api/projects/<int:project_id>/query/<string:query_id>/")
@api_scope("query")
@doc(tag="query")
def status(project_id: int, query_id: str) -> Response:
    """Status of an async query: 202 running, 200 done, 400/500 when it failed."""
    found = get_status(project_id, query_id)
    if found is None:
        raise NotFound("Query not found.")
    if found.get("error"):
        message = found.get("error_message") or "Query failed."
        if found.get("error_code") == 400:
            raise ValidationError(message, attr="query")
        raise QueryFailed(message)
    return _json({"query_status": found}, 200 if found.get("complete") else 202)


@bp.delete("/api/projects/<int:project_id>/query/<string:query_id>/")
@api_scope("query")
@doc(tag="query")
def delete(project_id: int, query_id: str) -> Response:
    """Cancel a running async query."""
    if not cancel(project_id, query_id):
        raise NotFound("Query not found.")
    return Response(status=204)
