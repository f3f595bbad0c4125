"""Structured-enough logging with a request id on every line and response."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, g, has_app_context, request


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # An app context without a request context is a job, or the lean /flags path
        # (app.feature_flags.lean), which sets g.request_id itself.
        record.request_id = g.get("request_id", "-") if has_app_context() else "-"
        return True


def request_id_for(incoming: str) -> str:
    """The caller's X-Request-ID when it is short and printable, else a new one."""
    return incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex


def _assign_request_id() -> None:
    g.request_id = request_id_for(request.headers.get("X-Request-ID", ""))


def _echo_request_id(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def register_logging(app: Flask) -> None:
    root = logging.getLogger()
    if not any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
        )
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
