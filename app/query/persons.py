"""Resolving events to persons as the distinct-id mapping is NOW (PoE "disabled" semantics).

Every event of a merged person counts as that person, including events stored before the
merge. An event whose distinct id has no mapping (e.g. `$process_person_profile=false`)
falls back to the person id stored at ingestion; the all-zero UUID never counts as an actor.
"""

from __future__ import annotations

from app.query.sql import ZERO_UUID, Params

# Join from events `e` to the current mapping; pdi.person_id is persons.id (bigint).
PDI_JOIN = (
    "LEFT JOIN person_distinct_ids pdi "
    "ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id"
)
# Current person row (properties, created_at), only when a query needs it.
PERSON_JOIN = "LEFT JOIN persons p ON p.project_id = e.project_id AND p.id = pdi.person_id"


def group_join(index: int) -> str:
    """Join the group of type `index` referenced by the event's `$group_<index>` column."""
    if not 0 <= index <= 4:
        raise ValueError(index)
    return (
        f"LEFT JOIN groups g{index} ON g{index}.project_id = e.project_id "
        f"AND g{index}.group_type_index = {index} AND g{index}.group_key = e.group{index}"
    )


def actor_expr(params: Params) -> str:
    """The person uuid an event counts for (NULL for the zero uuid, which is never an actor)."""
    zero = f"CAST({params.bind(ZERO_UUID)} AS uuid)" if params.pg else params.bind(ZERO_UUID)
    return f"COALESCE(pdi.person_uuid, NULLIF(e.person_id, {zero}))"


def group_actor_expr(index: int) -> str:
    """The group key of type `index`; the empty key means no group and is never an actor."""
    if not 0 <= index <= 4:
        raise ValueError(index)
    return f"NULLIF(e.group{index}, '')"


def joins_for(needs: set[str], *, actor: bool) -> str:
    """The JOIN clauses a query needs given the property sources it used."""
    parts: list[str] = []
    if actor or needs & {"pdi", "person"}:
        parts.append(PDI_JOIN)
    if "person" in needs:
        parts.append(PERSON_JOIN)
    parts.extend(group_join(i) for i in range(5) if f"group{i}" in needs)
    return " ".join(parts)
