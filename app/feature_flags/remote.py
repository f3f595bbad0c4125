"""Remote evaluation: project by token, the caller's context from stored data, and the answer."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.cohorts.models import Cohort, CohortPerson
from app.db import get_db, get_session
from app.errors import AuthenticationError, ValidationError
from app.feature_flags.definitions import Bundle, person_gen_key
from app.feature_flags.evaluate import Context
from app.feature_flags.models import FlagHashKeyOverride
from app.ingestion import tokens
from app.persons.models import Group, Person, PersonDistinctId
from app.redis_client import get_redis

log = logging.getLogger(__name__)
# Stored person properties are cached per process, keyed by the project's persons
# generation. It is bumped after every ingest commit for the project and after every commit
# that changed Person or PersonDistinctId rows through the ORM (person API edits and
# deletes), both by app.ingestion.notify, so those changes are seen by the next request. Writes that
# bypass both (raw SQL) are seen within this bound; the app config key
# FLAGS_PERSON_TTL_SECONDS overrides it.
PERSON_TTL_SECONDS = 60.0
PERSON_CACHE_MAX = 50_000


@dataclass(frozen=True)
class ProjectRef:
    id: int
    organization_id: uuid.UUID


def invalid_token() -> AuthenticationError:
    return AuthenticationError(
        "Project API key invalid. You can find your project API key in your project settings.",
        code="invalid_api_key",
    )


def project_for_token(token: Any) -> ProjectRef:
    """The project of a public `phc_` token (the capture lookup, cached per process), else 401."""
    if not isinstance(token, str) or not token:
        raise AuthenticationError("API key is missing.", code="missing_api_key")
    found = tokens.lookup(token)
    if found is None:
        raise invalid_token()
    return ProjectRef(found.project_id, found.organization_id)


def token_of(body: dict[str, Any], args: Any) -> Any:
    return body.get("token") or body.get("api_key") or body.get("$token") or args.get("token")


def distinct_id_of(body: dict[str, Any]) -> str:
    raw = body.get("distinct_id", body.get("$distinct_id"))
    if raw is None:
        raise ValidationError("distinct_id is required.", attr="distinct_id")
    return (raw if isinstance(raw, str) else str(raw))[:200]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_KEPT_LOCK = threading.Lock()


def _kept(engine: Engine) -> list[Connection]:
    """Idle autocommit lookup connections of this engine (a LIFO stack)."""
    kept: list[Connection] = engine.__dict__.setdefault("_burrow_flag_lookups", [])
    if not event.contains(engine, "engine_disposed", _close_kept):
        event.listen(engine, "engine_disposed", _close_kept)
    return kept


def _take_lookup_connection(engine: Engine) -> Connection:
    """An idle autocommit connection for person lookups, kept across requests.

    A lookup is then one round trip: no pool checkout with its pre-ping, no BEGIN, no
    ROLLBACK. Each is used by one thread at a time and handed back after the query, so
    there are at most as many as lookups ever ran at once. It is a Core connection, outside
    the session's tenant guard, so the query names the project itself.
    """
    with _KEPT_LOCK:
        kept = _kept(engine)
        while kept:
            conn = kept.pop()
            if not conn.closed and not conn.invalidated:
                return conn
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    conn.info["burrow_pool"] = engine.pool
    return conn


def _give_back(engine: Engine, conn: Connection) -> None:
    with _KEPT_LOCK:
        if conn.info.get("burrow_pool") is engine.pool and not conn.invalidated:
            _kept(engine).append(conn)
            return
    conn.invalidate()  # the engine was disposed meanwhile (or the connection broke)
    conn.close()


def _close_kept(engine: Engine) -> None:
    """engine.dispose() replaced the pool: close the kept DBAPI connections themselves."""
    with _KEPT_LOCK:
        kept: list[Connection] = engine.__dict__.pop("_burrow_flag_lookups", [])
    for conn in kept:
        if not conn.closed:
            conn.invalidate()
            conn.close()


# Built once: constructing the statement per request cost as much as running it.
_PERSON_BY_DISTINCT_IDS = (
    select(Person.id, Person.properties, PersonDistinctId.distinct_id)
    .join(PersonDistinctId, PersonDistinctId.person_id == Person.id)
    .where(
        PersonDistinctId.project_id == bindparam("project_id"),
        Person.project_id == bindparam("project_id"),
        PersonDistinctId.distinct_id.in_(bindparam("distinct_ids", expanding=True)),
    )
)


def _person(project_id: int, distinct_ids: list[str]) -> tuple[int | None, dict[str, Any]]:
    params = {"project_id": project_id, "distinct_ids": distinct_ids}
    engine = get_db().engine
    conn = _take_lookup_connection(engine)
    try:
        rows = {row[2]: row for row in conn.execute(_PERSON_BY_DISTINCT_IDS, params)}
        conn.rollback()  # ends SQLAlchemy's bookkeeping transaction; autocommit sends nothing
    except DBAPIError:
        conn.invalidate()  # broken: dropped below, a new one is made next time
        raise
    finally:
        _give_back(engine, conn)
    for distinct_id in distinct_ids:
        if distinct_id in rows:
            return rows[distinct_id][0], dict(rows[distinct_id][1] or {})
    return None, {}


def _person_cached(
    project_id: int, distinct_ids: list[str], generation: int | None
) -> tuple[int | None, dict[str, Any]]:
    """`_person` through the per-process cache (only with Redis, which carries the generation)."""
    if generation is None:
        return _person(project_id, distinct_ids)
    cache: dict[tuple[int, tuple[str, ...]], tuple[float, int, int | None, dict[str, Any]]]
    cache = current_app.extensions.setdefault("flag_person_cache", {})
    key = (project_id, tuple(distinct_ids))
    hit = cache.get(key)
    now = time.monotonic()
    ttl = current_app.config.get("FLAGS_PERSON_TTL_SECONDS", PERSON_TTL_SECONDS)
    if hit is not None and hit[1] == generation and now - hit[0] < ttl:
        return hit[2], hit[3]  # callers copy before merging (build_context)
    person_id, props = _person(project_id, distinct_ids)
    if len(cache) >= PERSON_CACHE_MAX:
        cache.clear()
    cache[key] = (now, generation, person_id, props)
    return person_id, props


def persons_changed(project_id: int) -> None:
    """Stored persons of the project may have changed (call after commit): drop cached copies."""
    redis = get_redis()
    if redis is not None:
        redis.incr(person_gen_key(project_id))


def _groups(bundle: Bundle, groups: dict[str, Any]) -> dict[str, dict[str, Any]]:
    index_of = {name: int(i) for i, name in bundle.definitions.group_type_mapping.items()}
    wanted = [(index_of[t], str(k)) for t, k in groups.items() if t in index_of]
    if not wanted:
        return {}
    out: dict[str, dict[str, Any]] = {}
    names = {v: k for k, v in index_of.items()}
    for index, key in wanted:
        stmt = select(Group.group_properties).where(
            Group.group_type_index == index, Group.group_key == key
        )
        props = get_session().scalar(stmt)
        if props is not None:
            out[names[index]] = dict(props)
    return out


def _overrides(person_id: int | None, bundle: Bundle, anon_id: str | None) -> dict[str, str]:
    if person_id is None or not bundle.uses_continuity:
        return {}
    if anon_id:
        _write_overrides(person_id, bundle, anon_id)
    stmt = select(FlagHashKeyOverride.feature_flag_key, FlagHashKeyOverride.hash_key).where(
        FlagHashKeyOverride.person_id == person_id
    )
    return {key: hash_key for key, hash_key in get_session().execute(stmt)}


def _write_overrides(person_id: int, bundle: Bundle, anon_id: str) -> None:
    """Pin the anonymous id as this person's bucketing key for continuity flags (first wins)."""
    session = get_session()
    rows = [
        {
            "project_id": f["team_id"],
            "person_id": person_id,
            "feature_flag_key": f["key"],
            "hash_key": anon_id,
        }
        for f in bundle.definitions.flags
        if f["ensure_experience_continuity"]
    ]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(FlagHashKeyOverride).values(rows).on_conflict_do_nothing())
    session.commit()


def _static_cohorts(person_id: int | None, bundle: Bundle) -> frozenset[int]:
    if person_id is None or not bundle.membership_cohorts:
        return frozenset()
    stmt = (
        select(CohortPerson.cohort_id)
        .join(Cohort, Cohort.id == CohortPerson.cohort_id)
        .where(
            CohortPerson.person_id == person_id,
            CohortPerson.cohort_id.in_(bundle.membership_cohorts),
            Cohort.is_static.is_(True) | (CohortPerson.version == Cohort.version),
        )
    )
    return frozenset(get_session().scalars(stmt))


def build_context(
    body: dict[str, Any], bundle: Bundle, project_id: int, person_generation: int | None = None
) -> tuple[Context, bool]:
    """The caller's context: stored properties overlaid by the request's. (ctx, had_errors)."""
    distinct_id = distinct_id_of(body)
    anon = body.get("$anon_distinct_id")
    anon_id = str(anon)[:200] if anon else None
    groups = {str(k): str(v) for k, v in _dict(body.get("groups")).items() if v is not None}
    request_groups = {k: _dict(v) for k, v in _dict(body.get("group_properties")).items()}
    person_props = _dict(body.get("person_properties"))
    device = body.get("$device_id") or body.get("device_id") or person_props.get("$device_id")
    ctx = Context(
        distinct_id=distinct_id,
        groups=groups,
        anon_distinct_id=anon_id,
        device_id=str(device) if device else None,
    )
    try:
        ids = [distinct_id] + ([anon_id] if anon_id else [])
        person_id, stored = _person_cached(project_id, ids, person_generation)
        stored_groups = _groups(bundle, groups)
        ctx.hash_key_overrides = _overrides(person_id, bundle, anon_id)
        ctx.static_cohort_ids = _static_cohorts(person_id, bundle)
    except SQLAlchemyError:
        log.exception("flags: stored properties unavailable, using the request's only")
        get_session().rollback()
        person_id, stored, stored_groups = None, {}, {}
        ctx.person_properties = dict(person_props)
        ctx.group_properties = request_groups
        return ctx, True
    ctx.person_properties = {**stored, **person_props}
    ctx.group_properties = {
        name: {**stored_groups.get(name, {}), **request_groups.get(name, {})}
        for name in set(stored_groups) | set(request_groups)
    }
    return ctx, False
