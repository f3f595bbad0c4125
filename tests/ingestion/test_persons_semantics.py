"""Person, merge, group and timestamp semantics applied by the ingest worker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from app.events.models import Event, EventDefinition, PropertyDefinition
from app.persons.models import Group, GroupTypeMapping, Person
from tests.ingestion.conftest import Proj, drain, person_of, rows


def send(app: Flask, proj: Proj, events: list[dict[str, Any]], **env: Any) -> None:
    for e in events:
        e.setdefault("uuid", str(uuid.uuid4()))
    body = {"api_key": proj.token, "batch": events, **env}
    resp = app.test_client().post("/batch/", json=body)
    assert resp.status_code == 200, resp.get_json()
    drain(app)


def ev(name: str, did: str, **props: Any) -> dict[str, Any]:
    return {"event": name, "distinct_id": did, "properties": props}


def test_set_set_once_unset_order_and_top_level_wins(app: Flask, proj: Proj) -> None:
    send(
        app,
        proj,
        [
            ev("$set", "u", **{"$set_once": {"first": 1, "plan": "free"}}),
            ev("$set", "u", **{"$set_once": {"first": 2}, "$set": {"plan": "pro", "tmp": 1}}),
            {**ev("x", "u", **{"$set": {"color": "red"}}), "$set": {"color": "blue"}},
            {**ev("$set", "u"), "$unset": ["tmp"]},
        ],
    )
    person = person_of(app, proj.project_id, "u")
    assert person is not None
    assert person.properties == {"first": 1, "plan": "pro", "color": "blue"}
    assert not person.is_identified


def test_identify_merges_anonymous_person(app: Flask, proj: Proj) -> None:
    send(app, proj, [ev("$pageview", "anon-1", **{"$set": {"ref": "ad"}}), ev("signup", "user-1")])
    anon = person_of(app, proj.project_id, "anon-1")
    user = person_of(app, proj.project_id, "user-1")
    assert anon is not None and user is not None and anon.id != user.id
    send(
        app,
        proj,
        [ev("$identify", "user-1", **{"$anon_distinct_id": "anon-1", "$set": {"email": "a@x.io"}})],
    )
    merged = person_of(app, proj.project_id, "anon-1")
    assert merged is not None and merged.id == user.id
    assert merged.is_identified
    assert merged.properties == {"ref": "ad", "email": "a@x.io"}
    assert merged.created_at == min(anon.created_at, user.created_at)
    assert merged.version >= 1
    assert [p.id for p in rows(app, Person, project_id=proj.project_id)] == [user.id]


def test_identify_of_unknown_ids_creates_one_person_with_both(app: Flask, proj: Proj) -> None:
    send(app, proj, [ev("$identify", "new-user", **{"$anon_distinct_id": "new-anon"})])
    a, b = person_of(app, proj.project_id, "new-user"), person_of(app, proj.project_id, "new-anon")
    assert a is not None and b is not None and a.id == b.id and a.is_identified


def test_already_identified_guard_and_merge_dangerously(app: Flask, proj: Proj) -> None:
    send(
        app,
        proj,
        [
            ev("$identify", "alice", **{"$anon_distinct_id": "a1", "$set": {"name": "Alice"}}),
            ev("$identify", "bob", **{"$anon_distinct_id": "b1", "$set": {"name": "Bob", "x": 1}}),
        ],
    )
    send(app, proj, [ev("$identify", "bob", **{"$anon_distinct_id": "alice"})])
    alice, bob = person_of(app, proj.project_id, "alice"), person_of(app, proj.project_id, "bob")
    assert alice is not None and bob is not None and alice.id != bob.id  # refused
    send(app, proj, [ev("$create_alias", "bob", alias="alice")])
    assert person_of(app, proj.project_id, "alice").id != bob.id  # type: ignore[union-attr]
    send(app, proj, [ev("$merge_dangerously", "bob", alias="alice")])
    merged = person_of(app, proj.project_id, "alice")
    assert merged is not None and merged.id == bob.id
    assert merged.properties == {"name": "Bob", "x": 1}  # target wins on conflict
    assert person_of(app, proj.project_id, "a1").id == bob.id  # type: ignore[union-attr]


def test_create_alias_merges_unidentified(app: Flask, proj: Proj) -> None:
    send(app, proj, [ev("e", "old-id", **{"$set": {"k": "old"}}), ev("e", "new-id")])
    send(app, proj, [ev("$create_alias", "new-id", alias="old-id")])
    old, new = person_of(app, proj.project_id, "old-id"), person_of(app, proj.project_id, "new-id")
    assert old is not None and new is not None and old.id == new.id
    assert new.properties == {"k": "old"}


def test_illegal_ids_are_never_merged(app: Flask, proj: Proj) -> None:
    send(app, proj, [ev("e", "null"), ev("e", "real-user")])
    for bad in ("null", "anonymous", "'undefined'", "  "):
        send(app, proj, [ev("$identify", "real-user", **{"$anon_distinct_id": bad})])
    real, null = (
        person_of(app, proj.project_id, "real-user"),
        person_of(app, proj.project_id, "null"),
    )
    assert real is not None and null is not None and real.id != null.id
    assert person_of(app, proj.project_id, "anonymous") is None


def test_personless_events(app: Flask, proj: Proj) -> None:
    send(
        app,
        proj,
        [
            ev("view", "ghost", **{"$process_person_profile": False, "$set": {"a": 1}}),
            ev(
                "$identify", "ghost", **{"$process_person_profile": False, "$anon_distinct_id": "g"}
            ),
        ],
    )
    assert person_of(app, proj.project_id, "ghost") is None
    stored = rows(app, Event, project_id=proj.project_id)
    assert [(e.event, e.person_id, e.person_mode) for e in stored] == [
        ("view", None, "propertyless")
    ]


def test_groups_identify_and_columns(app: Flask, proj: Proj) -> None:
    send(
        app,
        proj,
        [
            ev(
                "$groupidentify",
                "u",
                **{"$group_type": "company", "$group_key": "acme", "$group_set": {"size": 10}},
            ),
            ev(
                "$groupidentify",
                "u",
                **{"$group_type": "company", "$group_key": "acme", "$group_set": {"tier": "gold"}},
            ),
            ev("buy", "u", **{"$groups": {"company": "acme", "project": "p1"}}),
            ev("many", "u", **{"$groups": {f"t{i}": "k" for i in range(6)}}),
        ],
    )
    mapping = {
        m.group_type: m.group_type_index
        for m in rows(app, GroupTypeMapping, project_id=proj.project_id)
    }
    assert mapping["company"] == 0 and mapping["project"] == 1 and len(mapping) == 5
    (group,) = rows(app, Group, project_id=proj.project_id)
    assert group.group_key == "acme" and group.group_properties == {"size": 10, "tier": "gold"}
    buy = next(e for e in rows(app, Event, project_id=proj.project_id) if e.event == "buy")
    assert (buy.group0, buy.group1, buy.group2) == ("acme", "p1", "")
    props = rows(app, PropertyDefinition, project_id=proj.project_id, type=3)
    assert {(p.name, p.group_type_index) for p in props} == {("size", 0), ("tier", 0)}


def test_timestamps_skew_offset_and_future_clamp(app: Flask, proj: Proj) -> None:
    client_clock = datetime(2030, 1, 1, 12, 0, 5, tzinfo=UTC)  # client clock far ahead
    before = datetime.now(UTC)
    send(
        app,
        proj,
        [
            {**ev("skewed", "u"), "timestamp": (client_clock - timedelta(seconds=10)).isoformat()},
            {**ev("offset", "u"), "offset": 60_000},
            {
                **ev("ignored", "u", **{"$ignore_sent_at": True}),
                "timestamp": "2024-03-01T10:00:00Z",
            },
        ],
        sent_at=client_clock.isoformat(),
    )
    send(
        app,
        proj,
        [
            {**ev("future", "u"), "timestamp": (datetime.now(UTC) + timedelta(days=2)).isoformat()},
            {**ev("asis", "u"), "timestamp": "2024-03-01T10:00:00+00:00"},
        ],
    )
    after = datetime.now(UTC)
    got = {e.event: e.timestamp for e in rows(app, Event, project_id=proj.project_id)}
    assert before - timedelta(seconds=11) <= got["skewed"] <= after - timedelta(seconds=9)
    assert before - timedelta(seconds=61) <= got["offset"] <= after - timedelta(seconds=59)
    assert got["ignored"] == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert before <= got["future"] <= after
    assert got["asis"] == datetime(2024, 3, 1, 10, tzinfo=UTC)


def test_legacy_underscore_query_is_sent_at(app: Flask, proj: Proj) -> None:
    client_ms = int(datetime(2031, 5, 5, tzinfo=UTC).timestamp() * 1000)
    event = {
        "event": "legacy",
        "properties": {"distinct_id": "u", "token": proj.token},
        "timestamp": datetime(2031, 5, 4, 23, 0, tzinfo=UTC).isoformat(),
    }
    before = datetime.now(UTC)
    resp = app.test_client().post(f"/e/?_={client_ms}&ver=1.130", json=[event])
    assert resp.status_code == 200
    drain(app)
    (stored,) = rows(app, Event, project_id=proj.project_id)
    assert (
        before - timedelta(minutes=61)
        <= stored.timestamp
        <= datetime.now(UTC) - timedelta(minutes=59)
    )


def test_definitions_and_dedupe_within_and_across_batches(app: Flask, proj: Proj) -> None:
    dup = str(uuid.uuid4())
    send(
        app,
        proj,
        [
            {
                **ev("buy", "u", price=9.5, paid=True, at="2024-01-01T00:00:00Z", sku="x"),
                "uuid": dup,
            },
            {**ev("buy", "u", price=1), "uuid": dup},
        ],
    )
    send(app, proj, [{**ev("buy", "u", price=2), "uuid": dup}, ev("buy", "u", price=3)])
    assert len(rows(app, Event, project_id=proj.project_id)) == 2
    (definition,) = rows(app, EventDefinition, project_id=proj.project_id)
    assert definition.name == "buy" and definition.volume_30_day == 2
    types = {
        p.name: p.property_type
        for p in rows(app, PropertyDefinition, project_id=proj.project_id, type=1)
    }
    assert types["price"] == "Numeric" and types["paid"] == "Boolean"
    assert types["at"] == "DateTime" and types["sku"] == "String"
