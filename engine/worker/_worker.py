"""The worker: runs the tenant workflows and activities (``python -m engine.worker``).

Builds everything from Settings once, connects to Temporal, serves the gRPC health
service, and on SIGTERM/SIGINT stops polling, gives in-flight activities
``worker.graceful_shutdown`` to finish, then cancels them (a cancelled Pulumi activity
stops the CLI cleanly: state saved, lock released).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

import workflows
from activities import StackActivities, TenantActivities
from engine.core.settings import Settings
from engine.notifications import build_notifier
from engine.pulumi import ProgramCatalog, PulumiRunner, load_catalog
from engine.registry import TenantRegistry
from engine.serving import HealthServer, run_service
from engine.temporal import connect

__all__ = ["build_activities", "build_worker", "main", "run_worker"]

log = logging.getLogger(__name__)

# Heartbeat details reach the server at most this often: the live progress `status` shows.
HEARTBEAT_THROTTLE = timedelta(seconds=2)


def build_activities(
    settings: Settings, stack: AsyncExitStack, catalog: ProgramCatalog | None
) -> list[Callable[..., Any]]:
    """The real activities; built before connecting so bad settings fail at once."""
    engine = PulumiRunner(settings, catalog or load_catalog(settings.pulumi.catalog, settings))
    registry = TenantRegistry(settings.registry.database_url)
    stack.callback(registry.close)
    stacks = StackActivities(engine, max_concurrent=settings.worker.max_concurrent_pulumi)
    stack.callback(stacks.close)
    tenants = TenantActivities(registry, build_notifier(settings, registry))
    return [*stacks.activities(), *tenants.activities()]


def build_worker(
    settings: Settings, client: Client, activities: list[Callable[..., Any]]
) -> Worker:
    """The Worker for the tenant workflows and the given activities."""
    return Worker(
        client,
        task_queue=settings.temporal.task_queue,
        workflows=workflows.ALL,
        workflow_runner=workflows.sandbox_runner(),
        activities=activities,
        max_concurrent_activities=settings.worker.max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.worker.max_concurrent_workflows,
        graceful_shutdown_timeout=settings.worker.graceful_shutdown,
        max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        default_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
    )


async def run_worker(
    settings: Settings,
    *,
    stop: asyncio.Event,
    catalog: ProgramCatalog | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Run until ``stop`` is set, then shut down gracefully."""
    async with AsyncExitStack() as stack:
        activities = build_activities(settings, stack, catalog)
        client = await _connect_until_stopped(settings, stop)
        if client is None:
            return
        worker = build_worker(settings, client, activities)
        health = None
        if settings.worker.health_listen:
            health = HealthServer(settings.worker.health_listen, client)
            await health.start()
            stack.push_async_callback(health.stop)
        async with worker:
            log.info(
                "worker polling %s on %s (namespace %s)",
                settings.temporal.task_queue,
                settings.temporal.address,
                settings.temporal.namespace,
            )
            if ready is not None:
                ready.set()
            await stop.wait()
            log.info(
                "shutting down: in-flight activities get %s", settings.worker.graceful_shutdown
            )


async def _connect_until_stopped(settings: Settings, stop: asyncio.Event) -> Client | None:
    """Connect to Temporal, retrying with back-off: a worker may start before Temporal."""
    delay = 1.0
    while not stop.is_set():
        try:
            return await connect(settings.temporal)
        except RuntimeError as exc:
            log.warning(
                "temporal at %s not reachable (%s); retrying in %.0fs",
                settings.temporal.address,
                str(exc).splitlines()[0][:200],
                delay,
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, 30.0)
    return None


def main() -> None:
    run_service(lambda settings, stop: run_worker(settings, stop=stop))
