"""Temporal workflows (deterministic: no I/O, no Pulumi). Register ``ALL`` on a worker."""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from ._legacy_names import (
    DeployTenantUnderOldName,
    DeprovisionTenantUnderOldName,
    ProvisionTenantUnderOldName,
)
from .deploy import DeployTenantWorkflow
from .deprovision import DeprovisionTenantWorkflow
from .notify import NotifyTenantWorkflow
from .platform import PlatformStackWorkflow
from .provision import ProvisionTenantWorkflow
from .reconcile import ReconcileTenantWorkflow

__all__ = [
    "ALL",
    "DeployTenantWorkflow",
    "DeprovisionTenantWorkflow",
    "NotifyTenantWorkflow",
    "PlatformStackWorkflow",
    "ProvisionTenantWorkflow",
    "ReconcileTenantWorkflow",
    "sandbox_runner",
]

ALL = [
    ProvisionTenantWorkflow,
    DeprovisionTenantWorkflow,
    DeployTenantWorkflow,
    ReconcileTenantWorkflow,
    NotifyTenantWorkflow,
    PlatformStackWorkflow,
    # Runs started under the names used before the seed's (see _legacy_names).
    ProvisionTenantUnderOldName,
    DeprovisionTenantUnderOldName,
    DeployTenantUnderOldName,
]


def sandbox_runner() -> SandboxedWorkflowRunner:
    """The sandbox every worker must use for these workflows.

    Payload validation (pydantic ``EmailStr``) imports ``email_validator`` and ``idna``
    lazily; they are deterministic libraries, so they pass through the sandbox instead of
    being re-imported (and warned about) on every workflow run.
    """
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(
            "email_validator", "idna", "dns"
        )
    )
