"""What a workflow's history says about its activities."""

from __future__ import annotations

from typing import Any

__all__ = ["activity_attempts"]


async def activity_attempts(handle: Any) -> list[tuple[str, int]]:
    """(activity type, attempt it last started at) of each activity of the workflow behind
    ``handle`` (a ``WorkflowHandle``), in the order they were scheduled."""
    history = await handle.fetch_history()
    names = {
        e.event_id: e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    }
    return [
        (
            names[e.activity_task_started_event_attributes.scheduled_event_id],
            e.activity_task_started_event_attributes.attempt,
        )
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
    ]
