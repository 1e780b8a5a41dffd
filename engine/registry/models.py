"""What the registry returns: frozen pydantic models, safe to pass through Temporal.

Field names follow ``engine.models.TenantSpec`` (``tenant_key``, ``tenant_name``, ...) so
code that only needs the common part (the notifier: id, name, contacts) accepts either.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.core.models import (
    Component,
    Contact,
    IdpConfig,
    IdpProvider,
    TenantSpec,
    TenantStatus,
    Tier,
)

__all__ = [
    "Lease",
    "NotificationRecord",
    "NotificationState",
    "ResourceRecord",
    "RetainedResource",
    "StatusChange",
    "TenantRecord",
    "TenantResource",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TenantRecord(_Frozen):
    """One tenant as the registry knows it."""

    tenant_id: str
    tenant_key: str
    tenant_name: str
    tier: Tier
    status: TenantStatus
    domains: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()
    plan_id: str | None = None
    app_version: str
    idp_provider: IdpProvider | None = None
    idp_display_name: str | None = None
    parameters: dict[str, str] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime

    def spec(self) -> TenantSpec:
        """The TenantSpec this tenant's stacks are built from (deprovision, deploy)."""
        idp = None
        if self.idp_provider is not None:
            idp = IdpConfig(provider=self.idp_provider, display_name=self.idp_display_name)
        return TenantSpec(
            tenant_id=self.tenant_id,
            tenant_key=self.tenant_key,
            tenant_name=self.tenant_name,
            tier=self.tier,
            domains=self.domains,
            contacts=self.contacts,
            idp=idp,
            plan_id=self.plan_id,
            app_version=self.app_version,
            parameters=self.parameters,
        )


class StatusChange(_Frozen):
    """One entry of a tenant's status history; ``from_status`` is None on creation."""

    tenant_id: str
    from_status: TenantStatus | None
    to_status: TenantStatus
    reason: str | None = None
    workflow_id: str | None = None
    at: datetime


class TenantResource(_Frozen):
    """A cloud or IdP resource to record for a tenant (input of ``record_resources``)."""

    type: str = Field(min_length=1, max_length=200)
    # The provider's id (ARN, realm id, bucket name): what an operator searches for.
    physical_id: str = Field(min_length=1, max_length=1000)
    name: str = Field(default="", max_length=200)
    attributes: dict[str, Any] = Field(default_factory=dict)


class ResourceRecord(TenantResource):
    """A recorded resource, with the tenant and component it belongs to."""

    tenant_id: str
    component: Component
    recorded_at: datetime


class Lease(_Frozen):
    """The workflow that owns a tenant: one lifecycle operation at a time."""

    tenant_id: str
    workflow_id: str
    run_id: str
    operation: str
    acquired_at: datetime


class RetainedResource(_Frozen):
    """A resource kept by ``deprovision --retain-data``: it still exists and still costs."""

    tenant_id: str
    component: Component
    type: str
    physical_id: str
    name: str = ""
    retained_at: datetime
    workflow_id: str | None = None


class NotificationState(StrEnum):
    PENDING = "pending"  # reserved: being sent, or sent by a worker that died after
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; the next one may send


class NotificationRecord(_Frozen):
    """One row of the notification outbox (see ``engine.notifications.Notifier``)."""

    idempotency_key: str
    tenant_id: str
    kind: str
    state: NotificationState
    recipients: tuple[str, ...] = ()
    message_id: str | None = None
    created_at: datetime
    sent_at: datetime | None = None
