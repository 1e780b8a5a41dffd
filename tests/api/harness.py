"""A running engine for API and CLI tests: worker + gRPC API over the session dev server.

The worker runs in-process with the local catalog (tenant components as files, through
the real Pulumi CLI); the API server is the real one, on a free port, with a token.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import grpc
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from engine.api import ApiServer, TenantOperations
from engine.api._gen import tenant_engine_pb2 as pb
from engine.api._gen import tenant_engine_pb2_grpc as pb_grpc
from engine.core.settings import ApiSettings, RegistrySettings, Settings, TemporalSettings
from engine.pulumi import ProgramCatalog
from engine.worker._worker import run_worker
from stacks.local import build_local_catalog
from tests.conftest import make_settings

TOKEN = "test-token-not-secret"


@dataclass
class RunningEngine:
    settings: Settings
    server: ApiServer
    temporal: Client
    root: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    @property
    def token(self) -> str:
        token = self.settings.api.token
        return token.get_secret_value() if token else ""

    @property
    def auth(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),)

    def env(self) -> dict[str, str]:
        """TENANT_* variables for a process that should use this engine (``--direct``)."""
        return {
            "TENANT_TEMPORAL__ADDRESS": self.settings.temporal.address,
            "TENANT_TEMPORAL__TASK_QUEUE": self.settings.temporal.task_queue,
            "TENANT_REGISTRY__DATABASE_URL": self.settings.registry.database_url,
            "TENANT_PULUMI__STATE_DIR": str(self.settings.pulumi.state_dir),
            "TENANT_PULUMI__PASSPHRASE": self.settings.pulumi.passphrase.get_secret_value()
            if self.settings.pulumi.passphrase
            else "",
        }


def engine_settings(
    temporal_address: str,
    root: Path,
    *,
    task_queue: str | None = None,
    token: str | None = TOKEN,
    **api: Any,
) -> Settings:
    base = make_settings(root / "state")
    return base.model_copy(
        update={
            "temporal": TemporalSettings(
                address=temporal_address, task_queue=task_queue or f"api-{uuid.uuid4().hex[:8]}"
            ),
            "registry": RegistrySettings(database_url=f"sqlite:///{root / 'registry.db'}"),
            "worker": base.worker.model_copy(
                update={"health_listen": "", "graceful_shutdown": timedelta(seconds=2)}
            ),
            "api": ApiSettings(
                listen="127.0.0.1:0", token=SecretStr(token) if token else None, **api
            ),
        }
    )


def temporal_address(env: WorkflowEnvironment) -> str:
    return str(env.client.service_client.config.target_host)


@asynccontextmanager
async def running_engine(
    env: WorkflowEnvironment,
    root: Path,
    *,
    worker: bool = True,
    temporal: str | None = None,
    query_timeout: timedelta = timedelta(seconds=10),
    catalog: Callable[[Path], ProgramCatalog] = build_local_catalog,
    **settings: Any,
) -> AsyncIterator[RunningEngine]:
    """Worker (unless ``worker=False``) and API server; both stopped on exit.

    ``temporal`` points the API somewhere else than the session's dev server; ``catalog``
    makes the worker's programs over ``root / "resources"``.
    """
    config = engine_settings(temporal or temporal_address(env), root, **settings)
    stop = asyncio.Event()
    worker_task: asyncio.Task[None] | None = None
    if worker:
        ready = asyncio.Event()
        worker_task = asyncio.create_task(
            run_worker(config, stop=stop, catalog=catalog(root / "resources"), ready=ready)
        )
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait([worker_task, waiter], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if worker_task.done():
            worker_task.result()  # raises what made the worker fail
    operations = TenantOperations(
        config, watch_interval=timedelta(milliseconds=200), query_timeout=query_timeout
    )
    server = ApiServer(config, operations=operations, health_interval=timedelta(milliseconds=300))
    await server.start()
    try:
        yield RunningEngine(config, server, env.client, root)
    finally:
        await server.stop(grace=1)
        stop.set()
        if worker_task is not None:
            await worker_task


@asynccontextmanager
async def stub_for(engine: RunningEngine) -> AsyncIterator[Any]:
    async with grpc.aio.insecure_channel(engine.address) as channel:
        yield pb_grpc.TenantServiceStub(channel)  # type: ignore[no-untyped-call]


def provision_request(key: str, **changes: Any) -> pb.ProvisionTenantRequest:
    """A valid request for tenant ``key`` (id ``t-<key>``); ``changes`` replace fields."""
    today = date.today()
    fields: dict[str, Any] = {
        "tenant_id": f"t-{key}",
        "tenant_key": key,
        "tenant_name": key.title(),
        "domains": [f"{key}.example.com"],
        "contacts": [pb.Contact(email=f"admin@{key}.example.com", first_name="Ada")],
        "subscription": pb.Subscription(
            id=f"sub-{key}",
            plan_id="standard",
            tier="silo",
            start_date=today.isoformat(),
            end_date=(today + timedelta(days=365)).isoformat(),
        ),
    }
    fields.update(changes)
    return pb.ProvisionTenantRequest(**{k: v for k, v in fields.items() if v is not None})


async def watch_to_end(
    stub: Any, engine: RunningEngine, tenant_id: str, kind: str = ""
) -> list[pb.TenantStatus]:
    request = pb.TenantStatusRequest(tenant_id=tenant_id, kind=kind)
    return [m async for m in stub.WatchTenantStatus(request, metadata=engine.auth, timeout=240)]
