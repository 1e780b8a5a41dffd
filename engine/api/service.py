"""The gRPC servicer: messages in, ``TenantOperations`` calls, messages or statuses out.

A refused request is INVALID_ARGUMENT with a BadRequest per field; the other API errors
map as ``engine.api.status`` says, and UNAVAILABLE names the dependency that did not
answer (``views.DEPENDENCY_METADATA``) so a client tells it from the API being down. An
unexpected exception is logged with its traceback and answered INTERNAL without its
details (they may hold what a caller should not see); bad input never gets there,
because it is refused by validation first.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import grpc

from engine.core.errors import EngineError, InvalidRequest, UnavailableError

from . import convert, convert_history, convert_lists
from ._gen import tenant_engine_pb2 as pb
from ._gen import tenant_engine_pb2_grpc as pb_grpc
from .convert_platform import platform_to_proto
from .operations import TenantOperations
from .status import to_grpc_status
from .views import DEPENDENCY_METADATA, unavailable_dependency

__all__ = ["TenantServicer"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
Context = grpc.aio.ServicerContext[Any, Any]


async def _abort(context: Context, exc: BaseException) -> NoReturn:
    if isinstance(exc, EngineError | InvalidRequest):
        status = to_grpc_status(exc)
        dependency = unavailable_dependency(exc) if isinstance(exc, UnavailableError) else None
        if dependency is not None:  # the API answers; what it needs does not
            metadata = (*status.trailing_metadata, (DEPENDENCY_METADATA, dependency.value))
            await context.abort(status.code, status.details, metadata)
        await context.abort_with_status(status)
    log.error("internal error", exc_info=exc)
    await context.abort(grpc.StatusCode.INTERNAL, "internal error; the server log has details")


async def _answer(context: Context, call: Awaitable[T], to_proto: Callable[[T], R]) -> R:
    try:
        return to_proto(await call)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a status, see _abort
        await _abort(context, exc)


class TenantServicer(pb_grpc.TenantServiceServicer):
    def __init__(self, operations: TenantOperations) -> None:
        self._ops = operations

    async def ProvisionTenant(
        self, request: pb.ProvisionTenantRequest, context: Context
    ) -> pb.WorkflowStarted:
        call = self._ops.provision(convert.provision_fields(request))
        return await _answer(context, call, convert.started_to_proto)

    async def PreviewTenant(
        self, request: pb.ProvisionTenantRequest, context: Context
    ) -> pb.PreviewTenantResponse:
        call = self._ops.preview(convert.provision_fields(request))
        return await _answer(context, call, convert.preview_to_proto)

    async def DeprovisionTenant(
        self, request: pb.DeprovisionTenantRequest, context: Context
    ) -> pb.WorkflowStarted:
        call = self._ops.deprovision(
            {"tenant_id": request.tenant_id, "retain_data": request.retain_data}
        )
        return await _answer(context, call, convert.started_to_proto)

    async def DeployTenant(
        self, request: pb.DeployTenantRequest, context: Context
    ) -> pb.WorkflowStarted:
        call = self._ops.deploy(
            {"tenant_id": request.tenant_id, "app_version": request.app_version}
        )
        return await _answer(context, call, convert.started_to_proto)

    async def ReconcileTenant(
        self, request: pb.ReconcileTenantRequest, context: Context
    ) -> pb.WorkflowStarted:
        call = self._ops.reconcile({"tenant_id": request.tenant_id})
        return await _answer(context, call, convert.started_to_proto)

    async def GetTenantStatus(
        self, request: pb.TenantStatusRequest, context: Context
    ) -> pb.TenantStatus:
        call = self._ops.status(request.tenant_id, request.kind)
        return await _answer(context, call, convert.status_to_proto)

    async def WatchTenantStatus(
        self, request: pb.TenantStatusRequest, context: Context
    ) -> AsyncIterator[pb.TenantStatus]:
        try:
            async for view in self._ops.watch(request.tenant_id, request.kind):
                yield convert.status_to_proto(view)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a status
            await _abort(context, exc)

    async def CancelProvisioning(
        self, request: pb.CancelProvisioningRequest, context: Context
    ) -> pb.CancelProvisioningResponse:
        call = self._ops.cancel(request.tenant_id, request.kind)
        return await _answer(
            context, call, lambda wf_id: pb.CancelProvisioningResponse(workflow_id=wf_id)
        )

    async def ListTenants(
        self, request: pb.ListTenantsRequest, context: Context
    ) -> pb.ListTenantsResponse:
        call = self._ops.list_tenants(
            {
                "status": request.status,
                "tier": request.tier,
                "page_size": request.page_size,
                "page_token": request.page_token,
            }
        )
        return await _answer(context, call, convert_lists.page_to_proto)

    async def ListTenantStacks(
        self, request: pb.ListTenantStacksRequest, context: Context
    ) -> pb.ListTenantStacksResponse:
        call = self._ops.list_stacks(request.tenant_id)
        return await _answer(context, call, convert_lists.stacks_to_proto)

    async def NotifyTenant(
        self, request: pb.NotifyTenantRequest, context: Context
    ) -> pb.WorkflowStarted:
        call = self._ops.notify(request.tenant, request.kind, request.resend)
        return await _answer(context, call, convert.started_to_proto)

    async def RunPlatform(
        self, request: pb.PlatformRequest, context: Context
    ) -> pb.PlatformResponse:
        call = self._ops.platform(request.operation)
        return await _answer(context, call, platform_to_proto)

    async def GetTenantHistory(
        self, request: pb.TenantHistoryRequest, context: Context
    ) -> pb.TenantHistoryResponse:
        call = self._ops.history(request.tenant)
        return await _answer(context, call, convert_history.history_to_proto)
