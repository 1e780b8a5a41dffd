"""Inputs and results of the workflows and activities (the payloads in Temporal history).

Pure pydantic: importable by workflow code (no Pulumi, no I/O). Secrets never appear in
these models: provider credentials come from the worker's settings, and stack outputs
marked secret are withheld by the engine (see ``engine.results.UpResult``).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from engine.core.lenient import violations
from engine.core.models import (
    WIRE,
    Component,
    Contact,
    Domain,
    IdpConfig,
    Subscription,
    TenantId,
    TenantKey,
    TenantSpec,
    TenantStatus,
    unique_domains,
)
from engine.core.results import Progress, ResourceChange
from engine.core.settings import (
    ActivityPolicy,
    DeployPolicy,
    IdpPolicy,
    InfraPolicy,
    NotificationPolicy,
    StatusPolicy,
    WorkerSettings,
)

__all__ = [
    "CANCEL_SIGNAL",
    "NOTIFY_WORKFLOW",
    "OPERATION_FROM",
    "PLATFORM_WORKFLOW",
    "PLATFORM_WORKFLOW_ID",
    "PULUMI_QUEUE_SUFFIX",
    "STATUS_QUERY",
    "WORKFLOW_TYPES",
    "AcquireTenantInput",
    "Activity",
    "ActivityPolicies",
    "BeginProvisionInput",
    "BeginProvisionResult",
    "ComponentPlan",
    "DeployTenantInput",
    "DeployTenantResult",
    "DeprovisionTenantInput",
    "DeprovisionTenantResult",
    "LeaseInput",
    "NotificationInput",
    "NotifyTenantInput",
    "PlatformInput",
    "PlatformOperation",
    "PlatformResult",
    "Policy",
    "ProvisionTenantInput",
    "ProvisionTenantResult",
    "ReconcileTenantInput",
    "ReconcileTenantResult",
    "RecordResourcesInput",
    "RegisterTenantInput",
    "RetainResourcesInput",
    "SetAppVersionInput",
    "SetStatusInput",
    "StackActivityInput",
    "StackActivityResult",
    "Step",
    "StepFailure",
    "WorkflowStatus",
    "workflow_id",
]


class _Payload(BaseModel):
    # camelCase JSON on the wire, unknown fields ignored (see ``models.WIRE``).
    model_config = ConfigDict(frozen=True, **WIRE)


class WorkflowKind(StrEnum):
    PROVISION = "provision"
    DEPROVISION = "deprovision"
    DEPLOY = "deploy"
    PREVIEW = "preview"
    RECONCILE = "reconcile"

    @property
    def workflow_type(self) -> str:
        """The workflow type name a client starts (the seed plan's names)."""
        return WORKFLOW_TYPES[self]


#: Workflow type names, as the seed plan (and so ARC SaaS's TypeScript client) names them.
WORKFLOW_TYPES: dict[WorkflowKind, str] = {
    WorkflowKind.PROVISION: "provisionTenantWorkflow",
    WorkflowKind.PREVIEW: "provisionTenantWorkflow",
    WorkflowKind.DEPROVISION: "deprovisionTenantWorkflow",
    WorkflowKind.DEPLOY: "deployTenantWorkflow",
    WorkflowKind.RECONCILE: "reconcileTenantWorkflow",
}
NOTIFY_WORKFLOW = "notifyTenantWorkflow"
#: The shared platform stack's operations, one at a time (workflow id ``platform-shared``).
PLATFORM_WORKFLOW = "platformStackWorkflow"
PLATFORM_WORKFLOW_ID = "platform-shared"
STATUS_QUERY = "getStatus"
# Pulumi activities run on a task queue of their own, beside the workflows' queue, where
# each worker takes at most ``max_concurrent_pulumi`` at once: an activity's timeouts start
# when its Pulumi run can start, not while it waits for a free slot.
PULUMI_QUEUE_SUFFIX = "-pulumi"
CANCEL_SIGNAL = "provisioningCancelled"


def workflow_id(kind: WorkflowKind | str, tenant_id: str) -> str:
    """``provision-tenant-<tenantId>`` and friends: one running workflow per tenant and kind."""
    return f"{WorkflowKind(kind).value}-tenant-{tenant_id}"


#: The statuses each lifecycle operation may start from (the registry enforces them with
#: the lease; the API and CLI check them first for a clear refusal). Provision means
#: create; deprovision takes any status but INACTIVE (a PROVISIONING tenant only once its
#: provision run is gone: the lease decides).
OPERATION_FROM: dict[str, frozenset[TenantStatus]] = {
    "provision": frozenset(
        {TenantStatus.PENDINGPROVISION, TenantStatus.PROVISIONFAILED, TenantStatus.INACTIVE}
    ),
    "deploy": frozenset({TenantStatus.ACTIVE}),
    "reconcile": frozenset({TenantStatus.ACTIVE}),
    "deprovision": frozenset(set(TenantStatus) - {TenantStatus.INACTIVE}),
}


class Activity(StrEnum):
    """Activity names: the contract between workflows and whatever implements them."""

    REGISTER_TENANT = "register_tenant"  # histories recorded before the lease
    LOAD_TENANT = "load_tenant"  # histories recorded before the lease
    BEGIN_PROVISION = "begin_provision"
    ACQUIRE_TENANT = "acquire_tenant"
    RELEASE_TENANT = "release_tenant"
    RETAIN_RESOURCES = "retain_resources"
    STACK_INSPECT = "stack_inspect"
    SET_STATUS = "set_tenant_status"
    SET_APP_VERSION = "set_app_version"
    RECORD_RESOURCES = "record_resources"
    NOTIFY = "send_notification"
    STACK_UP = "stack_up"
    STACK_PREVIEW = "stack_preview"
    STACK_DESTROY = "stack_destroy"
    STACK_OUTPUTS = "stack_outputs"
    PLATFORM_UP = "platform_up"
    PLATFORM_PREVIEW = "platform_preview"
    PLATFORM_STATUS = "platform_status"


class Policy(_Payload):
    """One activity group's timeouts and retries, as carried in a workflow's input."""

    start_to_close: timedelta
    heartbeat: timedelta | None = None
    initial_interval: timedelta = timedelta(seconds=1)
    backoff: float = Field(default=2.0, ge=1.0)
    maximum_attempts: int = Field(default=3, ge=0)  # 0: until it works
    maximum_interval: timedelta | None = None
    schedule_to_close: timedelta | None = None

    @classmethod
    def of(cls, setting: ActivityPolicy) -> Policy:
        return cls.model_validate(setting.model_dump())


class ActivityPolicies(_Payload):
    """Timeouts and retries per activity group, carried in the workflow input.

    The starter fills them from its settings (``from_settings``); a running workflow keeps
    the policies it started with, so changing the configuration never alters history.
    """

    idp: Policy = Field(default_factory=lambda: Policy.of(IdpPolicy()))
    infra: Policy = Field(default_factory=lambda: Policy.of(InfraPolicy()))
    deploy: Policy = Field(default_factory=lambda: Policy.of(DeployPolicy()))
    status: Policy = Field(default_factory=lambda: Policy.of(StatusPolicy()))
    notification: Policy = Field(default_factory=lambda: Policy.of(NotificationPolicy()))

    @classmethod
    def from_settings(cls, worker: WorkerSettings) -> ActivityPolicies:
        return cls(
            idp=Policy.of(worker.idp),
            infra=Policy.of(worker.infra),
            deploy=Policy.of(worker.deploy),
            status=Policy.of(worker.status),
            notification=Policy.of(worker.notification),
        )

    def for_component(self, component: Component) -> Policy:
        return {Component.IDP: self.idp, Component.INFRA: self.infra}.get(component, self.deploy)


# -- workflow inputs and results -----------------------------------------------------------


class ProvisionTenantInput(_Payload):
    """The seed plan's TenantProvisioningInput, validated."""

    tenant_id: TenantId
    tenant_key: TenantKey
    tenant_name: str = Field(min_length=1, max_length=200)
    domains: tuple[Domain, ...] = ()
    contacts: tuple[Contact, ...] = Field(min_length=1, max_length=20)
    subscription: Subscription
    idp: IdpConfig | None = Field(
        default=None,
        validation_alias=AliasChoices("idpConfig", "idp"),
        serialization_alias="idpConfig",
    )
    app_version: str = Field(default="1.0.0", min_length=1, max_length=64)
    dry_run: bool = False
    # Catalog-specific program knobs (documented by each catalog).
    parameters: dict[str, str] = Field(default_factory=dict)
    policies: ActivityPolicies = Field(default_factory=ActivityPolicies)

    @model_validator(mode="after")
    def _unique_domains(self) -> ProvisionTenantInput:
        # Checked here too, not only in TenantSpec: a workflow must never start with input
        # that ``spec()`` would then refuse inside workflow code.
        unique_domains(self.domains)
        return self

    def spec(self, **changes: Any) -> TenantSpec:
        """The TenantSpec the stack programs receive.

        Of a recorded input that today's models refuse (replay, see ``engine.core.lenient``)
        it is built as recorded, without validation.
        """
        fields: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "tenant_key": self.tenant_key,
            "tenant_name": self.tenant_name,
            "tier": self.subscription.tier,
            "domains": self.domains,
            "contacts": self.contacts,
            "idp": self.idp,
            "plan_id": self.subscription.plan_id,
            "app_version": self.app_version,
            "parameters": self.parameters,
        }
        base = TenantSpec.model_construct(**fields) if violations(self) else TenantSpec(**fields)
        return base.model_copy(update=changes) if changes else base


class ComponentPlan(_Payload):
    """Planned changes of one component (dry run)."""

    component: Component
    changes: dict[str, int] = Field(default_factory=dict)
    planned: list[ResourceChange] = Field(default_factory=list)


class StepFailure(_Payload):
    """A compensation step that failed after its retries; reported, never hidden."""

    step: str
    error: str


class ProvisionTenantResult(_Payload):
    success: bool
    tenant_id: str
    dry_run: bool = False
    app_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("appPlaneUrl", "app_url"),
        serialization_alias="appPlaneUrl",
    )
    resources: list[dict[str, Any]] = Field(default_factory=list)
    idp_organization_id: str | None = None
    error: str | None = None
    error_type: str | None = None
    compensated: list[Component] = Field(default_factory=list)
    compensation_failures: list[StepFailure] = Field(default_factory=list)
    plan: list[ComponentPlan] = Field(default_factory=list)
    # Stacks that had resources before this run: compensation leaves them alone.
    kept: list[Component] = Field(default_factory=list)
    # The welcome notice could not be sent yet: the tenant is ACTIVE all the same.
    notification_error: str | None = None


class DeprovisionTenantInput(_Payload):
    tenant_id: TenantId
    # Keep stateful resources (data buckets, tables, keys) instead of deleting them.
    retain_data: bool = False
    policies: ActivityPolicies = Field(default_factory=ActivityPolicies)


class DeprovisionTenantResult(_Payload):
    success: bool
    tenant_id: str
    destroyed: list[Component] = Field(default_factory=list)
    retained: list[str] = Field(default_factory=list)
    error: str | None = None
    error_type: str | None = None
    failures: list[StepFailure] = Field(default_factory=list)


class DeployTenantInput(_Payload):
    tenant_id: TenantId
    app_version: str = Field(min_length=1, max_length=64)
    policies: ActivityPolicies = Field(default_factory=ActivityPolicies)


class DeployTenantResult(_Payload):
    success: bool
    tenant_id: str
    app_version: str
    previous_version: str | None = None
    rolled_back: bool = False
    app_url: str | None = None
    error: str | None = None
    error_type: str | None = None


class PlatformOperation(StrEnum):
    UP = "up"
    PREVIEW = "preview"
    STATUS = "status"


class PlatformInput(_Payload):
    """One operation on the shared platform stack (pooled and bridge tenants use it)."""

    operation: PlatformOperation = PlatformOperation.UP
    # ``up`` only when the stack has no resources yet: what a tenant's provision asks for
    # (updating the platform is an operator's decision, ``tenantctl platform up``).
    only_if_missing: bool = False
    policies: ActivityPolicies = Field(default_factory=ActivityPolicies)


class PlatformResult(_Payload):
    success: bool
    operation: PlatformOperation
    # False: the catalog has no platform program (the local one), or the stack is absent.
    exists: bool = False
    changes: dict[str, int] = Field(default_factory=dict)
    planned: list[ResourceChange] = Field(default_factory=list)
    outputs: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None


class ReconcileTenantInput(_Payload):
    """Converge an ACTIVE tenant's stacks with their programs (``up`` again, no destroy)."""

    tenant_id: TenantId
    policies: ActivityPolicies = Field(default_factory=ActivityPolicies)


class ReconcileTenantResult(_Payload):
    success: bool
    tenant_id: str
    # Per component, the changes ``up`` made ({} or {"same": n}: nothing had drifted).
    changes: dict[str, dict[str, int]] = Field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None


class Step(StrEnum):
    INITIALIZING = "initializing"
    UPDATING_STATUS = "updating_status"
    CREATING_IDP = "creating_idp_organization"
    PROVISIONING_INFRA = "provisioning_infrastructure"
    DEPLOYING_APP = "deploying_application"
    CREATING_RESOURCES = "creating_resources"
    ACTIVATING = "activating_tenant"
    NOTIFYING = "sending_notification"
    PREVIEWING = "previewing"
    DESTROYING_APP = "destroying_application"
    DESTROYING_INFRA = "destroying_infrastructure"
    DESTROYING_IDP = "destroying_idp_organization"
    ROLLING_BACK = "rolling_back"
    COMPENSATING = "compensation"
    RECONCILING = "reconciling"
    ENSURING_PLATFORM = "ensuring_platform"
    COMPLETED = "completed"
    FAILED = "failed"


class WorkflowStatus(_Payload):
    """What the status query answers: the seed's {step, progress, details}, and more.

    ``pulumi`` is the running Pulumi operation's live progress; the workflow does not
    know it (it would cost history events), the client fills it from the activity's
    latest heartbeat (``engine.client``).
    """

    workflow_id: str = ""
    step: Step = Step.INITIALIZING
    # The seed's ``progress`` (0-100).
    percent: int = Field(
        default=0,
        ge=0,
        le=100,
        validation_alias=AliasChoices("progress", "percent"),
        serialization_alias="progress",
    )
    details: str | None = None
    tenant_status: TenantStatus | None = None
    component: Component | None = None
    done: bool = False
    cancel_requested: bool = False
    # False once a cancel can no longer be honoured (tenant ACTIVE, destroys started).
    cancellable: bool = True
    pulumi: Progress | None = None
    # Seconds the running step's Pulumi activity has waited for a worker's Pulumi slot
    # (filled by the client, like ``pulumi``); None when it is not waiting.
    queued_s: float | None = None


# -- activity inputs and results -----------------------------------------------------------


class RegisterTenantInput(_Payload):
    spec: TenantSpec
    subscription_end: date | None = None


class SetAppVersionInput(_Payload):
    tenant_id: str
    app_version: str
    workflow_id: str | None = None  # the owner; None in histories recorded before the lease


class BeginProvisionInput(_Payload):
    spec: TenantSpec
    subscription_end: date | None = None
    workflow_id: str
    run_id: str


class BeginProvisionResult(_Payload):
    spec: TenantSpec
    new: bool  # the registry did not know the tenant: it has no stacks to keep


class AcquireTenantInput(_Payload):
    tenant_id: str
    workflow_id: str
    run_id: str
    operation: str
    allowed: list[TenantStatus]


class LeaseInput(_Payload):
    """Who ends its ownership of a tenant (``release_tenant``)."""

    tenant_id: str
    workflow_id: str
    run_id: str


class RetainResourcesInput(_Payload):
    tenant_id: str
    component: Component
    physical_ids: list[str]
    workflow_id: str | None = None


class SetStatusInput(_Payload):
    tenant_id: str
    status: TenantStatus
    reason: str | None = None
    workflow_id: str | None = None


class RecordResourcesInput(_Payload):
    tenant_id: str
    component: Component
    # {"type", "id", "name"?, ...} as the programs export them in their `resources` output.
    resources: list[dict[str, Any]] = Field(default_factory=list)


class NotificationInput(_Payload):
    kind: str  # engine.notifications.NotificationKind value
    tenant_id: str
    idempotency_key: str
    app_url: str | None = None
    error: str | None = None


class NotifyTenantInput(_Payload):
    """The ``notifyTenantWorkflow`` input: one notice and how hard to try."""

    notice: NotificationInput
    policy: Policy = Field(default_factory=lambda: Policy.of(NotificationPolicy()))


class StackActivityInput(_Payload):
    spec: TenantSpec
    component: Component
    # destroy only: also delete the (empty) stack from the backend.
    remove_stack: bool = True
    # up only: read the real resources first, so drift is repaired (reconcile).
    refresh: bool = False


class StackActivityResult(_Payload):
    stack: str
    operation: str
    changes: dict[str, int] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(default_factory=dict)
    secret_outputs: list[str] = Field(default_factory=list)
    planned: list[ResourceChange] = Field(default_factory=list)
    existed: bool = True
    duration_s: float = 0.0
    pulumi_s: float = 0.0

    @property
    def resources(self) -> list[dict[str, Any]]:
        value = self.outputs.get("resources")
        return list(value) if isinstance(value, list) else []
