"""DeployTenant: up the app stack with the new version, or roll back to the previous one."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowExecutionStatus

from engine.core.contracts import DeployTenantInput, DeployTenantResult, StackActivityInput, Step
from engine.core.models import Component, TenantSpec

from .conftest import ATTEMPTS, Harness, infra_outputs, tenant_spec

START = ["acquire_tenant:deploy", "stack_outputs:infra"]
END = ["release_tenant"]


def registered(h: Harness) -> TenantSpec:
    if h.fakes.tenant is None:
        h.fakes.tenant = tenant_spec(h.tenant_id, app_version="1.0.0")
    return h.fakes.tenant


async def deploy(h: Harness, version: str = "2.0.0") -> DeployTenantResult:
    registered(h)
    started = await h.client.deploy(DeployTenantInput(tenant_id=h.tenant_id, app_version=version))
    assert started.workflow_id == f"deploy-tenant-{h.tenant_id}"
    result = await h.client.result("deploy", h.tenant_id)
    assert isinstance(result, DeployTenantResult)
    return result


def app_ups(h: Harness) -> list[StackActivityInput]:
    ups: list[StackActivityInput] = h.fakes.payloads("stack_up:app")
    return ups


async def test_deploy_updates_the_app_and_records_the_version(harness: Harness) -> None:
    h = harness
    result = await deploy(h)

    assert h.fakes.calls == [
        *START,
        "stack_up:app",
        "record_resources:app",
        "set_app_version:2.0.0",
        *END,
    ]
    [up] = app_ups(h)
    assert up.spec.app_version == "2.0.0"
    assert up.spec.inputs == infra_outputs(registered(h))  # the infra stack's outputs
    assert result.success and not result.rolled_back and result.error is None
    assert (result.app_version, result.previous_version) == ("2.0.0", "1.0.0")
    assert result.app_url == "https://acme.app.example.com/"
    status = await h.client.status("deploy", h.tenant_id)
    assert (status.step, status.percent, status.done) == (Step.COMPLETED, 100, True)


async def test_failed_deploy_rolls_back_to_the_previous_version(harness: Harness) -> None:
    h = harness
    h.fakes.fail("stack_up:app", type="ProgramError", message="image not found")
    result = await deploy(h)

    assert h.fakes.calls == [*START, "stack_up:app", "stack_up:app", *END]
    new, rollback = app_ups(h)
    assert (new.spec.app_version, rollback.spec.app_version) == ("2.0.0", "1.0.0")
    assert rollback.spec.inputs == new.spec.inputs == infra_outputs(registered(h))
    assert not result.success and result.rolled_back
    assert (result.error, result.error_type) == ("image not found", "ProgramError")
    assert result.previous_version == "1.0.0"
    assert "set_app_version:2.0.0" not in h.fakes.calls

    description = await h.client.handle("deploy", h.tenant_id).describe()
    assert description.status is WorkflowExecutionStatus.FAILED
    status = await h.client.status("deploy", h.tenant_id)
    assert (status.step, status.done, status.details) == (Step.FAILED, True, "image not found")


async def test_failed_rollback_is_reported(harness: Harness) -> None:
    h = harness
    h.fakes.fail("stack_up:app", message="boom")
    h.fakes.fail("stack_up:app", on_call=2, type="ConcurrentUpdateError", message="locked")
    result = await deploy(h)

    assert h.fakes.calls == [*START, "stack_up:app", "stack_up:app", *END]
    assert not result.success and not result.rolled_back
    assert result.error == "boom; rollback to 1.0.0 failed: locked"
    assert result.error_type == "ProgramError"  # the deploy's error, not the rollback's


async def test_version_not_recorded_rolls_back(harness: Harness) -> None:
    h = harness
    h.fakes.fail("set_app_version:2.0.0", type="TenantNotFoundError")
    result = await deploy(h)

    # The registry would name 1.0.0 while 2.0.0 runs: go back to what it names.
    assert h.fakes.calls == [
        *START,
        "stack_up:app",
        "record_resources:app",
        "set_app_version:2.0.0",
        "stack_up:app",
        *END,
    ]
    assert app_ups(h)[-1].spec.app_version == "1.0.0"
    assert result.rolled_back and result.error_type == "TenantNotFoundError"


@pytest.mark.parametrize(
    "failures", [ATTEMPTS["deploy"] - 1, ATTEMPTS["deploy"]], ids=["recovers", "exhausted"]
)
async def test_retryable_deploy_error_is_retried_by_the_deploy_policy(
    harness: Harness, failures: int
) -> None:
    h = harness
    h.fakes.flaky("stack_up:app", times=failures)
    result = await deploy(h)

    # Either the last attempt succeeds, or the attempts run out and the next up, the
    # rollback, succeeds.
    assert h.fakes.count("stack_up:app") == failures + 1
    if failures < ATTEMPTS["deploy"]:
        assert result.success and not result.rolled_back
        assert [up.spec.app_version for up in app_ups(h)] == ["2.0.0"] * (failures + 1)
    else:
        assert [up.spec.app_version for up in app_ups(h)] == ["2.0.0"] * failures + ["1.0.0"]
        assert result.rolled_back and result.error_type == "TransientError"


@pytest.mark.parametrize("how", ["signal", "workflow_cancel"])
async def test_cancel_during_deploy_rolls_back(harness: Harness, how: str) -> None:
    h = harness
    h.fakes.tenant = tenant_spec(h.tenant_id, app_version="1.0.0")
    gate = h.fakes.block("stack_up:app")
    await h.client.deploy(DeployTenantInput(tenant_id=h.tenant_id, app_version="2.0.0"))
    await gate.wait_started()
    status = await h.client.status("deploy", h.tenant_id)
    assert (status.step, status.percent, status.component) == (
        Step.DEPLOYING_APP,
        20,
        Component.APP,
    )
    if how == "signal":
        await h.client.cancel("deploy", h.tenant_id)
    else:
        await h.client.handle("deploy", h.tenant_id).cancel()
    result = await h.client.result("deploy", h.tenant_id)

    assert gate.cancelled and h.fakes.cancelled == ["stack_up:app"]
    assert h.fakes.calls == [*START, "stack_up:app", "stack_up:app", *END]
    assert app_ups(h)[-1].spec.app_version == "1.0.0"
    assert isinstance(result, DeployTenantResult)
    assert result.rolled_back and result.error_type == "CancelledError"


async def test_unknown_tenant_deploys_nothing(harness: Harness) -> None:
    h = harness  # no tenant: acquire_tenant raises TenantNotFoundError
    await h.client.deploy(DeployTenantInput(tenant_id=h.tenant_id, app_version="2.0.0"))
    result = await h.client.result("deploy", h.tenant_id)

    assert h.fakes.calls == ["acquire_tenant:deploy"]
    assert isinstance(result, DeployTenantResult)
    assert not result.success and not result.rolled_back
    assert (result.error, result.error_type) == (
        f"no tenant with id {h.tenant_id!r}",
        "TenantNotFoundError",
    )
