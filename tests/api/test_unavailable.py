"""Temporal unreachable: UNAVAILABLE (retry later), never INTERNAL; readiness NOT_SERVING."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from temporalio.testing import WorkflowEnvironment

from engine.api import SERVICE_NAME
from engine.api._gen import tenant_engine_pb2 as pb
from tests.api.harness import RunningEngine, provision_request, running_engine, stub_for


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def cut_off(
    temporal_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningEngine]:
    async with running_engine(
        temporal_env,
        tmp_path_factory.mktemp("cutoff"),
        worker=False,
        temporal=f"127.0.0.1:{_closed_port()}",
    ) as running:
        yield running


CALLS = [
    ("ProvisionTenant", provision_request("down")),
    ("PreviewTenant", provision_request("down")),
    ("GetTenantStatus", pb.TenantStatusRequest(tenant_id="t-down")),
    ("WatchTenantStatus", pb.TenantStatusRequest(tenant_id="t-down")),
    ("CancelProvisioning", pb.CancelProvisioningRequest(tenant_id="t-down")),
]


@pytest.mark.parametrize(("rpc", "request_"), CALLS)
async def test_temporal_down_is_unavailable(cut_off: RunningEngine, rpc: str, request_: Any):
    async with stub_for(cut_off) as stub:
        call = getattr(stub, rpc)(request_, metadata=cut_off.auth, timeout=30)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            if hasattr(call, "__aiter__"):
                async for _ in call:
                    pass
            else:
                await call
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "Temporal" in (caught.value.details() or "")


async def test_bad_input_is_still_invalid_argument(cut_off: RunningEngine):
    async with stub_for(cut_off) as stub:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.ProvisionTenant(provision_request("X"), metadata=cut_off.auth)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_registry_calls_still_work_and_readiness_says_not_serving(cut_off: RunningEngine):
    async with stub_for(cut_off) as stub:
        page = await stub.ListTenants(pb.ListTenantsRequest(), metadata=cut_off.auth)
        assert list(page.tenants) == []
    async with grpc.aio.insecure_channel(cut_off.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        live = await health.Check(health_pb2.HealthCheckRequest(service=""))
        ready = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME))
    assert live.status == health_pb2.HealthCheckResponse.SERVING
    assert ready.status == health_pb2.HealthCheckResponse.NOT_SERVING
