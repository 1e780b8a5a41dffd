"""Issue 9, end to end: no failure, race or request ever destroys a live tenant.

A real worker (real Pulumi engine, local programs, SQLite registry, SES on moto), started
the way ARC SaaS starts the workflows: directly through a Temporal client, so every
guarantee below holds without the API's pre-checks.
"""

from __future__ import annotations

import asyncio
import random
import uuid

from engine.api.operations import TenantOperations
from engine.core.contracts import (
    DeployTenantInput,
    DeployTenantResult,
    DeprovisionTenantInput,
    DeprovisionTenantResult,
    ProvisionTenantResult,
    ReconcileTenantInput,
    ReconcileTenantResult,
)
from engine.core.errors import PreconditionError, TenantConflictError, TenantStateError
from engine.core.models import TenantStatus
from tests.e2e.conftest import Stack, emails_to, provision_input
from tests.engine.conftest import files_under


async def _provisioned(stack: Stack, tid: str, key: str, **kw: object) -> ProvisionTenantResult:
    await stack.client.provision(provision_input(tid, key, idp=None, **kw))
    result = await stack.client.result("provision", tid)
    assert isinstance(result, ProvisionTenantResult) and result.success, result
    return result


async def test_provisioning_an_active_tenant_is_refused_and_changes_nothing(stack: Stack) -> None:
    """Item 1: the re-run used to reset app_version, fail, and destroy the live tenant."""
    tid = f"t-{uuid.uuid4().hex[:8]}"
    await _provisioned(stack, tid, "umbra")
    before = files_under(stack.resources)

    # Again, with a version and an app that would fail to create.
    await stack.client.provision(
        provision_input(
            tid, "umbra", idp=None, app_version="9.9.9", parameters={"fail": "app:create"}
        )
    )
    again = await stack.client.result("provision", tid)

    assert isinstance(again, ProvisionTenantResult) and not again.success
    assert again.error_type == "TenantStateError" and not again.compensated
    tenant = stack.registry.get(tid)
    assert (tenant.status, tenant.app_version) == (TenantStatus.ACTIVE, "1.0.0")
    assert files_under(stack.resources) == before
    assert stack.registry.lease(tid) is None


async def test_the_id_of_a_live_tenant_with_another_key_hurts_nobody(
    stack: Stack, ses_endpoint: str
) -> None:
    """Items 3 and 10: a refused registration wrote PROVISIONFAILED on the live tenant and
    emailed its contacts; now nothing changes and the API refuses it before any start."""
    tid = f"t-{uuid.uuid4().hex[:8]}"
    live = provision_input(tid, "wayne", idp=None)
    await stack.client.provision(live)
    assert (await stack.client.result("provision", tid)).success  # type: ignore[attr-defined]

    await stack.client.provision(provision_input(tid, "other", idp=None))
    refused = await stack.client.result("provision", tid)

    assert isinstance(refused, ProvisionTenantResult) and not refused.success
    assert refused.error_type == "TenantConflictError"
    assert stack.registry.get(tid).status is TenantStatus.ACTIVE
    assert [h.to_status for h in stack.registry.history(tid)][-1] is TenantStatus.ACTIVE
    assert await stack.notices_sent("provision", tid) == 0  # the refused run sends nothing
    subjects = [str(m["subject"]) for m in emails_to(ses_endpoint, live.contacts[0].email)]
    assert not [s for s in subjects if "fail" in s.lower()]

    # Through the API (and tenantctl), the same requests never start a workflow.
    ops = TenantOperations(stack.settings)
    try:
        fields = provision_input(f"t-{uuid.uuid4().hex[:8]}", "wayne", idp=None).model_dump(
            mode="json", exclude={"policies"}
        )
        try:
            await ops.provision(fields)
            raise AssertionError("a key of another tenant was accepted")
        except TenantConflictError as exc:
            assert tid in str(exc)
        try:
            await ops.provision(live.model_dump(mode="json", exclude={"policies"}))
            raise AssertionError("provision of an ACTIVE tenant was accepted")
        except TenantStateError as exc:
            assert "ACTIVE" in str(exc)
    finally:
        await ops.close()


async def test_a_dry_run_leaves_no_stack_behind(stack: Stack) -> None:
    """Item 6: a preview of a tenant that had no stacks used to leave three empty ones."""
    tid = f"t-{uuid.uuid4().hex[:8]}"
    await stack.client.provision(provision_input(tid, "ghost", dry_run=True))
    result = await stack.client.result("preview", tid)

    assert isinstance(result, ProvisionTenantResult) and result.success and result.plan
    assert stack.engine.list_stacks("ghost") == []
    assert not list((stack.settings.pulumi.state_dir / "workspaces").glob("ghost-*"))
    assert files_under(stack.resources) == []


async def test_retained_resources_stay_in_the_registry(stack: Stack) -> None:
    """Item 7: after deprovision --retain-data the registry forgot what it kept."""
    tid = f"t-{uuid.uuid4().hex[:8]}"
    await _provisioned(stack, tid, "keeper")

    await stack.client.deprovision(DeprovisionTenantInput(tenant_id=tid, retain_data=True))
    result = await stack.client.result("deprovision", tid)

    assert isinstance(result, DeprovisionTenantResult) and result.success and result.retained
    kept = stack.registry.retained(tid)
    assert [r.physical_id for r in kept] == result.retained
    assert all(r.component.value == "infra" for r in kept)
    assert stack.registry.resources(tid) == []  # the destroyed ones are gone
    assert stack.registry.get(tid).status is TenantStatus.INACTIVE


async def test_a_deploy_cannot_race_a_deprovision(stack: Stack) -> None:
    """Item 4: different workflow ids let a deploy recreate the app of a removed tenant."""
    tid = f"t-{uuid.uuid4().hex[:8]}"
    await _provisioned(stack, tid, "racer", parameters={"app_delay": "2"})

    await stack.client.deprovision(DeprovisionTenantInput(tenant_id=tid))
    # Wait until the deprovision owns the tenant, then try to deploy.
    deadline = asyncio.get_running_loop().time() + 60
    while stack.registry.lease(tid) is None:
        assert asyncio.get_running_loop().time() < deadline, "deprovision never started"
        await asyncio.sleep(0.05)
    await stack.client.deploy(DeployTenantInput(tenant_id=tid, app_version="2.0.0"))
    deploy = await stack.client.result("deploy", tid)
    removed = await stack.client.result("deprovision", tid)

    assert isinstance(deploy, DeployTenantResult) and not deploy.success
    assert deploy.error_type in ("TenantBusyError", "TenantStateError")
    assert isinstance(removed, DeprovisionTenantResult) and removed.success
    assert files_under(stack.resources) == []  # no app came back
    assert stack.registry.get(tid).status is TenantStatus.INACTIVE


async def test_ten_random_cancels_end_in_a_documented_state(stack: Stack) -> None:
    """A cancel at any moment: the tenant ends PROVISIONFAILED with nothing of it left, or
    (a cancel refused past the point of no return) ACTIVE with everything. Nothing else."""
    rng = random.Random(20261202)  # reproducible moments
    tenants = [(f"t-{uuid.uuid4().hex[:8]}", f"rc{i}") for i in range(10)]

    async def provision_and_cancel(tid: str, key: str, after: float) -> str:
        await stack.client.provision(provision_input(tid, key, parameters={"delay": "0.5"}))
        await asyncio.sleep(after)  # the random moment is the point of this test
        try:
            await stack.client.cancel("provision", tid)
            outcome = "cancel accepted"
        except PreconditionError:
            outcome = "cancel refused"
        result = await stack.client.result("provision", tid)
        assert isinstance(result, ProvisionTenantResult)
        return f"{outcome}, success={result.success}"

    outcomes = await asyncio.gather(
        *(provision_and_cancel(tid, key, rng.uniform(0.0, 12.0)) for tid, key in tenants)
    )

    for (tid, key), outcome in zip(tenants, outcomes, strict=True):
        status = stack.registry.get(tid).status
        left = files_under(stack.resources, key)
        if status is TenantStatus.ACTIVE:
            assert left and stack.engine.list_stacks(key), (key, outcome)
            assert outcome.startswith("cancel refused") or outcome.endswith("True"), outcome
        else:
            assert status is TenantStatus.PROVISIONFAILED, (key, status, outcome)
            assert left == [] and stack.engine.list_stacks(key) == [], (key, left, outcome)
            assert stack.registry.resources(tid) == []
        assert stack.registry.lease(tid) is None


async def test_reconcile_converges_a_live_tenant_and_destroys_nothing(stack: Stack) -> None:
    """Converging an existing tenant is its own operation, never a side effect of provision."""
    tid = f"t-{uuid.uuid4().hex[:8]}"
    await _provisioned(stack, tid, "drifty")
    before = files_under(stack.resources, "drifty")
    (stack.resources / before[0]).unlink()  # drift: someone deleted a resource by hand

    await stack.client.reconcile(ReconcileTenantInput(tenant_id=tid))
    result = await stack.client.result("reconcile", tid)

    assert isinstance(result, ReconcileTenantResult) and result.success, result
    assert files_under(stack.resources, "drifty") == before  # recreated, nothing else
    assert stack.registry.get(tid).status is TenantStatus.ACTIVE
    assert stack.registry.lease(tid) is None

    # Only an ACTIVE tenant: a removed one is refused, nothing is made.
    await stack.client.deprovision(DeprovisionTenantInput(tenant_id=tid))
    assert (await stack.client.result("deprovision", tid)).success  # type: ignore[attr-defined]
    await stack.client.reconcile(ReconcileTenantInput(tenant_id=tid))
    refused = await stack.client.result("reconcile", tid)
    assert isinstance(refused, ReconcileTenantResult) and not refused.success
    assert refused.error_type == "TenantStateError"
    assert files_under(stack.resources, "drifty") == []
