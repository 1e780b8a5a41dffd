"""Every RPC against a real worker, real Pulumi runs (local programs) and the registry."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]

from engine.api._gen import tenant_engine_pb2 as pb
from engine.core.models import Tier
from engine.registry import TenantRegistry
from tests.api.harness import RunningEngine, provision_request, watch_to_end
from tests.conftest import make_spec


def _details(error: grpc.aio.AioRpcError) -> list[Any]:
    raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    status = status_pb2.Status.FromString(raw) if raw else status_pb2.Status()
    found = []
    for packed in status.details:
        for kind in (error_details_pb2.ErrorInfo, error_details_pb2.ResourceInfo):
            if packed.Is(kind.DESCRIPTOR):
                message = kind()
                packed.Unpack(message)
                found.append(message)
    return found


def _dedupe(items: list[str]) -> list[str]:
    return [item for i, item in enumerate(items) if i == 0 or items[i - 1] != item]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def provisioned(engine: RunningEngine, stub: Any) -> list[pb.TenantStatus]:
    """Tenant t-apione provisioned once (idp, infra, app); its watched updates."""
    request = provision_request(
        "apione", idp=pb.Idp(provider="keycloak"), parameters={"infra_delay": "3"}
    )
    started = await stub.ProvisionTenant(request, metadata=engine.auth)
    assert started.workflow_id == "provision-tenant-t-apione"
    assert started.run_id
    return await watch_to_end(stub, engine, "t-apione")


async def test_watch_streams_increasing_progress_and_ends(provisioned: list[pb.TenantStatus]):
    percents = [u.percent for u in provisioned]
    assert percents == sorted(percents)
    assert len(set(percents)) >= 4
    assert [u.done for u in provisioned] == [False] * (len(provisioned) - 1) + [True]
    last = provisioned[-1]
    assert (last.step, last.percent, last.tenant_status) == ("completed", 100, "ACTIVE")
    assert last.outcome.success
    assert last.outcome.app_url == "http://apione.localhost/"
    assert last.outcome.resource_count == 5  # idp 1, infra 3, app 1
    components = _dedupe([u.component for u in provisioned if u.component])
    # The IdP stack runs beside infra, in infra's step (the details say so).
    assert components == ["infra", "app"]
    assert any("at once" in u.details for u in provisioned if u.component == "infra")
    # Live Pulumi progress from the activity heartbeat: the infra stack, counting up.
    infra = [u.pulumi for u in provisioned if u.HasField("pulumi") and u.component == "infra"]
    assert infra, "no Pulumi progress was streamed for the infra stack"
    assert all(p.stack == "apione-infra" and p.operation == "up" for p in infra)
    assert [p.done for p in infra] == sorted(p.done for p in infra)
    assert max(p.planned for p in infra) == 3


async def test_get_status_of_a_finished_workflow(
    engine: RunningEngine, stub: Any, provisioned: list[pb.TenantStatus]
):
    status = await stub.GetTenantStatus(
        pb.TenantStatusRequest(tenant_id="t-apione"), metadata=engine.auth
    )
    assert status.workflow_id == "provision-tenant-t-apione"
    assert (status.kind, status.done, status.outcome.success) == ("provision", True, True)
    assert not status.HasField("pulumi")


async def test_list_tenants_filters_and_pages(
    engine: RunningEngine, stub: Any, provisioned: list[pb.TenantStatus]
):
    with TenantRegistry(engine.settings.registry.database_url) as registry:
        for key, tier in (("lista", Tier.POOLED), ("listb", Tier.BRIDGE), ("listc", Tier.POOLED)):
            registry.upsert_tenant(make_spec(key, tier))
    everyone = await stub.ListTenants(pb.ListTenantsRequest(), metadata=engine.auth)
    ids = [t.tenant_id for t in everyone.tenants]
    assert {"t-apione", "id-lista", "id-listb", "id-listc"} <= set(ids)
    assert ids == sorted(ids)
    assert not everyone.next_page_token

    active = await stub.ListTenants(pb.ListTenantsRequest(status="ACTIVE"), metadata=engine.auth)
    assert [(t.tenant_id, t.tier, t.status) for t in active.tenants] == [
        ("t-apione", "silo", "ACTIVE")
    ]
    assert active.tenants[0].created_at.seconds > 0
    pooled = await stub.ListTenants(pb.ListTenantsRequest(tier="pooled"), metadata=engine.auth)
    assert [t.tenant_id for t in pooled.tenants] == ["id-lista", "id-listc"]

    paged: list[str] = []
    token = ""
    while True:
        page = await stub.ListTenants(
            pb.ListTenantsRequest(page_size=2, page_token=token), metadata=engine.auth
        )
        assert len(page.tenants) <= 2
        paged += [t.tenant_id for t in page.tenants]
        token = page.next_page_token
        if not token:
            break
    assert paged == ids


async def test_list_tenant_stacks_with_last_update(
    engine: RunningEngine, stub: Any, provisioned: list[pb.TenantStatus]
):
    response = await stub.ListTenantStacks(
        pb.ListTenantStacksRequest(tenant_id="t-apione"), metadata=engine.auth
    )
    assert response.tenant_key == "apione"
    assert [(s.name, s.component) for s in response.stacks] == [
        ("apione-app", "app"),
        ("apione-idp", "idp"),
        ("apione-infra", "infra"),
    ]
    assert all(s.HasField("last_update") and s.last_update.seconds > 0 for s in response.stacks)
    assert all(s.resource_count > 0 and not s.update_in_progress for s in response.stacks)


async def test_preview_returns_the_plan_and_changes_nothing(engine: RunningEngine, stub: Any):
    response = await stub.PreviewTenant(
        provision_request("apiprev"),
        metadata=engine.auth,
        timeout=240,
    )
    assert response.success, response.error
    assert response.workflow_id == "preview-tenant-t-apiprev"
    assert [c.component for c in response.components] == ["infra", "app"]
    infra, app = response.components
    assert dict(infra.changes)["create"] == 4  # Pulumi counts the stack resource too
    assert sorted(r.name for r in infra.resources) == [f"apiprev-infra-{i}" for i in range(3)]
    assert {r.op for r in (*infra.resources, *app.resources)} == {"create"}
    # A dry run registers nothing and creates nothing.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ListTenantStacks(
            pb.ListTenantStacksRequest(tenant_id="t-apiprev"), metadata=engine.auth
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert not (engine.root / "resources" / "apiprev").exists()


async def test_a_preview_needs_no_contact_nor_subscription_dates(engine: RunningEngine, stub: Any):
    """Issue 15: the API defaults what the CLI defaults; a dry run contacts no one."""
    request = provision_request("apibare", contacts=[], subscription=pb.Subscription(tier="silo"))
    response = await stub.PreviewTenant(request, metadata=engine.auth, timeout=240)
    assert response.success, response.error
    assert [c.component for c in response.components] == ["infra", "app"]


async def test_already_running_then_cancel(engine: RunningEngine, stub: Any):
    request = provision_request("apicancel", parameters={"delay": "2"})
    started = await stub.ProvisionTenant(request, metadata=engine.auth)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ProvisionTenant(request, metadata=engine.auth)
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert started.workflow_id in (caught.value.details() or "")
    [info] = _details(caught.value)
    assert info.reason == "WORKFLOW_ALREADY_RUNNING"
    assert info.metadata["workflow_id"] == started.workflow_id
    assert info.metadata["run_id"] == started.run_id

    cancelled = await stub.CancelProvisioning(
        pb.CancelProvisioningRequest(tenant_id="t-apicancel"), metadata=engine.auth
    )
    assert cancelled.workflow_id == started.workflow_id
    updates = await watch_to_end(stub, engine, "t-apicancel")
    last = updates[-1]
    assert last.done and last.cancel_requested and last.step == "failed"
    assert not last.outcome.success
    assert last.outcome.error_type == "CancelledError"

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.CancelProvisioning(
            pb.CancelProvisioningRequest(tenant_id="t-apicancel"), metadata=engine.auth
        )
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    failed = await stub.ListTenants(
        pb.ListTenantsRequest(status="PROVISIONFAILED"), metadata=engine.auth
    )
    assert [t.tenant_id for t in failed.tenants] == ["t-apicancel"]


async def test_deploy_then_deprovision(
    engine: RunningEngine, stub: Any, provisioned: list[pb.TenantStatus]
):
    started = await stub.DeployTenant(
        pb.DeployTenantRequest(tenant_id="t-apione", app_version="2.0.0"), metadata=engine.auth
    )
    assert started.workflow_id == "deploy-tenant-t-apione"
    deployed = (await watch_to_end(stub, engine, "t-apione", "deploy"))[-1]
    assert deployed.outcome.success, deployed.outcome.error
    assert deployed.outcome.app_version == "2.0.0"

    started = await stub.DeprovisionTenant(
        pb.DeprovisionTenantRequest(tenant_id="t-apione"), metadata=engine.auth
    )
    assert started.workflow_id == "deprovision-tenant-t-apione"
    removed = (await watch_to_end(stub, engine, "t-apione", "deprovision"))[-1]
    assert removed.outcome.success, removed.outcome.error
    assert sorted(removed.outcome.destroyed) == ["app", "idp", "infra"]

    tenants = await stub.ListTenants(pb.ListTenantsRequest(status="INACTIVE"), metadata=engine.auth)
    assert [(t.tenant_id, t.app_version) for t in tenants.tenants] == [("t-apione", "2.0.0")]
    stacks = await stub.ListTenantStacks(
        pb.ListTenantStacksRequest(tenant_id="t-apione"), metadata=engine.auth
    )
    assert list(stacks.stacks) == []


async def test_run_platform_reports_the_shared_stack_and_refuses_an_unknown_operation(
    engine: RunningEngine, stub: Any
):
    status = await stub.RunPlatform(
        pb.PlatformRequest(operation="status"), metadata=engine.auth, timeout=240
    )
    assert status.success and status.operation == "status"
    up = await stub.RunPlatform(
        pb.PlatformRequest(operation="up"), metadata=engine.auth, timeout=240
    )
    assert up.success and up.exists
    again = await stub.RunPlatform(
        pb.PlatformRequest(operation="status"), metadata=engine.auth, timeout=240
    )
    assert again.exists and again.outputs["shared_path"] == '"_platform/shared.json"'

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.RunPlatform(pb.PlatformRequest(operation="destroy"), metadata=engine.auth)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "operation: must be up, preview or status" in (caught.value.details() or "")
