"""Session properties (property type `session`, `math_property_type: session_properties`,
`breakdown_type: session`), computed from the events of each `$session_id` (Postgres only).

A session's properties come from all its events in the project within the scanned range
widened by a day on each side (sessions are cut at 24 hours, as PostHog's are):
`$session_duration` (seconds from first to last event), `$start_timestamp`,
`$end_timestamp`, `$pageview_count`, `$autocapture_count`, `$screen_count`, the entry
values of the first event that has them (`$entry_current_url`, `$entry_pathname`,
`$entry_referring_domain`, `$entry_referrer`, `$entry_utm_source`, `$entry_utm_medium`,
`$entry_utm_campaign`, `$entry_utm_term`, `$entry_utm_content`) and the exit values of the
last (`$exit_current_url`, `$exit_pathname`). They are exposed as one JSON object, `sess.props`,
so filters, math and breakdowns read them like any other properties.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.query.base import QueryError
from app.query.sql import Params, utc_param

COLUMN = "sess.props"
KEY = "$session_id"
# session property suffix -> event property (PostHog's UTM properties have no `$`)
ENTRY = {
    "current_url": "$current_url",
    "pathname": "$pathname",
    "referring_domain": "$referring_domain",
    "referrer": "$referrer",
    **{f"utm_{p}": f"utm_{p}" for p in ("source", "medium", "campaign", "term", "content")},
}
EXIT = {"current_url": "$current_url", "pathname": "$pathname"}
COUNTS = {
    "$pageview_count": "$pageview",
    "$autocapture_count": "$autocapture",
    "$screen_count": "$screen",
}
SLACK = timedelta(days=1)


def _first(params: Params, prop: str, *, last: bool) -> str:
    value = f"(s.properties ->> {params.bind(prop)})"
    order = "DESC" if last else "ASC"
    return (
        f"(array_agg({value} ORDER BY s.timestamp {order}) FILTER (WHERE {value} IS NOT NULL))[1]"
    )


def join_sql(params: Params, utc_from: datetime, utc_to: datetime) -> str:
    """LEFT JOIN of each event to its session's properties (`sess.props`)."""
    if not params.pg:
        raise QueryError("session properties need Postgres")
    pairs: list[tuple[str, str]] = [
        ("$session_duration", "EXTRACT(EPOCH FROM max(s.timestamp) - min(s.timestamp))"),
        ("$start_timestamp", "min(s.timestamp)"),
        ("$end_timestamp", "max(s.timestamp)"),
    ]
    pairs += [
        (name, f"count(*) FILTER (WHERE s.event = {params.bind(event)})")
        for name, event in COUNTS.items()
    ]
    pairs += [(f"$entry_{k}", _first(params, p, last=False)) for k, p in ENTRY.items()]
    pairs += [(f"$exit_{k}", _first(params, p, last=True)) for k, p in EXIT.items()]
    body = ", ".join(f"CAST({params.bind(name)} AS text), {expr}" for name, expr in pairs)
    key = params.bind(KEY)
    start = params.bind(utc_param(utc_from - SLACK, params.dialect))
    end = params.bind(utc_param(utc_to + SLACK, params.dialect))
    return (
        f"LEFT JOIN (SELECT s.properties ->> {key} AS session_id, "
        f"jsonb_build_object({body}) AS props FROM events s "
        f"WHERE s.project_id = :project_id AND s.timestamp >= {start} "
        f"AND s.timestamp <= {end} AND COALESCE(s.properties ->> {key}, '') <> '' "
        f"GROUP BY 1) sess ON sess.session_id = (e.properties ->> {key})"
    )
