"""Whether a workflow run has ended, for the registry lease's take-over of a dead owner."""

from __future__ import annotations

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

__all__ = ["run_has_closed"]


async def run_has_closed(client: Client, workflow_id: str, run_id: str) -> bool:
    """True when the run is closed (completed, failed, terminated, ...) or unknown."""
    try:
        description = await client.get_workflow_handle(workflow_id, run_id=run_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:  # gone with its namespace's retention
            return True
        raise
    return description.status not in (None, WorkflowExecutionStatus.RUNNING)
