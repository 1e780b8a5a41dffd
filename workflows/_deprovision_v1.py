"""DeprovisionTenant before leases.

The workflow as it ran before tenant leases (``workflow.patched("tenant-lease")``): kept
verbatim so that histories recorded by earlier workers replay. New runs never take this
path; delete it once no such history can still be running or replayed.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import (
        Activity,
        DeprovisionTenantInput,
        DeprovisionTenantResult,
        RecordResourcesInput,
        Step,
        StepFailure,
    )
    from engine.core.models import Component, TenantSpec, TenantStatus

    from ._base import TenantWorkflowBase
    from ._support import describe

_STEPS = {
    Component.APP: (Step.DESTROYING_APP, 20),
    Component.INFRA: (Step.DESTROYING_INFRA, 45),
    Component.IDP: (Step.DESTROYING_IDP, 70),
}


class DeprovisionV1(TenantWorkflowBase):
    """The pre-lease run (no ``@workflow.defn``: a base)."""

    async def _run_v1(self, input: DeprovisionTenantInput) -> DeprovisionTenantResult:
        destroyed: list[Component] = []
        retained: list[str] = []
        failures: list[StepFailure] = []
        try:
            return await self._deprovision_v1(input, destroyed, retained, failures)
        except ActivityError as exc:
            # Loading the tenant, a status or the notice failed: report it with what was
            # destroyed so far (a bare ActivityError would say neither what nor why).
            message, error_type = describe(exc)
            self._step(Step.FAILED, 100, details=message, done=True)
            raise ApplicationError(
                f"deprovisioning {input.tenant_id} failed: {message}",
                DeprovisionTenantResult(
                    success=False,
                    tenant_id=input.tenant_id,
                    destroyed=destroyed,
                    retained=retained,
                    error=message,
                    error_type=error_type,
                    failures=failures,
                ),
                type=error_type,
                non_retryable=True,
            ) from None

    async def _deprovision_v1(
        self,
        input: DeprovisionTenantInput,
        destroyed: list[Component],
        retained: list[str],
        failures: list[StepFailure],
    ) -> DeprovisionTenantResult:
        self._step(Step.UPDATING_STATUS, 5)
        spec: TenantSpec = await self._activity(
            Activity.LOAD_TENANT, input.tenant_id, self._policies.status, TenantSpec
        )
        await self._set_status(TenantStatus.DEPROVISIONING, "deprovisioning started")

        for component in (Component.APP, Component.INFRA, Component.IDP):
            step, percent = _STEPS[component]
            self._step(step, percent, component=component)
            try:
                if component is Component.INFRA and input.retain_data:
                    kept = await self._stack(
                        Activity.STACK_UP,
                        spec.model_copy(update={"retain_data": True}),
                        component,
                        protect=True,
                    )
                    retained += [str(r) for r in kept.outputs.get("retained") or []]
                result = await self._stack(Activity.STACK_DESTROY, spec, component, protect=True)
                if result.existed:
                    destroyed.append(component)
                await self._activity(
                    Activity.RECORD_RESOURCES,
                    RecordResourcesInput(tenant_id=input.tenant_id, component=component),
                    self._policies.status,
                )
            except ActivityError as exc:
                failures.append(
                    StepFailure(step=f"destroy {component.value}", error=describe(exc)[0])
                )

        if failures:
            message = "; ".join(f"{f.step}: {f.error}" for f in failures)
            self._step(Step.FAILED, 100, details=message, done=True)
            raise ApplicationError(
                f"deprovisioning {input.tenant_id} incomplete: {message}",
                DeprovisionTenantResult(
                    success=False,
                    tenant_id=input.tenant_id,
                    destroyed=destroyed,
                    retained=retained,
                    error=message,
                    error_type="DeprovisioningIncomplete",
                    failures=failures,
                ),
                type="DeprovisioningIncomplete",
                non_retryable=True,
            )

        self._step(Step.ACTIVATING, 90)
        reason = "deprovisioned" + (f", retained {len(retained)} resource(s)" if retained else "")
        await self._set_status(TenantStatus.INACTIVE, reason)
        self._step(Step.NOTIFYING, 95)
        await self._notify("deprovisioned")
        self._step(Step.COMPLETED, 100, done=True)
        return DeprovisionTenantResult(
            success=True, tenant_id=input.tenant_id, destroyed=destroyed, retained=retained
        )
