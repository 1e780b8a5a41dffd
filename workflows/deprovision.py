"""DeprovisionTenantWorkflow: destroy app, infra and IdP, then mark the tenant INACTIVE."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import (
        Activity,
        DeprovisionTenantInput,
        DeprovisionTenantResult,
        RecordResourcesInput,
        RetainResourcesInput,
        Step,
        StepFailure,
    )
    from engine.core.models import Component, TenantSpec, TenantStatus

    from ._deprovision_v1 import DeprovisionV1
    from ._support import describe

LEASE_PATCH = "tenant-lease"

_STEPS = {
    Component.APP: (Step.DESTROYING_APP, 20),
    Component.INFRA: (Step.DESTROYING_INFRA, 45),
    Component.IDP: (Step.DESTROYING_IDP, 70),
}


@workflow.defn(name="deprovisionTenantWorkflow")
class DeprovisionTenantWorkflow(DeprovisionV1):
    """Own the tenant, DEPROVISIONING, destroy app, infra, IdP, INACTIVE, notice.

    A cancel is honoured until the first destroy starts; after that it is refused
    (``cancellable`` false): half a tenant is worse than none. Each destroy is retried by
    its policy; one that still fails does not stop the others, and the tenant then stays
    DEPROVISIONING with the failures in the result (running the workflow again finishes
    the job). With ``retain_data`` the infra stack is first updated so its stateful
    resources are retained on delete; the registry keeps them, marked retained.
    """

    @workflow.run
    async def run(self, input: DeprovisionTenantInput) -> DeprovisionTenantResult:
        self._begin(input)
        if not workflow.patched(LEASE_PATCH):
            return await self._run_v1(input)
        destroyed: list[Component] = []
        retained: list[str] = []
        failures: list[StepFailure] = []
        self._step(Step.UPDATING_STATUS, 5)
        try:
            spec = await self._acquire("deprovision")
        except ActivityError as exc:
            raise self._failed(input, *describe(exc), destroyed, retained, failures) from None
        try:
            if self._cancel_requested:
                raise self._failed(
                    input, "cancelled by request", "CancelledError", destroyed, retained, failures
                )
            self._set(cancellable=False)
            return await self._deprovision(input, spec, destroyed, retained, failures)
        except ActivityError as exc:
            # A status or a record could not be written: say so with what was destroyed.
            raise self._failed(input, *describe(exc), destroyed, retained, failures) from None
        finally:
            await self._release()

    async def _deprovision(
        self,
        input: DeprovisionTenantInput,
        spec: TenantSpec,
        destroyed: list[Component],
        retained: list[str],
        failures: list[StepFailure],
    ) -> DeprovisionTenantResult:
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
                    ids = [str(r) for r in kept.outputs.get("retained") or []]
                    await self._activity(
                        Activity.RETAIN_RESOURCES,
                        RetainResourcesInput(
                            tenant_id=input.tenant_id,
                            component=component,
                            physical_ids=ids,
                            workflow_id=workflow.info().workflow_id,
                        ),
                        self._policies.status,
                    )
                    retained += ids
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
            raise self._failed(
                input, message, "DeprovisioningIncomplete", destroyed, retained, failures
            )

        self._step(Step.ACTIVATING, 90)
        reason = "deprovisioned" + (f", retained {len(retained)} resource(s)" if retained else "")
        await self._set_status(TenantStatus.INACTIVE, reason)
        self._step(Step.NOTIFYING, 95)
        await self._notify_later("deprovisioned")
        self._step(Step.COMPLETED, 100, done=True)
        return DeprovisionTenantResult(
            success=True, tenant_id=input.tenant_id, destroyed=destroyed, retained=retained
        )

    def _failed(
        self,
        input: DeprovisionTenantInput,
        message: str,
        error_type: str,
        destroyed: list[Component],
        retained: list[str],
        failures: list[StepFailure],
    ) -> ApplicationError:
        """The workflow's failure, carrying the typed result (what was destroyed so far)."""
        return self._fail(
            f"deprovisioning {input.tenant_id}",
            DeprovisionTenantResult(
                success=False,
                tenant_id=input.tenant_id,
                destroyed=destroyed,
                retained=retained,
                error=message,
                error_type=error_type,
                failures=failures,
            ),
        )
