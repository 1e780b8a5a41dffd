"""The ``resources`` and ``retained`` outputs every program exports.

The tenant registry records ``resources`` (one ``{"type", "id", "name"}`` per cloud
resource) so operators can find a tenant's resources without reading Pulumi state, and
``retained`` (the same shape) tells a deprovision which resources a destroy leaves behind.
"""

from __future__ import annotations

from typing import Any, TypeVar

import pulumi

__all__ = ["Inventory"]

R = TypeVar("R", bound=pulumi.CustomResource)


class Inventory:
    """Collects the resources a program creates and exports them as stack outputs."""

    def __init__(self) -> None:
        self._entries: list[tuple[pulumi.Output[dict[str, Any]], bool]] = []

    def add(
        self,
        resource: R,
        physical_id: pulumi.Input[str] | None = None,
        *,
        retained: bool = False,
    ) -> R:
        """Record ``resource``; ``physical_id`` defaults to its provider id."""
        entry = pulumi.Output.all(
            resource.pulumi_resource_type,
            resource.id if physical_id is None else physical_id,
            resource.pulumi_resource_name,
        ).apply(lambda v: {"type": v[0], "id": v[1], "name": v[2]})
        self._entries.append((entry, retained))
        return resource

    def export(self) -> None:
        pulumi.export("resources", pulumi.Output.all(*(e for e, _ in self._entries)))
        pulumi.export("retained", pulumi.Output.all(*(e for e, kept in self._entries if kept)))
