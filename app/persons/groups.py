"""Group types (at most five per project, indices 0..4) and group upserts from ingestion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app.persons.models import Group, GroupTypeMapping

MAX_GROUP_TYPES = 5


class GroupState:
    """The project's group type mapping plus the groups a chunk of events touches."""

    def __init__(self, session: Session, project_id: int) -> None:
        self.session = session
        self.project_id = project_id
        self.mapping: dict[str, int] | None = None
        self.groups: dict[tuple[int, str], Group | None] = {}
        self.created_types = False  # a new GroupTypeMapping was added (flags must refresh)

    def _load_mapping(self) -> dict[str, int]:
        if self.mapping is None:
            rows = self.session.execute(
                select(GroupTypeMapping.group_type, GroupTypeMapping.group_type_index)
            ).all()
            self.mapping = {t: i for t, i in rows}
        return self.mapping

    def index_for(self, group_type: str) -> int | None:
        """The index of a group type, creating it while fewer than five exist."""
        mapping = self._load_mapping()
        if group_type in mapping:
            return mapping[group_type]
        if len(mapping) >= MAX_GROUP_TYPES:
            return None
        index = min(set(range(MAX_GROUP_TYPES)) - set(mapping.values()))
        self.session.add(
            GroupTypeMapping(
                project_id=self.project_id, group_type=group_type[:400], group_type_index=index
            )
        )
        mapping[group_type] = index
        self.created_types = True
        return index

    def columns(self, groups: Any) -> dict[str, str]:
        """`$groups: {type: key}` as group0..group4 column values."""
        out: dict[str, str] = {}
        if not isinstance(groups, dict):
            return out
        for group_type, key in groups.items():
            if key is None or key == "" or not isinstance(group_type, str):
                continue
            index = self.index_for(group_type)
            if index is not None:
                out[f"group{index}"] = str(key)[:400]
        return out

    def preload(self, keys: set[tuple[int, str]]) -> None:
        wanted = [k for k in keys if k not in self.groups]
        if not wanted:
            return
        rows = self.session.scalars(
            select(Group).where(tuple_(Group.group_type_index, Group.group_key).in_(wanted))
        ).all()
        found = {(g.group_type_index, g.group_key): g for g in rows}
        for key in wanted:
            self.groups[key] = found.get(key)

    def identify(self, index: int, key: str, props: dict[str, Any], when: datetime) -> None:
        """Upsert a group with `$group_set` properties (new values win)."""
        self.preload({(index, key)})
        group = self.groups.get((index, key))
        if group is None:
            group = Group(
                project_id=self.project_id,
                group_type_index=index,
                group_key=key,
                group_properties=dict(props),
                created_at=when,
                version=0,
            )
            self.session.add(group)
            self.groups[(index, key)] = group
            return
        merged = {**(group.group_properties or {}), **props}
        if merged != group.group_properties:
            group.group_properties = merged
            group.version = (group.version or 0) + 1
