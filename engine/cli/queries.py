"""The commands that follow and list: status, watch, cancel, list, stacks and history."""

from __future__ import annotations

from typing import Annotated

import typer

from engine.api import validation

from . import render
from .backend import Backend
from .commands import follow_to_end
from .exit_codes import ExitCode
from .options import KindOpt, Output, OutputOpt, TenantArg
from .state import run

__all__ = ["cancel", "history", "list_tenants", "notify", "stacks", "status", "watch"]


def status(
    ctx: typer.Context,
    tenant_id: TenantArg,
    kind: KindOpt = "provision",
    output: OutputOpt = Output.TEXT,
) -> None:
    """Where a tenant's workflow is: step, percent, Pulumi progress, outcome once done."""

    async def body(backend: Backend) -> ExitCode:
        ref = validation.tenant_ref(tenant_id, kind)
        view = await backend.status(ref.tenant_id, ref.kind.value)
        if output is Output.JSON:
            render.print_json(view)
        else:
            render.out.print(render.status_table(view))
            if view.done:
                render.out.print(render.summary(view))
        return ExitCode.OK

    run(ctx, body)


def watch(
    ctx: typer.Context,
    tenant_id: TenantArg,
    kind: KindOpt = "provision",
    output: OutputOpt = Output.TEXT,
) -> None:
    """Follow a tenant's workflow with a live progress bar until it ends."""

    async def body(backend: Backend) -> ExitCode:
        ref = validation.tenant_ref(tenant_id, kind)
        return await follow_to_end(backend, ref.tenant_id, ref.kind, output)

    run(ctx, body)


def cancel(
    ctx: typer.Context,
    tenant_id: TenantArg,
    kind: KindOpt = "provision",
    wait: Annotated[bool, typer.Option("--wait", help="Follow the rollback to its end.")] = False,
    output: OutputOpt = Output.TEXT,
) -> None:
    """Cancel a running workflow; it rolls back what it created, then ends."""

    async def body(backend: Backend) -> ExitCode:
        ref = validation.tenant_ref(tenant_id, kind)
        wf_id = await backend.cancel(ref.tenant_id, ref.kind.value)
        if output is Output.TEXT:
            render.out.print(f"cancellation of {wf_id} requested", markup=False)
        if not wait:
            if output is Output.JSON:
                render.print_json({"workflow_id": wf_id, "cancel_requested": True})
            return ExitCode.OK
        await follow_to_end(backend, ref.tenant_id, ref.kind, output)
        return ExitCode.OK

    run(ctx, body)


def list_tenants(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="e.g. ACTIVE")] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="silo, pooled or bridge")] = None,
    page_size: Annotated[int, typer.Option("--page-size", help="1-500")] = 50,
    page_token: Annotated[str | None, typer.Option("--page-token")] = None,
    all_pages: Annotated[bool, typer.Option("--all", help="Fetch every page.")] = False,
    output: OutputOpt = Output.TEXT,
) -> None:
    """List tenants from the registry, filtered by status and tier."""

    async def body(backend: Backend) -> ExitCode:
        fields = {"status": status, "tier": tier, "page_size": page_size, "page_token": page_token}
        query = validation.list_query(fields)
        page = await backend.list_tenants(query.model_dump(mode="json"))
        tenants = list(page.tenants)
        while all_pages and page.next_page_token:
            page = await backend.list_tenants(
                {**query.model_dump(mode="json"), "page_token": page.next_page_token}
            )
            tenants += page.tenants
        page = page.model_copy(update={"tenants": tenants})
        if output is Output.JSON:
            render.print_json(page)
        else:
            render.out.print(render.tenants_table(page))
            if page.next_page_token:
                render.out.print(f"more: --page-token {page.next_page_token}", markup=False)
        return ExitCode.OK

    run(ctx, body)


def stacks(ctx: typer.Context, tenant_id: TenantArg, output: OutputOpt = Output.TEXT) -> None:
    """A tenant's Pulumi stacks with their last update."""

    async def body(backend: Backend) -> ExitCode:
        ref = validation.tenant_ref(tenant_id)
        found = await backend.list_stacks(ref.tenant_id)
        if output is Output.JSON:
            render.print_json(found)
        else:
            render.out.print(render.stacks_table(found))
        return ExitCode.OK

    run(ctx, body)


def history(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Argument(help="Tenant id or key.")],
    output: OutputOpt = Output.TEXT,
) -> None:
    """A tenant's status transitions (time, reason, workflow), owner, retained data, notices."""

    async def body(backend: Backend) -> ExitCode:
        found = await backend.history(tenant)
        if output is Output.JSON:
            render.print_json(found)
        else:
            render.out.print(render.history_table(found))
            for line in render.history_notes(found):
                render.out.print(line, markup=False)
        return ExitCode.OK

    run(ctx, body)


def notify(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Argument(help="Tenant id or key.")],
    kind: Annotated[
        str, typer.Option("--kind", help="welcome (the app URL) or deprovisioned.")
    ] = "welcome",
    resend: Annotated[
        bool, typer.Option("--resend", help="Send it even if it was sent already.")
    ] = False,
    output: OutputOpt = Output.TEXT,
) -> None:
    """Send a tenant's notice (again): retried until the mail service answers."""

    async def body(backend: Backend) -> ExitCode:
        started = await backend.notify(tenant, kind, resend)
        if output is Output.JSON:
            render.print_json(started)
        else:
            render.out.print(f"started {started.workflow_id} (run {started.run_id})", markup=False)
        return ExitCode.OK

    run(ctx, body)
