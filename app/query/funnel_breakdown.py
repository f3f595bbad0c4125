"""Funnel breakdowns: the value expression, per-actor attribution and the output boxing.

Attribution (`breakdownAttributionType`): first_touch (default) takes the first non-empty
value on the actor's funnel events, last_touch the last one, step N the values on step N's
events (the step must then match that value), all_events runs one funnel per value.
Cohort breakdowns run one funnel per cohort the actor belongs to (or "all").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.query.base import QueryError
from app.query.funnel_steps import FunnelEvent
from app.query.sql import Params, dialect_name, execute

OTHER = "Other"
PROPERTY_TYPES = ("event", "person")


@dataclass
class Breakdown:
    kind: str | None = None  # None | event | person | cohort
    key: str | None = None
    cohorts: list[Any] = field(default_factory=list)
    limit: int = 25
    attribution: str = "first_touch"
    step: int = 0
    column: bool = False
    project_id: int = 0
    _members: dict[str, list[Any]] | None = None

    @classmethod
    def of(cls, query: dict[str, Any], ff: dict[str, Any], scan: Any) -> Breakdown:
        bf = query.get("breakdownFilter") or {}
        raw = bf.get("breakdown")
        if raw in (None, "", []):
            return cls(project_id=scan.ctx.project_id)
        kind = bf.get("breakdown_type") or "event"
        attribution = ff.get("breakdownAttributionType") or "first_touch"
        common = {
            "limit": int(bf.get("breakdown_limit") or 25),
            "attribution": attribution,
            "step": int(ff.get("breakdownAttributionValue") or 0),
            "project_id": scan.ctx.project_id,
        }
        if kind == "cohort":
            ids = raw if isinstance(raw, list) else [raw]
            return cls(kind="cohort", cohorts=[_cohort_key(v) for v in ids], **common)
        if kind not in PROPERTY_TYPES:
            raise QueryError(f"funnel breakdowns of type {kind!r} are not supported")
        keys = raw if isinstance(raw, list) else [raw]
        if len(keys) != 1 or not isinstance(keys[0], str):
            raise QueryError("funnels support one breakdown property")
        return cls(kind=kind, key=keys[0], **common)

    def add_column(self, scan: Any) -> None:
        if self.kind not in PROPERTY_TYPES or self.key is None:
            return
        source = scan.src.event_props if self.kind == "event" else scan.src.person_props
        if self.kind == "person":
            scan.src.needs.add("person")
        scan.columns.append(scan.params.prop(source, self.key))
        self.column = True

    @staticmethod
    def value_of(raw: Any) -> str:
        return "" if raw is None else str(raw)

    @property
    def active(self) -> bool:
        return self.kind is not None

    def values_for(self, actor: Any, events: Sequence[FunnelEvent]) -> list[Any]:
        """The breakdown values one actor runs the funnel for."""
        if self.kind is None:
            return [""]
        if self.kind == "cohort":
            return self._cohorts_of(str(actor))
        if self.attribution == "all_events":
            return _unique(e.breakdown for e in events)
        if self.attribution == "step":
            return _unique(e.breakdown for e in events if self.step + 1 in e.steps)
        filled = [e.breakdown for e in events if e.breakdown != ""]
        if not filled:
            return [""]
        return [filled[-1] if self.attribution == "last_touch" else filled[0]]

    def boxed(self, value: Any) -> Any:
        return value if self.kind == "cohort" else [value]

    def limited(self) -> bool:
        return self.kind in PROPERTY_TYPES

    def _cohorts_of(self, actor: str) -> list[Any]:
        if self._members is None:
            self._members = load_members(self.project_id, self.cohorts)
        found = self._members.get(actor, [])
        return [c for c in self.cohorts if c == "all" or c in found]


def _cohort_key(value: Any) -> Any:
    if value == "all":
        return "all"
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise QueryError("cohort breakdown values must be cohort ids or 'all'") from exc


def _unique(values: Any) -> list[Any]:
    seen: dict[Any, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)


def load_members(project_id: int, cohorts: list[Any]) -> dict[str, list[Any]]:
    ids = [c for c in cohorts if c != "all"]
    if not ids:
        return {}
    params = Params(dialect_name(), project_id=project_id)
    binds = ", ".join(params.bind(i) for i in ids)
    rows = execute(
        "SELECT p.uuid, c.id FROM cohort_people cp "
        "JOIN cohorts c ON c.id = cp.cohort_id AND c.project_id = :project_id "
        "JOIN persons p ON p.id = cp.person_id AND p.project_id = :project_id "
        f"WHERE cp.project_id = :project_id AND c.id IN ({binds}) "
        "AND cp.version = COALESCE(c.version, 0)",
        params,
    )
    out: dict[str, list[Any]] = {}
    for person_uuid, cohort_id in (list(row) for row in rows):
        out.setdefault(str(person_uuid), []).append(cohort_id)
    return out
