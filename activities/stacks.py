"""Pulumi activities: up, preview, destroy and outputs of one tenant component.

The engine blocks while the CLI runs, so each operation runs on a bounded thread pool
(``max_concurrent_pulumi``) while the activity heartbeats from the event loop with the
latest Pulumi progress, every second whether or not Pulumi says anything. Cancellation
(workflow cancel, heartbeat timeout, worker shutdown) interrupts the CLI with SIGINT, waits
for it to save state and release the lock, then reports the cancellation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from temporalio import activity

from engine.core.contracts import (
    Activity,
    PlatformInput,
    PlatformOperation,
    PlatformResult,
    StackActivityInput,
    StackActivityResult,
)
from engine.core.errors import EngineError
from engine.core.results import OperationResult, Progress
from engine.pulumi import CancelToken, ProgressCallback, PulumiRunner
from engine.temporal import to_application_error

__all__ = ["StackActivities"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[[CancelToken, ProgressCallback], T]


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


class StackActivities:
    """Activities over a PulumiRunner; one instance per worker."""

    def __init__(
        self,
        engine: PulumiRunner,
        *,
        max_concurrent: int = 4,
        heartbeat_every: float = 1.0,
        cancel_grace: float = 120.0,
    ) -> None:
        self._engine = engine
        self._pool = ThreadPoolExecutor(max_concurrent, thread_name_prefix="pulumi")
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
            )
        )
        return _result(res, outputs=res.outputs, secret_outputs=res.secret_outputs)

    @activity.defn(name=Activity.STACK_PREVIEW)
    async def stack_preview(self, input: StackActivityInput) -> StackActivityResult:
        res = await self._run(
            lambda token, progress: self._engine.preview(
                input.spec, input.component, on_progress=progress, cancel=token
            )
        )
        return _result(res, planned=res.planned)

    @activity.defn(name=Activity.STACK_DESTROY)
    async def stack_destroy(self, input: StackActivityInput) -> StackActivityResult:
        res = await self._run(
            lambda token, progress: self._engine.destroy(
                input.spec.tenant_key,
                input.component,
                remove=input.remove_stack,
                on_progress=progress,
                cancel=token,
            )
        )
        return _result(res, existed=res.existed)

    @activity.defn(name=Activity.STACK_INSPECT)
    async def stack_inspect(self, input: StackActivityInput) -> bool:
        """Whether the component's stack exists with resources (compensation keeps those)."""
        return await self._run(
            lambda _token, _progress: self._engine.has_resources(
                input.spec.tenant_key, input.component
            )
        )

    @activity.defn(name=Activity.STACK_OUTPUTS)
    async def stack_outputs(self, input: StackActivityInput) -> dict[str, Any]:
        """Non-secret outputs of a component (the app stack's inputs on deploy)."""
        return await self._run(
            lambda _token, _progress: self._engine.outputs(input.spec.tenant_key, input.component)
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
                lambda _token, _progress: self._engine.platform_exists()
            ):
                return done.model_copy(update={"exists": True})
            res = await self._run(
                lambda token, progress: self._engine.ensure_platform(
                    on_progress=progress, cancel=token
                )
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
            exists = await self._run(lambda _token, _progress: self._engine.platform_exists())
            res = await self._run(
                lambda token, progress: self._engine.preview_platform(
                    on_progress=progress, cancel=token
                )
            )
        return result.model_copy(
            update={"exists": exists, "changes": res.changes, "planned": res.planned}
        )

    @activity.defn(name=Activity.PLATFORM_STATUS)
    async def platform_status(self, input: PlatformInput) -> PlatformResult:
        result = PlatformResult(success=True, operation=PlatformOperation.STATUS)
        if self._engine.catalog.platform is None or not await self._run(
            lambda _token, _progress: self._engine.platform_exists()
        ):
            return result
        outputs = await self._run(lambda _token, _progress: self._engine.platform_outputs())
        return result.model_copy(update={"exists": True, "outputs": outputs})

    async def _run(self, operation: Operation[T]) -> T:
        token = CancelToken(grace=self._grace)
        latest = _Latest()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, operation, token, latest.set)
        try:
            while True:
                done, _ = await asyncio.wait({future}, timeout=self._every)
                activity.heartbeat(latest.value)
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
