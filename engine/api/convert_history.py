"""A tenant's history (``GetTenantHistory``): view to message (server) and back (CLI)."""

from __future__ import annotations

from datetime import UTC

from engine.core.models import TenantStatus

from ._gen import tenant_engine_pb2 as pb
from .convert import from_timestamp, to_timestamp
from .views import NoticeView, RetainedView, TenantHistory, TransitionView

__all__ = ["history_from_proto", "history_to_proto"]


def history_to_proto(history: TenantHistory) -> pb.TenantHistoryResponse:
    response = pb.TenantHistoryResponse(
        tenant_id=history.tenant_id,
        tenant_key=history.tenant_key,
        status=history.status.value,
        owner_workflow_id=history.owner_workflow_id or "",
        owner_operation=history.owner_operation or "",
    )
    for t in history.transitions:
        response.transitions.add(
            from_status=t.from_status.value if t.from_status else "",
            to_status=t.to_status.value,
            reason=t.reason or "",
            workflow_id=t.workflow_id or "",
            at=to_timestamp(t.at),
        )
    for r in history.retained:
        response.retained.add(
            component=r.component,
            type=r.type,
            physical_id=r.physical_id,
            retained_at=to_timestamp(r.retained_at),
        )
    for n in history.notices:
        notice = response.notices.add(
            kind=n.kind, state=n.state, created_at=to_timestamp(n.created_at)
        )
        if n.sent_at is not None:
            notice.sent_at.CopyFrom(to_timestamp(n.sent_at))
    return response


def history_from_proto(message: pb.TenantHistoryResponse) -> TenantHistory:
    return TenantHistory(
        tenant_id=message.tenant_id,
        tenant_key=message.tenant_key,
        status=TenantStatus(message.status),
        owner_workflow_id=message.owner_workflow_id or None,
        owner_operation=message.owner_operation or None,
        transitions=[
            TransitionView(
                from_status=TenantStatus(t.from_status) if t.from_status else None,
                to_status=TenantStatus(t.to_status),
                reason=t.reason or None,
                workflow_id=t.workflow_id or None,
                at=t.at.ToDatetime(tzinfo=UTC),
            )
            for t in message.transitions
        ],
        retained=[
            RetainedView(
                component=r.component,
                type=r.type,
                physical_id=r.physical_id,
                retained_at=r.retained_at.ToDatetime(tzinfo=UTC),
            )
            for r in message.retained
        ],
        notices=[
            NoticeView(
                kind=n.kind,
                state=n.state,
                created_at=n.created_at.ToDatetime(tzinfo=UTC),
                sent_at=from_timestamp(n, "sent_at"),
            )
            for n in message.notices
        ],
    )
