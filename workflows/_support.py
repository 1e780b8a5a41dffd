"""Deterministic helpers shared by the workflows: activity options and failure messages."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError, FailureError

with workflow.unsafe.imports_passed_through():
    from engine.core.contracts import PULUMI_QUEUE_SUFFIX, Policy
    from engine.core.errors import INVALID_PAYLOAD
    from engine.core.lenient import summary, violations

T = TypeVar("T")

#: Recorded when a run refuses its input, so that replay refuses it again (and only then).
INPUT_REJECTED_PATCH = "input-rejected"

#: Recorded before the first Pulumi activity a run schedules on the Pulumi task queue
#: (``PULUMI_QUEUE_SUFFIX``); runs recorded before it keep theirs on the workflow's queue.
PULUMI_QUEUE_PATCH = "pulumi-task-queue"

#: What compensation runs on: failures and cancellation. Not ``BaseException``: the SDK
#: evicts a workflow from its cache by raising a BaseException into it, and compensating
#: then would schedule destroys of a tenant that is fine (it resumes on another worker).
COMPENSATE_ON = (Exception, asyncio.CancelledError)


def options(policy: Policy, *, long_running: bool = False) -> dict[str, Any]:
    """``execute_activity`` keyword arguments for one policy."""
    opts: dict[str, Any] = {
        "start_to_close_timeout": policy.start_to_close,
        "retry_policy": RetryPolicy(
            initial_interval=policy.initial_interval,
            backoff_coefficient=policy.backoff,
            maximum_attempts=policy.maximum_attempts,
            maximum_interval=policy.maximum_interval
            or max(policy.initial_interval * 10, timedelta(seconds=1)),
        ),
    }
    if policy.schedule_to_close is not None:
        opts["schedule_to_close_timeout"] = policy.schedule_to_close
    if policy.heartbeat is not None:
        opts["heartbeat_timeout"] = policy.heartbeat
    if long_running:
        # Wait for the activity to stop the Pulumi run and save state before compensating.
        opts["cancellation_type"] = workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
        if workflow.patched(PULUMI_QUEUE_PATCH):
            opts["task_queue"] = workflow.info().task_queue + PULUMI_QUEUE_SUFFIX
    return opts


def describe(error: BaseException) -> tuple[str, str]:
    """(message, type) of the root cause of an activity or workflow failure."""
    cause: BaseException = error
    while isinstance(cause, ActivityError | FailureError) and cause.cause is not None:
        if isinstance(cause, ApplicationError):
            break
        cause = cause.cause
    if isinstance(cause, ApplicationError):
        return cause.message, cause.type or "ApplicationError"
    if isinstance(cause, CancelledError) or type(error).__name__ == "CancelledError":
        return "cancelled", "CancelledError"
    if isinstance(cause, FailureError):
        return cause.message, type(cause).__name__
    return str(cause) or type(cause).__name__, type(cause).__name__


async def uncancellable(call: Awaitable[T]) -> T:
    """Await ``call`` to the end even if the workflow is cancelled meanwhile.

    Compensation and final bookkeeping must complete: a second cancel request arriving
    during them is absorbed here (the first one already started the compensation).
    """
    task = asyncio.ensure_future(call)
    while True:
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():
                raise
            workflow.logger.info("cancel request ignored while compensating")


def accept(input: Any) -> None:
    """Fail the run at once when its input did not validate, naming each bad field.

    The converter decodes every payload leniently (``engine.core.lenient``) so that
    history always replays; this is the strict check, on the run's first task. Its
    decision is recorded: a run that refused its input refuses it again on replay, and a
    run that accepted it (validated by older, looser models) goes on as it did.
    """
    found = violations(input)
    if not found or not workflow.patched(INPUT_REJECTED_PATCH):
        return
    raise ApplicationError(
        f"invalid {type(input).__name__}: {summary(found)}",
        {"violations": found},
        type=INVALID_PAYLOAD,
        non_retryable=True,
    )
