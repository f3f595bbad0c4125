"""Actors resolved through stored person ids + person overrides: merges, chains, backfill."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from sqlalchemy import delete, select, update

from app.db import get_session
from app.persons.models import Person, PersonDistinctId, PersonOverride
from app.query.funnels import run_funnels
from app.query.trends import run_trends
from tests import servers
from tests.conftest import make_app
from tests.query_kinds.data import Data

RANGE = {"date_from": "2020-01-01", "date_to": "2020-01-03"}


def dau(data: Data, **extra: Any) -> list[float]:
    query = {
        "kind": "TrendsQuery",
        "dateRange": RANGE,
        "series": [{"event": "$pageview", "math": "dau", **extra}],
    }
    return list(data.run(run_trends, query)["results"][0]["data"])


def funnel_counts(data: Data) -> list[int]:
    query = {
        "kind": "FunnelsQuery",
        "dateRange": RANGE,
        "series": [{"event": "$pageview"}, {"event": "signup"}],
    }
    return [step["count"] for step in data.run(run_funnels, query)["results"]]


def test_merge_chain_counts_one_person_everywhere(data: Data) -> None:
    data.person("a", properties={"plan": "free"})
    data.person("b")
    data.person("c", properties={"plan": "pro"})
    data.event("a", "$pageview", "2020-01-01 10:00:00")
    data.event("b", "$pageview", "2020-01-01 11:00:00")
    data.event("b", "$pageview", "2020-01-02 10:00:00")
    data.event("c", "signup", "2020-01-02 12:00:00")
    data.event("c", "$pageview", "2020-01-03 10:00:00")
    assert dau(data) == [2, 1, 1]
    assert funnel_counts(data) == [3, 0]  # c signed up before its own pageview

    data.merge("a", "b")
    data.merge("b", "c")

    with data.scope():
        pairs = get_session().execute(
            select(PersonOverride.old_person_uuid, PersonOverride.override_person_uuid)
        )
        targets = {new for _, new in pairs}
    assert len(targets) == 1  # flattened: a → c and b → c
    assert dau(data) == [1, 1, 1]
    assert funnel_counts(data) == [1, 1]
    # Person properties are the merge target's (current person).
    pro = [{"key": "plan", "value": "pro", "operator": "exact", "type": "person"}]
    assert dau(data, properties=pro) == [1, 1, 1]
    free = [{"key": "plan", "value": "free", "operator": "exact", "type": "person"}]
    assert dau(data, properties=free) == [0, 0, 0]


def test_zero_uuid_and_personless_events(data: Data) -> None:
    data.person("known")
    data.event("known", "$pageview", "2020-01-01 10:00:00")
    # Stored with the zero uuid but the distinct id has a person now: that person.
    data.event("known", "$pageview", "2020-01-02 10:00:00", person_id=_zero())
    # The zero uuid without a person never counts; an unmapped null neither.
    data.event("nobody", "$pageview", "2020-01-02 10:00:00", person_id=_zero())
    data.event("ghost", "$pageview", "2020-01-03 10:00:00")
    assert dau(data) == [1, 1, 0]


def _zero() -> uuid.UUID:
    return uuid.UUID(int=0)


@pytest.fixture(params=["postgresql", "sqlite"])
def fresh_url(request: Any, pg_server: str, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/burrow.db"
        return
    url, name = servers.create_database(pg_server)
    yield url
    servers.drop_database(pg_server, name)


def _alembic(url: str) -> Config:
    cfg = Config("alembic.ini")
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def test_migration_backfills_overrides_for_existing_merges(fresh_url: str) -> None:
    command.upgrade(_alembic(fresh_url), "0011")
    app: Flask = make_app(fresh_url, None)
    try:
        _backfill_scenario(app, fresh_url)
    finally:
        app.extensions["db"].engine.dispose()


def _backfill_scenario(app: Flask, url: str) -> None:
    data = Data(app)
    anon = data.person("anon")
    user = data.person("user")
    gone = data.person("deleted")
    data.event("anon", "$pageview", "2020-01-01 10:00:00")
    data.event("user", "$pageview", "2020-01-01 11:00:00")
    data.event("deleted", "$pageview", "2020-01-01 12:00:00")
    data.event("ghost", "$pageview", "2020-01-01 12:00:00")  # personless, never mapped
    with data.scope():  # a merge and a GDPR delete as the code before overrides did them
        session = get_session()
        session.execute(
            update(PersonDistinctId)
            .where(PersonDistinctId.person_id == anon.id)
            .values(person_id=user.id, person_uuid=user.uuid)
        )
        session.execute(delete(PersonDistinctId).where(PersonDistinctId.person_id == gone.id))
        session.execute(delete(Person).where(Person.id.in_([anon.id, gone.id])))
    app.extensions["db"].engine.dispose()

    command.upgrade(_alembic(url), "head")

    with data.scope():
        rows = get_session().execute(
            select(PersonOverride.old_person_uuid, PersonOverride.override_person_uuid)
        )
        assert [tuple(r) for r in rows] == [(anon.uuid, user.uuid)]
    assert dau(data)[0] == 2  # anon+user are one actor; the deleted person is another
