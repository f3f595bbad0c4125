"""A tiny stand-in for Stripe's API: Stripe-shaped JSON, and a record of what we sent."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


@dataclass
class FakeStripe:
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)  # path prefixes answering 500
    url: str = ""
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    def calls(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # -- state helpers used by tests --
    def set_subscription(
        self,
        sub_id: str,
        customer: str,
        status: str,
        price: dict[str, Any],
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        now = int(time.time())
        sub = {
            "id": sub_id,
            "object": "subscription",
            "customer": customer,
            "status": status,
            "cancel_at_period_end": False,
            "created": now,
            "metadata": metadata or {},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": f"si_{sub_id}",
                        "object": "subscription_item",
                        "price": price,
                        "quantity": 1,
                        "current_period_start": now - 86400,
                        "current_period_end": now + 29 * 86400,
                    }
                ],
            },
        }
        self.subscriptions[sub_id] = sub
        return sub

    # -- request handling --
    def handle(self, method: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
        if any(path.startswith(p) for p in self.failing):
            return 500, _error("api_error", "boom")
        parts = path.strip("/").split("/")[1:]  # drop "v1"
        route = (method, "/".join(p if not _is_id(p) else "{id}" for p in parts))
        handler = ROUTES.get(route)
        if handler is None:
            return 404, _error("invalid_request_error", f"no route {method} {path}")
        return handler(self, parts, params)


def _is_id(part: str) -> bool:
    return "_" in part and part.split("_", 1)[0] in {"cus", "sub", "in", "evt", "cs"}


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message}}


def _missing(what: str) -> tuple[int, Any]:
    return 404, {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": f"No such {what}",
        }
    }


def _list(data: list[dict[str, Any]], params: dict[str, str], url: str) -> dict[str, Any]:
    after = params.get("starting_after")
    if after:
        ids = [d["id"] for d in data]
        data = data[ids.index(after) + 1 :] if after in ids else []
    limit = int(params.get("limit", "10"))
    return {"object": "list", "url": url, "data": data[:limit], "has_more": len(data) > limit}


def _create_customer(fake: FakeStripe, _parts: list[str], params: dict[str, str]) -> Any:
    cid = fake.new_id("cus")
    meta = {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")}
    fake.customers[cid] = {
        "id": cid,
        "object": "customer",
        "name": params.get("name"),
        "metadata": meta,
    }
    return 200, fake.customers[cid]


def _get_customer(fake: FakeStripe, parts: list[str], _params: dict[str, str]) -> Any:
    customer = fake.customers.get(parts[1])
    return (200, customer) if customer else _missing("customer")


def _checkout(fake: FakeStripe, _parts: list[str], params: dict[str, str]) -> Any:
    sid = fake.new_id("cs_test")
    return 200, {
        "id": sid,
        "object": "checkout.session",
        "mode": params.get("mode"),
        "url": f"https://checkout.stripe.test/{sid}",
        "client_reference_id": params.get("client_reference_id"),
    }


def _portal(fake: FakeStripe, _parts: list[str], params: dict[str, str]) -> Any:
    return 200, {
        "id": fake.new_id("bps"),
        "object": "billing_portal.session",
        "customer": params.get("customer"),
        "url": "https://billing.stripe.test/p",
    }


def _get_sub(fake: FakeStripe, parts: list[str], _params: dict[str, str]) -> Any:
    sub = fake.subscriptions.get(parts[1])
    return (200, sub) if sub else _missing("subscription")


def _list_subs(fake: FakeStripe, _parts: list[str], params: dict[str, str]) -> Any:
    subs = [s for s in fake.subscriptions.values() if s["customer"] == params.get("customer")]
    return 200, _list(subs, params, "/v1/subscriptions")


def _list_invoices(fake: FakeStripe, _parts: list[str], params: dict[str, str]) -> Any:
    invs = [i for i in fake.invoices if i["customer"] == params.get("customer")]
    return 200, _list(invs, params, "/v1/invoices")


def _list_events(fake: FakeStripe, _parts: list[str], params: dict[str, str]) -> Any:
    since = int(params.get("created[gte]", "0"))
    return 200, _list([e for e in fake.events if e["created"] >= since], params, "/v1/events")


def _meter_event(_fake: FakeStripe, _parts: list[str], params: dict[str, str]) -> Any:
    return 200, {
        "object": "billing.meter_event",
        "event_name": params.get("event_name"),
        "identifier": params.get("identifier"),
        "livemode": False,
        "payload": {"value": params.get("payload[value]")},
    }


ROUTES = {
    ("POST", "customers"): _create_customer,
    ("GET", "customers/{id}"): _get_customer,
    ("POST", "checkout/sessions"): _checkout,
    ("POST", "billing_portal/sessions"): _portal,
    ("GET", "subscriptions/{id}"): _get_sub,
    ("GET", "subscriptions"): _list_subs,
    ("GET", "invoices"): _list_invoices,
    ("GET", "events"): _list_events,
    ("POST", "billing/meter_events"): _meter_event,
}


def serve(fake: FakeStripe) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _respond(self) -> None:
            split = urlsplit(self.path)
            params = dict(parse_qsl(split.query))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                params.update(parse_qsl(self.rfile.read(length).decode()))
            with fake._lock:
                fake.requests.append(
                    Request(self.command, split.path, dict(self.headers.items()), params)
                )
                status, body = fake.handle(self.command, split.path, params)
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("Request-Id", "req_fake")
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_DELETE = _respond

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's scheme: v1 = HMAC-SHA256(secret, f"{t}.{payload}") in hex."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"
