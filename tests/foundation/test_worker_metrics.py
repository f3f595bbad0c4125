"""The operational metrics the CloudWatch alarms watch, computed from real Redis/RQ and Postgres."""

import json
from datetime import timedelta

from flask import Flask
from redis import Redis
from rq import Queue, Worker

from app.db import get_session, utcnow
from billing.models import StripeEvent
from workers import metrics
from workers.enqueue import enqueue


def _by_name(found: list[metrics.Metric]) -> dict[tuple[str, str | None], float]:
    return {(m.name, m.queue): m.value for m in found}


def test_collect_reports_depth_age_heartbeat_and_stripe_backlog(app: Flask) -> None:
    redis: Redis = app.extensions["redis"]
    now = utcnow()
    with app.app_context():
        enqueue("tests.foundation.jobs.echo", queue="insights", value=1)
        enqueue("tests.foundation.jobs.echo", queue="insights", value=2)
        worker = Worker([Queue("ingestion", connection=redis)], connection=redis)
        worker.register_birth()
        worker.heartbeat()
        session = get_session()
        session.add(
            StripeEvent(
                id="evt_old",
                type="invoice.paid",
                created=now,
                payload={},
                status="failed",
                received_at=now - timedelta(minutes=10),
            )
        )
        session.add(
            StripeEvent(
                id="evt_done",
                type="invoice.paid",
                created=now,
                payload={},
                status="processed",
                received_at=now - timedelta(hours=5),
            )
        )
        session.commit()
        found = _by_name(metrics.collect(now + timedelta(seconds=30)))
        worker.register_death()
    assert found[("QueueDepth", "insights")] == 2
    assert found[("QueueDepth", "ingestion")] == 0
    assert 29 <= found[("OldestJobAgeSeconds", "insights")] < 120
    assert found[("OldestJobAgeSeconds", "billing")] == 0
    assert 29 <= found[("WorkerHeartbeatAgeSeconds", "ingestion")] < 120
    assert ("WorkerHeartbeatAgeSeconds", "insights") not in found  # no worker: no data point
    assert 600 <= found[("OldestUnprocessedStripeEventSeconds", None)] < 700


def test_publish_writes_embedded_metric_format(app: Flask, capsys) -> None:
    with app.app_context():
        enqueue("tests.foundation.jobs.echo", queue="default", value=1)
        lines = metrics.publish()
    out = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    assert len(out) == lines == 5  # four queues plus the dimensionless Stripe document
    default = next(doc for doc in out if doc.get("Queue") == "default")
    spec = default["_aws"]["CloudWatchMetrics"][0]
    assert spec["Namespace"] == "Burrow" and spec["Dimensions"] == [["Queue"]]
    assert {m["Name"] for m in spec["Metrics"]} == {"QueueDepth", "OldestJobAgeSeconds"}
    assert default["QueueDepth"] == 1
    stripe = next(doc for doc in out if "Queue" not in doc)
    assert stripe["OldestUnprocessedStripeEventSeconds"] == 0
