"""The feature registry and the pluggable edition source."""

import uuid

import pytest
from flask import Blueprint, Flask

from app.entitlements import (
    REGISTRY,
    Edition,
    EditionGrant,
    has_feature,
    register_edition_resolver,
    require_feature,
)
from app.http import api_scope
from tests.helpers import Api, error


def test_registry_matches_the_policy() -> None:
    expected = {
        "product_analytics": Edition.FREE,
        "feature_flags": Edition.FREE,
        "multiple_users": Edition.FREE,
        "api_access": Edition.FREE,
        "social_login": Edition.FREE,
        "experiments": Edition.GROWTH,
        "multivariate_flags": Edition.GROWTH,
        "group_analytics": Edition.GROWTH,
        "scalable_event_store": Edition.GROWTH,
        "dashboard_sharing": Edition.GROWTH,
        "saml_sso": Edition.ULTIMATE,
        "sso_enforcement": Edition.ULTIMATE,
        "advanced_permissions": Edition.ULTIMATE,
        "audit_log": Edition.ULTIMATE,
    }
    assert {k: f.edition for k, f in REGISTRY.items() if k in expected} == expected


def test_unknown_feature_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        require_feature("teleportation")


def _gated_app(app: Flask) -> None:
    bp = Blueprint("gated_test", __name__)

    @bp.get("/api/organizations/<uuid:organization_id>/gated_test/")
    @api_scope("organization")
    @require_feature("saml_sso")
    def gated(organization_id: uuid.UUID) -> dict[str, bool]:
        """A route behind an Ultimate feature."""
        return {"ok": True}

    app.register_blueprint(bp)


def test_require_feature_answers_402_then_passes_with_a_resolver(app_factory) -> None:
    app = app_factory()
    _gated_app(app)
    api = Api(app)
    acct = api.signup()
    url = f"/api/organizations/{acct.organization_id}/gated_test/"
    resp = api.get(acct, url)
    assert resp.status_code == 402
    body = error(resp)
    assert body["code"] == "feature_not_in_plan"
    assert body["feature"] == "saml_sso" and body["required_edition"] == "ultimate"
    org_id = uuid.UUID(acct.organization_id)
    with app.app_context():
        register_edition_resolver(
            lambda oid: EditionGrant(Edition.ULTIMATE, "license", {}) if oid == org_id else None
        )
        assert has_feature(org_id, "saml_sso")
    assert api.get(acct, url).status_code == 200
