"""Cohorts: CRUD, static membership from distinct ids, member listing, and the person-property
groups the feature-flag local evaluation uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, func, insert, select

from app.activity import service as activity
from app.cohorts.models import Cohort, CohortPerson
from app.db import get_session, utcnow
from app.errors import NotFound, ValidationError
from app.persons.models import Person, PersonDistinctId
from app.query.base import QueryError
from app.query.cohort_sql import check_definition, tree_of
from app.tenancy import require_scope

EDITABLE = ("name", "description", "filters")


def get_cohort(*, cohort_id: int) -> Cohort:
    """One live cohort of the current project, or 404."""
    cohort = get_session().scalar(
        select(Cohort).where(Cohort.id == cohort_id, Cohort.deleted.is_(False))
    )
    if cohort is None:
        raise NotFound("Cohort not found.")
    return cohort


def list_cohorts() -> Select[Any]:
    return select(Cohort).where(Cohort.deleted.is_(False)).order_by(Cohort.id.desc())


def create_cohort(
    *,
    name: str,
    description: str = "",
    filters: dict[str, Any],
    is_static: bool,
    distinct_ids: list[str] | None = None,
) -> Cohort:
    """A static cohort (members from distinct ids) or a dynamic one (calculated by a job)."""
    if not is_static:
        validate_filters(filters)
    elif distinct_ids is None:
        distinct_ids = []
    cohort = Cohort(
        name=name,
        description=description,
        filters=filters,
        is_static=is_static,
        version=0 if is_static else None,
        count=0 if is_static else None,
        is_calculating=not is_static,
    )
    session = get_session()
    session.add(cohort)
    session.flush()
    if is_static:
        add_static_members(cohort=cohort, distinct_ids=distinct_ids or [])
    activity.record(
        action="created",
        scope="Cohort",
        item_id=cohort.id,
        name=cohort.name,
        project_id=cohort.project_id,
    )
    return cohort


def update_cohort(*, cohort: Cohort, changes: dict[str, Any]) -> bool:
    """Apply edits; returns True when a dynamic definition changed (needs recalculation)."""
    before = {k: getattr(cohort, k) for k in EDITABLE}
    distinct_ids = changes.pop("distinct_ids", None)
    if changes.pop("deleted", False):
        cohort.deleted = True
    if "filters" in changes and not cohort.is_static:
        validate_filters(changes["filters"])
    for key in EDITABLE:
        if key in changes and changes[key] is not None:
            setattr(cohort, key, changes[key])
    if distinct_ids:
        if not cohort.is_static:
            raise ValidationError(
                "Only static cohorts take a list of members.", attr="distinct_ids"
            )
        add_static_members(cohort=cohort, distinct_ids=distinct_ids)
    after = {k: getattr(cohort, k) for k in EDITABLE}
    activity.record(
        action="deleted" if cohort.deleted else "updated",
        scope="Cohort",
        item_id=cohort.id,
        name=cohort.name,
        project_id=cohort.project_id,
        changes=activity.diff(before, after),
    )
    recalc = not cohort.is_static and not cohort.deleted and before["filters"] != after["filters"]
    if recalc:
        cohort.is_calculating = True
    return recalc


def validate_filters(filters: dict[str, Any]) -> None:
    """A 400 unless the definition compiles (shape, operators, windows, actions exist)."""
    project_id = require_scope().project_id
    try:
        tree_of(filters)
        if project_id is not None:
            check_definition(project_id, filters, utcnow())
    except QueryError as exc:
        raise ValidationError(str(exc), attr="filters") from exc


def add_static_members(*, cohort: Cohort, distinct_ids: list[str]) -> int:
    """Add the persons behind these distinct ids (unknown ids are skipped); returns count."""
    session = get_session()
    wanted = sorted({d.strip() for d in distinct_ids if d and d.strip()})
    found: set[int] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        found.update(
            session.scalars(
                select(PersonDistinctId.person_id).where(PersonDistinctId.distinct_id.in_(chunk))
            )
        )
    existing = set(
        session.scalars(select(CohortPerson.person_id).where(CohortPerson.cohort_id == cohort.id))
    )
    new = sorted(found - existing)
    if new:
        session.execute(
            insert(CohortPerson),
            [
                {
                    "project_id": cohort.project_id,
                    "cohort_id": cohort.id,
                    "person_id": pid,
                    "version": cohort.version or 0,
                }
                for pid in new
            ],
        )
    cohort.count = len(existing) + len(new)
    return len(new)


def member_persons(*, cohort: Cohort) -> Select[Any]:
    """Persons in the cohort's current (completed) version."""
    members = select(CohortPerson.person_id).where(
        CohortPerson.cohort_id == cohort.id, CohortPerson.version == (cohort.version or 0)
    )
    if cohort.version is None and not cohort.is_static:
        members = members.where(false())  # never calculated yet
    return select(Person).where(Person.id.in_(members)).order_by(Person.id)


def distinct_ids_of(person_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {pid: [] for pid in person_ids}
    rows = get_session().execute(
        select(PersonDistinctId.person_id, PersonDistinctId.distinct_id)
        .where(PersonDistinctId.person_id.in_(person_ids))
        .order_by(PersonDistinctId.id)
    )
    for pid, did in rows:
        out.setdefault(pid, []).append(did)
    return out


def count_members(*, cohort: Cohort) -> int:
    stmt = select(func.count()).select_from(member_persons(cohort=cohort).subquery())
    return int(get_session().scalar(stmt) or 0)


def cohort_property_groups(project_id: int) -> dict[str, Any]:
    """Dynamic cohorts defined only by person properties, in PostHog's local-evaluation shape
    {"<id>": {"type": "OR", "values": [{"type": "AND", "values": [filters]}]}}."""
    cohorts = get_session().scalars(
        select(Cohort)
        .where(
            Cohort.project_id == project_id, Cohort.deleted.is_(False), Cohort.is_static.is_(False)
        )
        .order_by(Cohort.id)
    )
    out: dict[str, Any] = {}
    for cohort in cohorts:
        try:
            tree = tree_of(cohort.filters)
        except QueryError:
            continue
        if _person_only(tree):
            out[str(cohort.id)] = _or_of_ands(tree)
    return out


def _person_only(node: Any) -> bool:
    if isinstance(node, dict) and node.get("type") in ("AND", "OR"):
        return all(_person_only(child) for child in node.get("values", []))
    return isinstance(node, dict) and node.get("type") == "person" and not node.get("negation")


def _or_of_ands(tree: dict[str, Any]) -> dict[str, Any]:
    children = tree.get("values", [])
    if tree["type"] == "OR" and all(
        isinstance(c, dict)
        and c.get("type") == "AND"
        and all(g.get("type") == "person" for g in c["values"])
        for c in children
    ):
        return tree
    if tree["type"] == "AND" and all(c.get("type") == "person" for c in children):
        return {"type": "OR", "values": [tree]}
    return {"type": "OR", "values": [{"type": "AND", "values": [tree]}]}
