"""What every tenant workflow shares: the status query, the cancel signal, activity calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import (
        CANCEL_SIGNAL,
        NOTIFY_WORKFLOW,
        OPERATION_FROM,
        STATUS_QUERY,
        AcquireTenantInput,
        Activity,
        ActivityPolicies,
        LeaseInput,
        NotificationInput,
        NotifyTenantInput,
        Policy,
        SetStatusInput,
        StackActivityInput,
        StackActivityResult,
        Step,
        WorkflowStatus,
    )
    from engine.core.models import Component, TenantSpec, TenantStatus
    from engine.core.search_attributes import TENANT_STATUS

    from ._support import accept, options, uncancellable


T = TypeVar("T")


class TenantWorkflowBase:
    """Base of the tenant workflows (not a workflow itself)."""

    def __init__(self) -> None:
        self._status = WorkflowStatus()
        self._cancel_requested = False
        # The Pulumi steps a cancel stops, in start order (cancel commands are replayed).
        self._running: list[asyncio.Task[Any]] = []
        self._policies = ActivityPolicies()
        self._tenant_id = ""

    @workflow.query(name=STATUS_QUERY)
    def get_status(self) -> WorkflowStatus:
        return self._status

    @workflow.signal(name=CANCEL_SIGNAL)
    def cancel(self) -> None:
        """Stop the workflow: the running step is cancelled, then compensation runs.

        Once the workflow can no longer honour it (``cancellable`` false: the tenant is
        ACTIVE, or its destroys have begun) the signal is ignored and ``getStatus`` says
        so; the client and the API refuse such a cancel before sending it.
        """
        if not self._status.cancellable:
            workflow.logger.warning(
                "cancel of %s ignored: past the point of no return", self._tenant_id
            )
            return
        self._cancel_requested = True
        self._set(cancel_requested=True)
        for task in list(self._running):
            task.cancel()

    def _begin(self, input: Any) -> None:
        """Start of every run: refuse input that does not validate, then set up."""
        accept(input)
        self._tenant_id = input.tenant_id
        self._policies = input.policies
        self._set(workflow_id=workflow.info().workflow_id)

    def _check_cancelled(self) -> None:
        if self._cancel_requested:
            raise ApplicationError(
                "cancelled by request", type="CancelledError", non_retryable=True
            )

    async def _stack(
        self,
        activity: Activity,
        spec: Any,
        component: Component,
        *,
        protect: bool = False,
        refresh: bool = False,
    ) -> StackActivityResult:
        """Run a Pulumi activity; ``protect`` for compensation (never cancelled)."""
        call = workflow.execute_activity(
            activity,
            StackActivityInput(spec=spec, component=component, refresh=refresh),
            result_type=StackActivityResult,
            **options(self._policies.for_component(component), long_running=True),
        )
        if protect:
            return await uncancellable(call)
        return await self._stoppable(call)

    async def _stoppable(self, call: Awaitable[T]) -> T:
        """Await a Pulumi step that the cancel signal stops (see ``cancel``)."""
        task: asyncio.Task[T] = asyncio.ensure_future(call)
        self._running.append(task)
        try:
            return await task
        finally:
            self._running.remove(task)

    async def _activity(
        self, activity: Activity, payload: Any, policy: Policy, result_type: Any = None
    ) -> Any:
        return await workflow.execute_activity(
            activity, payload, result_type=result_type, **options(policy)
        )

    # -- ownership (the registry lease, see engine.registry._lease) --------------------

    async def _acquire(self, operation: str) -> TenantSpec:
        """Own the tenant for ``operation`` or fail with the registry's refusal."""
        info = workflow.info()
        spec: TenantSpec = await uncancellable(
            self._activity(
                Activity.ACQUIRE_TENANT,
                AcquireTenantInput(
                    tenant_id=self._tenant_id,
                    workflow_id=info.workflow_id,
                    run_id=info.run_id,
                    operation=operation,
                    allowed=sorted(OPERATION_FROM[operation]),
                ),
                self._policies.status,
                TenantSpec,
            )
        )
        return spec

    async def _release(self) -> None:
        """End the ownership; never cancelled (a leaked lease blocks the tenant)."""
        info = workflow.info()
        await uncancellable(
            self._activity(
                Activity.RELEASE_TENANT,
                LeaseInput(
                    tenant_id=self._tenant_id, workflow_id=info.workflow_id, run_id=info.run_id
                ),
                self._policies.status,
            )
        )

    async def _notify_later(
        self, kind: str, *, app_url: str | None = None, error: str | None = None
    ) -> str:
        """Hand the notice to a workflow of its own and return its id at once.

        The notice outlives this workflow (``ParentClosePolicy.ABANDON``) and is retried
        for as long as its policy says; an email outage never fails a tenant operation.
        """
        info = workflow.info()
        notice_id = f"notify-{kind}-{info.workflow_id}-{info.run_id}"
        await workflow.start_child_workflow(
            NOTIFY_WORKFLOW,
            NotifyTenantInput(
                notice=NotificationInput(
                    kind=kind,
                    tenant_id=self._tenant_id,
                    idempotency_key=f"{info.workflow_id}/{info.run_id}/{kind}",
                    app_url=app_url,
                    error=error,
                ),
                policy=self._policies.notification,
            ),
            id=notice_id,
            task_queue=info.task_queue,
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
        )
        return notice_id

    async def _set_status(self, status: TenantStatus, reason: str) -> None:
        await self._activity(
            Activity.SET_STATUS,
            SetStatusInput(
                tenant_id=self._tenant_id,
                status=status,
                reason=reason,
                workflow_id=workflow.info().workflow_id,
            ),
            self._policies.status,
        )
        self._mark(status)

    def _mark(self, status: TenantStatus) -> None:
        """What the registry now says of the tenant, in the status query and search attributes."""
        self._set(tenant_status=status)
        workflow.upsert_search_attributes([TENANT_STATUS.value_set(status.value)])

    async def _notify(
        self, kind: str, *, app_url: str | None = None, error: str | None = None
    ) -> None:
        info = workflow.info()
        await self._activity(
            Activity.NOTIFY,
            NotificationInput(
                kind=kind,
                tenant_id=self._tenant_id,
                # One notice per event: a retried activity reuses the key.
                idempotency_key=f"{info.workflow_id}/{info.run_id}/{kind}",
                app_url=app_url,
                error=error,
            ),
            self._policies.notification,
        )

    def _fail(self, what: str, result: Any) -> ApplicationError:
        """End the run as failed: status FAILED, the typed ``result`` in the error's details
        (callers read it, in camelCase, as the workflow's failed result)."""
        self._step(Step.FAILED, 100, details=result.error, done=True)
        return ApplicationError(
            f"{what} failed: {result.error}",
            result,
            type=result.error_type or "Failed",
            non_retryable=True,
        )

    def _step(
        self,
        step: Step,
        percent: int,
        *,
        component: Component | None = None,
        details: str | None = None,
        done: bool = False,
    ) -> None:
        self._set(step=step, percent=percent, component=component, details=details, done=done)

    def _set(self, **changes: Any) -> None:
        self._status = self._status.model_copy(update=changes)
