"""Capture endpoints the PostHog SDKs call, and the browser's remote config."""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_session
from app.errors import NotFound, PayloadTooLarge, ServiceUnavailable
from app.http import csrf_exempt, public
from app.ingestion import service
from app.ingestion.decode import RawRequest, decode_json
from app.ingestion.envelope import check_token_shape, parse_envelope
from app.ingestion.tokens import lookup

bp = Blueprint("ingestion", __name__)
SMALL_LIMIT = 2 * 1024 * 1024
BATCH_LIMIT = 20 * 1024 * 1024
METHODS = ["GET", "POST", "OPTIONS"]


@bp.after_request
def _cors(response: Response) -> Response:
    """Browsers call capture cross-origin, with credentials (protocol.md 6)."""
    origin = request.headers.get("Origin")
    response.headers["Access-Control-Allow-Origin"] = origin or "*"
    if origin:
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers.add("Vary", "Origin")
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    asked = request.headers.get("Access-Control-Request-Headers")
    if asked:
        response.headers["Access-Control-Allow-Headers"] = asked
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _client_ip() -> str | None:
    forwarded = request.headers.get("X-Forwarded-For", "")
    first = forwarded.split(",")[0].strip()
    return first or request.remote_addr


def _body() -> bytes:
    limit = BATCH_LIMIT if request.path.startswith("/batch") else SMALL_LIMIT
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge("The request body is too large.")
    body = request.get_data(cache=False)
    if len(body) > limit:
        raise PayloadTooLarge("The request body is too large.")
    return body


def _commit_or_503() -> None:
    try:
        get_session().commit()
    except SQLAlchemyError as exc:
        get_session().rollback()
        raise ServiceUnavailable("Could not store the batch; retry later.") from exc


@public
@csrf_exempt
def capture() -> Response:
    """Accept events from any PostHog SDK; 200 only once the batch is durably queued."""
    if request.method == "OPTIONS":
        return Response(status=200)
    args = request.args.to_dict()
    raw = RawRequest(
        body=_body(),
        content_type=request.content_type or "",
        content_encoding=request.headers.get("Content-Encoding", ""),
        args=args,
    )
    envelope = parse_envelope(
        decode_json(raw), engage=request.path.startswith("/engage"), args=args
    )
    project = service.resolve_project(envelope.token)
    try:
        kick = service.accept(envelope=envelope, project=project, ip=_client_ip())
    except SQLAlchemyError as exc:
        get_session().rollback()
        raise ServiceUnavailable("Could not store the batch; retry later.") from exc
    _commit_or_503()
    if kick:
        service.kick_drain()
    return jsonify(status=1)


for _rule in ("/e/", "/batch/", "/capture/", "/track/", "/engage/", "/i/v0/e/"):
    bp.add_url_rule(
        _rule,
        endpoint=f"capture_{_rule.strip('/').replace('/', '_')}",
        view_func=capture,
        methods=METHODS,
        strict_slashes=False,
    )


def remote_config(token: str) -> dict[str, object]:
    """What posthog-js needs to start: compression, endpoints, which features exist."""
    return {
        "token": token,
        "supportedCompression": ["gzip", "gzip-js", "base64"],
        "hasFeatureFlags": True,
        "analytics": {"endpoint": "/i/v0/e/"},
        "elementsChainAsString": True,
        "sessionRecording": False,
        "heatmaps": False,
        "surveys": False,
        "captureDeadClicks": False,
        "capturePerformance": False,
        "autocaptureExceptions": False,
        "autocapture_opt_out": False,
        "defaultIdentifiedOnly": True,
        "siteApps": [],
        "toolbarParams": {},
        "isAuthenticated": False,
        "editorParams": {},
    }


def _config_for(token: str) -> dict[str, object]:
    token = check_token_shape(token)
    if lookup(token) is None:
        raise NotFound("No project has this API key.", code="invalid_token")
    return remote_config(token)


@bp.route("/array/<token>/config", methods=["GET", "OPTIONS"])
@public
def array_config(token: str) -> Response:
    """Remote config JSON for the browser SDK."""
    if request.method == "OPTIONS":
        return Response(status=200)
    return jsonify(_config_for(token))


@bp.route("/array/<token>/config.js", methods=["GET", "OPTIONS"])
@public
def array_config_js(token: str) -> Response:
    """Remote config as a script that registers itself on window."""
    if request.method == "OPTIONS":
        return Response(status=200)
    config = _config_for(token)
    body = (
        "(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};"
        f"window._POSTHOG_REMOTE_CONFIG[{json.dumps(token)}]="
        f"{json.dumps({'config': config, 'siteApps': []})};}})();"
    )
    return Response(body, mimetype="application/javascript")
