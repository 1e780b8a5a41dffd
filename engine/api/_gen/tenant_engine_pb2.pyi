import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Contact(_message.Message):
    __slots__ = ("email", "first_name", "last_name", "is_primary")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    IS_PRIMARY_FIELD_NUMBER: _ClassVar[int]
    email: str
    first_name: str
    last_name: str
    is_primary: bool
    def __init__(self, email: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., is_primary: _Optional[bool] = ...) -> None: ...

class Subscription(_message.Message):
    __slots__ = ("id", "plan_id", "tier", "start_date", "end_date")
    ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    id: str
    plan_id: str
    tier: str
    start_date: str
    end_date: str
    def __init__(self, id: _Optional[str] = ..., plan_id: _Optional[str] = ..., tier: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class Idp(_message.Message):
    __slots__ = ("provider", "display_name")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    provider: str
    display_name: str
    def __init__(self, provider: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class ProvisionTenantRequest(_message.Message):
    __slots__ = ("tenant_id", "tenant_key", "tenant_name", "domains", "contacts", "subscription", "idp", "app_version", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_KEY_FIELD_NUMBER: _ClassVar[int]
    TENANT_NAME_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    IDP_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    tenant_key: str
    tenant_name: str
    domains: _containers.RepeatedScalarFieldContainer[str]
    contacts: _containers.RepeatedCompositeFieldContainer[Contact]
    subscription: Subscription
    idp: Idp
    app_version: str
    parameters: _containers.ScalarMap[str, str]
    def __init__(self, tenant_id: _Optional[str] = ..., tenant_key: _Optional[str] = ..., tenant_name: _Optional[str] = ..., domains: _Optional[_Iterable[str]] = ..., contacts: _Optional[_Iterable[_Union[Contact, _Mapping]]] = ..., subscription: _Optional[_Union[Subscription, _Mapping]] = ..., idp: _Optional[_Union[Idp, _Mapping]] = ..., app_version: _Optional[str] = ..., parameters: _Optional[_Mapping[str, str]] = ...) -> None: ...

class DeprovisionTenantRequest(_message.Message):
    __slots__ = ("tenant_id", "retain_data")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    RETAIN_DATA_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    retain_data: bool
    def __init__(self, tenant_id: _Optional[str] = ..., retain_data: _Optional[bool] = ...) -> None: ...

class DeployTenantRequest(_message.Message):
    __slots__ = ("tenant_id", "app_version")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    app_version: str
    def __init__(self, tenant_id: _Optional[str] = ..., app_version: _Optional[str] = ...) -> None: ...

class ReconcileTenantRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class WorkflowStarted(_message.Message):
    __slots__ = ("workflow_id", "run_id")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    run_id: str
    def __init__(self, workflow_id: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...

class TenantStatusRequest(_message.Message):
    __slots__ = ("tenant_id", "kind")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    kind: str
    def __init__(self, tenant_id: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class PulumiProgress(_message.Message):
    __slots__ = ("stack", "operation", "planned", "done", "failed", "current_resource", "current_op", "elapsed_s")
    STACK_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    PLANNED_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    CURRENT_RESOURCE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_OP_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    stack: str
    operation: str
    planned: int
    done: int
    failed: int
    current_resource: str
    current_op: str
    elapsed_s: float
    def __init__(self, stack: _Optional[str] = ..., operation: _Optional[str] = ..., planned: _Optional[int] = ..., done: _Optional[int] = ..., failed: _Optional[int] = ..., current_resource: _Optional[str] = ..., current_op: _Optional[str] = ..., elapsed_s: _Optional[float] = ...) -> None: ...

class StepFailure(_message.Message):
    __slots__ = ("step", "error")
    STEP_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    step: str
    error: str
    def __init__(self, step: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class WorkflowOutcome(_message.Message):
    __slots__ = ("success", "error", "error_type", "app_url", "resource_count", "app_version", "compensated", "destroyed", "retained", "rolled_back", "failures")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    APP_URL_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    COMPENSATED_FIELD_NUMBER: _ClassVar[int]
    DESTROYED_FIELD_NUMBER: _ClassVar[int]
    RETAINED_FIELD_NUMBER: _ClassVar[int]
    ROLLED_BACK_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    success: bool
    error: str
    error_type: str
    app_url: str
    resource_count: int
    app_version: str
    compensated: _containers.RepeatedScalarFieldContainer[str]
    destroyed: _containers.RepeatedScalarFieldContainer[str]
    retained: _containers.RepeatedScalarFieldContainer[str]
    rolled_back: bool
    failures: _containers.RepeatedCompositeFieldContainer[StepFailure]
    def __init__(self, success: _Optional[bool] = ..., error: _Optional[str] = ..., error_type: _Optional[str] = ..., app_url: _Optional[str] = ..., resource_count: _Optional[int] = ..., app_version: _Optional[str] = ..., compensated: _Optional[_Iterable[str]] = ..., destroyed: _Optional[_Iterable[str]] = ..., retained: _Optional[_Iterable[str]] = ..., rolled_back: _Optional[bool] = ..., failures: _Optional[_Iterable[_Union[StepFailure, _Mapping]]] = ...) -> None: ...

class TenantStatus(_message.Message):
    __slots__ = ("workflow_id", "tenant_id", "kind", "step", "percent", "details", "tenant_status", "component", "done", "cancel_requested", "pulumi", "outcome")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    TENANT_STATUS_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    PULUMI_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    tenant_id: str
    kind: str
    step: str
    percent: int
    details: str
    tenant_status: str
    component: str
    done: bool
    cancel_requested: bool
    pulumi: PulumiProgress
    outcome: WorkflowOutcome
    def __init__(self, workflow_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., kind: _Optional[str] = ..., step: _Optional[str] = ..., percent: _Optional[int] = ..., details: _Optional[str] = ..., tenant_status: _Optional[str] = ..., component: _Optional[str] = ..., done: _Optional[bool] = ..., cancel_requested: _Optional[bool] = ..., pulumi: _Optional[_Union[PulumiProgress, _Mapping]] = ..., outcome: _Optional[_Union[WorkflowOutcome, _Mapping]] = ...) -> None: ...

class PlannedChange(_message.Message):
    __slots__ = ("urn", "type", "name", "op", "diffs")
    URN_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    DIFFS_FIELD_NUMBER: _ClassVar[int]
    urn: str
    type: str
    name: str
    op: str
    diffs: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, urn: _Optional[str] = ..., type: _Optional[str] = ..., name: _Optional[str] = ..., op: _Optional[str] = ..., diffs: _Optional[_Iterable[str]] = ...) -> None: ...

class ComponentPlan(_message.Message):
    __slots__ = ("component", "changes", "resources")
    class ChangesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    component: str
    changes: _containers.ScalarMap[str, int]
    resources: _containers.RepeatedCompositeFieldContainer[PlannedChange]
    def __init__(self, component: _Optional[str] = ..., changes: _Optional[_Mapping[str, int]] = ..., resources: _Optional[_Iterable[_Union[PlannedChange, _Mapping]]] = ...) -> None: ...

class PreviewTenantResponse(_message.Message):
    __slots__ = ("workflow_id", "success", "error", "components")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    success: bool
    error: str
    components: _containers.RepeatedCompositeFieldContainer[ComponentPlan]
    def __init__(self, workflow_id: _Optional[str] = ..., success: _Optional[bool] = ..., error: _Optional[str] = ..., components: _Optional[_Iterable[_Union[ComponentPlan, _Mapping]]] = ...) -> None: ...

class CancelProvisioningRequest(_message.Message):
    __slots__ = ("tenant_id", "kind")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    kind: str
    def __init__(self, tenant_id: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class CancelProvisioningResponse(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class ListTenantsRequest(_message.Message):
    __slots__ = ("status", "tier", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: str
    tier: str
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[str] = ..., tier: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Tenant(_message.Message):
    __slots__ = ("tenant_id", "tenant_key", "tenant_name", "tier", "status", "domains", "plan_id", "app_version", "idp_provider", "created_at", "updated_at")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_KEY_FIELD_NUMBER: _ClassVar[int]
    TENANT_NAME_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    IDP_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    tenant_key: str
    tenant_name: str
    tier: str
    status: str
    domains: _containers.RepeatedScalarFieldContainer[str]
    plan_id: str
    app_version: str
    idp_provider: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, tenant_id: _Optional[str] = ..., tenant_key: _Optional[str] = ..., tenant_name: _Optional[str] = ..., tier: _Optional[str] = ..., status: _Optional[str] = ..., domains: _Optional[_Iterable[str]] = ..., plan_id: _Optional[str] = ..., app_version: _Optional[str] = ..., idp_provider: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListTenantsResponse(_message.Message):
    __slots__ = ("tenants", "next_page_token")
    TENANTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenants: _containers.RepeatedCompositeFieldContainer[Tenant]
    next_page_token: str
    def __init__(self, tenants: _Optional[_Iterable[_Union[Tenant, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListTenantStacksRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class Stack(_message.Message):
    __slots__ = ("name", "component", "last_update", "resource_count", "update_in_progress", "url")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_IN_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    name: str
    component: str
    last_update: _timestamp_pb2.Timestamp
    resource_count: int
    update_in_progress: bool
    url: str
    def __init__(self, name: _Optional[str] = ..., component: _Optional[str] = ..., last_update: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resource_count: _Optional[int] = ..., update_in_progress: _Optional[bool] = ..., url: _Optional[str] = ...) -> None: ...

class ListTenantStacksResponse(_message.Message):
    __slots__ = ("tenant_key", "stacks")
    TENANT_KEY_FIELD_NUMBER: _ClassVar[int]
    STACKS_FIELD_NUMBER: _ClassVar[int]
    tenant_key: str
    stacks: _containers.RepeatedCompositeFieldContainer[Stack]
    def __init__(self, tenant_key: _Optional[str] = ..., stacks: _Optional[_Iterable[_Union[Stack, _Mapping]]] = ...) -> None: ...

class TenantHistoryRequest(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    def __init__(self, tenant: _Optional[str] = ...) -> None: ...

class StatusTransition(_message.Message):
    __slots__ = ("from_status", "to_status", "reason", "workflow_id", "at")
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    from_status: str
    to_status: str
    reason: str
    workflow_id: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, from_status: _Optional[str] = ..., to_status: _Optional[str] = ..., reason: _Optional[str] = ..., workflow_id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RetainedResource(_message.Message):
    __slots__ = ("component", "type", "physical_id", "retained_at")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PHYSICAL_ID_FIELD_NUMBER: _ClassVar[int]
    RETAINED_AT_FIELD_NUMBER: _ClassVar[int]
    component: str
    type: str
    physical_id: str
    retained_at: _timestamp_pb2.Timestamp
    def __init__(self, component: _Optional[str] = ..., type: _Optional[str] = ..., physical_id: _Optional[str] = ..., retained_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Notice(_message.Message):
    __slots__ = ("kind", "state", "created_at", "sent_at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    state: str
    created_at: _timestamp_pb2.Timestamp
    sent_at: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[str] = ..., state: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TenantHistoryResponse(_message.Message):
    __slots__ = ("tenant_id", "tenant_key", "status", "transitions", "owner_workflow_id", "owner_operation", "retained", "notices")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRANSITIONS_FIELD_NUMBER: _ClassVar[int]
    OWNER_WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_OPERATION_FIELD_NUMBER: _ClassVar[int]
    RETAINED_FIELD_NUMBER: _ClassVar[int]
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    tenant_key: str
    status: str
    transitions: _containers.RepeatedCompositeFieldContainer[StatusTransition]
    owner_workflow_id: str
    owner_operation: str
    retained: _containers.RepeatedCompositeFieldContainer[RetainedResource]
    notices: _containers.RepeatedCompositeFieldContainer[Notice]
    def __init__(self, tenant_id: _Optional[str] = ..., tenant_key: _Optional[str] = ..., status: _Optional[str] = ..., transitions: _Optional[_Iterable[_Union[StatusTransition, _Mapping]]] = ..., owner_workflow_id: _Optional[str] = ..., owner_operation: _Optional[str] = ..., retained: _Optional[_Iterable[_Union[RetainedResource, _Mapping]]] = ..., notices: _Optional[_Iterable[_Union[Notice, _Mapping]]] = ...) -> None: ...

class NotifyTenantRequest(_message.Message):
    __slots__ = ("tenant", "kind", "resend")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RESEND_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    kind: str
    resend: bool
    def __init__(self, tenant: _Optional[str] = ..., kind: _Optional[str] = ..., resend: _Optional[bool] = ...) -> None: ...

class PlatformRequest(_message.Message):
    __slots__ = ("operation",)
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    operation: str
    def __init__(self, operation: _Optional[str] = ...) -> None: ...

class PlatformResponse(_message.Message):
    __slots__ = ("success", "operation", "exists", "changes", "planned", "outputs", "error", "error_type")
    class ChangesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class OutputsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    PLANNED_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    success: bool
    operation: str
    exists: bool
    changes: _containers.ScalarMap[str, int]
    planned: _containers.RepeatedCompositeFieldContainer[PlannedChange]
    outputs: _containers.ScalarMap[str, str]
    error: str
    error_type: str
    def __init__(self, success: _Optional[bool] = ..., operation: _Optional[str] = ..., exists: _Optional[bool] = ..., changes: _Optional[_Mapping[str, int]] = ..., planned: _Optional[_Iterable[_Union[PlannedChange, _Mapping]]] = ..., outputs: _Optional[_Mapping[str, str]] = ..., error: _Optional[str] = ..., error_type: _Optional[str] = ...) -> None: ...
