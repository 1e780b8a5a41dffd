"""Pulumi activities: up, preview, destroy and outputs of one tenant component.

The engine blocks while the CLI runs, so each operation runs on a bounded thread pool
(``max_concurrent_pulumi``) while the activity heartbeats from the event loop with the
latest Pulumi progress, every second whether or not Pulumi says anything. Cancellation
(workflow cancel, heartbeat timeout, worker shutdown) interrupts the CLI with SIGINT, waits
for it to save state and release the lock, then reports the cancellation.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, Generic, TypeVar

from temporalio import activity

from engine.core.contracts import (
    WORKFLOW_TYPES,
    Activity,
    PlatformInput,
    PlatformOperation,
    PlatformResult,
    StackActivityInput,
    StackActivityResult,
    WorkflowKind,
)
from engine.core.errors import EngineError
from engine.core.models import Component
from engine.core.results import OperationResult, Progress
from engine.pulumi import CancelToken, ProgressCallback, PulumiRunner
from engine.telemetry import span
from engine.telemetry.metrics import EngineMetrics, Outcome
from engine.temporal import to_application_error

__all__ = ["StackActivities"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[[CancelToken, ProgressCallback], T]

PLATFORM = "platform"
# A destroy run by provisioning is always its compensation (provisioning destroys nothing
# else); the workflows are not told to say so, the activity knows whose it is.
_PROVISION_TYPES = frozenset({WORKFLOW_TYPES[WorkflowKind.PROVISION], "ProvisionTenant"})


def _result(res: OperationResult, **extra: Any) -> StackActivityResult:
    return StackActivityResult(
        stack=res.stack,
        operation=res.operation,
        changes=res.changes,
        duration_s=res.duration_s,
        pulumi_s=res.pulumi_s,
        **extra,
    )


class _Latest:
    """The newest progress snapshot, written by Pulumi's thread, read by the event loop."""

    def __init__(self) -> None:
        self.value: Progress | None = None

    def set(self, progress: Progress) -> None:
        # A single reference assignment is atomic; snapshots are immutable.
        self.value = progress


class _Measured(Generic[T]):
    """One operation as a Pulumi slot runs it: queue wait, slot use, duration and outcome
    recorded, inside a span of its own."""

    def __init__(
        self,
        metrics: EngineMetrics,
        component: str,
        name: str,
        operation: Operation[T],
        token: CancelToken,
        progress: ProgressCallback,
        queued: timedelta,
    ) -> None:
        self._metrics = metrics
        self._component = component
        self._name = name
        self._operation = operation
        self._token = token
        self._progress = progress
        self._queued = queued
        self._submitted = time.monotonic()

    def __call__(self) -> T:
        metrics = self._metrics
        started = time.monotonic()
        metrics.queue_wait.record(self._queued + timedelta(seconds=started - self._submitted))
        metrics.slot_taken()
        outcome, changes = Outcome.FAILED, None
        try:
            with span(
                f"{self._name} {self._component}",
                {"tenant_engine.component": self._component, "tenant_engine.operation": self._name},
            ):
                result = self._operation(self._token, self._progress)
            outcome = Outcome.SUCCEEDED
            if self._name != "preview" and isinstance(result, OperationResult):
                changes = result.changes
            return result
        except BaseException:
            outcome = Outcome.CANCELLED if self._token.cancelled else Outcome.FAILED
            raise
        finally:
            metrics.slot_released()
            metrics.pulumi_operation(
                self._component,
                self._name,
                outcome,
                timedelta(seconds=time.monotonic() - started),
                changes,
            )


class StackActivities:
    """Activities over a PulumiRunner; one instance per worker."""

    def __init__(
        self,
        engine: PulumiRunner,
        *,
        max_concurrent: int = 4,
        heartbeat_every: float = 1.0,
        cancel_grace: float = 120.0,
        metrics: EngineMetrics | None = None,
    ) -> None:
        self._engine = engine
        self._pool = ThreadPoolExecutor(max_concurrent, thread_name_prefix="pulumi")
        self._metrics = metrics or EngineMetrics()
        self._metrics.slots(max_concurrent)
        self._every = heartbeat_every
        self._grace = cancel_grace
        # One platform operation at a time in this worker (other workers wait on the
        # stack's Pulumi lock: ConcurrentUpdateError, retried).
        self._platform = asyncio.Lock()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def activities(self) -> list[Callable[..., Any]]:
        return [
            self.stack_up,
            self.stack_preview,
            self.stack_destroy,
            self.stack_inspect,
            self.stack_outputs,
            self.platform_up,
            self.platform_preview,
            self.platform_status,
        ]

    @activity.defn(name=Activity.STACK_UP)
    async def stack_up(self, input: StackActivityInput) -> StackActivityResult:
        res = await self._run(
            lambda token, progress: self._engine.up(
                input.spec,
                input.component,
                on_progress=progress,
                cancel=token,
                refresh=input.refresh,
            ),
            input.component,
            "up",
        )
        return _result(res, outputs=res.outputs, secret_outputs=res.secret_outputs)

    @activity.defn(name=Activity.STACK_PREVIEW)
    async def stack_preview(self, input: StackActivityInput) -> StackActivityResult:
        res = await self._run(
            lambda token, progress: self._engine.preview(
                input.spec, input.component, on_progress=progress, cancel=token
            ),
            input.component,
            "preview",
        )
        return _result(res, planned=res.planned)

    @activity.defn(name=Activity.STACK_DESTROY)
    async def stack_destroy(self, input: StackActivityInput) -> StackActivityResult:
        compensating = activity.info().workflow_type in _PROVISION_TYPES
        outcome = Outcome.FAILED
        try:
            res = await self._run(
                lambda token, progress: self._engine.destroy(
                    input.spec.tenant_key,
                    input.component,
                    remove=input.remove_stack,
                    on_progress=progress,
                    cancel=token,
                ),
                input.component,
                "destroy",
            )
            outcome = Outcome.SUCCEEDED
        except asyncio.CancelledError:
            outcome = Outcome.CANCELLED
            raise
        finally:
            if compensating:
                self._metrics.compensations.add(
                    1, {"component": input.component.value, "outcome": outcome}
                )
        return _result(res, existed=res.existed)

    @activity.defn(name=Activity.STACK_INSPECT)
    async def stack_inspect(self, input: StackActivityInput) -> bool:
        """Whether the component's stack exists with resources (compensation keeps those)."""
        return await self._run(
            lambda _token, _progress: self._engine.has_resources(
                input.spec.tenant_key, input.component
            ),
            input.component,
            "inspect",
        )

    @activity.defn(name=Activity.STACK_OUTPUTS)
    async def stack_outputs(self, input: StackActivityInput) -> dict[str, Any]:
        """Non-secret outputs of a component (the app stack's inputs on deploy)."""
        return await self._run(
            lambda _token, _progress: self._engine.outputs(input.spec.tenant_key, input.component),
            input.component,
            "outputs",
        )

    @activity.defn(name=Activity.PLATFORM_UP)
    async def platform_up(self, input: PlatformInput) -> PlatformResult:
        """Create or update the shared platform stack; a no-op for a catalog without one.

        ``only_if_missing`` (a tenant's provision): only when the stack has no resources,
        so tenants never race or re-apply it; an existing stack is left as it is.
        """
        done = PlatformResult(success=True, operation=PlatformOperation.UP)
        if self._engine.catalog.platform is None:
            return done
        async with self._platform:
            if input.only_if_missing and await self._run(
                lambda _token, _progress: self._engine.platform_exists(), PLATFORM, "inspect"
            ):
                return done.model_copy(update={"exists": True})
            res = await self._run(
                lambda token, progress: self._engine.ensure_platform(
                    on_progress=progress, cancel=token
                ),
                PLATFORM,
                "up",
            )
        return done.model_copy(
            update={"exists": True, "changes": res.changes, "outputs": res.outputs}
        )

    @activity.defn(name=Activity.PLATFORM_PREVIEW)
    async def platform_preview(self, input: PlatformInput) -> PlatformResult:
        result = PlatformResult(success=True, operation=PlatformOperation.PREVIEW)
        if self._engine.catalog.platform is None:
            return result
        async with self._platform:
            exists = await self._run(
                lambda _token, _progress: self._engine.platform_exists(), PLATFORM, "inspect"
            )
            res = await self._run(
                lambda token, progress: self._engine.preview_platform(
                    on_progress=progress, cancel=token
                ),
                PLATFORM,
                "preview",
            )
        return result.model_copy(
            update={"exists": exists, "changes": res.changes, "planned": res.planned}
        )

    @activity.defn(name=Activity.PLATFORM_STATUS)
    async def platform_status(self, input: PlatformInput) -> PlatformResult:
        result = PlatformResult(success=True, operation=PlatformOperation.STATUS)
        if self._engine.catalog.platform is None or not await self._run(
            lambda _token, _progress: self._engine.platform_exists(), PLATFORM, "inspect"
        ):
            return result
        outputs = await self._run(
            lambda _token, _progress: self._engine.platform_outputs(), PLATFORM, "outputs"
        )
        return result.model_copy(update={"exists": True, "outputs": outputs})

    async def _run(self, operation: Operation[T], component: Component | str, name: str) -> T:
        """Run ``operation`` (``name`` of ``component``: for metrics and the trace) on a
        Pulumi slot, heartbeating its progress, and stop it when the activity is cancelled."""
        token = CancelToken(grace=self._grace, previous_owners=_previous_owners())
        latest = _Latest()
        loop = asyncio.get_running_loop()
        # The pool's thread runs in this task's context: its spans are the activity's children.
        context = contextvars.copy_context()
        measured = _Measured(
            self._metrics, str(component), name, operation, token, latest.set, _queued()
        )
        future = loop.run_in_executor(self._pool, context.run, measured)
        try:
            while True:
                done, _ = await asyncio.wait({future}, timeout=self._every)
                # The CLI processes go with the progress: a retry of this activity after a
                # lost worker may break the stack locks they hold (engine.pulumi._recovery).
                activity.heartbeat(latest.value, token.owners)
                if done:
                    break
            return future.result()
        except asyncio.CancelledError:
            log.info("%s cancelled; stopping pulumi", activity.info().activity_type)
            token.cancel()
            # Let the CLI finish the steps in flight and save state before reporting.
            await asyncio.wait({future}, timeout=self._grace)
            raise
        except EngineError as exc:
            raise to_application_error(exc) from exc


# Whether this activity's wait in its task queue was recorded (by its first operation).
_QUEUE_WAIT_RECORDED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "queue_wait_recorded", default=False
)


def _queued() -> timedelta:
    """How long this activity waited in its task queue before a worker took it (both times
    are the Temporal server's); zero for its later operations (each activity runs in a task,
    and so a context, of its own)."""
    if _QUEUE_WAIT_RECORDED.get():
        return timedelta(0)
    _QUEUE_WAIT_RECORDED.set(True)
    info = activity.info()
    return max(info.started_time - info.current_attempt_scheduled_time, timedelta(0))


def _previous_owners() -> list[str]:
    """The CLI processes (``host:pid``) the previous attempt of this activity recorded."""
    details = activity.info().heartbeat_details
    if len(details) < 2 or not isinstance(details[1], list):
        return []
    return [str(owner) for owner in details[1]]
