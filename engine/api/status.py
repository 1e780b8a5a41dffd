"""API errors as ``google.rpc.Status`` with error details, and back (server and CLI).

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

from .errors import (
    AlreadyRunning,
    ApiError,
    FailedPrecondition,
    FieldViolation,
    InvalidRequest,
    NotFound,
    Unauthenticated,
    Unavailable,
)

__all__ = ["DOMAIN", "from_rpc_error", "to_grpc_status"]

DOMAIN = "tenant.engine.v1"
ALREADY_RUNNING = "WORKFLOW_ALREADY_RUNNING"
_DETAILS_KEY = "grpc-status-details-bin"


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def to_grpc_status(exc: ApiError | InvalidRequest) -> grpc.Status:
    """The status (code, message, details) a servicer aborts with."""
    status = status_pb2.Status(code=getattr(code_pb2, exc.code), message=str(exc))
    if isinstance(exc, InvalidRequest):
        status.message = "; ".join(str(v) for v in exc.violations)
        status.details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=v.field, description=v.description
                        )
                        for v in exc.violations
                    ]
                )
            )
        )
    elif isinstance(exc, AlreadyRunning):
        status.details.append(
            _pack(
                error_details_pb2.ErrorInfo(
                    reason=ALREADY_RUNNING,
                    domain=DOMAIN,
                    metadata={"workflow_id": exc.workflow_id, "run_id": exc.run_id},
                )
            )
        )
    elif isinstance(exc, NotFound) and exc.resource_type:
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
                return AlreadyRunning(info.metadata["workflow_id"], info.metadata["run_id"])
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidRequest(violations or [FieldViolation("", message)])
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(message)
    if code in (grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.FAILED_PRECONDITION):
        return FailedPrecondition(message)
    if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
        return Unauthenticated(message)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return Unavailable(message)
    return ApiError(f"{code.name}: {message}")
