"""Imports every model module so metadata is complete (alembic, meta-tests).

Add one import line per domain that defines models.
"""

from app.actions import models as action_models
from app.activity import models as activity_models
from app.api_keys import models as api_key_models
from app.audit import models as audit_models
from app.auth import models as auth_models
from app.cohorts import models as cohort_models
from app.dashboards import models as dashboard_models
from app.events import models as event_models
from app.experiments import models as experiment_models
from app.feature_flags import models as feature_flag_models
from app.ingestion import models as ingestion_models
from app.insights import models as insight_models
from app.instance import models as instance_models
from app.members import models as member_models
from app.organizations import models as organization_models
from app.permissions import models as permission_models
from app.persons import models as person_models
from app.projects import models as project_models
from app.roles import models as role_models
from app.service_accounts import models as service_account_models
from app.sso import models as sso_models
from app.subscriptions import models as subscription_models
from app.telemetry import models as telemetry_models
from billing import models as billing_models

# Tables that are not tenant-owned on purpose; everything else must use a tenant mixin.
GLOBAL_TABLES = frozenset(
    {
        "users",  # a user spans organizations
        "user_sessions",  # belongs to a user
        "organizations",  # the tenant itself
        "personal_api_keys",  # belongs to a user; restrictions are checked per request
        "billing_stripe_events",  # stored before the organization is known (webhook first)
        "billing_instance_licenses",  # a self-hosted license covers the whole instance
        "instance_settings",  # instance-wide switches (telemetry), owned by no tenant
        "telemetry_sent",  # what this instance reported, instance-wide aggregates only
        "api_key_seen_ips",  # keyed by an API key; personal keys span organizations
    }
)

__all__ = [
    "GLOBAL_TABLES",
    "activity_models",
    "dashboard_models",
    "insight_models",
    "api_key_models",
    "audit_models",
    "permission_models",
    "role_models",
    "service_account_models",
    "auth_models",
    "billing_models",
    "action_models",
    "cohort_models",
    "event_models",
    "ingestion_models",
    "experiment_models",
    "feature_flag_models",
    "instance_models",
    "person_models",
    "member_models",
    "organization_models",
    "project_models",
    "telemetry_models",
    "sso_models",
    "subscription_models",
]
