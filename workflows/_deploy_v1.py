"""DeployTenant before leases.

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
        DeployTenantInput,
        DeployTenantResult,
        RecordResourcesInput,
        SetAppVersionInput,
        StackActivityInput,
        Step,
    )
    from engine.core.models import Component, TenantSpec

    from ._base import TenantWorkflowBase
    from ._support import describe


class DeployV1(TenantWorkflowBase):
    """The pre-lease run (no ``@workflow.defn``: a base)."""

    async def _run_v1(self, input: DeployTenantInput) -> DeployTenantResult:
        self._step(Step.INITIALIZING, 5)
        try:
            spec: TenantSpec = await self._activity(
                Activity.LOAD_TENANT, input.tenant_id, self._policies.status, TenantSpec
            )
            infra: dict[str, Any] = await self._activity(
                Activity.STACK_OUTPUTS,
                StackActivityInput(spec=spec, component=Component.INFRA),
                self._policies.status,
                dict,
            )
        except ActivityError as exc:
            # Nothing changed yet; say why instead of failing with a bare ActivityError.
            raise self._failed_v1(input, *describe(exc)) from None
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
                SetAppVersionInput(tenant_id=input.tenant_id, app_version=input.app_version),
                self._policies.status,
            )
        except BaseException as error:
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
            failure = self._failed_v1(
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

    def _failed_v1(
        self, input: DeployTenantInput, message: str, error_type: str, **extra: Any
    ) -> ApplicationError:
        """The workflow's failure, carrying the typed result for the caller."""
        self._step(Step.FAILED, 100, details=message, done=True)
        return ApplicationError(
            f"deploying {input.app_version} to {input.tenant_id} failed: {message}",
            DeployTenantResult(
                success=False,
                tenant_id=input.tenant_id,
                app_version=input.app_version,
                error=message,
                error_type=error_type,
                **extra,
            ),
            type=error_type,
            non_retryable=True,
        )
