"""Person semantics applied by ingestion: distinct ids, property updates, identify/alias merges.

One PersonState handles a chunk of events for one project: it preloads every person the
chunk mentions, applies the events in order in memory, then writes the changes in bulk.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Select, String, func, literal, select, update
from sqlalchemy.orm import Session

from app.persons.models import Person, PersonDistinctId

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


class PersonState:
    """In-memory view of the chunk's persons; `flush()` writes it in bulk."""

    def __init__(self, session: Session, project_id: int) -> None:
        self.session = session
        self.project_id = project_id
        self.by_did: dict[str, Person | None] = {}
        self.new_dids: dict[str, Person] = {}
        self.merges: list[tuple[Person, Person]] = []
        self.warnings: list[str] = []

    def preload(self, distinct_ids: set[str]) -> None:
        wanted = [d for d in distinct_ids if d not in self.by_did]
        for start in range(0, len(wanted), 1000):
            part = wanted[start : start + 1000]
            found = {row[0]: row[1] for row in self.session.execute(self._lookup(part))}
            for did in part:
                self.by_did[did] = found.get(did)

    def _lookup(self, part: list[str]) -> Select[str, Person]:
        stmt = select(PersonDistinctId.distinct_id, Person).join(
            Person, Person.id == PersonDistinctId.person_id
        )
        if self.session.get_bind().dialect.name != "postgresql":
            return stmt.where(PersonDistinctId.distinct_id.in_(part))
        # unnest() join: one unique-index probe per id, whatever the table statistics say.
        ids = func.unnest(literal(part, ARRAY(String()))).table_valued("did").render_derived()
        return stmt.join(ids, PersonDistinctId.distinct_id == ids.c.did)

    def existing(self, distinct_id: str) -> Person | None:
        return self.by_did.get(distinct_id)

    def _attach(self, distinct_id: str, person: Person) -> None:
        self.by_did[distinct_id] = person
        self.new_dids[distinct_id] = person

    def get_or_create(self, distinct_id: str, created_at: datetime) -> Person:
        person = self.by_did.get(distinct_id)
        if person is None:
            person = Person(
                uuid=person_uuid_for(self.project_id, distinct_id),
                project_id=self.project_id,
                properties={},
                properties_last_updated_at={},
                is_identified=False,
                created_at=created_at,
                version=0,
            )
            self.session.add(person)
            self._attach(distinct_id, person)
        return person

    def update_properties(self, person: Person, event_props: dict[str, Any]) -> None:
        new = apply_updates(person.properties or {}, event_props)
        if new is not None:
            person.properties = new

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

    def _merge(self, src: Person, dst: Person) -> None:
        dst.properties = {**(src.properties or {}), **(dst.properties or {})}
        dst.created_at = min(src.created_at, dst.created_at)
        dst.is_identified = True
        dst.version = max(src.version or 0, dst.version or 0) + 1
        for did, person in list(self.by_did.items()):
            if person is src:
                self.by_did[did] = dst
                if did in self.new_dids:
                    self.new_dids[did] = dst
        self.merges.append((src, dst))

    def flush(self) -> None:
        """Insert new persons and distinct ids, move merged ids, delete merged-away persons."""
        self.session.flush()
        if self.new_dids:
            self.session.add_all(
                PersonDistinctId(
                    project_id=self.project_id,
                    distinct_id=did,
                    person_id=person.id,
                    person_uuid=person.uuid,
                    version=0,
                )
                for did, person in self.new_dids.items()
            )
            self.session.flush()
        for src, dst in self.merges:
            self.session.execute(
                update(PersonDistinctId)
                .where(PersonDistinctId.person_id == src.id)
                .values(
                    person_id=dst.id,
                    person_uuid=dst.uuid,
                    version=PersonDistinctId.version + 1,
                ),
                execution_options={"synchronize_session": False},
            )
            self.session.delete(src)
        if self.merges:
            self.session.flush()
        for warning in self.warnings:
            log.info("ingestion warning (project %s): %s", self.project_id, warning)
