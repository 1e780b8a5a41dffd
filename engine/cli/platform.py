"""``tenantctl platform up|preview|status``: the shared platform stack of pooled and bridge."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from engine.core.contracts import PlatformOperation, PlatformResult

from . import render
from .backend import Backend
from .exit_codes import ExitCode
from .options import Output, OutputOpt
from .state import run

__all__ = ["platform"]


def platform(
    ctx: typer.Context,
    operation: Annotated[
        PlatformOperation,
        typer.Argument(
            help="up (create or update it), preview (what up would change; changes nothing) "
            "or status (whether it exists, and its outputs)."
        ),
    ],
    output: OutputOpt = Output.TEXT,
) -> None:
    """The shared platform stack (platform-shared) that pooled and bridge tenants use.

    A pooled or bridge provision creates it when missing; updating it is yours to decide
    (preview, then up). Nothing destroys it, not the last tenant's deprovision either.
    One operation at a time: another one running exits 4.
    """

    async def body(backend: Backend) -> ExitCode:
        result = await backend.platform(operation.value)
        if output is Output.JSON:
            render.print_json(result)
        else:
            _print(result)
        return ExitCode.OK if result.success else ExitCode.FAILED

    run(ctx, body)


def _print(result: PlatformResult) -> None:
    if not result.success:
        render.err.print(
            f"platform {result.operation.value} failed: {result.error} ({result.error_type})",
            markup=False,
        )
        return
    state = "exists" if result.exists else "does not exist (or the catalog has none)"
    render.out.print(f"platform-shared {state}", markup=False)
    if result.changes:
        changes = ", ".join(f"{op} {n}" for op, n in sorted(result.changes.items()))
        render.out.print(f"{result.operation.value}: {changes}", markup=False)
    if result.planned:
        table = Table("OP", "TYPE", "NAME", "CHANGED")
        for change in result.planned:
            table.add_row(
                change.op, Text(change.type), Text(change.name), Text(", ".join(change.diffs))
            )
        render.out.print(table)
    for key, value in sorted(result.outputs.items()):
        render.out.print(f"  {key}: {json.dumps(value)}", markup=False)
