"""Person overrides written by ingestion merges, and what queries count through them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from app.db import get_session
from app.events.models import Event
from app.persons.models import PersonOverride
from app.persons.state import write_overrides
from app.query.base import QueryContext
from app.query.registry import run_query
from app.tenancy import unscoped
from tests.helpers import Api
from tests.ingestion.conftest import Proj, drain, person_of, rows

DAY = "2026-11-02T10:00:00Z"


def send(app: Flask, proj: Proj, events: list[dict[str, Any]]) -> None:
    for e in events:
        e.setdefault("uuid", str(uuid.uuid4()))
        e.setdefault("timestamp", DAY)
    resp = app.test_client().post("/batch/", json={"api_key": proj.token, "batch": events})
    assert resp.status_code == 200, resp.get_json()
    drain(app)


def ev(name: str, did: str, **props: Any) -> dict[str, Any]:
    return {"event": name, "distinct_id": did, "properties": props}


def identify(user: str, anon: str) -> dict[str, Any]:
    return ev("$identify", user, **{"$anon_distinct_id": anon})


def overrides(app: Flask, proj: Proj) -> set[tuple[uuid.UUID, uuid.UUID]]:
    return {
        (o.old_person_uuid, o.override_person_uuid)
        for o in rows(app, PersonOverride, project_id=proj.project_id)
    }


def uuid_of(app: Flask, proj: Proj, did: str) -> uuid.UUID:
    person = person_of(app, proj.project_id, did)
    assert person is not None
    return person.uuid


def trends(app: Flask, proj: Proj, series: list[dict[str, Any]]) -> list[Any]:
    query = {
        "kind": "TrendsQuery",
        "dateRange": {"date_from": "2026-11-02", "date_to": "2026-11-02"},
        "trendsFilter": {"display": "BoldNumber"},
        "series": series,
    }
    ctx = QueryContext(proj.project_id, "UTC", 0, datetime(2026, 11, 3, tzinfo=UTC))
    with app.app_context(), unscoped():
        return [r["aggregated_value"] for r in run_query(query, ctx)["results"]]


def test_merge_writes_an_override_and_keeps_stored_person_ids(app: Flask, proj: Proj) -> None:
    send(app, proj, [ev("$pageview", "anon"), ev("$pageview", "user")])
    anon, user = uuid_of(app, proj, "anon"), uuid_of(app, proj, "user")
    assert overrides(app, proj) == set()
    assert trends(app, proj, [{"event": "$pageview", "math": "dau"}]) == [2]

    send(app, proj, [identify("user", "anon")])

    assert overrides(app, proj) == {(anon, user)}
    stored = {e.distinct_id: e.person_id for e in rows(app, Event, project_id=proj.project_id)}
    assert stored["anon"] == anon  # events are not rewritten
    assert trends(app, proj, [{"event": "$pageview", "math": "dau"}, {"event": "$pageview"}]) == [
        1,
        2,
    ]


def test_merge_inside_one_chunk_overrides_the_never_written_person(app: Flask, proj: Proj) -> None:
    send(app, proj, [ev("$pageview", "user")])
    send(app, proj, [ev("$pageview", "fresh"), identify("user", "fresh")])
    fresh_event = next(
        e for e in rows(app, Event, project_id=proj.project_id) if e.distinct_id == "fresh"
    )
    user = uuid_of(app, proj, "user")
    assert fresh_event.person_id != user
    assert overrides(app, proj) == {(fresh_event.person_id, user)}
    assert trends(app, proj, [{"event": "$pageview", "math": "dau"}]) == [1]


def test_chains_are_flattened(app: Flask, proj: Proj) -> None:
    send(app, proj, [ev("$pageview", "a"), ev("$pageview", "b"), ev("$pageview", "c")])
    a, b, c = (uuid_of(app, proj, d) for d in "abc")
    send(app, proj, [identify("b", "a")])
    assert overrides(app, proj) == {(a, b)}
    send(app, proj, [ev("$merge_dangerously", "c", alias="b")])
    assert overrides(app, proj) == {(a, c), (b, c)}
    assert uuid_of(app, proj, "a") == c
    assert trends(app, proj, [{"event": "$pageview", "math": "dau"}]) == [1]


def test_flattening_never_leaves_a_self_pointing_or_live_person_row(app: Flask, proj: Proj) -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with app.app_context(), unscoped():
        session = get_session()
        write_overrides(session, proj.project_id, [(a, b), (c, b)])
        # b's uuid comes back as a live person, then a and c's target is merged into a.
        write_overrides(session, proj.project_id, [(b, a)])
        session.commit()
    assert overrides(app, proj) == {(b, a), (c, a)}
    # A merge into a person that a concurrent merge already overrode follows it onward.
    d = uuid.uuid4()
    with app.app_context(), unscoped():
        write_overrides(get_session(), proj.project_id, [(d, c)])
        get_session().commit()
    assert overrides(app, proj) == {(b, a), (c, a), (d, a)}


def test_recreated_person_uuid_drops_its_override(app: Flask, proj: Proj) -> None:
    send(app, proj, [ev("$pageview", "anon"), ev("$pageview", "user")])
    anon = uuid_of(app, proj, "anon")
    send(app, proj, [identify("user", "anon")])
    user = uuid_of(app, proj, "user")
    resp = Api(app).delete(proj.account, f"/api/projects/{proj.project_id}/persons/{user}/")
    assert resp.status_code in (200, 204), resp.get_json()
    assert person_of(app, proj.project_id, "anon") is None
    assert overrides(app, proj) == {(anon, user)}  # deleted person's events stay one actor
    assert trends(app, proj, [{"event": "$pageview", "math": "dau"}]) == [1]

    send(app, proj, [ev("$pageview", "anon")])  # the freed id gets its deterministic uuid back

    assert uuid_of(app, proj, "anon") == anon
    assert overrides(app, proj) == set()
    assert trends(app, proj, [{"event": "$pageview", "math": "dau"}]) == [2]


def test_personless_events_count_for_the_person_their_id_gets_later(app: Flask, proj: Proj) -> None:
    send(app, proj, [ev("$pageview", "ghost", **{"$process_person_profile": False})])
    assert trends(app, proj, [{"event": "$pageview", "math": "dau"}]) == [0]
    send(app, proj, [ev("$pageview", "user"), identify("user", "ghost")])
    stored = [e.person_id for e in rows(app, Event, project_id=proj.project_id)]
    assert None in stored
    assert trends(app, proj, [{"event": "$pageview", "math": "dau"}, {"event": "$pageview"}]) == [
        1,
        2,
    ]


def test_person_property_breakdown_follows_the_merge(app: Flask, proj: Proj) -> None:
    send(app, proj, [ev("$pageview", "anon"), ev("$pageview", "user", **{"$set": {"plan": "pro"}})])
    send(app, proj, [identify("user", "anon")])
    query = {
        "kind": "TrendsQuery",
        "dateRange": {"date_from": "2026-11-02", "date_to": "2026-11-02"},
        "series": [{"event": "$pageview"}],
        "breakdownFilter": {"breakdown": "plan", "breakdown_type": "person"},
    }
    ctx = QueryContext(proj.project_id, "UTC", 0, datetime(2026, 11, 3, tzinfo=UTC))
    with app.app_context(), unscoped():
        results = run_query(query, ctx)["results"]
    assert [(r["breakdown_value"], r["count"]) for r in results] == [("pro", 2)]
