"""Query kind → runner. Runner modules are imported lazily so a kind whose module is not
in this build answers a clear 400 ("not supported yet") instead of crashing the app."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from app.query.base import QueryContext, QueryError, Runner

_MODULES: list[str] = []


def _lazy(module: str, function: str) -> Runner:
    _MODULES.append(module)

    def run(query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]:
        try:
            mod = import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            raise QueryError(f"{query.get('kind')} is not supported yet") from exc
        runner: Runner = getattr(mod, function)
        return runner(query, ctx)

    run.__qualname__ = run.__name__ = f"lazy_{function}"
    return run


RUNNERS: dict[str, Runner] = {
    "TrendsQuery": _lazy("app.query.trends", "run_trends"),
    "FunnelsQuery": _lazy("app.query.funnels", "run_funnels"),
    "RetentionQuery": _lazy("app.query.retention", "run_retention"),
    "StickinessQuery": _lazy("app.query.stickiness", "run_stickiness"),
    "LifecycleQuery": _lazy("app.query.lifecycle", "run_lifecycle"),
    "PathsQuery": _lazy("app.query.paths", "run_paths"),
    "EventsQuery": _lazy("app.query.events_query", "run_events_query"),
    "ActorsQuery": _lazy("app.query.actors", "run_actors"),
}


def preload() -> None:
    """Import every available runner now, so forked work horses do not pay for it per job."""
    for module in _MODULES:
        try:
            import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def run_query(query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]:
    """Dispatch on `query["kind"]`; unknown kinds are a user error."""
    kind = query.get("kind")
    runner = RUNNERS.get(kind) if isinstance(kind, str) else None
    if runner is None:
        raise QueryError(f"unknown query kind {kind!r}")
    return runner(query, ctx)
