"""DeprovisionTenant: destroy app, infra, IdP; INACTIVE; retained data; partial failures."""

from __future__ import annotations

from temporalio.client import WorkflowExecutionStatus

from engine.core.contracts import (
    DeprovisionTenantInput,
    DeprovisionTenantResult,
    RecordResourcesInput,
    StackActivityInput,
    Step,
    StepFailure,
)
from engine.core.models import Component, TenantStatus
from engine.core.search_attributes import TENANT_STATUS

from .conftest import ATTEMPTS, Harness, eventually, tenant_spec

START = ["acquire_tenant:deprovision", "set_tenant_status:DEPROVISIONING"]
APP = ["stack_destroy:app", "record_resources:app"]
INFRA = ["stack_destroy:infra", "record_resources:infra"]
IDP = ["stack_destroy:idp", "record_resources:idp"]
RELEASE = ["release_tenant"]
END = ["set_tenant_status:INACTIVE", *RELEASE]


async def deprovision(h: Harness, *, retain_data: bool = False) -> DeprovisionTenantResult:
    if h.fakes.tenant is None:
        h.fakes.tenant = tenant_spec(h.tenant_id)
    started = await h.client.deprovision(
        DeprovisionTenantInput(tenant_id=h.tenant_id, retain_data=retain_data)
    )
    assert started.workflow_id == f"deprovision-tenant-{h.tenant_id}"
    result = await h.client.result("deprovision", h.tenant_id)
    assert isinstance(result, DeprovisionTenantResult)
    return result


async def test_deprovision_destroys_everything_then_marks_inactive(harness: Harness) -> None:
    h = harness
    result = await deprovision(h)

    assert h.fakes.calls == [*START, *APP, *INFRA, *IDP, *END]
    assert result.success and result.error is None
    assert result.destroyed == [Component.APP, Component.INFRA, Component.IDP]
    assert result.retained == [] and result.failures == []
    # Destroys get the registered spec as it is (no retain flag); the records are cleared.
    destroys: list[StackActivityInput] = h.fakes.payloads("stack_destroy:infra")
    assert destroys[0].spec == h.fakes.tenant
    records: list[RecordResourcesInput] = h.fakes.payloads("record_resources:infra")
    assert records[0].resources == []

    status = await h.client.status("deprovision", h.tenant_id)
    assert (status.step, status.percent, status.done) == (Step.COMPLETED, 100, True)
    assert status.tenant_status is TenantStatus.INACTIVE

    async def inactive() -> bool | None:
        query = f'TenantId = "{h.tenant_id}" AND TenantStatus = "INACTIVE"'
        async for execution in h.temporal.list_workflows(query):
            assert execution.id == f"deprovision-tenant-{h.tenant_id}"
            return True
        return None

    await eventually(inactive)


async def test_stacks_already_gone_are_not_reported_destroyed(harness: Harness) -> None:
    h = harness
    h.fakes.absent = {Component.IDP}  # a tenant provisioned without an IdP
    result = await deprovision(h)

    assert h.fakes.calls == [*START, *APP, *INFRA, *IDP, *END]
    assert result.success and result.destroyed == [Component.APP, Component.INFRA]


async def test_retain_data_updates_infra_to_retain_before_destroying_it(harness: Harness) -> None:
    h = harness
    result = await deprovision(h, retain_data=True)

    assert h.fakes.calls == [*START, *APP, "stack_up:infra", "retain_resources", *INFRA, *IDP, *END]
    [retain] = h.fakes.payloads("stack_up:infra")
    assert retain.spec.retain_data is True
    assert retain.spec.model_copy(update={"retain_data": False}) == h.fakes.tenant
    assert result.success
    assert result.retained == ["tenant-acme-data", "alias/acme"]
    assert result.destroyed == [Component.APP, Component.INFRA, Component.IDP]
    [inactive] = h.fakes.payloads("set_tenant_status:INACTIVE")
    assert inactive.reason == "deprovisioned, retained 2 resource(s)"


async def test_failing_destroy_does_not_stop_the_others(harness: Harness) -> None:
    h = harness
    h.fakes.fail("stack_destroy:infra", type="TransientError", non_retryable=False, times=None)
    result = await deprovision(h)

    # Retried by the infra policy, then the IdP is still destroyed; the tenant is not
    # marked INACTIVE and nobody is told it is gone.
    assert h.fakes.calls == [
        *START,
        *APP,
        *["stack_destroy:infra"] * ATTEMPTS["infra"],
        *IDP,
        *RELEASE,
    ]
    assert not result.success
    assert result.error_type == "DeprovisioningIncomplete"
    assert result.failures == [
        StepFailure(step="destroy infra", error="injected failure in stack_destroy:infra")
    ]
    assert result.error == "destroy infra: injected failure in stack_destroy:infra"
    assert result.destroyed == [Component.APP, Component.IDP]

    description = await h.client.handle("deprovision", h.tenant_id).describe()
    assert description.status is WorkflowExecutionStatus.FAILED
    status = await h.client.status("deprovision", h.tenant_id)
    assert (status.step, status.done) == (Step.FAILED, True)
    assert status.tenant_status is TenantStatus.DEPROVISIONING
    assert description.typed_search_attributes.get(TENANT_STATUS) == "DEPROVISIONING"


async def test_every_failed_destroy_is_listed(harness: Harness) -> None:
    h = harness
    h.fakes.fail("stack_destroy:app")
    h.fakes.fail("stack_destroy:idp", type="InvalidCredentialsError", message="bad token")
    result = await deprovision(h)

    assert h.fakes.calls == [*START, "stack_destroy:app", *INFRA, "stack_destroy:idp", *RELEASE]
    assert result.failures == [
        StepFailure(step="destroy app", error="injected failure in stack_destroy:app"),
        StepFailure(step="destroy idp", error="bad token"),
    ]
    assert result.destroyed == [Component.INFRA]


async def test_retain_data_failure_keeps_the_infra_stack(harness: Harness) -> None:
    h = harness
    h.fakes.fail("stack_up:infra")
    result = await deprovision(h, retain_data=True)

    # Destroying without the retain flag would delete the data: infra is left alone.
    assert h.fakes.calls == [*START, *APP, "stack_up:infra", *IDP, *RELEASE]
    assert "stack_destroy:infra" not in h.fakes.calls
    assert result.failures == [
        StepFailure(step="destroy infra", error="injected failure in stack_up:infra")
    ]
    assert result.destroyed == [Component.APP, Component.IDP] and result.retained == []


async def test_status_query_while_destroying(harness: Harness) -> None:
    h = harness
    h.fakes.tenant = tenant_spec(h.tenant_id)
    gate = h.fakes.block("stack_destroy:infra")
    await h.client.deprovision(DeprovisionTenantInput(tenant_id=h.tenant_id))
    await gate.wait_started()

    status = await h.client.status("deprovision", h.tenant_id)
    assert (status.step, status.percent, status.component) == (
        Step.DESTROYING_INFRA,
        45,
        Component.INFRA,
    )
    assert status.tenant_status is TenantStatus.DEPROVISIONING and not status.done
    gate.release()
    result = await h.client.result("deprovision", h.tenant_id)
    assert isinstance(result, DeprovisionTenantResult) and result.success


async def test_unknown_tenant_changes_nothing(harness: Harness) -> None:
    h = harness  # no tenant: acquire_tenant raises TenantNotFoundError
    await h.client.deprovision(DeprovisionTenantInput(tenant_id=h.tenant_id))
    result = await h.client.result("deprovision", h.tenant_id)

    assert h.fakes.calls == ["acquire_tenant:deprovision"]  # permanent: not retried
    assert isinstance(result, DeprovisionTenantResult) and not result.success
    assert result.error == f"no tenant with id {h.tenant_id!r}"
    assert result.error_type == "TenantNotFoundError"
    assert result.destroyed == []


async def test_failure_after_the_destroys_still_reports_them(harness: Harness) -> None:
    h = harness
    h.fakes.fail("set_tenant_status:INACTIVE", type="InvalidStatusTransitionError")
    result = await deprovision(h)

    assert h.fakes.calls == [*START, *APP, *INFRA, *IDP, "set_tenant_status:INACTIVE", *RELEASE]
    assert not result.success
    assert result.error_type == "InvalidStatusTransitionError"
    assert result.destroyed == [Component.APP, Component.INFRA, Component.IDP]
    status = await h.client.status("deprovision", h.tenant_id)
    assert (status.step, status.done) == (Step.FAILED, True)
    assert status.tenant_status is TenantStatus.DEPROVISIONING
