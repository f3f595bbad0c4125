"""One error shape everywhere: {"type", "code", "detail", "attr"}, rendered by one handler."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import pydantic
from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """Base of every error that reaches the client."""

    status: ClassVar[int] = 400
    type: ClassVar[str] = "validation_error"
    default_code: ClassVar[str] = "invalid_input"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        attr: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.attr = attr
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"type": self.type, "code": self.code, "detail": self.detail, "attr": self.attr}


class ValidationError(AppError):
    pass


class AuthenticationError(AppError):
    status = 401
    type = "authentication_error"
    default_code = "not_authenticated"


class Forbidden(AppError):
    status = 403
    type = "permission_denied"
    default_code = "permission_denied"


class NotFound(AppError):
    status = 404
    type = "not_found"
    default_code = "not_found"

    def __init__(self, detail: str = "Not found.", **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)


class Conflict(AppError):
    status = 409
    type = "validation_error"
    default_code = "conflict"


class PayloadTooLarge(AppError):
    status = 413
    type = "validation_error"
    default_code = "payload_too_large"


class FeatureNotInPlan(AppError):
    status = 402
    type = "feature_not_in_plan"
    default_code = "feature_not_in_plan"

    def __init__(self, feature: str, edition: str) -> None:
        super().__init__(
            f"The '{feature}' feature needs the {edition.title()} edition.",
            extra={"feature": feature, "required_edition": edition},
        )

    def body(self) -> dict[str, Any]:
        return {**super().body(), **self.extra}


class RateLimited(AppError):
    status = 429
    type = "rate_limited"
    default_code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many requests. Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


class ServiceUnavailable(AppError):
    status = 503
    type = "server_error"
    default_code = "service_unavailable"


_HTTP_TYPES = {
    401: ("authentication_error", "not_authenticated"),
    403: ("permission_denied", "permission_denied"),
    404: ("not_found", "not_found"),
    405: ("validation_error", "method_not_allowed"),
    413: ("validation_error", "payload_too_large"),
    415: ("validation_error", "unsupported_media_type"),
}


def error_response(error: AppError) -> Response:
    response = jsonify(error.body())
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def from_pydantic(exc: pydantic.ValidationError) -> ValidationError:
    """The first failing field becomes `attr`; the message stays human."""
    first = exc.errors()[0]
    attr = ".".join(str(p) for p in first.get("loc", ())) or None
    message = str(first.get("msg", "Invalid input.")).removeprefix("Value error, ")
    return ValidationError(message, code=str(first.get("type", "invalid_input")), attr=attr)


def _handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    kind, code = _HTTP_TYPES.get(status, ("validation_error", "bad_request"))
    response = jsonify({"type": kind, "code": code, "detail": exc.description, "attr": None})
    response.status_code = status
    return response


def _handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    response = jsonify(
        {
            "type": "server_error",
            "code": "error",
            "detail": "A server error occurred.",
            "attr": None,
        }
    )
    response.status_code = 500
    return response


def render_error(exc: Exception) -> Response:
    """The response the registered handlers give for `exc` (for code outside Flask dispatch)."""
    if isinstance(exc, AppError):
        return error_response(exc)
    if isinstance(exc, pydantic.ValidationError):
        return error_response(from_pydantic(exc))
    if isinstance(exc, HTTPException):
        return _handle_http(exc)
    return _handle_unexpected(exc)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, error_response)
    app.register_error_handler(
        pydantic.ValidationError, lambda exc: error_response(from_pydantic(exc))
    )
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
