"""Registry and notification activities (the seed's tenant and notification activities)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from temporalio import activity

from engine.core.contracts import (
    Activity,
    NotificationInput,
    RecordResourcesInput,
    RegisterTenantInput,
    SetAppVersionInput,
    SetStatusInput,
)
from engine.core.errors import EngineError
from engine.core.models import TenantSpec
from engine.notifications import NotificationContext, NotificationKind, Notifier
from engine.registry import TenantRegistry, TenantResource
from engine.temporal import to_application_error

__all__ = ["TenantActivities"]

T = TypeVar("T")


def _resource(item: dict[str, Any]) -> TenantResource:
    """A program's ``resources`` entry ({"type", "id", "name"?, ...}) as a registry record."""
    rest = {k: v for k, v in item.items() if k not in ("type", "id", "name")}
    return TenantResource(
        type=str(item["type"]),
        physical_id=str(item["id"]),
        name=str(item.get("name") or ""),
        attributes=rest,
    )


class TenantActivities:
    """Thin: each activity is one registry or notifier call, run off the event loop."""

    def __init__(self, registry: TenantRegistry, notifier: Notifier) -> None:
        self._registry = registry
        self._notifier = notifier

    @activity.defn(name=Activity.REGISTER_TENANT)
    async def register_tenant(self, input: RegisterTenantInput) -> None:
        await self._call(self._registry.upsert_tenant, input.spec)

    @activity.defn(name=Activity.LOAD_TENANT)
    async def load_tenant(self, tenant_id: str) -> TenantSpec:
        record = await self._call(self._registry.get, tenant_id)
        return record.spec()

    @activity.defn(name=Activity.SET_STATUS)
    async def set_tenant_status(self, input: SetStatusInput) -> None:
        await self._call(
            lambda: self._registry.set_status(
                input.tenant_id, input.status, reason=input.reason, workflow_id=input.workflow_id
            )
        )

    @activity.defn(name=Activity.SET_APP_VERSION)
    async def set_app_version(self, input: SetAppVersionInput) -> None:
        def update() -> None:
            spec = self._registry.get(input.tenant_id).spec()
            self._registry.upsert_tenant(spec.model_copy(update={"app_version": input.app_version}))

        await self._call(update)

    @activity.defn(name=Activity.RECORD_RESOURCES)
    async def record_resources(self, input: RecordResourcesInput) -> int:
        """Replace the component's recorded resources (an empty list clears them)."""
        resources = [_resource(item) for item in input.resources]
        recorded = await self._call(
            self._registry.record_resources, input.tenant_id, input.component, resources
        )
        return len(recorded)

    @activity.defn(name=Activity.NOTIFY)
    async def send_notification(self, input: NotificationInput) -> bool:
        """Send the notice once per idempotency key; True if this call sent it."""

        def send() -> bool:
            tenant = self._registry.get(input.tenant_id)
            result = self._notifier.send(
                NotificationKind(input.kind),
                tenant,
                idempotency_key=input.idempotency_key,
                context=NotificationContext(app_url=input.app_url, error=input.error),
            )
            return result.sent

        return await self._call(send)

    @staticmethod
    async def _call(fn: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.to_thread(fn, *args)
        except EngineError as exc:
            raise to_application_error(exc) from exc
