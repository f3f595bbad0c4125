"""The audit log: sensitive actions recorded, filters, Free's 7-day window, export, retention."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker  # noqa: TID251 - tests drain jobs with a real RQ worker

from app.activity.models import ActivityLog
from app.db import get_session, utcnow
from app.entitlements import Edition
from app.tenancy import tenant_scope
from tests.helpers import PASSWORD, Account, Api, error
from tests.permissions.conftest import create_role, grant, ok, restrict, service_account_key
from workers import queues, runner
from workers.enqueue import enqueue


def audit(api: Api, who: Account, **params: Any) -> list[dict[str, Any]]:
    path = f"/api/organizations/{who.organization_id}/audit_log/"
    body = ok(api.get(who, path, query_string=params))
    return list(body["results"])


def actions(entries: list[dict[str, Any]]) -> list[str]:
    return [e["action"] for e in entries]


def old_entry(app: Flask, org: str, days: int, action: str = "ancient") -> None:
    with app.app_context(), tenant_scope(uuid.UUID(org)):
        get_session().add(ActivityLog(action=action, scope="Test", item_id="1", detail={},
                                      created_at=utcnow() - timedelta(days=days)))  # fmt: skip
        get_session().commit()


def test_sensitive_actions_are_recorded(api: Api, make_ultimate: Any) -> None:
    owner = api.signup()
    make_ultimate(owner)
    org = owner.organization_id
    member = api.invite_and_join(owner, 1)
    ok(restrict(api, owner, owner.project_id))
    g = ok(grant(api, owner, owner.project_id, user_id=member.user_id, level="admin"), 201)
    ok(api.delete(owner, f"/api/projects/{owner.project_id}/access/grants/{g['id']}/"), 204)
    role = ok(create_role(api, owner, "Ops"), 201)
    ok(api.post(owner, f"/api/organizations/{org}/roles/{role['id']}/members/",
                {"user_id": member.user_id}), 201)  # fmt: skip
    ok(api.patch(owner, f"/api/organizations/{org}/members/{member.user_id}/", {"level": 8}))
    sa_id, raw = service_account_key(api, owner)
    assert api.post(None, "/api/login/", {"email": member.email, "password": "wrong-password-1"}
                    ).status_code == 401  # fmt: skip
    assert api.post(None, "/api/login/", {"email": member.email, "password": PASSWORD}
                    ).status_code == 200  # fmt: skip
    ok(api.patch(owner, f"/api/organizations/{org}/audit_log/settings/", {"retention_days": 400}))
    recorded = set(actions(audit(api, owner, limit=200)))
    assert {"access_restricted", "granted", "revoked", "created", "member_added", "level_changed",
            "key_created", "login_failed", "login", "retention_changed"} <= recorded  # fmt: skip
    failed = audit(api, owner, action="login_failed")
    assert failed[0]["actor"]["id"] == member.user_id and failed[0]["item_id"] == member.user_id
    grants = audit(api, owner, scope="ProjectAccess", project_id=owner.project_id)
    assert actions(grants) == ["revoked", "granted"]
    assert grants[1]["detail"]["level"] == "admin"
    # by object: everything that happened to the service account
    sa_entries = audit(api, owner, scope="ServiceAccount", item_id=sa_id)
    assert actions(sa_entries) == ["key_created", "created"]
    # by actor: what the member did (their own logins)
    assert set(actions(audit(api, owner, actor=member.user_id))) == {"login", "login_failed"}


def test_key_use_from_new_ips_is_recorded_once_per_ip(api: Api, make_ultimate: Any) -> None:
    owner = api.signup()
    make_ultimate(owner)
    personal = api.create_key(owner, scopes=["*"])
    _sa, sa_key = service_account_key(api, owner)
    path = f"/api/projects/{owner.project_id}/"
    for key in (personal, sa_key):
        for ip in ("10.0.0.1", "10.0.0.1", "10.0.0.2"):
            assert api.get(key, path, environ_base={"REMOTE_ADDR": ip}).status_code == 200
    entries = audit(api, owner, action="key_used_from_new_ip")
    seen = sorted((e["actor"]["kind"], e["detail"]["key_kind"]) for e in entries)
    assert seen == [("personal_key", "personal_key")] * 2 + [("service_account",) * 2] * 2
    # the service account acts under its own name in the log
    created = api.post(sa_key, f"/api/projects/{owner.project_id}/feature_flags/", {"key": "sa"})
    assert created.status_code == 201
    by_sa = audit(api, owner, actor_kind="service_account", scope="FeatureFlag")
    assert by_sa and by_sa[0]["actor"]["email"].startswith("service_account:")


def test_free_reads_only_the_last_7_days_and_cannot_export(
    api: Api, editions: dict[uuid.UUID, Edition]
) -> None:
    owner = api.signup()
    org = owner.organization_id
    old_entry(api.app, org, days=10)
    base = f"/api/organizations/{org}/audit_log/"
    assert "ancient" not in actions(audit(api, owner, limit=500))
    activity = ok(api.get(owner, f"/api/organizations/{org}/activity/"))["results"]
    assert "ancient" not in actions(activity) and activity  # recording continues on Free
    since = (utcnow() - timedelta(days=30)).isoformat()
    assert (
        error(api.get(owner, base, query_string={"after": since}))["code"] == "feature_not_in_plan"
    )
    assert api.get(owner, base + "export/").status_code == 402
    assert api.patch(owner, base + "settings/", {"retention_days": 30}).status_code == 402
    editions[uuid.UUID(org)] = Edition.ULTIMATE  # upgrade: nothing was lost
    assert "ancient" in actions(audit(api, owner, after=since, limit=500))
    member = api.invite_and_join(owner, 1)
    assert api.get(member, base).status_code == 403


def test_time_range_filter_and_export_formats(api: Api, make_ultimate: Any) -> None:
    owner = api.signup()
    make_ultimate(owner)
    org = owner.organization_id
    old_entry(api.app, org, days=20, action="twenty_days_ago")
    old_entry(api.app, org, days=40, action="forty_days_ago")
    after = (utcnow() - timedelta(days=30)).isoformat()
    before = (utcnow() - timedelta(days=10)).isoformat()
    assert actions(audit(api, owner, after=after, before=before)) == ["twenty_days_ago"]
    assert api.get(owner, f"/api/organizations/{org}/audit_log/",
                   query_string={"after": "yesterday"}).status_code == 400  # fmt: skip
    export = f"/api/organizations/{org}/audit_log/export/"
    resp = api.get(owner, export, query_string={"format": "csv", "after": after, "before": before})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.is_streamed
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0][:3] == ["id", "created_at", "actor_kind"] and len(rows) == 2
    assert rows[1][rows[0].index("action")] == "twenty_days_ago"
    resp = api.get(owner, export, query_string={"format": "json"})
    entries = json.loads(resp.get_data(as_text=True))
    assert {"forty_days_ago", "twenty_days_ago"} <= set(actions(entries))
    assert api.get(owner, export, query_string={"format": "xml"}).status_code == 400


def test_retention_purge_job(api: Api, make_ultimate: Any) -> None:
    owner = api.signup()
    make_ultimate(owner)
    org = owner.organization_id
    other = api.signup()  # no retention set: keeps everything
    for who in (owner, other):
        old_entry(api.app, who.organization_id, days=40, action="forty_days_ago")
        old_entry(api.app, who.organization_id, days=5, action="five_days_ago")
    ok(api.patch(owner, f"/api/organizations/{org}/audit_log/settings/", {"retention_days": 30}))
    with api.app.app_context():
        enqueue("workers.jobs.audit.purge_audit_log", queue=queues.DEFAULT, job_id="audit-purge")
    runner.use_app(api.app)
    redis: Redis = api.app.extensions["redis"]
    SimpleWorker([Queue(queues.DEFAULT, connection=redis)], connection=redis).work(burst=True)
    kept = set(actions(audit(api, owner, after=(utcnow() - timedelta(days=60)).isoformat())))
    assert "five_days_ago" in kept and "forty_days_ago" not in kept
    with api.app.app_context(), tenant_scope(uuid.UUID(other.organization_id)):
        assert get_session().query(ActivityLog).filter_by(action="forty_days_ago").count() == 1
