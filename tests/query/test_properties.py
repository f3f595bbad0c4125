"""Property filters: PostHog's null semantics per operator, groups, AND/OR trees, injection."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from app.db import get_session
from app.persons.models import Group
from app.query.base import QueryError
from app.tenancy import unscoped
from tests.helpers import Api
from tests.query.data import Data, make_project, run

# Event props per distinct id; "e5" has no props at all.
EVENTS: dict[str, dict[str, Any]] = {
    "e1": {"name": "Alice", "n": 10, "flag": True, "url": "https://x.com/a?q=1", "d": "2020-01-05"},
    "e2": {"name": "bob", "n": "7", "flag": False, "url": "https://x.com/b", "d": "2019-12-01"},
    "e3": {"name": "", "n": "seven", "url": None, "d": "not a date"},
    "e4": {"name": "100%_off", "n": 12.5},
    "e5": {},
}


@pytest.fixture(scope="module")
def pid(qapp: Flask, qapi: Api) -> int:
    acct, project_id = make_project(qapi)
    d = Data(qapp, project_id)
    for did, props in EVENTS.items():
        d.person(did, tier="gold" if did in ("e1", "e2") else None)
        d.event(
            "ev", did, "2020-01-02T10:00:00", props, groups={0: "acme"} if did == "e1" else None
        )
    d.save()
    with qapp.app_context(), unscoped():
        get_session().add(
            Group(
                project_id=project_id,
                group_type_index=0,
                group_key="acme",
                group_properties={"industry": "tech"},
            )
        )
        get_session().commit()
    return project_id


def who(app: Flask, pid: int, properties: Any) -> int:
    q = {
        "kind": "TrendsQuery",
        "series": [{"event": "ev"}],
        "properties": properties,
        "dateRange": {"date_from": "2020-01-02", "date_to": "2020-01-02"},
    }
    return int(run(app, pid, q, "2020-01-03T00:00:00")["results"][0]["count"])


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("exact", "Alice", 1),
        ("exact", ["Alice", "bob"], 2),
        ("exact", "alice", 0),
        ("is_not", "Alice", 4),  # missing passes is_not
        ("is_not", ["Alice", "bob"], 3),
        ("icontains", "ALI", 1),
        ("icontains", "%", 1),  # escaped: literal percent only
        ("icontains", "_", 1),
        ("not_icontains", "o", 3),  # bob and 100%_off contain o; missing passes
        ("regex", "^[ab]", 1),
        ("not_regex", "^[ab]", 4),
        ("is_set", None, 4),  # "" counts as set
        ("is_not_set", None, 1),
    ],
)
def test_string_operators(qapp: Flask, pid: int, operator: str, value: Any, expected: int) -> None:
    assert who(qapp, pid, [{"key": "name", "operator": operator, "value": value}]) == expected


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [("gt", 8, 2), ("gte", 10, 2), ("lt", 10, 1), ("lte", "12.5", 3), ("exact", 10, 1)],
)
def test_numeric_operators_cast_safely(
    qapp: Flask, pid: int, operator: str, value: Any, expected: int
) -> None:
    assert who(qapp, pid, [{"key": "n", "operator": operator, "value": value}]) == expected


def test_booleans_dates_person_group(qapp: Flask, pid: int) -> None:
    assert who(qapp, pid, [{"key": "flag", "value": True}]) == 1
    assert who(qapp, pid, [{"key": "flag", "value": "false"}]) == 1
    assert who(qapp, pid, [{"key": "d", "operator": "is_date_after", "value": "2020-01-01"}]) == 1
    assert who(qapp, pid, [{"key": "d", "operator": "is_date_before", "value": "2020-01-01"}]) == 1
    assert who(qapp, pid, [{"key": "tier", "value": "gold", "type": "person"}]) == 2
    grp = {"key": "industry", "value": "tech", "type": "group", "group_type_index": 0}
    assert who(qapp, pid, [grp]) == 1


def test_and_or_trees(qapp: Flask, pid: int) -> None:
    alice = [{"key": "name", "value": "Alice"}, {"key": "n", "operator": "gt", "value": 5}]
    tree = {
        "type": "OR",
        "values": [
            {"type": "AND", "values": alice},
            {"type": "AND", "values": [{"key": "name", "value": "bob"}]},
        ],
    }
    assert who(qapp, pid, tree) == 2


def test_property_names_cannot_inject_sql(qapp: Flask, pid: int) -> None:
    evil = "name') OR 1=1; DROP TABLE events; --"
    assert who(qapp, pid, [{"key": evil, "value": "x"}]) == 0
    assert who(qapp, pid, [{"key": evil, "operator": "is_not_set"}]) == 5
    value_evil = "' OR '1'='1"
    assert who(qapp, pid, [{"key": "name", "value": value_evil}]) == 0
    with qapp.app_context():
        assert get_session().execute(text("SELECT count(*) FROM events")).scalar_one() >= 5


def test_bad_filters_are_user_errors(qapp: Flask, pid: int) -> None:
    with pytest.raises(QueryError):
        who(qapp, pid, [{"key": "name", "operator": "regex", "value": "("}])
    with pytest.raises(QueryError):
        who(qapp, pid, [{"key": "name", "operator": "nope", "value": 1}])
    with pytest.raises(QueryError):
        who(qapp, pid, [{"key": "x", "type": "hogql"}])
