"""A small local OAuth 2 / OIDC provider standing in for Google and GitHub at the HTTP edge."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class Person:
    email: str
    email_verified: bool = True
    given_name: str = "Sam"
    family_name: str = "Smith"


@dataclass
class Provider:
    """Issues codes, tokens, id_tokens (RS256) and userinfo for whoever `person` is."""

    client_id: str = "test-client"
    person: Person = field(default_factory=lambda: Person("sam@example.com"))
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, Person] = field(default_factory=dict)
    base: str = ""

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.base,
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token",
            "userinfo_endpoint": f"{self.base}/userinfo",
            "jwks_uri": f"{self.base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**query, "person": self.person}
        sep = "&" if "?" in query["redirect_uri"] else "?"
        return query["redirect_uri"] + sep + urlencode({"code": code, "state": query["state"]})

    def token(self, form: dict[str, str]) -> dict[str, Any]:
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None:
            raise KeyError("invalid_grant")
        access = secrets.token_urlsafe(16)
        person: Person = grant["person"]
        self.tokens[access] = person
        out: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": 3600}
        if "nonce" in grant:
            now = int(time.time())
            claims = {
                "iss": self.base,
                "sub": f"sub-{person.email}",
                "aud": self.client_id,
                "iat": now,
                "exp": now + 600,
                "nonce": grant["nonce"],
                "email": person.email,
                "email_verified": person.email_verified,
                "given_name": person.given_name,
                "family_name": person.family_name,
            }
            out["id_token"] = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return out

    def github_user(self, access: str) -> Any:
        person = self.tokens[access]
        return {"login": "sam", "name": f"{person.given_name} {person.family_name}"}

    def github_emails(self, access: str) -> Any:
        person = self.tokens[access]
        return [
            {"email": "old@elsewhere.example.com", "primary": False, "verified": True},
            {"email": person.email, "primary": True, "verified": person.email_verified},
        ]


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def _json(self, body: Any, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _bearer(self) -> str:
            return self.headers.get("Authorization", "").partition(" ")[2]

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                return self._json(provider.metadata())
            if parts.path == "/jwks":
                return self._json({"keys": [provider.key.as_dict(private=False)]})
            if parts.path in ("/authorize", "/login/oauth/authorize"):
                self.send_response(302)
                self.send_header("Location", provider.authorize(query))
                self.end_headers()
                return None
            if parts.path == "/user":
                return self._json(provider.github_user(self._bearer()))
            if parts.path == "/user/emails":
                return self._json(provider.github_emails(self._bearer()))
            return self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            try:
                return self._json(provider.token(form))
            except KeyError:
                return self._json({"error": "invalid_grant"}, 400)

    return Handler


class ProviderServer:
    def __init__(self, provider: Provider) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
        provider.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.provider = provider
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
