"""Messages to request mappings and views, and back (the server and the CLI's client).

Tenant and stack listings are in ``convert_lists``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from engine.core.contracts import ComponentPlan, ProvisionTenantInput, WorkflowKind
from engine.core.models import Component
from engine.core.results import Progress, ResourceChange

from ._gen import tenant_engine_pb2 as pb
from .views import Outcome, PreviewView, Started, StatusView

__all__ = [
    "aware",
    "from_timestamp",
    "preview_from_proto",
    "preview_to_proto",
    "provision_fields",
    "provision_request",
    "started_to_proto",
    "status_from_proto",
    "status_to_proto",
    "to_timestamp",
]


# -- requests ------------------------------------------------------------------------


def provision_fields(request: pb.ProvisionTenantRequest) -> dict[str, Any]:
    """The request as the mapping ``validation.provision_input`` takes.

    Proto3 cannot tell an empty string from an absent one; both reach validation as the
    empty string, so an empty required field is reported like a bad one, and one with a
    default (the subscription's id, plan and dates) gets its default.
    """
    fields: dict[str, Any] = {
        "tenant_id": request.tenant_id,
        "tenant_key": request.tenant_key,
        "tenant_name": request.tenant_name,
        "domains": list(request.domains),
        "contacts": [
            {
                "email": c.email,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "is_primary": c.is_primary,
            }
            for c in request.contacts
        ],
        "parameters": dict(request.parameters),
    }
    if request.HasField("subscription"):
        s = request.subscription
        fields["subscription"] = {
            "id": s.id,
            "plan_id": s.plan_id,
            "tier": s.tier,
            "start_date": s.start_date,
            "end_date": s.end_date,
        }
    if request.HasField("idp"):
        fields["idp"] = {"provider": request.idp.provider}
        if request.idp.display_name:
            fields["idp"]["display_name"] = request.idp.display_name
    if request.app_version:
        fields["app_version"] = request.app_version
    return fields


def provision_request(input: ProvisionTenantInput) -> pb.ProvisionTenantRequest:
    """A validated input as the request that validates to it on the server."""
    sub = input.subscription
    request = pb.ProvisionTenantRequest(
        tenant_id=input.tenant_id,
        tenant_key=input.tenant_key,
        tenant_name=input.tenant_name,
        domains=list(input.domains),
        contacts=[
            pb.Contact(
                email=c.email,
                first_name=c.first_name,
                last_name=c.last_name,
                is_primary=c.is_primary,
            )
            for c in input.contacts
        ],
        subscription=pb.Subscription(
            id=sub.id,
            plan_id=sub.plan_id,
            tier=sub.tier.value,
            start_date=sub.start_date.isoformat(),
            end_date=sub.end_date.isoformat(),
        ),
        app_version=input.app_version,
        parameters=input.parameters,
    )
    if input.idp is not None:
        request.idp.CopyFrom(
            pb.Idp(provider=input.idp.provider.value, display_name=input.idp.display_name or "")
        )
    return request


# -- responses -----------------------------------------------------------------------


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def to_timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(aware(value))
    return stamp


def from_timestamp(message: Any, field: str) -> datetime | None:
    if not message.HasField(field):
        return None
    stamp: Timestamp = getattr(message, field)
    return stamp.ToDatetime(tzinfo=UTC)


def started_to_proto(started: Started) -> pb.WorkflowStarted:
    return pb.WorkflowStarted(workflow_id=started.workflow_id, run_id=started.run_id)


def status_to_proto(view: StatusView) -> pb.TenantStatus:
    message = pb.TenantStatus(
        workflow_id=view.workflow_id,
        tenant_id=view.tenant_id,
        kind=view.kind.value,
        step=view.step.value,
        percent=view.percent,
        details=view.details or "",
        tenant_status=view.tenant_status.value if view.tenant_status else "",
        component=view.component.value if view.component else "",
        done=view.done,
        cancel_requested=view.cancel_requested,
    )
    if view.pulumi is not None:
        p = view.pulumi
        message.pulumi.CopyFrom(
            pb.PulumiProgress(
                stack=p.stack,
                operation=p.operation,
                planned=p.planned,
                done=p.done,
                failed=p.failed,
                current_resource=p.current_resource or "",
                current_op=p.current_op or "",
                elapsed_s=p.elapsed_s,
            )
        )
    if view.outcome is not None:
        o = view.outcome
        message.outcome.CopyFrom(
            pb.WorkflowOutcome(
                success=o.success,
                error=o.error or "",
                error_type=o.error_type or "",
                app_url=o.app_url or "",
                resource_count=o.resource_count,
                app_version=o.app_version or "",
                compensated=o.compensated,
                destroyed=o.destroyed,
                retained=o.retained,
                rolled_back=o.rolled_back,
                failures=[pb.StepFailure(step=f.step, error=f.error) for f in o.failures],
            )
        )
    return message


def status_from_proto(message: pb.TenantStatus) -> StatusView:
    data: dict[str, Any] = {
        "workflow_id": message.workflow_id,
        "tenant_id": message.tenant_id,
        "kind": message.kind or WorkflowKind.PROVISION,
        "step": message.step,
        "percent": message.percent,
        "details": message.details or None,
        "tenant_status": message.tenant_status or None,
        "component": message.component or None,
        "done": message.done,
        "cancel_requested": message.cancel_requested,
    }
    if message.HasField("pulumi"):
        p = message.pulumi
        data["pulumi"] = Progress(
            stack=p.stack,
            operation=p.operation,
            planned=p.planned,
            done=p.done,
            failed=p.failed,
            current_resource=p.current_resource or None,
            current_op=p.current_op or None,
            elapsed_s=p.elapsed_s,
        )
    if message.HasField("outcome"):
        o = message.outcome
        data["outcome"] = Outcome(
            success=o.success,
            error=o.error or None,
            error_type=o.error_type or None,
            app_url=o.app_url or None,
            resource_count=o.resource_count,
            app_version=o.app_version or None,
            compensated=list(o.compensated),
            destroyed=list(o.destroyed),
            retained=list(o.retained),
            rolled_back=o.rolled_back,
            failures=[{"step": f.step, "error": f.error} for f in o.failures],
        )
    return StatusView.model_validate(data)


def change_to_proto(change: ResourceChange) -> pb.PlannedChange:
    return pb.PlannedChange(
        urn=change.urn, type=change.type, name=change.name, op=change.op, diffs=change.diffs
    )


def change_from_proto(message: pb.PlannedChange) -> ResourceChange:
    return ResourceChange(
        urn=message.urn,
        type=message.type,
        name=message.name,
        op=message.op,
        diffs=list(message.diffs),
    )


def preview_to_proto(view: PreviewView) -> pb.PreviewTenantResponse:
    return pb.PreviewTenantResponse(
        workflow_id=view.workflow_id,
        success=view.success,
        error=view.error or "",
        components=[
            pb.ComponentPlan(
                component=plan.component.value,
                changes=plan.changes,
                resources=[change_to_proto(r) for r in plan.planned],
            )
            for plan in view.plan
        ],
    )


def preview_from_proto(message: pb.PreviewTenantResponse) -> PreviewView:
    return PreviewView(
        workflow_id=message.workflow_id,
        success=message.success,
        error=message.error or None,
        plan=[
            ComponentPlan(
                component=Component(plan.component),
                changes=dict(plan.changes),
                planned=[change_from_proto(r) for r in plan.resources],
            )
            for plan in message.components
        ],
    )
