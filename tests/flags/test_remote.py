"""/flags and /decide on the wire: encodings, shapes, stored properties, continuity, errors."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from typing import Any

from flask import Flask

from app.db import get_session
from app.persons.models import Group, GroupTypeMapping, Person, PersonDistinctId
from app.tenancy import tenant_scope
from tests.flags.conftest import create_flag, project_token
from tests.flags.sdk import node, python_client
from tests.helpers import Account, Api, error

EMAIL_FLAG = {
    "groups": [
        {
            "properties": [
                {"key": "email", "operator": "icontains", "value": "@acme.com", "type": "person"}
            ]
        }
    ]
}


def _person(app: Flask, acct: Account, distinct_ids: list[str], props: dict[str, Any]) -> int:
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        person = Person(properties=props)
        get_session().add(person)
        get_session().flush()
        for d in distinct_ids:
            get_session().add(
                PersonDistinctId(distinct_id=d, person_id=person.id, person_uuid=person.uuid)
            )
        get_session().commit()
        return person.id


def _flags(api: Api, body: Any, path: str = "/flags/?v=2") -> Any:
    return api.new_client().post(path, json=body)


def test_shapes_for_each_version(api: Api, grant_growth: Any) -> None:
    acct = api.signup()
    grant_growth(acct)
    create_flag(
        api,
        acct,
        key="on",
        name="On flag",
        filters={"groups": [{"rollout_percentage": 100}], "payloads": {"true": {"color": "red"}}},
    )
    create_flag(api, acct, key="off", filters={"groups": [{"rollout_percentage": 0}]})
    token = project_token(api, acct)
    body = {"token": token, "distinct_id": "u1"}
    v2 = _flags(api, body).get_json()
    assert v2["errorsWhileComputingFlags"] is False and "requestId" in v2
    assert v2["flags"]["on"]["enabled"] is True and v2["flags"]["on"]["variant"] is None
    assert v2["flags"]["on"]["reason"] == {
        "code": "condition_match",
        "condition_index": 0,
        "description": "Matched condition set 1",
    }
    meta = v2["flags"]["on"]["metadata"]
    assert meta["payload"] == '{"color": "red"}' and meta["version"] == 1
    assert meta["description"] == "On flag"
    assert v2["flags"]["off"]["reason"]["code"] == "out_of_rollout_bound"
    assert "featureFlags" not in v2
    v1 = _flags(api, body, "/flags/?v=1").get_json()
    assert v1["featureFlags"] == {"on": True, "off": False}
    assert v1["featureFlagPayloads"] == {"on": '{"color": "red"}'}
    config = _flags(api, body, "/flags/?v=2&config=true").get_json()
    assert config["featureFlags"]["on"] is True and config["supportedCompression"]
    assert _flags(api, body, "/decide/").get_json()["featureFlags"] == ["on"]
    assert _flags(api, body, "/decide/?v=2").get_json()["featureFlags"] == {"on": True}
    assert _flags(api, body, "/decide/?v=3").get_json()["featureFlags"] == {
        "on": True,
        "off": False,
    }
    assert _flags(api, body, "/decide/?v=4").get_json()["flags"]["on"]["enabled"] is True
    only = _flags(api, {**body, "flag_keys_to_evaluate": ["off"]}).get_json()
    assert list(only["flags"]) == ["off"]


def test_encodings_and_token_aliases(api: Api) -> None:
    acct = api.signup()
    create_flag(api, acct, key="on", filters={"groups": [{}]})
    token = project_token(api, acct)
    raw = json.dumps({"api_key": token, "distinct_id": 42}).encode()
    client = api.new_client()
    zipped = gzip.compress(raw)
    for resp in (
        client.post("/flags/?v=2", data=zipped, headers={"Content-Encoding": "gzip"}),
        client.post("/flags/?v=2&compression=gzip-js", data=zipped, content_type="text/plain"),
        client.post("/flags/?v=2", data=zipped, content_type="text/plain"),  # magic bytes
        client.post(
            "/flags/?v=2&compression=base64",
            data={"data": base64.b64encode(raw)},
            content_type="application/x-www-form-urlencoded",
        ),
        client.post("/flags?v=2", data=base64.b64encode(raw), content_type="text/plain"),
        client.post("/decide/?v=4", json={"$token": token, "distinct_id": "x", "n": float("nan")}),
    ):
        assert resp.status_code == 200, resp.get_data()
        assert resp.get_json()["flags"]["on"]["enabled"] is True


def test_auth_and_input_errors(api: Api, live_url: str) -> None:
    acct = api.signup()
    token = project_token(api, acct)
    bad = _flags(api, {"token": "phc_nope", "distinct_id": "u"})
    assert bad.status_code == 401 and error(bad)["code"] == "invalid_api_key"
    assert error(bad)["detail"].startswith("Project API key invalid")
    assert _flags(api, {"distinct_id": "u"}).status_code == 401
    assert _flags(api, {"token": token}).status_code == 400
    assert api.new_client().post("/flags/?v=2", data=b"\x1f\x8bnot gzip").status_code == 400
    py = python_client(live_url, "phc_nope")
    try:
        assert py.get_all_flags("u") == {}  # the SDK logs the 401 and carries on
    finally:
        py.shutdown()
    out = node(live_url, "phc_nope", [{"distinctId": "u"}])
    assert out["results"][0]["featureFlags"] == {}


def test_stored_person_and_group_properties_overlay(
    app: Flask, api: Api, grant_growth: Any
) -> None:
    acct = api.signup()
    grant_growth(acct)
    _person(app, acct, ["u1", "alias"], {"email": "a@acme.com", "plan": "free"})
    create_flag(api, acct, key="acme", filters=EMAIL_FLAG)
    create_flag(
        api,
        acct,
        key="pro",
        filters={"groups": [{"properties": [{"key": "plan", "value": "pro", "type": "person"}]}]},
    )
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        get_session().add(GroupTypeMapping(group_type="company", group_type_index=0))
        get_session().add(Group(group_type_index=0, group_key="c1", group_properties={"size": 50}))
        get_session().commit()
    create_flag(
        api,
        acct,
        key="big",
        filters={
            "aggregation_group_type_index": 0,
            "groups": [
                {
                    "properties": [
                        {
                            "key": "size",
                            "operator": "gt",
                            "value": 10,
                            "type": "group",
                            "group_type_index": 0,
                        }
                    ]
                }
            ],
        },
    )
    token = project_token(api, acct)
    got = _flags(
        api, {"token": token, "distinct_id": "alias", "groups": {"company": "c1"}}
    ).get_json()
    assert got["flags"]["acme"]["enabled"] and not got["flags"]["pro"]["enabled"]
    assert got["flags"]["big"]["enabled"] is True
    over = _flags(
        api,
        {
            "token": token,
            "distinct_id": "u1",
            "person_properties": {"plan": "pro"},
            "groups": {"company": "c1"},
            "group_properties": {"company": {"size": 5}},
        },
    ).get_json()
    assert over["flags"]["pro"]["enabled"] and over["flags"]["acme"]["enabled"]
    assert over["flags"]["big"]["enabled"] is False
    stranger = _flags(api, {"token": token, "distinct_id": "nobody"}).get_json()
    assert stranger["flags"]["acme"]["reason"]["code"] == "no_condition_match"


def test_experience_continuity_pins_the_anonymous_bucket(app: Flask, api: Api) -> None:
    acct = api.signup()
    create_flag(
        api,
        acct,
        key="sticky",
        ensure_experience_continuity=True,
        filters={"groups": [{"rollout_percentage": 50}]},
    )
    token = project_token(api, acct)
    # Find an anonymous id that is in the rollout and an identified id that is not.
    from app.feature_flags.hashing import in_rollout

    anon = next(f"anon{i}" for i in range(100) if in_rollout("sticky", f"anon{i}", 50))
    ident = next(f"user{i}" for i in range(100) if not in_rollout("sticky", f"user{i}", 50))
    _person(app, acct, [ident], {})
    first = _flags(api, {"token": token, "distinct_id": ident, "$anon_distinct_id": anon})
    assert first.get_json()["flags"]["sticky"]["enabled"] is True
    later = _flags(api, {"token": token, "distinct_id": ident}).get_json()
    assert later["flags"]["sticky"]["enabled"] is True  # the stored override, not the new id
    other = next(f"anon{i}" for i in range(100) if not in_rollout("sticky", f"anon{i}", 50))
    again = _flags(api, {"token": token, "distinct_id": ident, "$anon_distinct_id": other})
    assert again.get_json()["flags"]["sticky"]["enabled"] is True  # first override wins


def test_runtime_filter_disabled_flags_dependencies_and_cors(api: Api, grant_growth: Any) -> None:
    acct = api.signup()
    grant_growth(acct)
    base = create_flag(
        api,
        acct,
        key="base",
        filters={
            "groups": [{}],
            "multivariate": {"variants": [{"key": "a", "rollout_percentage": 100}]},
        },
    )
    create_flag(
        api,
        acct,
        key="child",
        filters={
            "groups": [
                {
                    "properties": [
                        {
                            "key": "base",
                            "type": "flag",
                            "operator": "flag_evaluates_to",
                            "value": "a",
                        }
                    ]
                }
            ]
        },
    )
    create_flag(api, acct, key="client-only", evaluation_runtime="client", filters={"groups": [{}]})
    create_flag(api, acct, key="paused", active=False, filters={"groups": [{}]})
    token = project_token(api, acct)
    body = {"token": token, "distinct_id": "u", "evaluation_runtime": "server"}
    resp = api.new_client().post(
        "/flags/?v=2", json=body, headers={"Origin": "https://shop.example"}
    )
    assert resp.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    flags = resp.get_json()["flags"]
    assert "client-only" not in flags
    assert flags["base"]["variant"] == "a" and flags["child"]["enabled"] is True
    assert flags["paused"]["reason"]["code"] == "flag_disabled"
    api.patch(
        acct, f"/api/projects/{acct.project_id}/feature_flags/{base['id']}/", {"active": False}
    )
    flags = _flags(api, body).get_json()["flags"]
    assert flags["child"]["enabled"] is False  # the cache was invalidated by the change
    assert api.new_client().options("/flags/", headers={"Origin": "https://x"}).status_code == 200
