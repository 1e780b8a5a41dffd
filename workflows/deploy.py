"""DeployTenantWorkflow: roll an application version out to one tenant, or roll it back."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import (
        Activity,
        DeployTenantInput,
        DeployTenantResult,
        RecordResourcesInput,
        SetAppVersionInput,
        StackActivityInput,
        Step,
    )
    from engine.core.models import Component, TenantSpec

    from ._deploy_v1 import DeployV1
    from ._support import COMPENSATE_ON, describe

LEASE_PATCH = "tenant-lease"


@workflow.defn(name="deployTenantWorkflow")
class DeployTenantWorkflow(DeployV1):
    """Update the tenant's app stack to ``app_version``; on failure go back to the old one.

    Only an ACTIVE tenant, and only while this run owns it (the registry lease): a deploy
    can never race a deprovision and recreate the app stack. The app program takes the
    version as an input, so rolling back is another ``up`` with the previous version (an
    update of the same resources, not a re-creation). The registry's ``app_version``
    changes in one write, by the owner only.
    """

    @workflow.run
    async def run(self, input: DeployTenantInput) -> DeployTenantResult:
        self._begin(input)
        if not workflow.patched(LEASE_PATCH):
            return await self._run_v1(input)
        self._step(Step.INITIALIZING, 5)
        try:
            spec = await self._acquire("deploy")
        except ActivityError as exc:
            raise self._failed(input, *describe(exc)) from None
        try:
            return await self._deploy(input, spec)
        finally:
            await self._release()

    async def _deploy(self, input: DeployTenantInput, spec: TenantSpec) -> DeployTenantResult:
        try:
            infra: dict[str, Any] = await self._activity(
                Activity.STACK_OUTPUTS,
                StackActivityInput(spec=spec, component=Component.INFRA),
                self._policies.status,
                dict,
            )
        except ActivityError as exc:
            # Nothing changed yet; say why instead of failing with a bare ActivityError.
            raise self._failed(input, *describe(exc)) from None
        previous = spec.app_version
        spec = spec.model_copy(update={"inputs": infra})

        self._step(Step.DEPLOYING_APP, 20, component=Component.APP)
        try:
            result = await self._stack(
                Activity.STACK_UP,
                spec.model_copy(update={"app_version": input.app_version}),
                Component.APP,
            )
            # The registry must name the version that runs: if it cannot, go back.
            self._step(Step.CREATING_RESOURCES, 80)
            await self._activity(
                Activity.RECORD_RESOURCES,
                RecordResourcesInput(
                    tenant_id=input.tenant_id, component=Component.APP, resources=result.resources
                ),
                self._policies.status,
            )
            await self._activity(
                Activity.SET_APP_VERSION,
                SetAppVersionInput(
                    tenant_id=input.tenant_id,
                    app_version=input.app_version,
                    workflow_id=workflow.info().workflow_id,
                ),
                self._policies.status,
            )
        except COMPENSATE_ON as error:
            message, error_type = describe(error)
            if self._cancel_requested:
                message, error_type = "cancelled by request", "CancelledError"
            self._step(Step.ROLLING_BACK, 60, details=f"rolling back to {previous}: {message}")
            rolled_back = True
            try:
                await self._stack(Activity.STACK_UP, spec, Component.APP, protect=True)
            except ActivityError as exc:
                rolled_back = False
                message += f"; rollback to {previous} failed: {describe(exc)[0]}"
            failure = self._failed(
                input, message, error_type, previous_version=previous, rolled_back=rolled_back
            )
            if isinstance(error, asyncio.CancelledError):
                raise
            raise failure from None

        self._step(Step.COMPLETED, 100, done=True)
        url = result.outputs.get("app_url")
        return DeployTenantResult(
            success=True,
            tenant_id=input.tenant_id,
            app_version=input.app_version,
            previous_version=previous,
            app_url=url if isinstance(url, str) else None,
        )

    def _failed(
        self, input: DeployTenantInput, message: str, error_type: str, **extra: Any
    ) -> ApplicationError:
        """The workflow's failure, carrying the typed result for the caller."""
        return self._fail(
            f"deploying {input.app_version} to {input.tenant_id}",
            DeployTenantResult(
                success=False,
                tenant_id=input.tenant_id,
                app_version=input.app_version,
                error=message,
                error_type=error_type,
                **extra,
            ),
        )
