"""ProvisionTenant while it runs: the status query step by step, and cancellation."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowExecutionStatus

from engine.core.contracts import (
    DeprovisionTenantInput,
    DeprovisionTenantResult,
    ProvisionTenantResult,
    Step,
    WorkflowStatus,
)
from engine.core.errors import PreconditionError
from engine.core.models import Component, TenantStatus
from engine.core.results import Progress

from .conftest import Harness, canonical, eventually, provision_input, tenant_spec

PRE = ["begin_provision"]
FAILED = ["set_tenant_status:PROVISIONFAILED", "release_tenant"]


def destroys(*components: str) -> list[str]:
    return [call for c in components for call in (f"stack_destroy:{c}", f"record_resources:{c}")]


async def status_with_progress(h: Harness) -> WorkflowStatus:
    """The status once the blocked stack activity's first heartbeat has reached the server."""

    async def check() -> WorkflowStatus | None:
        status = await h.client.status("provision", h.tenant_id)
        return status if status.pulumi is not None else None

    return await eventually(check)


# (blocked call, step, percent, component, tenant status the workflow has set so far)
STEPS = [
    ("begin_provision", Step.UPDATING_STATUS, 5, None, None),
    # IdP and infra at once: one step for both.
    ("stack_up:idp", Step.PROVISIONING_INFRA, 15, Component.INFRA, TenantStatus.PROVISIONING),
    ("stack_up:infra", Step.PROVISIONING_INFRA, 15, Component.INFRA, TenantStatus.PROVISIONING),
    ("stack_up:app", Step.DEPLOYING_APP, 60, Component.APP, TenantStatus.PROVISIONING),
    ("record_resources:infra", Step.CREATING_RESOURCES, 80, None, TenantStatus.PROVISIONING),
    ("set_tenant_status:ACTIVE", Step.ACTIVATING, 90, None, TenantStatus.PROVISIONING),
]


async def test_status_query_follows_the_steps(harness: Harness) -> None:
    h = harness
    gates = [h.fakes.block(key) for key, *_ in STEPS]
    await h.client.provision(provision_input(h.tenant_id))

    for gate, (key, step, percent, component, tenant_status) in zip(gates, STEPS, strict=True):
        await gate.wait_started()
        if key.startswith("stack_"):
            # Live Pulumi progress comes from the running activity's heartbeat.
            status = await status_with_progress(h)
            assert status.pulumi is not None
            # While IdP and infra run at once, the progress is one of theirs.
            parallel = key in ("stack_up:idp", "stack_up:infra")
            running = {"acme-idp", "acme-infra"} if parallel else {f"acme-{component}"}
            assert status.pulumi.stack in running
            assert status.pulumi == Progress(
                stack=status.pulumi.stack,
                operation="stack_up",
                planned=4,
                done=1,
                current_op="create",
            )
        else:
            status = await h.client.status("provision", h.tenant_id)
            assert status.pulumi is None
        assert (status.step, status.percent, status.component) == (step, percent, component), key
        assert status.tenant_status == tenant_status, key
        assert status.workflow_id == f"provision-tenant-{h.tenant_id}"
        assert not status.done and not status.cancel_requested
        gate.release()

    result = await h.client.result("provision", h.tenant_id)
    assert isinstance(result, ProvisionTenantResult) and result.success
    status = await h.client.status("provision", h.tenant_id)
    assert (status.step, status.percent, status.component) == (Step.COMPLETED, 100, None)
    assert status.done and status.tenant_status is TenantStatus.ACTIVE and status.pulumi is None


@pytest.mark.parametrize("how", ["signal", "workflow_cancel"])
@pytest.mark.parametrize("component", ["idp", "infra", "app"])
async def test_cancel_during_a_stack_step_stops_it_and_compensates(
    harness: Harness, component: str, how: str
) -> None:
    h = harness
    gate = h.fakes.block(f"stack_up:{component}")
    await h.client.provision(provision_input(h.tenant_id))
    await gate.wait_started()
    if how == "signal":
        await h.client.cancel("provision", h.tenant_id)  # the seed's cancel signal
    else:
        await h.client.handle("provision", h.tenant_id).cancel()  # a Temporal cancellation
    result = await h.client.result("provision", h.tenant_id)

    # The running Pulumi activity saw the cancellation (it must stop the CLI cleanly).
    assert gate.cancelled and h.fakes.cancelled == [f"stack_up:{component}"]
    order = ["idp", "infra", "app"]
    # IdP and infra run at once: the one not blocked completes, and is compensated too.
    started = order[: max(order.index(component), 1) + 1]
    assert canonical(h.fakes.calls) == [
        *PRE,
        *(f"stack_up:{c}" for c in started),
        *destroys(*reversed(started)),
        *FAILED,
    ]
    assert isinstance(result, ProvisionTenantResult) and not result.success
    assert result.error_type == "CancelledError"
    assert result.error == ("cancelled by request" if how == "signal" else "cancelled")
    assert result.compensated == [Component(c) for c in reversed(started)]
    assert result.compensation_failures == []

    status = await h.client.status("provision", h.tenant_id)
    assert (status.step, status.done) == (Step.FAILED, True)
    assert status.tenant_status is TenantStatus.PROVISIONFAILED
    assert status.cancel_requested is (how == "signal")
    # Both end with the compensated result in the failure (a workflow that ended cancelled
    # would carry no result).
    description = await h.client.handle("provision", h.tenant_id).describe()
    assert description.status is WorkflowExecutionStatus.FAILED


async def test_cancel_before_the_first_stack_creates_nothing(harness: Harness) -> None:
    h = harness
    gate = h.fakes.block("begin_provision")
    await h.client.provision(provision_input(h.tenant_id))
    await gate.wait_started()
    await h.client.cancel("provision", h.tenant_id)

    async def cancel_seen() -> bool | None:
        status = await h.client.status("provision", h.tenant_id)
        return True if status.cancel_requested else None

    await eventually(cancel_seen)
    gate.release()
    result = await h.client.result("provision", h.tenant_id)

    assert canonical(h.fakes.calls) == [*PRE, *FAILED]
    assert h.fakes.cancelled == []  # the status update was let finish
    assert isinstance(result, ProvisionTenantResult)
    assert result.error_type == "CancelledError" and result.compensated == []


async def test_cancel_during_compensation_does_not_interrupt_it(harness: Harness) -> None:
    h = harness
    up = h.fakes.block("stack_up:app")
    destroy = h.fakes.block("stack_destroy:infra")
    await h.client.provision(provision_input(h.tenant_id))
    await up.wait_started()
    await h.client.cancel("provision", h.tenant_id)
    await destroy.wait_started()

    # Again, both ways, while the infra stack is being destroyed.
    handle = h.client.handle("provision", h.tenant_id)
    await h.client.cancel("provision", h.tenant_id)
    await handle.cancel()
    status = await h.client.status("provision", h.tenant_id)
    assert (status.step, status.component) == (Step.COMPENSATING, Component.INFRA)
    destroy.release()
    result = await h.client.result("provision", h.tenant_id)

    assert h.fakes.cancelled == ["stack_up:app"]  # not the destroy
    assert not destroy.cancelled
    assert canonical(h.fakes.calls) == [
        *PRE,
        "stack_up:idp",
        "stack_up:infra",
        "stack_up:app",
        *destroys("app", "infra", "idp"),
        *FAILED,
    ]
    assert isinstance(result, ProvisionTenantResult)
    assert result.compensated == [Component.APP, Component.INFRA, Component.IDP]
    assert result.error == "cancelled by request"


async def test_cancel_past_the_point_of_no_return_is_refused(harness: Harness) -> None:
    """Issue 9 item 5: every stack is up; a cancel would be ignored, so it is refused."""
    h = harness
    gate = h.fakes.block("record_resources:infra")
    await h.client.provision(provision_input(h.tenant_id))
    await gate.wait_started()

    with pytest.raises(PreconditionError, match="point of no return"):
        await h.client.cancel("provision", h.tenant_id)
    # A Temporal cancellation cannot stop it half-way either.
    await h.client.handle("provision", h.tenant_id).cancel()
    gate.release()
    result = await h.client.result("provision", h.tenant_id)

    assert isinstance(result, ProvisionTenantResult) and result.success
    assert not [c for c in h.fakes.calls if c.startswith("stack_destroy")]
    status = await h.client.status("provision", h.tenant_id)
    assert status.tenant_status is TenantStatus.ACTIVE and not status.cancellable


async def test_cancel_of_a_deprovision_that_is_destroying_is_refused(harness: Harness) -> None:
    """Issue 9 item 5: deprovision never looked at its cancel flag; now it says no."""
    h = harness
    h.fakes.tenant = tenant_spec(h.tenant_id)
    gate = h.fakes.block("stack_destroy:app")
    await h.client.deprovision(DeprovisionTenantInput(tenant_id=h.tenant_id))
    await gate.wait_started()

    with pytest.raises(PreconditionError, match="point of no return"):
        await h.client.cancel("deprovision", h.tenant_id)
    gate.release()
    result = await h.client.result("deprovision", h.tenant_id)
    assert isinstance(result, DeprovisionTenantResult) and result.success
