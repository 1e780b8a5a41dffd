"""Engine fixtures: the real Pulumi CLI and a file backend in a temp dir, local programs."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.settings import Settings
from engine.pulumi._catalog import ProgramCatalog
from engine.pulumi._runner import PulumiRunner
from stacks.local import build_local_catalog
from tests.support.postgres import PostgresServer


@pytest.fixture
def resources_root(tmp_path: Path) -> Path:
    return tmp_path / "resources"


@pytest.fixture
def catalog(resources_root: Path) -> ProgramCatalog:
    return build_local_catalog(resources_root)


@pytest.fixture
def engine(settings: Settings, catalog: ProgramCatalog) -> PulumiRunner:
    return PulumiRunner(settings, catalog, stack_wait=60)


def files_under(root: Path, tenant_key: str | None = None) -> list[str]:
    """Resource files that exist (what a leak or a double create would show)."""
    base = root / tenant_key if tenant_key else root
    if not base.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in base.rglob("*.json"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty registry database: a SQLite file, then a schema in the run's shared
    PostgreSQL cluster (root conftest's ``postgres``)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'registry.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_schema()
