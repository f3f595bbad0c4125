"""Behavioural cohort kinds computed by the cohort worker: first time, sequence, regularly,
stopped, restarted, and behavioural filters on actions; exact memberships and 400s."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.helpers import Account, Api, error
from tests.query_kinds.data import Data


def base(acct: Account) -> str:
    return f"/api/projects/{acct.project_id}/cohorts/"


def members(api: Api, acct: Account, cohort_id: int) -> list[str]:
    resp = api.get(acct, f"{base(acct)}{cohort_id}/persons/")
    assert resp.status_code == 200, resp.get_json()
    return sorted(did for p in resp.get_json()["results"] for did in p["distinct_ids"])


def behaviour(value: str, key: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": "behavioral", "value": value, "event_type": "events", **extra}


def cohort(api: Api, acct: Account, *leaves: dict[str, Any]) -> int:
    body = {"name": "c", "filters": {"properties": {"type": "AND", "values": list(leaves)}}}
    resp = api.post(acct, base(acct), body)
    assert resp.status_code == 201, resp.get_json()
    return int(resp.get_json()["id"])


@pytest.fixture
def world(app: Flask, api: Api) -> tuple[Account, Data]:
    acct = api.signup()
    data = Data(app, existing=(uuid.UUID(acct.organization_id), acct.project_id))
    now = datetime.now(UTC)

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    history: dict[str, list[tuple[str, float]]] = {
        "first1": [("signup", 2)],
        "first2": [("signup", 20), ("signup", 2)],
        "seq_ok": [("view", 3), ("buy", 3 - 2 / 24)],
        "seq_late": [("view", 5), ("buy", 2)],
        "seq_rev": [("buy", 3), ("view", 3 - 1 / 24)],
        "regular": [("open", 1), ("open", 8), ("open", 15)],
        "semi": [("open", 1), ("open", 15)],
        "stopped": [("use", 20)],
        "restarted": [("use", 20), ("use", 2)],
        "active": [("use", 10), ("use", 2)],
        "gap": [("use", 20), ("use", 10), ("use", 2)],
    }
    for did, events in history.items():
        data.person(did)
        for name, days in events:
            data.event(did, name, ago(days))
    return acct, data


def test_first_time_sequence_and_regularly(
    world: tuple[Account, Data], api: Api, drain: Any
) -> None:
    acct, _ = world
    week = {"time_value": 7, "time_interval": "day"}
    first = cohort(api, acct, behaviour("performed_event_first_time", "signup", **week))
    not_first = cohort(
        api,
        acct,
        behaviour("performed_event", "signup", time_value=30, time_interval="day"),
        {**behaviour("performed_event_first_time", "signup", **week), "negation": True},
    )
    seq = {"seq_event": "buy", "seq_event_type": "events", "seq_time_value": 1}
    sequence = cohort(
        api,
        acct,
        behaviour("performed_event_sequence", "view", **week, **seq, seq_time_interval="day"),
    )
    regular = {"operator": "gte", "operator_value": 1, "time_value": 1, "time_interval": "week"}
    every_week = cohort(
        api,
        acct,
        behaviour("performed_event_regularly", "open", **regular, min_periods=3, total_periods=3),
    )
    most_weeks = cohort(
        api,
        acct,
        behaviour("performed_event_regularly", "open", **regular, min_periods=2, total_periods=3),
    )
    drain()
    assert members(api, acct, first) == ["first1"]
    assert members(api, acct, not_first) == ["first2"]
    assert members(api, acct, sequence) == ["seq_ok"]
    assert members(api, acct, every_week) == ["regular"]
    assert members(api, acct, most_weeks) == ["regular", "semi"]


def test_stopped_and_restarted(world: tuple[Account, Data], api: Api, drain: Any) -> None:
    acct, _ = world
    stopped = cohort(
        api,
        acct,
        behaviour(
            "stopped_performing_event",
            "use",
            time_value=30,
            time_interval="day",
            seq_time_value=7,
            seq_time_interval="day",
        ),
    )
    restarted = cohort(
        api,
        acct,
        behaviour(
            "restarted_performing_event",
            "use",
            time_value=2,
            time_interval="week",
            seq_time_value=7,
            seq_time_interval="day",
        ),
    )
    drain()
    assert members(api, acct, stopped) == ["stopped"]
    assert members(api, acct, restarted) == ["restarted"]
    got = api.get(acct, f"{base(acct)}{stopped}/").get_json()
    assert (got["count"], got["errors_calculating"]) == (1, 0)


def test_behaviours_on_actions(world: tuple[Account, Data], api: Api, drain: Any) -> None:
    acct, _ = world
    action = api.post(
        acct,
        f"/api/projects/{acct.project_id}/actions/",
        {"name": "Buy", "steps": [{"event": "buy"}]},
    ).get_json()
    bought = cohort(
        api,
        acct,
        {
            **behaviour("performed_event", action["id"], time_value=30, time_interval="day"),
            "event_type": "actions",
        },
    )
    sequence = cohort(
        api,
        acct,
        behaviour(
            "performed_event_sequence",
            "view",
            time_value=7,
            time_interval="day",
            seq_event=action["id"],
            seq_event_type="actions",
            seq_time_value=1,
            seq_time_interval="day",
        ),
    )
    drain()
    assert members(api, acct, bought) == ["seq_late", "seq_ok", "seq_rev"]
    assert members(api, acct, sequence) == ["seq_ok"]


BAD: list[dict[str, Any]] = [
    behaviour(
        "stopped_performing_event",
        "use",
        time_value=7,
        time_interval="day",
        seq_time_value=1,
        seq_time_interval="week",
    ),
    behaviour("restarted_performing_event", "use", time_value=7, time_interval="day"),
    behaviour(
        "performed_event_regularly",
        "open",
        operator_value=1,
        time_value=1,
        time_interval="week",
        min_periods=4,
        total_periods=3,
    ),
    behaviour(
        "performed_event_regularly",
        "open",
        operator="sometimes",
        operator_value=1,
        time_value=1,
        time_interval="week",
        min_periods=1,
        total_periods=3,
    ),
    behaviour("performed_event_first_time", "signup", time_value=0, time_interval="day"),
    behaviour("performed_event_first_time", "signup", time_value=7, time_interval="fortnight"),
    behaviour("performed_event_sequence", "view", time_value=7, time_interval="day"),
    behaviour("performed_event_whenever", "view"),
    {**behaviour("performed_event", 987654), "event_type": "actions"},
    {**behaviour("performed_event", "x"), "event_type": "sessions"},
]


@pytest.mark.parametrize("leaf", BAD)
def test_invalid_behaviours_are_400(api: Api, leaf: dict[str, Any]) -> None:
    acct = api.signup()
    body = {"name": "c", "filters": {"properties": {"type": "AND", "values": [leaf]}}}
    resp = api.post(acct, base(acct), body)
    assert resp.status_code == 400 and error(resp)["attr"] == "filters", resp.get_json()
    assert api.get(acct, base(acct)).get_json()["count"] == 0
