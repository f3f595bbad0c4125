"""Capture's service: park, queue or (embedded default) process an accepted batch."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select

from app.db import get_session
from app.errors import AuthenticationError, ServiceUnavailable
from app.ingestion import queue
from app.ingestion.envelope import Envelope
from app.ingestion.hooks import over_quota
from app.ingestion.models import IngestionOverflow
from app.ingestion.pipeline import message_for, process_messages
from app.ingestion.tokens import TokenProject, lookup
from app.redis_client import get_redis

log = logging.getLogger(__name__)


def resolve_project(token: str) -> TokenProject:
    """The project of a capture token, or 401 invalid_token."""
    project = lookup(token)
    if project is None:
        raise AuthenticationError(
            "Project API key invalid. You can find your project API key in project settings.",
            code="invalid_token",
        )
    return project


def park(message: dict[str, Any]) -> None:
    """Store an over-quota batch durably instead of processing it."""
    project_id = int(message["project_id"])
    get_session().add(
        IngestionOverflow(project_id=project_id, batch=message, event_count=len(message["events"]))
    )


def accept(*, envelope: Envelope, project: TokenProject, ip: str | None) -> bool:
    """Queue the batch (or park/process it); True when the caller must kick a drain job.

    Raises ServiceUnavailable when the queue cannot take it, so the SDK retries.
    """
    message = message_for(
        project_id=project.project_id,
        organization_id=project.organization_id,
        events=envelope.events,
        sent_at=envelope.sent_at,
        ip=ip,
        historical=envelope.historical,
        anonymize_ips=project.anonymize_ips,
    )
    if over_quota(project.organization_id, project.project_id):
        park(message)
        return False
    redis = get_redis()
    if redis is None:
        process_messages([message])
        return False
    settings = current_app.config["BURROW"]
    try:
        return queue.push(
            redis,
            message,
            min_acks=settings.REDIS_MIN_REPLICA_ACKS,
            ack_timeout_ms=settings.REDIS_REPLICA_ACK_TIMEOUT_MS,
        )
    except (RedisError, queue.NotReplicated) as exc:
        log.warning("ingestion queue unavailable: %s", exc)
        raise ServiceUnavailable(
            "The ingestion queue is unavailable; retry later.", code="queue_unavailable"
        ) from exc


def replay_overflow(project_id: int) -> int:
    """Re-queue (or, with no Redis, process) every parked batch of the project; returns count.

    Call inside the project's tenant scope; the caller commits.
    """
    session = get_session()
    rows = list(
        session.scalars(
            select(IngestionOverflow)
            .where(IngestionOverflow.project_id == project_id)
            .order_by(IngestionOverflow.id)
        )
    )
    if not rows:
        return 0
    redis = get_redis()
    if redis is None:
        process_messages([row.batch for row in rows])
    else:
        queue.push_raw(redis, [queue.encode(row.batch) for row in rows])
    for row in rows:
        session.delete(row)
    return len(rows)


def kick_drain() -> None:
    """Schedule a drain job on the ingestion queue (the batch itself is already queued)."""
    from workers import queues
    from workers.enqueue import enqueue

    try:
        enqueue("workers.jobs.ingest.drain", queue=queues.INGESTION)
    except RedisError as exc:  # the periodic reaper drains it later
        log.warning("could not schedule an ingestion drain: %s", exc)
