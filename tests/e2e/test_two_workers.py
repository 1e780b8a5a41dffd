"""Two workers on two hosts sharing Temporal, a Pulumi backend in S3 and a PostgreSQL
registry: the one running ``up`` dies and the other takes over without waiting for the
lock to age; the one running a slow ``up`` stays alive and keeps its lock (issue 13).

Each worker runs in a UTS namespace of its own (``unshare --uts``), so its host name, the
one Pulumi writes into the stack locks it takes, differs from the other's: the dead
worker's lock is "from another host" and would block the tenant for ``stale_lock_after``
(35 minutes) if the retry could not prove its owner gone.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from engine.core.contracts import Activity, ProvisionTenantResult
from engine.core.models import TenantStatus
from engine.registry import TenantRegistry
from engine.temporal._client import TenantClient
from stacks.local import read_journal
from tests.conftest import make_settings
from tests.e2e.conftest import fast_policies, provision_input
from tests.e2e.test_worker_process import worker_process
from tests.engine.conftest import files_under
from tests.support.history import activity_attempts
from tests.support.postgres import PostgresServer
from tests.support.processes import kill_group_and_wait, kill_processes_under
from tests.support.shared_state import shared_state_env

REPO = Path(__file__).resolve().parents[2]


def _running_pulumi_up(state_dir: Path) -> bool:
    """Whether a ``pulumi up`` runs in a workspace of this worker's state directory."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if state_dir in cwd.parents and argv[0].endswith(b"pulumi") and b"up" in argv[1:3]:
            return True
    return False


@dataclass
class _TwoHosts:
    client: TenantClient
    registry_url: str
    resources: Path
    hosts: dict[str, dict[str, str]]


def _two_hosts(
    tmp_path: Path, temporal_env: WorkflowEnvironment, moto: str, postgres: PostgresServer
) -> _TwoHosts:
    """Settings of two workers on one queue and shared state, and a client of that queue
    whose infra activities heartbeat every few seconds (a 5 s heartbeat timeout)."""
    queue = f"two-{uuid.uuid4().hex[:8]}"
    resources = tmp_path / "cloud"
    registry_url = postgres.create_schema()
    address = temporal_env.client.service_client.config.target_host
    shared = shared_state_env(address, queue, moto, registry_url, resources)
    hosts = {
        name: {**shared, "TENANT_PULUMI__STATE_DIR": str(tmp_path / name / "state")}
        for name in ("worker-a", "worker-b")
    }
    settings = make_settings(tmp_path / "client")
    settings.temporal.task_queue = queue
    fast_policies(settings)
    settings.worker.infra.heartbeat = timedelta(seconds=5)
    settings.worker.infra.maximum_attempts = 5
    return _TwoHosts(TenantClient(temporal_env.client, settings), registry_url, resources, hosts)


@contextmanager
def _workers(tmp_path: Path, setup: _TwoHosts) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    with (
        worker_process(setup.hosts["worker-a"], tmp_path / "worker-a.log", host="worker-a") as a,
        worker_process(setup.hosts["worker-b"], tmp_path / "worker-b.log", host="worker-b") as b,
    ):
        yield {"worker-a": a, "worker-b": b}


async def _infra_up_runner(tmp_path: Path, resources: Path, names: Iterable[str]) -> str:
    """The worker whose Pulumi CLI runs the infra ``up``, once it has started writing."""
    deadline = time.monotonic() + 120
    while True:
        assert time.monotonic() < deadline, "no worker ever ran the infra up"
        started = [e for e in read_journal(resources) if "/infra/" in e["path"]]
        for name in names:
            if started and _running_pulumi_up(tmp_path / name / "state"):
                return name
        await asyncio.sleep(0.1)


async def test_the_retry_on_another_host_breaks_the_dead_workers_lock_and_converges(
    tmp_path: Path, temporal_env: WorkflowEnvironment, moto: str, postgres: PostgresServer
) -> None:
    setup = _two_hosts(tmp_path, temporal_env, moto, postgres)
    client, resources, registry_url = setup.client, setup.resources, setup.registry_url
    tid, count = f"t-{uuid.uuid4().hex[:8]}", 6
    request = provision_input(
        tid, "twohosts", idp=None, parameters={"infra_resources": str(count), "infra_delay": "3"}
    )

    with _workers(tmp_path, setup) as workers:
        await client.provision(request)
        # Whichever worker Temporal gave the infra up to: kill it once its CLI is writing.
        running = await _infra_up_runner(tmp_path, resources, workers)
        survivor = "worker-b" if running == "worker-a" else "worker-a"
        kill_group_and_wait(workers[running].pid)  # the worker and its Pulumi CLI
        workers[running].wait(30)
        kill_processes_under(tmp_path / running / "state")
        killed_at = time.monotonic()

        # Well within the 35 minutes a lock from another host would otherwise block it.
        result = await asyncio.wait_for(client.result("provision", tid), 240)
        took = time.monotonic() - killed_at
        log = (tmp_path / f"{survivor}.log").read_text()

    assert isinstance(result, ProvisionTenantResult) and result.success, (result, log[-3000:])
    # The heartbeat timeout (5 s), the retry and the rest of the provision, with room for a
    # busy machine: nowhere near the 35 minutes.
    assert took < 180, f"took {took:.0f}s after the kill"
    assert f"@{running} pid" in log and "clearing stale lock" in log, log[-3000:]
    # Exactly the desired resources: none leaked, none made twice.
    expected = [f"twohosts/infra/{i}.json" for i in range(count)] + ["twohosts/app/0.json"]
    assert files_under(resources, "twohosts") == sorted(expected)
    with TenantRegistry(registry_url) as registry:
        assert registry.get(tid).status is TenantStatus.ACTIVE


async def test_a_slow_up_on_a_live_worker_keeps_its_lock_and_runs_once(
    tmp_path: Path, temporal_env: WorkflowEnvironment, moto: str, postgres: PostgresServer
) -> None:
    """An ``up`` four times longer than the heartbeat timeout, on a worker that is alive:
    its heartbeats keep the activity (no retry on the other host), so its lock is never
    broken and nothing is created twice."""
    setup = _two_hosts(tmp_path, temporal_env, moto, postgres)
    tid, delay = f"t-{uuid.uuid4().hex[:8]}", 20
    request = provision_input(
        tid, "slowhost", idp=None, parameters={"infra_resources": "2", "infra_delay": str(delay)}
    )

    with _workers(tmp_path, setup) as workers:
        began = time.monotonic()
        started = await setup.client.provision(request)
        result = await asyncio.wait_for(setup.client.result("provision", tid), 240)
        took = time.monotonic() - began
        logs = {name: (tmp_path / f"{name}.log").read_text() for name in workers}

    assert isinstance(result, ProvisionTenantResult) and result.success, (result, logs)
    assert took >= delay, f"the up was not slow ({took:.0f}s): the test proves nothing"
    # Every stack's up ran at its first attempt: the slow one was never given to the other
    # host, and no lock was broken anywhere.
    handle = temporal_env.client.get_workflow_handle(started.workflow_id)
    attempts = await activity_attempts(handle)
    assert [a for name, a in attempts if name == Activity.STACK_UP] == [1, 1]
    assert not any("clearing stale lock" in log for log in logs.values()), logs
    creates = [e["path"] for e in read_journal(setup.resources) if e["op"] == "create"]
    expected = ["slowhost/infra/0.json", "slowhost/infra/1.json", "slowhost/app/0.json"]
    assert sorted(creates) == sorted(expected)
    with TenantRegistry(setup.registry_url) as registry:
        assert registry.get(tid).status is TenantStatus.ACTIVE
