"""The two ways a tenant's key clashes, worded once for every place that refuses them."""

from __future__ import annotations

from engine.core.errors import TenantConflictError

__all__ = ["key_changed", "key_taken"]


def key_taken(key: str, owner: str) -> TenantConflictError:
    """``key`` names another tenant already."""
    return TenantConflictError(f"tenant key {key!r} already belongs to tenant {owner!r}")


def key_changed(tenant_id: str, current: str, requested: str) -> TenantConflictError:
    """A known tenant asked for under another key (its stacks are named after the key)."""
    return TenantConflictError(
        f"tenant {tenant_id!r} has key {current!r}; a key cannot change "
        f"(its stacks and resources are named after it), got {requested!r}"
    )
