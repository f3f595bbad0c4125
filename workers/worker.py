"""The worker: builds the app once, then runs jobs.

Two ways to run a job:
- `Worker` (RQ's default) forks a work horse per job: a crash or a leak dies with the horse,
  and stopping a job kills it. Used for ingestion, billing and default work.
- `InProcessWorker` runs jobs in the worker process itself. A worker that serves only the
  insights queue uses it: an insight request is answered by a process whose imports, database
  connections and Postgres catalog caches are already warm, instead of paying a fork, a new
  connection and cold caches (100-300 ms on a 0.5 s query) for every calculation. Stopping a
  job cancels its SQL statement (app.query.cancel) instead of killing a horse.
`WORKER_FORK=1` or `=0` overrides the choice.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Sequence

from redis import Redis
from rq import Queue, SimpleWorker, Worker
from rq.job import Job
from rq.worker import BaseWorker

from app.query import cancel
from workers import runner
from workers.queues import ALL_QUEUES, INSIGHTS

log = logging.getLogger(__name__)
# Queues whose jobs only read and compute (no external calls, bounded memory).
IN_PROCESS_QUEUES = frozenset({INSIGHTS})


class InProcessWorker(SimpleWorker):
    """Runs each job in this process; a stop request cancels the job's running statement."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        with cancel.running(str(job.id)):
            super().execute_job(job, queue)

    def kill_horse(self, sig: signal.Signals = signal.SIGKILL) -> None:
        # Called by RQ's command thread for a stop-job request (and on a cold shutdown).
        cancel.request(self.get_current_job_id())


def worker_class(queue_names: Sequence[str]) -> type[BaseWorker]:
    """In-process for workers that serve only in-process queues, unless WORKER_FORK says."""
    setting = os.environ.get("WORKER_FORK", "").strip().lower()
    if setting in {"1", "true", "yes"}:
        return Worker
    if setting in {"0", "false", "no"}:
        return InProcessWorker
    in_process = bool(queue_names) and set(queue_names) <= IN_PROCESS_QUEUES
    return InProcessWorker if in_process else Worker


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
    cls = worker_class(names)
    worker = cls(queues, connection=redis)
    log.info("%s listening on %s", cls.__name__, ", ".join(names))
    return bool(worker.work(burst=burst, with_scheduler=True))
