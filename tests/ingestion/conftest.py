"""Ingestion test helpers: a project with its token, a live HTTP server, queue draining."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import BaseWSGIServer, make_server

from app.db import get_session
from app.events.models import Event
from app.persons.models import Person, PersonDistinctId
from app.tenancy import unscoped
from tests.helpers import Account, Api
from tests.servers import free_port


@dataclass
class Proj:
    account: Account
    token: str
    project_id: int


def make_project(api: Api) -> Proj:
    acct = api.signup()
    resp = api.get(acct, f"/api/projects/{acct.project_id}/")
    assert resp.status_code == 200, resp.get_json()
    return Proj(acct, resp.get_json()["api_token"], acct.project_id)


@pytest.fixture
def proj(api: Api) -> Proj:
    return make_project(api)


class LiveServer:
    """The app served over real HTTP on 127.0.0.1 (werkzeug, threaded) for SDK tests."""

    def __init__(self, app: Flask) -> None:
        self.port = free_port()
        self.server: BaseWSGIServer = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(10)
        self.server.server_close()


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


def drain(app: Flask) -> int:
    """Run the ingestion drain job in-process (what an RQ worker runs)."""
    from workers.runner import run

    with app.app_context():
        result: int = run("workers.jobs.ingest.drain", None, None, {})
    return result


def rq_drain(app: Flask) -> None:
    """Drain with a real RQ burst worker on the ingestion queue (runs the kicked drain jobs)."""
    from workers import runner
    from workers.worker import start

    runner.use_app(app)
    start(["ingestion"], burst=True)


def rows(app: Flask, model: Any, **where: Any) -> list[Any]:
    with app.app_context(), unscoped():
        stmt = select(model).filter_by(**where)
        return list(get_session().scalars(stmt))


def event_count(app: Flask, project_id: int) -> int:
    with app.app_context(), unscoped():
        return int(
            get_session().scalar(
                select(func.count()).select_from(Event).where(Event.project_id == project_id)
            )
            or 0
        )


def person_of(app: Flask, project_id: int, distinct_id: str) -> Person | None:
    with app.app_context(), unscoped():
        return get_session().scalar(
            select(Person)
            .join(PersonDistinctId, PersonDistinctId.person_id == Person.id)
            .where(
                PersonDistinctId.project_id == project_id,
                PersonDistinctId.distinct_id == distinct_id,
            )
        )
