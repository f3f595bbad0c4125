"""The SQL event store: COPY fast path, and rows whose uuid already exists are skipped."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.db import get_session
from app.events.models import Event
from app.events.store import get_store
from app.tenancy import unscoped
from tests.ingestion.conftest import Proj, event_count


def _row(pid: int, event_uuid: uuid.UUID, name: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "uuid": event_uuid,
        "event": name,
        "distinct_id": "d",
        "person_id": None,
        "timestamp": now,
        "created_at": now,
        "properties": {"tab\there": "line\nbreak", "quote": 'a"b\\c', "n": 1},
        "elements_chain": "",
        "group0": "",
        "group1": "",
        "group2": "",
        "group3": "",
        "group4": "",
        "person_mode": "full",
        "project_id": pid,
    }


def test_insert_skips_existing_uuids_and_keeps_the_rest(app: Flask, proj: Proj) -> None:
    pid = proj.project_id
    first, second = uuid.uuid4(), uuid.uuid4()
    with app.app_context(), unscoped():
        get_store().insert([_row(pid, first, "original")])
        get_session().commit()
        # `first` races in again: the COPY fails on the unique index, the savepoint is rolled
        # back and the ON CONFLICT path stores only `second`, in the same transaction.
        get_store().insert([_row(pid, second, "new"), _row(pid, first, "duplicate")])
        get_session().commit()
        stored = dict(get_session().execute(select(Event.uuid, Event.event)).all())
        props = get_session().scalar(select(Event.properties).where(Event.uuid == second))
    assert stored == {first: "original", second: "new"}
    assert props == {"tab\there": "line\nbreak", "quote": 'a"b\\c', "n": 1}
    assert event_count(app, pid) == 2
