"""The tenant registry: tenants, status history, resources and the notification outbox.

``TenantRegistry(database_url)`` is the entry point; see its module for the guarantees
and ``transitions`` for the status graph it enforces.
"""

from __future__ import annotations

from .models import (
    NotificationRecord,
    NotificationState,
    ResourceRecord,
    StatusChange,
    TenantRecord,
    TenantResource,
)
from .outbox import NotificationOutbox
from .registry import TenantRegistry
from .transitions import allowed_targets

__all__ = [
    "NotificationOutbox",
    "NotificationRecord",
    "NotificationState",
    "ResourceRecord",
    "StatusChange",
    "TenantRecord",
    "TenantRegistry",
    "TenantResource",
    "allowed_targets",
]
