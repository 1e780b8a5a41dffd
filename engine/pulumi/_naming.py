"""Stack naming: one Pulumi stack per tenant and component, ``<tenant_key>-<component>``.

Tenant keys are validated (``engine.models.validate_tenant_key``) so every name made here
is a valid Pulumi stack name, and no two (tenant, component) pairs share a name: the
component is always the last hyphen-separated part and components never contain hyphens.
"""

from __future__ import annotations

from engine.core.errors import InvalidTenantKeyError
from engine.core.models import Component, validate_tenant_key

__all__ = ["PLATFORM_STACK", "parse_stack_name", "stack_name", "tenant_stack_names"]

# The shared platform resources (pooled/bridge tiers) live in one stack of their own; its
# name cannot be a tenant stack because it does not end with a component.
PLATFORM_STACK = "platform-shared"


def stack_name(tenant_key: str, component: Component | str) -> str:
    """Return the stack name of one tenant component, refusing keys that cannot be used."""
    try:
        validate_tenant_key(tenant_key)
    except ValueError as exc:
        raise InvalidTenantKeyError(str(exc)) from None
    return f"{tenant_key}-{Component(component).value}"


def tenant_stack_names(tenant_key: str) -> list[str]:
    """All stack names a tenant may have, in provisioning order."""
    return [stack_name(tenant_key, component) for component in Component]


def parse_stack_name(name: str) -> tuple[str, Component] | None:
    """Split a stack name into (tenant key, component), or None if it is not a tenant's."""
    key, sep, last = name.rpartition("-")
    if not sep:
        return None
    try:
        component = Component(last)
        validate_tenant_key(key)
    except ValueError:
        return None
    return key, component
