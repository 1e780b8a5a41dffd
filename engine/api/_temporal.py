"""Temporal's answers as API answers: started workflows, and RPC errors as API errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.service import RPCError, RPCStatusCode

from engine.client import StartedWorkflow
from engine.contracts import workflow_id

from .errors import (
    AlreadyRunning,
    FailedPrecondition,
    FieldViolation,
    InvalidRequest,
    NotFound,
    Unavailable,
)
from .validation import TenantRef
from .views import Started

__all__ = ["describe", "started_view", "temporal_errors"]

_UNAVAILABLE = {
    # CANCELLED: the SDK's own deadline ("Timeout expired").
    RPCStatusCode.CANCELLED,
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.RESOURCE_EXHAUSTED,
}


def started_view(started: StartedWorkflow) -> Started:
    """The started workflow, or AlreadyRunning when the client found one in progress."""
    if started.already_running:
        raise AlreadyRunning(started.workflow_id, started.run_id)
    return Started(workflow_id=started.workflow_id, run_id=started.run_id)


def describe(ref: TenantRef) -> str:
    """``provision workflow for tenant acme``: how errors name a workflow."""
    return f"{ref.kind.value} workflow for tenant {ref.tenant_id}"


@contextmanager
def temporal_errors(what: str, ref: TenantRef | None = None) -> Iterator[None]:
    """Temporal's RPC errors as API errors; anything unexpected goes up unchanged."""
    try:
        yield
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            name = workflow_id(ref.kind, ref.tenant_id) if ref else ""
            raise NotFound(f"no {what}", resource_type="workflow", resource_name=name) from None
        if exc.status in _UNAVAILABLE:
            raise Unavailable(f"Temporal did not answer: {exc.message}") from None
        if exc.status == RPCStatusCode.FAILED_PRECONDITION:
            raise FailedPrecondition(exc.message) from None
        if exc.status == RPCStatusCode.INVALID_ARGUMENT:
            raise InvalidRequest([FieldViolation("", exc.message)]) from None
        raise
