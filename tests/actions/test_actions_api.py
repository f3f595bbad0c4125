"""Actions API: CRUD, validation, pagination, activity log, scopes, cross-tenant 404."""

from __future__ import annotations

from typing import Any

from tests.helpers import Account, Api, error

SIGNUP_STEP = {"event": "signed up", "properties": [{"key": "plan", "value": "pro"}]}


def base(acct: Account) -> str:
    return f"/api/projects/{acct.project_id}/actions/"


def create(api: Api, acct: Account, **body: Any) -> dict[str, Any]:
    resp = api.post(acct, base(acct), {"name": "Signed up", "steps": [SIGNUP_STEP], **body})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()  # type: ignore[no-any-return]


def test_crud_and_activity(api: Api) -> None:
    acct = api.signup()
    action = create(api, acct, description="pro sign ups", tags=["growth"])
    assert action["steps"] == [SIGNUP_STEP]
    assert (action["name"], action["description"], action["tags"]) == (
        "Signed up",
        "pro sign ups",
        ["growth"],
    )
    assert action["deleted"] is False and action["is_action"] is True
    assert action["team_id"] == acct.project_id and action["created_by_id"] == acct.user_id
    url = f"{base(acct)}{action['id']}/"
    assert api.get(acct, url).get_json() == action
    steps = [{"event": "$pageview", "url": "/pricing", "url_matching": "contains"}]
    resp = api.patch(acct, url, {"name": "Pricing", "steps": steps})
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["name"], resp.get_json()["steps"]) == ("Pricing", steps)
    assert resp.get_json()["description"] == "pro sign ups"  # untouched
    log = api.get(
        acct,
        f"/api/organizations/{acct.organization_id}/activity/?scope=Action",
    ).get_json()["results"]
    assert [e["action"] for e in log] == ["updated", "created"]
    fields = [c["field"] for c in log[0]["detail"]["changes"]]
    assert fields == ["name", "steps"]
    assert api.delete(acct, url).status_code == 204
    assert api.get(acct, url).status_code == 404
    assert api.patch(acct, url, {"name": "again"}).status_code == 404
    assert api.get(acct, base(acct)).get_json()["count"] == 0
    assert create(api, acct)["name"] == "Signed up"  # the name is free again


def test_list_paginates_and_searches(api: Api) -> None:
    acct = api.signup()
    ids = [create(api, acct, name=f"Action {i}")["id"] for i in range(3)]
    page = api.get(acct, base(acct) + "?limit=2").get_json()
    assert page["count"] == 3 and [a["id"] for a in page["results"]] == ids[::-1][:2]
    assert page["next"] is not None
    rest = api.get(acct, base(acct) + "?limit=2&offset=2").get_json()
    assert [a["id"] for a in rest["results"]] == ids[:1] and rest["next"] is None
    found = api.get(acct, base(acct) + "?search=ion 1").get_json()
    assert [a["name"] for a in found["results"]] == ["Action 1"]


def test_validation_changes_nothing(api: Api) -> None:
    acct = api.signup()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"steps": []}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x", "steps": [{"event": "a", "url_matching": "fuzzy"}]}, "steps"),
        ({"name": "x", "steps": [{"event": "a", "unknown": 1}]}, "steps"),
        ({"name": "x", "steps": [{"url": "(", "url_matching": "regex"}]}, "steps"),
        ({"name": "x", "steps": [{"event": "$autocapture", "selector": "a:hover"}]}, "steps"),
        ({"name": "x", "steps": [{"properties": [{"key": "a", "operator": "nope"}]}]}, "steps"),
        ({"name": "x", "steps": "everything"}, "steps"),
    ]
    for body, attr in cases:
        resp = api.post(acct, base(acct), body)
        assert resp.status_code == 400, (body, resp.get_json())
        assert error(resp)["attr"].split(".")[0] == attr, (body, error(resp))
    assert api.get(acct, base(acct)).get_json()["count"] == 0
    action = create(api, acct)
    create(api, acct, name="Other")
    resp = api.post(acct, base(acct), {"name": "Signed up"})
    assert resp.status_code == 400 and error(resp)["code"] == "unique"
    url = f"{base(acct)}{action['id']}/"
    resp = api.patch(acct, url, {"name": "Other"})
    assert resp.status_code == 400 and error(resp)["attr"] == "name"
    resp = api.patch(acct, url, {"steps": [{"href": "[", "href_matching": "regex"}]})
    assert resp.status_code == 400 and error(resp)["attr"] == "steps"
    assert api.get(acct, url).get_json() == action


def test_cross_tenant_and_key_scopes(api: Api) -> None:
    acct, other = api.signup(), api.signup()
    action = create(api, acct)
    url = f"{base(acct)}{action['id']}/"
    for method in ("GET", "PATCH", "DELETE"):
        assert api.call(other, method, url, json={"name": "x"}).status_code == 404
    # another project's id under one's own project is also a 404
    assert api.get(other, f"{base(other)}{action['id']}/").status_code == 404
    assert api.get(acct, url).get_json()["name"] == "Signed up"
    reader = api.create_key(acct, scopes=["action:read"])
    assert api.call(reader, "GET", url).status_code == 200
    assert api.call(reader, "PATCH", url, json={"name": "y"}).status_code == 403
    writer = api.create_key(acct, scopes=["action:write"])
    assert api.call(writer, "PATCH", url, json={"name": "y"}).status_code == 200
    cohort_only = api.create_key(acct, scopes=["cohort:read"])
    assert api.call(cohort_only, "GET", url).status_code == 403


def test_query_api_uses_actions_and_sees_edits(api: Api, app: Any) -> None:
    import uuid
    from datetime import UTC, datetime, timedelta

    from tests.query_kinds.data import Data

    acct, other = api.signup(), api.signup()
    data = Data(app, existing=(uuid.UUID(acct.organization_id), acct.project_id))
    data.person("u1")
    recent = datetime.now(UTC) - timedelta(minutes=5)
    data.event("u1", "signed up", recent, {"plan": "pro"})
    data.event("u1", "signed up", recent, {"plan": "free"})
    action = create(api, acct)
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "ActionsNode", "id": action["id"]}],
        "dateRange": {"date_from": "-1d"},
        "trendsFilter": {"display": "BoldNumber"},
    }
    url = f"/api/projects/{acct.project_id}/query/"
    resp = api.post(acct, url, {"query": query, "refresh": "blocking"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["results"][0]["aggregated_value"] == 1
    assert resp.get_json()["results"][0]["label"] == "Signed up"
    api.patch(acct, f"{base(acct)}{action['id']}/", {"steps": [{"event": "signed up"}]})
    resp = api.post(acct, url, {"query": query, "refresh": "blocking"})
    assert resp.get_json()["results"][0]["aggregated_value"] == 2  # the edit made it stale
    # another project cannot query this project's action
    resp = api.post(other, f"/api/projects/{other.project_id}/query/", {"query": query})
    assert resp.status_code == 400 and error(resp)["attr"] == "query"


def test_editing_an_action_changes_the_cache_key_of_past_ranges(api: Api, app: Any) -> None:
    import uuid

    from tests.query_kinds.data import Data

    acct = api.signup()
    data = Data(app, existing=(uuid.UUID(acct.organization_id), acct.project_id))
    data.person("u1")
    data.event("u1", "signed up", "2020-01-02 10:00:00", {"plan": "pro"})
    data.event("u1", "signed up", "2020-01-02 11:00:00", {"plan": "free"})
    action = create(api, acct)
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "ActionsNode", "id": action["id"]}],
        "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-03"},
    }
    url = f"/api/projects/{acct.project_id}/query/"
    first = api.post(acct, url, {"query": query, "refresh": "blocking"}).get_json()
    assert first["results"][0]["data"] == [0, 1, 0]
    again = api.post(acct, url, {"query": query, "refresh": "force_cache"}).get_json()
    assert again["is_cached"] is True and again["cache_key"] == first["cache_key"]
    api.patch(acct, f"{base(acct)}{action['id']}/", {"steps": [{"event": "signed up"}]})
    miss = api.post(acct, url, {"query": query, "refresh": "force_cache"}).get_json()
    assert miss["results"] is None and miss["cache_key"] != first["cache_key"]
    fresh = api.post(acct, url, {"query": query, "refresh": "blocking"}).get_json()
    assert fresh["results"][0]["data"] == [0, 2, 0]
