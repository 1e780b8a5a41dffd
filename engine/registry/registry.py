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

from engine.core.errors import InvalidStatusTransitionError, TenantNotFoundError, ValidationError
from engine.core.models import Component, TenantSpec, TenantStatus, Tier

from . import _convert
from ._db import Database
from ._upsert import upsert
from .models import ResourceRecord, StatusChange, TenantRecord, TenantResource
from .outbox import NotificationOutbox
from .schema import ResourceRow, StatusChangeRow, TenantRow, utcnow
from .transitions import is_allowed

__all__ = ["TenantRegistry"]

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 500
_COMPONENT_ORDER = {component: index for index, component in enumerate(Component)}


class TenantRegistry:
    """Tenants and what was provisioned for them, in SQLite or PostgreSQL.

    ``database_url`` is a SQLAlchemy URL: ``sqlite:///.state/registry.db`` or
    ``postgresql+psycopg://user:pass@host/db``. Tables are created if missing.
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
        ``InvalidStatusTransitionError``.
        """
        status = TenantStatus(status)
        with self._db.transaction() as session:
            row = self._tenant_row(session, tenant_id, lock=True)
            current = TenantStatus(row.status)
            if current == status:
                return _convert.tenant(row)
            if not is_allowed(current, status):
                raise InvalidStatusTransitionError(tenant_id, current.value, status.value)
            now = utcnow()
            row.status = status.value
            row.updated_at = now
            session.add(
                StatusChangeRow(
                    tenant_id=tenant_id,
                    from_status=current.value,
                    to_status=status.value,
                    reason=reason,
                    workflow_id=workflow_id,
                    at=now,
                )
            )
            logger.info(
                "tenant %s: %s -> %s (%s)", tenant_id, current.value, status.value, reason or "-"
            )
            return _convert.tenant(row)

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

    def clear_resources(self, tenant_id: str, component: Component) -> int:
        """Forget one component's resources (after destroy); returns how many were removed."""
        component = Component(component)
        with self._db.transaction() as session:
            self._tenant_row(session, tenant_id, lock=True)
            result = session.execute(self._component_rows(tenant_id, component))
            removed: int = getattr(result, "rowcount", 0)
        logger.info("tenant %s: %d %s resources cleared", tenant_id, removed, component)
        return removed

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
