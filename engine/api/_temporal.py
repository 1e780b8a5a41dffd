"""Temporal's answers as API answers: started workflows, and RPC errors as API errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from engine.core.contracts import workflow_id
from engine.core.errors import AlreadyRunningError
from engine.temporal import StartedWorkflow
from engine.temporal import temporal_errors as _temporal_errors

from .validation import TenantRef
from .views import Started

__all__ = ["describe", "started_view", "temporal_errors"]


def started_view(started: StartedWorkflow) -> Started:
    """The started workflow, or AlreadyRunningError when the client found one in progress."""
    if started.already_running:
        raise AlreadyRunningError(started.workflow_id, started.run_id)
    return Started(workflow_id=started.workflow_id, run_id=started.run_id)


def describe(ref: TenantRef) -> str:
    """``provision workflow for tenant acme``: how errors name a workflow."""
    return f"{ref.kind.value} workflow for tenant {ref.tenant_id}"


@contextmanager
def temporal_errors(what: str, ref: TenantRef | None = None) -> Iterator[None]:
    """Temporal's RPC errors as engine errors (``engine.temporal``), naming the workflow."""
    name = workflow_id(ref.kind, ref.tenant_id) if ref else ""
    with _temporal_errors(what, name):
        yield
