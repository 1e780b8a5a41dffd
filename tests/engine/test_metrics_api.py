"""The API's /metrics: its calls by method and code, and its Temporal client's own metrics,
on one listener (``api.metrics_listen``)."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import grpc
import pytest
from temporalio.testing import WorkflowEnvironment

from engine.api._gen import tenant_engine_pb2 as pb
from tests.api.harness import running_engine, stub_for
from tests.e2e.test_metrics_and_traces import parse, value
from tests.support.ports import free_port


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return str(response.read().decode())


async def test_api_metrics_count_calls_by_method_and_code(
    temporal_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    port = free_port()
    async with running_engine(
        temporal_env, tmp_path, worker=False, metrics_listen=f"127.0.0.1:{port}"
    ) as engine:
        async with stub_for(engine) as stub:
            await stub.ListTenants(pb.ListTenantsRequest(), metadata=engine.auth)
            await stub.ListTenants(pb.ListTenantsRequest(), metadata=engine.auth)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.ListTenants(pb.ListTenantsRequest())  # no token
            with pytest.raises(grpc.aio.AioRpcError) as unknown:
                await stub.GetTenantStatus(
                    pb.TenantStatusRequest(tenant_id="t-nobody"), metadata=engine.auth
                )
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
        samples = parse(await asyncio.to_thread(_scrape, port))

    requests = "tenant_engine_api_requests_total"
    method = "tenant.engine.v1.TenantService/ListTenants"
    assert value(samples, requests, method=method, code="OK") == 2
    assert value(samples, requests, method=method, code="UNAUTHENTICATED") == 1
    status = "tenant.engine.v1.TenantService/GetTenantStatus"
    assert value(samples, requests, method=status, code="NOT_FOUND") == 1
    assert value(samples, "tenant_engine_api_request_duration_seconds_count", method=method) == 3
    # The API's Temporal client reports through the same runtime (readiness checks and the
    # status lookup are its calls).
    assert value(samples, "temporal_request_total") > 0
