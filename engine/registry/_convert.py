"""Rows to returned models, and the opaque page token of ``list_tenants``."""

from __future__ import annotations

import base64
import binascii
import json

from engine.core.errors import ValidationError
from engine.core.models import Component, Contact, IdpProvider, TenantStatus, Tier

from .models import (
    NotificationRecord,
    NotificationState,
    ResourceRecord,
    StatusChange,
    TenantRecord,
)
from .schema import NotificationRow, ResourceRow, StatusChangeRow, TenantRow


def tenant(row: TenantRow) -> TenantRecord:
    return TenantRecord(
        tenant_id=row.tenant_id,
        tenant_key=row.key,
        tenant_name=row.name,
        tier=Tier(row.tier),
        status=TenantStatus(row.status),
        domains=tuple(row.domains),
        contacts=tuple(Contact.model_validate(c) for c in row.contacts),
        plan_id=row.plan_id,
        app_version=row.app_version,
        idp_provider=IdpProvider(row.idp_provider) if row.idp_provider else None,
        idp_display_name=row.idp_display_name,
        parameters=dict(row.parameters or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def status_change(row: StatusChangeRow) -> StatusChange:
    return StatusChange(
        tenant_id=row.tenant_id,
        from_status=TenantStatus(row.from_status) if row.from_status else None,
        to_status=TenantStatus(row.to_status),
        reason=row.reason,
        workflow_id=row.workflow_id,
        at=row.at,
    )


def resource(row: ResourceRow) -> ResourceRecord:
    return ResourceRecord(
        tenant_id=row.tenant_id,
        component=Component(row.component),
        type=row.type,
        physical_id=row.physical_id,
        name=row.name,
        attributes=row.attributes,
        recorded_at=row.recorded_at,
    )


def notification(row: NotificationRow) -> NotificationRecord:
    return NotificationRecord(
        idempotency_key=row.idempotency_key,
        tenant_id=row.tenant_id,
        kind=row.kind,
        state=NotificationState(row.state),
        recipients=tuple(row.recipients),
        message_id=row.message_id,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


# The token is opaque to clients (they must not build one), but it is not a secret:
# it only says where the previous page ended, in the listing's order (tenant id).
_TOKEN_VERSION = 1


def encode_page_token(after_tenant_id: str) -> str:
    payload = json.dumps({"v": _TOKEN_VERSION, "after": after_tenant_id}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_page_token(token: str) -> str:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if payload.get("v") != _TOKEN_VERSION or not isinstance(payload.get("after"), str):
            raise ValueError("unknown token layout")
        after: str = payload["after"]
    except (ValueError, binascii.Error, AttributeError, UnicodeDecodeError) as exc:
        raise ValidationError("not a page token from this registry", field="page_token") from exc
    return after
