"""Serialise audit entries for export: CSV (header + one row per entry) or a JSON array."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from app.activity import service as activity
from app.activity.models import ActivityLog

CSV_COLUMNS = (
    "id",
    "created_at",
    "actor_kind",
    "actor_id",
    "actor_email",
    "action",
    "scope",
    "item_id",
    "project_id",
    "ip",
    "detail",
)


def _csv_line(values: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def _csv_values(entry: ActivityLog) -> list[object]:
    return [
        entry.id,
        entry.created_at.isoformat(),
        entry.actor_kind,
        entry.actor_user_id or "",
        entry.actor_label,
        entry.action,
        entry.scope,
        entry.item_id,
        "" if entry.project_id is None else entry.project_id,
        entry.ip or "",
        json.dumps(entry.detail, sort_keys=True),
    ]


def csv_chunks(entries: Iterable[ActivityLog]) -> Iterator[str]:
    yield _csv_line(CSV_COLUMNS)
    for entry in entries:
        yield _csv_line(_csv_values(entry))


def json_chunks(entries: Iterable[ActivityLog]) -> Iterator[str]:
    yield "["
    separator = ""
    for entry in entries:
        yield separator + json.dumps({**activity.serialize(entry), "ip": entry.ip})
        separator = ","
    yield "]"
