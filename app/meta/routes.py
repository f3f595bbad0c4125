"""Health, readiness and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from app.db import get_session
from app.http import doc, public
from app.openapi import build_schema
from app.redis_client import get_redis

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
    checks = {"database": _check_db(), "redis": _check_redis()}
    ok = all(v in ("ok", "not_configured") for v in checks.values())
    response = jsonify({"status": "ok" if ok else "unavailable", "checks": checks})
    response.status_code = 200 if ok else 503
    return response


def _check_db() -> str:
    try:
        get_session().execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - readiness reports any failure as "error"
        return "error"
    return "ok"


def _check_redis() -> str:
    redis = get_redis()
    if redis is None:
        return "not_configured"
    try:
        redis.ping()
    except Exception:  # noqa: BLE001
        return "error"
    return "ok"


@bp.get("/api/schema/")
@public
@doc(tag="meta")
def schema() -> Response:
    """This API as an OpenAPI 3.1 document."""
    return jsonify(build_schema(current_app))
