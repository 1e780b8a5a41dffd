"""Engine errors as ``google.rpc.Status`` with error details, and back (server and CLI).

The one gRPC mapping: ``GRPC_CODES`` gives each branch of ``engine.core.errors`` its
status code (the first matching class wins), and ``from_rpc_error`` reverses it.

INVALID_ARGUMENT carries ``google.rpc.BadRequest`` (one field violation per bad field),
ALREADY_EXISTS ``google.rpc.ErrorInfo`` (reason WORKFLOW_ALREADY_RUNNING, metadata
``workflow_id`` and ``run_id``), NOT_FOUND ``google.rpc.ResourceInfo``.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2

# No stubs ship for these two (googleapis-common-protos, grpcio-status).
from google.rpc import code_pb2, error_details_pb2, status_pb2  # type: ignore[import-untyped]
from grpc_status import rpc_status  # type: ignore[import-untyped]

from engine.core.errors import (
    AlreadyRunningError,
    CatalogError,
    ConcurrentUpdateError,
    ConfigurationError,
    ConflictError,
    EngineError,
    FieldViolation,
    InvalidRequest,
    NotFoundError,
    PermissionDeniedError,
    PreconditionError,
    TenantBusyError,
    UnauthenticatedError,
    UnavailableError,
    ValidationError,
)

__all__ = [
    "DOMAIN",
    "GRPC_CODES",
    "MAX_VIOLATIONS",
    "from_rpc_error",
    "grpc_code",
    "to_grpc_status",
]

S = grpc.StatusCode
GRPC_CODES: tuple[tuple[type[EngineError], grpc.StatusCode], ...] = (
    (ValidationError, S.INVALID_ARGUMENT),
    (NotFoundError, S.NOT_FOUND),
    (AlreadyRunningError, S.ALREADY_EXISTS),
    # Another operation owns the tenant: the request is fine, the tenant is taken.
    (TenantBusyError, S.ALREADY_EXISTS),
    (ConcurrentUpdateError, S.ABORTED),
    (ConflictError, S.FAILED_PRECONDITION),
    (PreconditionError, S.FAILED_PRECONDITION),
    (ConfigurationError, S.FAILED_PRECONDITION),
    (CatalogError, S.FAILED_PRECONDITION),
    (UnavailableError, S.UNAVAILABLE),
    (UnauthenticatedError, S.UNAUTHENTICATED),
    (PermissionDeniedError, S.PERMISSION_DENIED),
)

DOMAIN = "tenant.engine.v1"
ALREADY_RUNNING = "WORKFLOW_ALREADY_RUNNING"
_DETAILS_KEY = "grpc-status-details-bin"
# The status travels in the trailers twice (message, and details): gRPC refuses trailers
# over 8 KiB (RESOURCE_EXHAUSTED instead of our answer), so a request with a hundred bad
# fields gets the first of them, each shortened, and a count of the rest.
MAX_VIOLATIONS = 10
_MAX_TEXT = 160


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def grpc_code(exc: EngineError) -> grpc.StatusCode:
    """The status code of an engine error (INTERNAL for a branch the table lacks)."""
    for kind, code in GRPC_CODES:
        if isinstance(exc, kind):
            return code
    return S.INTERNAL


def _shortened(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def to_grpc_status(exc: EngineError) -> grpc.Status:
    """The status (code, message, details) a servicer aborts with."""
    code = grpc_code(exc)
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=str(exc))
    if isinstance(exc, ValidationError) and not isinstance(exc, InvalidRequest):
        prefix = f"{exc.field}: " if exc.field else ""
        exc = InvalidRequest([FieldViolation(exc.field or "", exc.message.removeprefix(prefix))])
    if isinstance(exc, InvalidRequest):
        shown = [
            FieldViolation(v.field[:_MAX_TEXT], _shortened(v.description))
            for v in exc.violations[:MAX_VIOLATIONS]
        ]
        more = len(exc.violations) - len(shown)
        status.message = "; ".join(str(v) for v in shown) + (f"; and {more} more" if more else "")
        status.details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=v.field, description=v.description
                        )
                        for v in shown
                    ]
                )
            )
        )
    elif isinstance(exc, AlreadyRunningError):
        status.details.append(
            _pack(
                error_details_pb2.ErrorInfo(
                    reason=ALREADY_RUNNING,
                    domain=DOMAIN,
                    metadata={"workflow_id": exc.workflow_id, "run_id": exc.run_id},
                )
            )
        )
    elif isinstance(exc, NotFoundError) and exc.resource_type:
        status.details.append(
            _pack(
                error_details_pb2.ResourceInfo(
                    resource_type=exc.resource_type,
                    resource_name=exc.resource_name,
                    description=exc.message,
                )
            )
        )
    result: grpc.Status = rpc_status.to_status(status)
    return result


def _call_parts(error: grpc.RpcError) -> tuple[grpc.StatusCode, str, status_pb2.Status | None]:
    # Sync calls raise errors that are grpc.Call; grpc.aio raises AioRpcError, which has
    # the same accessors without being one.
    code_of = getattr(error, "code", None)
    code = code_of() if callable(code_of) else grpc.StatusCode.UNKNOWN
    details_of = getattr(error, "details", None)
    message = (details_of() if callable(details_of) else None) or code.name
    trailing_of = getattr(error, "trailing_metadata", None)
    detail = None
    for key, value in (trailing_of() if callable(trailing_of) else None) or ():
        if key == _DETAILS_KEY and isinstance(value, bytes):
            detail = status_pb2.Status.FromString(value)
    return code, message, detail


def from_rpc_error(error: grpc.RpcError) -> Exception:
    """The API error a failed call stands for (what the CLI reports and exits with)."""
    code, message, detail = _call_parts(error)
    violations: list[FieldViolation] = []
    for packed in detail.details if detail is not None else ():
        if packed.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            packed.Unpack(bad)
            violations += [FieldViolation(v.field, v.description) for v in bad.field_violations]
        elif packed.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            packed.Unpack(info)
            if info.reason == ALREADY_RUNNING:
                return AlreadyRunningError(info.metadata["workflow_id"], info.metadata["run_id"])
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidRequest(violations or [FieldViolation("", message)])
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFoundError(message)
    if code in (grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.ABORTED):
        return ConflictError(message)
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return PreconditionError(message)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return UnauthenticatedError(message)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return PermissionDeniedError(message)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return UnavailableError(message)
    return EngineError(f"{code.name}: {message}")
