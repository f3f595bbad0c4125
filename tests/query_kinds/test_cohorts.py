"""Cohorts: API CRUD, static lists and CSV, dynamic property/behavioural cohorts computed by a
real worker, versions, cohort filters/breakdowns in the runners, local-evaluation groups."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from app.cohorts.service import cohort_property_groups
from app.query.funnels import run_funnels
from tests.helpers import Account, Api, error
from tests.query_kinds.data import Data
from workers.schedule import SCHEDULE


def project_data(app: Flask, acct: Account) -> Data:
    return Data(app, existing=(uuid.UUID(acct.organization_id), acct.project_id))


def base(acct: Account) -> str:
    return f"/api/projects/{acct.project_id}/cohorts/"


def members(api: Api, acct: Account, cohort_id: int) -> list[list[str]]:
    resp = api.get(acct, f"{base(acct)}{cohort_id}/persons/")
    assert resp.status_code == 200, resp.get_json()
    return sorted(p["distinct_ids"] for p in resp.get_json()["results"])


def test_static_cohort_from_list_and_csv(app: Flask, api: Api) -> None:
    acct = api.signup()
    data = project_data(app, acct)
    data.person("a1", "a2")
    data.person("b1")
    data.person("c1")
    resp = api.post(
        acct,
        base(acct),
        {"name": "S", "is_static": True, "distinct_ids": ["a1", "a2", "b1", "nobody"]},
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (body["is_static"], body["count"]) == (True, 2)
    assert members(api, acct, body["id"]) == [["a1", "a2"], ["b1"]]

    csv_file = (io.BytesIO(b"distinct_id\nc1\nb1\n"), "people.csv")
    resp = acct.client.post(
        base(acct),
        data={"name": "CSV", "is_static": "true", "csv": csv_file},
        headers={"X-CSRFToken": acct.csrf},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201, resp.get_json()
    assert members(api, acct, resp.get_json()["id"]) == [["b1"], ["c1"]]

    resp = api.patch(acct, f"{base(acct)}{body['id']}/", {"distinct_ids": ["c1"]})
    assert resp.status_code == 200 and resp.get_json()["count"] == 3
    listed = api.get(acct, base(acct)).get_json()
    assert [c["name"] for c in listed["results"]] == ["CSV", "S"] and listed["count"] == 2


def test_crud_validation_and_cross_tenant(api: Api) -> None:
    acct, other = api.signup(), api.signup()
    resp = api.post(acct, base(acct), {"name": "bad", "filters": {}})
    assert resp.status_code == 400 and error(resp)["attr"] == "filters"
    resp = api.post(acct, base(acct), {"is_static": True})
    assert resp.status_code == 400 and error(resp)["attr"] == "name"
    created = api.post(acct, base(acct), {"name": "S", "is_static": True}).get_json()
    url = f"{base(acct)}{created['id']}/"
    assert api.patch(acct, url, {"name": "T"}).get_json()["name"] == "T"
    foreign = f"/api/projects/{acct.project_id}/cohorts/{created['id']}/"
    assert api.get(other, foreign).status_code == 404
    assert api.get(other, f"{base(other)}{created['id']}/").status_code == 404
    assert api.get(other, f"{base(other)}{created['id']}/persons/").status_code == 404
    assert api.delete(acct, url).status_code == 204
    assert api.get(acct, url).status_code == 404


def _dynamic(api: Api, acct: Account, name: str, properties: dict[str, Any]) -> dict[str, Any]:
    resp = api.post(acct, base(acct), {"name": name, "filters": {"properties": properties}})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()  # type: ignore[no-any-return]


def test_dynamic_cohorts_calculated_by_a_worker(app: Flask, api: Api, drain: Any) -> None:
    acct = api.signup()
    data = project_data(app, acct)
    data.person("pro1", properties={"plan": "pro", "age": 30})
    data.person("pro2", properties={"plan": "pro", "age": 17})
    data.person("free1", properties={"plan": "free"})
    now = datetime.now(UTC)
    data.event("pro1", "$pageview", now - timedelta(days=1))
    data.event("free1", "$pageview", now - timedelta(days=2))
    data.event("free1", "$pageview", now - timedelta(days=1))
    data.event("pro2", "$pageview", now - timedelta(days=45))  # outside both windows
    props = {
        "type": "AND",
        "values": [
            {"key": "plan", "value": "pro", "type": "person", "operator": "exact"},
            {"key": "age", "value": 18, "type": "person", "operator": "gte"},
        ],
    }
    adults = _dynamic(api, acct, "adult pros", props)
    assert adults["is_calculating"] is True and adults["version"] is None
    assert members(api, acct, adults["id"]) == []  # nothing until the worker ran
    behaviour = {
        "type": "OR",
        "values": [
            {
                "type": "AND",
                "values": [
                    {
                        "key": "$pageview",
                        "type": "behavioral",
                        "value": "performed_event",
                        "event_type": "events",
                        "time_value": 30,
                        "time_interval": "day",
                    }
                ],
            }
        ],
    }
    recent = _dynamic(api, acct, "recent viewers", behaviour)
    multiple = {
        "type": "AND",
        "values": [
            {
                "key": "$pageview",
                "type": "behavioral",
                "value": "performed_event_multiple",
                "operator": "gte",
                "operator_value": 2,
                "time_value": 1,
                "time_interval": "week",
            }
        ],
    }
    heavy = _dynamic(api, acct, "heavy", multiple)
    negated = {
        "type": "AND",
        "values": [{"key": "id", "value": recent["id"], "type": "cohort", "negation": True}],
    }
    drain()
    assert members(api, acct, adults["id"]) == [["pro1"]]
    assert members(api, acct, recent["id"]) == [["free1"], ["pro1"]]
    assert members(api, acct, heavy["id"]) == [["free1"]]
    not_recent = _dynamic(api, acct, "not recent", negated)
    drain()
    assert members(api, acct, not_recent["id"]) == [["pro2"]]
    got = api.get(acct, f"{base(acct)}{adults['id']}/").get_json()
    assert (got["count"], got["version"], got["is_calculating"]) == (1, 1, False)

    # redefining recalculates under a new version; the old rows are gone
    api.patch(
        acct,
        f"{base(acct)}{adults['id']}/",
        {
            "filters": {
                "properties": {
                    "type": "AND",
                    "values": [{"key": "plan", "value": "pro", "type": "person"}],
                }
            }
        },
    )
    drain()
    got = api.get(acct, f"{base(acct)}{adults['id']}/").get_json()
    assert (got["count"], got["version"]) == (2, 2)
    assert members(api, acct, adults["id"]) == [["pro1"], ["pro2"]]


def test_periodic_recalculation_is_scheduled(app: Flask, api: Api, drain: Any) -> None:
    assert any(e.job == "workers.jobs.cohorts.recalculate_all" for e in SCHEDULE)
    acct = api.signup()
    data = project_data(app, acct)
    cohort = _dynamic(
        api,
        acct,
        "pros",
        {"type": "AND", "values": [{"key": "plan", "value": "pro", "type": "person"}]},
    )
    drain()
    assert members(api, acct, cohort["id"]) == []
    data.person("late", properties={"plan": "pro"})
    from workers.enqueue import enqueue

    with app.app_context():
        enqueue("workers.jobs.cohorts.recalculate_all", queue="default")
    drain()
    assert members(api, acct, cohort["id"]) == [["late"]]


def test_cohort_filter_and_breakdown_in_funnels(app: Flask, api: Api, drain: Any) -> None:
    acct = api.signup()
    data = project_data(app, acct)
    data.person("p1", properties={"plan": "pro"})
    data.person("p2", properties={"plan": "free"})
    for did in ("p1", "p2"):
        data.event(did, "a", "2020-01-02 10:00:00")
    data.event("p1", "b", "2020-01-02 11:00:00")
    pros = _dynamic(
        api,
        acct,
        "pros",
        {"type": "AND", "values": [{"key": "plan", "value": "pro", "type": "person"}]},
    )
    static = api.post(
        acct, base(acct), {"name": "S", "is_static": True, "distinct_ids": ["p2"]}
    ).get_json()
    drain()
    query: dict[str, Any] = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}],
        "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-05"},
        "properties": [{"type": "cohort", "key": "id", "value": pros["id"]}],
    }
    res = data.run(run_funnels, query)
    assert [s["count"] for s in res["results"]] == [1, 1]
    del query["properties"]
    query["breakdownFilter"] = {
        "breakdown_type": "cohort",
        "breakdown": [pros["id"], static["id"], "all"],
    }
    res = data.run(run_funnels, query)
    assert [(s[0]["breakdown_value"], [x["count"] for x in s]) for s in res["results"]] == [
        ("all", [2, 1]),
        (pros["id"], [1, 1]),
        (static["id"], [1, 0]),
    ]


def test_cohort_property_groups(app: Flask, api: Api) -> None:
    acct = api.signup()
    flat = _dynamic(
        api,
        acct,
        "flat",
        {"type": "AND", "values": [{"key": "plan", "value": "pro", "type": "person"}]},
    )
    nested = _dynamic(
        api,
        acct,
        "nested",
        {
            "type": "OR",
            "values": [
                {"type": "AND", "values": [{"key": "a", "value": "1", "type": "person"}]},
                {"type": "AND", "values": [{"key": "b", "value": "2", "type": "person"}]},
            ],
        },
    )
    _dynamic(
        api,
        acct,
        "behaviour",
        {
            "type": "AND",
            "values": [
                {
                    "key": "x",
                    "type": "behavioral",
                    "value": "performed_event",
                    "time_value": 1,
                    "time_interval": "day",
                }
            ],
        },
    )
    api.post(acct, base(acct), {"name": "S", "is_static": True})
    data = project_data(app, acct)
    with data.scope():
        groups = cohort_property_groups(acct.project_id)
    assert groups == {
        str(flat["id"]): {
            "type": "OR",
            "values": [
                {"type": "AND", "values": [{"key": "plan", "value": "pro", "type": "person"}]}
            ],
        },
        str(nested["id"]): {
            "type": "OR",
            "values": [
                {"type": "AND", "values": [{"key": "a", "value": "1", "type": "person"}]},
                {"type": "AND", "values": [{"key": "b", "value": "2", "type": "person"}]},
            ],
        },
    }
