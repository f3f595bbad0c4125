"""Cohorts API: /api/projects/<id>/cohorts/ CRUD, static CSV/list upload, members."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from app.cohorts import service
from app.cohorts.models import Cohort
from app.cohorts.schemas import CohortCreate, CohortPersonRead, CohortRead, CohortUpdate
from app.db import get_session
from app.errors import ValidationError
from app.feature_flags import definitions as flag_definitions
from app.http import api_scope, doc, json_body, paginate, parse
from workers import queues
from workers.enqueue import enqueue

bp = Blueprint("cohorts", __name__)
BASE = "/api/projects/<int:project_id>/cohorts/"
HEADERS = {"distinct_id", "distinct_ids", "distinct id", "id", "person_distinct_id"}


def _json(cohort: Cohort, status: int = 200) -> Response:
    response = jsonify(CohortRead.of(cohort).model_dump(mode="json"))
    response.status_code = status
    return response


def _body() -> dict[str, Any]:
    """JSON, or a multipart form whose `csv` file lists distinct ids (first column)."""
    if not request.mimetype.startswith("multipart/"):
        return json_body()
    data: dict[str, Any] = {k: v for k, v in request.form.items() if k != "csv"}
    if "is_static" in data:
        data["is_static"] = str(data["is_static"]).lower() in ("true", "1", "yes", "on")
    upload = request.files.get("csv")
    if upload is not None:
        data["distinct_ids"] = _csv_ids(upload.read())
    return data


def _csv_ids(raw: bytes) -> list[str]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("The CSV file must be UTF-8.", attr="csv") from exc
    rows = [row for row in csv.reader(io.StringIO(text)) if row and row[0].strip()]
    if rows and rows[0][0].strip().lower() in HEADERS:
        rows = rows[1:]
    return [row[0].strip() for row in rows]


def _calculate(cohort: Cohort) -> None:
    enqueue(
        "workers.jobs.cohorts.calculate_cohort",
        queue=queues.DEFAULT,
        organization_id=g.organization_id,
        project_id=cohort.project_id,
        job_id=f"cohort-calculate-{cohort.id}",
        cohort_id=cohort.id,
    )


@bp.get(BASE)
@api_scope("cohort")
@doc(response_model=CohortRead, tag="cohorts")
def list_cohorts(project_id: int) -> Response:
    """Cohorts of the project, newest first."""
    return jsonify(
        paginate(service.list_cohorts(), lambda c: CohortRead.of(c).model_dump(mode="json"))
    )


@bp.post(BASE)
@api_scope("cohort")
@doc(request_model=CohortCreate, response_model=CohortRead, tag="cohorts")
def create_cohort(project_id: int) -> Response:
    """Create a static cohort (list or CSV of distinct ids) or a dynamic one (calculated)."""
    data = parse(CohortCreate, _body())
    filters = dict(data.filters)
    if data.groups is not None:
        filters["groups"] = data.groups
    cohort = service.create_cohort(
        name=data.name,
        description=data.description,
        filters=filters,
        is_static=data.is_static,
        distinct_ids=data.distinct_ids,
    )
    get_session().commit()
    flag_definitions.invalidate(cohort.project_id)
    if not cohort.is_static:
        _calculate(cohort)
        get_session().refresh(cohort)
    return _json(cohort, 201)


@bp.get(BASE + "<int:cohort_id>/")
@api_scope("cohort")
@doc(response_model=CohortRead, tag="cohorts")
def get_cohort(project_id: int, cohort_id: int) -> Response:
    """One cohort."""
    return _json(service.get_cohort(cohort_id=cohort_id))


@bp.patch(BASE + "<int:cohort_id>/")
@api_scope("cohort")
@doc(request_model=CohortUpdate, response_model=CohortRead, tag="cohorts")
def update_cohort(project_id: int, cohort_id: int) -> Response:
    """Rename, redefine (recalculated), add static members, or soft-delete."""
    cohort = service.get_cohort(cohort_id=cohort_id)
    changes = parse(CohortUpdate, _body()).model_dump(exclude_unset=True)
    if "groups" in changes:
        changes["filters"] = {
            **(changes.get("filters") or cohort.filters),
            "groups": changes.pop("groups"),
        }
    recalc = service.update_cohort(cohort=cohort, changes=changes)
    get_session().commit()
    flag_definitions.invalidate(cohort.project_id)
    if recalc:
        _calculate(cohort)
        get_session().refresh(cohort)
    return _json(cohort)


@bp.delete(BASE + "<int:cohort_id>/")
@api_scope("cohort")
@doc(tag="cohorts")
def delete_cohort(project_id: int, cohort_id: int) -> Response:
    """Soft-delete a cohort (PostHog keeps deleted cohorts for history)."""
    cohort = service.get_cohort(cohort_id=cohort_id)
    service.update_cohort(cohort=cohort, changes={"deleted": True})
    get_session().commit()
    flag_definitions.invalidate(cohort.project_id)
    return Response(status=204)


@bp.get(BASE + "<int:cohort_id>/persons/")
@api_scope("cohort")
@doc(response_model=CohortPersonRead, tag="cohorts")
def cohort_persons(project_id: int, cohort_id: int) -> Response:
    """Members of the cohort's last completed calculation."""
    cohort = service.get_cohort(cohort_id=cohort_id)
    body = paginate(service.member_persons(cohort=cohort), lambda p: p)
    persons = body["results"]
    ids = service.distinct_ids_of([p.id for p in persons])
    body["results"] = [
        CohortPersonRead(
            id=str(p.uuid),
            uuid=str(p.uuid),
            distinct_ids=ids.get(p.id, []),
            properties=p.properties or {},
            is_identified=p.is_identified,
            created_at=p.created_at,
        ).model_dump(mode="json")
        for p in persons
    ]
    return jsonify(body)
