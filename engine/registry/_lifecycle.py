"""The registry writes that start and end a lifecycle operation, each one transaction.

``begin_provision`` checks the status, takes the lease, registers (or updates) the tenant
and moves it to PROVISIONING together: a request refused here has changed nothing, so a
refused provision never needs compensating. ``acquire`` does the same for the other
operations of an existing tenant. Run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.contracts import OPERATION_FROM
from engine.core.errors import (
    InvalidStatusTransitionError,
    TenantBusyError,
    TenantNotFoundError,
    TenantStateError,
)
from engine.core.models import TenantSpec, TenantStatus

from . import _convert, _lease
from ._conflicts import key_changed, key_taken
from ._upsert import upsert
from .models import Lease, TenantRecord
from .schema import StatusChangeRow, TenantRow, utcnow
from .transitions import PROVISION_FROM, is_allowed

__all__ = ["acquire", "begin_provision", "check", "move"]

_HINTS = {
    TenantStatus.ACTIVE: "it exists already; deploy changes its version, deprovision removes it",
    TenantStatus.DEPROVISIONING: "a deprovision has not finished; run deprovision again to "
    "finish it, then provision",
    TenantStatus.PROVISIONING: "a provision is under way",
}


def move(
    session: Session,
    row: TenantRow,
    status: TenantStatus,
    reason: str | None,
    workflow_id: str | None,
) -> bool:
    """Change ``row``'s status with a history entry; False if it had that status already."""
    current = TenantStatus(row.status)
    if current == status:
        return False
    if not is_allowed(current, status):
        raise InvalidStatusTransitionError(row.tenant_id, current.value, status.value)
    now = utcnow()
    row.status = status.value
    row.updated_at = now
    session.add(
        StatusChangeRow(
            tenant_id=row.tenant_id,
            from_status=current.value,
            to_status=status.value,
            reason=reason,
            workflow_id=workflow_id,
            at=now,
        )
    )
    return True


def begin_provision(
    session: Session,
    spec: TenantSpec,
    workflow_id: str,
    run_id: str,
    *,
    replace: Lease | None = None,
) -> tuple[TenantRecord, bool]:
    """Register ``spec`` and make it PROVISIONING under this run's lease, or refuse.

    Returns the tenant and whether this call created it (a new tenant has no stacks).

    A PROVISIONING tenant is accepted only with its lease: a retry of the owning run, or a
    new run taking over from a closed one (``replace``) or from no owner at all.
    """
    row = session.get(TenantRow, spec.tenant_id, with_for_update=True)
    if row is not None:
        if row.key != spec.tenant_key:  # another tenant's id: refused before anything else
            raise key_changed(spec.tenant_id, row.key, spec.tenant_key)
        # Busy next: it names the workflow to watch, which says more than the status.
        _lease.take(session, spec.tenant_id, workflow_id, run_id, "provision", replace=replace)
        status = TenantStatus(row.status)
        if status not in PROVISION_FROM and status is not TenantStatus.PROVISIONING:
            raise TenantStateError(
                spec.tenant_id, status.value, "provision", _HINTS.get(status, "")
            )
    created = row is None
    upsert(session, spec)  # a key owned by another tenant is refused here
    if row is None:
        _lease.take(session, spec.tenant_id, workflow_id, run_id, "provision")
        row = session.get(TenantRow, spec.tenant_id)
        assert row is not None
    move(session, row, TenantStatus.PROVISIONING, "provisioning started", workflow_id)
    session.flush()
    return _convert.tenant(row), created


def acquire(
    session: Session,
    tenant_id: str,
    workflow_id: str,
    run_id: str,
    operation: str,
    allowed: Collection[TenantStatus],
    *,
    replace: Lease | None = None,
) -> TenantRecord:
    """Take the tenant's lease for ``operation`` if its status is one of ``allowed``."""
    row = session.get(TenantRow, tenant_id, with_for_update=True)
    if row is None:
        raise TenantNotFoundError(tenant_id)
    _lease.take(session, tenant_id, workflow_id, run_id, operation, replace=replace)
    status = TenantStatus(row.status)
    if status not in allowed:
        raise TenantStateError(tenant_id, status.value, operation)
    return _convert.tenant(row)


def check(session: Session, operation: str, tenant_id: str, tenant_key: str | None) -> None:
    """Raise what ``operation`` would be refused with, changing nothing.

    A pre-check for the API and the CLI, so a refused request starts no workflow; the
    workflow's own ``begin_provision`` or ``acquire`` checks again (a client may start it
    directly).
    """
    row = session.get(TenantRow, tenant_id)
    if operation == "provision" and tenant_key is not None:
        owner = session.scalar(select(TenantRow.tenant_id).where(TenantRow.key == tenant_key))
        if owner is not None and owner != tenant_id:
            raise key_taken(tenant_key, owner)
        if row is not None and row.key != tenant_key:
            raise key_changed(tenant_id, row.key, tenant_key)
    if row is None:
        if operation == "provision":
            return
        raise TenantNotFoundError(tenant_id)
    holder = _lease.holder(session, tenant_id)
    if holder is not None:
        raise TenantBusyError(tenant_id, holder.workflow_id, holder.operation)
    status = TenantStatus(row.status)
    if status not in OPERATION_FROM[operation]:
        raise TenantStateError(tenant_id, status.value, operation, _HINTS.get(status, ""))
