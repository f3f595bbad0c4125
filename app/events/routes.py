"""Events API: list (filtered, cursor-paginated, newest first), retrieve, definitions."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from app.errors import ValidationError
from app.events import service
from app.events.schemas import EventDefinitionRead, EventQuery, EventRead, PropertyDefinitionRead
from app.http import api_scope, doc, paginate, parse
from app.persons import service as persons

bp = Blueprint("events", __name__)


def _event_query() -> EventQuery:
    data: dict[str, Any] = request.args.to_dict()
    if "properties" in data:
        try:
            data["properties"] = json.loads(data["properties"] or "[]")
        except ValueError as exc:
            raise ValidationError("properties must be a JSON list.", attr="properties") from exc
    return parse(EventQuery, data)


@bp.get("/api/projects/<int:project_id>/events/")
@api_scope("event")
@doc(response_model=EventRead, tag="events")
def list_events(project_id: int) -> Response:
    """Events of the project, newest first; filter by event, person, properties and time."""
    query = _event_query()
    ids = persons.distinct_ids_for(query.person_id) if query.person_id else None
    rows, cursor = service.list_events(query=query, distinct_ids=ids)
    next_url = None
    if cursor:
        args = {**request.args.to_dict(), "cursor": cursor}
        next_url = f"{request.base_url}?{urlencode(args)}"
    return jsonify(
        {"results": [EventRead.of(r).model_dump(mode="json") for r in rows], "next": next_url}
    )


@bp.get("/api/projects/<int:project_id>/events/<event_uuid>/")
@api_scope("event")
@doc(response_model=EventRead, tag="events")
def get_event(project_id: int, event_uuid: str) -> Response:
    """One event by uuid."""
    return jsonify(EventRead.of(service.get_event(event_uuid=event_uuid)).model_dump(mode="json"))


@bp.get("/api/projects/<int:project_id>/event_definitions/")
@api_scope("property_definition")
@doc(response_model=EventDefinitionRead, tag="definitions")
def event_definitions(project_id: int) -> Response:
    """Event names seen by ingestion, with volume; `search` filters by name."""
    stmt = service.event_definitions(search=request.args.get("search"))
    return jsonify(
        paginate(
            stmt,
            lambda d: EventDefinitionRead.model_validate(d, from_attributes=True).model_dump(
                mode="json"
            ),
        )
    )


@bp.get("/api/projects/<int:project_id>/property_definitions/")
@api_scope("property_definition")
@doc(response_model=PropertyDefinitionRead, tag="definitions")
def property_definitions(project_id: int) -> Response:
    """Property names with inferred types; filter by `search`, `type`, `group_type_index`."""
    index = request.args.get("group_type_index")
    stmt = service.property_definitions(
        search=request.args.get("search"),
        kind=request.args.get("type"),
        group_type_index=int(index) if index and index.lstrip("-").isdigit() else None,
    )
    return jsonify(
        paginate(
            stmt,
            lambda d: PropertyDefinitionRead(**service.serialize_property(d)).model_dump(
                mode="json"
            ),
        )
    )
