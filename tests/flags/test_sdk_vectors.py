"""The published consistency vectors through the real Python and Node SDKs, remote and local."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from app.db import get_session
from app.persons.models import GroupTypeMapping
from app.tenancy import tenant_scope
from tests.flags import vectors
from tests.flags.conftest import create_flag, project_token
from tests.flags.sdk import node, python_client
from tests.helpers import Account, Api

IDS = [f"distinct_id_{i}" for i in range(1000)]


def _setup(api: Api, app: Flask, grant: Callable[[Account], None]) -> tuple[Account, str]:
    acct = api.signup()
    grant(acct)
    create_flag(api, acct, **vectors.simple_flag())
    create_flag(api, acct, **vectors.multivariate_flag())
    create_flag(
        api,
        acct,
        key="experiment-flag",
        filters={
            "groups": [{"properties": [], "rollout_percentage": 0}],
            "holdout": {"id": 727, "exclusion_percentage": 20},
        },
    )
    return acct, project_token(api, acct)


def _by_index(rows: list[dict[str, Any]], key: str) -> dict[int, Any]:
    return {i: row.get(key, False) for i, row in enumerate(rows)}


def _check(rows: list[dict[str, Any]]) -> None:
    vectors.check_simple(_by_index(rows, "simple-flag"))
    vectors.check_multi(_by_index(rows, "multivariate-flag"))


def test_python_sdk_remote_and_local(
    api: Api, app: Flask, live_url: str, grant_growth: Any
) -> None:
    acct, token = _setup(api, app, grant_growth)
    remote = python_client(live_url, token)
    try:
        rows = [remote.get_all_flags(d) or {} for d in IDS]
        held = {
            f"user_{i}"
            for i in range(1, 21)
            if (remote.get_all_flags(f"user_{i}") or {}).get("experiment-flag") == "holdout-727"
        }
    finally:
        remote.shutdown()
    _check(rows)
    assert held == vectors.HOLDOUT_USERS
    key = api.create_key(acct, scopes=["feature_flag:read"])
    local = python_client(live_url, token, key)
    try:
        local.load_feature_flags()
        assert local.feature_flags and len(local.feature_flags) == 3
        rows = [local.get_all_flags(d, only_evaluate_locally=True) or {} for d in IDS]
        held_local = {
            f"user_{i}"
            for i in range(1, 21)
            if (local.get_all_flags(f"user_{i}", only_evaluate_locally=True) or {}).get(
                "experiment-flag"
            )
            == "holdout-727"
        }
    finally:
        local.shutdown()
    _check(rows)
    assert held_local == vectors.HOLDOUT_USERS


def test_node_sdk_remote_and_local(api: Api, app: Flask, live_url: str, grant_growth: Any) -> None:
    acct, token = _setup(api, app, grant_growth)
    calls = [{"distinctId": d} for d in IDS]
    remote = node(live_url, token, calls)
    assert remote["errors"] == []
    _check([r["featureFlags"] for r in remote["results"]])
    secret = api.post(acct, f"/api/projects/{acct.project_id}/rotate_secret_token/")
    assert secret.status_code == 200, secret.get_json()
    local = node(
        live_url,
        token,
        calls + [{"distinctId": f"user_{i}"} for i in range(1, 21)],
        local=True,
        secretKey=secret.get_json()["secret_api_token"],
    )
    assert local["errors"] == []
    flags = [r["featureFlags"] for r in local["results"]]
    _check(flags[:1000])
    held = {
        f"user_{i}"
        for i, f in zip(range(1, 21), flags[1000:], strict=True)
        if f.get("experiment-flag") == "holdout-727"
    }
    assert held == vectors.HOLDOUT_USERS


def test_group_flags_both_sdks(api: Api, app: Flask, live_url: str, grant_growth: Any) -> None:
    acct = api.signup()
    grant_growth(acct)
    with (
        app.app_context(),
        tenant_scope(__import__("uuid").UUID(acct.organization_id), acct.project_id),
    ):
        get_session().add(GroupTypeMapping(group_type="company", group_type_index=0))
        get_session().commit()
    create_flag(
        api,
        acct,
        key="group-flag",
        filters={
            "aggregation_group_type_index": 0,
            "groups": [
                {
                    "properties": [
                        {
                            "key": "name",
                            "value": ["Project Name 1"],
                            "operator": "exact",
                            "type": "group",
                            "group_type_index": 0,
                        }
                    ],
                    "rollout_percentage": 35,
                }
            ],
        },
    )
    token = project_token(api, acct)
    props = {"company": {"name": "Project Name 1"}}
    cases = [("amazon_without_rollout", True), ("amazon", False)]
    py = python_client(live_url, token)
    try:
        for company, want in cases:
            got = py.get_all_flags("u1", groups={"company": company}, group_properties=props)
            assert (got or {}).get("group-flag") is want
        assert (py.get_all_flags("u1") or {}).get("group-flag") is False
    finally:
        py.shutdown()
    calls = [
        {"distinctId": "u1", "groups": {"company": c}, "groupProperties": props} for c, _ in cases
    ]
    key = api.create_key(acct, scopes=["feature_flag:read"])
    for local in (False, True):
        out = node(live_url, token, calls, local=local, secretKey=key if local else None)
        got = [r["featureFlags"].get("group-flag") for r in out["results"]]
        assert got == [True, False], (local, out)
