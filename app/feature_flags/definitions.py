"""Per-project flag definitions, precomputed once per change and cached in each process.

A Redis generation counter per project says when a process's copy is stale; any flag,
cohort or group-type change bumps it (`invalidate`). Without Redis a short TTL bounds
staleness. The local-evaluation JSON and its ETag are built with the same bundle.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import select

from app.cohorts.models import Cohort
from app.db import get_session
from app.feature_flags.evaluate import Definitions
from app.feature_flags.models import FeatureFlag
from app.persons.models import GroupTypeMapping
from app.redis_client import get_redis

LOCAL_TTL_SECONDS = 5.0


@dataclass
class Bundle:
    definitions: Definitions
    local_json: bytes
    etag: str
    membership_cohorts: frozenset[int]
    uses_continuity: bool
    built_at: float
    generation: int


def _gen_key(project_id: int) -> str:
    return f"ff:gen:{project_id}"


def invalidate(project_id: int) -> None:
    """Mark the project's definitions stale everywhere (call after commit)."""
    redis = get_redis()
    if redis is not None:
        redis.incr(_gen_key(project_id))
    _cache().pop(project_id, None)


def _cache() -> dict[int, Bundle]:
    cache: dict[int, Bundle] = current_app.extensions.setdefault("flag_definitions", {})
    return cache


def person_gen_key(project_id: int) -> str:
    """Bumped after every ingest commit for the project (stored person properties may change)."""
    return f"ff:pgen:{project_id}"


def _generations(project_id: int) -> tuple[int | None, int | None]:
    """(definitions generation, persons generation) in one Redis round trip; Nones without Redis."""
    redis = get_redis()
    if redis is None:
        return None, None
    raw = _mget(redis, _gen_key(project_id), person_gen_key(project_id))
    gen, pgen = (int(x) if x is not None else 0 for x in raw)
    return gen, pgen


_IDLE_LOCK = threading.Lock()


def _idle(pool: Any) -> list[Any]:
    """Idle kept connections of this client's pool in this process (a LIFO stack)."""
    pid, idle = pool.__dict__.get("_burrow_flag_idle", (None, None))
    if pid != os.getpid() or idle is None:  # a forked worker: the parent's are not ours
        idle = []
        pool.__dict__["_burrow_flag_idle"] = (os.getpid(), idle)
    return idle  # type: ignore[no-any-return]


def _mget(redis: Redis[bytes], *keys: str) -> list[bytes | None]:
    """MGET on a kept Redis connection: every /flags request asks, and the client's
    per-command pool checkout (with its liveness poll) and retry wrapping cost more CPU
    than the round trip itself.

    Like the person lookups' kept Postgres connections (remote.py): a connection is used
    by one thread at a time and put back on a stack after the command, so there are at
    most as many as ran at once. They stay checked out of the client's pool (so they count
    against its size and `disconnect()` still closes them; they reconnect on next use). A
    connection error falls back to the client, which retries or raises as before.
    """
    pool = redis.connection_pool
    with _IDLE_LOCK:
        idle = _idle(pool)
        conn = idle.pop() if idle else None
    if conn is None:
        conn = pool.get_connection()
    try:
        conn.send_command("MGET", *keys)
        response: list[bytes | None] = conn.read_response()
    except (RedisConnectionError, RedisTimeoutError):
        conn.disconnect()
        pool.release(conn)
        return redis.mget(list(keys))
    except BaseException:
        conn.disconnect()  # unknown state (e.g. interrupted mid-reply): reconnects next use
        with _IDLE_LOCK:
            idle.append(conn)
        raise
    with _IDLE_LOCK:
        idle.append(conn)
    return response


def bundle_for(project_id: int) -> Bundle:
    """The cached bundle, rebuilt when the generation moved (or the TTL ran out without Redis)."""
    return bundle_and_person_generation(project_id)[0]


def bundle_and_person_generation(project_id: int) -> tuple[Bundle, int | None]:
    """The bundle plus the persons generation (for the remote person cache), one Redis call."""
    generation, person_generation = _generations(project_id)
    return _bundle(project_id, generation), person_generation


def _bundle(project_id: int, generation: int | None) -> Bundle:
    cached = _cache().get(project_id)
    if cached is not None:
        if generation is not None and cached.generation == generation:
            return cached
        if generation is None and time.monotonic() - cached.built_at < LOCAL_TTL_SECONDS:
            return cached
    fresh = build(project_id, generation or 0)
    _cache()[project_id] = fresh
    return fresh


def _group_type_mapping() -> dict[str, str]:
    rows = get_session_rows(select(GroupTypeMapping.group_type_index, GroupTypeMapping.group_type))
    return {str(index): name for index, name in rows}


def get_session_rows(stmt: Any) -> list[Any]:
    return list(get_session().execute(stmt).all())


def _property_cohorts(project_id: int) -> tuple[dict[str, dict[str, Any]], set[int]]:
    """(dynamic cohorts expressible as person-property groups, every other cohort id)."""
    try:
        # Owned by the insights domain; read the rows ourselves until it exists.
        provider = import_module("app.cohorts.service").cohort_property_groups
        raw = provider(project_id)
        groups: dict[str, dict[str, Any]] = {str(k): v for k, v in raw.items()}
        stmt = select(Cohort.id).where(Cohort.deleted.is_(False))
        others = {cid for (cid,) in get_session_rows(stmt) if str(cid) not in groups}
        return groups, others
    except (ImportError, AttributeError, TypeError):
        return _property_cohorts_from_rows()


def _property_cohorts_from_rows() -> tuple[dict[str, dict[str, Any]], set[int]]:
    stmt = select(Cohort.id, Cohort.filters, Cohort.is_static).where(Cohort.deleted.is_(False))
    groups: dict[str, dict[str, Any]] = {}
    others: set[int] = set()
    for cohort_id, filters, is_static in get_session_rows(stmt):
        group = (filters or {}).get("properties")
        if not is_static and isinstance(group, dict) and _person_only(group):
            groups[str(cohort_id)] = group
        else:
            others.add(cohort_id)
    return groups, others


def _person_only(group: dict[str, Any]) -> bool:
    for value in group.get("values") or []:
        if "values" in value:
            if not _person_only(value):
                return False
        elif value.get("type") not in ("person", None):
            return False
    return True


def _flag_dict(flag: FeatureFlag) -> dict[str, Any]:
    return {
        "id": flag.id,
        "team_id": flag.project_id,
        "name": flag.name,
        "key": flag.key,
        "filters": flag.filters,
        "deleted": flag.deleted,
        "active": flag.active,
        "ensure_experience_continuity": flag.ensure_experience_continuity,
        "has_encrypted_payloads": False,
        "version": flag.version,
        "evaluation_runtime": flag.evaluation_runtime,
        "evaluation_tags": [],
        "is_remote_configuration": flag.is_remote_configuration,
    }


def build(project_id: int, generation: int) -> Bundle:
    """Read flags, group types and cohorts once and precompute everything requests need."""
    stmt = select(FeatureFlag).where(FeatureFlag.deleted.is_(False)).order_by(FeatureFlag.id)
    flags = [_flag_dict(f) for (f,) in get_session_rows(stmt)]
    mapping = _group_type_mapping()
    cohorts, others = _property_cohorts(project_id)
    definitions = Definitions(flags=flags, group_type_mapping=mapping, cohorts=cohorts)
    local = local_payload(definitions, cohorts)
    body = json.dumps(local, separators=(",", ":"), sort_keys=True).encode()
    return Bundle(
        definitions=definitions,
        local_json=body,
        etag='W/"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        membership_cohorts=frozenset(others),
        uses_continuity=any(f["ensure_experience_continuity"] for f in flags),
        built_at=time.monotonic(),
        generation=generation,
    )


def _chain(ref: str, defs: Definitions, visiting: tuple[str, ...] = ()) -> list[str] | None:
    """Dependency keys in evaluation order ending with `ref`'s key; None on a cycle or gap."""
    flag = defs.by_ref.get(ref)
    if flag is None or str(flag["id"]) in visiting:
        return None
    order: list[str] = []
    for group in (flag.get("filters") or {}).get("groups") or []:
        for prop in group.get("properties") or []:
            if prop.get("type") != "flag":
                continue
            sub = _chain(str(prop["key"]), defs, (*visiting, str(flag["id"])))
            if sub is None:
                return None
            order += [k for k in sub if k not in order]
    return [*order, str(flag["key"])]


def _local_flag(flag: dict[str, Any], defs: Definitions) -> dict[str, Any]:
    out = {k: v for k, v in flag.items() if k != "is_remote_configuration"}
    filters = json.loads(json.dumps(flag.get("filters") or {}))
    for group in filters.get("groups") or []:
        for prop in group.get("properties") or []:
            if prop.get("type") == "flag":
                target = defs.by_ref.get(str(prop["key"]))
                prop["dependency_chain"] = _chain(str(prop["key"]), defs) or []
                prop["key"] = str(target["key"]) if target else str(prop["key"])
    out["filters"] = filters
    return out


def _referenced_cohorts(flags: list[dict[str, Any]], cohorts: dict[str, Any]) -> dict[str, Any]:
    wanted: set[str] = set()
    todo = [
        str(p.get("value"))
        for f in flags
        for g in (f.get("filters") or {}).get("groups") or []
        for p in g.get("properties") or []
        if p.get("type") == "cohort"
    ]
    while todo:
        cid = todo.pop()
        if cid in cohorts and cid not in wanted:
            wanted.add(cid)
            todo += _nested_cohorts(cohorts[cid])
    return {cid: cohorts[cid] for cid in sorted(wanted)}


def _nested_cohorts(group: dict[str, Any]) -> list[str]:
    out = []
    for value in group.get("values") or []:
        if "values" in value:
            out += _nested_cohorts(value)
        elif value.get("type") == "cohort":
            out.append(str(value.get("value")))
    return out


def local_payload(defs: Definitions, cohorts: dict[str, Any]) -> dict[str, Any]:
    """The local-evaluation response body (protocol.md 4.2); remote-config flags left out."""
    flags = [_local_flag(f, defs) for f in defs.flags if not f.get("is_remote_configuration")]
    return {
        "flags": flags,
        "group_type_mapping": defs.group_type_mapping,
        "cohorts": _referenced_cohorts(flags, cohorts),
    }
