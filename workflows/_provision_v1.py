"""ProvisionTenant before leases.

The workflow as it ran before tenant leases (``workflow.patched("tenant-lease")``): kept
verbatim so that histories recorded by earlier workers replay. New runs never take this
path; delete it once no such history can still be running or replayed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import (
        Activity,
        ProvisionTenantInput,
        ProvisionTenantResult,
        RecordResourcesInput,
        RegisterTenantInput,
        StackActivityResult,
        Step,
        StepFailure,
    )
    from engine.core.models import Component, TenantStatus

    from ._base import TenantWorkflowBase
    from ._support import describe, uncancellable

_STEP_FOR = {
    Component.IDP: (Step.CREATING_IDP, 15),
    Component.INFRA: (Step.PROVISIONING_INFRA, 30),
    Component.APP: (Step.DEPLOYING_APP, 60),
}


class ProvisionV1(TenantWorkflowBase):
    """The pre-lease run and compensation (no ``@workflow.defn``: a base)."""

    async def _run_v1(self, input: ProvisionTenantInput) -> ProvisionTenantResult:
        spec = input.spec()
        attempted: list[Component] = []
        outputs: dict[Component, StackActivityResult] = {}
        try:
            self._step(Step.UPDATING_STATUS, 5)
            await self._activity(
                Activity.REGISTER_TENANT,
                RegisterTenantInput(spec=spec, subscription_end=input.subscription.end_date),
                input.policies.status,
            )
            await self._set_status(TenantStatus.PROVISIONING, "provisioning started")

            components = [Component.INFRA, Component.APP]
            if input.idp is not None:
                components.insert(0, Component.IDP)
            for component in components:
                self._check_cancelled()
                step, percent = _STEP_FOR[component]
                self._step(step, percent, component=component)
                inputs = outputs[Component.INFRA].outputs if component is Component.APP else {}
                attempted.append(component)
                outputs[component] = await self._stack(
                    Activity.STACK_UP, spec.model_copy(update={"inputs": inputs}), component
                )

            self._step(Step.CREATING_RESOURCES, 80)
            resources: list[dict[str, Any]] = []
            for component, result in outputs.items():
                await self._activity(
                    Activity.RECORD_RESOURCES,
                    RecordResourcesInput(
                        tenant_id=input.tenant_id, component=component, resources=result.resources
                    ),
                    input.policies.status,
                )
                resources += [{**r, "component": component.value} for r in result.resources]

            self._step(Step.ACTIVATING, 90)
            await self._set_status(TenantStatus.ACTIVE, "provisioned")

            # Inside the saga, as in the seed plan: a tenant whose admin never learns the
            # URL is not provisioned (the registry allows ACTIVE -> PROVISIONFAILED for it).
            app = outputs[Component.APP].outputs
            self._step(Step.NOTIFYING, 95)
            app_url = app.get("app_url") if isinstance(app.get("app_url"), str) else None
            await self._notify("welcome", app_url=app_url)
        except BaseException as error:  # compensation must run on cancellation too
            failed = await self._compensate_v1(input, attempted, error)
            if isinstance(error, asyncio.CancelledError):
                raise
            raise ApplicationError(
                f"provisioning {input.tenant_id} failed: {failed.error}",
                failed,
                type=failed.error_type or "ProvisioningFailed",
                non_retryable=True,
            ) from None

        self._step(Step.COMPLETED, 100, done=True)
        idp = outputs.get(Component.IDP)
        return ProvisionTenantResult(
            success=True,
            tenant_id=input.tenant_id,
            app_url=app_url,
            resources=resources,
            idp_organization_id=idp.outputs.get("organization_id") if idp else None,
        )

    async def _compensate_v1(
        self, input: ProvisionTenantInput, attempted: list[Component], error: BaseException
    ) -> ProvisionTenantResult:
        message, error_type = describe(error)
        if self._cancel_requested:
            message, error_type = "cancelled by request", "CancelledError"
        workflow.logger.warning(
            "provisioning %s failed (%s); compensating", input.tenant_id, message
        )
        self._step(Step.COMPENSATING, 0, details=f"rolling back: {message}")
        spec = input.spec()
        compensated: list[Component] = []
        failures: list[StepFailure] = []
        for component in reversed(attempted):
            self._set(component=component)
            try:
                await self._stack(Activity.STACK_DESTROY, spec, component, protect=True)
                compensated.append(component)
            except ActivityError as exc:  # one failed destroy must not stop the others
                failures.append(
                    StepFailure(step=f"destroy {component.value}", error=describe(exc)[0])
                )
        for step, call in (
            ("status", self._set_status(TenantStatus.PROVISIONFAILED, message)),
            ("notification", self._notify("provisioning_failed", error=message)),
        ):
            try:
                await uncancellable(call)
            except ActivityError as exc:  # reported in the result, never hidden
                failures.append(StepFailure(step=step, error=describe(exc)[0]))
        if failures:
            workflow.logger.error("compensation of %s incomplete: %s", input.tenant_id, failures)
        self._step(Step.FAILED, 100, details=message, done=True)
        return ProvisionTenantResult(
            success=False,
            tenant_id=input.tenant_id,
            error=message,
            error_type=error_type,
            compensated=compensated,
            compensation_failures=failures,
        )
