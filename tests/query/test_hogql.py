"""HogQL expressions in property filters, math_hogql and hogql breakdowns; unsafe or
unsupported input is a 400-class QueryError and never reaches SQL."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.query.base import QueryError
from tests.helpers import Api, error
from tests.query.data import Data, make_project, run

NOW = "2020-01-10T00:00:00"
DAY = {"date_from": "2020-01-02", "date_to": "2020-01-03"}


@pytest.fixture(scope="module")
def pid(qapp: Flask, qapi: Api) -> int:
    _acct, project_id = make_project(qapi)
    d = Data(qapp, project_id)
    d.person("u1", plan="pro").person("u2", plan="free").person("u3")
    d.event("buy", "u1", "2020-01-02T10:00:00", {"price": 10, "$browser": "Chrome"})
    d.event("buy", "u1", "2020-01-02T11:00:00", {"price": "2.5", "$browser": "chrome"})
    d.event("buy", "u2", "2020-01-03T09:00:00", {"price": "n/a", "$browser": "Firefox"})
    d.event("buy", "u3", "2020-01-03T12:00:00", {"price": 7, "o's": "quote"})
    d.event("view", "u2", "2020-01-03T12:00:00", {"price": 1000})
    d.save()
    return project_id


def trend(app: Flask, pid: int, series: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    query = {"kind": "TrendsQuery", "series": [series], "dateRange": DAY, **extra}
    results: list[dict[str, Any]] = run(app, pid, query, NOW)["results"]
    return results


def count(app: Flask, pid: int, expression: str) -> float:
    props = [{"type": "hogql", "key": expression}]
    return float(trend(app, pid, {"event": "buy"}, properties=props)[0]["count"])


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("properties.price > 5", 2),  # 10 and 7; "n/a" is not a number → no match
        ("toFloat(properties.price) >= 2.5 and properties.price < 10", 2),
        ("lower(properties.$browser) = 'chrome'", 2),
        ("properties.$browser ilike 'CH%'", 2),
        ("properties.$browser like 'Ch%'", 1),
        ("properties.$browser not in ('Chrome', 'Firefox')", 2),  # missing passes not in
        ("properties.$browser is null", 1),
        ("person.properties.plan = 'pro' or distinct_id = 'u3'", 3),
        ("properties['o''s'] = 'quote'", 1),
        ("properties.`o's` == 'quote'", 1),
        ("event = 'buy' and timestamp >= '2020-01-03'", 2),
        ("if(properties.price > 5, 'big', 'small') = 'small'", 2),
        ("concat(distinct_id, '-', properties.$browser) = 'u1-Chrome'", 1),
        ("properties.nothing = null", 4),
        ("not (properties.price > 5)", 1),  # "n/a" is not a number: unknown either way
    ],
)
def test_hogql_filters(qapp: Flask, pid: int, expression: str, expected: int) -> None:
    assert count(qapp, pid, expression) == expected


def test_math_hogql(qapp: Flask, pid: int) -> None:
    def total(expr: str) -> float:
        series = {"event": "buy", "math": "hogql", "math_hogql": expr}
        bold = {"display": "BoldNumber"}
        return float(trend(qapp, pid, series, trendsFilter=bold)[0]["aggregated_value"])

    assert total("sum(toFloat(properties.price))") == 19.5
    assert total("count()") == 4
    assert total("count(distinct person_id)") == 3
    assert total("countIf(properties.price > 5)") == 2
    assert total("sumIf(properties.price, person.properties.plan = 'pro') * 2") == 25
    assert total("avg(properties.price)") == pytest.approx(19.5 / 3)
    assert total("max(properties.price) - min(properties.price)") == 7.5
    per_day = trend(qapp, pid, {"event": "buy", "math": "hogql", "math_hogql": "uniq(event)"})
    assert per_day[0]["data"] == [1, 1]


def test_math_hogql_time_series(qapp: Flask, pid: int) -> None:
    series = {"event": "buy", "math": "hogql", "math_hogql": "sum(properties.price)"}
    rows = trend(qapp, pid, series)
    assert rows[0]["data"] == [12.5, 7] and rows[0]["count"] == 19.5


def test_hogql_breakdown(qapp: Flask, pid: int) -> None:
    rows = trend(
        qapp,
        pid,
        {"event": "buy"},
        breakdownFilter={"breakdown_type": "hogql", "breakdown": "lower(properties.$browser)"},
    )
    got = {r["breakdown_value"]: r["count"] for r in rows}
    assert got == {"chrome": 2, "firefox": 1, "$$_posthog_breakdown_null_$$": 1}


@pytest.mark.parametrize(
    "expression",
    [
        "properties.x'); DROP TABLE events; --",
        "pg_sleep(10)",
        "properties.price > ",
        "sum(properties.price)",  # aggregate outside math
        "unknown.field = 1",
        "1 = 1; select 1",
        "lower(properties.a, properties.b)",
        "(" * 60 + "1" + ")" * 60,
        "x" * 2_001,
        "",
    ],
)
def test_bad_filters_are_query_errors(qapp: Flask, pid: int, expression: str) -> None:
    with pytest.raises(QueryError):
        count(qapp, pid, expression)


@pytest.mark.parametrize(
    "expression",
    ["properties.price", "sum(sum(properties.price))", "sum(properties.price) + properties.x"],
)
def test_bad_math_hogql(qapp: Flask, pid: int, expression: str) -> None:
    with pytest.raises(QueryError):
        trend(qapp, pid, {"event": "buy", "math": "hogql", "math_hogql": expression})


def test_injection_attempts_leave_data_alone(qapp: Flask, qapi: Api, pid: int) -> None:
    """A value that looks like SQL is a bound string, so it matches nothing and drops nothing."""
    assert count(qapp, pid, "properties.$browser = 'x''; DROP TABLE events; --'") == 0
    assert count(qapp, pid, "event = 'buy'") == 4


def test_api_answers_400_for_bad_hogql(qapp: Flask, qapi: Api) -> None:
    acct = qapi.signup()
    query = {
        "kind": "TrendsQuery",
        "series": [{"event": "buy"}],
        "properties": [{"type": "hogql", "key": "nope("}],
    }
    resp = qapi.post(acct, f"/api/projects/{acct.project_id}/query/", {"query": query})
    assert resp.status_code == 400, resp.get_json()
    assert "HogQL" in error(resp)["detail"]
