"""One owner per tenant: the lease a lifecycle workflow holds while it works on a tenant.

Why a lease in the registry rather than one long-lived workflow per tenant taking
operations as updates: ARC SaaS starts ``provisionTenantWorkflow`` and its siblings
directly, with the seed's workflow ids, and those histories must keep replaying. A lease
row written in the same transaction as the status (compare-and-set on the status and the
owning workflow id) serializes every operation whoever starts it (API, CLI or a bare
Temporal client), and the registry stays the one place that says what a tenant is doing.

A lease is taken by workflow id *and* run id: a retried activity of the owning run finds
its own lease and goes on; a new run (``tenantctl`` again after a crash) may take over a
lease only when the caller has checked that the holder's run is closed (``replace``).
Runs inside the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.core.errors import TenantBusyError

from .models import Lease
from .schema import LeaseRow, utcnow

__all__ = ["check_owner", "holder", "release", "take"]


def _lease(row: LeaseRow) -> Lease:
    return Lease(
        tenant_id=row.tenant_id,
        workflow_id=row.workflow_id,
        run_id=row.run_id,
        operation=row.operation,
        acquired_at=row.acquired_at,
    )


def holder(session: Session, tenant_id: str, *, lock: bool = False) -> Lease | None:
    row = session.get(LeaseRow, tenant_id, with_for_update=lock)
    return None if row is None else _lease(row)


def take(
    session: Session,
    tenant_id: str,
    workflow_id: str,
    run_id: str,
    operation: str,
    *,
    replace: Lease | None = None,
) -> Lease:
    """Make ``workflow_id``/``run_id`` the tenant's owner, or raise ``TenantBusyError``.

    The caller holds the tenant row's lock. ``replace`` names a holder the caller has
    found closed: that one (and only that one) may be replaced.
    """
    row = session.get(LeaseRow, tenant_id, with_for_update=True)
    if row is not None:
        if (row.workflow_id, row.run_id) == (workflow_id, run_id):
            return _lease(row)
        if replace is None or (row.workflow_id, row.run_id) != (
            replace.workflow_id,
            replace.run_id,
        ):
            raise TenantBusyError(tenant_id, row.workflow_id, row.operation)
        session.delete(row)
        session.flush()
    row = LeaseRow(
        tenant_id=tenant_id,
        workflow_id=workflow_id,
        run_id=run_id,
        operation=operation,
        acquired_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _lease(row)


def release(session: Session, tenant_id: str, workflow_id: str, run_id: str) -> bool:
    """Drop the lease if this run holds it; True if it did (releasing twice is a no-op)."""
    row = session.get(LeaseRow, tenant_id, with_for_update=True)
    if row is None or (row.workflow_id, row.run_id) != (workflow_id, run_id):
        return False
    session.delete(row)
    return True


def check_owner(session: Session, tenant_id: str, workflow_id: str | None) -> None:
    """Refuse a write by a workflow other than the tenant's owner (none: anyone may)."""
    row = session.get(LeaseRow, tenant_id)
    if row is not None and workflow_id is not None and row.workflow_id != workflow_id:
        raise TenantBusyError(tenant_id, row.workflow_id, row.operation)
