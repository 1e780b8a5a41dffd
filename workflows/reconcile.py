"""ReconcileTenantWorkflow: converge a live tenant's stacks, never destroying anything."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import (
        Activity,
        ReconcileTenantInput,
        ReconcileTenantResult,
        RecordResourcesInput,
        Step,
    )
    from engine.core.models import Component, TenantSpec

    from ._base import TenantWorkflowBase
    from ._support import describe


@workflow.defn(name="reconcileTenantWorkflow")
class ReconcileTenantWorkflow(TenantWorkflowBase):
    """Run ``up`` again on each stack of an ACTIVE tenant (``tenantctl reconcile``).

    What provision used to do by accident when asked to provision a live tenant, as an
    explicit operation: under the tenant's lease, IdP (when configured), infra, app with
    the infra outputs; resource records follow. A failure stops there and is reported; it
    never destroys or compensates anything, and the tenant stays ACTIVE.
    """

    @workflow.run
    async def run(self, input: ReconcileTenantInput) -> ReconcileTenantResult:
        self._begin(input)
        self._set(cancellable=False)  # nothing to roll back to: let it finish
        self._step(Step.INITIALIZING, 5)
        changes: dict[str, dict[str, int]] = {}
        try:
            spec = await self._acquire("reconcile")
        except ActivityError as exc:
            raise self._failed(input, changes, *describe(exc)) from None
        try:
            return await self._reconcile(input, spec, changes)
        except ActivityError as exc:
            raise self._failed(input, changes, *describe(exc)) from None
        finally:
            await self._release()

    async def _reconcile(
        self, input: ReconcileTenantInput, spec: TenantSpec, changes: dict[str, dict[str, int]]
    ) -> ReconcileTenantResult:
        components = ([Component.IDP] if spec.idp else []) + [Component.INFRA, Component.APP]
        infra: dict[str, Any] = {}
        for index, component in enumerate(components):
            self._step(Step.RECONCILING, 10 + 80 * index // len(components), component=component)
            inputs = infra if component is Component.APP else {}
            result = await self._stack(
                Activity.STACK_UP,
                spec.model_copy(update={"inputs": inputs}),
                component,
                refresh=True,
            )
            if component is Component.INFRA:
                infra = result.outputs
            changes[component.value] = result.changes
            await self._activity(
                Activity.RECORD_RESOURCES,
                RecordResourcesInput(
                    tenant_id=input.tenant_id, component=component, resources=result.resources
                ),
                self._policies.status,
            )
        self._step(Step.COMPLETED, 100, done=True)
        return ReconcileTenantResult(success=True, tenant_id=input.tenant_id, changes=changes)

    def _failed(
        self,
        input: ReconcileTenantInput,
        changes: dict[str, dict[str, int]],
        message: str,
        error_type: str,
    ) -> ApplicationError:
        return self._fail(
            f"reconciling {input.tenant_id}",
            ReconcileTenantResult(
                success=False,
                tenant_id=input.tenant_id,
                changes=changes,
                error=message,
                error_type=error_type,
            ),
        )
