"""Health as documented (README, "Operating"): liveness never follows Temporal, readiness
does; the same in the worker (a real process, JSON logs) and the API, while a Temporal dev
server is stopped and started again on the same port."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from temporalio.testing import WorkflowEnvironment

from engine.api import ApiServer, TenantOperations
from tests.api.harness import engine_settings
from tests.conftest import PASSPHRASE
from tests.support.ports import free_port
from tests.support.processes import kill_group_and_wait
from tests.support.temporal import dev_server

REPO = Path(__file__).resolve().parents[2]
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
LIVE = ("", "liveness")
READY = ("readiness",)


async def _status(address: str, service: str) -> int | None:
    """The service's status, None when the server does not answer."""
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=3
            )
            return int(reply.status)
    except grpc.aio.AioRpcError:
        return None


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``python -m engine.worker --log-format json``, output to ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "engine.worker", "--log-format", "json"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


class Probes:
    """Both services' probes; every look also checks that liveness held."""

    def __init__(self, worker: str, api: str, alive: Callable[[], None]) -> None:
        self.addresses = {"worker": worker, "api": api}
        self._alive = alive

    async def look(self) -> dict[str, int | None]:
        self._alive()
        statuses: dict[str, int | None] = {}
        for who, address in self.addresses.items():
            for name in (*LIVE, *READY):
                statuses[f"{who}:{name}"] = await _status(address, name)
        for key, status in statuses.items():
            if key.rsplit(":", 1)[1] in LIVE:
                assert status == SERVING, f"{key} is {status}: liveness must not follow Temporal"
        return statuses

    async def until_ready(self, ready: bool, within: float) -> None:
        want = SERVING if ready else NOT_SERVING
        deadline = time.monotonic() + within
        while True:
            statuses = await self.look()
            if all(statuses[f"{who}:readiness"] == want for who in self.addresses):
                return
            assert time.monotonic() < deadline, f"readiness never {want}: {statuses}"
            await asyncio.sleep(0.2)


async def test_liveness_holds_and_readiness_follows_temporal(tmp_path: Path) -> None:
    temporal = f"127.0.0.1:{free_port()}"
    health_port = free_port()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "TENANT_TEMPORAL__ADDRESS": temporal,
        "TENANT_TEMPORAL__TASK_QUEUE": "health",
        "TENANT_PULUMI__STATE_DIR": str(tmp_path / "state"),
        "TENANT_PULUMI__PASSPHRASE": PASSPHRASE,
        "TENANT_PULUMI__CATALOG": "stacks.local:local_catalog",
        "TENANT_REGISTRY__DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}",
        "TENANT_WORKER__HEALTH_LISTEN": f"127.0.0.1:{health_port}",
        "TENANT_WORKER__GRACEFUL_SHUTDOWN": "5",
    }
    settings = engine_settings(temporal, tmp_path / "api")
    api = ApiServer(
        settings,
        operations=TenantOperations(settings),
        health_interval=timedelta(milliseconds=300),
    )
    worker = _start_worker(env, log)

    def alive() -> None:
        assert worker.poll() is None, log.read_text()[-3000:]

    await api.start()
    probes = Probes(f"127.0.0.1:{health_port}", api.address, alive)
    try:
        # Temporal not started yet: both live (no restart), neither ready.
        deadline = time.monotonic() + 60
        while await _status(f"127.0.0.1:{health_port}", "") != SERVING:
            alive()
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            await asyncio.sleep(0.2)
        await probes.until_ready(False, within=10)

        async with dev_server(int(temporal.rsplit(":", 1)[1])):
            await probes.until_ready(True, within=60)
        # Stopped: not ready, still live (checked at every look for the next seconds).
        await probes.until_ready(False, within=30)
        for _ in range(5):
            await probes.look()
            await asyncio.sleep(0.4)

        async with dev_server(int(temporal.rsplit(":", 1)[1])):
            await probes.until_ready(True, within=60)

            # A stop signal: the API turns not ready at once and stays live until it stops.
            await api.not_ready()
            assert await _status(api.address, "readiness") == NOT_SERVING
            assert await _status(api.address, "liveness") == SERVING
            worker.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(worker.wait, 60) == 0, log.read_text()[-3000:]
    finally:
        await api.stop(grace=1)
        if worker.poll() is None:
            kill_group_and_wait(worker.pid)

    # --log-format json: every line the worker wrote is one JSON object; no secret in them.
    lines = log.read_text().splitlines()
    assert lines
    entries = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    messages = [e["message"] for e in entries]
    assert any("not ready" in m for m in messages), messages
    assert PASSPHRASE not in log.read_text()


async def test_api_is_not_ready_without_its_registry(
    temporal_env: WorkflowEnvironment, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="engine.serving")
    address = temporal_env.client.service_client.config.target_host
    settings = engine_settings(address, tmp_path)
    settings.registry.database_url = (
        f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/tenants?connect_timeout=2"
    )
    api = ApiServer(settings, health_interval=timedelta(milliseconds=300))
    await api.start()
    try:
        deadline = time.monotonic() + 20
        while "not ready: registry failing" not in caplog.text:
            assert time.monotonic() < deadline, caplog.text
            await asyncio.sleep(0.2)
        assert await _status(api.address, "liveness") == SERVING
        assert await _status(api.address, "") == SERVING
        assert await _status(api.address, "readiness") == NOT_SERVING
    finally:
        await api.stop(grace=1)
