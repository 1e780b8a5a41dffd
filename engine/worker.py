"""The worker: runs the tenant workflows and activities (``python -m engine.worker``).

Builds everything from Settings once, connects to Temporal, serves the gRPC health
service, and on SIGTERM/SIGINT stops polling, gives in-flight activities
``worker.graceful_shutdown`` to finish, then cancels them (a cancelled Pulumi activity
stops the CLI cleanly: state saved, lock released).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

import workflows
from activities import StackActivities, TenantActivities

from .catalog import ProgramCatalog, load_catalog
from .client import connect
from .health import HealthServer
from .notifications import build_notifier
from .registry import TenantRegistry
from .runner import PulumiEngine
from .settings import Settings

__all__ = ["build_worker", "main", "run_worker"]

log = logging.getLogger(__name__)

# Heartbeat details reach the server at most this often: the live progress `status` shows.
HEARTBEAT_THROTTLE = timedelta(seconds=2)


async def build_worker(
    settings: Settings, client: Client, stack: AsyncExitStack, catalog: ProgramCatalog | None
) -> Worker:
    """The Worker with real activities; resources are closed by ``stack``."""
    engine = PulumiEngine(settings, catalog or load_catalog(settings.pulumi.catalog, settings))
    registry = TenantRegistry(settings.registry.database_url)
    stack.callback(registry.close)
    stacks = StackActivities(engine, max_concurrent=settings.worker.max_concurrent_pulumi)
    stack.callback(stacks.close)
    tenants = TenantActivities(registry, build_notifier(settings, registry))
    return Worker(
        client,
        task_queue=settings.temporal.task_queue,
        workflows=workflows.ALL,
        workflow_runner=workflows.sandbox_runner(),
        activities=[
            stacks.stack_up,
            stacks.stack_preview,
            stacks.stack_destroy,
            stacks.stack_outputs,
            tenants.register_tenant,
            tenants.load_tenant,
            tenants.set_tenant_status,
            tenants.set_app_version,
            tenants.record_resources,
            tenants.send_notification,
        ],
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
        client = await connect(settings.temporal)
        worker = await build_worker(settings, client, stack, catalog)
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


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, stop=stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
