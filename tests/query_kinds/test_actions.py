"""ActionsNode series in every insight kind, and how action steps match events (spec 1.7)."""

from __future__ import annotations

from typing import Any

import pytest

from app.actions.models import Action
from app.db import get_session
from app.query.base import QueryError
from app.query.funnels import run_funnels
from app.query.lifecycle import run_lifecycle
from app.query.retention import run_retention
from app.query.stickiness import run_stickiness
from app.query.trends import run_trends
from tests.query_kinds.data import Data

RANGE = {"date_from": "2020-01-01", "date_to": "2020-01-05"}


def make_action(data: Data, name: str, steps: list[dict[str, Any]], **extra: Any) -> int:
    with data.scope():
        action = Action(name=name, steps=steps, **extra)
        get_session().add(action)
        get_session().flush()
        return action.id


def node(action_id: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "ActionsNode", "id": action_id, **extra}


def _shop(data: Data) -> tuple[int, int]:
    """Checkout = a /checkout pageview OR a purchase of at least 10; Big purchase = the latter."""
    checkout = make_action(
        data,
        "Checkout",
        [
            {"event": "$pageview", "url": "/checkout", "url_matching": "contains"},
            {
                "event": "purchase",
                "properties": [{"key": "amount", "value": 10, "operator": "gte"}],
            },
        ],
    )
    big = make_action(
        data,
        "Big purchase",
        [{"event": "purchase", "properties": [{"key": "amount", "value": 10, "operator": "gte"}]}],
    )
    data.person("u1", created_at="2020-01-01 00:00:00")
    data.person("u2")
    data.person("u3", created_at="2020-01-02 08:00:00")
    data.events(
        "u1",
        ("$pageview", "2020-01-01 10:00:00", {"$current_url": "https://x.com/checkout"}),
        ("purchase", "2020-01-02 10:00:00", {"amount": 5}),
        ("$pageview", "2020-01-02 12:00:00", {"$current_url": "https://x.com/home"}),
    )
    data.events(
        "u2",
        ("$pageview", "2020-01-01 09:00:00", {"$current_url": "https://x.com/"}),
        ("purchase", "2020-01-01 11:00:00", {"amount": 20}),
        ("purchase", "2020-01-03 11:00:00", {"amount": "10"}),
    )
    data.events(
        "u3",
        ("$pageview", "2020-01-01 10:00:00", {"$current_url": "https://x.com/home"}),
        ("$pageview", "2020-01-02 10:00:00", {"$current_url": "https://x.com/checkout/pay"}),
    )
    return checkout, big


def test_trends_counts_any_matching_step(data: Data) -> None:
    checkout, _ = _shop(data)
    query = {
        "kind": "TrendsQuery",
        "series": [
            node(checkout),
            node(checkout, math="dau", custom_name="Buyers"),
            {"kind": "EventsNode", "event": "$pageview"},
        ],
        "dateRange": RANGE,
    }
    res = data.run(run_trends, query)["results"]
    assert [r["data"] for r in res] == [[2, 1, 1, 0, 0], [2, 1, 1, 0, 0], [3, 2, 0, 0, 0]]
    assert [r["label"] for r in res] == ["Checkout", "Buyers", "$pageview"]
    action = res[0]["action"]
    assert (action["id"], action["type"], action["name"]) == (checkout, "actions", "Checkout")
    assert res[2]["action"]["type"] == "events"
    # series filters and breakdowns apply on top of the action
    query["series"] = [node(checkout, properties=[{"key": "amount", "value": "20"}])]
    query["breakdownFilter"] = {"breakdown": "$current_url"}
    assert [r["data"] for r in data.run(run_trends, query)["results"]] == [[1, 0, 0, 0, 0]]
    del query["series"][0]["properties"]
    res = data.run(run_trends, query)["results"]
    assert [(r["breakdown_value"], r["count"]) for r in res] == [
        ("https://x.com/checkout", 1),
        ("https://x.com/checkout/pay", 1),
        ("$$_posthog_breakdown_null_$$", 2),
    ]


def test_funnel_steps_can_be_actions(data: Data) -> None:
    _, big = _shop(data)
    query = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}, node(big)],
        "dateRange": RANGE,
    }
    steps = data.run(run_funnels, query)["results"]
    assert [s["count"] for s in steps] == [3, 1]
    assert (steps[1]["action_id"], steps[1]["type"], steps[1]["name"]) == (
        big,
        "actions",
        "Big purchase",
    )
    # an action as exclusion: u2 bought big after step 0 and never reached step 1: removed
    query["series"] = [{"kind": "EventsNode", "event": "$pageview"}] * 2
    query["funnelsFilter"] = {"exclusions": [{**node(big), "funnelFromStep": 0, "funnelToStep": 1}]}
    assert [s["count"] for s in data.run(run_funnels, query)["results"]] == [2, 2]


def test_retention_target_entity_can_be_an_action(data: Data) -> None:
    checkout, _ = _shop(data)
    query = {
        "kind": "RetentionQuery",
        "dateRange": {"date_to": "2020-01-03"},
        "retentionFilter": {
            "period": "Day",
            "totalIntervals": 3,
            "targetEntity": {"id": checkout, "type": "actions"},
            "returningEntity": {"id": "$pageview", "type": "events"},
        },
    }
    res = data.run(run_retention, query)
    assert [[v["count"] for v in row["values"]] for row in res["results"]] == [
        [2, 1, 0],
        [1, 0, 0],
        [1, 0, 0],
    ]
    # and as the returning entity: u2 comes back with a big purchase on day 2
    query["retentionFilter"]["targetEntity"] = {"id": "$pageview", "type": "events"}
    query["retentionFilter"]["returningEntity"] = {"id": checkout, "type": "actions"}
    res = data.run(run_retention, query)
    assert [[v["count"] for v in row["values"]] for row in res["results"]] == [
        [3, 1, 1],
        [2, 0, 0],
        [0, 0, 0],
    ]


def test_stickiness_and_lifecycle_of_an_action(data: Data) -> None:
    checkout, _ = _shop(data)
    query = {"kind": "StickinessQuery", "series": [node(checkout)], "dateRange": RANGE}
    res = data.run(run_stickiness, query)["results"][0]
    assert (res["data"], res["count"], res["label"]) == ([2, 1, 0, 0, 0], 3, "Checkout")
    assert (res["action"]["id"], res["action"]["type"]) == (checkout, "actions")
    query = {
        "kind": "LifecycleQuery",
        "series": [node(checkout)],
        "dateRange": {"date_from": "2020-01-02", "date_to": "2020-01-04"},
    }
    res = data.run(run_lifecycle, query)["results"]
    assert {r["status"]: r["data"] for r in res} == {
        "new": [1.0, 0.0, 0.0],
        "returning": [0.0, 0.0, 0.0],
        "resurrecting": [0.0, 1.0, 0.0],
        "dormant": [-2.0, -1.0, -1.0],
    }
    assert res[0]["label"] == "Checkout - new" and res[0]["action"]["type"] == "actions"


CHAIN_BUY_NOW = (
    'button.btn.primary:attr__class="btn primary"nth-child="1"nth-of-type="1"text="Buy now";'
    'form.checkout:attr__class="checkout"attr_id="cart"nth-child="2";body:nth-child="1"'
)
CHAIN_PRICING = (
    'a.nav:attr__class="nav"attr__href="/pricing"href="/pricing"nth-child="1"text="Pricing";'
    'div.header:attr__class="header"nth-child="1"'
)
CHAIN_BUY_LATER = 'button.btn:attr__class="btn"nth-child="1"text="Buy later";div:nth-child="1"'

ELEMENT_STEPS: list[tuple[dict[str, Any], int]] = [
    ({"text": "Buy now"}, 1),
    ({"text": "buy", "text_matching": "contains"}, 2),
    ({"text": "^Buy (now|later)$", "text_matching": "regex"}, 2),
    ({"text": "Buy"}, 0),
    ({"href": "/pricing"}, 1),
    ({"href": "PRIC", "href_matching": "contains"}, 1),
    ({"href": "^/pri", "href_matching": "regex"}, 1),
    ({"tag_name": "button"}, 2),
    ({"tag_name": "form"}, 1),
    ({"selector": "form#cart button.primary"}, 1),
    ({"selector": "div > button"}, 1),
    ({"selector": "body > button"}, 0),
    ({"selector": "body button"}, 1),
    ({"selector": ".btn"}, 2),
    ({"selector": '[href="/pricing"]'}, 1),
    ({"selector": "*"}, 3),
    ({"url": "https://x.com/shop", "url_matching": "exact"}, 2),
    ({"url": "SHOP"}, 0),
    ({"url": "shop$", "url_matching": "regex"}, 2),
]


@pytest.mark.parametrize(("step", "expected"), ELEMENT_STEPS)
def test_autocapture_step_matching(data: Data, step: dict[str, Any], expected: int) -> None:
    data.person("u1")
    shop = {"$current_url": "https://x.com/shop"}
    data.event("u1", "$autocapture", "2020-01-02 10:00", shop, elements_chain=CHAIN_BUY_NOW)
    data.event("u1", "$autocapture", "2020-01-02 11:00", {}, elements_chain=CHAIN_PRICING)
    data.event("u1", "$autocapture", "2020-01-02 12:00", shop, elements_chain=CHAIN_BUY_LATER)
    # element conditions only apply to $autocapture steps (PostHog), so this matches the pageview
    data.event("u1", "$pageview", "2020-01-02 13:00", shop, elements_chain=CHAIN_PRICING)
    action = make_action(data, "Click", [{"event": "$autocapture", **step}])
    query = {
        "kind": "TrendsQuery",
        "series": [node(action), node(make_action(data, "View", [{"event": "$pageview", **step}]))],
        "dateRange": RANGE,
        "trendsFilter": {"display": "BoldNumber"},
    }
    res = data.run(run_trends, query)["results"]
    view = 1 if "url" not in step or expected else 0
    assert [r["aggregated_value"] for r in res] == [expected, view]


def test_missing_deleted_and_foreign_actions_are_query_errors(data: Data, make_data: Any) -> None:
    gone = make_action(data, "Gone", [{"event": "a"}], deleted=True)
    other = make_data()
    foreign = make_action(other, "Theirs", [{"event": "a"}])
    for action_id in (gone, foreign, 987654, "x"):
        query = {"kind": "TrendsQuery", "series": [node(action_id)], "dateRange": RANGE}  # type: ignore[arg-type]
        with pytest.raises(QueryError):
            data.run(run_trends, query)
    assert data.run(run_trends, {**query, "series": [node(make_action(data, "All", []))]})


def test_empty_action_and_empty_step_match_every_event(data: Data) -> None:
    data.person("u1")
    data.event("u1", "a", "2020-01-02 10:00")
    data.event("u1", "b", "2020-01-03 10:00")
    for steps in ([], [{}], [{"event": "zzz"}, {}]):
        query = {
            "kind": "TrendsQuery",
            "series": [node(make_action(data, f"A{len(steps)}{steps}", steps))],
            "dateRange": RANGE,
        }
        assert data.run(run_trends, query)["results"][0]["data"] == [0, 1, 1, 0, 0]


def test_actors_of_an_action_series_and_funnel_step(data: Data) -> None:
    from app.query.actors import run_actors

    checkout, big = _shop(data)
    trends = {"kind": "TrendsQuery", "series": [node(checkout)], "dateRange": RANGE}
    query = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": trends, "day": "2020-01-01"},
    }
    res = data.run(run_actors, query)
    assert sorted(row[0]["distinct_ids"][0] for row in res["results"]) == ["u1", "u2"]
    funnel = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}, node(big)],
        "dateRange": RANGE,
    }
    query["source"] = {"kind": "FunnelsActorsQuery", "source": funnel, "funnelStep": 2}
    res = data.run(run_actors, query)
    assert [row[0]["distinct_ids"] for row in res["results"]] == [["u2"]]


ELEMENT_FILTERS: list[tuple[str, str, Any, int]] = [
    ("text", "exact", "Buy now", 1),
    ("text", "exact", ["Buy now", "Pricing"], 3),
    ("text", "icontains", "buy", 2),
    ("text", "not_icontains", "buy", 2),  # Pricing + the pageview with no autocapture text
    ("text", "regex", "^Buy (now|later)$", 2),
    ("text", "is_not", "Pricing", 2),
    ("href", "exact", "/pricing", 2),  # the autocapture and the pageview carrying that chain
    ("selector", "exact", "form#cart button.primary", 1),
    ("selector", "is_not", ".btn", 2),
    ("tag_name", "exact", "a", 2),
    ("tag_name", "exact", ["button", "a"], 4),
]


@pytest.mark.parametrize(("key", "operator", "value", "expected"), ELEMENT_FILTERS)
def test_element_property_filters(
    data: Data, key: str, operator: str, value: Any, expected: int
) -> None:
    data.person("u1")
    data.event("u1", "$autocapture", "2020-01-02 10:00", {}, elements_chain=CHAIN_BUY_NOW)
    data.event("u1", "$autocapture", "2020-01-02 11:00", {}, elements_chain=CHAIN_PRICING)
    data.event("u1", "$autocapture", "2020-01-02 12:00", {}, elements_chain=CHAIN_BUY_LATER)
    data.event("u1", "$pageview", "2020-01-02 13:00", {}, elements_chain=CHAIN_PRICING)
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": None}],
        "properties": [{"type": "element", "key": key, "operator": operator, "value": value}],
        "dateRange": RANGE,
        "trendsFilter": {"display": "BoldNumber"},
    }
    res = data.run(run_trends, query)["results"]
    assert res[0]["aggregated_value"] == expected


@pytest.mark.parametrize(
    "prop",
    [
        {"type": "element", "key": "id", "value": "x"},
        {"type": "element", "key": "selector", "operator": "icontains", "value": "a"},
        {"type": "element", "key": "text", "operator": "gt", "value": "a"},
        {"type": "element", "key": "text", "value": ""},
        {"type": "element", "key": "selector", "value": "a ~ b"},
    ],
)
def test_bad_element_filters_are_query_errors(data: Data, prop: dict[str, Any]) -> None:
    query = {"kind": "TrendsQuery", "series": [{"event": None}], "properties": [prop]}
    with pytest.raises(QueryError):
        data.run(run_trends, {**query, "dateRange": RANGE})
