"""The feature registry (single source of truth for gating) and has_feature/require_feature."""

from __future__ import annotations

import enum
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g

from app.errors import FeatureNotInPlan

F = TypeVar("F", bound=Callable[..., Any])


class Edition(enum.IntEnum):
    FREE = 0
    GROWTH = 1
    ULTIMATE = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class Category(enum.StrEnum):
    CREATION = "creation"
    COLLABORATION = "collaboration"
    COMPLIANCE = "compliance"


@dataclass(frozen=True)
class Feature:
    key: str
    edition: Edition
    category: Category
    unlocks: str


REGISTRY: dict[str, Feature] = {
    f.key: f
    for f in (
        Feature("product_analytics", Edition.FREE, Category.CREATION, "capture, persons, insights"),
        Feature("feature_flags", Edition.FREE, Category.CREATION, "boolean flags and rollouts"),
        Feature("multiple_users", Edition.FREE, Category.COLLABORATION, "members and invites"),
        Feature("api_access", Edition.FREE, Category.CREATION, "personal API keys, export"),
        Feature("social_login", Edition.FREE, Category.CREATION, "Google/GitHub login"),
        Feature("experiments", Edition.GROWTH, Category.CREATION, "A/B tests"),
        Feature("multivariate_flags", Edition.GROWTH, Category.CREATION, "variants, payloads"),
        Feature("group_analytics", Edition.GROWTH, Category.CREATION, "group types and counts"),
        Feature("scalable_event_store", Edition.GROWTH, Category.CREATION, "ClickHouse store"),
        Feature("dashboard_sharing", Edition.GROWTH, Category.COLLABORATION, "shared links"),
        Feature("saml_sso", Edition.ULTIMATE, Category.COMPLIANCE, "SAML login"),
        Feature("sso_enforcement", Edition.ULTIMATE, Category.COMPLIANCE, "SSO-only login"),
        Feature("advanced_permissions", Edition.ULTIMATE, Category.COLLABORATION, "access control"),
        Feature("audit_log", Edition.ULTIMATE, Category.COMPLIANCE, "activity log and export"),
    )
}


@dataclass(frozen=True)
class EditionGrant:
    edition: Edition
    source: str  # "free", "stripe", "license"
    detail: dict[str, Any]


EditionResolver = Callable[[uuid.UUID], EditionGrant | None]


def register_edition_resolver(resolver: EditionResolver) -> None:
    """Billing and licensing plug in here; the highest grant among resolvers wins."""
    resolvers: list[EditionResolver] = current_app.extensions.setdefault("edition_resolvers", [])
    if resolver not in resolvers:
        resolvers.append(resolver)


def edition_for(organization_id: uuid.UUID) -> EditionGrant:
    """The organization's edition and where it comes from (Free unless a resolver grants more)."""
    best = EditionGrant(Edition.FREE, "free", {})
    for resolver in current_app.extensions.get("edition_resolvers", []):
        grant = resolver(organization_id)
        if grant is not None and grant.edition > best.edition:
            best = grant
    return best


def has_feature(organization_id: uuid.UUID, key: str) -> bool:
    feature = REGISTRY[key]
    return edition_for(organization_id).edition >= feature.edition


def entitlements(organization_id: uuid.UUID) -> list[str]:
    edition = edition_for(organization_id).edition
    return sorted(k for k, f in REGISTRY.items() if edition >= f.edition)


def ensure_feature(organization_id: uuid.UUID, key: str) -> None:
    """Raise 402 feature_not_in_plan unless the organization has the feature."""
    if not has_feature(organization_id, key):
        raise FeatureNotInPlan(key, REGISTRY[key].edition.label)


def require_feature(key: str) -> Callable[[F], F]:
    """Route decorator: 402 unless the current tenant's organization has `key`."""
    if key not in REGISTRY:
        raise KeyError(f"unknown feature {key!r}")

    def wrap(view: F) -> F:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            ensure_feature(g.organization_id, key)
            return view(*args, **kwargs)

        inner._burrow_feature = key  # type: ignore[attr-defined]
        return inner  # type: ignore[return-value]

    return wrap
