"""Resolving events to persons: persons on events plus person overrides.

Each event stores the uuid of its person at ingestion (`events.person_id`). When a person
is merged into another, ingestion writes `person_overrides` (old uuid → the person it ended
in, kept flat: app/persons/state.py) in the merge's transaction. An event's actor is

    COALESCE(override of e.person_id, e.person_id unless it is the all-zero uuid)

which needs one hash join against the small overrides table instead of a join of every
event with the distinct-id mapping.

Events stored without a person (`$process_person_profile=false` before any person existed
for the distinct id) or with the zero uuid count for the person their distinct id maps to
now, if any; the zero uuid itself is never an actor. Such events are rare, and a partial
index (`ix_events_personless`) lets a query check in one probe whether the project has any;
only then the mapping is joined as well (`COALESCE(override, person_id, mapping)`), at the
cost of the old mapping join.

This gives the same answers as resolving every event through the distinct-id mapping as it
is now (PoE "disabled", spec 1.3-1.4): a merge moves all distinct ids of a person, so "the
person the distinct id maps to now" and "the person the stored one was merged into" agree.
The one difference is after a GDPR delete *without* deleting events: the deleted person's
events (including those of persons merged into it) stay one actor under the deleted uuid,
and if one of its distinct ids is reused later, the new person does not inherit the old
events (the mapping-based resolution handed them to the new person). A person created with
a uuid that was overridden before (deterministic uuids of freed distinct ids) is live, so
its override is dropped at creation.

Person properties (filters, breakdowns, cohorts) join `persons` by that uuid.
"""

from __future__ import annotations

from app.query.sql import ZERO_UUID, Params, execute

# `needs` key for the actor resolution (kept as "pdi" for the callers that add it).
ACTOR_NEED = "pdi"
# The merge target of the stored person, if it was merged away.
OVERRIDE_JOIN = (
    "LEFT JOIN person_overrides po "
    "ON po.project_id = e.project_id AND po.old_person_uuid = e.person_id"
)
# The distinct id's person now: only joined when the project has personless events.
PDI_JOIN = (
    "LEFT JOIN person_distinct_ids pdi "
    "ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id"
)


def _zero(params: Params) -> str:
    return f"CAST({params.bind(ZERO_UUID)} AS uuid)" if params.pg else params.bind(ZERO_UUID)


def has_personless_events(params: Params) -> bool:
    """Whether the project stored any event without a person (one partial-index probe)."""
    if params.personless is None:
        project_id = params.values.get("project_id")
        if project_id is None:
            params.personless = True
        else:
            zero = "CAST(:zero AS uuid)" if params.pg else ":zero"
            rows = execute(
                "SELECT 1 FROM events WHERE project_id = :project_id "
                f"AND (person_id IS NULL OR person_id = {zero}) LIMIT 1",
                {"project_id": project_id, "zero": ZERO_UUID},
            )
            params.personless = bool(rows)
    return params.personless


def group_join(index: int) -> str:
    """Join the group of type `index` referenced by the event's `$group_<index>` column."""
    if not 0 <= index <= 4:
        raise ValueError(index)
    return (
        f"LEFT JOIN groups g{index} ON g{index}.project_id = e.project_id "
        f"AND g{index}.group_type_index = {index} AND g{index}.group_key = e.group{index}"
    )


def actor_expr(params: Params) -> str:
    """The person uuid an event counts for (NULL when none; the zero uuid never counts)."""
    stored = f"COALESCE(po.override_person_uuid, NULLIF(e.person_id, {_zero(params)})"
    if has_personless_events(params):
        return f"{stored}, pdi.person_uuid)"
    return f"{stored})"


def person_join(params: Params) -> str:
    """The actor's current person row (properties, created_at, id for cohorts)."""
    return f"LEFT JOIN persons p ON p.project_id = e.project_id AND p.uuid = {actor_expr(params)}"


def group_actor_expr(index: int) -> str:
    """The group key of type `index`; the empty key means no group and is never an actor."""
    if not 0 <= index <= 4:
        raise ValueError(index)
    return f"NULLIF(e.group{index}, '')"


def joins_for(needs: set[str], *, actor: bool, params: Params) -> str:
    """The JOIN clauses a query needs given the property sources it used."""
    parts: list[str] = []
    if actor or needs & {ACTOR_NEED, "person"}:
        parts.append(OVERRIDE_JOIN)
        if has_personless_events(params):
            parts.append(PDI_JOIN)
    if "person" in needs:
        parts.append(person_join(params))
    parts.extend(group_join(i) for i in range(5) if f"group{i}" in needs)
    return " ".join(parts)
