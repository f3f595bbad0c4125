"""Operational metrics for CloudWatch, in the Embedded Metric Format (EMF).

Every minute the scheduler runs `publish`, which writes one JSON line to stdout; on ECS the
awslogs driver ships it to CloudWatch Logs, which turns it into the `Burrow/*` metrics the
alarms in terraform/ watch. No AWS credentials or network calls are needed in the app.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from redis import Redis
from rq import Queue, Worker
from sqlalchemy import func, select

from app.db import get_session, utcnow
from workers.queues import ALL_QUEUES

NAMESPACE = "Burrow"
UNPROCESSED_STRIPE = ("received", "failed")


@dataclass(frozen=True)
class Metric:
    name: str
    value: float
    unit: str
    queue: str | None = None


def _queue_metrics(redis: Redis[bytes], now: datetime) -> list[Metric]:
    out = []
    for name in ALL_QUEUES:
        queue = Queue(name, connection=redis)
        out.append(Metric("QueueDepth", float(queue.count), "Count", name))
        oldest = queue.jobs[:1] if queue.count else []
        enqueued = oldest[0].enqueued_at if oldest else None
        age = (now - enqueued.replace(tzinfo=now.tzinfo)).total_seconds() if enqueued else 0.0
        out.append(Metric("OldestJobAgeSeconds", max(age, 0.0), "Seconds", name))
    return out


def _heartbeat_metrics(redis: Redis[bytes], now: datetime) -> list[Metric]:
    """Age of the freshest heartbeat among the workers of each queue.

    A queue with no worker gets no data point, which the alarm treats as breaching.
    """
    freshest: dict[str, float] = {}
    for worker in Worker.all(connection=redis):
        beat = worker.last_heartbeat
        if beat is None:
            continue
        age = max((now - beat.replace(tzinfo=now.tzinfo)).total_seconds(), 0.0)
        for name in worker.queue_names():
            freshest[name] = min(age, freshest.get(name, age))
    return [Metric("WorkerHeartbeatAgeSeconds", age, "Seconds", q) for q, age in freshest.items()]


def _stripe_metric(now: datetime) -> list[Metric]:
    from billing.models import StripeEvent

    oldest = get_session().scalar(
        select(func.min(StripeEvent.received_at)).where(StripeEvent.status.in_(UNPROCESSED_STRIPE))
    )
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return [Metric("OldestUnprocessedStripeEventSeconds", max(age, 0.0), "Seconds")]


def collect(now: datetime | None = None) -> list[Metric]:
    """Every metric the alarms use (queue metrics only when Redis is configured)."""
    now = now or utcnow()
    redis: Redis[bytes] | None = current_app.extensions.get("redis")
    metrics = _stripe_metric(now)
    if redis is not None:
        metrics = _queue_metrics(redis, now) + _heartbeat_metrics(redis, now) + metrics
    return metrics


def emf_lines(metrics: list[Metric], now: datetime) -> list[str]:
    """One EMF document per dimension set (per queue, and one without dimensions)."""
    groups: dict[str | None, list[Metric]] = {}
    for metric in metrics:
        groups.setdefault(metric.queue, []).append(metric)
    lines = []
    for queue, group in groups.items():
        doc: dict[str, Any] = {
            "_aws": {
                "Timestamp": int(now.timestamp() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [["Queue"]] if queue else [[]],
                        "Metrics": [{"Name": m.name, "Unit": m.unit} for m in group],
                    }
                ],
            },
            **({"Queue": queue} if queue else {}),
            **{m.name: m.value for m in group},
        }
        lines.append(json.dumps(doc, separators=(",", ":")))
    return lines


def publish() -> int:
    """Scheduled every minute: write the metrics to stdout as EMF; returns the line count."""
    now = utcnow()
    lines = emf_lines(collect(now), now)
    for line in lines:
        sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return len(lines)
