"""The tenant registry: tenants, status history, resources and the notification outbox.

``TenantRegistry(database_url)`` is the entry point; see its module for the guarantees
and ``transitions`` for the status graph it enforces.
"""

from __future__ import annotations

from .models import (
    Lease,
    NotificationRecord,
    NotificationState,
    ResourceRecord,
    RetainedResource,
    StatusChange,
    TenantRecord,
    TenantResource,
)
from .outbox import NotificationOutbox
from .registry import TenantRegistry
from .transitions import PROVISION_FROM, allowed_targets

__all__ = [
    "PROVISION_FROM",
    "Lease",
    "NotificationOutbox",
    "NotificationRecord",
    "NotificationState",
    "ResourceRecord",
    "RetainedResource",
    "StatusChange",
    "TenantRecord",
    "TenantRegistry",
    "TenantResource",
    "allowed_targets",
]
