"""The tenant registry: tenants, their status history and resources, in one database.

Synchronous on purpose: activities call it from their thread pool, and a blocking
SQLAlchemy session is simpler to reason about than an async one for a handful of
short transactions. Every public method is one transaction, safe to call from many
threads; retried activities may call any of them again with the same arguments and
the registry converges to the same state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import TracebackType

from sqlalchemy import Delete, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.core.errors import TenantNotFoundError, ValidationError
from engine.core.models import Component, TenantSpec, TenantStatus, Tier

from . import _convert, _lease, _lifecycle
from ._db import Database
from ._upsert import upsert
from .models import (
    Lease,
    ResourceRecord,
    RetainedResource,
    StatusChange,
    TenantRecord,
    TenantResource,
)
from .outbox import NotificationOutbox
from .schema import ResourceRow, RetainedResourceRow, StatusChangeRow, TenantRow, utcnow

__all__ = ["TenantRegistry"]

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 500
_COMPONENT_ORDER = {component: index for index, component in enumerate(Component)}


class TenantRegistry:
    """Tenants and what was provisioned for them, in SQLite or PostgreSQL.

    ``database_url`` is a SQLAlchemy URL: ``sqlite:///.state/registry.db`` or
    ``postgresql+psycopg://user:pass@host/db``. Opening it migrates the schema to the
    newest revision (``_migrate``).
    """

    def __init__(self, database_url: str) -> None:
        self._db = Database(database_url)
        self.outbox = NotificationOutbox(self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TenantRegistry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- tenants -----------------------------------------------------------------------

    def upsert_tenant(self, spec: TenantSpec) -> TenantRecord:
        """Create the tenant in PENDINGPROVISION, or update its descriptive fields.

        The status is never changed here (use ``set_status``), and neither is the key:
        stacks and cloud resources are named after it. Calling it again with the same
        spec changes nothing, not even ``updated_at``.
        """
        try:
            with self._db.transaction() as session:
                return upsert(session, spec)
        except IntegrityError:
            # A concurrent upsert inserted the same id or key between our read and our
            # insert; a second pass sees its row and updates or reports the conflict.
            with self._db.transaction() as session:
                return upsert(session, spec)

    def set_status(
        self,
        tenant_id: str,
        status: TenantStatus,
        *,
        reason: str | None = None,
        workflow_id: str | None = None,
    ) -> TenantRecord:
        """Move the tenant to ``status`` and record it in the history.

        Setting the current status again records nothing (a retried activity is a
        no-op). Changes outside the lifecycle graph (``transitions``) raise
        ``InvalidStatusTransitionError``; a ``workflow_id`` other than the lease holder's
        raises ``TenantBusyError`` (only the owner moves a tenant).
        """
        status = TenantStatus(status)
        with self._db.transaction() as session:
            row = self._tenant_row(session, tenant_id, lock=True)
            _lease.check_owner(session, tenant_id, workflow_id)
            current = row.status
            if _lifecycle.move(session, row, status, reason, workflow_id):
                logger.info(
                    "tenant %s: %s -> %s (%s)", tenant_id, current, status.value, reason or "-"
                )
            return _convert.tenant(row)

    # -- lifecycle ownership (see _lease for why a lease) ------------------------------

    def begin_provision(
        self, spec: TenantSpec, workflow_id: str, run_id: str, *, replace: Lease | None = None
    ) -> tuple[TenantRecord, bool]:
        """Register the tenant and make it PROVISIONING under this run's lease, or refuse.

        Returns the tenant and whether it is new (then it cannot have stacks yet).

        Refusals change nothing: ``TenantStateError`` (ACTIVE, DEPROVISIONING),
        ``TenantBusyError`` (another workflow owns it), ``TenantConflictError`` (the key
        belongs to another tenant, or the id has another key).
        """
        try:
            with self._db.transaction() as session:
                return _lifecycle.begin_provision(
                    session, spec, workflow_id, run_id, replace=replace
                )
        except IntegrityError:
            # A concurrent registration of the same id or key won the insert: once more,
            # now seeing its row (and so its lease or its key).
            with self._db.transaction() as session:
                return _lifecycle.begin_provision(
                    session, spec, workflow_id, run_id, replace=replace
                )

    def acquire(
        self,
        tenant_id: str,
        workflow_id: str,
        run_id: str,
        operation: str,
        allowed: Sequence[TenantStatus],
        *,
        replace: Lease | None = None,
    ) -> TenantRecord:
        """Own the tenant for ``operation`` if its status is one of ``allowed``, or refuse."""
        with self._db.transaction() as session:
            return _lifecycle.acquire(
                session, tenant_id, workflow_id, run_id, operation, allowed, replace=replace
            )

    def check(self, operation: str, tenant_id: str, tenant_key: str | None = None) -> None:
        """Raise what ``operation`` would be refused with (busy, wrong status, key taken)."""
        with self._db.transaction() as session:
            _lifecycle.check(session, operation, tenant_id, tenant_key)

    def release(self, tenant_id: str, workflow_id: str, run_id: str) -> bool:
        """End this run's ownership; True if it held the lease (twice is a no-op)."""
        with self._db.transaction() as session:
            return _lease.release(session, tenant_id, workflow_id, run_id)

    def lease(self, tenant_id: str) -> Lease | None:
        """Who owns the tenant now, if anyone."""
        with self._db.transaction() as session:
            return _lease.holder(session, tenant_id)

    def set_app_version(
        self, tenant_id: str, app_version: str, *, workflow_id: str | None = None
    ) -> str:
        """Set the version that runs, atomically and by the owner only; the previous one."""
        with self._db.transaction() as session:
            row = self._tenant_row(session, tenant_id, lock=True)
            _lease.check_owner(session, tenant_id, workflow_id)
            previous = row.app_version
            if previous != app_version:
                row.app_version = app_version
                row.updated_at = utcnow()
            return previous

    def get(self, tenant_id: str) -> TenantRecord:
        with self._db.transaction() as session:
            return _convert.tenant(self._tenant_row(session, tenant_id))

    def get_by_key(self, key: str) -> TenantRecord:
        with self._db.transaction() as session:
            row = session.scalar(select(TenantRow).where(TenantRow.key == key))
            if row is None:
                raise TenantNotFoundError(key, by="key")
            return _convert.tenant(row)

    def list_tenants(
        self,
        *,
        status: TenantStatus | None = None,
        tier: Tier | None = None,
        page_size: int = 50,
        page_token: str | None = None,
    ) -> tuple[list[TenantRecord], str | None]:
        """One page of tenants ordered by tenant id, and the token of the next page.

        The next token is None on the last page. Keyset paging keeps pages stable while
        tenants are added: nothing is skipped or repeated.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationError(f"must be between 1 and {MAX_PAGE_SIZE}", field="page_size")
        query = select(TenantRow).order_by(TenantRow.tenant_id).limit(page_size + 1)
        if status is not None:
            query = query.where(TenantRow.status == TenantStatus(status).value)
        if tier is not None:
            query = query.where(TenantRow.tier == Tier(tier).value)
        if page_token:
            query = query.where(TenantRow.tenant_id > _convert.decode_page_token(page_token))
        with self._db.transaction() as session:
            rows = list(session.scalars(query))
        items = [_convert.tenant(row) for row in rows[:page_size]]
        more = len(rows) > page_size
        return items, (_convert.encode_page_token(items[-1].tenant_id) if more else None)

    def history(self, tenant_id: str) -> list[StatusChange]:
        """Every status change of the tenant, oldest first (creation included)."""
        with self._db.transaction() as session:
            self._tenant_row(session, tenant_id)
            rows = session.scalars(
                select(StatusChangeRow)
                .where(StatusChangeRow.tenant_id == tenant_id)
                .order_by(StatusChangeRow.id)
            )
            return [_convert.status_change(row) for row in rows]

    # -- resources ---------------------------------------------------------------------

    def resources(self, tenant_id: str, component: Component | None = None) -> list[ResourceRecord]:
        """The tenant's recorded resources, in provisioning order of their components."""
        query = select(ResourceRow).where(ResourceRow.tenant_id == tenant_id)
        if component is not None:
            query = query.where(ResourceRow.component == Component(component).value)
        with self._db.transaction() as session:
            self._tenant_row(session, tenant_id)
            records = [
                _convert.resource(row) for row in session.scalars(query.order_by(ResourceRow.id))
            ]
        return sorted(records, key=lambda r: _COMPONENT_ORDER[r.component])

    def record_resources(
        self, tenant_id: str, component: Component, resources: Sequence[TenantResource]
    ) -> list[ResourceRecord]:
        """Replace what is recorded for one component with ``resources``.

        Replace rather than append, so a retried activity converges to the same set.
        """
        component = Component(component)
        seen: set[tuple[str, str]] = set()
        for item in resources:
            if (item.type, item.physical_id) in seen:
                raise ValidationError(
                    f"{item.type} {item.physical_id!r} is listed twice", field="resources"
                )
            seen.add((item.type, item.physical_id))
        now = utcnow()
        with self._db.transaction() as session:
            # The row lock serializes two writers of the same tenant on PostgreSQL.
            self._tenant_row(session, tenant_id, lock=True)
            session.execute(self._component_rows(tenant_id, component))
            rows = [
                ResourceRow(
                    tenant_id=tenant_id,
                    component=component.value,
                    type=item.type,
                    physical_id=item.physical_id,
                    name=item.name,
                    attributes=item.attributes,
                    recorded_at=now,
                )
                for item in resources
            ]
            session.add_all(rows)
            session.flush()
            logger.info("tenant %s: %d %s resources recorded", tenant_id, len(rows), component)
            return [_convert.resource(row) for row in rows]

    def retain_resources(
        self,
        tenant_id: str,
        component: Component,
        physical_ids: Sequence[str],
        *,
        workflow_id: str | None = None,
    ) -> list[RetainedResource]:
        """Remember resources a deprovision kept; recorded ones keep their type and name.

        Idempotent: a resource retained twice is listed once.
        """
        component = Component(component)
        now = utcnow()
        with self._db.transaction() as session:
            self._tenant_row(session, tenant_id, lock=True)
            recorded = {
                row.physical_id: row
                for row in session.scalars(
                    select(ResourceRow).where(
                        ResourceRow.tenant_id == tenant_id,
                        ResourceRow.component == component.value,
                    )
                )
            }
            known = set(
                session.scalars(
                    select(RetainedResourceRow.physical_id).where(
                        RetainedResourceRow.tenant_id == tenant_id,
                        RetainedResourceRow.component == component.value,
                    )
                )
            )
            for physical_id in dict.fromkeys(physical_ids):
                if physical_id in known:
                    continue
                source = recorded.get(physical_id)
                session.add(
                    RetainedResourceRow(
                        tenant_id=tenant_id,
                        component=component.value,
                        type=source.type if source else "retained",
                        physical_id=physical_id,
                        name=source.name if source else "",
                        retained_at=now,
                        workflow_id=workflow_id,
                    )
                )
        return self.retained(tenant_id)

    def retained(self, tenant_id: str) -> list[RetainedResource]:
        """Resources deprovision kept for the tenant, oldest first."""
        with self._db.transaction() as session:
            self._tenant_row(session, tenant_id)
            rows = session.scalars(
                select(RetainedResourceRow)
                .where(RetainedResourceRow.tenant_id == tenant_id)
                .order_by(RetainedResourceRow.id)
            )
            return [
                RetainedResource(
                    tenant_id=row.tenant_id,
                    component=Component(row.component),
                    type=row.type,
                    physical_id=row.physical_id,
                    name=row.name,
                    retained_at=row.retained_at,
                    workflow_id=row.workflow_id,
                )
                for row in rows
            ]

    # -- helpers -----------------------------------------------------------------------

    @staticmethod
    def _component_rows(tenant_id: str, component: Component) -> Delete:
        return delete(ResourceRow).where(
            ResourceRow.tenant_id == tenant_id, ResourceRow.component == component.value
        )

    @staticmethod
    def _tenant_row(session: Session, tenant_id: str, *, lock: bool = False) -> TenantRow:
        row = session.get(TenantRow, tenant_id, with_for_update=lock)
        if row is None:
            raise TenantNotFoundError(tenant_id)
        return row
