"""Registry and notification activities (the seed's tenant and notification activities)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from engine.core.contracts import (
    AcquireTenantInput,
    Activity,
    BeginProvisionInput,
    BeginProvisionResult,
    LeaseInput,
    NotificationInput,
    RecordResourcesInput,
    RegisterTenantInput,
    RetainResourcesInput,
    SetAppVersionInput,
    SetStatusInput,
)
from engine.core.errors import EngineError, RegistryUnavailableError, TenantBusyError
from engine.core.models import TenantSpec
from engine.notifications import NotificationContext, NotificationKind, Notifier
from engine.registry import Lease, TenantRegistry, TenantResource
from engine.telemetry.metrics import EngineMetrics
from engine.temporal import run_has_closed, to_application_error

__all__ = ["TenantActivities"]

T = TypeVar("T")

# What the workflow, its status and its outcome say when the registry's database is away;
# the driver's own words (host, port, SQL) go to the worker log only.
REGISTRY_UNAVAILABLE = (
    "the tenant registry is unavailable: its database does not answer (the worker log has details)"
)


def _cause(exc: BaseException) -> BaseException | None:
    """The failure's cause: none for the registry's errors (their text would reach history)."""
    return None if isinstance(exc, RegistryUnavailableError | SQLAlchemyError) else exc


def _failure(exc: EngineError | SQLAlchemyError) -> ApplicationError:
    """The activity failure for ``exc``, in words fit for a progress line or an outcome."""
    if isinstance(exc, RegistryUnavailableError):
        activity.logger.warning("registry unavailable: %s", exc.message)
        return to_application_error(RegistryUnavailableError(REGISTRY_UNAVAILABLE))
    if isinstance(exc, EngineError):
        return to_application_error(exc)
    # Not an outage (those are RegistryUnavailableError): retried like any unexpected error.
    activity.logger.error("registry call failed", exc_info=exc)
    kind = type(exc).__name__
    return ApplicationError(
        f"the tenant registry failed ({kind}; the worker log has details)", type=kind
    )


def _resource(item: dict[str, Any]) -> TenantResource:
    """A program's ``resources`` entry ({"type", "id", "name"?, ...}) as a registry record."""
    rest = {k: v for k, v in item.items() if k not in ("type", "id", "name")}
    return TenantResource(
        type=str(item["type"]),
        physical_id=str(item["id"]),
        name=str(item.get("name") or ""),
        attributes=rest,
    )


def _kind(kind: str) -> str:
    """The notice kind as a label: one of the known kinds, never free text."""
    try:
        return NotificationKind(kind).value
    except ValueError:
        return "unknown"


class TenantActivities:
    """Thin: each activity is one registry or notifier call, run off the event loop."""

    def __init__(
        self, registry: TenantRegistry, notifier: Notifier, *, metrics: EngineMetrics | None = None
    ) -> None:
        self._registry = registry
        self._notifier = notifier
        self._metrics = metrics or EngineMetrics()

    def activities(self) -> list[Callable[..., Any]]:
        return [
            self.register_tenant,
            self.load_tenant,
            self.begin_provision,
            self.acquire_tenant,
            self.release_tenant,
            self.set_tenant_status,
            self.set_app_version,
            self.record_resources,
            self.retain_resources,
            self.send_notification,
        ]

    @activity.defn(name=Activity.BEGIN_PROVISION)
    async def begin_provision(self, input: BeginProvisionInput) -> BeginProvisionResult:
        """Register the tenant and make it PROVISIONING under the run's lease, or refuse."""

        def begin(replace: Lease | None) -> BeginProvisionResult:
            record, new = self._registry.begin_provision(
                input.spec, input.workflow_id, input.run_id, replace=replace
            )
            return BeginProvisionResult(spec=record.spec(), new=new)

        return await self._owned(begin)

    @activity.defn(name=Activity.ACQUIRE_TENANT)
    async def acquire_tenant(self, input: AcquireTenantInput) -> TenantSpec:
        """Own the tenant for deploy or deprovision (its status must allow it), or refuse."""
        return await self._owned(
            lambda replace: self._registry.acquire(
                input.tenant_id,
                input.workflow_id,
                input.run_id,
                input.operation,
                input.allowed,
                replace=replace,
            ).spec()
        )

    @activity.defn(name=Activity.RELEASE_TENANT)
    async def release_tenant(self, input: LeaseInput) -> bool:
        return await self._call(
            self._registry.release, input.tenant_id, input.workflow_id, input.run_id
        )

    @activity.defn(name=Activity.RETAIN_RESOURCES)
    async def retain_resources(self, input: RetainResourcesInput) -> int:
        kept = await self._call(
            lambda: self._registry.retain_resources(
                input.tenant_id, input.component, input.physical_ids, workflow_id=input.workflow_id
            )
        )
        return len(kept)

    async def _owned(self, take: Callable[[Lease | None], T]) -> T:
        """``take`` the lease; once more replacing the holder if its run has closed.

        A workflow that was terminated or timed out never released its lease; asking
        Temporal whether the holder still runs is what tells a dead owner from a busy one.
        """
        try:
            return await asyncio.to_thread(take, None)
        except TenantBusyError as busy:
            holder = await asyncio.to_thread(self._registry.lease, busy.tenant_id)
            if holder is None or not await run_has_closed(
                activity.client(), holder.workflow_id, holder.run_id
            ):
                raise to_application_error(busy) from busy
            activity.logger.warning(
                "taking over tenant %s from closed workflow %s", busy.tenant_id, holder.workflow_id
            )
            return await self._call(take, holder)
        except (EngineError, SQLAlchemyError) as exc:
            raise _failure(exc) from _cause(exc)

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
        await self._call(
            lambda: self._registry.set_app_version(
                input.tenant_id, input.app_version, workflow_id=input.workflow_id
            )
        )

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

        outcome = "failed"
        try:
            sent = await self._call(send)
            outcome = "sent" if sent else "duplicate"
            return sent
        finally:
            self._metrics.notifications.add(1, {"kind": _kind(input.kind), "outcome": outcome})

    @staticmethod
    async def _call(fn: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.to_thread(fn, *args)
        except (EngineError, SQLAlchemyError) as exc:
            raise _failure(exc) from _cause(exc)
