"""Builds the OpenAPI 3.1 document from the URL map and the schemas routes declare."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from app.http import view_attr

_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")
_TYPES = {"int": {"type": "integer"}, "uuid": {"type": "string", "format": "uuid"}}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["type", "code", "detail", "attr"],
    "properties": {
        "type": {"type": "string"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "attr": {"type": ["string", "null"]},
    },
}


def openapi_path(rule: str) -> str:
    return _CONVERTER.sub(r"{\1}", rule)


def _parameters(rule: Any) -> list[dict[str, Any]]:
    params = []
    for name, converter in rule._converters.items():
        kind = type(converter).__name__.lower().replace("converter", "")
        schema = _TYPES.get("int" if kind == "integer" else kind, {"type": "string"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _operation(app: Flask, rule: Any, method: str, components: dict[str, Any]) -> dict[str, Any]:
    view = app.view_functions[rule.endpoint]
    meta = view_attr(view, "doc", {}) or {}
    summary = (view.__doc__ or rule.endpoint).strip().splitlines()[0]
    op: dict[str, Any] = {
        "operationId": f"{rule.endpoint}_{method.lower()}",
        "summary": summary,
        "tags": [meta.get("tag") or rule.endpoint.split(".")[0]],
        "parameters": _parameters(rule),
        "responses": {
            "200": {"description": "Success"},
            "4XX": {
                "description": "Error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    }
    if meta.get("response"):
        name = meta["response"].__name__
        components[name] = meta["response"].model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        op["responses"]["200"]["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
        }
    if meta.get("request") and method in ("POST", "PUT", "PATCH"):
        name = meta["request"].__name__
        components[name] = meta["request"].model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        op["requestBody"] = {
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
        }
    if not view_attr(view, "public"):
        op["security"] = [{"session": []}, {"bearer": []}]
    return op


def build_schema(app: Flask) -> dict[str, Any]:
    """Every route except static files, with its methods, parameters and schemas."""
    paths: dict[str, Any] = {}
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        item = paths.setdefault(openapi_path(rule.rule), {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            item[method.lower()] = _operation(app, rule, method, components)
    for schema in list(components.values()):
        for name, sub in schema.pop("$defs", {}).items():
            components.setdefault(name, sub)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Burrow API", "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "burrow_session"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
