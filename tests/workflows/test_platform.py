"""PlatformStackWorkflow: the shared platform stack's operations, one at a time."""

from __future__ import annotations

import asyncio

import pytest

from engine.core.contracts import PlatformOperation
from engine.core.errors import AlreadyRunningError

from .conftest import Harness


@pytest.mark.parametrize("operation", list(PlatformOperation))
async def test_each_operation_runs_its_activity(harness: Harness, operation: str) -> None:
    h = harness
    result = await h.client.platform(PlatformOperation(operation))

    assert result.success and result.operation == operation
    assert h.fakes.calls == [f"platform_{operation}"]
    [sent] = h.fakes.payloads(f"platform_{operation}")
    assert not sent.only_if_missing  # an operator's up applies the program as it is


async def test_a_failure_is_reported_in_the_result(harness: Harness) -> None:
    h = harness
    h.fakes.fail("platform_up", type="ProviderError", message="no credentials")
    result = await h.client.platform(PlatformOperation.UP)

    assert not result.success
    assert (result.error, result.error_type) == ("no credentials", "ProviderError")


async def test_a_second_operation_is_refused_while_one_runs(harness: Harness) -> None:
    h = harness
    gate = h.fakes.block("platform_up")
    first = asyncio.create_task(h.client.platform(PlatformOperation.UP))
    await gate.wait_started()

    with pytest.raises(AlreadyRunningError, match="platform-shared"):
        await h.client.platform(PlatformOperation.PREVIEW)

    gate.release()
    assert (await first).success
    assert h.fakes.count("platform_preview") == 0
