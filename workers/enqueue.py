"""The only way to enqueue work. Jobs are dotted paths taking ids (never ORM objects)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from redis import Redis
from rq import Queue, Retry
from rq.job import Job, JobStatus

from workers import runner
from workers.queues import ALL_QUEUES

log = logging.getLogger(__name__)
_PENDING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


@dataclass(frozen=True)
class Enqueued:
    job_id: str | None
    inline: bool
    result: Any = None


def job_path(func: Callable[..., Any] | str) -> str:
    return func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"


def enqueue(
    func: Callable[..., Any] | str,
    *,
    queue: str,
    organization_id: uuid.UUID | None = None,
    project_id: int | None = None,
    job_id: str | None = None,
    retries: int = 0,
    timeout: int = 600,
    **kwargs: Any,
) -> Enqueued:
    """Queue a job (inline with no Redis). A pending job with the same job_id is reused.

    Call after committing: the job runs in its own session and must see your writes.
    """
    if queue not in ALL_QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    path = job_path(func)
    org = str(organization_id) if organization_id else None
    redis: Redis[bytes] | None = current_app.extensions.get("redis")
    if redis is None:
        result = runner.run(path, org, project_id, kwargs)
        return Enqueued(job_id, True, result)
    return Enqueued(
        _enqueue_rq(redis, queue, path, org, project_id, kwargs, job_id, retries, timeout), False
    )


def _enqueue_rq(
    redis: Redis[bytes],
    queue: str,
    path: str,
    org: str | None,
    project_id: int | None,
    kwargs: dict[str, Any],
    job_id: str | None,
    retries: int,
    timeout: int,
) -> str:
    if job_id is not None:
        existing = _pending_job(redis, job_id)
        if existing is not None:
            return existing
    retry = Retry(max=retries, interval=[5, 30, 120, 600][: max(retries, 1)]) if retries else None
    job = Queue(queue, connection=redis).enqueue(
        runner.run, path, org, project_id, kwargs, job_id=job_id, retry=retry, job_timeout=timeout
    )
    return str(job.id)


def _pending_job(redis: Redis[bytes], job_id: str) -> str | None:
    try:
        job = Job.fetch(job_id, connection=redis)
    except Exception:  # noqa: BLE001 - rq raises NoSuchJobError or decode errors for a stale id
        return None
    return job_id if job.get_status(refresh=False) in _PENDING else None


def job_status(job_id: str) -> str | None:
    redis: Redis[bytes] | None = current_app.extensions.get("redis")
    if redis is None:
        return None
    try:
        status = Job.fetch(job_id, connection=redis).get_status()
        return str(getattr(status, "value", status))  # "queued", not "JobStatus.QUEUED"
    except Exception:  # noqa: BLE001
        return None


def cancel(job_id: str) -> bool:
    """Cancel a queued job or stop a running one; False if it no longer exists."""
    redis: Redis[bytes] | None = current_app.extensions.get("redis")
    if redis is None:
        return False
    try:
        job = Job.fetch(job_id, connection=redis)
    except Exception:  # noqa: BLE001
        return False
    if job.get_status() == JobStatus.STARTED:
        from rq.command import send_stop_job_command

        send_stop_job_command(redis, job_id)
    else:
        job.cancel()
    return True


def queue_depths() -> dict[str, int]:
    redis: Redis[bytes] | None = current_app.extensions.get("redis")
    if redis is None:
        return {name: 0 for name in ALL_QUEUES}
    return {name: Queue(name, connection=redis).count for name in ALL_QUEUES}
