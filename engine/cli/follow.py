"""Following a workflow: a live progress bar on a terminal, one line per change otherwise.

The bar shows the workflow's step and percent and, while a Pulumi operation runs, its
stack, resources done/planned and the resource being changed. Piped output (CI logs,
tests) gets the same information as plain lines, each printed once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from engine.api.views import StatusView

from .render import progress_line

__all__ = ["follow"]


def _step(view: StatusView) -> str:
    label = view.step.value.replace("_", " ")
    return f"{label} ({view.component.value})" if view.component else label


def _pulumi(view: StatusView) -> str:
    p = view.pulumi
    if p is None:
        return ""
    text = f"{p.stack}: {p.done}/{p.planned} resources"
    if p.current_resource:
        text += f" · {p.current_op} {p.current_resource}"
    return text


async def follow(updates: AsyncIterator[StatusView], console: Console) -> StatusView | None:
    """Show every update until the stream ends; returns the last one (None if none came)."""
    if not console.is_terminal:
        return await _lines(updates, console)
    last: StatusView | None = None
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[pulumi]}", markup=False),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("starting", total=100, pulumi="")
        async for view in updates:
            last = view
            bar.update(task, description=_step(view), completed=view.percent, pulumi=_pulumi(view))
    return last


async def _lines(updates: AsyncIterator[StatusView], console: Console) -> StatusView | None:
    last: StatusView | None = None
    printed = ""
    async for view in updates:
        last = view
        line = progress_line(view)
        if line != printed:
            console.print(line, markup=False, soft_wrap=True)
            printed = line
    return last
