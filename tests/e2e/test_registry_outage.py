"""Issue 9: the registry is a dependency that comes back.

A throwaway PostgreSQL cluster holds the registry and is stopped for 30 s, and for 120 s
(far longer than the seed's retries lasted), in the middle of a provision (while the infra
stack is being made) and in the middle of a compensation: the registry writes wait it
out, so a working tenant is never rolled back and a failed one ends PROVISIONFAILED, never
stuck in PROVISIONING. Each test also checks that a registry write did meet the outage
(it was retried), so a run where the database went down too late fails instead of passing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from engine.core.contracts import Activity, ProvisionTenantResult
from engine.core.models import Component, TenantStatus
from engine.core.settings import Settings
from tests.e2e.conftest import Stack, provision_input, running_stack
from tests.engine.conftest import files_under
from tests.support.held import HeldProgram
from tests.support.history import activity_attempts
from tests.support.postgres import PostgresServer, postgres_or_fail

# Seconds the database is down: the scenario itself, not a synchronization.
OUTAGES = [30.0, 120.0]
REGISTRY_WRITES = {Activity.RECORD_RESOURCES, Activity.SET_STATUS, Activity.RELEASE_TENANT}


def _registry_retries(settings: Settings) -> None:
    policy = settings.worker.status
    policy.maximum_attempts = 0  # the default: until the registry answers
    policy.initial_interval = timedelta(milliseconds=200)
    policy.maximum_interval = timedelta(seconds=2)


async def _outage(pg: PostgresServer, seconds: float, then: Callable[[], None] = lambda: None):
    """The database down for ``seconds``; ``then`` runs once it is down."""
    await asyncio.to_thread(pg.stop)
    try:
        then()
        await asyncio.sleep(seconds)  # how long it is down: the scenario, not a wait
    finally:
        await asyncio.to_thread(pg.start)


async def _retried(stack: Stack, tid: str) -> set[str]:
    """The activities of the provision that succeeded only after failed attempts."""
    attempts = await activity_attempts(stack.client.handle("provision", tid))
    return {name for name, attempt in attempts if attempt > 1}


@pytest.mark.parametrize("outage", OUTAGES, ids=lambda s: f"{s:.0f}s")
async def test_registry_down_during_infra_delays_the_tenant_and_destroys_nothing(
    tmp_path: Path, temporal_env: WorkflowEnvironment, ses_endpoint: str, outage: float
) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    with postgres_or_fail() as pg:
        async with running_stack(
            tmp_path, temporal_env, ses_endpoint, pg.create_database(), _registry_retries
        ) as stack:
            # The worker runs in this process: its infra program waits until the database
            # is down, so the outage starts while the infra stack is being made.
            infra = HeldProgram(Component.INFRA)
            infra.install(stack.engine.catalog)
            try:
                await stack.client.provision(provision_input(tid, "outage", idp=None))
                await asyncio.to_thread(infra.wait_entered)
                await _outage(pg, outage, then=infra.release)
            finally:
                infra.release()
            result = await asyncio.wait_for(stack.client.result("provision", tid), 300)

            assert isinstance(result, ProvisionTenantResult) and result.success, result
            assert not result.compensated
            assert stack.registry.get(tid).status is TenantStatus.ACTIVE
            assert len(stack.registry.resources(tid)) == 4  # infra 3, app 1
            assert len(files_under(stack.resources)) == 4
            assert await _retried(stack, tid) & REGISTRY_WRITES, "no registry write met the outage"


@pytest.mark.parametrize("outage", OUTAGES, ids=lambda s: f"{s:.0f}s")
async def test_registry_down_during_compensation_still_ends_provisionfailed(
    tmp_path: Path, temporal_env: WorkflowEnvironment, ses_endpoint: str, outage: float
) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    with postgres_or_fail() as pg:
        async with running_stack(
            tmp_path, temporal_env, ses_endpoint, pg.create_database(), _registry_retries
        ) as stack:
            # The app program waits until the database is down; then its create fails and
            # the whole compensation (destroying infra, the status writes) meets the outage.
            app = HeldProgram(Component.APP)
            app.install(stack.engine.catalog)
            try:
                await stack.client.provision(
                    provision_input(tid, "undone", idp=None, parameters={"fail": "app:create"})
                )
                await asyncio.to_thread(app.wait_entered)
                await _outage(pg, outage, then=app.release)
            finally:
                app.release()
            result = await asyncio.wait_for(stack.client.result("provision", tid), 300)

            assert isinstance(result, ProvisionTenantResult) and not result.success
            assert result.compensation_failures == []
            assert stack.registry.get(tid).status is TenantStatus.PROVISIONFAILED
            assert stack.registry.resources(tid) == []
            assert files_under(stack.resources) == []
            assert await _retried(stack, tid) & REGISTRY_WRITES, "no registry write met the outage"
