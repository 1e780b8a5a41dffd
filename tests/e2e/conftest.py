"""End-to-end fixtures: a real worker (real engine, local programs, SQLite registry, SES on
moto) on the session's Temporal dev server, driven through TenantClient as a service would."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import boto3
import pytest
from temporalio.testing import WorkflowEnvironment

from engine.core.contracts import ProvisionTenantInput
from engine.core.settings import AwsSettings, NotificationSettings, Settings
from engine.pulumi._runner import PulumiRunner
from engine.registry import TenantRegistry
from engine.temporal._client import TenantClient
from engine.worker._worker import run_worker
from stacks.local import build_local_catalog, with_real_idp
from tests.conftest import make_settings
from tests.support.moto import FAKE_CREDENTIALS, ses_sent_messages
from tests.support.postgres import PostgresServer


@pytest.fixture(scope="session")
def ses_endpoint(moto: str) -> str:
    """SES is the run's shared moto server (root conftest)."""
    return moto


@dataclass
class Stack:
    """Everything a test needs to drive and inspect one running worker."""

    settings: Settings
    client: TenantClient
    registry: TenantRegistry
    engine: PulumiRunner
    resources: Path
    sender: str

    async def notices_sent(self, kind: str, tenant_id: str) -> int:
        """Wait until every notification the operation's latest run handed to its
        notifyTenantWorkflow children is done (they outlive the run); returns how many."""
        history = await self.client.handle(kind, tenant_id).fetch_history()
        children = [
            e.child_workflow_execution_started_event_attributes.workflow_execution.workflow_id
            for e in history.events
            if e.HasField("child_workflow_execution_started_event_attributes")
        ]
        for child in children:
            await self.client.client.get_workflow_handle(child).result()
        return len(children)


def emails_to(endpoint: str, address: str) -> list[dict[str, object]]:
    """The messages the SES endpoint (moto) accepted for one recipient."""
    return [m for m in ses_sent_messages(endpoint) if address in json.dumps(m["destinations"])]


def fast_policies(settings: Settings) -> None:
    """Short retry intervals so failure tests do not wait for the seed's back-off."""
    for policy in (
        settings.worker.idp,
        settings.worker.infra,
        settings.worker.deploy,
        settings.worker.status,
        settings.worker.notification,
    ):
        policy.initial_interval = timedelta(milliseconds=200)
        policy.maximum_attempts = 2


@pytest.fixture
async def stack(
    tmp_path: Path, temporal_env: WorkflowEnvironment, ses_endpoint: str
) -> AsyncIterator[Stack]:
    """The worker with a SQLite registry (the default)."""
    async with running_stack(
        tmp_path, temporal_env, ses_endpoint, f"sqlite:///{tmp_path / 'registry.db'}"
    ) as running:
        yield running


@pytest.fixture
async def pg_stack(
    tmp_path: Path,
    temporal_env: WorkflowEnvironment,
    ses_endpoint: str,
    postgres: PostgresServer,
) -> AsyncIterator[Stack]:
    """The worker with its registry in a real PostgreSQL (a private cluster for the run)."""
    async with running_stack(
        tmp_path, temporal_env, ses_endpoint, postgres.create_database()
    ) as running:
        yield running


@asynccontextmanager
async def running_stack(
    tmp_path: Path,
    temporal_env: WorkflowEnvironment,
    ses_endpoint: str,
    database_url: str,
    configure: Callable[[Settings], None] | None = None,
    real_idp: bool = False,
) -> AsyncIterator[Stack]:
    """A worker on the local catalog (``real_idp``: with the real IdP programs)."""
    sender = f"noreply-{uuid.uuid4().hex[:8]}@example.com"
    boto3.client(
        "ses", endpoint_url=ses_endpoint, region_name="us-east-1", **FAKE_CREDENTIALS
    ).verify_email_identity(EmailAddress=sender)

    settings = make_settings(tmp_path / "state")
    settings.temporal.address = temporal_env.client.service_client.config.target_host
    settings.temporal.task_queue = f"e2e-{uuid.uuid4().hex[:8]}"
    settings.registry.database_url = database_url
    settings.worker.health_listen = ""
    settings.notifications = NotificationSettings(backend="ses", from_email=sender)
    settings.aws = AwsSettings(
        endpoint_url=ses_endpoint,
        access_key_id=FAKE_CREDENTIALS["aws_access_key_id"],
        secret_access_key=FAKE_CREDENTIALS["aws_secret_access_key"],  # type: ignore[arg-type]
    )
    fast_policies(settings)
    if configure is not None:
        configure(settings)
    resources = tmp_path / "resources"
    catalog = build_local_catalog(resources)
    if real_idp:
        catalog = with_real_idp(catalog, settings)

    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run_worker(settings, stop=stop, catalog=catalog, ready=ready))
    await asyncio.wait({task, asyncio.ensure_future(ready.wait())}, return_when="FIRST_COMPLETED")
    if task.done():
        task.result()
    registry = TenantRegistry(settings.registry.database_url)
    try:
        yield Stack(
            settings=settings,
            client=TenantClient(temporal_env.client, settings),
            registry=registry,
            engine=PulumiRunner(settings, catalog),
            resources=resources,
            sender=sender,
        )
    finally:
        registry.close()
        stop.set()
        await asyncio.wait_for(task, 60)


def provision_input(tenant_id: str, key: str, **kw: object) -> ProvisionTenantInput:
    base: dict[str, object] = {
        "tenant_id": tenant_id,
        "tenant_key": key,
        "tenant_name": key.title(),
        "domains": [f"{key}.example.com"],
        "contacts": [{"email": f"admin-{uuid.uuid4().hex[:6]}@{key}.example.com"}],
        "subscription": {
            "id": f"sub-{tenant_id}",
            "plan_id": "plan-standard",
            "tier": "silo",
            "start_date": date(2026, 1, 1),
            "end_date": date(2027, 1, 1),
        },
        "idp": {"provider": "keycloak"},
    }
    base.update(kw)
    return ProvisionTenantInput.model_validate(base)
