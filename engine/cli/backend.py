"""How ``tenantctl`` reaches the engine: the gRPC API (default) or Temporal directly.

Both backends answer with the same views (``engine.api.views``) and raise the same
errors (``engine.api.errors``), so every command renders and exits the same either way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import grpc

from engine.api import convert, convert_history, convert_lists
from engine.api.convert_platform import platform_from_proto
from engine.api.protocol import pb, pb_grpc
from engine.api.status import from_rpc_error
from engine.api.views import (
    DEPENDENCY_METADATA,
    Dependency,
    DependencyUnavailable,
    PreviewView,
    StackList,
    Started,
    StatusView,
    TenantHistory,
    TenantPage,
)
from engine.core.contracts import PlatformResult, ProvisionTenantInput
from engine.core.errors import FieldViolation, InvalidRequest, UnavailableError
from engine.core.settings import Settings

__all__ = ["Backend", "DirectBackend", "GrpcBackend", "TlsFiles"]

# Seconds a unary call may take; a preview runs every component's dry run, so more.
CALL_TIMEOUT = 30.0
PREVIEW_TIMEOUT = 900.0


class Backend(Protocol):
    async def __aenter__(self) -> Backend: ...
    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def provision(self, input: ProvisionTenantInput) -> Started: ...
    async def preview(self, input: ProvisionTenantInput) -> PreviewView: ...
    async def deprovision(self, tenant_id: str, retain_data: bool) -> Started: ...
    async def deploy(self, tenant_id: str, app_version: str) -> Started: ...
    async def status(self, tenant_id: str, kind: str) -> StatusView: ...
    def watch(self, tenant_id: str, kind: str) -> AsyncIterator[StatusView]: ...
    async def cancel(self, tenant_id: str, kind: str) -> str: ...
    async def list_tenants(self, fields: dict[str, Any]) -> TenantPage: ...
    async def list_stacks(self, tenant_id: str) -> StackList: ...
    async def history(self, tenant: str) -> TenantHistory: ...
    async def reconcile(self, tenant_id: str) -> Started: ...
    async def notify(self, tenant: str, kind: str, resend: bool) -> Started: ...
    async def platform(self, operation: str) -> PlatformResult: ...


def _fields(input: ProvisionTenantInput) -> dict[str, Any]:
    return input.model_dump(mode="json", by_alias=False, exclude={"policies", "dry_run"})


class DirectBackend:
    """Temporal and the registry, with this machine's TENANT_* settings (``--direct``)."""

    def __init__(self, settings: Settings) -> None:
        # Imported here: it brings the Temporal SDK and Pulumi, which the API path never needs.
        from engine.api.operations import TenantOperations

        self._ops = TenantOperations(settings)

    async def __aenter__(self) -> DirectBackend:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ops.close()

    async def provision(self, input: ProvisionTenantInput) -> Started:
        return await self._ops.provision(_fields(input))

    async def preview(self, input: ProvisionTenantInput) -> PreviewView:
        return await self._ops.preview(_fields(input))

    async def deprovision(self, tenant_id: str, retain_data: bool) -> Started:
        return await self._ops.deprovision({"tenant_id": tenant_id, "retain_data": retain_data})

    async def deploy(self, tenant_id: str, app_version: str) -> Started:
        return await self._ops.deploy({"tenant_id": tenant_id, "app_version": app_version})

    async def status(self, tenant_id: str, kind: str) -> StatusView:
        return await self._ops.status(tenant_id, kind)

    def watch(self, tenant_id: str, kind: str) -> AsyncIterator[StatusView]:
        return self._ops.watch(tenant_id, kind)

    async def cancel(self, tenant_id: str, kind: str) -> str:
        return await self._ops.cancel(tenant_id, kind)

    async def list_tenants(self, fields: dict[str, Any]) -> TenantPage:
        return await self._ops.list_tenants(fields)

    async def list_stacks(self, tenant_id: str) -> StackList:
        return await self._ops.list_stacks(tenant_id)

    async def history(self, tenant: str) -> TenantHistory:
        return await self._ops.history(tenant)

    async def reconcile(self, tenant_id: str) -> Started:
        return await self._ops.reconcile({"tenant_id": tenant_id})

    async def notify(self, tenant: str, kind: str, resend: bool) -> Started:
        return await self._ops.notify(tenant, kind, resend)

    async def platform(self, operation: str) -> PlatformResult:
        return await self._ops.platform(operation)


def _api_error(error: grpc.RpcError) -> Exception:
    """The error a failed call stands for; UNAVAILABLE names the dependency when the API
    answered for one (``DEPENDENCY_METADATA``), and is the API's own otherwise."""
    found = from_rpc_error(error)
    if not isinstance(found, UnavailableError):
        return found
    trailing_of = getattr(error, "trailing_metadata", None)
    for key, value in (trailing_of() if callable(trailing_of) else None) or ():
        if key == DEPENDENCY_METADATA and value in set(Dependency):
            return DependencyUnavailable(found.message, Dependency(value))
    return found


@dataclass(frozen=True)
class TlsFiles:
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        """Channel credentials; a missing or unreadable file is a usage error."""
        if (self.cert is None) != (self.key is None):
            raise InvalidRequest(
                [FieldViolation("--tls-cert/--tls-key", "give both (mTLS) or neither")]
            )

        def read(path: Path | None, option: str) -> bytes | None:
            try:
                return path.read_bytes() if path else None
            except OSError as exc:
                raise InvalidRequest([FieldViolation(option, f"{path}: {exc.strerror}")]) from None

        return grpc.ssl_channel_credentials(
            root_certificates=read(self.ca, "--tls-ca"),
            private_key=read(self.key, "--tls-key"),
            certificate_chain=read(self.cert, "--tls-cert"),
        )


class GrpcBackend:
    """The API over gRPC: ``address`` host:port, optional bearer token and TLS."""

    def __init__(self, address: str, *, token: str | None = None, tls: TlsFiles | None = None):
        self._address = address
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._tls = tls
        self._channel: grpc.aio.Channel | None = None
        self._stub: pb_grpc.TenantServiceStub | None = None

    async def __aenter__(self) -> GrpcBackend:
        if self._tls is not None:
            self._channel = grpc.aio.secure_channel(self._address, self._tls.credentials())
        else:
            self._channel = grpc.aio.insecure_channel(self._address)
        self._stub = pb_grpc.TenantServiceStub(self._channel)  # type: ignore[no-untyped-call]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._channel is not None:
            await self._channel.close()

    @property
    def stub(self) -> Any:
        if self._stub is None:
            raise RuntimeError("use the backend as an async context manager")
        return self._stub

    async def _call(self, method: Any, request: Any, deadline: float = CALL_TIMEOUT) -> Any:
        try:
            return await method(request, metadata=self._metadata, timeout=deadline)
        except grpc.RpcError as exc:
            raise _api_error(exc) from None

    async def provision(self, input: ProvisionTenantInput) -> Started:
        started = await self._call(self.stub.ProvisionTenant, convert.provision_request(input))
        return Started(workflow_id=started.workflow_id, run_id=started.run_id)

    async def preview(self, input: ProvisionTenantInput) -> PreviewView:
        request = convert.provision_request(input)
        response = await self._call(self.stub.PreviewTenant, request, PREVIEW_TIMEOUT)
        return convert.preview_from_proto(response)

    async def deprovision(self, tenant_id: str, retain_data: bool) -> Started:
        request = pb.DeprovisionTenantRequest(tenant_id=tenant_id, retain_data=retain_data)
        started = await self._call(self.stub.DeprovisionTenant, request)
        return Started(workflow_id=started.workflow_id, run_id=started.run_id)

    async def deploy(self, tenant_id: str, app_version: str) -> Started:
        request = pb.DeployTenantRequest(tenant_id=tenant_id, app_version=app_version)
        started = await self._call(self.stub.DeployTenant, request)
        return Started(workflow_id=started.workflow_id, run_id=started.run_id)

    async def status(self, tenant_id: str, kind: str) -> StatusView:
        request = pb.TenantStatusRequest(tenant_id=tenant_id, kind=kind)
        return convert.status_from_proto(await self._call(self.stub.GetTenantStatus, request))

    async def watch(self, tenant_id: str, kind: str) -> AsyncIterator[StatusView]:
        request = pb.TenantStatusRequest(tenant_id=tenant_id, kind=kind)
        call = self.stub.WatchTenantStatus(request, metadata=self._metadata)
        try:
            async for message in call:
                yield convert.status_from_proto(message)
        except grpc.RpcError as exc:
            raise _api_error(exc) from None
        finally:
            call.cancel()

    async def cancel(self, tenant_id: str, kind: str) -> str:
        request = pb.CancelProvisioningRequest(tenant_id=tenant_id, kind=kind)
        response = await self._call(self.stub.CancelProvisioning, request)
        return str(response.workflow_id)

    async def list_tenants(self, fields: dict[str, Any]) -> TenantPage:
        request = pb.ListTenantsRequest(**{k: v for k, v in fields.items() if v is not None})
        return convert_lists.page_from_proto(await self._call(self.stub.ListTenants, request))

    async def list_stacks(self, tenant_id: str) -> StackList:
        request = pb.ListTenantStacksRequest(tenant_id=tenant_id)
        return convert_lists.stacks_from_proto(
            await self._call(self.stub.ListTenantStacks, request)
        )

    async def notify(self, tenant: str, kind: str, resend: bool) -> Started:
        request = pb.NotifyTenantRequest(tenant=tenant, kind=kind, resend=resend)
        started = await self._call(self.stub.NotifyTenant, request)
        return Started(workflow_id=started.workflow_id, run_id=started.run_id)

    async def platform(self, operation: str) -> PlatformResult:
        request = pb.PlatformRequest(operation=operation)
        # Waits for the Pulumi run on the shared stack, like a preview.
        response = await self._call(self.stub.RunPlatform, request, PREVIEW_TIMEOUT)
        return platform_from_proto(response)

    async def reconcile(self, tenant_id: str) -> Started:
        request = pb.ReconcileTenantRequest(tenant_id=tenant_id)
        started = await self._call(self.stub.ReconcileTenant, request)
        return Started(workflow_id=started.workflow_id, run_id=started.run_id)

    async def history(self, tenant: str) -> TenantHistory:
        request = pb.TenantHistoryRequest(tenant=tenant)
        return convert_history.history_from_proto(
            await self._call(self.stub.GetTenantHistory, request)
        )
