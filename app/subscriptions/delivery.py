"""Delivering a scheduled report: compute the target's results and e-mail a plain summary.

The message carries the insight's (or each dashboard tile's) headline numbers and a link
back to the app; nothing of the project beyond the subscribed target.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app

from app.dashboards import service as dashboards
from app.insights import service as insights
from app.mail import send_mail
from app.query.base import QueryError
from app.query.context import project_context
from app.query.execution import execute_query
from app.subscriptions.models import Subscription
from app.subscriptions.service import recipients, summary

_MAX_LINES = 20  # per insight: the top series / steps


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else str(value)


def headline(results: Any) -> list[str]:
    """One line per series (trends: its total or aggregated value) or per funnel step."""
    if isinstance(results, list) and results and isinstance(results[0], list):
        results = results[0]  # a funnel broken down: its first breakdown value
    if not isinstance(results, list) or not results:
        return ["(no data)"]
    lines: list[str] = []
    for row in results[:_MAX_LINES]:
        if not isinstance(row, dict):
            return ["(open the insight to see this result)"]
        if "order" in row and "count" in row:  # funnel step
            lines.append(f"Step {int(row['order']) + 1} {row.get('name', '')}: {row['count']:,}")
            continue
        label = row.get("label") or row.get("breakdown_value") or row.get("name") or "value"
        if row.get("aggregated_value") is not None:
            value = row["aggregated_value"]
        elif row.get("count") is not None:
            value = row["count"]
        elif isinstance(row.get("data"), list):
            value = sum(v for v in row["data"] if isinstance(v, int | float))
        else:
            return ["(open the insight to see this result)"]
        lines.append(f"{label}: {_number(value)}")
    if len(results) > _MAX_LINES:
        lines.append(f"... and {len(results) - _MAX_LINES} more")
    return lines


def _lines(body: dict[str, Any] | None) -> list[str]:
    if body is not None and body.get("error"):
        return [f"(this insight could not be calculated: {body['error']})"]
    return headline((body or {}).get("results"))


def compose(sub: Subscription, organization_id: uuid.UUID) -> tuple[str, str]:
    """(subject, body) of the report, with fresh results (blocking on a cache miss)."""
    site = current_app.config["BURROW"].SITE_URL.rstrip("/")
    pid = sub.project_id
    ctx = project_context(pid)
    lines: list[str] = []
    if sub.insight_id is not None:
        insight = insights.get_insight(sub.insight_id)
        name = insight.name or "Untitled insight"
        try:
            body: dict[str, Any] | None = execute_query(
                insight.query, ctx, mode="blocking", organization_id=organization_id
            ).body
        except QueryError as exc:
            body = {"error": str(exc)}
        lines += _lines(body)
        link = f"{site}/project/{pid}/insights/{insight.short_id}"
    else:
        dashboard = dashboards.get_dashboard(int(sub.dashboard_id or 0))
        name = dashboard.name or "Untitled dashboard"
        tiles = dashboards.tile_results(
            dashboard, ctx=ctx, refresh="blocking", organization_id=organization_id
        )
        for _tile, tile_insight, _query, body in tiles:
            if tile_insight is not None:
                lines.append(f"\n{tile_insight.name or 'Untitled insight'}")
                lines += [f"  {line}" for line in _lines(body)]
        link = f"{site}/project/{pid}/dashboard/{dashboard.id}"
    subject = f"{sub.title or name}: your scheduled report"
    message = "\n".join(
        [
            name,
            "",
            *lines,
            "",
            f"Open it: {link}",
            "",
            f"This report is {summary(sub)}. Change or stop it: "
            f"{site}/project/{pid}/subscriptions/{sub.id}",
        ]
    )
    return subject, message


def deliver(sub: Subscription, organization_id: uuid.UUID) -> int:
    """Send the report to every recipient; returns how many messages went out."""
    subject, body = compose(sub, organization_id)
    sent = 0
    for address in recipients(sub.target_value):
        send_mail(address, subject, body)
        sent += 1
    return sent
