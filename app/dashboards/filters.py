"""Merging dashboard-level filters into a tile's query (before the cache key is hashed)."""

from __future__ import annotations

import copy
from typing import Any


def apply_dashboard_filters(query: dict[str, Any], filters: dict[str, Any]) -> dict[str, Any]:
    """The tile's query with the dashboard's date range and properties applied.

    A dashboard date range replaces the tile's; dashboard properties are AND-ed with the
    tile's own global properties. Compare is dropped when the dashboard date is "all".
    """
    if not filters:
        return query
    merged = copy.deepcopy(query)
    if filters.get("date_from") or filters.get("date_to"):
        merged["dateRange"] = {
            "date_from": filters.get("date_from"),
            "date_to": filters.get("date_to"),
            "explicitDate": bool(filters.get("explicitDate")),
        }
        if str(filters.get("date_from", "")).lower() == "all":
            merged.pop("compareFilter", None)
    extra = filters.get("properties")
    if extra:
        own = merged.get("properties")
        merged["properties"] = {"type": "AND", "values": [own, extra]} if own else extra
    return merged
