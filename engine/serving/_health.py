"""Health as orchestrators use it, on the standard gRPC health service (grpc.health.v1).

Two questions, the same in the worker and the API:

* **liveness** (services ``"liveness"`` and ``""``): the process is healthy, SERVING from
  start to exit. Never a dependency's reachability: a Temporal or database outage must not
  get every worker restarted (and its Pulumi runs interrupted). The worker answers from a
  thread of its own (its start, building the workflow sandbox, keeps the event loop busy
  for seconds) and says NOT_SERVING once its event loop has not run for ``stall`` seconds;
  a worker whose SDK worker fails fatally exits.
* **readiness** (service ``"readiness"``, and the older names kept as aliases): the process
  can do its work now. Worker: its Temporal worker is running and the Temporal frontend
  answers. API: Temporal answers and the tenant registry answers. NOT_SERVING while
  starting, during an outage, and from the moment a stop signal arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from temporalio.client import Client

from engine.registry import TenantRegistry

__all__ = [
    "LIVENESS",
    "READINESS",
    "SERVICE_NAME",
    "Check",
    "Health",
    "HealthServer",
    "RegistryProbe",
    "temporal_reachable",
]

log = logging.getLogger(__name__)

LIVENESS = "liveness"
READINESS = "readiness"
#: The worker's readiness under the name it had before ``readiness`` existed.
SERVICE_NAME = "tenant.engine.Worker"
_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING

Check = Callable[[], Awaitable[bool]]


async def temporal_reachable(client: Client) -> bool:
    """Whether the Temporal frontend answers a health check within two seconds."""
    try:
        return await client.service_client.check_health(timeout=timedelta(seconds=2))
    except Exception:  # noqa: BLE001 - any failure to answer means "not reachable"
        return False


class RegistryProbe:
    """Whether the tenant registry answers a query, within ``timeout`` seconds.

    A query through the registry itself (its own engine and URL handling); a probe still
    running from last time (a database that does not answer) counts as a failure without
    starting another.
    """

    def __init__(self, database_url: str, *, timeout: float = 3.0) -> None:
        self._url = database_url
        self._timeout = timeout
        self._registry: TenantRegistry | None = None
        self._running: asyncio.Future[bool] | None = None

    async def __call__(self) -> bool:
        if self._running is not None and not self._running.done():
            return False
        self._running = asyncio.ensure_future(asyncio.to_thread(self._query))
        try:
            return await asyncio.wait_for(asyncio.shield(self._running), self._timeout)
        except TimeoutError:
            return False

    def _query(self) -> bool:
        try:
            if self._registry is None:
                self._registry = TenantRegistry(self._url)
            self._registry.list_tenants(page_size=1)
            return True
        except Exception:  # noqa: BLE001 - any failure to answer means "not ready"
            return False

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()
            self._registry = None


class Health:
    """Liveness and readiness on a grpc.health.v1 servicer (see the module docstring).

    The servicer is the asyncio one (the API's, on the API's server) or the threaded one
    (the worker's own health server).
    """

    def __init__(
        self,
        servicer: health.aio.HealthServicer | health.HealthServicer | None = None,
        *,
        readiness_aliases: Sequence[str] = (),
    ) -> None:
        self.servicer = servicer or health.aio.HealthServicer()
        self._ready_names = (READINESS, *readiness_aliases)
        self._task: asyncio.Task[None] | None = None
        self._failing: set[str] | None = None
        self.ready = False

    async def start(self) -> None:
        """Live from now on; not ready until ``follow``'s checks pass."""
        for name in ("", LIVENESS):
            await self._set(name, _SERVING)
        await self._set_ready(False)

    def follow(self, checks: Mapping[str, Check], interval: float) -> None:
        """Ready while every check passes, checked every ``interval`` seconds (at once first)."""
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.create_task(self._follow(dict(checks), interval), name="readiness")

    async def _follow(self, checks: dict[str, Check], interval: float) -> None:
        while True:
            results = await asyncio.gather(*(check() for check in checks.values()))
            failing = {name for name, ok in zip(checks, results, strict=True) if not ok}
            if failing != self._failing:
                if failing:
                    log.warning("not ready: %s failing", ", ".join(sorted(failing)))
                else:
                    log.info("ready: %s ok", ", ".join(checks))
                self._failing = failing
            await self._set_ready(not failing)
            await asyncio.sleep(interval)

    async def not_ready(self) -> None:
        """Stop taking work (a stop signal arrived): readiness NOT_SERVING, liveness stays."""
        await self._cancel()
        await self._set_ready(False)

    async def stop(self) -> None:
        """Going away: every name NOT_SERVING, and no later change."""
        await self._cancel()
        done = self.servicer.enter_graceful_shutdown()
        if inspect.isawaitable(done):
            await done

    async def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _set_ready(self, ok: bool) -> None:
        self.ready = ok
        for name in self._ready_names:
            await self._set(name, _SERVING if ok else _NOT_SERVING)

    async def _set(self, name: str, status: Any) -> None:
        done = self.servicer.set(name, status)
        if inspect.isawaitable(done):
            await done


class _Watchdog(health.HealthServicer):  # type: ignore[misc]
    """The threaded health servicer, whose liveness also requires a running event loop."""

    def __init__(self, stalled: Callable[[], bool]) -> None:
        super().__init__()
        self._stalled = stalled

    def Check(self, request: Any, context: Any) -> Any:
        if request.service in ("", LIVENESS) and self._stalled():
            return health_pb2.HealthCheckResponse(status=_NOT_SERVING)
        return super().Check(request, context)


class HealthServer:
    """The worker's health: ``Health`` on a gRPC server of its own, on ``listen``.

    Started before the worker connects to Temporal, so that liveness answers while
    Temporal is still away; answered from threads, so that it answers while the event loop
    is busy (not for longer than ``stall`` seconds: then the process is stuck).
    """

    def __init__(self, listen: str, *, interval: float = 2.0, stall: float = 60.0) -> None:
        self._listen = listen
        self._interval = interval
        self._stall = stall
        self._tick = time.monotonic()
        self.health = Health(_Watchdog(self._stalled), readiness_aliases=(SERVICE_NAME,))
        self._server: grpc.Server | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self.port = 0

    def _stalled(self) -> bool:
        return time.monotonic() - self._tick > self._stall

    async def _beat(self) -> None:
        while True:
            self._tick = time.monotonic()
            await asyncio.sleep(1.0)

    async def start(self) -> None:
        self._server = grpc.server(ThreadPoolExecutor(2, thread_name_prefix="health"))
        health_pb2_grpc.add_HealthServicer_to_server(self.health.servicer, self._server)
        self.port = self._server.add_insecure_port(self._listen)
        self._server.start()
        self._heartbeat = asyncio.create_task(self._beat(), name="health-heartbeat")
        await self.health.start()
        log.info("health service on %s", self._listen.rsplit(":", 1)[0] + f":{self.port}")

    def follow(self, checks: Mapping[str, Check]) -> None:
        self.health.follow(checks, self._interval)

    async def not_ready(self) -> None:
        await self.health.not_ready()

    async def stop(self) -> None:
        await self.health.stop()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        if self._server is not None:
            await asyncio.to_thread(lambda: self._server.stop(grace=1).wait())  # type: ignore[union-attr]
            self._server = None
