"""Retention breakdowns: cohort rows split by the value on the start event (event property),
the person (person property) or cohort membership, ranked by cohort size with a limit.

Missing/empty values share the null bucket and the folded remainder is "Other", with the
sentinel labels PostHog clients render (`$$_posthog_breakdown_null_$$` / `..._other_$$`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.query.base import QueryError
from app.query.funnel_breakdown import load_members

NULL = "$$_posthog_breakdown_null_$$"
OTHER = "$$_posthog_breakdown_other_$$"
Matrix = list[list[int]]


@dataclass
class RetentionBreakdown:
    kind: str | None = None
    key: str | None = None
    limit: int = 25
    cohorts: list[Any] = field(default_factory=list)
    project_id: int = 0
    members: dict[str, list[Any]] | None = None

    @classmethod
    def of(cls, query: dict[str, Any], project_id: int) -> RetentionBreakdown:
        bf = query.get("breakdownFilter") or {}
        raw = bf.get("breakdown")
        if raw in (None, "", []):
            return cls(project_id=project_id)
        kind = bf.get("breakdown_type") or "event"
        limit = int(bf.get("breakdown_limit") or 25)
        if kind == "cohort":
            ids = raw if isinstance(raw, list) else [raw]
            cohorts = [v if v == "all" else int(v) for v in ids]
            return cls(kind="cohort", cohorts=cohorts, limit=limit, project_id=project_id)
        keys = raw if isinstance(raw, list) else [raw]
        if kind not in ("event", "person") or len(keys) != 1:
            raise QueryError("retention breaks down by one event or person property, or cohorts")
        return cls(kind=kind, key=str(keys[0]), limit=limit, project_id=project_id)

    @property
    def active(self) -> bool:
        return self.kind is not None

    def add_column(self, scan: Any, alias: str = "bd") -> None:
        """Always one extra column (NULL when not breaking down by a property)."""
        if self.kind == "event" and self.key:
            expr = scan.params.prop(scan.src.event_props, self.key)
        elif self.kind == "person" and self.key:
            scan.src.needs.add("person")
            expr = scan.params.prop(scan.src.person_props, self.key)
        else:
            expr = "CAST(NULL AS text)"
        scan.columns.append(f"{expr} AS {alias}")

    def values(self, actor: Any, raw: Any) -> list[Any]:
        if self.kind is None:
            return [None]
        if self.kind == "cohort":
            if self.members is None:
                self.members = load_members(self.project_id, self.cohorts)
            found = self.members.get(str(actor), [])
            return [c for c in self.cohorts if c == "all" or c in found]
        return [NULL if raw in (None, "") else str(raw)]

    def ranked(self, matrices: dict[Any, Matrix]) -> list[tuple[Any, Matrix]]:
        """Biggest cohorts first (null last), value asc; the rest folded into Other."""
        if not self.active:
            return list(matrices.items())
        items = sorted(
            matrices.items(),
            key=lambda kv: (kv[0] == NULL, -sum(row[0] for row in kv[1]), str(kv[0])),
        )
        if self.kind == "cohort" or len(items) <= self.limit:
            return items
        kept, rest = items[: self.limit], items[self.limit :]
        other = [[0] * len(rest[0][1][0]) for _ in rest[0][1]]
        for _, matrix in rest:
            other = [
                [a + b for a, b in zip(r1, r2, strict=True)]
                for r1, r2 in zip(other, matrix, strict=True)
            ]
        return [*kept, (OTHER, other)]
