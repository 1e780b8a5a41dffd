"""ProvisionTenantWorkflow: IdP, infrastructure and application stacks, or nothing at all."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import (
        Activity,
        BeginProvisionInput,
        BeginProvisionResult,
        ComponentPlan,
        PlatformInput,
        PlatformResult,
        ProvisionTenantInput,
        ProvisionTenantResult,
        RecordResourcesInput,
        StackActivityInput,
        StackActivityResult,
        Step,
        StepFailure,
    )
    from engine.core.models import Component, TenantStatus, Tier

    from ._provision_v1 import ProvisionV1
    from ._support import COMPENSATE_ON, describe, options, uncancellable

LEASE_PATCH = "tenant-lease"
PARALLEL_PATCH = "parallel-idp-infra"
PLATFORM_PATCH = "ensure-platform"

_STEP_FOR = {
    Component.IDP: (Step.CREATING_IDP, 15),
    Component.INFRA: (Step.PROVISIONING_INFRA, 30),
    Component.APP: (Step.DEPLOYING_APP, 60),
}

_AT_ONCE = "identity provider and infrastructure stacks at once"
_ORDER = [Component.IDP, Component.INFRA, Component.APP]


async def _all(calls: Iterable[Awaitable[None]]) -> None:
    """Run the calls at once and wait for *every* one, then raise the first failure.

    Compensation must not start while a sibling ``up`` still runs. A cancellation of the
    workflow stops each call and waits for it; a step's own failure (an activity that
    reports its cancellation) is raised rather than the bare cancel, as one step would.
    """
    tasks = [asyncio.ensure_future(call) for call in calls]
    cancelled: asyncio.CancelledError | None = None
    try:
        await asyncio.gather(*tasks, return_exceptions=True)
    except asyncio.CancelledError as exc:  # gather cancels each call and waits for it
        cancelled = exc
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
    if cancelled is not None:
        raise cancelled


# What the customer reads when set-up fails: no stack names, ARNs or provider text (those
# are in the workflow's result and logs, found by the reference).
_CUSTOMER_MESSAGE = "the set-up did not complete and everything it started was rolled back"


@workflow.defn(name="provisionTenantWorkflow")
class ProvisionTenantWorkflow(ProvisionV1):
    """The seed plan's provisionTenantWorkflow: create a tenant, or leave nothing behind.

    1. ``begin_provision`` registers the tenant and makes it PROVISIONING under this run's
       lease, in one transaction; a refusal (ACTIVE, busy, key of another tenant) changes
       nothing, so it is not compensated and nobody is emailed.
    2. The IdP and infra stacks at once (they do not depend on each other; both are
       waited for before anything else happens), then the app stack with the infra
       outputs. A stack that already had resources (a re-provision after
       PROVISIONFAILED or INACTIVE) is *kept*: compensation never destroys it.
    3. Point of no return (every stack up): a cancel is refused from here (``cancellable``
       false); resources are recorded and the status set ACTIVE, registry writes retrying
       until the registry answers.
    4. The welcome notice goes to a workflow of its own: an email outage delays it and
       never undoes the tenant.

    On failure or cancellation (before 3; after it only a permanent registry refusal),
    the stacks this run created are destroyed in reverse order, their resource records
    removed, the status set to PROVISIONFAILED and the contacts told in plain words. The
    workflow then fails with the typed result in the error's details. A dry run previews
    and changes nothing.
    """

    @workflow.run
    async def run(self, input: ProvisionTenantInput) -> ProvisionTenantResult:
        self._begin(input)
        if input.dry_run:
            return await self._preview(input)
        if not workflow.patched(LEASE_PATCH):
            return await self._run_v1(input)

        spec = input.spec()
        info = workflow.info()
        self._step(Step.UPDATING_STATUS, 5)
        try:
            begun: BeginProvisionResult = await uncancellable(
                self._activity(
                    Activity.BEGIN_PROVISION,
                    BeginProvisionInput(
                        spec=spec,
                        subscription_end=input.subscription.end_date,
                        workflow_id=info.workflow_id,
                        run_id=info.run_id,
                    ),
                    self._policies.status,
                    BeginProvisionResult,
                )
            )
        except ActivityError as exc:
            message, error_type = describe(exc)
            raise self._fail(
                f"provisioning {input.tenant_id}",
                ProvisionTenantResult(
                    success=False, tenant_id=input.tenant_id, error=message, error_type=error_type
                ),
            ) from None
        self._mark(TenantStatus.PROVISIONING)
        try:
            return await self._provision(input, new=begun.new)
        finally:
            await self._release()

    async def _provision(self, input: ProvisionTenantInput, *, new: bool) -> ProvisionTenantResult:
        spec = input.spec()
        attempted: list[Component] = []
        kept: list[Component] = []
        outputs: dict[Component, StackActivityResult] = {}

        async def up(component: Component) -> None:
            if not new and await self._activity(
                Activity.STACK_INSPECT,
                StackActivityInput(spec=spec, component=component),
                self._policies.status,
                bool,
            ):
                kept.append(component)
            inputs = outputs[Component.INFRA].outputs if component is Component.APP else {}
            attempted.append(component)
            outputs[component] = await self._stack(
                Activity.STACK_UP, spec.model_copy(update={"inputs": inputs}), component
            )

        try:
            if spec.tier is not Tier.SILO and workflow.patched(PLATFORM_PATCH):
                # Pooled and bridge tenants use the shared platform stack: make sure it
                # exists (never destroyed by compensation: other tenants use it).
                self._check_cancelled()
                self._step(Step.ENSURING_PLATFORM, 10)
                await self._platform()
            first = [Component.INFRA] if input.idp is None else [Component.IDP, Component.INFRA]
            if workflow.patched(PARALLEL_PATCH):
                # IdP and infra do not depend on each other: both at once, then the app.
                self._check_cancelled()
                # One step for both, named after infra (the longer one; its live progress
                # is the one shown), the details saying the IdP runs beside it.
                percent = 15 if len(first) > 1 else _STEP_FOR[Component.INFRA][1]
                details = _AT_ONCE if len(first) > 1 else None
                self._step(
                    Step.PROVISIONING_INFRA, percent, component=Component.INFRA, details=details
                )
                await _all(up(component) for component in first)
                waves = [[Component.APP]]
            else:
                waves = [[component] for component in [*first, Component.APP]]
            for [component] in waves:
                self._check_cancelled()
                self._step(*_STEP_FOR[component], component=component)
                await up(component)
            self._check_cancelled()
            # The point of no return: every stack is up. A cancel is refused from here and
            # the registry writes retry until the registry answers; only a permanent
            # refusal (a bug, a tenant changed behind our back) still rolls back.
            self._set(cancellable=False)
            resources = await uncancellable(self._activate(input, outputs))
        except COMPENSATE_ON as error:
            failed = await self._compensate_owned(input, attempted, kept, error)
            if isinstance(error, asyncio.CancelledError):
                raise
            raise ApplicationError(
                f"provisioning {input.tenant_id} failed: {failed.error}",
                failed,
                type=failed.error_type or "ProvisioningFailed",
                non_retryable=True,
            ) from None

        app = outputs[Component.APP].outputs
        app_url = app.get("app_url") if isinstance(app.get("app_url"), str) else None
        self._step(Step.NOTIFYING, 95)
        await uncancellable(self._notify_later("welcome", app_url=app_url))
        self._step(Step.COMPLETED, 100, done=True)
        idp = outputs.get(Component.IDP)
        return ProvisionTenantResult(
            success=True,
            tenant_id=input.tenant_id,
            app_url=app_url,
            resources=resources,
            idp_organization_id=idp.outputs.get("organization_id") if idp else None,
            kept=kept,
        )

    async def _platform(self) -> None:
        call = workflow.execute_activity(
            Activity.PLATFORM_UP,
            PlatformInput(only_if_missing=True),
            result_type=PlatformResult,
            **options(self._policies.infra, long_running=True),
        )
        await self._stoppable(call)  # a cancel stops it like a tenant stack

    async def _activate(
        self, input: ProvisionTenantInput, outputs: dict[Component, StackActivityResult]
    ) -> list[dict[str, Any]]:
        """Record every stack's resources, then ACTIVE (registry writes wait out an outage)."""
        self._step(Step.CREATING_RESOURCES, 80)
        resources: list[dict[str, Any]] = []
        for component in [c for c in _ORDER if c in outputs]:  # not the order they finished
            result = outputs[component]
            await self._activity(
                Activity.RECORD_RESOURCES,
                RecordResourcesInput(
                    tenant_id=input.tenant_id, component=component, resources=result.resources
                ),
                self._policies.status,
            )
            resources += [{**r, "component": component.value} for r in result.resources]
        self._step(Step.ACTIVATING, 90)
        await self._set_status(TenantStatus.ACTIVE, "provisioned")
        return resources

    async def _preview(self, input: ProvisionTenantInput) -> ProvisionTenantResult:
        spec = input.spec()
        plan: list[ComponentPlan] = []
        components = ([Component.IDP] if input.idp else []) + [Component.INFRA, Component.APP]
        for index, component in enumerate(components):
            self._step(Step.PREVIEWING, int(100 * index / len(components)), component=component)
            try:
                result = await self._stack(Activity.STACK_PREVIEW, spec, component)
            except ActivityError as exc:
                # What a dry run is for: say which program fails and why.
                message, error_type = describe(exc)
                raise self._fail(
                    f"preview of {input.tenant_id} {component.value}",
                    ProvisionTenantResult(
                        success=False,
                        tenant_id=input.tenant_id,
                        dry_run=True,
                        error=message,
                        error_type=error_type,
                        plan=plan,
                    ),
                ) from None
            plan.append(
                ComponentPlan(component=component, changes=result.changes, planned=result.planned)
            )
        self._step(Step.COMPLETED, 100, done=True)
        return ProvisionTenantResult(
            success=True, tenant_id=input.tenant_id, dry_run=True, plan=plan
        )

    async def _compensate_owned(
        self,
        input: ProvisionTenantInput,
        attempted: list[Component],
        kept: list[Component],
        error: BaseException,
    ) -> ProvisionTenantResult:
        """Undo what this run created; the tenant was PROVISIONING by this run's hand."""
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
        for component in sorted(attempted, key=_ORDER.index, reverse=True):
            if component in kept:
                continue  # it had resources before this run: not ours to destroy
            self._set(component=component)
            try:
                await self._stack(Activity.STACK_DESTROY, spec, component, protect=True)
                compensated.append(component)
                # Resource rows follow the stacks (a retry records them again).
                await uncancellable(
                    self._activity(
                        Activity.RECORD_RESOURCES,
                        RecordResourcesInput(tenant_id=input.tenant_id, component=component),
                        self._policies.status,
                    )
                )
            except ActivityError as exc:  # one failed destroy must not stop the others
                failures.append(
                    StepFailure(step=f"destroy {component.value}", error=describe(exc)[0])
                )
        try:
            await uncancellable(self._set_status(TenantStatus.PROVISIONFAILED, message))
        except ActivityError as exc:  # reported in the result, never hidden
            failures.append(StepFailure(step="status", error=describe(exc)[0]))
        await uncancellable(self._notify_later("provisioning_failed", error=_CUSTOMER_MESSAGE))
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
            kept=kept,
        )
