"""Worker heartbeats for the instance status page (only workers/ talks to rq)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from redis import Redis
from rq import Worker


def worker_heartbeats() -> list[dict[str, Any]]:
    """Every registered RQ worker with its queues, state and last heartbeat (empty inline)."""
    redis: Redis[bytes] | None = current_app.extensions.get("redis")
    if redis is None:
        return []
    workers = []
    for worker in Worker.all(connection=redis):
        beat = worker.last_heartbeat
        workers.append(
            {
                "name": worker.name,
                "queues": worker.queue_names(),
                "state": str(worker.get_state()),
                "last_heartbeat": beat.isoformat() if beat else None,
                "current_job_id": worker.get_current_job_id(),
            }
        )
    return sorted(workers, key=lambda w: str(w["name"]))
