"""Typed settings read from the environment and validated once at start-up."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

Deployment = Literal["selfhosted", "cloud"]
VAR_DIR = Path(__file__).resolve().parent.parent / "var"
SECRET_FIELDS = frozenset(
    {
        "SECRET_KEY",
        "SECRET_KEY_FALLBACKS",
        "SMTP_PASSWORD",
        "STRIPE_SECRET_KEY",
        "DATABASE_URL",
        "STRIPE_WEBHOOK_SECRETS",
    }
)


class ConfigError(ValueError):
    """Raised when a setting is missing or malformed."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key() -> str:
    """A per-checkout secret for the embedded default, so `make run` needs no setup."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    """Every setting the app reads. Build with `Settings.from_env()`."""

    DATABASE_URL: str = ""
    REDIS_URL: str = ""
    SECRET_KEY: str = ""
    SECRET_KEY_FALLBACKS: tuple[str, ...] = ()
    SITE_URL: str = "http://localhost:8000"
    DEPLOYMENT: Deployment = "selfhosted"
    DEBUG: bool = False
    TESTING: bool = False
    MAIL_BACKEND: Literal["console", "smtp", "memory"] = "console"
    MAIL_FROM: str = "Burrow <no-reply@localhost>"
    SMTP_HOST: str = "localhost"
    SMTP_PORT: int = 25
    SMTP_USER: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_STARTTLS: bool = False
    SESSION_COOKIE_SECURE: bool = True
    SESSION_LIFETIME_DAYS: int = 14
    RATE_LIMITS_ENABLED: bool = True
    TELEMETRY_ENABLED: bool = True
    TELEMETRY_ENDPOINT: str = "https://telemetry.burrow.dev/v1/report"
    TELEMETRY_TIMEOUT_SECONDS: int = 5
    TELEMETRY_OPERATOR_OPT_OUT: bool = False  # the only off switch for Growth/Ultimate
    INGESTION_QUEUE_BATCH: int = 4000  # events per ingest transaction (see bench/ingest)
    INGEST_HEARTBEAT_SECONDS: int = 30  # a silent ingest consumer's batches are re-delivered
    REDIS_MIN_REPLICA_ACKS: int = 0  # >0: capture WAITs for n replicas before answering 200
    REDIS_REPLICA_ACK_TIMEOUT_MS: int = 50
    STRIPE_SECRET_KEY: str = ""
    STRIPE_WEBHOOK_SECRETS: tuple[str, ...] = ()  # several during a rotation
    STRIPE_API_BASE: str = ""  # empty = Stripe's own; tests point it at a local fake
    STRIPE_PRICE_EDITIONS: str = ""  # "price_a=growth,price_b=ultimate" fallback table
    BILLING_GRACE_DAYS: int = 14
    CLOUD_FREE_EVENTS_PER_MONTH: int = 1_000_000
    LICENSE_PUBLIC_KEY: str = ""  # base64 raw Ed25519 key; empty = the key shipped in billing/
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, overrides: dict[str, Any] | None = None) -> Settings:
        """Read settings from os.environ, then apply explicit overrides (tests, CLI)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra" or f.name not in os.environ:
                continue
            values[f.name] = _coerce(f.name, f.type, os.environ[f.name])
        extra = dict((overrides or {}).pop("extra", {}) if overrides else {})
        known = {f.name for f in fields(cls)}
        for key, value in (overrides or {}).items():
            if key in known:
                values[key] = value
            else:
                extra[key] = value
        values["extra"] = extra
        return cls(**values).validated()

    def validated(self) -> Settings:
        """Fill embedded defaults and reject impossible combinations."""
        updates: dict[str, Any] = {}
        if not self.DATABASE_URL:
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            updates["DATABASE_URL"] = f"sqlite:///{VAR_DIR / 'burrow.db'}"
        if not self.SECRET_KEY:
            if self.DEPLOYMENT == "cloud":
                raise ConfigError("SECRET_KEY is required when DEPLOYMENT=cloud")
            updates["SECRET_KEY"] = _dev_secret_key()
        if self.DEPLOYMENT not in ("selfhosted", "cloud"):
            raise ConfigError("DEPLOYMENT must be 'selfhosted' or 'cloud'")
        if self.MAIL_BACKEND not in ("console", "smtp", "memory"):
            raise ConfigError("MAIL_BACKEND must be console, smtp or memory")
        if not self.SITE_URL.startswith(("http://", "https://")):
            raise ConfigError("SITE_URL must be an absolute http(s) URL")
        if not updates:
            return self
        return Settings(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **updates})

    @property
    def is_cloud(self) -> bool:
        return self.DEPLOYMENT == "cloud"

    @property
    def inline_jobs(self) -> bool:
        """With no Redis, jobs run in-process right after the request commits."""
        return not self.REDIS_URL

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    def safe_repr(self) -> dict[str, Any]:
        """Settings for logs: secrets masked, credentials stripped from URLs."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = "***" if f.name in SECRET_FIELDS and value else value
        out["REDIS_URL"] = _strip_credentials(self.REDIS_URL)
        return out


def _strip_credentials(url: str) -> str:
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def _coerce(name: str, type_name: Any, raw: str) -> Any:
    kind = str(type_name)
    try:
        if kind == "bool":
            return _bool(raw)
        if kind == "int":
            return int(raw)
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"{name} is not a valid {kind}: {raw!r}") from exc
    return raw
