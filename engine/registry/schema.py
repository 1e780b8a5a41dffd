"""The registry's tables (SQLAlchemy 2 typed ORM), portable across SQLite and PostgreSQL.

Enums are stored as plain strings rather than database enum types, so adding a status
or tier never needs a schema migration (altering a PostgreSQL enum is one, and awkward).

A change here needs a revision in ``migrations/versions`` too (README, "Registry schema
and migrations"); ``tests/engine/test_registry_migrations.py`` fails until the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "LeaseRow",
    "NotificationRow",
    "ResourceRow",
    "RetainedResourceRow",
    "StatusChangeRow",
    "TenantRow",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset on storage)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the registry; use UTC-aware values")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_Json = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: _Json, list[Any]: _Json}


class TenantRow(Base):
    __tablename__ = "tenants"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    domains: Mapped[list[Any]]
    contacts: Mapped[list[Any]]
    plan_id: Mapped[str | None] = mapped_column(String(100))
    app_version: Mapped[str] = mapped_column(String(64))
    idp_provider: Mapped[str | None] = mapped_column(String(32))
    idp_display_name: Mapped[str | None] = mapped_column(String(200))
    # Catalog knobs the tenant was provisioned with, reused by deprovision and deploy.
    parameters: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StatusChangeRow(Base):
    __tablename__ = "tenant_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    workflow_id: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime]


class ResourceRow(Base):
    __tablename__ = "tenant_resources"
    __table_args__ = (
        # A retried activity replaces its component's set; this keeps a bug from
        # silently recording the same resource twice.
        UniqueConstraint("tenant_id", "component", "type", "physical_id"),
        Index("ix_tenant_resources_tenant_component", "tenant_id", "component"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"))
    component: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(200))
    physical_id: Mapped[str] = mapped_column(String(1000))
    name: Mapped[str] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime]


class LeaseRow(Base):
    """The workflow that owns a tenant now (at most one row per tenant: the primary key).

    A table of its own rather than columns on ``tenants``: it was added to databases that
    existed before migrations, when a missing table was all that could be added.
    """

    __tablename__ = "tenant_leases"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(255))
    run_id: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(32))
    acquired_at: Mapped[datetime]


class RetainedResourceRow(Base):
    """A resource deprovision kept (``--retain-data``): remembered until someone deletes it."""

    __tablename__ = "retained_resources"
    __table_args__ = (UniqueConstraint("tenant_id", "component", "physical_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"), index=True)
    component: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(200))
    physical_id: Mapped[str] = mapped_column(String(1000))
    name: Mapped[str] = mapped_column(String(200))
    retained_at: Mapped[datetime]
    workflow_id: Mapped[str | None] = mapped_column(String(255))


class NotificationRow(Base):
    __tablename__ = "notification_outbox"

    # The primary key is the at-most-once guarantee: reservations of one key meet on it
    # (``INSERT ... ON CONFLICT``, outbox.py), whichever worker or thread makes them.
    idempotency_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # No foreign key: a notice about a tenant the registry never stored can still be sent.
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    recipients: Mapped[list[Any]]
    message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
