"""The worker as a separate process: killed mid-Pulumi and replaced; SIGTERM.

(Its health probes: test_health_probes.py.)"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from engine.core.contracts import ProvisionTenantResult
from engine.core.models import Component, TenantStatus
from engine.pulumi._runner import PulumiRunner
from engine.registry import TenantRegistry
from engine.temporal._client import TenantClient
from stacks.local import build_local_catalog, read_journal
from tests.conftest import PASSPHRASE, make_settings
from tests.e2e.conftest import fast_policies, provision_input
from tests.engine.conftest import files_under
from tests.support.processes import kill_group_and_wait, kill_processes_under

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def worker_process(
    env: dict[str, str], log: Path, *, host: str | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m engine.worker`` in a process group of its own, killed with its Pulumi
    processes at the end; with ``host``, under that host name (a new UTS namespace; root)."""
    prefix = ["unshare", "--uts", "--", "sh", "-c", 'hostname "$0" && exec "$@"', host]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*(prefix if host else []), sys.executable, "-m", "engine.worker"],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            kill_group_and_wait(proc.pid)
            proc.wait(30)
        kill_processes_under(Path(env["TENANT_PULUMI__STATE_DIR"]))


def _worker_env(tmp: Path, address: str, queue: str, health: str = "") -> dict[str, str]:
    return {
        "TENANT_TEMPORAL__ADDRESS": address,
        "TENANT_TEMPORAL__TASK_QUEUE": queue,
        "TENANT_PULUMI__STATE_DIR": str(tmp / "state"),
        "TENANT_PULUMI__PASSPHRASE": PASSPHRASE,
        "TENANT_PULUMI__CATALOG": "stacks.local:local_catalog",
        "TENANT_REGISTRY__DATABASE_URL": f"sqlite:///{tmp / 'registry.db'}",
        "TENANT_WORKER__HEALTH_LISTEN": health,
        "TENANT_WORKER__GRACEFUL_SHUTDOWN": "20",
    }


def _tail(log: Path) -> str:
    return log.read_text()[-3000:]


async def _infra_started(proc: subprocess.Popen[bytes], resources: Path, log: Path) -> None:
    """Wait until the worker's Pulumi run has created its first infra resource."""
    deadline = time.monotonic() + 120
    while not [e for e in read_journal(resources) if "/infra/" in e["path"]]:
        assert proc.poll() is None, _tail(log)
        assert time.monotonic() < deadline, "infra never started"
        await asyncio.sleep(0.1)


async def test_worker_killed_mid_pulumi_is_replaced_and_the_tenant_converges(
    tmp_path: Path, temporal_env: WorkflowEnvironment
) -> None:
    address = temporal_env.client.service_client.config.target_host
    queue = f"crash-{uuid.uuid4().hex[:8]}"
    env = _worker_env(tmp_path, address, queue)
    settings = make_settings(tmp_path / "state")
    settings.temporal.task_queue = queue
    fast_policies(settings)
    settings.worker.infra.heartbeat = timedelta(seconds=3)
    settings.worker.infra.maximum_attempts = 3
    client = TenantClient(temporal_env.client, settings)
    resources = tmp_path / "state" / "local-resources"
    tid = f"t-{uuid.uuid4().hex[:8]}"
    count = 8
    request = provision_input(
        tid, "umbrella", idp=None, parameters={"infra_resources": str(count), "infra_delay": "3"}
    )

    with worker_process(env, tmp_path / "worker1.log") as first:
        await client.provision(request)
        await _infra_started(first, resources, tmp_path / "worker1.log")
        kill_group_and_wait(first.pid)  # the worker and its Pulumi CLI
        first.wait(30)
        # The plugins run in process groups of their own: they survive the kill.
        kill_processes_under(tmp_path / "state")
    made_before_kill = {e["path"] for e in read_journal(resources) if e["op"] == "create"}
    assert len(made_before_kill) < count + 1

    with worker_process(env, tmp_path / "worker2.log"):
        result = await asyncio.wait_for(client.result("provision", tid), 240)

    assert isinstance(result, ProvisionTenantResult) and result.success, (
        result,
        (tmp_path / "worker2.log").read_text()[-3000:],
    )
    # Exactly the desired resources exist: none leaked, none made twice.
    expected = [f"umbrella/infra/{i}.json" for i in range(count)] + ["umbrella/app/0.json"]
    assert files_under(resources, "umbrella") == sorted(expected)
    engine = PulumiRunner(settings, build_local_catalog(resources))
    assert len(engine.outputs("umbrella", Component.INFRA)["resources"]) == count
    with TenantRegistry(env["TENANT_REGISTRY__DATABASE_URL"]) as registry:
        assert registry.get(tid).status is TenantStatus.ACTIVE
        assert len(registry.resources(tid)) == count + 1
    log = (tmp_path / "worker2.log").read_text()
    assert "clearing stale lock" in log or "interrupted operation" in log


async def test_sigterm_lets_the_running_pulumi_activity_finish_then_exits(
    tmp_path: Path, temporal_env: WorkflowEnvironment
) -> None:
    address = temporal_env.client.service_client.config.target_host
    queue = f"term-{uuid.uuid4().hex[:8]}"
    env = _worker_env(tmp_path, address, queue)
    settings = make_settings(tmp_path / "state")
    settings.temporal.task_queue = queue
    fast_policies(settings)
    client = TenantClient(temporal_env.client, settings)
    resources = tmp_path / "state" / "local-resources"
    tid = f"t-{uuid.uuid4().hex[:8]}"
    request = provision_input(
        tid, "stark", idp=None, parameters={"infra_resources": "3", "infra_delay": "3"}
    )

    with worker_process(env, tmp_path / "worker1.log") as first:
        await client.provision(request)
        await _infra_started(first, resources, tmp_path / "worker1.log")
        first.send_signal(signal.SIGTERM)
        assert first.wait(60) == 0, (tmp_path / "worker1.log").read_text()[-3000:]
    # The in-flight `up` finished inside the grace period: its resources are complete
    # and the stack is not locked (no recovery needed by the next worker).
    assert files_under(resources, "stark") == [f"stark/infra/{i}.json" for i in range(3)]

    with worker_process(env, tmp_path / "worker2.log"):
        result = await asyncio.wait_for(client.result("provision", tid), 120)

    assert isinstance(result, ProvisionTenantResult) and result.success, result
    assert "clearing stale lock" not in (tmp_path / "worker2.log").read_text()
    creates = [e["path"] for e in read_journal(resources) if e["op"] == "create"]
    assert len(creates) == len(set(creates)) == 4
