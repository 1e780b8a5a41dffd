"""gRPC health service (grpcio-health-checking) that follows the Temporal connection.

Kubernetes probes and ``grpc_health_probe`` see SERVING only while the Temporal frontend
answers; a worker cut off from Temporal reports NOT_SERVING and can be restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from temporalio.client import Client

__all__ = ["SERVICE_NAME", "HealthServer", "follow_temporal", "temporal_reachable"]

log = logging.getLogger(__name__)

SERVICE_NAME = "tenant.engine.Worker"
_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def temporal_reachable(client: Client) -> bool:
    """Whether the Temporal frontend answers a health check within two seconds."""
    try:
        return await client.service_client.check_health(timeout=timedelta(seconds=2))
    except Exception:  # noqa: BLE001 - any failure to answer means "not reachable"
        return False


async def follow_temporal(
    servicer: health.aio.HealthServicer,
    probe: Callable[[], Awaitable[bool]],
    names: Sequence[str],
    interval: float,
) -> None:
    """Set ``names`` SERVING while ``probe`` says Temporal answers, NOT_SERVING otherwise.

    Runs until cancelled; logs each change of reachability once.
    """
    reachable: bool | None = None
    while True:
        ok = await probe()
        if ok != reachable:
            log.log(logging.INFO if ok else logging.WARNING, "temporal reachable: %s", ok)
            reachable = ok
        for name in names:
            await servicer.set(name, _SERVING if ok else _NOT_SERVING)
        await asyncio.sleep(interval)


class HealthServer:
    """Serves grpc.health.v1 on ``listen``; polls Temporal every ``interval`` seconds."""

    def __init__(self, listen: str, client: Client, *, interval: float = 2.0) -> None:
        self._listen = listen
        self._client = client
        self._interval = interval
        self._servicer = health.aio.HealthServicer()
        self._server: grpc.aio.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = grpc.aio.server()
        health_pb2_grpc.add_HealthServicer_to_server(self._servicer, self._server)
        self.port = self._server.add_insecure_port(self._listen)
        await self._server.start()
        await self._set(await temporal_reachable(self._client))
        self._task = asyncio.create_task(
            follow_temporal(
                self._servicer,
                lambda: temporal_reachable(self._client),
                ("", SERVICE_NAME),
                self._interval,
            ),
            name="temporal-health",
        )
        log.info("health service on %s", self._listen.rsplit(":", 1)[0] + f":{self.port}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._set(False)
        if self._server is not None:
            await self._server.stop(grace=1)

    async def _set(self, ok: bool) -> None:
        status = _SERVING if ok else _NOT_SERVING
        await self._servicer.set("", status)
        await self._servicer.set(SERVICE_NAME, status)
