"""The ingest worker loop: take chunks off the reliable queue, store them, acknowledge.

Transient database failures (Postgres restarting, connections dropped) are retried with
backoff while the chunk stays in this consumer's processing list; a message that fails
on its own for a non-transient reason goes to the dead-letter list instead of blocking.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis import Redis
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from app.db import get_session
from app.ingestion import queue
from app.ingestion.pipeline import decode_messages, process_messages

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, IntegrityError)
MAX_BACKOFF = 5.0


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _short(exc: BaseException) -> str:
    """The driver's message without the (possibly huge) SQL statement."""
    orig = getattr(exc, "orig", None)
    return f"{type(orig or exc).__name__}: {str(orig or exc).splitlines()[0][:200]}"


def store(raw: list[bytes]) -> int:
    """Process and commit one chunk; rolls back and re-raises on failure."""
    session = get_session()
    try:
        stored = process_messages(decode_messages(raw))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return stored


class Drainer:
    """Drains the queue until it is empty or `max_seconds` have passed."""

    def __init__(
        self, redis: Redis[bytes], *, chunk_events: int, heartbeat_seconds: int, max_seconds: float
    ) -> None:
        self.redis = redis
        self.chunk_events = chunk_events
        self.consumer = queue.Consumer(redis, heartbeat_seconds)
        self.deadline = time.monotonic() + max_seconds
        self.sleep: Callable[[float], None] = time.sleep

    def run(self) -> int:
        """Returns the number of events stored; in-flight messages go back on failure."""
        queue.reap(self.redis)
        self.consumer.register()
        stored = 0
        try:
            while time.monotonic() < self.deadline:
                raw = self.consumer.take(self.chunk_events)
                if not raw:
                    break
                stored += self._store_with_retry(raw)
                self.consumer.ack()
                self.consumer.heartbeat()
        finally:
            self.consumer.unregister()
        return stored

    def _store_with_retry(self, raw: list[bytes]) -> int:
        delay = 0.2
        while True:
            try:
                return store(raw)
            except Exception as exc:
                if not _transient(exc):
                    return self._isolate(raw, exc)
                if time.monotonic() > self.deadline:
                    raise
                log.warning("ingest: transient database error, retrying: %s", _short(exc))
                self.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                self.consumer.heartbeat()

    def _isolate(self, raw: list[bytes], exc: Exception) -> int:
        """A non-transient failure: retry message by message, dead-letter the bad ones."""
        if len(raw) == 1:
            log.error("ingest: dead-lettering a message that cannot be stored: %r", exc)
            self.consumer.dead_letter(raw[0])
            return 0
        return sum(self._store_with_retry([message]) for message in raw)


def drain(
    redis: Redis[bytes],
    *,
    chunk_events: int = 1000,
    heartbeat_seconds: int = 30,
    max_seconds: float = 300,
) -> int:
    """Drain the ingestion queue once; returns events stored."""
    redis.delete(queue.KICK)
    return Drainer(
        redis,
        chunk_events=chunk_events,
        heartbeat_seconds=heartbeat_seconds,
        max_seconds=max_seconds,
    ).run()
