"""Tenant and stack listings: views to messages (server) and back (CLI)."""

from __future__ import annotations

from engine.core.models import Component
from engine.core.results import StackInfo

from ._gen import tenant_engine_pb2 as pb
from .convert import aware, from_timestamp, to_timestamp
from .views import StackList, TenantPage, TenantView

__all__ = ["page_from_proto", "page_to_proto", "stacks_from_proto", "stacks_to_proto"]


def page_to_proto(page: TenantPage) -> pb.ListTenantsResponse:
    return pb.ListTenantsResponse(
        tenants=[
            pb.Tenant(
                tenant_id=t.tenant_id,
                tenant_key=t.tenant_key,
                tenant_name=t.tenant_name,
                tier=t.tier.value,
                status=t.status.value,
                domains=list(t.domains),
                plan_id=t.plan_id or "",
                app_version=t.app_version,
                idp_provider=t.idp_provider.value if t.idp_provider else "",
                created_at=to_timestamp(t.created_at),
                updated_at=to_timestamp(t.updated_at),
            )
            for t in page.tenants
        ],
        next_page_token=page.next_page_token or "",
    )


def page_from_proto(message: pb.ListTenantsResponse) -> TenantPage:
    tenants = [
        TenantView.model_validate(
            {
                "tenant_id": t.tenant_id,
                "tenant_key": t.tenant_key,
                "tenant_name": t.tenant_name,
                "tier": t.tier,
                "status": t.status,
                "domains": tuple(t.domains),
                "plan_id": t.plan_id or None,
                "app_version": t.app_version,
                "idp_provider": t.idp_provider or None,
                "created_at": from_timestamp(t, "created_at"),
                "updated_at": from_timestamp(t, "updated_at"),
            }
        )
        for t in message.tenants
    ]
    return TenantPage(tenants=tenants, next_page_token=message.next_page_token or None)


def stacks_to_proto(stacks: StackList) -> pb.ListTenantStacksResponse:
    response = pb.ListTenantStacksResponse(tenant_key=stacks.tenant_key)
    for info in stacks.stacks:
        stack = response.stacks.add(
            name=info.name,
            component=info.component.value,
            update_in_progress=info.update_in_progress,
            url=info.url or "",
        )
        if info.last_update is not None:
            stack.last_update.FromDatetime(aware(info.last_update))
        if info.resource_count is not None:
            stack.resource_count = info.resource_count
    return response


def stacks_from_proto(message: pb.ListTenantStacksResponse) -> StackList:
    return StackList(
        tenant_key=message.tenant_key,
        stacks=[
            StackInfo(
                name=s.name,
                tenant_key=message.tenant_key,
                component=Component(s.component),
                last_update=from_timestamp(s, "last_update"),
                resource_count=s.resource_count if s.HasField("resource_count") else None,
                update_in_progress=s.update_in_progress,
                url=s.url or None,
            )
            for s in message.stacks
        ],
    )
