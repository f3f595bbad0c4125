"""The SDK hot path: POST /flags and /decide answered in front of Flask's request machinery.

Every SDK calls /flags on each page load or server-side check, so the per-request cost of
Flask (request context, session cookie interface, URL routing, the before/after-request
hooks of every domain) was a quarter of a cached request. `LeanSdkPath` wraps
`app.wsgi_app` and answers the anonymous POSTs itself with the same code as the views
(`remote_routes.flags_answer` / `decide_answer`, body decoding, JSON encoding, CORS
headers, error rendering), inside an app context (database session, Redis, config) but
without a request context.

It only takes requests whose Flask answer cannot depend on anything it skips:

- POST to exactly /flags, /flags/, /decide or /decide/ (GET/HEAD/OPTIONS go to Flask);
- no `Authorization` header and no session cookie, so `app.access` would resolve no
  principal: no CSRF, scope, rate-limit (limits are per key), tenant or permission hook
  applies, and the Flask session stays empty (its only trace is `Vary: Cookie`);
- a Content-Length within the body cap (chunked or oversized bodies get Flask's own 413/400).

Everything else is passed to the Flask app unchanged. What Flask would add to such an
answer is added here in the same order: the CORS headers of `remote_routes`, the request
id of `app.logs`, and `Vary: Cookie` from the session interface. Wrapping `wsgi_app` (not
the WSGI server's entry point) means the Flask test client goes through this path too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Response, g, jsonify
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import ClientDisconnected

from app.errors import render_error
from app.feature_flags.decoding import MAX_BODY, decode_raw
from app.feature_flags.remote_routes import cors_headers, decide_answer, encode, flags_answer
from app.logs import request_id_for
from app.tenancy import clear_scope

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
Answer = Callable[[dict[str, Any], MultiDict[str, str]], dict[str, Any]]

ANSWERS: dict[str, Answer] = {
    "/flags": flags_answer,
    "/flags/": flags_answer,
    "/decide": decide_answer,
    "/decide/": decide_answer,
}


def _query_args(environ: Environ) -> MultiDict[str, str]:
    """request.args, parsed the way werkzeug parses it."""
    query = environ.get("QUERY_STRING", "").encode("latin1").decode()
    return ImmutableMultiDict(parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote"))


def _read_body(environ: Environ, length: int) -> bytes:
    stream = environ["wsgi.input"]
    chunks, left = [], length
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            raise ClientDisconnected()  # what werkzeug's LimitedStream raises for Flask
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class LeanSdkPath:
    """WSGI middleware in front of the Flask app for anonymous SDK flag POSTs."""

    def __init__(self, app: Flask, inner: WSGIApp) -> None:
        self.app = app
        self.inner = inner

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        answer = ANSWERS.get(environ.get("PATH_INFO", ""))
        length = self._lean_length(environ) if answer is not None else None
        if answer is None or length is None:
            return self.inner(environ, start_response)
        return self._serve(answer, environ, length, start_response)

    def _lean_length(self, environ: Environ) -> int | None:
        """The body length when the request may take the lean path, else None."""
        if environ.get("REQUEST_METHOD") != "POST" or "HTTP_AUTHORIZATION" in environ:
            return None
        if "HTTP_TRANSFER_ENCODING" in environ:
            return None
        cookie = environ.get("HTTP_COOKIE")
        if cookie and self.app.config["SESSION_COOKIE_NAME"] in cookie:
            return None
        raw = environ.get("CONTENT_LENGTH") or "0"
        if not raw.isdigit():
            return None
        length = int(raw)
        cap = min(MAX_BODY, self.app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY)
        return length if length <= cap else None

    def _serve(
        self, answer: Answer, environ: Environ, length: int, start_response: StartResponse
    ) -> Iterable[bytes]:
        ctx = self.app.app_context()
        ctx.push()
        error: BaseException | None = None
        try:
            g.request_id = request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
            clear_scope()
            try:
                data = self._answer(answer, environ, length)
            except Exception as exc:  # rendered as the app's error handlers would
                response = render_error(exc)
                self._finish(response, environ, request_id)
                return response(environ, start_response)
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
            cors = cors_headers(
                environ["PATH_INFO"],
                environ.get("HTTP_ORIGIN"),
                environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
            )
            if cors:  # ends with Vary: Origin, which the session interface extends
                cors[-1] = ("Vary", "Origin, Cookie")
                headers += cors
                headers.append(("X-Request-ID", request_id))
            else:
                headers += [("X-Request-ID", request_id), ("Vary", "Cookie")]
            start_response("200 OK", headers)
            return [data]
        except BaseException as exc:
            error = exc
            raise
        finally:
            clear_scope()
            ctx.pop(error)

    def _answer(self, answer: Answer, environ: Environ, length: int) -> bytes:
        raw = _read_body(environ, length)
        args = _query_args(environ)
        body = decode_raw(
            raw,
            content_type=environ.get("CONTENT_TYPE", ""),
            content_encoding=environ.get("HTTP_CONTENT_ENCODING", ""),
            args=args,
        )
        result = answer(body, args)
        data = encode(result)
        return jsonify(result).get_data() if data is None else data

    @staticmethod
    def _finish(response: Response, environ: Environ, request_id: str) -> None:
        """Flask's after-request hooks and session save, for an error answer."""
        for name, value in cors_headers(
            environ["PATH_INFO"],
            environ.get("HTTP_ORIGIN"),
            environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
        ):
            response.headers[name] = value
        response.headers["X-Request-ID"] = request_id
        response.vary.add("Cookie")


def register(app: Flask) -> None:
    """Put the lean path in front of the app (an extension module: registered last)."""
    app.wsgi_app = LeanSdkPath(app, app.wsgi_app)  # type: ignore[method-assign]
