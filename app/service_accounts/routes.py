"""/api/organizations/{id}/service_accounts/: non-human principals and their keys (admins)."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel

from app.access import current_principal, require_level
from app.db import get_session
from app.http import api_scope, doc, paginate, parse
from app.organizations.models import Level
from app.service_accounts import service
from app.service_accounts.models import ServiceAccount
from app.service_accounts.schemas import (
    AccountCreate,
    AccountRead,
    AccountUpdate,
    SAKeyCreate,
    SAKeyRead,
    SAKeyUpdate,
)

bp = Blueprint("service_accounts", __name__)
BASE = "/api/organizations/<uuid:organization_id>/service_accounts/"
ONE = BASE + "<uuid:account_id>/"
KEY = ONE + "keys/<uuid:key_id>/"


def _json(model: BaseModel, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


def _admin_account(account_id: uuid.UUID) -> ServiceAccount:
    require_level(Level.ADMIN)
    return service.get_account(account_id)


@bp.get(BASE)
@api_scope("organization")
@doc(response_model=AccountRead, tag="service_accounts")
def list_accounts(organization_id: uuid.UUID) -> Response:
    """The organization's service accounts (admins)."""
    require_level(Level.ADMIN)
    return jsonify(
        paginate(service.list_accounts(), lambda a: AccountRead.of(a).model_dump(mode="json"))
    )


@bp.post(BASE)
@api_scope("organization")
@doc(request_model=AccountCreate, response_model=AccountRead, tag="service_accounts")
def create_account(organization_id: uuid.UUID) -> Response:
    """Create a service account (admins); it belongs to the organization, not to you."""
    require_level(Level.ADMIN)
    data = parse(AccountCreate)
    principal = current_principal()
    account = service.create_account(
        name=data.name,
        level=data.level,
        project_ids=data.project_ids,
        created_by_id=principal.user_id if principal else None,
    )
    get_session().commit()
    return _json(AccountRead.of(account), 201)


@bp.get(ONE)
@api_scope("organization")
@doc(response_model=AccountRead, tag="service_accounts")
def get_account(organization_id: uuid.UUID, account_id: uuid.UUID) -> Response:
    """One service account."""
    return _json(AccountRead.of(_admin_account(account_id)))


@bp.patch(ONE)
@api_scope("organization")
@doc(request_model=AccountUpdate, response_model=AccountRead, tag="service_accounts")
def update_account(organization_id: uuid.UUID, account_id: uuid.UUID) -> Response:
    """Rename, change level or project restrictions, disable."""
    account = _admin_account(account_id)
    changes = parse(AccountUpdate).model_dump(exclude_unset=True)
    service.update_account(account=account, changes=changes)
    get_session().commit()
    return _json(AccountRead.of(account))


@bp.delete(ONE)
@api_scope("organization")
@doc(tag="service_accounts")
def delete_account(organization_id: uuid.UUID, account_id: uuid.UUID) -> Response:
    """Delete the account and all its keys."""
    service.delete_account(account=_admin_account(account_id))
    get_session().commit()
    return Response(status=204)


@bp.get(ONE + "keys/")
@api_scope("organization")
@doc(response_model=SAKeyRead, tag="service_accounts")
def list_keys(organization_id: uuid.UUID, account_id: uuid.UUID) -> Response:
    """The account's keys (masked)."""
    stmt = service.list_keys(_admin_account(account_id))
    return jsonify(paginate(stmt, lambda k: SAKeyRead.of(k).model_dump(mode="json")))


@bp.post(ONE + "keys/")
@api_scope("organization")
@doc(request_model=SAKeyCreate, response_model=SAKeyRead, tag="service_accounts")
def create_key(organization_id: uuid.UUID, account_id: uuid.UUID) -> Response:
    """Create a key; `value` is in this response only."""
    account = _admin_account(account_id)
    data = parse(SAKeyCreate)
    key, raw = service.create_key(
        account=account,
        label=data.label,
        scopes=data.scopes,
        scoped_projects=data.scoped_projects,
        expires_at=data.expires_at,
    )
    get_session().commit()
    return _json(SAKeyRead.of(key, raw), 201)


@bp.patch(KEY)
@api_scope("organization")
@doc(request_model=SAKeyUpdate, response_model=SAKeyRead, tag="service_accounts")
def update_key(organization_id: uuid.UUID, account_id: uuid.UUID, key_id: uuid.UUID) -> Response:
    """Change label, scopes, project restrictions or expiry."""
    key = service.get_key(_admin_account(account_id), key_id)
    service.update_key(key=key, changes=parse(SAKeyUpdate).model_dump(exclude_unset=True))
    get_session().commit()
    return _json(SAKeyRead.of(key))


@bp.post(KEY + "roll/")
@api_scope("organization")
@doc(response_model=SAKeyRead, tag="service_accounts")
def roll_key(organization_id: uuid.UUID, account_id: uuid.UUID, key_id: uuid.UUID) -> Response:
    """Replace the key's value; the old value stops working at once."""
    key = service.get_key(_admin_account(account_id), key_id)
    raw = service.roll_key(key=key)
    get_session().commit()
    return _json(SAKeyRead.of(key, raw))


@bp.delete(KEY)
@api_scope("organization")
@doc(tag="service_accounts")
def delete_key(organization_id: uuid.UUID, account_id: uuid.UUID, key_id: uuid.UUID) -> Response:
    """Delete a key."""
    service.delete_key(key=service.get_key(_admin_account(account_id), key_id))
    get_session().commit()
    return Response(status=204)
