"""Create-or-update of a tenant, the one registry write with rules of its own.

Rules: a new tenant starts in PENDINGPROVISION with a "created" history entry; an
existing one gets its descriptive fields updated (never its status or key); a key
belongs to one tenant. Runs inside the caller's transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.models import TenantSpec, TenantStatus

from . import _convert
from ._conflicts import key_changed, key_taken
from .models import TenantRecord
from .schema import StatusChangeRow, TenantRow, utcnow

__all__ = ["upsert"]

logger = logging.getLogger(__name__)


def upsert(session: Session, spec: TenantSpec) -> TenantRecord:
    """Insert or update ``spec``; raises ``TenantConflictError`` for key clashes.

    An ``IntegrityError`` means a concurrent upsert inserted first: the caller retries
    in a new transaction, which then takes the update path.
    """
    fields = {
        "name": spec.tenant_name,
        "tier": spec.tier.value,
        "domains": list(spec.domains),
        "contacts": [c.model_dump(mode="json", by_alias=False) for c in spec.contacts],
        "plan_id": spec.plan_id,
        "app_version": spec.app_version,
        "idp_provider": spec.idp.provider.value if spec.idp else None,
        "idp_display_name": spec.idp.display_name if spec.idp else None,
        "parameters": dict(spec.parameters),
    }
    row = session.get(TenantRow, spec.tenant_id, with_for_update=True)
    if row is None:
        owner = session.scalar(select(TenantRow.tenant_id).where(TenantRow.key == spec.tenant_key))
        if owner == spec.tenant_id:
            # A concurrent upsert committed this tenant since our first read; on
            # PostgreSQL (READ COMMITTED) a new statement sees it, so update it.
            row = session.get(TenantRow, spec.tenant_id, with_for_update=True)
        elif owner is not None:
            raise key_taken(spec.tenant_key, owner)
    if row is None:
        return _insert(session, spec, fields)
    if row.key != spec.tenant_key:
        raise key_changed(spec.tenant_id, row.key, spec.tenant_key)
    changed = [name for name, value in fields.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, fields[name])
        row.updated_at = utcnow()
        logger.info("tenant %s updated: %s", spec.tenant_id, ", ".join(changed))
    return _convert.tenant(row)


def _insert(session: Session, spec: TenantSpec, fields: dict[str, Any]) -> TenantRecord:
    now = utcnow()
    status = TenantStatus.PENDINGPROVISION.value
    row = TenantRow(
        tenant_id=spec.tenant_id,
        key=spec.tenant_key,
        status=status,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(row)
    session.flush()  # the tenant row must exist before its history (foreign key)
    session.add(
        StatusChangeRow(
            tenant_id=spec.tenant_id,
            from_status=None,
            to_status=status,
            reason="created",
            at=now,
        )
    )
    session.flush()
    logger.info("tenant %s created with key %s", spec.tenant_id, spec.tenant_key)
    return _convert.tenant(row)
