"""Tags every resource carries: who owns it, which tier, and that the engine manages it.

Cost reports, access reviews and clean-up scripts key off these, so they are built in one
place and applied explicitly to each taggable resource (provider ``default_tags`` would be
invisible to the unit tests and to anyone reading a program).
"""

from __future__ import annotations

from engine.core.models import Component, TenantSpec

from .naming import MANAGED_BY

__all__ = ["platform_tags", "tenant_tags"]


def tenant_tags(spec: TenantSpec, component: Component) -> dict[str, str]:
    return {
        "tenant-id": spec.tenant_id,
        "tenant-key": spec.tenant_key,
        "tier": spec.tier.value,
        "component": component.value,
        "managed-by": MANAGED_BY,
    }


def platform_tags() -> dict[str, str]:
    return {"scope": "platform", "component": "platform", "managed-by": MANAGED_BY}
