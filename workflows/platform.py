"""PlatformStackWorkflow: one operation on the shared platform stack, one at a time."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import (
        PLATFORM_WORKFLOW,
        Activity,
        PlatformInput,
        PlatformOperation,
        PlatformResult,
    )

    from ._support import accept, describe, options

_ACTIVITY = {
    PlatformOperation.UP: Activity.PLATFORM_UP,
    PlatformOperation.PREVIEW: Activity.PLATFORM_PREVIEW,
    PlatformOperation.STATUS: Activity.PLATFORM_STATUS,
}


@workflow.defn(name=PLATFORM_WORKFLOW)
class PlatformStackWorkflow:
    """``up``, ``preview`` or ``status`` of the ``platform-shared`` stack.

    Started with the id ``platform-shared`` (``tenantctl platform``, the Platform RPCs),
    so two operators never run it at once; a tenant's provision ensures the stack exists
    through the same activity, which one worker runs one at a time and the stack's lock
    serializes across workers. Nothing here destroys it: deprovisioning the last tenant
    leaves it in place.
    """

    @workflow.run
    async def run(self, input: PlatformInput) -> PlatformResult:
        accept(input)
        try:
            result: PlatformResult = await workflow.execute_activity(
                _ACTIVITY[input.operation],
                input,
                result_type=PlatformResult,
                **options(input.policies.infra, long_running=True),
            )
        except ActivityError as exc:
            message, error_type = describe(exc)
            raise ApplicationError(
                f"platform {input.operation.value} failed: {message}",
                PlatformResult(
                    success=False,
                    operation=input.operation,
                    error=message,
                    error_type=error_type,
                ),
                type=error_type,
                non_retryable=True,
            ) from None
        return result
