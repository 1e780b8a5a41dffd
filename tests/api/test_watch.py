"""The one watch loop (``TenantClient.watch``) and the API's watch that reuses it.

The loop's rules (an update only on change, the last one done, every poll bounded by the
query timeout) are checked on scripted statuses, where each poll is known; the API's use
of it against the real dev server, with no worker to answer (UNAVAILABLE, naming the
worker). Following a real run to its end is ``test_rpcs`` and the CLI's tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from engine.api._gen import tenant_engine_pb2 as pb
from engine.api.views import DEPENDENCY_METADATA, Dependency
from engine.core.contracts import Step, WorkflowStatus
from engine.temporal import TenantClient, connect
from tests.api.harness import RunningEngine, provision_request, running_engine, stub_for
from tests.conftest import make_settings


class ScriptedClient(TenantClient):
    """A TenantClient whose status queries answer from a script (no Temporal involved);
    the real ``status`` around them keeps its query timeout."""

    def __init__(self, tmp_path: Path, script: list[WorkflowStatus | float]) -> None:
        super().__init__(None, make_settings(tmp_path))  # type: ignore[arg-type]
        self.script: Iterator[WorkflowStatus | float] = iter(script)
        self.polls = 0

    async def _status(self, kind: Any, tenant_id: str) -> WorkflowStatus:
        self.polls += 1
        answer = next(self.script)
        if isinstance(answer, float):  # a worker that never answers
            await asyncio.Event().wait()
        assert isinstance(answer, WorkflowStatus)
        return answer


def _status(percent: int, *, done: bool = False) -> WorkflowStatus:
    step = Step.COMPLETED if done else Step.PROVISIONING_INFRA
    return WorkflowStatus(step=step, percent=percent, done=done)


async def test_updates_only_on_change_and_the_last_is_done(tmp_path: Path):
    script: list[WorkflowStatus | float] = [
        _status(10),
        _status(10),
        _status(40),
        _status(40),
        _status(100, done=True),
    ]
    client = ScriptedClient(tmp_path, script)
    timeout = timedelta(seconds=5)
    updates = [
        s
        async for s in client.watch(
            "provision", "t-x", interval=timedelta(0), query_timeout=timeout
        )
    ]
    assert [(u.percent, u.done) for u in updates] == [(10, False), (40, False), (100, True)]
    # No poll after the done one.
    assert client.polls == len(script)


async def test_a_poll_past_the_query_timeout_raises_timeout_error(tmp_path: Path):
    client = ScriptedClient(tmp_path, [_status(10), 60.0])
    updates = client.watch(
        "provision",
        "t-x",
        interval=timedelta(0),
        query_timeout=timedelta(milliseconds=100),
    )
    assert (await anext(updates)).percent == 10
    with pytest.raises(TimeoutError):
        await anext(updates)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def workerless(
    temporal_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningEngine]:
    """The API on a task queue no worker polls; what it started is terminated after."""
    async with running_engine(
        temporal_env,
        tmp_path_factory.mktemp("workerless"),
        worker=False,
        query_timeout=timedelta(milliseconds=300),
    ) as running:
        yield running
        queue = running.settings.temporal.task_queue
        async for wf in running.temporal.list_workflows(f'TaskQueue="{queue}"'):
            if wf.status is not None and wf.status.name == "RUNNING":
                await running.temporal.get_workflow_handle(wf.id).terminate("test over")


async def test_api_watch_without_a_worker_is_unavailable_naming_the_worker(
    workerless: RunningEngine,
):
    async with stub_for(workerless) as stub:
        await stub.ProvisionTenant(provision_request("nowork"), metadata=workerless.auth)
        call = stub.WatchTenantStatus(
            pb.TenantStatusRequest(tenant_id="t-nowork"), metadata=workerless.auth, timeout=30
        )
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for _ in call:
                pass
    error = caught.value
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    details = error.details() or ""
    assert "no worker answered the status query of provision workflow for tenant t-nowork" in (
        details
    )
    assert workerless.settings.temporal.task_queue in details
    trailing = dict(error.trailing_metadata() or ())
    assert trailing.get(DEPENDENCY_METADATA) == Dependency.WORKER.value


async def test_client_watch_without_a_worker_raises_timeout_error(workerless: RunningEngine):
    async with stub_for(workerless) as stub:
        await stub.ProvisionTenant(provision_request("noworktoo"), metadata=workerless.auth)
    client = TenantClient(await connect(workerless.settings.temporal), workerless.settings)
    updates = client.watch("provision", "t-noworktoo", query_timeout=timedelta(milliseconds=300))
    with pytest.raises(TimeoutError):
        await anext(updates)
