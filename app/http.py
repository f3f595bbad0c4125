"""Request parsing, pagination and per-route metadata used by auth and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

import pydantic
from flask import request
from sqlalchemy import Select, func, select

from app.db import get_session
from app.errors import ValidationError, from_pydantic

M = TypeVar("M", bound=pydantic.BaseModel)
F = TypeVar("F", bound=Callable[..., Any])
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


def json_body() -> dict[str, Any]:
    """The request body as a JSON object, or a 400."""
    data = request.get_json(silent=True)
    if data is None and request.get_data():
        raise ValidationError("Request body is not valid JSON.", code="parse_error")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError("Request body must be a JSON object.", code="parse_error")
    return data


def parse(model: type[M], data: dict[str, Any] | None = None) -> M:
    """Validate the body (or given data) into a schema; errors name the failing field."""
    try:
        return model.model_validate(json_body() if data is None else data)
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc) from exc


def _int_arg(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationError(f"'{name}' must be an integer.", attr=name) from exc
    if value < 0:
        raise ValidationError(f"'{name}' must not be negative.", attr=name)
    return min(value, maximum)


def page_args() -> tuple[int, int]:
    return _int_arg("limit", DEFAULT_LIMIT, MAX_LIMIT), _int_arg("offset", 0, 10**9)


def next_url(offset: int, limit: int, has_more: bool) -> str | None:
    if not has_more:
        return None
    args = {**request.args.to_dict(), "limit": limit, "offset": offset + limit}
    return f"{request.base_url}?{urlencode(args)}"


def paginate(stmt: Select[Any], serialize: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """Offset pagination: {"results", "next", "previous", "count"}."""
    limit, offset = page_args()
    session = get_session()
    count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.limit(limit).offset(offset)).all()
    return page(rows, serialize, count=count, offset=offset, limit=limit)


def page(
    rows: Sequence[Any],
    serialize: Callable[[Any], dict[str, Any]],
    *,
    count: int,
    offset: int,
    limit: int,
) -> dict[str, Any]:
    prev = None
    if offset > 0:
        args = {**request.args.to_dict(), "limit": limit, "offset": max(0, offset - limit)}
        prev = f"{request.base_url}?{urlencode(args)}"
    return {
        "results": [serialize(r) for r in rows],
        "next": next_url(offset, limit, offset + len(rows) < count),
        "previous": prev,
        "count": count,
    }


def public(view: F) -> F:
    """The route needs no authenticated principal (signup, login, capture, webhooks)."""
    view._burrow_public = True  # type: ignore[attr-defined]
    return view


ANY_SCOPE = "*any"  # any valid key may call the route (e.g. "what can this key do")


def api_scope(obj: str) -> Callable[[F], F]:
    """Personal keys need `<obj>:read` (GET) or `<obj>:write` for this route."""

    def wrap(view: F) -> F:
        view._burrow_scope = obj  # type: ignore[attr-defined]
        return view

    return wrap


def csrf_exempt(view: F) -> F:
    """Writes that never rely on the session cookie (bearer-only or pre-session endpoints)."""
    view._burrow_csrf_exempt = True  # type: ignore[attr-defined]
    return view


def doc(
    *,
    request_model: type[pydantic.BaseModel] | None = None,
    response_model: type[pydantic.BaseModel] | None = None,
    tag: str | None = None,
) -> Callable[[F], F]:
    """Attach schemas to a route for the OpenAPI document."""

    def wrap(view: F) -> F:
        view._burrow_doc = {  # type: ignore[attr-defined]
            "request": request_model,
            "response": response_model,
            "tag": tag,
        }
        return view

    return wrap


def view_attr(view: Callable[..., Any] | None, name: str, default: Any = None) -> Any:
    return getattr(view, f"_burrow_{name}", default)
