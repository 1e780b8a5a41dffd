"""Errors raised by the tenant registry, a branch of ``engine.errors.EngineError``.

::

    EngineError
    ├── TenantNotFoundError             no tenant with that id or key           (permanent)
    └── ValidationError
        ├── InvalidStatusTransitionError  the status graph forbids the change   (permanent)
        └── TenantConflictError           key taken by another tenant, or changed (permanent)

They live here rather than in ``engine/errors.py`` so the registry stays one package;
callers classify them the same way (``retryable``, ``type_name``).
"""

from __future__ import annotations

from engine.errors import EngineError, ValidationError
from engine.models import TenantStatus

__all__ = ["InvalidStatusTransitionError", "TenantConflictError", "TenantNotFoundError"]


class TenantNotFoundError(EngineError):
    """The registry holds no tenant with that id (or key)."""

    def __init__(self, tenant: str, *, by: str = "id") -> None:
        super().__init__(f"no tenant with {by} {tenant!r}")
        self.tenant = tenant


class InvalidStatusTransitionError(ValidationError):
    """A status change the lifecycle graph does not allow (see ``transitions``)."""

    def __init__(self, tenant_id: str, current: TenantStatus, requested: TenantStatus) -> None:
        super().__init__(
            f"tenant {tenant_id!r} cannot go from {current.value} to {requested.value}",
            field="status",
        )
        self.current = current
        self.requested = requested


class TenantConflictError(ValidationError):
    """The tenant key belongs to another tenant, or an upsert tried to change a key."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="tenant_key")
