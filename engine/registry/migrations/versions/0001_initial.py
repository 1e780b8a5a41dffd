"""The registry's schema as ``Base.metadata.create_all`` made it before migrations.

Written out rather than derived from ``engine.registry.schema``: a revision is frozen, the
models move on. Names are the ones ``create_all`` gave (no naming convention), so a
database made by either path is the same.

A database made before migrations has these tables already, all of them or, if it
predates leases and retained resources, all but those two. Adopting it is this revision
with the existing tables left as they are: only missing ones are created, nothing is
dropped or altered, and Alembic records ``0001`` (the same as ``alembic stamp 0001``).

Revision ID: 0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def _tenants() -> None:
    op.create_table(
        "tenants",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False, index=True),
        sa.Column("status", sa.String(32), nullable=False, index=True),
        sa.Column("domains", _JSON, nullable=False),
        sa.Column("contacts", _JSON, nullable=False),
        sa.Column("plan_id", sa.String(100)),
        sa.Column("app_version", sa.String(64), nullable=False),
        sa.Column("idp_provider", sa.String(32)),
        sa.Column("idp_display_name", sa.String(200)),
        sa.Column("parameters", _JSON, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
    )


def _status_history() -> None:
    op.create_table(
        "tenant_status_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "tenant_id",
            sa.String(64),
            sa.ForeignKey("tenants.tenant_id"),
            nullable=False,
            index=True,
        ),
        sa.Column("from_status", sa.String(32)),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("workflow_id", sa.String(255)),
        sa.Column("at", _TIME, nullable=False),
    )


def _resources() -> None:
    op.create_table(
        "tenant_resources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.tenant_id"), nullable=False),
        sa.Column("component", sa.String(16), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("physical_id", sa.String(1000), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("attributes", _JSON, nullable=False),
        sa.Column("recorded_at", _TIME, nullable=False),
        sa.UniqueConstraint("tenant_id", "component", "type", "physical_id"),
        sa.Index("ix_tenant_resources_tenant_component", "tenant_id", "component"),
    )


def _leases() -> None:
    op.create_table(
        "tenant_leases",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.tenant_id"), primary_key=True),
        sa.Column("workflow_id", sa.String(255), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("acquired_at", _TIME, nullable=False),
    )


def _retained_resources() -> None:
    op.create_table(
        "retained_resources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "tenant_id",
            sa.String(64),
            sa.ForeignKey("tenants.tenant_id"),
            nullable=False,
            index=True,
        ),
        sa.Column("component", sa.String(16), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("physical_id", sa.String(1000), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("retained_at", _TIME, nullable=False),
        sa.Column("workflow_id", sa.String(255)),
        sa.UniqueConstraint("tenant_id", "component", "physical_id"),
    )


def _outbox() -> None:
    op.create_table(
        "notification_outbox",
        sa.Column("idempotency_key", sa.String(255), primary_key=True),
        # No foreign key: a notice about a tenant the registry never stored can be sent.
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("recipients", _JSON, nullable=False),
        sa.Column("message_id", sa.String(255)),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("sent_at", _TIME),
    )


# In foreign-key order: tenants first.
_TABLES: dict[str, Callable[[], None]] = {
    "tenants": _tenants,
    "tenant_status_history": _status_history,
    "tenant_resources": _resources,
    "tenant_leases": _leases,
    "retained_resources": _retained_resources,
    "notification_outbox": _outbox,
}


def upgrade() -> None:
    # Offline (``alembic upgrade --sql``) there is nothing to look at: the script makes all.
    existing = (
        set() if context.is_offline_mode() else set(sa.inspect(op.get_bind()).get_table_names())
    )
    for name, create in _TABLES.items():
        if name not in existing:
            create()


def downgrade() -> None:
    for name in reversed(_TABLES):
        op.drop_table(name)
