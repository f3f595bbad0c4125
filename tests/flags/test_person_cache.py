"""/flags caches stored person properties per process; ingest commits invalidate the cache."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select, update

from app.db import get_session
from app.persons.models import Person, PersonDistinctId
from app.tenancy import tenant_scope
from tests.flags.conftest import create_flag, project_token
from tests.helpers import Account, Api

PRO = {"groups": [{"properties": [{"key": "plan", "value": ["pro"], "type": "person"}]}]}


def _ingest(app: Flask, token: str, plan: str) -> None:
    now = datetime.now(UTC).isoformat()
    event = {"event": "e", "distinct_id": "u1", "uuid": str(uuid.uuid4()), "timestamp": now}
    event["properties"] = {"$set": {"plan": plan}}
    resp = app.test_client().post("/batch/", json={"api_key": token, "batch": [event]})
    assert resp.status_code == 200, resp.get_json()
    from workers.runner import run

    with app.app_context():
        run("workers.jobs.ingest.drain", None, None, {})


def _pro(api: Api, token: str) -> bool:
    resp = api.post(None, "/flags/?v=2", {"token": token, "distinct_id": "u1"})
    assert resp.status_code == 200, resp.get_json()
    enabled: bool = resp.get_json()["flags"]["pro"]["enabled"]
    return enabled


def _set_directly(app: Flask, acct: Account, plan: str) -> None:
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        stmt = select(Person).join(PersonDistinctId, PersonDistinctId.person_id == Person.id)
        person = get_session().scalars(stmt.where(PersonDistinctId.distinct_id == "u1")).one()
        person.properties = {**person.properties, "plan": plan}
        get_session().commit()


def test_ingested_property_changes_are_seen_at_once(app: Flask, api: Api) -> None:
    acct = api.signup()
    create_flag(api, acct, key="pro", filters=PRO)
    token = project_token(api, acct)
    _ingest(app, token, "free")
    assert _pro(api, token) is False
    assert _pro(api, token) is False  # served from the cache
    _ingest(app, token, "pro")
    assert _pro(api, token) is True
    _ingest(app, token, "free")
    assert _pro(api, token) is False


def test_orm_edits_are_seen_at_once(app: Flask, api: Api) -> None:
    acct = api.signup()
    create_flag(api, acct, key="pro", filters=PRO)
    token = project_token(api, acct)
    _ingest(app, token, "free")
    assert _pro(api, token) is False
    assert _pro(api, token) is False  # cached
    _set_directly(app, acct, "pro")  # an ORM commit outside ingestion (like the person API)
    assert _pro(api, token) is True
    _set_directly(app, acct, "free")
    assert _pro(api, token) is False


def test_person_api_edit_and_delete_are_seen_at_once(app: Flask, api: Api) -> None:
    acct = api.signup()
    create_flag(api, acct, key="pro", filters=PRO)
    token = project_token(api, acct)
    _ingest(app, token, "pro")
    assert _pro(api, token) is True
    person = api.get(acct, f"/api/projects/{acct.project_id}/persons/?distinct_id=u1")
    person_id = person.get_json()["results"][0]["id"]
    path = f"/api/projects/{acct.project_id}/persons/{person_id}/"
    edited = api.patch(acct, path, {"properties": {"plan": "free"}})
    assert edited.status_code == 200, edited.get_json()
    assert _pro(api, token) is False
    _ingest(app, token, "pro")
    assert _pro(api, token) is True
    assert api.delete(acct, path).status_code in (200, 204)
    assert _pro(api, token) is False


def test_raw_sql_edits_are_seen_within_the_ttl(app: Flask, api: Api) -> None:
    """Writes that bypass ingestion and the ORM are only bounded by the per-process TTL."""
    app.config["FLAGS_PERSON_TTL_SECONDS"] = 1.0
    acct = api.signup()
    create_flag(api, acct, key="pro", filters=PRO)
    token = project_token(api, acct)
    _ingest(app, token, "free")
    assert _pro(api, token) is False
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        stmt = update(Person).values(properties={"plan": "pro"})
        get_session().execute(stmt.execution_options(synchronize_session=False))
        get_session().commit()
    assert _pro(api, token) is False  # cached copy, younger than the TTL
    time.sleep(1.2)  # let the cached copy expire for real
    assert _pro(api, token) is True


def test_unknown_person_then_ingested(app: Flask, api: Api) -> None:
    acct = api.signup()
    create_flag(api, acct, key="pro", filters=PRO)
    token = project_token(api, acct)
    assert _pro(api, token) is False
    _ingest(app, token, "pro")
    assert _pro(api, token) is True


def test_same_distinct_id_in_two_projects_reads_each_projects_person(app: Flask, api: Api) -> None:
    """The lookup runs outside the session's tenant guard: it must name the project itself."""
    app.config["FLAGS_PERSON_TTL_SECONDS"] = 0.0  # every call looks the person up
    tokens = {}
    for plan in ("pro", "free"):
        acct = api.signup()
        create_flag(api, acct, key="pro", filters=PRO)
        tokens[plan] = project_token(api, acct)
        _ingest(app, tokens[plan], plan)
    assert _pro(api, tokens["pro"]) is True
    assert _pro(api, tokens["free"]) is False


def test_lookups_continue_after_the_engine_is_disposed(app: Flask, api: Api) -> None:
    app.config["FLAGS_PERSON_TTL_SECONDS"] = 0.0
    acct = api.signup()
    create_flag(api, acct, key="pro", filters=PRO)
    token = project_token(api, acct)
    _ingest(app, token, "pro")
    assert _pro(api, token) is True
    app.extensions["db"].engine.dispose()  # closes the kept lookup connections
    assert _pro(api, token) is True
    _ingest(app, token, "free")
    assert _pro(api, token) is False


def test_generations_are_read_after_redis_drops_the_connections(app: Flask, api: Api) -> None:
    """The generation check's kept Redis connections survive a disconnect by either side."""
    acct = api.signup()
    create_flag(api, acct, key="pro", filters=PRO)
    token = project_token(api, acct)
    _ingest(app, token, "pro")
    assert _pro(api, token) is True
    redis = app.extensions["redis"]
    redis.client_kill_filter(_type="normal", skipme=True)  # the server drops the kept ones
    _ingest(app, token, "free")
    assert _pro(api, token) is False
    redis.connection_pool.disconnect()  # and the client closes them
    _ingest(app, token, "pro")
    assert _pro(api, token) is True
