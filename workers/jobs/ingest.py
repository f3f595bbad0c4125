"""Ingestion jobs: drain the capture queue (kicked by capture, and periodically as a reaper).

`python -m workers.jobs.ingest [--burst]` runs a dedicated consumer loop outside RQ.
"""

from __future__ import annotations

import logging
import sys
import time

from flask import current_app

from app.ingestion import queue
from app.ingestion.consumer import drain as drain_queue
from app.ingestion.service import kick_drain
from app.redis_client import get_redis, require_redis
from workers.runner import worker_app

log = logging.getLogger(__name__)


def drain(max_seconds: float = 300) -> int:
    """Re-deliver dead consumers' batches, then store queued batches until the queue is empty.

    A no-op with no Redis (the embedded default): capture stores batches synchronously there.
    """
    settings = current_app.config["BURROW"]
    redis = get_redis()
    if redis is None:
        return 0
    stored = drain_queue(
        redis,
        chunk_events=settings.INGESTION_QUEUE_BATCH,
        heartbeat_seconds=settings.INGEST_HEARTBEAT_SECONDS,
        max_seconds=max_seconds,
    )
    if queue.depth(redis):
        kick_drain()
    return stored


def main(argv: list[str]) -> None:
    """A consumer loop that polls the queue (or stops when it is empty with --burst)."""
    app = worker_app()
    burst = "--burst" in argv
    while True:
        with app.app_context():
            stored = drain(max_seconds=60)
            empty = queue.depth(require_redis()) == 0
        if burst and empty:
            return
        if stored == 0:
            time.sleep(0.2)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    main(sys.argv[1:])
