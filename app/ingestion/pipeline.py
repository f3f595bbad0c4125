"""The ingest pipeline: raw queued batches → persons, groups, definitions, stored events.

Callers own the transaction: `process_messages` flushes but never commits, so a chunk is
stored entirely or not at all, and re-processing a chunk after a crash is harmless.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.db import get_session, utcnow
from app.events.definitions import DefinitionTracker
from app.events.store import get_store
from app.ingestion import notify
from app.ingestion.timestamps import parse_time, resolve
from app.persons.groups import GroupState
from app.persons.state import PersonState
from app.tenancy import tenant_scope

log = logging.getLogger(__name__)
MERGE_EVENTS = frozenset({"$identify", "$create_alias", "$merge_dangerously"})
PERSON_EVENTS = MERGE_EVENTS | {"$groupidentify"}
NO_GROUPS = {f"group{i}": "" for i in range(5)}


@dataclass
class Prepared:
    row: dict[str, Any]
    props: dict[str, Any]


@dataclass
class ProjectChunk:
    organization_id: uuid.UUID
    project_id: int
    events: list[Prepared] = field(default_factory=list)


def _merge_top_level(event: dict[str, Any], props: dict[str, Any]) -> None:
    """Top-level $set/$set_once win over the same keys inside properties."""
    for key in ("$set", "$set_once"):
        top = event.get(key)
        if isinstance(top, dict):
            inner = props.get(key)
            props[key] = {**(inner if isinstance(inner, dict) else {}), **top}
    top_unset = event.get("$unset")
    if isinstance(top_unset, list | dict):
        inner_unset = props.get("$unset")
        merged = list(inner_unset) if isinstance(inner_unset, list | dict) else []
        props["$unset"] = merged + [k for k in top_unset if k not in merged]


def prepare(event: dict[str, Any], message: dict[str, Any], now: datetime) -> Prepared:
    """Timestamps resolved, top-level person updates folded in, request data stamped."""
    props = dict(event.get("properties") or {})
    _merge_top_level(event, props)
    sent_at = parse_time(message.get("sent_at"))
    timestamp, warning = resolve(event, now, sent_at)
    if warning:
        log.info("ingestion warning %s for event %s", warning, event.get("uuid"))
    if message.get("ip") and "$ip" not in props and not message.get("anonymize_ips"):
        props["$ip"] = message["ip"]
    if sent_at is not None:
        props.setdefault("$sent_at", sent_at.isoformat())
    chain = props.pop("$elements_chain", "")
    row = {
        "uuid": uuid.UUID(event["uuid"]),
        "event": event["event"],
        "distinct_id": event["distinct_id"],
        "person_id": None,
        "timestamp": timestamp,
        "created_at": now,
        "elements_chain": chain if isinstance(chain, str) else "",
        "person_mode": "full",
        "project_id": message["project_id"],
        **NO_GROUPS,
    }
    return Prepared(row=row, props=props)


def group_by_project(messages: list[dict[str, Any]]) -> list[ProjectChunk]:
    chunks: dict[int, ProjectChunk] = {}
    for message in messages:
        pid = int(message["project_id"])
        chunk = chunks.setdefault(
            pid, ProjectChunk(uuid.UUID(str(message["organization_id"])), pid)
        )
        now = parse_time(message.get("now")) or utcnow()
        chunk.events.extend(prepare(e, message, now) for e in message["events"])
    return list(chunks.values())


def _dedupe(chunk: ProjectChunk) -> list[Prepared]:
    seen: set[uuid.UUID] = set()
    unique = []
    for item in chunk.events:
        if item.row["uuid"] not in seen:
            seen.add(item.row["uuid"])
            unique.append(item)
    stored = get_store().existing_uuids(chunk.project_id, list(seen))
    return [i for i in unique if i.row["uuid"] not in stored]


def _ids_mentioned(events: list[Prepared]) -> set[str]:
    ids = set()
    for item in events:
        ids.add(item.row["distinct_id"])
        for key in ("$anon_distinct_id", "alias"):
            value = item.props.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                ids.add(str(value)[:200])
    return ids


def _personless(item: Prepared, persons: PersonState) -> bool:
    """$process_person_profile=false: no person created or updated (False = drop event)."""
    existing = persons.existing(item.row["distinct_id"])
    item.row["person_id"] = existing.uuid if existing is not None else None
    item.row["person_mode"] = "propertyless"
    return item.row["event"] not in PERSON_EVENTS


def _apply_person(item: Prepared, persons: PersonState) -> bool:
    """Person effects of one event; False means the event is dropped."""
    props, row = item.props, item.row
    if props.get("$process_person_profile") is False:
        return _personless(item, persons)
    name, did, when = row["event"], row["distinct_id"], row["timestamp"]
    other = props.get("$anon_distinct_id") if name == "$identify" else props.get("alias")
    if name in MERGE_EVENTS and isinstance(other, str | int) and not isinstance(other, bool):
        persons.identify(
            other=str(other)[:200],
            target=did,
            when=when,
            guard=name != "$merge_dangerously",
            event=name,
        )
    person = persons.get_or_create(did, when)
    persons.update_properties(person, props)
    if name == "$identify":
        persons.mark_identified(person)
    row["person_id"] = person.uuid
    return True


def _apply_groups(item: Prepared, groups: GroupState, defs: DefinitionTracker) -> None:
    props = item.props
    item.row.update(groups.columns(props.get("$groups")))
    if item.row["event"] != "$groupidentify":
        return
    group_type, key = props.get("$group_type"), props.get("$group_key")
    if not isinstance(group_type, str) or key in (None, ""):
        return
    index = groups.index_for(group_type)
    if index is None:
        return
    group_set = props.get("$group_set")
    group_set = group_set if isinstance(group_set, dict) else {}
    groups.identify(index, str(key)[:400], group_set, item.row["timestamp"])
    item.row[f"group{index}"] = str(key)[:400]
    defs.add_group(index, group_set)


def process_chunk(chunk: ProjectChunk) -> int:
    """Apply one project's events; returns how many new events were stored."""
    session = get_session()
    events = _dedupe(chunk)
    if not events:
        return 0
    persons = PersonState(session, chunk.project_id)
    persons.preload(_ids_mentioned(events))
    groups = GroupState(session, chunk.project_id)
    defs = DefinitionTracker()
    kept = []
    for item in events:
        if not _apply_person(item, persons):
            continue
        _apply_groups(item, groups, defs)
        defs.add_event(item.row["event"], item.props)
        kept.append(item)
    persons.flush()
    session.flush()
    defs.save(session, chunk.project_id, utcnow())
    for item in kept:
        item.row["properties"] = item.props
    get_store(session).insert([item.row for item in kept])
    if kept:
        notify.events_stored(session, chunk.project_id)
    if groups.created_types:
        notify.group_type_created(session, chunk.project_id)
    return len(kept)


def process_messages(messages: list[dict[str, Any]]) -> int:
    """Process decoded queue messages (any projects); flushes, never commits."""
    stored = 0
    for chunk in group_by_project(messages):
        with tenant_scope(chunk.organization_id, chunk.project_id):
            stored += process_chunk(chunk)
    return stored


def decode_messages(raw: list[bytes]) -> list[dict[str, Any]]:
    return [json.loads(m) for m in raw]


def message_for(
    *,
    project_id: int,
    organization_id: uuid.UUID,
    events: list[dict[str, Any]],
    sent_at: str | None,
    ip: str | None,
    historical: bool = False,
    anonymize_ips: bool = False,
) -> dict[str, Any]:
    """The queue message capture builds: events plus what only the request knows."""
    return {
        "v": 1,
        "project_id": project_id,
        "organization_id": str(organization_id),
        "now": datetime.now(UTC).isoformat(),
        "ip": ip,
        "sent_at": sent_at,
        "historical": historical,
        "anonymize_ips": anonymize_ips,
        "events": events,
    }
