"""The one mapping between engine errors and Temporal, in both directions.

* ``to_application_error``: an engine error raised in an activity becomes an
  ``ApplicationError`` whose type is the class name and whose retryability comes from the
  class (``EngineError.retryable``): workflows list no error names.
* ``temporal_errors``: Temporal's RPC failures (frontend down, no such workflow, denied)
  become engine errors for the client, the API and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from engine.core.errors import (
    EngineError,
    FieldViolation,
    InvalidRequest,
    PermissionDeniedError,
    PreconditionError,
    UnauthenticatedError,
    UnavailableError,
    WorkflowNotFoundError,
)

__all__ = ["temporal_errors", "to_application_error"]

_UNAVAILABLE = {
    # CANCELLED: the SDK's own deadline ("Timeout expired").
    RPCStatusCode.CANCELLED,
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.RESOURCE_EXHAUSTED,
}


def to_application_error(exc: EngineError) -> ApplicationError:
    """``ApplicationError`` with the engine error's class as type; permanent ones don't retry."""
    detail = getattr(exc, "detail", "") or ""
    return ApplicationError(
        exc.message,
        {"detail": detail} if detail else None,
        type=exc.type_name,
        non_retryable=not exc.retryable,
    )


@contextmanager
def temporal_errors(what: str, workflow_id: str = "") -> Iterator[None]:
    """Temporal's RPC errors about ``what`` as engine errors; anything else goes up unchanged."""
    try:
        yield
    except RPCError as exc:
        status = exc.status
        if status == RPCStatusCode.NOT_FOUND:
            raise WorkflowNotFoundError(f"no {what}", workflow_id=workflow_id) from None
        if status in _UNAVAILABLE:
            raise UnavailableError(f"Temporal did not answer: {exc.message}") from None
        if status == RPCStatusCode.UNAUTHENTICATED:
            raise UnauthenticatedError(f"Temporal refused the credentials: {exc.message}") from None
        if status == RPCStatusCode.PERMISSION_DENIED:
            raise PermissionDeniedError(f"Temporal denied {what}: {exc.message}") from None
        if status == RPCStatusCode.FAILED_PRECONDITION:
            raise PreconditionError(exc.message) from None
        if status == RPCStatusCode.INVALID_ARGUMENT:
            raise InvalidRequest([FieldViolation("", exc.message)]) from None
        raise
