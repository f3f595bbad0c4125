"""Person semantics applied by ingestion: distinct ids, property updates, identify/alias merges.

One PersonState handles a chunk of events for one project: it preloads every person the
chunk mentions (plain rows, no ORM objects), applies the events in order in memory, then
writes the changes in bulk (multi-row inserts, executemany updates).

Events store the uuid of their person at ingestion (`events.person_id`). A merge writes
`person_overrides` rows in the same transaction: the merged-away person's uuid → the person
it ended in. The table is kept flat: an override never points at a person that is itself
overridden (A→B then B→C leaves A→C and B→C), never at itself, and a live person never has
one (creating a person whose deterministic uuid was overridden before drops that row).
Queries then resolve an event's actor with one join (app/query/persons.py).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import utcnow
from app.persons.models import Person, PersonDistinctId, PersonOverride

log = logging.getLogger(__name__)
ILLEGAL_ANY_CASE = frozenset(
    {
        "anonymous",
        "guest",
        "distinctid",
        "distinct_id",
        "id",
        "not_authenticated",
        "email",
        "undefined",
        "true",
        "false",
    }
)
ILLEGAL_EXACT = frozenset({"[object Object]", "NaN", "None", "none", "null", "0", "undefined"})
PERSON_NAMESPACE = uuid.UUID("7f4d6c1e-1f0b-4b7e-9a59-6b2b8d0c1a11")


def is_illegal_id(distinct_id: str) -> bool:
    """Ids that many clients send by mistake; merging on them would glue strangers together."""
    value = distinct_id.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    return not value or value.lower() in ILLEGAL_ANY_CASE or value in ILLEGAL_EXACT


def person_uuid_for(project_id: int, distinct_id: str) -> uuid.UUID:
    """Deterministic, so concurrent workers creating the same person collide and retry."""
    return uuid.uuid5(PERSON_NAMESPACE, f"{project_id}:{distinct_id}")


def apply_updates(props: dict[str, Any], event_props: dict[str, Any]) -> dict[str, Any] | None:
    """The new property dict after $set_once, $set, $unset; None when nothing changed."""
    new = dict(props)
    set_once = event_props.get("$set_once")
    if isinstance(set_once, dict):
        for key, value in set_once.items():
            new.setdefault(key, value)
    set_ = event_props.get("$set")
    if isinstance(set_, dict):
        new.update(set_)
    unset = event_props.get("$unset")
    if isinstance(unset, dict):
        unset = list(unset)
    if isinstance(unset, list):
        for key in unset:
            if isinstance(key, str):
                new.pop(key, None)
    return None if new == props else new


@dataclass(eq=False)
class PersonRow:
    """A person as ingestion sees it; compared by identity like an ORM object."""

    id: int | None
    uuid: uuid.UUID
    properties: dict[str, Any]
    is_identified: bool
    created_at: datetime
    version: int
    dirty: bool = False
    merged_into: PersonRow | None = None

    def live(self) -> PersonRow:
        person = self
        while person.merged_into is not None:
            person = person.merged_into
        return person


PERSON = cast(Table, Person.__table__)
PDI = cast(Table, PersonDistinctId.__table__)
OVERRIDES = cast(Table, PersonOverride.__table__)
OVERRIDE_LOCK = 0x706F  # advisory lock class for person_overrides writes ("po")
PERSON_COLS = (Person.id, Person.uuid, Person.properties, Person.is_identified)
PERSON_COLS_2 = (Person.created_at, Person.version)


class PersonState:
    """In-memory view of the chunk's persons; `flush()` writes it in bulk."""

    def __init__(self, session: Session, project_id: int) -> None:
        self.session = session
        self.project_id = project_id
        self.by_did: dict[str, PersonRow | None] = {}
        self.new_dids: dict[str, PersonRow] = {}
        self.new_persons: list[PersonRow] = []
        self.merges: list[tuple[PersonRow, PersonRow]] = []
        self.warnings: list[str] = []

    def preload(self, distinct_ids: set[str]) -> None:
        wanted = [d for d in distinct_ids if d not in self.by_did]
        by_id: dict[int, PersonRow] = {}
        for start in range(0, len(wanted), 5000):
            part = wanted[start : start + 5000]
            found: dict[str, PersonRow] = {}
            for did, pid, puuid, props, ident, created, version in self.session.execute(
                self._lookup(part)
            ):
                person = by_id.get(pid)
                if person is None:
                    person = by_id[pid] = PersonRow(
                        pid, puuid, props or {}, ident, created, version or 0
                    )
                found[did] = person
            for did in part:
                self.by_did[did] = found.get(did)

    def _lookup(self, part: list[str]) -> Select[Any]:
        stmt = select(PersonDistinctId.distinct_id, *PERSON_COLS, *PERSON_COLS_2).join(
            Person, Person.id == PersonDistinctId.person_id
        )
        stmt = stmt.where(PersonDistinctId.project_id == self.project_id)
        if self.session.get_bind().dialect.name != "postgresql":
            return stmt.where(PersonDistinctId.distinct_id.in_(part))
        # unnest() join: one unique-index probe per id, whatever the table statistics say.
        ids = func.unnest(literal(part, ARRAY(String()))).table_valued("did").render_derived()
        return stmt.join(ids, PersonDistinctId.distinct_id == ids.c.did)

    def existing(self, distinct_id: str) -> PersonRow | None:
        return self.by_did.get(distinct_id)

    def _attach(self, distinct_id: str, person: PersonRow) -> None:
        self.by_did[distinct_id] = person
        self.new_dids[distinct_id] = person

    def get_or_create(self, distinct_id: str, created_at: datetime) -> PersonRow:
        person = self.by_did.get(distinct_id)
        if person is None:
            person = PersonRow(
                None, person_uuid_for(self.project_id, distinct_id), {}, False, created_at, 0
            )
            self.new_persons.append(person)
            self._attach(distinct_id, person)
        return person

    def update_properties(self, person: PersonRow, event_props: dict[str, Any]) -> None:
        if not ("$set" in event_props or "$set_once" in event_props or "$unset" in event_props):
            return
        new = apply_updates(person.properties, event_props)
        if new is not None:
            person.properties = new
            person.dirty = True

    def mark_identified(self, person: PersonRow) -> None:
        if not person.is_identified:
            person.is_identified = True
            person.dirty = True

    def identify(self, *, other: str, target: str, when: datetime, guard: bool, event: str) -> None:
        """Merge the person of `other` (anon id or alias) into the person of `target`."""
        if is_illegal_id(other) or is_illegal_id(target):
            self.warnings.append(f"{event}: refused to merge illegal distinct id")
            return
        if other == target:
            return
        src, dst = self.by_did.get(other), self.by_did.get(target)
        if src is None and dst is None:
            person = self.get_or_create(target, when)
            self._attach(other, person)
        elif dst is None and src is not None:
            self._attach(target, src)
        elif src is None and dst is not None:
            self._attach(other, dst)
        elif src is not None and dst is not None and src is not dst:
            if guard and src.is_identified:
                self.warnings.append(f"{event}: cannot_merge_already_identified")
                return
            self._merge(src, dst)

    def _merge(self, src: PersonRow, dst: PersonRow) -> None:
        dst.properties = {**src.properties, **dst.properties}
        dst.created_at = min(src.created_at, dst.created_at)
        dst.is_identified = True
        dst.version = max(src.version, dst.version) + 1
        dst.dirty = True
        src.merged_into = dst
        for did, person in list(self.by_did.items()):
            if person is src:
                self.by_did[did] = dst
                if did in self.new_dids:
                    self.new_dids[did] = dst
        self.merges.append((src, dst))

    def flush(self) -> None:
        """Insert new persons and distinct ids, move merged ids, delete merged-away persons."""
        self._insert_persons()
        if self.new_dids:
            self.session.execute(
                insert(PDI),
                [
                    {
                        "project_id": self.project_id,
                        "distinct_id": did,
                        "person_id": person.live().id,
                        "person_uuid": person.live().uuid,
                        "version": 0,
                    }
                    for did, person in self.new_dids.items()
                ],
            )
        self._apply_merges()
        write_overrides(
            self.session, self.project_id, [(src.uuid, src.live().uuid) for src, _ in self.merges]
        )
        self._update_persons()
        for warning in self.warnings:
            log.info("ingestion warning (project %s): %s", self.project_id, warning)

    def _insert_persons(self) -> None:
        new = [p for p in self.new_persons if p.merged_into is None]
        if not new:
            return
        for person in new:
            person.dirty = False
        rows = [
            {
                "project_id": self.project_id,
                "uuid": p.uuid,
                "properties": p.properties,
                "properties_last_updated_at": {},
                "is_identified": p.is_identified,
                "created_at": p.created_at,
                "version": p.version,
            }
            for p in new
        ]
        stmt = insert(PERSON).returning(PERSON.c.id, sort_by_parameter_order=True)
        ids = self.session.execute(stmt, rows).scalars().all()
        for person, pid in zip(new, ids, strict=True):
            person.id = pid
        # A deterministic uuid can come back (its distinct id was freed by a GDPR delete):
        # the new person is live, so earlier overrides of that uuid no longer apply.
        self.session.execute(
            delete(OVERRIDES).where(
                OVERRIDES.c.project_id == self.project_id,
                OVERRIDES.c.old_person_uuid.in_([p.uuid for p in new]),
            )
        )

    def _apply_merges(self) -> None:
        gone = []
        for src, _ in self.merges:
            if src.id is None:  # created in this chunk and merged away before it was written
                continue
            dst = src.live()
            self.session.execute(
                update(PDI)
                .where(PDI.c.project_id == self.project_id, PDI.c.person_id == src.id)
                .values(person_id=dst.id, person_uuid=dst.uuid, version=PDI.c.version + 1)
            )
            gone.append(src.id)
        if gone:
            self.session.execute(
                delete(PERSON).where(PERSON.c.project_id == self.project_id, PERSON.c.id.in_(gone))
            )

    def _update_persons(self) -> None:
        seen: set[int] = set()
        rows = []
        for person in self.by_did.values():
            if person is None or not person.dirty or person.id is None or id(person) in seen:
                continue
            seen.add(id(person))
            rows.append(
                {
                    "b_id": person.id,
                    "b_properties": person.properties,
                    "b_is_identified": person.is_identified,
                    "b_created_at": person.created_at,
                    "b_version": person.version,
                }
            )
        if rows:
            stmt = (
                update(PERSON)
                .where(PERSON.c.project_id == self.project_id, PERSON.c.id == bindparam("b_id"))
                .values(
                    properties=bindparam("b_properties", type_=PERSON.c.properties.type),
                    is_identified=bindparam("b_is_identified"),
                    created_at=bindparam("b_created_at", type_=PERSON.c.created_at.type),
                    version=bindparam("b_version"),
                )
            )
            self.session.execute(stmt, rows)


def write_overrides(
    session: Session, project_id: int, pairs: list[tuple[uuid.UUID, uuid.UUID]]
) -> None:
    """Record merges `old → new` (new = the person the old one finally ended in).

    Keeps the table flat: rows pointing at an `old` now point at its `new`, a `new` that is
    itself overridden (a concurrent merge got there first) is followed, and self-pointing
    rows go. On Postgres, merges of one project are serialised by a transaction-scoped
    advisory lock so two chunks cannot each miss the other's rows.
    """
    final = {old: new for old, new in pairs if old != new}
    if not final:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(OVERRIDE_LOCK, project_id)))
    session.execute(
        update(OVERRIDES)
        .where(
            OVERRIDES.c.project_id == project_id,
            OVERRIDES.c.override_person_uuid == bindparam("b_old"),
        )
        .values(override_person_uuid=bindparam("b_new")),
        [{"b_old": old, "b_new": new} for old, new in final.items()],
    )
    now = utcnow()
    rows = [
        {
            "project_id": project_id,
            "old_person_uuid": old,
            "override_person_uuid": new,
            "created_at": now,
        }
        for old, new in final.items()
    ]
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(OVERRIDES)
    stmt = stmt.on_conflict_do_update(
        index_elements=["project_id", "old_person_uuid"],
        set_={"override_person_uuid": stmt.excluded.override_person_uuid},
    )
    session.execute(stmt, rows)
    mine = OVERRIDES.c.project_id == project_id
    session.execute(
        delete(OVERRIDES).where(
            mine, OVERRIDES.c.old_person_uuid == OVERRIDES.c.override_person_uuid
        )
    )
    onward = OVERRIDES.alias("onward")
    session.execute(
        update(OVERRIDES)
        .where(
            mine,
            OVERRIDES.c.override_person_uuid.in_(final.values()),
            onward.c.project_id == project_id,
            onward.c.old_person_uuid == OVERRIDES.c.override_person_uuid,
        )
        .values(override_person_uuid=onward.c.override_person_uuid)
    )
