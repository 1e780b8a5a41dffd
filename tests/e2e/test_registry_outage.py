"""Issue 9: the registry is a dependency that comes back.

A throwaway PostgreSQL cluster holds the registry and is stopped for 30 s, and for 120 s
(far longer than the seed's retries lasted), in the middle of a provision (while the infra
stack is being made) and in the middle of a compensation: the registry writes wait it
out, so a working tenant is never rolled back and a failed one ends PROVISIONFAILED, never
stuck in PROVISIONING.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from engine.core.contracts import ProvisionTenantResult, Step
from engine.core.models import TenantStatus
from engine.core.settings import Settings
from tests.e2e.conftest import Stack, provision_input, running_stack
from tests.engine.conftest import files_under
from tests.support.postgres import PostgresServer, postgres_or_fail

# Seconds the database is down: the scenario itself, not a synchronization.
OUTAGES = [30.0, 120.0]


def _registry_retries(settings: Settings) -> None:
    policy = settings.worker.status
    policy.maximum_attempts = 0  # the default: until the registry answers
    policy.initial_interval = timedelta(milliseconds=200)
    policy.maximum_interval = timedelta(seconds=2)


async def _wait_for_step(stack: Stack, tid: str, step: Step) -> None:
    deadline = asyncio.get_running_loop().time() + 120
    while (await stack.client.status("provision", tid)).step is not step:
        assert asyncio.get_running_loop().time() < deadline, f"never reached {step}"
        await asyncio.sleep(0.1)


async def _outage(pg: PostgresServer, seconds: float) -> None:
    await asyncio.to_thread(pg.stop)
    try:
        await asyncio.sleep(seconds)
    finally:
        await asyncio.to_thread(pg.start)


@pytest.mark.parametrize("outage", OUTAGES, ids=lambda s: f"{s:.0f}s")
async def test_registry_down_during_infra_delays_the_tenant_and_destroys_nothing(
    tmp_path: Path, temporal_env: WorkflowEnvironment, ses_endpoint: str, outage: float
) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    with postgres_or_fail() as pg:
        async with running_stack(
            tmp_path, temporal_env, ses_endpoint, pg.create_database(), _registry_retries
        ) as stack:
            await stack.client.provision(
                provision_input(tid, "outage", idp=None, parameters={"infra_delay": "2"})
            )
            await _wait_for_step(stack, tid, Step.PROVISIONING_INFRA)
            await _outage(pg, outage)
            result = await asyncio.wait_for(stack.client.result("provision", tid), 300)

            assert isinstance(result, ProvisionTenantResult) and result.success, result
            assert not result.compensated
            assert stack.registry.get(tid).status is TenantStatus.ACTIVE
            assert len(stack.registry.resources(tid)) == 4  # infra 3, app 1
            assert len(files_under(stack.resources)) == 4


@pytest.mark.parametrize("outage", OUTAGES, ids=lambda s: f"{s:.0f}s")
async def test_registry_down_during_compensation_still_ends_provisionfailed(
    tmp_path: Path, temporal_env: WorkflowEnvironment, ses_endpoint: str, outage: float
) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    with postgres_or_fail() as pg:
        async with running_stack(
            tmp_path, temporal_env, ses_endpoint, pg.create_database(), _registry_retries
        ) as stack:
            await stack.client.provision(
                provision_input(
                    tid, "undone", idp=None, parameters={"fail": "app:create", "infra_delay": "2"}
                )
            )
            await _wait_for_step(stack, tid, Step.COMPENSATING)
            await _outage(pg, outage)
            result = await asyncio.wait_for(stack.client.result("provision", tid), 300)

            assert isinstance(result, ProvisionTenantResult) and not result.success
            assert result.compensation_failures == []
            assert stack.registry.get(tid).status is TenantStatus.PROVISIONFAILED
            assert stack.registry.resources(tid) == []
            assert files_under(stack.resources) == []
