"""SDK-facing flag endpoints: /flags, /decide, local-evaluation definitions, remote config."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Response, g, jsonify, request
from werkzeug.datastructures import MultiDict

from app.access import load_project
from app.errors import AuthenticationError, NotFound
from app.feature_flags import definitions, remote
from app.feature_flags.decoding import decode_body
from app.feature_flags.evaluate import FlagResult, evaluate_all
from app.feature_flags.responses import EntryCache, decide_response, flags_response
from app.http import api_scope, csrf_exempt, doc, public
from app.tenancy import tenant_scope

bp = Blueprint("feature_flags_remote", __name__)
SDK_PATHS = ("/flags", "/decide")


CORS_METHODS = "GET, POST, OPTIONS, HEAD"


def cors_headers(path: str, origin: str | None, asked: str | None) -> list[tuple[str, str]]:
    """Browsers call flags cross-origin: mirror the Origin and requested headers."""
    if not origin or path.rstrip("/") not in SDK_PATHS:
        return []
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", CORS_METHODS),
    ]
    if asked:
        headers.append(("Access-Control-Allow-Headers", asked))
    headers.append(("Vary", "Origin"))
    return headers


@bp.after_request
def _cors(response: Response) -> Response:
    for name, value in cors_headers(
        request.path,
        request.headers.get("Origin"),
        request.headers.get("Access-Control-Request-Headers"),
    ):
        response.headers[name] = value
    return response


def int_arg(args: MultiDict[str, str], name: str) -> int | None:
    raw = args.get(name)
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _selected(flags: list[dict[str, Any]], body: dict[str, Any]) -> set[str] | None:
    """The keys the caller asked for, or None for every flag."""
    keys = body.get("flag_keys_to_evaluate") or body.get("flag_keys")
    runtime = body.get("evaluation_runtime")
    named = keys if isinstance(keys, list) and keys else None
    if named is None and runtime not in ("server", "client"):
        return None
    chosen = {f["key"] for f in flags}
    if named is not None:
        chosen &= {str(k) for k in named}
    if runtime in ("server", "client"):
        chosen = {
            f["key"]
            for f in flags
            if f["key"] in chosen and f.get("evaluation_runtime") in (None, "", "all", runtime)
        }
    return chosen


Evaluated = tuple[dict[str, dict[str, Any]], list[FlagResult], bool, EntryCache | None]


def _evaluate(body: dict[str, Any], args: MultiDict[str, str]) -> Evaluated:
    project = remote.project_for_token(remote.token_of(body, args))
    remote.distinct_id_of(body)
    with tenant_scope(project.organization_id, project.id):
        bundle, person_generation = definitions.bundle_and_person_generation(project.id)
        if body.get("disable_flags") is True:
            return {}, [], False, None
        ctx, errors = remote.build_context(body, bundle, project.id, person_generation)
        flags = bundle.definitions.by_key
        results = evaluate_all(bundle.definitions, ctx, _selected(bundle.definitions.flags, body))
        session = g.get("db_session")
        if session is not None:  # hand the connection back before encoding the answer
            session.rollback()
    failed = errors or any(r.failed for r in results)
    return flags, results, failed, bundle.definitions.entry_cache


def flags_answer(body: dict[str, Any], args: MultiDict[str, str]) -> dict[str, Any]:
    """The /flags answer to a decoded POST body (shared by the view and the lean WSGI path)."""
    flag_defs, results, errors, cache = _evaluate(body, args)
    return flags_response(
        flags=flag_defs,
        results=results,
        errors=errors,
        version=int_arg(args, "v"),
        config=args.get("config", "").lower() == "true",
        cache=cache,
    )


def decide_answer(body: dict[str, Any], args: MultiDict[str, str]) -> dict[str, Any]:
    """The /decide answer to a decoded POST body (shared by the view and the lean WSGI path)."""
    version = int_arg(args, "v") or 1
    flag_defs, results, errors, cache = _evaluate(body, args)
    return decide_response(
        flags=flag_defs, results=results, errors=errors, version=version, cache=cache
    )


def encode(body: dict[str, Any]) -> bytes | None:
    """Like jsonify (sorted keys, compact), through orjson: /flags answers are large.

    None when orjson cannot encode it (e.g. an integer beyond 64 bits in a stored payload):
    the caller falls back to jsonify.
    """
    try:
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None


def _json(body: dict[str, Any]) -> Response:
    data = encode(body)
    if data is None:
        return jsonify(body)
    return Response(data, mimetype="application/json")


@bp.route("/flags", methods=["GET", "POST", "HEAD"])
@bp.route("/flags/", methods=["GET", "POST", "HEAD"])
@public
@csrf_exempt
@doc(tag="feature_flags_sdk")
def flags() -> Response:
    """Remote flag evaluation for the SDKs (v2 shape; v=1 legacy).

    POSTs without credentials are answered by app.feature_flags.lean before Flask; this
    view answers the rest (GET/HEAD, and callers sending a session cookie or a bearer key).
    """
    if request.method != "POST":
        return jsonify({"flags": {}, "errorsWhileComputingFlags": False})
    return _json(flags_answer(decode_body(request), request.args))


@bp.route("/decide", methods=["GET", "POST", "HEAD"])
@bp.route("/decide/", methods=["GET", "POST", "HEAD"])
@public
@csrf_exempt
@doc(tag="feature_flags_sdk")
def decide() -> Response:
    """Legacy /decide (v1 to v4) for older SDKs; always includes config."""
    if request.method != "POST":
        version = int_arg(request.args, "v") or 1
        return jsonify(decide_response(flags={}, results=[], errors=False, version=version))
    return _json(decide_answer(decode_body(request), request.args))


def _authorised_project() -> remote.ProjectRef:
    """The project named by ?token=, which the bearer key must be allowed to read."""
    principal = g.principal
    token = request.args.get("token")
    if not token and principal.kind == "project_secret":
        token = principal.project.api_token
    project = remote.project_for_token(token)
    try:
        load_project(principal, project.id)
    except NotFound as exc:
        raise AuthenticationError(
            "This key cannot read this project's flags.", code="invalid_api_key"
        ) from exc
    return project


def _definitions_response() -> Response:
    project = _authorised_project()
    with tenant_scope(project.organization_id, project.id):
        bundle = definitions.bundle_for(project.id)
    sent = request.headers.get("If-None-Match", "")
    if sent and sent.removeprefix("W/") == bundle.etag.removeprefix("W/"):
        response = Response(status=304)
    else:
        response = Response(bundle.local_json, mimetype="application/json")
    response.headers["ETag"] = bundle.etag
    response.headers["Cache-Control"] = "private, must-revalidate"
    return response


def _local_eval_view(view: Any) -> Any:
    view._burrow_accepts_project_secret = True
    return api_scope("feature_flag")(view)


@bp.get("/flags/definitions")
@bp.get("/flags/definitions/")
@_local_eval_view
@doc(tag="feature_flags_sdk")
def flag_definitions() -> Response:
    """Local-evaluation definitions for server SDKs (ETag / If-None-Match → 304)."""
    return _definitions_response()


@bp.get("/api/feature_flag/local_evaluation")
@bp.get("/api/feature_flag/local_evaluation/")
@_local_eval_view
@doc(tag="feature_flags_sdk")
def local_evaluation() -> Response:
    """Older SDKs' path for the same local-evaluation definitions."""
    return _definitions_response()


@bp.get("/api/projects/@current/feature_flags/<string:key>/remote_config")
@bp.get("/api/projects/@current/feature_flags/<string:key>/remote_config/")
@_local_eval_view
@doc(tag="feature_flags_sdk")
def remote_config(key: str) -> Response:
    """A remote-configuration flag's payload (a JSON string, as stored)."""
    project = _authorised_project()
    with tenant_scope(project.organization_id, project.id):
        flag = next(
            (f for f in definitions.bundle_for(project.id).definitions.flags if f["key"] == key),
            None,
        )
    payload = ((flag or {}).get("filters") or {}).get("payloads", {}).get("true")
    if flag is None or payload is None:
        raise NotFound()
    return jsonify(payload)
