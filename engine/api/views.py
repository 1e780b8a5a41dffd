"""What the API answers, as pydantic models: the CLI renders these whatever the transport.

The gRPC server converts them to messages (``engine.api.convert``) and the CLI converts
the messages back, so ``tenantctl --direct`` and ``tenantctl`` over the API print the same.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.core.contracts import ComponentPlan, StepFailure, WorkflowKind, WorkflowStatus
from engine.core.errors import RegistryUnavailableError, UnavailableError
from engine.core.models import IdpProvider, TenantStatus, Tier
from engine.core.results import StackInfo

__all__ = [
    "DEPENDENCY_METADATA",
    "Dependency",
    "DependencyUnavailable",
    "NoticeView",
    "Outcome",
    "PreviewView",
    "RetainedView",
    "StackList",
    "Started",
    "StatusView",
    "TenantHistory",
    "TenantPage",
    "TenantView",
    "TransitionView",
    "unavailable_dependency",
]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Started(_View):
    """A workflow that was just started."""

    workflow_id: str
    run_id: str


class Outcome(_View):
    """How a workflow ended, whichever kind it was."""

    success: bool
    error: str | None = None
    error_type: str | None = None
    app_url: str | None = None
    resource_count: int = 0
    app_version: str | None = None
    compensated: list[str] = Field(default_factory=list)
    destroyed: list[str] = Field(default_factory=list)
    retained: list[str] = Field(default_factory=list)
    rolled_back: bool = False
    failures: list[StepFailure] = Field(default_factory=list)

    @classmethod
    def from_result(cls, result: BaseModel) -> Outcome:
        """From a Provision-, Deprovision- or DeployTenantResult."""
        data: dict[str, Any] = result.model_dump(mode="json", by_alias=False)
        failures = data.get("compensation_failures") or data.get("failures") or []
        return cls(
            success=bool(data.get("success")),
            error=data.get("error"),
            error_type=data.get("error_type"),
            app_url=data.get("app_url"),
            resource_count=len(data.get("resources") or []),
            app_version=data.get("app_version") or None,
            compensated=list(data.get("compensated") or []),
            destroyed=list(data.get("destroyed") or []),
            retained=list(data.get("retained") or []),
            rolled_back=bool(data.get("rolled_back")),
            failures=[StepFailure.model_validate(item) for item in failures],
        )


class StatusView(WorkflowStatus):
    """The workflow's status, which workflow it is, and its outcome once done."""

    tenant_id: str
    kind: WorkflowKind = WorkflowKind.PROVISION
    outcome: Outcome | None = None


class PreviewView(_View):
    workflow_id: str
    success: bool
    error: str | None = None
    plan: list[ComponentPlan] = Field(default_factory=list)


class TenantView(_View):
    """A tenant as the API shows it (the registry keeps more: contacts, parameters)."""

    tenant_id: str
    tenant_key: str
    tenant_name: str
    tier: Tier
    status: TenantStatus
    domains: tuple[str, ...] = ()
    plan_id: str | None = None
    app_version: str
    idp_provider: IdpProvider | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_record(cls, record: BaseModel) -> TenantView:
        """From an ``engine.registry.TenantRecord``."""
        return cls.model_validate(record.model_dump(include=set(cls.model_fields)))


class TenantPage(_View):
    tenants: list[TenantView]
    next_page_token: str | None = None


class StackList(_View):
    tenant_key: str
    stacks: list[StackInfo]


class TransitionView(_View):
    from_status: TenantStatus | None = None
    to_status: TenantStatus
    reason: str | None = None
    workflow_id: str | None = None
    at: datetime


class RetainedView(_View):
    component: str
    type: str
    physical_id: str
    retained_at: datetime


class NoticeView(_View):
    kind: str
    state: str
    created_at: datetime
    sent_at: datetime | None = None


class TenantHistory(_View):
    """``tenantctl history``: what happened to a tenant, who owns it now, what it keeps."""

    tenant_id: str
    tenant_key: str
    status: TenantStatus
    transitions: list[TransitionView]
    owner_workflow_id: str | None = None
    owner_operation: str | None = None
    retained: list[RetainedView] = Field(default_factory=list)
    notices: list[NoticeView] = Field(default_factory=list)


# -- what is unavailable ----------------------------------------------------------------

# The trailing metadata key of an UNAVAILABLE answer naming the dependency that did not
# answer; a client that gets UNAVAILABLE without it did not reach the API at all.
DEPENDENCY_METADATA = "tenant-engine-unavailable"


class Dependency(StrEnum):
    """What the API needs besides itself."""

    TEMPORAL = "temporal"
    REGISTRY = "registry"
    WORKER = "worker"
    PULUMI = "pulumi-backend"


class DependencyUnavailable(UnavailableError):
    """The API answered, but ``dependency`` did not (the CLI's hint names it)."""

    def __init__(self, message: str, dependency: Dependency) -> None:
        super().__init__(message)
        self.dependency = dependency


def unavailable_dependency(exc: UnavailableError) -> Dependency | None:
    """Which dependency an unavailable error is about; None if the API's own."""
    if isinstance(exc, DependencyUnavailable):
        return exc.dependency
    if isinstance(exc, RegistryUnavailableError):
        return Dependency.REGISTRY
    return None
