"""Authentication (bearer token, mTLS), health and reflection, as grpcurl and probes see them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from engine.api import SERVICE_NAME
from engine.api._gen import tenant_engine_pb2 as pb
from engine.api._gen import tenant_engine_pb2_grpc as pb_grpc
from tests.api.certs import Pki, make_pki
from tests.api.harness import RunningEngine, provision_request, running_engine

SERVING = health_pb2.HealthCheckResponse.SERVING


async def _code(call: Any) -> grpc.StatusCode:
    try:
        if hasattr(call, "__aiter__"):
            async for _ in call:
                pass
        else:
            await call
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


async def _health(channel: grpc.aio.Channel, service: str, *, wait: float = 60.0) -> int:
    """The service's health, polled until SERVING or ``wait`` seconds have passed.

    SERVING follows the engine's own checks (Temporal, the registry), which take longer on
    a busy machine: the deadline is generous, and costs nothing when the engine is ready.
    """
    stub = health_pb2_grpc.HealthStub(channel)
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        response = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        if response.status == SERVING or asyncio.get_running_loop().time() > deadline:
            return int(response.status)
        await asyncio.sleep(0.2)


BAD_CREDENTIALS = {
    "none": (),
    "wrong token": (("authorization", "Bearer wrong"),),
    "no scheme": (("authorization", "{token}"),),
    "basic scheme": (("authorization", "Basic {token}"),),
    "token prefix": (("authorization", "Bearer {short}"),),
}


@pytest.mark.parametrize("case", list(BAD_CREDENTIALS))
async def test_calls_without_valid_credentials_are_rejected(engine: RunningEngine, case: str):
    metadata = tuple(
        (k, v.format(token=engine.token, short=engine.token[:-1])) for k, v in BAD_CREDENTIALS[case]
    )
    async with grpc.aio.insecure_channel(engine.address) as channel:
        stub = pb_grpc.TenantServiceStub(channel)  # type: ignore[no-untyped-call]
        unary = stub.ListTenants(pb.ListTenantsRequest(), metadata=metadata)
        stream = stub.WatchTenantStatus(pb.TenantStatusRequest(tenant_id="t-x"), metadata=metadata)
        valid = stub.ProvisionTenant(provision_request("authless"), metadata=metadata)
        assert await _code(unary) == grpc.StatusCode.UNAUTHENTICATED
        assert await _code(stream) == grpc.StatusCode.UNAUTHENTICATED
        assert await _code(valid) == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(RPCError) as caught:  # the valid request started nothing
        await engine.temporal.get_workflow_handle("provision-tenant-t-authless").describe()
    assert caught.value.status == RPCStatusCode.NOT_FOUND


async def test_the_token_is_accepted_with_any_scheme_case(engine: RunningEngine):
    async with grpc.aio.insecure_channel(engine.address) as channel:
        stub = pb_grpc.TenantServiceStub(channel)  # type: ignore[no-untyped-call]
        metadata = (("authorization", f"bearer {engine.token}"),)
        assert await _code(stub.ListTenants(pb.ListTenantsRequest(), metadata=metadata)) == (
            grpc.StatusCode.OK
        )


async def test_health_needs_no_token_and_reports_serving(engine: RunningEngine):
    async with grpc.aio.insecure_channel(engine.address) as channel:
        assert await _health(channel, "") == SERVING
        assert await _health(channel, SERVICE_NAME) == SERVING


async def _reflect(channel: grpc.aio.Channel, metadata: Any, **request: Any) -> Any:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(**request)]), metadata=metadata, timeout=5
    )
    async for response in call:
        return response
    raise AssertionError("no reflection response")


async def test_reflection_lists_and_describes_the_service(engine: RunningEngine):
    async with grpc.aio.insecure_channel(engine.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _reflect(channel, (), list_services="")
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED

        listed = await _reflect(channel, engine.auth, list_services="")
        names = {s.name for s in listed.list_services_response.service}
        assert {SERVICE_NAME, "grpc.health.v1.Health"} <= names
        assert SERVICE_NAME == "tenant.engine.v1.TenantService"

        # What `grpcurl describe tenant.engine.v1.TenantService` fetches.
        described = await _reflect(channel, engine.auth, file_containing_symbol=SERVICE_NAME)
        files = described.file_descriptor_response.file_descriptor_proto
        assert any(b"WatchTenantStatus" in f for f in files)


# -- mTLS ----------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def mtls_engine(
    temporal_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory, pki: Pki
) -> AsyncIterator[RunningEngine]:
    async with running_engine(
        temporal_env,
        tmp_path_factory.mktemp("mtls"),
        worker=False,
        tls_cert=pki.server_cert,
        tls_key=pki.server_key,
        tls_client_ca=pki.ca,
    ) as running:
        yield running


def _credentials(pki: Pki, cert: Path | None, key: Path | None) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=pki.ca.read_bytes(),
        private_key=key.read_bytes() if key else None,
        certificate_chain=cert.read_bytes() if cert else None,
    )


async def test_mtls_with_token_is_accepted(mtls_engine: RunningEngine, pki: Pki):
    credentials = _credentials(pki, pki.client_cert, pki.client_key)
    async with grpc.aio.secure_channel(mtls_engine.address, credentials) as channel:
        stub = pb_grpc.TenantServiceStub(channel)  # type: ignore[no-untyped-call]
        call = stub.ListTenants(pb.ListTenantsRequest(), metadata=mtls_engine.auth, timeout=5)
        assert await _code(call) == grpc.StatusCode.OK
        call = stub.ListTenants(pb.ListTenantsRequest(), timeout=5)
        assert await _code(call) == grpc.StatusCode.UNAUTHENTICATED
        assert await _health(channel, "") == SERVING


@pytest.mark.parametrize("client", ["no certificate", "certificate from another CA", "plaintext"])
async def test_mtls_refuses_clients_without_a_trusted_certificate(
    mtls_engine: RunningEngine, pki: Pki, client: str
):
    if client == "plaintext":
        channel = grpc.aio.insecure_channel(mtls_engine.address)
    else:
        cert, key = (
            (None, None)
            if client == "no certificate"
            else (pki.other_client_cert, pki.other_client_key)
        )
        channel = grpc.aio.secure_channel(mtls_engine.address, _credentials(pki, cert, key))
    async with channel:
        stub = pb_grpc.TenantServiceStub(channel)  # type: ignore[no-untyped-call]
        call = stub.ListTenants(pb.ListTenantsRequest(), metadata=mtls_engine.auth, timeout=5)
        assert await _code(call) == grpc.StatusCode.UNAVAILABLE
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=5
        )
        assert await _code(health) == grpc.StatusCode.UNAVAILABLE
