"""The worker: runs the tenant workflows and activities (``python -m engine.worker``).

Builds everything from Settings once, serves the gRPC health service (live at once, ready
once polling Temporal) and the Prometheus metrics (``worker.metrics_listen``), connects to
Temporal, and on SIGTERM/SIGINT turns not ready, stops polling, gives in-flight activities
``worker.graceful_shutdown`` to finish, then cancels them (a cancelled Pulumi activity
stops the CLI cleanly: state saved, lock released).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

import workflows
from activities import StackActivities, TenantActivities
from engine.core.contracts import PULUMI_QUEUE_SUFFIX
from engine.core.settings import Settings
from engine.notifications import build_notifier
from engine.pulumi import ProgramCatalog, PulumiRunner, load_catalog
from engine.registry import TenantRegistry
from engine.serving import HealthServer, run_service, temporal_reachable
from engine.telemetry.metrics import EngineMetrics
from engine.telemetry.temporal import OperationMetricsInterceptor, ServiceTelemetry
from engine.temporal import connect

__all__ = ["build_activities", "build_pulumi_worker", "build_worker", "main", "run_worker"]

log = logging.getLogger(__name__)

# Heartbeat details reach the server at most this often: the live progress `status` shows.
HEARTBEAT_THROTTLE = timedelta(seconds=2)


def build_activities(
    settings: Settings,
    stack: AsyncExitStack,
    catalog: ProgramCatalog | None,
    metrics: EngineMetrics | None = None,
) -> tuple[list[Callable[..., Any]], list[Callable[..., Any]]]:
    """The real activities, Pulumi's and the others; built before connecting so bad
    settings fail at once."""
    engine = PulumiRunner(settings, catalog or load_catalog(settings.pulumi.catalog, settings))
    registry = TenantRegistry(settings.registry.database_url)
    stack.callback(registry.close)
    stacks = StackActivities(
        engine, max_concurrent=settings.worker.max_concurrent_pulumi, metrics=metrics
    )
    stack.callback(stacks.close)
    tenants = TenantActivities(registry, build_notifier(settings, registry), metrics=metrics)
    return stacks.activities(), tenants.activities()


def build_pulumi_worker(
    settings: Settings, client: Client, activities: list[Callable[..., Any]]
) -> Worker:
    """The Worker of the Pulumi activities, on the Pulumi task queue: Temporal hands it at
    most ``max_concurrent_pulumi`` at once, so an activity starts (and its start-to-close
    timeout runs) only when a Pulumi slot is free; until then it waits in the queue, which
    the status shows (``queued_s``)."""
    return Worker(
        client,
        task_queue=settings.temporal.task_queue + PULUMI_QUEUE_SUFFIX,
        activities=activities,
        max_concurrent_activities=settings.worker.max_concurrent_pulumi,
        graceful_shutdown_timeout=settings.worker.graceful_shutdown,
        max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        default_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        interceptors=[OperationMetricsInterceptor()],
    )


def build_worker(
    settings: Settings, client: Client, activities: list[Callable[..., Any]]
) -> Worker:
    """The Worker for the tenant workflows and the given activities (all of them: runs
    recorded before the Pulumi task queue schedule their Pulumi activities here)."""
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
        # Operations by kind and outcome; tracing comes with the client when it is on.
        interceptors=[OperationMetricsInterceptor()],
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
        telemetry = ServiceTelemetry.start(
            settings, role="worker", metrics_listen=settings.worker.metrics_listen
        )
        stack.callback(telemetry.close)
        pulumi, others = build_activities(settings, stack, catalog, telemetry.engine_metrics())
        health = None
        if settings.worker.health_listen:
            # Live before Temporal answers: an orchestrator must not restart a worker that
            # waits for Temporal (see engine.serving._health).
            health = HealthServer(settings.worker.health_listen)
            await health.start()
            stack.push_async_callback(health.stop)
        client = await _connect_until_stopped(settings, stop)
        if client is None:
            return
        worker = build_worker(settings, client, [*pulumi, *others])
        pulumi_worker = build_pulumi_worker(settings, client, pulumi)
        async with worker, pulumi_worker:
            if health is not None:
                health.follow(
                    {
                        "temporal": lambda: temporal_reachable(client),
                        "worker": lambda: _running(worker, pulumi_worker),
                    }
                )
            log.info(
                "worker polling %s on %s (namespace %s)",
                settings.temporal.task_queue,
                settings.temporal.address,
                settings.temporal.namespace,
            )
            if ready is not None:
                ready.set()
            await stop.wait()
            if health is not None:
                await health.not_ready()
            log.info(
                "shutting down: in-flight activities get %s", settings.worker.graceful_shutdown
            )


async def _running(*workers: Worker) -> bool:
    return all(worker.is_running for worker in workers)


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


def main(argv: Sequence[str] = ()) -> None:
    """Run the worker; ``argv``: its flags (``--log-format json``)."""
    run_service(
        lambda settings, stop: run_worker(settings, stop=stop), argv, prog="python -m engine.worker"
    )
