"""The shared platform stack through the worker: made by the first pooled or bridge tenant,
left alone by the others and by deprovision, and run by an operator (up, preview, status)."""

from __future__ import annotations

import uuid

from engine.core.contracts import (
    DeprovisionTenantInput,
    PlatformOperation,
    ProvisionTenantResult,
)
from stacks.local import read_journal
from stacks.local.programs import PLATFORM_DIR
from tests.e2e.conftest import Stack, provision_input

SHARED = f"{PLATFORM_DIR}/shared.json"


def _platform_ops(stack: Stack) -> list[str]:
    return [e["op"] for e in read_journal(stack.resources) if e["path"] == SHARED]


async def test_pooled_and_bridge_tenants_share_one_platform_stack(stack: Stack) -> None:
    assert (await stack.client.platform(PlatformOperation.STATUS)).exists is False

    tenants = []
    for tier, key in (("pooled", "shareda"), ("bridge", "sharedb"), ("silo", "sharedc")):
        tid = f"t-{uuid.uuid4().hex[:8]}"
        sub = {
            "id": f"s-{tid}",
            "plan_id": "p",
            "tier": tier,
            "start_date": "2026-01-01",
            "end_date": "2027-01-01",
        }
        await stack.client.provision(provision_input(tid, key, idp=None, subscription=sub))
        result = await stack.client.result("provision", tid)
        assert isinstance(result, ProvisionTenantResult) and result.success, result
        tenants.append(tid)
        # Made by the first tenant that needs it, and never applied again by a tenant.
        assert _platform_ops(stack) == ["create"], tier
    assert stack.engine.platform_exists()

    status = await stack.client.platform(PlatformOperation.STATUS)
    assert status.success and status.exists and status.outputs["shared_path"] == SHARED

    for tid in tenants:
        await stack.client.deprovision(DeprovisionTenantInput(tenant_id=tid))
        assert (await stack.client.result("deprovision", tid)).success  # type: ignore[attr-defined]
    # The last tenant gone, the shared stack stays (other tenants may come; an operator
    # removes it on purpose, never a tenant's workflow).
    assert (stack.resources / SHARED).exists() and _platform_ops(stack) == ["create"]

    preview = await stack.client.platform(PlatformOperation.PREVIEW)
    assert preview.success and preview.exists
    assert not {"create", "update", "delete", "replace"} & set(preview.changes), preview
    up = await stack.client.platform(PlatformOperation.UP)
    assert up.success and up.exists and _platform_ops(stack) == ["create"]  # nothing to do


async def test_preview_of_a_missing_platform_leaves_nothing(stack: Stack) -> None:
    preview = await stack.client.platform(PlatformOperation.PREVIEW)

    assert preview.success and not preview.exists
    assert preview.changes.get("create", 0) >= 1
    assert [p.op for p in preview.planned if p.type.startswith("pulumi-python")] == ["create"]
    assert not stack.engine.platform_exists()
    assert _platform_ops(stack) == []
