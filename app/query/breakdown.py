"""Breakdowns for trends: value expressions, histogram bins, ranking with Other and null.

Values are strings (cohort breakdowns aside). NULL, missing and "" all become the null
sentinel; values past `breakdown_limit` fold into the Other sentinel, summed per bucket
(spec 2.1). Ranking: (ordering asc: 0 real, 1 null, 2 other), total desc, value asc.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.query import hogql
from app.query.base import QueryError
from app.query.properties import Sources
from app.query.sql import Params

NULL_LABEL = "$$_posthog_breakdown_null_$$"
OTHER_LABEL = "$$_posthog_breakdown_other_$$"
DEFAULT_LIMIT = 25
# person_id: the resolved person if it exists (NULL for events without a live person).
_METADATA = {"distinct_id": "e.distinct_id", "event": "e.event", "person_id": "p.uuid"}
Key = Any  # str | tuple[str, ...] | int (cohort id) | "all"


@dataclass
class Breakdown:
    """The parsed breakdownFilter: one or more property expressions, or cohorts."""

    props: list[dict[str, Any]] = field(default_factory=list)
    cohorts: list[int | str] | None = None
    limit: int = DEFAULT_LIMIT
    hide_other: bool = False

    @property
    def multi(self) -> bool:
        return len(self.props) > 1


def parse_breakdown(bf: dict[str, Any] | None, display: str | None) -> Breakdown | None:
    """Normalise `breakdown`/`breakdown_type` and `breakdowns: [...]` into one shape."""
    if not bf:
        return None
    default_limit = 250 if display == "WorldMap" else DEFAULT_LIMIT
    limit = int(bf.get("breakdown_limit") or default_limit)
    hide = bool(bf.get("breakdown_hide_other_aggregation"))
    if bf.get("breakdowns"):
        props = [_entry(b.get("property"), b.get("type"), b) for b in bf["breakdowns"][:3]]
        return Breakdown(props=props, limit=limit, hide_other=hide)
    raw, btype = bf.get("breakdown"), bf.get("breakdown_type") or "event"
    if raw is None or raw == "" or raw == []:
        return None
    if btype == "cohort":
        ids = raw if isinstance(raw, list) else [raw]
        return Breakdown(cohorts=[i if i == "all" else int(i) for i in ids], limit=limit)
    entry = {
        "normalize_url": bf.get("breakdown_normalize_url"),
        "histogram_bin_count": bf.get("breakdown_histogram_bin_count"),
        "group_type_index": bf.get("breakdown_group_type_index"),
    }
    key = raw[0] if isinstance(raw, list) and len(raw) == 1 else raw
    return Breakdown(props=[_entry(key, btype, entry)], limit=limit, hide_other=hide)


def _entry(key: Any, btype: Any, extra: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(key, str) or not key:
        raise QueryError(
            "breakdown needs a property name",
        )
    return {
        "key": key,
        "type": btype or "event",
        "normalize_url": bool(extra.get("normalize_url")),
        "bins": extra.get("histogram_bin_count"),
        "group_type_index": extra.get("group_type_index"),
    }


def value_expr(
    entry: dict[str, Any],
    params: Params,
    src: Sources,
    minmax: Callable[[str], tuple[float | None, float | None]],
) -> str:
    """SQL producing the breakdown string for one entry (null label applied)."""
    raw = _raw_expr(entry, params, src)
    if entry["bins"]:
        return _histogram(raw, int(entry["bins"]), params, minmax)
    if entry["normalize_url"] and params.pg:
        stripped = f"regexp_replace(regexp_replace({raw}, '[?#].*$', ''), '/+$', '')"
        raw = f"COALESCE(NULLIF({stripped}, ''), CASE WHEN {raw} <> '' THEN '/' END)"
    return f"COALESCE(NULLIF({raw}, ''), {params.bind(NULL_LABEL)})"


def _raw_expr(entry: dict[str, Any], params: Params, src: Sources) -> str:
    btype, key = entry["type"], entry["key"]
    if btype == "event":
        return params.prop(src.event_props, key)
    if btype == "person":
        src.needs.add("person")
        return params.prop(src.person_props, key)
    if btype == "group":
        index = entry["group_type_index"]
        if not isinstance(index, int) or not 0 <= index <= 4:
            raise QueryError("group breakdown needs breakdown_group_type_index 0..4")
        return params.prop(src.group_props(index), key)
    if btype == "hogql":
        return hogql.compile_value(key, params, src)
    if btype == "session":
        return params.prop(src.session_props(), key)
    if btype == "event_metadata" and key in _METADATA:
        src.needs.add("person" if key == "person_id" else "pdi")
        return f"CAST({_METADATA[key]} AS TEXT)"
    raise QueryError(f"breakdown type {btype!r} is not supported")


def _trim(x: float) -> str:
    return f"{round(x, 2):g}"


def _histogram(
    raw: str, bins: int, params: Params, minmax: Callable[[str], tuple[float | None, float | None]]
) -> str:
    """Equal-width half-open bins over [min, max]; the last upper edge gets +0.01."""
    num = params.safe_float(raw)
    lo, hi = minmax(num)
    if lo is None or hi is None or bins < 1:
        return params.bind(NULL_LABEL)
    width = (hi - lo) / bins
    cases = []
    for i in range(bins):
        start = lo + i * width
        end = hi + 0.01 if i == bins - 1 else lo + (i + 1) * width
        label = f"[{_trim(start)},{_trim(end)}]"
        cases.append(
            f"WHEN {num} >= {params.bind(start)} AND {num} < {params.bind(end)} "
            f"THEN {params.bind(label)}"
        )
    return f"(CASE {' '.join(cases)} ELSE {params.bind(NULL_LABEL)} END)"


def histogram_order(label: str) -> float:
    """Histogram bins are listed by their lower edge."""
    try:
        return float(label.strip("[]").split(",")[0])
    except ValueError:
        return float("inf")


def _is_null(key: Key) -> int:
    """Null rank: values with more null elements rank after those with fewer."""
    if isinstance(key, tuple):
        return sum(1 for k in key if k == NULL_LABEL)
    return int(key == NULL_LABEL)


def rank(
    totals: dict[Key, float], limit: int, histogram: bool = False
) -> tuple[list[Key], list[Key]]:
    """(kept keys in output order, folded keys) for one series."""

    def sort_key(k: Key) -> tuple[Any, ...]:
        if histogram:
            return (_is_null(k), histogram_order(str(k)))
        return (_is_null(k), -totals[k], str(k))

    ordered = sorted(totals, key=sort_key)
    return ordered[:limit], ordered[limit:]


def other_key(multi_len: int) -> Key:
    return tuple([OTHER_LABEL] * multi_len) if multi_len > 1 else OTHER_LABEL


def fold(
    values: dict[Key, Any], limit: int, multi_len: int, histogram: bool = False
) -> tuple[list[Key], dict[Key, Any]]:
    """Keep the top values and sum the rest into Other (per bucket when values are dicts)."""
    totals = {k: _total(v) for k, v in values.items()}
    kept, folded = rank(totals, limit, histogram)
    out = {k: values[k] for k in kept}
    if folded:
        other = other_key(multi_len)
        out[other] = _sum([values[k] for k in folded])
        kept = [*kept, other]
    return kept, out


def _total(value: Any) -> float:
    return float(sum(value.values())) if isinstance(value, dict) else float(value or 0)


def _sum(items: list[Any]) -> Any:
    if items and isinstance(items[0], dict):
        merged: dict[Any, float] = {}
        for item in items:
            for bucket, v in item.items():
                merged[bucket] = merged.get(bucket, 0) + v
        return merged
    return sum(items)
