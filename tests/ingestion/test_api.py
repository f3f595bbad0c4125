"""Events, definitions, persons and groups API: filters, pagination, GDPR delete, tenancy."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Flask

from app.events.models import Event
from app.ingestion import hooks
from app.ingestion.models import IngestionOverflow
from app.ingestion.service import replay_overflow
from app.tenancy import tenant_scope
from tests.helpers import Api, error
from tests.ingestion.conftest import Proj, drain, event_count, make_project, rows


def _send(app: Flask, proj: Proj, events: list[dict[str, Any]]) -> None:
    body = {"api_key": proj.token, "batch": events}
    assert app.test_client().post("/batch/", json=body).status_code == 200
    drain(app)


def _seed(app: Flask, proj: Proj) -> None:
    _send(
        app,
        proj,
        [
            {
                "event": "view",
                "distinct_id": "a",
                "timestamp": f"2024-01-0{i + 1}T00:00:00Z",
                "properties": {"n": i, "path": f"/p{i}", "$set": {"email": "ann@x.io"}},
            }
            for i in range(5)
        ]
        + [
            {
                "event": "buy",
                "distinct_id": "b",
                "timestamp": "2024-01-03T12:00:00Z",
                "properties": {"n": 100, "$set": {"email": "bob@y.io", "plan": "pro"}},
            },
            {
                "event": "$identify",
                "distinct_id": "a",
                "timestamp": "2024-01-06T00:00:00Z",
                "properties": {"$anon_distinct_id": "a-anon"},
            },
        ],
    )


def _events(api: Api, proj: Proj, query: str = "") -> dict[str, Any]:
    resp = api.get(proj.account, f"/api/projects/{proj.project_id}/events/{query}")
    assert resp.status_code == 200, resp.get_json()
    return dict(resp.get_json())


def test_events_list_filters_and_cursor(app: Flask, api: Api, proj: Proj) -> None:
    _seed(app, proj)
    page = _events(api, proj, "?limit=3")
    assert [e["event"] for e in page["results"]] == ["$identify", "view", "view"]
    stamps = [e["timestamp"] for e in page["results"]]
    assert stamps == sorted(stamps, reverse=True)
    seen = [e["uuid"] for e in page["results"]]
    while page["next"]:
        page = api.get(proj.account, page["next"].replace("http://localhost", "")).get_json()
        seen += [e["uuid"] for e in page["results"]]
    assert len(seen) == len(set(seen)) == 7
    assert [e["event"] for e in _events(api, proj, "?event=buy")["results"]] == ["buy"]
    assert len(_events(api, proj, "?distinct_id=a")["results"]) == 6
    props = json.dumps([{"key": "n", "value": 2, "operator": "gt", "type": "event"}])
    assert {
        e["properties"]["n"] for e in _events(api, proj, f"?properties={props}")["results"]
    } == {3, 4, 100}
    props = json.dumps([{"key": "path", "value": "/P1", "operator": "exact"}])
    assert len(_events(api, proj, f"?properties={props}")["results"]) == 1
    window = "?after=2024-01-02T00:00:00Z&before=2024-01-04T00:00:00Z"
    assert len(_events(api, proj, window)["results"]) == 3
    bad = api.get(proj.account, f"/api/projects/{proj.project_id}/events/?properties=nope")
    assert bad.status_code == 400 and error(bad)["attr"] == "properties"


def test_event_retrieve_and_person_filter(app: Flask, api: Api, proj: Proj) -> None:
    _seed(app, proj)
    buy = _events(api, proj, "?event=buy")["results"][0]
    one = api.get(proj.account, f"/api/projects/{proj.project_id}/events/{buy['uuid']}/")
    assert one.status_code == 200 and one.get_json()["distinct_id"] == "b"
    assert (
        api.get(proj.account, f"/api/projects/{proj.project_id}/events/{uuid.uuid4()}/").status_code
        == 404
    )
    person = api.get(
        proj.account, f"/api/projects/{proj.project_id}/persons/?search=ann"
    ).get_json()["results"][0]
    assert sorted(person["distinct_ids"]) == ["a", "a-anon"]
    by_person = _events(api, proj, f"?person_id={person['uuid']}")["results"]
    assert {e["distinct_id"] for e in by_person} == {"a"} and len(by_person) == 6


def test_definitions(app: Flask, api: Api, proj: Proj) -> None:
    _seed(app, proj)
    base = f"/api/projects/{proj.project_id}"
    defs = api.get(proj.account, f"{base}/event_definitions/").get_json()
    assert [(d["name"], d["volume_30_day"]) for d in defs["results"]][0] == ("view", 5)
    found = api.get(proj.account, f"{base}/event_definitions/?search=bu").get_json()
    assert [d["name"] for d in found["results"]] == ["buy"]
    props = api.get(proj.account, f"{base}/property_definitions/?type=person").get_json()
    assert {(p["name"], p["property_type"]) for p in props["results"]} == {
        ("email", "String"),
        ("plan", "String"),
    }
    numeric = api.get(proj.account, f"{base}/property_definitions/?search=n&type=event")
    assert any(p["name"] == "n" and p["is_numerical"] for p in numeric.get_json()["results"])


def test_persons_search_patch_delete_gdpr(app: Flask, api: Api, proj: Proj) -> None:
    _seed(app, proj)
    base = f"/api/projects/{proj.project_id}/persons"
    listed = api.get(proj.account, f"{base}/").get_json()
    assert len(listed["results"]) == 2
    bob = api.get(proj.account, f"{base}/?distinct_id=b").get_json()["results"][0]
    props = json.dumps([{"key": "plan", "value": "pro", "operator": "exact"}])
    assert [
        p["id"] for p in api.get(proj.account, f"{base}/?properties={props}").get_json()["results"]
    ] == [bob["id"]]
    patched = api.patch(
        proj.account, f"{base}/{bob['id']}/", {"properties": {"plan": "team"}, "unset": ["email"]}
    )
    assert patched.status_code == 200 and patched.get_json()["properties"] == {"plan": "team"}
    assert api.get(proj.account, f"{base}/{bob['uuid']}/").get_json()["properties"] == {
        "plan": "team"
    }
    assert api.delete(proj.account, f"{base}/{bob['uuid']}/?delete_events=true").status_code == 204
    assert api.get(proj.account, f"{base}/{bob['uuid']}/").status_code == 404
    assert [
        e.event for e in rows(app, Event, project_id=proj.project_id) if e.distinct_id == "b"
    ] == []
    ann = api.get(proj.account, f"{base}/?search=ann@x.io").get_json()["results"][0]
    assert api.delete(proj.account, f"{base}/{ann['id']}/").status_code == 204
    assert event_count(app, proj.project_id) == 6  # events kept without delete_events


def test_groups_api(app: Flask, api: Api, proj: Proj) -> None:
    _send(
        app,
        proj,
        [
            {
                "event": "$groupidentify",
                "distinct_id": "u",
                "properties": {
                    "$group_type": "company",
                    "$group_key": f"c{i}",
                    "$group_set": {"i": i},
                },
            }
            for i in range(3)
        ],
    )
    base = f"/api/projects/{proj.project_id}"
    listed = api.get(proj.account, f"{base}/groups/?group_type_index=0").get_json()
    assert sorted(g["group_key"] for g in listed["results"]) == ["c0", "c1", "c2"]
    assert api.get(proj.account, f"{base}/groups/").status_code == 400
    assert (
        api.get(proj.account, f"{base}/groups/find?group_type_index=0&group_key=zz").status_code
        == 404
    )
    types = api.get(proj.account, f"{base}/groups_types/").get_json()
    assert [(t["group_type"], t["group_type_index"]) for t in types] == [("company", 0)]


def test_cross_tenant_404_and_key_scopes(app: Flask, api: Api, proj: Proj) -> None:
    _seed(app, proj)
    other = make_project(api)
    event_uuid = _events(api, proj)["results"][0]["uuid"]
    person = api.get(proj.account, f"/api/projects/{proj.project_id}/persons/").get_json()[
        "results"
    ][0]
    mine = f"/api/projects/{proj.project_id}"
    for path in (
        "/events/",
        f"/events/{event_uuid}/",
        "/persons/",
        f"/persons/{person['id']}/",
        "/event_definitions/",
        "/property_definitions/",
        "/groups/?group_type_index=0",
    ):
        assert api.get(other.account, mine + path).status_code == 404, path
    theirs = f"/api/projects/{other.project_id}"
    assert api.get(other.account, f"{theirs}/events/{event_uuid}/").status_code == 404
    assert api.get(other.account, f"{theirs}/persons/{person['uuid']}/").status_code == 404
    assert (
        api.patch(other.account, f"{mine}/persons/{person['id']}/", {"properties": {}}).status_code
        == 404
    )
    assert api.delete(other.account, f"{mine}/persons/{person['id']}/").status_code == 404
    key = api.create_key(proj.account, scopes=["event:read"])
    assert api.get(key, f"{mine}/events/").status_code == 200
    assert api.get(key, f"{mine}/persons/").status_code == 403


def test_overflow_parks_batches_and_replay_requeues(app: Flask, proj: Proj) -> None:
    hooks.OVERFLOW_CHECKS.append(lambda org, pid: pid == proj.project_id)
    try:
        body = {"api_key": proj.token, "batch": [{"event": "over", "distinct_id": "q"}]}
        assert app.test_client().post("/batch/", json=body).status_code == 200
    finally:
        hooks.OVERFLOW_CHECKS.clear()
    drain(app)
    assert event_count(app, proj.project_id) == 0
    (parked,) = rows(app, IngestionOverflow, project_id=proj.project_id)
    assert parked.event_count == 1
    with app.app_context(), tenant_scope(uuid.UUID(proj.account.organization_id), proj.project_id):
        from app.db import get_session

        assert replay_overflow(proj.project_id) == 1
        get_session().commit()
    drain(app)
    assert event_count(app, proj.project_id) == 1
    assert rows(app, IngestionOverflow, project_id=proj.project_id) == []
