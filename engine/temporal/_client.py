"""Starting and following tenant workflows: what the gRPC API, the CLI and services call.

Replaces the seed's ProvisioningService: ``provision`` starts ``provision-tenant-<id>``
(or returns the run already in progress), ``status`` answers the seed's
provisioning-status endpoint with live Pulumi progress, ``cancel`` its cancel endpoint.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import (
    ApplicationError,
    CancelledError,
    FailureError,
    WorkflowAlreadyStartedError,
)

from engine.core.contracts import (
    CANCEL_SIGNAL,
    NOTIFY_WORKFLOW,
    PLATFORM_WORKFLOW,
    PLATFORM_WORKFLOW_ID,
    STATUS_QUERY,
    ActivityPolicies,
    DeployTenantInput,
    DeployTenantResult,
    DeprovisionTenantInput,
    DeprovisionTenantResult,
    NotificationInput,
    NotifyTenantInput,
    PlatformInput,
    PlatformOperation,
    PlatformResult,
    ProvisionTenantInput,
    ProvisionTenantResult,
    ReconcileTenantInput,
    ReconcileTenantResult,
    WorkflowKind,
    WorkflowStatus,
    workflow_id,
)
from engine.core.errors import AlreadyRunningError, PreconditionError, UnavailableError
from engine.core.models import Component, TenantStatus
from engine.core.results import Progress
from engine.core.search_attributes import TENANT_ID, TENANT_STATUS, TENANT_TIER
from engine.core.settings import Settings, TemporalSettings
from engine.telemetry import active as active_telemetry

from ._converter import data_converter
from ._failures import temporal_errors

__all__ = ["StartedWorkflow", "TenantClient", "connect"]

R = TypeVar("R", bound=BaseModel)

_RESULT_TYPES: dict[WorkflowKind, type[BaseModel]] = {
    WorkflowKind.PROVISION: ProvisionTenantResult,
    WorkflowKind.PREVIEW: ProvisionTenantResult,
    WorkflowKind.DEPROVISION: DeprovisionTenantResult,
    WorkflowKind.DEPLOY: DeployTenantResult,
    WorkflowKind.RECONCILE: ReconcileTenantResult,
}


async def connect(settings: TemporalSettings) -> Client:
    """A Temporal client with the pydantic converter the workflows expect.

    Inside a service, it reports through the service's telemetry (the runtime serving its
    metrics, the tracing interceptor; see ``engine.telemetry.temporal``).
    """
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    telemetry = active_telemetry()
    return await Client.connect(
        settings.address,
        namespace=settings.namespace,
        api_key=api_key,
        tls=settings.tls or api_key is not None,
        data_converter=data_converter,
        interceptors=telemetry.interceptors if telemetry else [],
        runtime=telemetry.runtime if telemetry else None,
    )


@dataclass(frozen=True)
class StartedWorkflow:
    workflow_id: str
    run_id: str
    # True when a run for this tenant was already in progress and is what we returned.
    already_running: bool


class TenantClient:
    """Typed operations on the tenant workflows over one Temporal client."""

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self._task_queue = settings.temporal.task_queue
        self._policies = ActivityPolicies.from_settings(settings.worker)

    async def provision(self, input: ProvisionTenantInput) -> StartedWorkflow:
        """Start provisioning (or a dry run); an in-progress run is returned, not doubled."""
        kind = WorkflowKind.PREVIEW if input.dry_run else WorkflowKind.PROVISION
        attributes = [
            SearchAttributePair(TENANT_ID, input.tenant_id),
            SearchAttributePair(TENANT_TIER, input.subscription.tier.value),
        ]
        if not input.dry_run:
            attributes.append(
                SearchAttributePair(TENANT_STATUS, TenantStatus.PENDINGPROVISION.value)
            )
        return await self._start(
            kind,
            input.tenant_id,
            input.model_copy(update={"policies": self._policies}),
            attributes,
        )

    async def deprovision(self, input: DeprovisionTenantInput) -> StartedWorkflow:
        return await self._start(
            WorkflowKind.DEPROVISION,
            input.tenant_id,
            input.model_copy(update={"policies": self._policies}),
            [SearchAttributePair(TENANT_ID, input.tenant_id)],
        )

    async def deploy(self, input: DeployTenantInput) -> StartedWorkflow:
        return await self._start(
            WorkflowKind.DEPLOY,
            input.tenant_id,
            input.model_copy(update={"policies": self._policies}),
            [SearchAttributePair(TENANT_ID, input.tenant_id)],
        )

    async def reconcile(self, input: ReconcileTenantInput) -> StartedWorkflow:
        """Converge an ACTIVE tenant's stacks (``up`` again; never destroys)."""
        return await self._start(
            WorkflowKind.RECONCILE,
            input.tenant_id,
            input.model_copy(update={"policies": self._policies}),
            [SearchAttributePair(TENANT_ID, input.tenant_id)],
        )

    async def _start(
        self, kind: WorkflowKind, tenant_id: str, arg: BaseModel, attributes: list[Any]
    ) -> StartedWorkflow:
        return await self._launch(kind.workflow_type, workflow_id(kind, tenant_id), arg, attributes)

    async def _launch(
        self, workflow_type: str, wf_id: str, arg: BaseModel, attributes: list[Any]
    ) -> StartedWorkflow:
        """Start ``wf_id``; one already running under that id is returned, not doubled."""
        try:
            handle: WorkflowHandle[Any, Any] = await self.client.start_workflow(
                workflow_type,
                arg,
                id=wf_id,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                search_attributes=TypedSearchAttributes(attributes),
            )
        except WorkflowAlreadyStartedError as exc:
            return StartedWorkflow(wf_id, exc.run_id or "", already_running=True)
        return StartedWorkflow(wf_id, handle.result_run_id or "", already_running=False)

    async def notify(
        self, tenant_id: str, kind: str, *, app_url: str | None, resend: bool
    ) -> StartedWorkflow:
        """Send a tenant's notice by a NotifyTenant workflow (retried until delivered).

        The idempotency key is per tenant and kind, so sending twice sends once; ``resend``
        makes a new key (a new email) each time.
        """
        suffix = f"resend-{uuid.uuid4().hex[:12]}" if resend else "operator"
        key = f"{tenant_id}/{kind}/{suffix}"
        wf_id = f"notify-{kind}-{tenant_id}-{suffix}"
        notice = NotifyTenantInput(
            notice=NotificationInput(
                kind=kind, tenant_id=tenant_id, idempotency_key=key, app_url=app_url
            ),
            policy=self._policies.notification,
        )
        return await self._launch(
            NOTIFY_WORKFLOW, wf_id, notice, [SearchAttributePair(TENANT_ID, tenant_id)]
        )

    async def platform(self, operation: PlatformOperation) -> PlatformResult:
        """Run one operation on the shared platform stack and wait for its result.

        One at a time (workflow id ``platform-shared``): while one runs, another start is
        refused with ``AlreadyRunningError`` naming it. A failure returns the failed
        result (``success`` false, ``error``), as ``result`` does for tenants.
        """
        started = await self._launch(
            PLATFORM_WORKFLOW,
            PLATFORM_WORKFLOW_ID,
            PlatformInput(operation=operation, policies=self._policies),
            [],
        )
        if started.already_running:
            raise AlreadyRunningError(
                PLATFORM_WORKFLOW_ID,
                started.run_id,
                message=f"a platform operation is running ({PLATFORM_WORKFLOW_ID}); "
                "wait for it or follow it in the Temporal UI",
            )
        handle = self.client.get_workflow_handle(
            PLATFORM_WORKFLOW_ID, run_id=started.run_id, result_type=PlatformResult
        )
        try:
            result: PlatformResult = await handle.result()
        except WorkflowFailureError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.details:
                detail = cause.details[0]
                return PlatformResult.model_validate(
                    detail.model_dump() if isinstance(detail, BaseModel) else detail
                )
            return PlatformResult(
                success=False,
                operation=operation,
                error=str(cause or exc),
                error_type=type(cause or exc).__name__,
            )
        return result

    def handle(self, kind: WorkflowKind | str, tenant_id: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(workflow_id(kind, tenant_id))

    async def status(
        self,
        kind: WorkflowKind | str,
        tenant_id: str,
        *,
        query_timeout: timedelta | None = None,
    ) -> WorkflowStatus:
        """The workflow's own status plus the running Pulumi operation's live progress.

        The progress comes from the pending activity's latest heartbeat, so following a
        provision adds nothing to its history. The status query needs a worker: without
        one it waits as long as the caller does, or, with ``query_timeout``, until it
        raises ``TimeoutError``.
        """
        seconds = query_timeout.total_seconds() if query_timeout is not None else None
        async with asyncio.timeout(seconds):
            return await self._status(kind, tenant_id)

    async def _status(self, kind: WorkflowKind | str, tenant_id: str) -> WorkflowStatus:
        handle = self.handle(kind, tenant_id)
        status: WorkflowStatus = await handle.query(STATUS_QUERY, result_type=WorkflowStatus)
        description = await handle.describe()
        raw = description.raw_description
        progress = await self._pulumi_progress(raw, status.component)
        done = status.done or description.status not in (None, WorkflowExecutionStatus.RUNNING)
        update: dict[str, Any] = {"pulumi": progress, "done": done}
        # Another stack of the step may be running (its progress above) while this waits.
        queued = None if done else _queued_s(raw)
        if queued is not None:
            # Visible wherever the status goes (CLI, API, ARC SaaS) without a new field.
            waiting = f"waiting {queued:.0f}s for a Pulumi slot"
            update |= {
                "queued_s": queued,
                "details": f"{status.details}; {waiting}" if status.details else waiting,
            }
        return status.model_copy(update=update)

    async def _pulumi_progress(
        self, raw: Any, component: Component | None = None
    ) -> Progress | None:
        """The latest heartbeat of the running Pulumi activity of the step's component (of
        the first one when the step names none): with a provision's IdP and infra stacks
        running at once, the progress shown is always the stack the status names."""
        converter = self.client.data_converter
        found: list[Progress] = []
        for pending in _pulumi_activities(raw):
            if pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED:
                continue
            if not pending.heartbeat_details.payloads:
                continue
            # The first detail is the progress (the second, the CLI processes: see
            # activities.stacks).
            [value] = await converter.decode(
                list(pending.heartbeat_details.payloads)[:1],
                [Progress | None],  # type: ignore[list-item]
            )
            if isinstance(value, Progress):
                found.append(value)
        if component is not None:
            found = [p for p in found if p.stack.endswith(f"-{component.value}")]
        return found[0] if found else None

    async def watch(
        self,
        kind: WorkflowKind | str,
        tenant_id: str,
        *,
        interval: timedelta = timedelta(milliseconds=500),
        query_timeout: timedelta | None = None,
    ) -> AsyncGenerator[WorkflowStatus, None]:
        """Status snapshots whenever they change, until the workflow ends: the last one is
        done. The one watch loop: the API and ``tenantctl --direct`` follow through it.

        Polls ``status`` every ``interval``; each poll waits at most ``query_timeout`` for
        a worker to answer (then ``TimeoutError``). Temporal's errors go up unchanged, for
        the caller to map (``temporal_errors``) with the words of its own request.
        """
        last: WorkflowStatus | None = None
        while True:
            status = await self.status(kind, tenant_id, query_timeout=query_timeout)
            if status != last:
                yield status
                last = status
            if status.done:
                return
            await asyncio.sleep(interval.total_seconds())

    async def cancel(
        self,
        kind: WorkflowKind | str,
        tenant_id: str,
        *,
        query_timeout: timedelta = timedelta(seconds=10),
    ) -> None:
        """Ask the workflow to stop; it compensates before ending (the seed's cancel signal).

        Refused with ``PreconditionError`` when it would not happen: the workflow has
        ended, or passed its point of no return (a provision whose stacks are all up, a
        deprovision that has started destroying). Nothing is reported as accepted that
        the workflow would ignore.
        """
        what = f"{WorkflowKind(kind).value} of tenant {tenant_id}"
        try:
            status = await self.status(kind, tenant_id, query_timeout=query_timeout)
        except TimeoutError:
            raise UnavailableError(
                f"no worker answered the status query of the {what} within "
                f"{query_timeout.total_seconds():g}s; nothing was cancelled"
            ) from None
        if status.done:
            raise PreconditionError(f"the {what} has already ended; nothing to cancel")
        if not status.cancellable:
            hint = (
                "deprovision it once it has finished"
                if WorkflowKind(kind) is WorkflowKind.PROVISION
                else "let it finish; run it again if it fails"
            )
            raise PreconditionError(
                f"too late to cancel the {what}: it is past its point of no return "
                f"({status.step.value}); {hint}"
            )
        with temporal_errors(f"running {what}", workflow_id(kind, tenant_id)):
            await self.handle(kind, tenant_id).signal(CANCEL_SIGNAL)

    async def result(self, kind: WorkflowKind | str, tenant_id: str) -> BaseModel:
        """Wait for the workflow and return its result; a failure returns the failure result."""
        kind = WorkflowKind(kind)
        result_type = _RESULT_TYPES[kind]
        handle = self.client.get_workflow_handle(
            workflow_id(kind, tenant_id), result_type=result_type
        )
        try:
            value: BaseModel = await handle.result()
            return value
        except WorkflowFailureError as exc:
            return _failure_result(kind, tenant_id, exc)


def _failure_result(kind: WorkflowKind, tenant_id: str, exc: WorkflowFailureError) -> BaseModel:
    result_type = _RESULT_TYPES[kind]
    cause: BaseException | None = exc.cause
    # The workflows put their typed result in the ApplicationError's details.
    if isinstance(cause, ApplicationError) and cause.details:
        detail = cause.details[0]
        if isinstance(detail, result_type):
            return detail
        if isinstance(detail, dict):
            return result_type.model_validate(detail)
    # Otherwise report the root cause, not "Activity task failed".
    while isinstance(cause, FailureError) and not isinstance(cause, ApplicationError):
        if cause.cause is None:
            break
        cause = cause.cause
    if isinstance(cause, CancelledError):
        message, error_type = "cancelled", "CancelledError"
    elif isinstance(cause, ApplicationError):
        message, error_type = cause.message, cause.type or "ApplicationError"
    else:
        message = getattr(cause, "message", None) or str(cause or exc)
        error_type = type(cause).__name__
    base: dict[str, Any] = {
        "success": False,
        "tenant_id": tenant_id,
        "error": message,
        "error_type": error_type,
    }
    if kind is WorkflowKind.DEPLOY:
        base["app_version"] = ""
    return result_type.model_validate(base)


def _pulumi_activities(raw: Any) -> list[Any]:
    """The pending Pulumi activities (stack and platform operations) of a description."""
    return [
        pending
        for pending in raw.pending_activities
        if pending.activity_type.name.startswith(("stack_", "platform_"))
    ]


def _queued_s(raw: Any) -> float | None:
    """How long the longest-waiting Pulumi activity has been scheduled but not started
    (every worker's Pulumi slots are taken), in seconds; None when none waits. A retry's
    scheduled time lies ahead while it backs off: that is not a wait for a slot."""
    waits = [
        (datetime.now(UTC) - pending.scheduled_time.ToDatetime(tzinfo=UTC)).total_seconds()
        for pending in _pulumi_activities(raw)
        if pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED
        and pending.HasField("scheduled_time")
    ]
    waits = [wait for wait in waits if wait > 0]
    return round(max(waits), 1) if waits else None
