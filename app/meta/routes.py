"""Health, readiness and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from app.http import doc, public
from app.instance.service import database_health, redis_health
from app.openapi import build_schema

bp = Blueprint("meta", __name__)


@bp.get("/_health")
@public
@doc(tag="meta")
def health() -> Response:
    """Liveness: the process answers."""
    return jsonify({"status": "ok"})


@bp.get("/_ready")
@public
@doc(tag="meta")
def ready() -> Response:
    """Readiness: the database and Redis (when configured) answer."""
    checks = {"database": database_health(), "redis": redis_health()}
    ok = all(v in ("ok", "not_configured") for v in checks.values())
    response = jsonify({"status": "ok" if ok else "unavailable", "checks": checks})
    response.status_code = 200 if ok else 503
    return response


@bp.get("/api/schema/")
@public
@doc(tag="meta")
def schema() -> Response:
    """This API as an OpenAPI 3.1 document."""
    return jsonify(build_schema(current_app))
