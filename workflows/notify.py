"""NotifyTenantWorkflow: deliver one notice, however long the mail service is down."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import Activity, NotifyTenantInput

    from ._support import accept, options


@workflow.defn(name="notifyTenantWorkflow")
class NotifyTenantWorkflow:
    """Send the notice with its policy's retries (a day by default); True if sent now.

    Started by the tenant workflows and abandoned by them: the tenant's status never
    waits for an email. The outbox in the registry makes a resent notice a no-op once
    delivered, and shows its state (``tenantctl status``).
    """

    @workflow.run
    async def run(self, input: NotifyTenantInput) -> bool:
        accept(input)
        sent: bool = await workflow.execute_activity(
            Activity.NOTIFY, input.notice, result_type=bool, **options(input.policy)
        )
        return sent
