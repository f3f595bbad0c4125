"""Persons API (search, read, edit, GDPR delete) and groups API (list, find, types)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from app.db import get_session
from app.errors import ValidationError
from app.events.schemas import PropertyFilter
from app.http import api_scope, doc, page, page_args, paginate, parse
from app.persons import service
from app.persons.models import Group, Person
from app.persons.schemas import GroupRead, GroupTypeRead, PersonRead, PersonUpdate

bp = Blueprint("persons", __name__)


def _serialize(person: Person, distinct_ids: list[str]) -> dict[str, Any]:
    props = person.properties or {}
    name = props.get("email") or props.get("name") or (distinct_ids[0] if distinct_ids else "")
    return PersonRead(
        id=person.id,
        uuid=str(person.uuid),
        name=str(name),
        distinct_ids=distinct_ids,
        properties=props,
        is_identified=person.is_identified,
        created_at=person.created_at,
    ).model_dump(mode="json")


def _one(person: Person) -> Response:
    return jsonify(_serialize(person, service.distinct_ids_of([person]).get(person.id, [])))


def _property_filters() -> list[dict[str, Any]]:
    raw = request.args.get("properties")
    if not raw:
        return []
    try:
        items = json.loads(raw)
    except ValueError as exc:
        raise ValidationError("properties must be a JSON list.", attr="properties") from exc
    if not isinstance(items, list):
        raise ValidationError("properties must be a JSON list.", attr="properties")
    return [PropertyFilter.model_validate({**i, "type": "event"}).model_dump() for i in items]


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise ValidationError(f"{name} must be an integer.", attr=name)
    return int(raw)


@bp.get("/api/projects/<int:project_id>/persons/")
@api_scope("person")
@doc(response_model=PersonRead, tag="persons")
def list_persons(project_id: int) -> Response:
    """Persons, newest first; `search` matches email, name or a distinct id exactly."""
    stmt = service.search_persons(
        search=request.args.get("search"),
        distinct_id=request.args.get("distinct_id"),
        properties=_property_filters(),
    )
    limit, offset = page_args()
    session = get_session()
    rows = list(session.scalars(stmt.limit(limit + 1).offset(offset)))
    more = len(rows) > limit
    rows = rows[:limit]
    ids = service.distinct_ids_of(rows)
    count = offset + len(rows) + (1 if more else 0)
    return jsonify(
        page(
            rows,
            lambda p: _serialize(p, ids.get(p.id, [])),
            count=count,
            offset=offset,
            limit=limit,
        )
    )


@bp.get("/api/projects/<int:project_id>/persons/<ref>/")
@api_scope("person")
@doc(response_model=PersonRead, tag="persons")
def get_person(project_id: int, ref: str) -> Response:
    """One person by numeric id or uuid."""
    return _one(service.get_person(ref=ref))


@bp.patch("/api/projects/<int:project_id>/persons/<ref>/")
@api_scope("person")
@doc(request_model=PersonUpdate, response_model=PersonRead, tag="persons")
def update_person(project_id: int, ref: str) -> Response:
    """Set or unset person properties."""
    data = parse(PersonUpdate)
    person = service.update_person(
        person=service.get_person(ref=ref), properties=data.properties, unset=data.unset
    )
    get_session().commit()
    return _one(person)


@bp.delete("/api/projects/<int:project_id>/persons/<ref>/")
@api_scope("person")
@doc(tag="persons")
def delete_person(project_id: int, ref: str) -> Response:
    """Delete a person; `?delete_events=true` also erases their events (GDPR)."""
    delete_events = request.args.get("delete_events", "").lower() in ("1", "true", "yes")
    service.delete_person(person=service.get_person(ref=ref), delete_events=delete_events)
    get_session().commit()
    return Response(status=204)


def _group(group: Group) -> dict[str, Any]:
    return GroupRead.model_validate(group, from_attributes=True).model_dump(mode="json")


@bp.get("/api/projects/<int:project_id>/groups/")
@api_scope("group")
@doc(response_model=GroupRead, tag="groups")
def list_groups(project_id: int) -> Response:
    """Groups of one type (`group_type_index` required); `search` matches the key."""
    stmt = service.groups(
        group_type_index=_int_arg("group_type_index"), search=request.args.get("search")
    )
    return jsonify(paginate(stmt, _group))


@bp.get("/api/projects/<int:project_id>/groups/find")
@api_scope("group")
@doc(response_model=GroupRead, tag="groups")
def find_group(project_id: int) -> Response:
    """One group by `group_type_index` and `group_key`."""
    index = _int_arg("group_type_index")
    key = request.args.get("group_key")
    if index is None or not key:
        raise ValidationError("group_type_index and group_key are required.")
    return jsonify(_group(service.find_group(group_type_index=index, group_key=key)))


@bp.get("/api/projects/<int:project_id>/groups_types/")
@api_scope("group")
@doc(response_model=GroupTypeRead, tag="groups")
def group_types(project_id: int) -> Response:
    """The project's group types and their indices (at most five)."""
    return jsonify(
        [
            GroupTypeRead.model_validate(t, from_attributes=True).model_dump(mode="json")
            for t in service.group_types()
        ]
    )
