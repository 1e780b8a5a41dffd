"""The API's operations, free of any transport: the gRPC service and ``tenantctl --direct``.

Every operation validates its request first (``engine.api.validation``) and refuses a bad
one before touching Temporal; failures come out as ``engine.api.errors`` types. Temporal
is connected on first use, so the API starts (and answers health checks) while Temporal
is still coming up, and a call made meanwhile is answered ``UnavailableError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.client import WorkflowExecutionStatus, WorkflowQueryFailedError

from engine.core.contracts import (
    PlatformOperation,
    PlatformResult,
    ProvisionTenantResult,
    WorkflowKind,
    WorkflowStatus,
    workflow_id,
)
from engine.core.errors import (
    ConfigurationError,
    FieldViolation,
    InvalidRequest,
    PreconditionError,
    RegistryUnavailableError,
    StackError,
    TenantBusyError,
    TenantNotFoundError,
    TenantStateError,
    UnavailableError,
)
from engine.core.errors import ValidationError as EngineValidationError
from engine.core.models import Component, TenantStatus
from engine.core.settings import Settings
from engine.pulumi import ProgramCatalog, PulumiRunner
from engine.registry import TenantRecord, TenantRegistry
from engine.serving import temporal_reachable
from engine.temporal import TenantClient, connect, run_has_closed

from ._temporal import describe, started_view, temporal_errors
from .validation import (
    TenantRef,
    deploy_input,
    deprovision_input,
    list_query,
    provision_input,
    reconcile_input,
    tenant_ref,
)
from .views import (
    Dependency,
    DependencyUnavailable,
    NoticeView,
    Outcome,
    PreviewView,
    RetainedView,
    StackList,
    Started,
    StatusView,
    TenantHistory,
    TenantPage,
    TenantView,
    TransitionView,
)

__all__ = ["TenantOperations"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# What a caller reads when the registry's database is away; the driver's own words (host,
# port, SQL state) go to the log only.
REGISTRY_UNAVAILABLE = (
    "the tenant registry is unavailable: its database does not answer (the API log has details)"
)


@contextlib.contextmanager
def _needs(dependency: Dependency, what: str = "", ref: TenantRef | None = None) -> Iterator[None]:
    """Unavailability inside names ``dependency``; with ``what``, Temporal's errors mapped."""
    try:
        if what:
            with temporal_errors(what, ref):
                yield
        else:
            yield
    except (DependencyUnavailable, RegistryUnavailableError):
        raise
    except UnavailableError as exc:
        raise DependencyUnavailable(exc.message, dependency) from None


class TenantOperations:
    """Start, follow, cancel and list tenant workflows; one instance per process."""

    def __init__(
        self,
        settings: Settings,
        *,
        watch_interval: timedelta = timedelta(milliseconds=500),
        query_timeout: timedelta = timedelta(seconds=10),
    ) -> None:
        self.settings = settings
        self._watch_interval = watch_interval
        # A status query needs a worker: without one it would wait for as long as the
        # caller does. Past this it is answered UnavailableError.
        self._query_timeout = query_timeout
        self._client: TenantClient | None = None
        self._registry: TenantRegistry | None = None
        self._engine: PulumiRunner | None = None
        self._lock = asyncio.Lock()
        self._registry_lock = asyncio.Lock()

    async def close(self) -> None:
        if self._registry is not None:
            self._registry.close()
            self._registry = None

    # -- connections -----------------------------------------------------------------

    async def client(self) -> TenantClient:
        """The Temporal client, connected on first use."""
        async with self._lock:
            if self._client is None:
                address = self.settings.temporal.address
                try:
                    client = await connect(self.settings.temporal)
                except RuntimeError as exc:  # the SDK's "Failed client connect: ..."
                    raise DependencyUnavailable(
                        f"cannot reach Temporal at {address}: {exc}", Dependency.TEMPORAL
                    ) from None
                self._client = TenantClient(client, self.settings)
            return self._client

    async def temporal_reachable(self) -> bool:
        try:
            client = await self.client()
        except UnavailableError:
            return False
        return await temporal_reachable(client.client)

    async def _registry_call(self, call: Callable[[TenantRegistry], T]) -> T:
        """``call(registry)`` on a worker thread (the registry blocks), errors as API errors."""
        try:
            async with self._registry_lock:
                if self._registry is None:
                    url = self.settings.registry.database_url
                    self._registry = await asyncio.to_thread(TenantRegistry, url)
            return await asyncio.to_thread(call, self._registry)
        except RegistryUnavailableError as exc:
            log.warning("registry call failed: %s", exc.message)
            raise RegistryUnavailableError(REGISTRY_UNAVAILABLE) from None
        except EngineValidationError as exc:
            prefix = f"{exc.field}: " if exc.field else ""
            raise InvalidRequest(
                [FieldViolation(exc.field or "", exc.message.removeprefix(prefix))]
            ) from None

    # -- starting workflows ------------------------------------------------------------

    async def precheck(self, operation: str, tenant_id: str, tenant_key: str | None = None) -> None:
        """Refuse before starting a workflow what the workflow would refuse.

        Busy (another workflow owns the tenant: ALREADY_EXISTS, exit 4), wrong status
        (FAILED_PRECONDITION, exit 4), key of another tenant. A lease whose holder has
        ended is not busy: the workflow takes it over.
        """
        try:
            await self._registry_call(lambda r: r.check(operation, tenant_id, tenant_key))
        except TenantBusyError as busy:
            if busy.workflow_id == workflow_id(WorkflowKind(operation), tenant_id):
                return  # the same operation: starting it answers "already running" with its id
            client = await self.client()
            lease = await self._registry_call(lambda r: r.lease(tenant_id))
            if lease is None or await run_has_closed(
                client.client, lease.workflow_id, lease.run_id
            ):
                return
            raise

    async def provision(self, fields: Mapping[str, Any]) -> Started:
        input = provision_input(fields)
        await self.precheck("provision", input.tenant_id, input.tenant_key)
        client = await self.client()
        with _needs(Dependency.TEMPORAL, f"provision workflow for tenant {input.tenant_id}"):
            return started_view(await client.provision(input))

    async def preview(self, fields: Mapping[str, Any]) -> PreviewView:
        """Run the dry run and wait for its plan."""
        input = provision_input(fields, dry_run=True)
        client = await self.client()
        with _needs(Dependency.TEMPORAL, f"preview workflow for tenant {input.tenant_id}"):
            started = started_view(await client.provision(input))
            result = await client.result(WorkflowKind.PREVIEW, input.tenant_id)
        if not isinstance(result, ProvisionTenantResult):  # pragma: no cover - by contract
            raise TypeError(f"unexpected preview result {type(result).__name__}")
        return PreviewView(
            workflow_id=started.workflow_id,
            success=result.success,
            error=result.error,
            plan=result.plan,
        )

    async def deprovision(self, fields: Mapping[str, Any]) -> Started:
        input = deprovision_input(fields)
        await self.precheck("deprovision", input.tenant_id)
        client = await self.client()
        with _needs(Dependency.TEMPORAL, f"deprovision workflow for tenant {input.tenant_id}"):
            return started_view(await client.deprovision(input))

    async def deploy(self, fields: Mapping[str, Any]) -> Started:
        input = deploy_input(fields)
        await self.precheck("deploy", input.tenant_id)
        client = await self.client()
        with _needs(Dependency.TEMPORAL, f"deploy workflow for tenant {input.tenant_id}"):
            return started_view(await client.deploy(input))

    async def reconcile(self, fields: Mapping[str, Any]) -> Started:
        """Converge an ACTIVE tenant's stacks with their programs; destroys nothing."""
        input = reconcile_input(fields)
        await self.precheck("reconcile", input.tenant_id)
        client = await self.client()
        with _needs(Dependency.TEMPORAL, f"reconcile workflow for tenant {input.tenant_id}"):
            return started_view(await client.reconcile(input))

    async def platform(self, operation: object) -> PlatformResult:
        """Run ``up``, ``preview`` or ``status`` on the shared platform stack and wait."""
        try:
            chosen = PlatformOperation(str(operation or "").strip())
        except ValueError:
            raise InvalidRequest(
                [FieldViolation("operation", "must be up, preview or status")]
            ) from None
        client = await self.client()
        with _needs(Dependency.TEMPORAL, "platform workflow"):
            return await client.platform(chosen)

    async def notify(self, tenant: object, kind: object = "", resend: bool = False) -> Started:
        """Send a tenant's notice again (``tenantctl notify <key> --resend``)."""
        name = str(tenant or "").strip()
        notice = str(kind or "welcome")
        if notice not in ("welcome", "deprovisioned"):
            raise InvalidRequest([FieldViolation("kind", "must be welcome or deprovisioned")])
        if not name:
            raise InvalidRequest([FieldViolation("tenant", "a tenant id or key is required")])

        record = await self._registry_call(lambda registry: _by_id_or_key(registry, name))
        wanted = TenantStatus.ACTIVE if notice == "welcome" else TenantStatus.INACTIVE
        if record.status is not wanted:
            raise TenantStateError(record.tenant_id, record.status.value, f"a {notice} notice")
        app_url = None
        if notice == "welcome":
            try:
                outputs = await asyncio.to_thread(
                    self._pulumi().outputs, record.tenant_key, Component.APP
                )
            except StackError as exc:
                raise DependencyUnavailable(
                    f"cannot read the app URL: {exc.message}", Dependency.PULUMI
                ) from None
            url = outputs.get("app_url")
            app_url = url if isinstance(url, str) else None
        client = await self.client()
        with _needs(Dependency.TEMPORAL, f"notice to tenant {record.tenant_id}"):
            started = await client.notify(record.tenant_id, notice, app_url=app_url, resend=resend)
        return started_view(started)

    # -- following workflows -----------------------------------------------------------

    async def status(self, tenant_id: object, kind: object = "") -> StatusView:
        ref = tenant_ref(tenant_id, kind)
        client = await self.client()
        with _needs(Dependency.TEMPORAL, describe(ref), ref):
            return await self._status(client, ref)

    async def watch(self, tenant_id: object, kind: object = "") -> AsyncIterator[StatusView]:
        """Status snapshots whenever they change; the last one is done, with the outcome.

        The client's watch loop (``TenantClient.watch``), each update as the API's view.
        """
        ref = tenant_ref(tenant_id, kind)
        client = await self.client()
        updates = client.watch(
            ref.kind,
            ref.tenant_id,
            interval=self._watch_interval,
            query_timeout=self._query_timeout,
        )
        with _needs(Dependency.TEMPORAL, describe(ref), ref), self._status_answered(ref):
            async with contextlib.aclosing(updates):
                async for status in updates:
                    yield await self._view(client, ref, status)

    async def _status(self, client: TenantClient, ref: TenantRef) -> StatusView:
        with self._status_answered(ref):
            status = await client.status(ref.kind, ref.tenant_id, query_timeout=self._query_timeout)
        return await self._view(client, ref, status)

    @contextlib.contextmanager
    def _status_answered(self, ref: TenantRef) -> Iterator[None]:
        """A status query no worker answered in time, or that failed, as an API error."""
        try:
            yield
        except TimeoutError:
            seconds = self._query_timeout.total_seconds()
            raise DependencyUnavailable(
                f"no worker answered the status query of {describe(ref)} within {seconds:g}s; "
                f"is a worker polling task queue {self.settings.temporal.task_queue!r}?",
                Dependency.WORKER,
            ) from None
        except WorkflowQueryFailedError as exc:  # e.g. its workflow task keeps failing
            raise PreconditionError(
                f"{describe(ref)} could not answer its status query: {exc}"
            ) from None

    async def cancel(self, tenant_id: object, kind: object = "") -> str:
        """Signal the workflow to stop; returns its id. It rolls back before it ends."""
        ref = tenant_ref(tenant_id, kind)
        client = await self.client()
        wf_id = workflow_id(ref.kind, ref.tenant_id)
        with _needs(Dependency.TEMPORAL, describe(ref), ref):
            description = await client.handle(ref.kind, ref.tenant_id).describe()
            if description.status != WorkflowExecutionStatus.RUNNING:
                state = description.status.name if description.status else "UNKNOWN"
                raise PreconditionError(f"workflow {wf_id} has already ended ({state})")
            with _needs(Dependency.WORKER):  # no worker answered its status query
                await client.cancel(ref.kind, ref.tenant_id, query_timeout=self._query_timeout)
        log.info("cancellation of %s requested", wf_id)
        return wf_id

    @staticmethod
    async def _view(client: TenantClient, ref: TenantRef, status: WorkflowStatus) -> StatusView:
        outcome = None
        if status.done:
            outcome = Outcome.from_result(await client.result(ref.kind, ref.tenant_id))
        return StatusView.model_validate(
            {
                **status.model_dump(by_alias=False),
                "tenant_id": ref.tenant_id,
                "kind": ref.kind,
                "outcome": outcome,
            }
        )

    # -- registry and stacks ----------------------------------------------------------

    async def tenant(self, tenant_id: str) -> TenantRecord:
        return await self._registry_call(lambda registry: registry.get(tenant_id))

    async def list_tenants(self, fields: Mapping[str, Any]) -> TenantPage:
        query = list_query(fields)
        items, token = await self._registry_call(
            lambda registry: registry.list_tenants(
                status=query.status,
                tier=query.tier,
                page_size=query.page_size,
                page_token=query.page_token,
            )
        )
        return TenantPage(
            tenants=[TenantView.from_record(item) for item in items], next_page_token=token
        )

    async def history(self, tenant: object) -> TenantHistory:
        """Status transitions, owner, retained resources and notices of a tenant (id or key)."""
        name = str(tenant or "").strip()
        if not name:
            raise InvalidRequest([FieldViolation("tenant", "a tenant id or key is required")])

        def read(registry: TenantRegistry) -> TenantHistory:
            record = _by_id_or_key(registry, name)
            lease = registry.lease(record.tenant_id)
            return TenantHistory(
                tenant_id=record.tenant_id,
                tenant_key=record.tenant_key,
                status=record.status,
                transitions=[
                    TransitionView.model_validate(change.model_dump(exclude={"tenant_id"}))
                    for change in registry.history(record.tenant_id)
                ],
                owner_workflow_id=lease.workflow_id if lease else None,
                owner_operation=lease.operation if lease else None,
                retained=[
                    RetainedView(
                        component=r.component.value,
                        type=r.type,
                        physical_id=r.physical_id,
                        retained_at=r.retained_at,
                    )
                    for r in registry.retained(record.tenant_id)
                ],
                notices=[
                    NoticeView(
                        kind=n.kind, state=n.state.value, created_at=n.created_at, sent_at=n.sent_at
                    )
                    for n in registry.outbox.for_tenant(record.tenant_id)
                ],
            )

        return await self._registry_call(read)

    async def list_stacks(self, tenant_id: object) -> StackList:
        ref = tenant_ref(tenant_id)
        record = await self.tenant(ref.tenant_id)
        try:
            engine = self._pulumi()
            stacks = await asyncio.to_thread(engine.list_stacks, record.tenant_key)
        except ConfigurationError as exc:
            raise PreconditionError(f"cannot list stacks: {exc.message}") from None
        except StackError as exc:
            raise DependencyUnavailable(
                f"cannot read the Pulumi backend: {exc.message}", Dependency.PULUMI
            ) from None
        return StackList(tenant_key=record.tenant_key, stacks=stacks)

    def _pulumi(self) -> PulumiRunner:
        if self._engine is None:
            # Listing needs the backend, not programs: an empty catalog will do.
            self._engine = PulumiRunner(self.settings, ProgramCatalog(name="api"))
        return self._engine


def _by_id_or_key(registry: TenantRegistry, name: str) -> TenantRecord:
    """The tenant whose id is ``name``, else the one whose key is (``tenantctl history acme``)."""
    try:
        return registry.get(name)
    except TenantNotFoundError:
        return registry.get_by_key(name)
