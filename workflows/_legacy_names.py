"""The workflow type names used before the seed plan's names were adopted.

Runs started as ``ProvisionTenant``, ``DeprovisionTenant`` or ``DeployTenant`` by earlier
versions must still find a worker (and replay); these classes serve them with today's
code. New runs are started under the seed's names (``provisionTenantWorkflow``, ...). Drop
them once no such run can be open or replayed.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import (
        DeployTenantInput,
        DeployTenantResult,
        DeprovisionTenantInput,
        DeprovisionTenantResult,
        ProvisionTenantInput,
        ProvisionTenantResult,
    )

    from .deploy import DeployTenantWorkflow
    from .deprovision import DeprovisionTenantWorkflow
    from .provision import ProvisionTenantWorkflow


@workflow.defn(name="ProvisionTenant")
class ProvisionTenantUnderOldName(ProvisionTenantWorkflow):
    @workflow.run
    async def run(self, input: ProvisionTenantInput) -> ProvisionTenantResult:
        return await super().run(input)


@workflow.defn(name="DeprovisionTenant")
class DeprovisionTenantUnderOldName(DeprovisionTenantWorkflow):
    @workflow.run
    async def run(self, input: DeprovisionTenantInput) -> DeprovisionTenantResult:
        return await super().run(input)


@workflow.defn(name="DeployTenant")
class DeployTenantUnderOldName(DeployTenantWorkflow):
    @workflow.run
    async def run(self, input: DeployTenantInput) -> DeployTenantResult:
        return await super().run(input)
