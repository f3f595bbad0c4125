"""`python -m workers.schedule`: enqueue periodic jobs once per period, whatever runs it.

Each entry fires at most once per period across every scheduler process: a Redis SET NX
claims the period, and the job id names the period so a duplicate enqueue is a no-op.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Flask
from redis import Redis

from workers import queues
from workers.enqueue import enqueue
from workers.runner import worker_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    name: str
    every_seconds: int
    job: str
    queue: str = queues.DEFAULT
    offset_seconds: int = 0  # shifts the period boundary (e.g. 03:00 UTC instead of midnight)
    window_seconds: int | None = None  # fire only this soon after the boundary (no catch-up)


# One line per periodic job; each job crosses tenants itself, explicitly.
SCHEDULE: list[Entry] = [
    Entry("cohorts-recalculate", 6 * 3600, "workers.jobs.cohorts.recalculate_all"),
    Entry("sso-maintenance", 3600, "workers.jobs.sso.maintenance"),
    Entry("insights-warm", 3600, "workers.jobs.insights.warm_insights", queue=queues.INSIGHTS),
    Entry("subscriptions-deliver", 900, "workers.jobs.subscriptions.deliver_due"),
    Entry("audit-purge", 86400, "workers.jobs.audit.purge_audit_log", offset_seconds=4 * 3600),
    Entry("ops-metrics", 60, "workers.metrics.publish"),
    Entry("ingest-reap", 60, "workers.jobs.ingest.drain", queue=queues.INGESTION),
    # Usage daily at 03:00 UTC, entity weekly on Sunday 15:00 UTC, each only within its hour,
    # so the two reports are never sent together (not even when a scheduler starts).
    Entry(
        "telemetry-usage",
        86400,
        "workers.jobs.telemetry.send_usage_report",
        offset_seconds=3 * 3600,
        window_seconds=3600,
    ),
    Entry(
        "telemetry-entity",
        7 * 86400,
        "workers.jobs.telemetry.send_entity_report",
        offset_seconds=(3 * 24 + 15) * 3600,
        window_seconds=3600,
    ),
    Entry(
        "mailing-subscriptions",
        86400,
        "workers.jobs.telemetry.send_subscriptions",
        offset_seconds=9 * 3600,
    ),
    Entry("billing-reconcile", 86400, "workers.jobs.billing.reconcile_billing", queues.BILLING),
    Entry("billing-meter-usage", 86400, "workers.jobs.billing.meter_usage", queues.BILLING),
    Entry("billing-allowance", 3600, "workers.jobs.billing.check_allowances", queues.BILLING),
]
_local_claims: set[str] = set()  # the embedded default has one scheduler and no Redis


def due(app: Flask, now: float) -> list[str]:
    """Enqueue every entry whose current period has not been claimed yet; return their names."""
    redis: Redis[bytes] | None = app.extensions.get("redis")
    fired = []
    with app.app_context():
        for entry in SCHEDULE:
            cycle, into = divmod(now - entry.offset_seconds, entry.every_seconds)
            if entry.window_seconds is not None and into >= entry.window_seconds:
                continue
            period = int(cycle)
            claim = f"schedule:{entry.name}:{period}"
            if redis is not None and not redis.set(claim, "1", nx=True, ex=entry.every_seconds * 2):
                continue
            if redis is None:
                if claim in _local_claims:
                    continue
                _local_claims.add(claim)
            enqueue(entry.job, queue=entry.queue, job_id=f"{entry.name}-{period}")
            fired.append(entry.name)
    return fired


def run_forever(tick_seconds: float = 30.0) -> None:
    app = worker_app()
    while True:
        for name in due(app, time.time()):
            log.info("scheduled %s", name)
        time.sleep(tick_seconds)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    run_forever()
