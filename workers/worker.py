"""The worker: builds the app once, then RQ forks a work horse per job."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from redis import Redis
from rq import Queue, Worker

from workers import runner
from workers.queues import ALL_QUEUES

log = logging.getLogger(__name__)


def start(queue_names: Sequence[str], *, burst: bool = False) -> bool:
    """Work the named queues (all when empty) until stopped; SIGTERM is a warm shutdown."""
    names = list(queue_names) or list(ALL_QUEUES)
    unknown = sorted(set(names) - set(ALL_QUEUES))
    if unknown:
        raise SystemExit(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(ALL_QUEUES)}")
    app = runner.worker_app()
    redis: Redis[bytes] | None = app.extensions.get("redis")
    if redis is None:
        raise SystemExit("REDIS_URL is not set: with the embedded default, jobs run inline.")
    queues = [Queue(name, connection=redis) for name in names]
    worker = Worker(queues, connection=redis)
    log.info("worker listening on %s", ", ".join(names))
    return bool(worker.work(burst=burst, with_scheduler=True))
