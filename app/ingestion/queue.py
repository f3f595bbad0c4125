"""A reliable Redis queue of raw capture batches.

Capture LPUSHes a message onto `pending`. A consumer LMOVEs messages into its own
`processing` list, writes them to the event store, commits, and only then deletes that
list. A consumer that dies (SIGKILL, OOM, lost node) stops refreshing its heartbeat key;
`reap()` moves its processing list back onto `pending`, and the re-delivered events are
deduplicated on (project, uuid). So nothing queued is lost and nothing is stored twice.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

from redis import Redis

PREFIX = "burrow:ingest"
PENDING = f"{PREFIX}:pending"
CONSUMERS = f"{PREFIX}:consumers"
DEAD = f"{PREFIX}:dead"
KICK = f"{PREFIX}:drain_scheduled"
KICK_TTL = 60
TAKE_STEP = 16


def processing_key(cid: str) -> str:
    return f"{PREFIX}:processing:{cid}"


def heartbeat_key(cid: str) -> str:
    return f"{PREFIX}:hb:{cid}"


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), default=str).encode("utf-8")


class NotReplicated(Exception):
    """Fewer replicas than required acknowledged the pushed batch; it was withdrawn."""


def push(
    redis: Redis[bytes], message: dict[str, Any], *, min_acks: int = 0, ack_timeout_ms: int = 50
) -> bool:
    """Queue one batch durably; True when no drain is scheduled yet (the caller kicks one).

    With `min_acks` > 0 the same connection then issues `WAIT min_acks ack_timeout_ms`; when
    fewer replicas acknowledged, the batch is taken back off the queue and NotReplicated is
    raised (capture answers 503 and the SDK retries; a copy a consumer already took is
    deduplicated on its event uuids).
    """
    body = encode(message)
    pipe = redis.pipeline(transaction=False)
    pipe.lpush(PENDING, body)
    pipe.set(KICK, "1", nx=True, ex=KICK_TTL)
    if min_acks > 0:
        pipe.wait(min_acks, ack_timeout_ms)
    results = pipe.execute()
    kicked = bool(results[1])
    if min_acks > 0 and int(results[2]) < min_acks:
        withdraw = redis.pipeline(transaction=False)
        withdraw.lrem(PENDING, 1, body)
        if kicked:
            withdraw.delete(KICK)
        withdraw.execute()
        raise NotReplicated(f"{results[2]} of {min_acks} replicas acknowledged")
    return kicked


def push_raw(redis: Redis[bytes], messages: list[bytes]) -> None:
    if messages:
        redis.lpush(PENDING, *messages)


def depth(redis: Redis[bytes]) -> int:
    return int(redis.llen(PENDING))


def reap(redis: Redis[bytes]) -> int:
    """Re-deliver the in-flight messages of consumers whose heartbeat expired."""
    moved = 0
    for raw in redis.smembers(CONSUMERS):
        cid = raw.decode() if isinstance(raw, bytes) else str(raw)
        if redis.exists(heartbeat_key(cid)):
            continue
        while redis.lmove(processing_key(cid), PENDING, "LEFT", "RIGHT") is not None:
            moved += 1
        redis.srem(CONSUMERS, cid)
    return moved


class Consumer:
    """One consumer's view of the queue: take, ack, give back."""

    def __init__(self, redis: Redis[bytes], heartbeat_seconds: int = 30) -> None:
        self.redis = redis
        self.cid = f"{socket.gethostname()}-{os.getpid()}-{os.urandom(4).hex()}"
        self.ttl = heartbeat_seconds
        self.processing = processing_key(self.cid)

    def register(self) -> None:
        self.redis.sadd(CONSUMERS, self.cid)
        self.heartbeat()

    def heartbeat(self) -> None:
        self.redis.set(heartbeat_key(self.cid), "1", ex=self.ttl)

    def take(self, max_events: int) -> list[bytes]:
        """Move messages into our processing list until about `max_events` are held."""
        taken: list[bytes] = []
        events = 0
        while events < max_events:
            pipe = self.redis.pipeline(transaction=False)
            for _ in range(TAKE_STEP):
                pipe.lmove(PENDING, self.processing, "RIGHT", "LEFT")
            got = [m for m in pipe.execute() if m is not None]
            taken.extend(got)
            events += sum(m.count(b'"uuid":') for m in got)
            if len(got) < TAKE_STEP:
                break
        return taken

    def ack(self) -> None:
        self.redis.delete(self.processing)

    def give_back(self) -> None:
        """Return unfinished messages to the front of the queue (oldest first)."""
        while self.redis.lmove(self.processing, PENDING, "LEFT", "RIGHT") is not None:
            pass

    def dead_letter(self, message: bytes) -> None:
        pipe = self.redis.pipeline()
        pipe.lpush(DEAD, message)
        pipe.lrem(self.processing, 1, message)
        pipe.execute()

    def unregister(self) -> None:
        self.give_back()
        self.redis.delete(heartbeat_key(self.cid))
        self.redis.srem(CONSUMERS, self.cid)
