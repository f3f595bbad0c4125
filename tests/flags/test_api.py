"""Flags admin API: CRUD, validation, versions, activity, editions, cross-tenant 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.tenancy import unscoped
from tests.flags.conftest import create_flag
from tests.flags.vectors import multivariate_flag
from tests.helpers import Account, Api, error

BOOL_FILTERS = {
    "groups": [
        {
            "properties": [
                {"key": "email", "operator": "icontains", "value": "@acme.com", "type": "person"}
            ],
            "rollout_percentage": 50,
        }
    ]
}


def _base(acct: Account) -> str:
    return f"/api/projects/{acct.project_id}/feature_flags/"


def test_crud_versions_and_activity(api: Api) -> None:
    acct = api.signup()
    flag = create_flag(api, acct, key="beta", name="Beta", filters=BOOL_FILTERS)
    assert flag["version"] == 1 and flag["active"] is True
    assert flag["filters"]["groups"][0]["rollout_percentage"] == 50
    url = f"{_base(acct)}{flag['id']}/"
    resp = api.patch(acct, url, {"active": False})
    assert resp.status_code == 200 and resp.get_json()["version"] == 2
    assert api.patch(acct, url, {"active": False}).get_json()["version"] == 2  # no-op change
    versions = api.get(acct, url + "versions/").get_json()["results"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["snapshot"]["active"] is True
    listed = api.get(acct, _base(acct)).get_json()
    assert listed["count"] == 1 and listed["results"][0]["key"] == "beta"
    log = api.get(acct, f"/api/projects/{acct.project_id}/activity_log/")
    if log.status_code == 200:
        entries = log.get_json()["results"]
        changed = [
            e for e in entries if e.get("scope") == "FeatureFlag" and e["action"] == "updated"
        ]
        assert changed and changed[0]["detail"]["changes"][0]["field"] == "active"
    assert api.delete(acct, url).status_code == 204
    assert api.get(acct, url).status_code == 404
    assert create_flag(api, acct, key="beta")["version"] == 1  # key reusable after soft delete


def test_activity_rows_have_field_diffs(api: Api, app: object) -> None:
    acct = api.signup()
    flag = create_flag(api, acct, key="diffed", filters=BOOL_FILTERS)
    api.patch(acct, f"{_base(acct)}{flag['id']}/", {"name": "Renamed"})
    from sqlalchemy import select

    from app.activity.models import ActivityLog
    from app.db import get_session

    with app.app_context(), unscoped():  # type: ignore[attr-defined]
        rows = get_session().scalars(select(ActivityLog).where(ActivityLog.scope == "FeatureFlag"))
        updates = [r for r in rows if r.action == "updated"]
    assert updates[0].detail["changes"] == [{"field": "name", "before": "", "after": "Renamed"}]


def test_validation_errors(api: Api, grant_growth: Callable[[Account], None]) -> None:
    acct = api.signup()
    grant_growth(acct)
    bad_key = api.post(acct, _base(acct), {"key": "has space"})
    assert bad_key.status_code == 400 and error(bad_key)["attr"] == "key"
    create_flag(api, acct, key="dup")
    dup = api.post(acct, _base(acct), {"key": "dup"})
    assert dup.status_code == 409 and error(dup)["attr"] == "key"
    mv = multivariate_flag()
    mv["filters"]["multivariate"]["variants"][0]["rollout_percentage"] = 40
    bad_sum = api.post(acct, _base(acct), {"key": "mv", "filters": mv["filters"]})
    assert bad_sum.status_code == 400
    assert error(bad_sum)["code"] == "invalid_variant_percentages"
    bad_op = {"groups": [{"properties": [{"key": "a", "operator": "nope", "value": 1}]}]}
    resp = api.post(acct, _base(acct), {"key": "op", "filters": bad_op})
    assert resp.status_code == 400 and error(resp)["attr"] == "filters.groups.0.properties.0"
    bad_pct = api.post(
        acct, _base(acct), {"key": "pct", "filters": {"groups": [{"rollout_percentage": 101}]}}
    )
    assert bad_pct.status_code == 400


def test_dependency_cycles_rejected(api: Api) -> None:
    acct = api.signup()
    a = create_flag(api, acct, key="a")

    def dep_on(ref: str) -> dict[str, Any]:
        prop = {"key": ref, "type": "flag", "operator": "flag_evaluates_to", "value": True}
        return {"groups": [{"properties": [prop]}]}

    b = create_flag(api, acct, key="b", filters=dep_on("a"))
    assert b["filters"]["groups"][0]["properties"][0]["key"] == str(a["id"])
    cyc = api.patch(acct, f"{_base(acct)}{a['id']}/", {"filters": dep_on("b")})
    assert cyc.status_code == 400 and error(cyc)["code"] == "dependency_cycle"
    missing = api.post(acct, _base(acct), {"key": "c", "filters": dep_on("nope")})
    assert missing.status_code == 400


def test_editions_gate_multivariate_payloads_and_groups(
    api: Api, grant_growth: Callable[[Account], None]
) -> None:
    acct = api.signup()
    mv = multivariate_flag()
    resp = api.post(acct, _base(acct), mv)
    assert resp.status_code == 402 and error(resp)["code"] == "feature_not_in_plan"
    payload = {"key": "p", "filters": {"groups": [{}], "payloads": {"true": {"a": 1}}}}
    assert api.post(acct, _base(acct), payload).status_code == 402
    group = {"key": "g", "filters": {"aggregation_group_type_index": 0, "groups": [{}]}}
    assert api.post(acct, _base(acct), group).status_code == 402
    assert api.post(acct, _base(acct), {"key": "free", "filters": BOOL_FILTERS}).status_code == 201
    grant_growth(acct)
    created = api.post(acct, _base(acct), payload).get_json()
    assert created["filters"]["payloads"] == {"true": '{"a": 1}'}
    assert api.post(acct, _base(acct), mv).status_code == 201


def test_cross_tenant_404_and_key_scopes(api: Api) -> None:
    owner, other = api.signup(), api.signup()
    flag = create_flag(api, owner, key="mine")
    url = f"{_base(owner)}{flag['id']}/"
    assert api.get(other, url).status_code == 404
    assert api.patch(other, url, {"active": False}).status_code == 404
    assert api.delete(other, url).status_code == 404
    assert api.get(other, url + "versions/").status_code == 404
    foreign = f"{_base(other)}{flag['id']}/"
    assert api.get(other, foreign).status_code == 404
    assert api.get(other, f"{_base(other)}{flag['id']}/versions/").status_code == 404
    read_key = api.create_key(owner, scopes=["feature_flag:read"])
    assert api.get(read_key, url).status_code == 200
    assert api.patch(read_key, url, {"active": False}).status_code == 403
