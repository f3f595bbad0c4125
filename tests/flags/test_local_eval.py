"""Local-evaluation definitions, ETag/304, keys, cohorts, remote config, SDK operator parity."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask

from app.cohorts.models import Cohort, CohortPerson
from app.db import get_session
from app.tenancy import tenant_scope
from tests.flags.conftest import create_flag, project_token
from tests.flags.sdk import node, python_client
from tests.flags.test_remote import _person
from tests.helpers import Account, Api, error

DEFS = "/flags/definitions?token={}&send_cohorts"
OLD = "/api/feature_flag/local_evaluation/?token={}&send_cohorts"


def _cohort(app: Flask, acct: Account, **kw: Any) -> int:
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        cohort = Cohort(name="c", **kw)
        get_session().add(cohort)
        get_session().commit()
        return cohort.id


def test_definitions_etag_and_invalidation(api: Api) -> None:
    acct = api.signup()
    flag = create_flag(api, acct, key="a", filters={"groups": [{"rollout_percentage": 10}]})
    token, key = project_token(api, acct), api.create_key(acct, scopes=["feature_flag:read"])
    first = api.get(key, DEFS.format(token))
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    assert first.headers["Cache-Control"] == "private, must-revalidate"
    body = first.get_json()
    assert body["flags"][0]["key"] == "a" and body["group_type_mapping"] == {}
    assert body["flags"][0]["filters"]["groups"][0]["rollout_percentage"] == 10
    etag = first.headers["ETag"]
    same = api.get(key, OLD.format(token), headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""
    api.patch(acct, f"/api/projects/{acct.project_id}/feature_flags/{flag['id']}/", {"name": "x"})
    changed = api.get(key, DEFS.format(token), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_definitions_auth(api: Api) -> None:
    acct, other = api.signup(), api.signup()
    token = project_token(api, acct)
    assert api.get(None, DEFS.format(token)).status_code == 401
    assert api.get("phx_bogus", DEFS.format(token)).status_code == 401
    no_scope = api.create_key(acct, scopes=["insight:read"])
    assert api.get(no_scope, DEFS.format(token)).status_code == 403
    foreign = api.create_key(other, scopes=["feature_flag:read"])
    resp = api.get(foreign, DEFS.format(token))
    assert resp.status_code == 401 and error(resp)["code"] == "invalid_api_key"
    secret = api.post(acct, f"/api/projects/{acct.project_id}/rotate_secret_token/")
    phs = secret.get_json()["secret_api_token"]
    assert api.get(phs, DEFS.format(token)).status_code == 200
    assert api.get(phs, DEFS.format(project_token(api, other))).status_code == 401
    assert api.get(phs, f"/api/projects/{acct.project_id}/feature_flags/").status_code == 403


def test_dependencies_cohorts_and_remote_config(app: Flask, api: Api, grant_growth: Any) -> None:
    acct = api.signup()
    grant_growth(acct)
    dynamic = _cohort(
        app,
        acct,
        filters={
            "properties": {
                "type": "OR",
                "values": [
                    {"type": "AND", "values": [{"key": "plan", "value": "pro", "type": "person"}]}
                ],
            }
        },
    )
    static = _cohort(app, acct, is_static=True)
    person = _person(app, acct, ["member"], {})
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        get_session().add(CohortPerson(cohort_id=static, person_id=person, version=0))
        get_session().commit()
    create_flag(api, acct, key="base", filters={"groups": [{}]})
    create_flag(
        api,
        acct,
        key="mid",
        filters={
            "groups": [
                {
                    "properties": [
                        {
                            "key": "base",
                            "type": "flag",
                            "operator": "flag_evaluates_to",
                            "value": True,
                        }
                    ]
                }
            ]
        },
    )
    create_flag(
        api,
        acct,
        key="top",
        filters={
            "groups": [
                {
                    "properties": [
                        {
                            "key": "mid",
                            "type": "flag",
                            "operator": "flag_evaluates_to",
                            "value": True,
                        }
                    ]
                }
            ]
        },
    )
    create_flag(
        api,
        acct,
        key="pros",
        filters={"groups": [{"properties": [{"key": "id", "type": "cohort", "value": dynamic}]}]},
    )
    create_flag(
        api,
        acct,
        key="listed",
        filters={"groups": [{"properties": [{"key": "id", "type": "cohort", "value": static}]}]},
    )
    create_flag(
        api,
        acct,
        key="cfg",
        is_remote_configuration=True,
        filters={"groups": [{}], "payloads": {"true": {"theme": "dark"}}},
    )
    token = project_token(api, acct)
    key = api.create_key(acct, scopes=["feature_flag:read"])
    body = api.get(key, DEFS.format(token)).get_json()
    by_key = {f["key"]: f for f in body["flags"]}
    assert "cfg" not in by_key
    dep = by_key["top"]["filters"]["groups"][0]["properties"][0]
    assert dep["key"] == "mid" and dep["dependency_chain"] == ["base", "mid"]
    assert list(body["cohorts"]) == [str(dynamic)]
    remote = api.new_client().post("/flags/?v=2", json={"token": token, "distinct_id": "member"})
    flags = remote.get_json()["flags"]
    assert flags["listed"]["enabled"] is True and flags["top"]["enabled"] is True
    assert flags["pros"]["enabled"] is False and flags["cfg"]["enabled"] is True
    rc = api.get(key, f"/api/projects/@current/feature_flags/cfg/remote_config?token={token}")
    assert rc.status_code == 200 and rc.get_json() == '{"theme": "dark"}'
    assert (
        api.get(
            key, f"/api/projects/@current/feature_flags/nope/remote_config?token={token}"
        ).status_code
        == 404
    )


def test_sdks_local_match_remote_for_operator_edge_cases(
    api: Api, live_url: str, grant_growth: Any
) -> None:
    acct = api.signup()
    grant_growth(acct)
    cases = {
        "re": ("regex", r"\.com$"),
        "num": ("gt", 1),
        "lt": ("lt", "30"),
        "tilde": ("semver_tilde", "1.2.3"),
        "caret": ("semver_caret", "1.2.3"),
        "list": ("exact", ["FREE", "PRO"]),
        "boolish": ("exact", False),
        "set": ("is_set", None),
        "date": ("is_date_before", "-1d"),
        "badre": ("regex", "?*"),
    }
    for name, (op, value) in cases.items():
        create_flag(
            api,
            acct,
            key=name,
            filters={
                "groups": [
                    {"properties": [{"key": "p", "operator": op, "value": value, "type": "person"}]}
                ]
            },
        )
    token = project_token(api, acct)
    key = api.create_key(acct, scopes=["feature_flag:read"])
    samples: list[tuple[Any, dict[str, bool]]] = [
        ("value.com", {"re": True, "list": False, "set": True, "boolish": True, "badre": False}),
        ("valuecom", {"re": False}),
        ("23", {"num": True}),
        ("100", {"lt": False}),
        ("1.2.99", {"tilde": True, "caret": True}),
        ("1.3.0", {"tilde": False, "caret": True}),
        ("pro", {"list": True}),
        (None, {"set": True, "re": False}),
        ("2001-01-01", {"date": True}),
    ]
    local, remote = python_client(live_url, token, key), python_client(live_url, token)
    try:
        local.load_feature_flags()
        for value, wanted in samples:
            props = {"p": value}
            got_local = local.get_all_flags("u", person_properties=props) or {}
            got_remote = remote.get_all_flags("u", person_properties=props) or {}
            for flag, want in wanted.items():
                assert got_remote[flag] is want, (flag, value, got_remote[flag])
                assert got_local[flag] is want, (flag, value, got_local[flag])
        missing = remote.get_all_flags("u") or {}
        assert not any(missing[k] for k in cases if k != "set") and missing["set"] is False
    finally:
        local.shutdown()
        remote.shutdown()
    calls = [{"distinctId": "u", "personProperties": {"p": v}} for v, _ in samples]
    for run_local in (False, True):
        out = node(live_url, token, calls, local=run_local, secretKey=key if run_local else None)
        for (value, wanted), result in zip(samples, out["results"], strict=True):
            for flag, want in wanted.items():
                assert result["featureFlags"][flag] is want, (run_local, flag, value)
