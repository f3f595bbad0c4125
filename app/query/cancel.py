"""Stopping a calculation that runs in a worker process which does not fork (spec 3.4 DELETE).

A forking RQ worker stops a job by killing its work horse. The insights worker runs jobs in
its own process instead (warm connections, no fork per job), so a stop request has to reach
the calculation another way: the job runs inside `running(job_id)`, every statement passes
`checkpoint()` and reports its Postgres backend, and `request(job_id)` (called from the
worker's command thread) sets the flag and asks Postgres to cancel the statement in flight.
The calculation then raises `Cancelled`, which no caller turns into a result or a status.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, text


class Cancelled(Exception):
    """The calculation was stopped on request; nothing of it is stored."""


@dataclass
class _Running:
    job_id: str
    stop: threading.Event = field(default_factory=threading.Event)
    backend: tuple[Engine, int] | None = None


_lock = threading.Lock()
_current: _Running | None = None


@contextmanager
def running(job_id: str) -> Iterator[None]:
    """Mark `job_id` as the calculation this process is running."""
    global _current
    with _lock:
        _current = _Running(job_id)
    try:
        yield
    finally:
        with _lock:
            _current = None


def note_backend(engine: Engine, pid: int) -> None:
    """The Postgres backend that runs the next statement (what `request` cancels)."""
    with _lock:
        if _current is not None:
            _current.backend = (engine, pid)


def checkpoint() -> None:
    """Raise `Cancelled` when a stop was requested for the running calculation."""
    current = _current
    if current is not None and current.stop.is_set():
        raise Cancelled(current.job_id)


def request(job_id: str | None) -> bool:
    """Stop `job_id` if it is the running calculation; False when it is not running here."""
    with _lock:
        current = _current
        if current is None or job_id is None or current.job_id != job_id:
            return False
        current.stop.set()
        backend = current.backend
    if backend is not None:
        engine, pid = backend
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_cancel_backend(:pid)"), {"pid": pid})
    return True
