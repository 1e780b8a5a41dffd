"""The commands that start tenant workflows: provision, preview, deprovision, deploy.

Every request is validated here first, with the API's own validation, so bad input is
reported (one line per field, exit code 2) without a call; the server would say the same.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from engine.api import validation
from engine.api.views import StatusView
from engine.core.contracts import WorkflowKind

from . import render
from .backend import Backend
from .exit_codes import ExitCode
from .follow import follow
from .inputs import ProvisionOptions, provision_fields
from .options import (
    DetachOpt,
    DomainOpt,
    EmailOpt,
    EndOpt,
    FileOpt,
    IdOpt,
    IdpOpt,
    KeyArg,
    NameOpt,
    Output,
    OutputOpt,
    ParamOpt,
    PlanOpt,
    StartOpt,
    SubOpt,
    TenantArg,
    TierOpt,
    VersionOpt,
)
from .state import run

__all__ = ["deploy", "deprovision", "follow_to_end", "preview", "provision", "reconcile"]


async def follow_to_end(
    backend: Backend, tenant_id: str, kind: WorkflowKind, output: Output
) -> ExitCode:
    """Follow the workflow to its end; exit code 0 if it succeeded, else 1."""
    updates = backend.watch(tenant_id, kind.value)
    last: StatusView | None = None
    try:
        if output is Output.JSON:
            async for view in updates:
                last = view
        else:
            last = await follow(updates, render.out)
    except asyncio.CancelledError:
        render.err.print(
            f"stopped following; the workflow keeps running (`tenantctl watch {tenant_id}"
            f"{'' if kind is WorkflowKind.PROVISION else ' --kind ' + kind.value}` to resume)",
            markup=False,
        )
        raise
    if last is None:  # pragma: no cover - the API always sends the current status first
        return ExitCode.FAILED
    if output is Output.JSON:
        render.print_json(last)
    else:
        render.out.print(render.summary(last))
    return ExitCode.OK if last.outcome is not None and last.outcome.success else ExitCode.FAILED


def _started(workflow_id: str, run_id: str, output: Output, detach: bool) -> None:
    if output is Output.TEXT:
        render.out.print(f"started {workflow_id} (run {run_id})", markup=False)
    elif detach:
        render.print_json({"workflow_id": workflow_id, "run_id": run_id})


def provision(
    ctx: typer.Context,
    key: KeyArg = None,
    tenant_id: IdOpt = None,
    name: NameOpt = None,
    tier: TierOpt = None,
    email: EmailOpt = None,
    domain: DomainOpt = None,
    plan: PlanOpt = None,
    subscription_id: SubOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    idp: IdpOpt = None,
    app_version: VersionOpt = None,
    param: ParamOpt = None,
    file: FileOpt = None,
    detach: DetachOpt = False,
    output: OutputOpt = Output.TEXT,
) -> None:
    """Provision a tenant and follow it with a live progress bar (idp, infra, app stacks)."""
    opts = ProvisionOptions(
        key=key, tenant_id=tenant_id, name=name, tier=tier, emails=email or [],
        domains=domain or [], plan=plan, subscription_id=subscription_id, start=start, end=end,
        idp=idp, app_version=app_version, params=param or [], file=file,
    )  # fmt: skip

    async def body(backend: Backend) -> ExitCode:
        input = validation.provision_input(provision_fields(opts))
        started = await backend.provision(input)
        _started(started.workflow_id, started.run_id, output, detach)
        if detach:
            return ExitCode.OK
        return await follow_to_end(backend, input.tenant_id, WorkflowKind.PROVISION, output)

    run(ctx, body)


def preview(
    ctx: typer.Context,
    key: KeyArg = None,
    tenant_id: IdOpt = None,
    name: NameOpt = None,
    tier: TierOpt = None,
    email: EmailOpt = None,
    domain: DomainOpt = None,
    plan: PlanOpt = None,
    subscription_id: SubOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    idp: IdpOpt = None,
    app_version: VersionOpt = None,
    param: ParamOpt = None,
    file: FileOpt = None,
    output: OutputOpt = Output.TEXT,
) -> None:
    """Dry run: print the changes provisioning would make, as a table. Changes nothing."""
    opts = ProvisionOptions(
        key=key, tenant_id=tenant_id, name=name, tier=tier, emails=email or [],
        domains=domain or [], plan=plan, subscription_id=subscription_id, start=start, end=end,
        idp=idp, app_version=app_version, params=param or [], file=file,
    )  # fmt: skip

    async def body(backend: Backend) -> ExitCode:
        input = validation.provision_input(provision_fields(opts), dry_run=True)
        if output is Output.JSON:
            plan = await backend.preview(input)
            render.print_json(plan)
        else:
            with render.err.status(f"previewing tenant {input.tenant_id} ..."):
                plan = await backend.preview(input)
            render.out.print(render.plan_table(plan))
            totals: dict[str, int] = {}
            for component in plan.plan:
                for change in component.planned:
                    totals[change.op] = totals.get(change.op, 0) + 1
            counts = ", ".join(f"{n} to {op}" for op, n in sorted(totals.items())) or "no changes"
            render.out.print(f"{plan.workflow_id}: {counts}", markup=False)
            if not plan.success:
                render.err.print(f"error: preview failed: {plan.error}", markup=False)
        return ExitCode.OK if plan.success else ExitCode.FAILED

    run(ctx, body)


def deprovision(
    ctx: typer.Context,
    tenant_id: TenantArg,
    retain_data: Annotated[
        bool, typer.Option("--retain-data", help="Keep data buckets, tables and keys.")
    ] = False,
    detach: DetachOpt = False,
    output: OutputOpt = Output.TEXT,
) -> None:
    """Destroy a tenant's stacks (app, infra, idp) and mark it INACTIVE."""

    async def body(backend: Backend) -> ExitCode:
        input = validation.deprovision_input({"tenant_id": tenant_id, "retain_data": retain_data})
        started = await backend.deprovision(input.tenant_id, input.retain_data)
        _started(started.workflow_id, started.run_id, output, detach)
        if detach:
            return ExitCode.OK
        return await follow_to_end(backend, input.tenant_id, WorkflowKind.DEPROVISION, output)

    run(ctx, body)


def deploy(
    ctx: typer.Context,
    tenant_id: TenantArg,
    app_version: Annotated[str, typer.Option("--app-version", help="Version to deploy.")],
    detach: DetachOpt = False,
    output: OutputOpt = Output.TEXT,
) -> None:
    """Deploy another application version to a tenant (rolls back on failure)."""

    async def body(backend: Backend) -> ExitCode:
        input = validation.deploy_input({"tenant_id": tenant_id, "app_version": app_version})
        started = await backend.deploy(input.tenant_id, input.app_version)
        _started(started.workflow_id, started.run_id, output, detach)
        if detach:
            return ExitCode.OK
        return await follow_to_end(backend, input.tenant_id, WorkflowKind.DEPLOY, output)

    run(ctx, body)


def reconcile(
    ctx: typer.Context,
    tenant_id: TenantArg,
    detach: DetachOpt = False,
    output: OutputOpt = Output.TEXT,
) -> None:
    """Converge an ACTIVE tenant's stacks with their programs (up again; destroys nothing)."""

    async def body(backend: Backend) -> ExitCode:
        ref = validation.tenant_ref(tenant_id)
        started = await backend.reconcile(ref.tenant_id)
        _started(started.workflow_id, started.run_id, output, detach)
        if detach:
            return ExitCode.OK
        return await follow_to_end(backend, ref.tenant_id, WorkflowKind.RECONCILE, output)

    run(ctx, body)
