"""Shared fixtures: settings on a private state directory, the real Pulumi CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from engine.core.models import Contact, IdpConfig, IdpProvider, TenantSpec, Tier
from engine.core.settings import PulumiSettings, Settings
from tests.support.moto import running_moto
from tests.support.postgres import PostgresServer, postgres_or_fail
from tests.support.temporal import dev_server

PASSPHRASE = "test-passphrase-not-secret"


def make_settings(state_dir: Path, **pulumi: object) -> Settings:
    """Settings that touch nothing outside ``state_dir`` (no environment, no .env)."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        pulumi=PulumiSettings(state_dir=state_dir, passphrase=PASSPHRASE, **pulumi),  # type: ignore[arg-type]
    )


def make_spec(key: str = "acme", tier: Tier = Tier.SILO, **kw: object) -> TenantSpec:
    base: dict[str, object] = {
        "tenant_id": f"id-{key}",
        "tenant_key": key,
        "tenant_name": key.title(),
        "tier": tier,
        "domains": (f"{key}.example.com",),
        "contacts": (Contact(email=f"admin@{key}.example.com", first_name="Ada"),),
        "idp": IdpConfig(provider=IdpProvider.KEYCLOAK),
    }
    base.update(kw)
    return TenantSpec.model_validate(base)


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """One real Temporal dev server for the whole run (started on first use)."""
    async with dev_server() as env:
        yield env


@pytest.fixture(scope="session")
def moto() -> Iterator[str]:
    """One moto server (S3, KMS, SES, ...) on 127.0.0.1 for the whole run.

    Tests share it and isolate themselves by unique names (buckets, addresses)."""
    with running_moto() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One private PostgreSQL cluster for the whole run (fails, never skips, if missing)."""
    with postgres_or_fail() as server:
        yield server


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


@pytest.fixture
def settings(state_dir: Path) -> Settings:
    return make_settings(state_dir)


@pytest.fixture(autouse=True)
def _no_ambient_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The suite must not depend on a developer's TENANT_* variables or Pulumi login.
    import os

    for name in list(os.environ):
        if name.startswith(("TENANT_", "PULUMI_")):
            monkeypatch.delenv(name, raising=False)
    yield
