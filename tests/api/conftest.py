"""One running engine (worker + API) per test module, over the session's dev server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from tests.api.harness import RunningEngine, running_engine, stub_for


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def engine(
    temporal_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningEngine]:
    async with running_engine(temporal_env, tmp_path_factory.mktemp("engine")) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stub(engine: RunningEngine) -> AsyncIterator[Any]:
    async with stub_for(engine) as tenant_stub:
        yield tenant_stub
