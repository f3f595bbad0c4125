"""Per-request enforcement after the project is resolved.

Project admins act as organization admins inside their project; principals with only
resource grants reach those resources and nothing else (404), read-only as viewers (403).
Resource routes are recognised by blueprint, so they need no code of their own; lists of a
kind the principal holds only per-item grants for are filtered to those items.
"""

from __future__ import annotations

import json

from flask import Response, g, request

from app.access import SAFE_METHODS
from app.errors import Forbidden, NotFound
from app.organizations.models import Level
from app.permissions.service import Access, compute_access, resource_level

RESOURCE_BLUEPRINTS = {
    "dashboards": "dashboard",
    "insights": "insight",
    "feature_flags": "feature_flag",
    "experiments": "experiment",
}
LIMITED_READABLE_ENDPOINTS = frozenset({"projects.get_project"})


RESOURCE_ID_ARGS = frozenset({"dashboard_id", "insight_id", "flag_id", "experiment_id"})
ALL_OF_KIND = "*"  # a sub-object we cannot attribute to one resource: needs the kind-wide grant


def _request_resource() -> tuple[str | None, object | None]:
    kind = RESOURCE_BLUEPRINTS.get(request.blueprint or "")
    args = {k: v for k, v in (request.view_args or {}).items() if k != "project_id"}
    ids = [v for k, v in args.items() if k in RESOURCE_ID_ARGS]
    if ids:
        return kind, ids[0]
    return kind, ALL_OF_KIND if args else None


def _enforce_limited(access: Access) -> None:
    write = request.method not in SAFE_METHODS
    if request.endpoint in LIMITED_READABLE_ENDPOINTS and not write:
        return
    kind, resource_id = _request_resource()
    if kind is None:
        raise NotFound()
    level = resource_level(access, kind, None if resource_id == ALL_OF_KIND else resource_id)
    if resource_id is None and not any(k == kind for k, _ in access.resources):
        raise NotFound()
    if resource_id is not None and level is None:
        raise NotFound()
    if write and level != "editor":
        raise Forbidden("You have view access to this resource only.", code="viewer_only")


def enforce_project_access() -> None:
    """before_request, after app.access resolved the project."""
    project, principal = g.get("project"), g.get("principal")
    if project is None or principal is None:
        return
    access = compute_access(principal, project, int(g.get("level", 0)))
    if access.kind == "admin":
        g.level = max(int(g.level), int(Level.ADMIN))
    elif access.kind == "limited":
        _enforce_limited(access)


def filter_limited_lists(response: Response) -> Response:
    """after_request: a limited principal's list of a resource kind shows only granted items."""
    project, principal = g.get("project"), g.get("principal")
    kind, resource_id = _request_resource()
    if project is None or principal is None or kind is None or resource_id is not None:
        return response
    access = compute_access(principal, project, int(g.get("level", 0)))
    if access.kind != "limited" or (kind, None) in access.resources or not response.is_json:
        return response
    allowed = {rid for (k, rid) in access.resources if k == kind}
    body = response.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        body["results"] = [r for r in body["results"] if str(r.get("id")) in allowed]
        body["count"], body["next"] = len(body["results"]), None
        response.set_data(json.dumps(body))
    return response
