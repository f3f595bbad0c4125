"""The three sharing-settings routes, for any blueprint whose resource can be shared.

`/…/<id>/sharing/` GET (created disabled on first read) and PATCH (`{"enabled": …}`; turning
it on needs dashboard_sharing), and POST `/…/<id>/sharing/refresh/` (a new access token).
Insights and dashboards register them with their own URL prefix, scope and loader.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, g, jsonify

from app.dashboards.models import Dashboard
from app.db import get_session
from app.http import api_scope, doc, parse
from app.insights import sharing
from app.insights.models import Insight
from app.insights.schemas import SharingRead, SharingUpdate


def add_sharing_routes(
    bp: Blueprint,
    base: str,
    *,
    id_arg: str,
    scope: str,
    tag: str,
    noun: str,
    load: Callable[[int], Insight | Dashboard],
) -> None:
    """Register the sharing routes under `base` + `<int:{id_arg}>/sharing/`."""

    def respond(target_id: int, enabled: bool | None = None, rotate: bool = False) -> Response:
        config = sharing.configure(
            load(target_id),
            enabled=enabled,
            rotate=rotate,
            organization_id=g.project.organization_id,
        )
        get_session().commit()
        return jsonify(SharingRead.of(config).model_dump(mode="json"))

    def get_sharing(project_id: int, **ids: int) -> Response:
        return respond(ids[id_arg])

    def update_sharing(project_id: int, **ids: int) -> Response:
        return respond(ids[id_arg], enabled=parse(SharingUpdate).enabled)

    def rotate_sharing(project_id: int, **ids: int) -> Response:
        return respond(ids[id_arg], rotate=True)

    get_sharing.__doc__ = f"The {noun}'s public link settings (created disabled on first read)."
    update_sharing.__doc__ = "Turn the public link on (needs dashboard_sharing) or off."
    rotate_sharing.__doc__ = "Replace the access token: the previous link stops working."
    url = f"{base}<int:{id_arg}>/sharing/"
    routes = (
        (url, get_sharing, "GET", None),
        (url, update_sharing, "PATCH", SharingUpdate),
        (url + "refresh/", rotate_sharing, "POST", None),
    )
    for rule, view, method, request_model in routes:
        wrapped = api_scope(scope)(
            doc(request_model=request_model, response_model=SharingRead, tag=tag)(view)
        )
        bp.add_url_rule(rule, view.__name__, wrapped, methods=[method])
