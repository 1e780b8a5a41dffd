"""What ``tenantctl`` prints: rich tables and summaries, or JSON with ``--output json``.

Everything user-supplied is printed with markup off: a field path such as
``contacts[0].email`` must not be read as rich markup.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.text import Text

from engine.api.views import (
    Outcome,
    PreviewView,
    StackList,
    StatusView,
    TenantHistory,
    TenantPage,
)
from engine.core.contracts import WorkflowKind
from engine.core.errors import EngineError, InvalidRequest

__all__ = [
    "err",
    "out",
    "plan_table",
    "print_error",
    "print_interrupted",
    "print_json",
    "progress_line",
    "stacks_table",
    "status_table",
    "summary",
    "tenants_table",
]

# Piped output (a file, ``| grep``, CI logs) has no width to fit: tables keep their
# natural width instead of rich's 80 columns, unless COLUMNS says otherwise.
_PIPED_WIDTH = 100_000


def _console(*, stderr: bool = False) -> Console:
    # soft_wrap: an error stays one line however narrow the terminal (or pipe) is.
    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console.width = _PIPED_WIDTH
    return console


out = _console()
err = _console(stderr=True)

_VERB = {
    WorkflowKind.PROVISION: "provisioned",
    WorkflowKind.DEPROVISION: "deprovisioned",
    WorkflowKind.DEPLOY: "deployed",
    WorkflowKind.PREVIEW: "previewed",
    WorkflowKind.RECONCILE: "reconciled",
}


def print_error(
    exc: EngineError, *, code: int | None = None, hint: str | None = None, as_json: bool = False
) -> None:
    """One line per problem, naming the field when there is one; never a traceback.

    ``as_json`` (``--output json``): one document on stdout instead, always this shape::

        {"error": {"type": "InvalidRequest", "message": "...", "exit_code": 2,
                   "violations": [{"field": "tenant_key", "description": "..."}],
                   "hint": null}}

    ``violations`` is empty unless the input was refused; ``workflow_id`` is added when
    the error names a workflow (already running).
    """
    if as_json:
        violations = exc.violations if isinstance(exc, InvalidRequest) else ()
        error: dict[str, Any] = {
            "type": exc.type_name,
            "message": exc.message,
            "exit_code": code,
            "violations": [{"field": v.field, "description": v.description} for v in violations],
            "hint": hint,
        }
        workflow_id = getattr(exc, "workflow_id", None)
        if isinstance(workflow_id, str) and workflow_id:
            error["workflow_id"] = workflow_id
        print_json({"error": error})
        return
    if isinstance(exc, InvalidRequest):
        for violation in exc.violations:
            err.print(f"error: {violation}", markup=False)
    else:
        err.print(f"error: {exc.message}", markup=False)
    if hint:
        err.print(f"hint: {hint}", markup=False)


def print_interrupted(*, code: int, as_json: bool = False) -> None:
    """Ctrl-C: ``interrupted``, or with ``as_json`` an error document of type Interrupted."""
    if as_json:
        error = {"type": "Interrupted", "message": "interrupted", "exit_code": code}
        print_json({"error": {**error, "violations": [], "hint": None}})
    else:
        err.print("interrupted", markup=False)


def print_json(value: BaseModel | dict[str, Any] | list[Any]) -> None:
    # snake_case, like every tenantctl output (nested engine models travel camelCase).
    data = value.model_dump(mode="json", by_alias=False) if isinstance(value, BaseModel) else value
    # Plain print: rich would wrap long lines and break the JSON.
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def _ago(when: datetime | None) -> str:
    if when is None:
        return "never"
    seconds = max(0, int((datetime.now(UTC) - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or unit == "s":
            return f"{when.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z ({seconds // size}{unit} ago)"
    raise AssertionError("unreachable")  # pragma: no cover


def progress_line(view: StatusView) -> str:
    """``[ 30%] provisioning_infrastructure (infra) · acme-infra up 2/3 · create ...``."""
    parts = [f"[{view.percent:3d}%] {view.step.value}"]
    if view.component is not None:
        parts[0] += f" ({view.component.value})"
    if view.pulumi is not None:
        p = view.pulumi
        pulumi = f"{p.stack} {p.operation} {p.done}/{p.planned} resources"
        if p.current_resource:
            pulumi += f", {p.current_op} {p.current_resource}"
        parts.append(pulumi)
    if view.details:
        parts.append(view.details)
    return " · ".join(parts)


def summary(view: StatusView) -> Text:
    """The last lines of provision/watch: what happened, and what to look at."""
    outcome = view.outcome or Outcome(success=False, error="no outcome reported")
    text = Text()
    if outcome.success:
        text.append("✔ ", style="bold green")
        text.append(f"{view.workflow_id}: tenant {view.tenant_id} {_VERB[view.kind]}")
        if view.tenant_status is not None:
            text.append(f" (status {view.tenant_status.value})")
        details = []
        if outcome.app_url:
            details.append(f"app {outcome.app_url}")
        if outcome.app_version:
            details.append(f"version {outcome.app_version}")
        if outcome.resource_count:
            details.append(f"{outcome.resource_count} resources recorded")
        if outcome.destroyed:
            details.append(f"destroyed {', '.join(outcome.destroyed)}")
        if outcome.retained:
            details.append(f"retained {', '.join(outcome.retained)}")
        if details:
            text.append("\n  " + " · ".join(details))
    else:
        text.append("✘ ", style="bold red")
        kind = f" [{outcome.error_type}]" if outcome.error_type else ""
        text.append(f"{view.workflow_id} failed: {outcome.error or 'unknown error'}{kind}")
        if outcome.compensated:
            text.append(f"\n  rolled back: {', '.join(outcome.compensated)}")
        if outcome.rolled_back:
            text.append("\n  rolled back to the previous version")
    for failure in outcome.failures:
        text.append(f"\n  ! {failure.step}: {failure.error}", style="yellow")
    return text


def status_table(view: StatusView) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("workflow", view.workflow_id),
        ("step", view.step.value),
        ("progress", f"{view.percent}%"),
        ("tenant status", view.tenant_status.value if view.tenant_status else "-"),
        ("component", view.component.value if view.component else "-"),
        ("done", "yes" if view.done else "no"),
    ]
    if view.cancel_requested:
        rows.append(("cancel requested", "yes"))
    if view.details:
        rows.append(("details", view.details))
    if view.pulumi is not None:
        rows.append(("pulumi", progress_line(view).split(" · ")[1]))
    for key, value in rows:
        table.add_row(key, Text(value))
    return table


def tenants_table(page: TenantPage) -> Table:
    table = Table("TENANT ID", "KEY", "NAME", "TIER", "STATUS", "VERSION", "UPDATED")
    for t in page.tenants:
        table.add_row(
            *(
                Text(v)
                for v in (
                    t.tenant_id,
                    t.tenant_key,
                    t.tenant_name,
                    t.tier.value,
                    t.status.value,
                    t.app_version,
                    f"{t.updated_at:%Y-%m-%d %H:%M}",
                )
            )
        )
    return table


def stacks_table(stacks: StackList) -> Table:
    table = Table("STACK", "COMPONENT", "LAST UPDATE", "RESOURCES")
    table.columns[0].no_wrap = table.columns[2].no_wrap = True
    for s in stacks.stacks:
        when = _ago(s.last_update) + (" · updating now" if s.update_in_progress else "")
        table.add_row(
            Text(s.name),
            s.component.value,
            when,
            "-" if s.resource_count is None else str(s.resource_count),
        )
    return table


def history_table(history: TenantHistory) -> Table:
    table = Table("AT", "FROM", "TO", "REASON", "WORKFLOW")
    table.columns[0].no_wrap = True
    for t in history.transitions:
        table.add_row(
            t.at.strftime("%Y-%m-%d %H:%M:%S"),
            t.from_status.value if t.from_status else "-",
            t.to_status.value,
            Text(t.reason or ""),
            Text(t.workflow_id or ""),
        )
    return table


def history_notes(history: TenantHistory) -> list[str]:
    """Who owns the tenant now, what deprovision kept, which notices are owed."""
    notes = [f"{history.tenant_key} ({history.tenant_id}) is {history.status.value}"]
    if history.owner_workflow_id:
        notes.append(f"owned by {history.owner_operation} {history.owner_workflow_id}")
    for r in history.retained:
        notes.append(f"retained: {r.component} {r.type} {r.physical_id}")
    for n in history.notices:
        notes.append(f"notice {n.kind}: {n.state}")
    return notes


def plan_table(preview: PreviewView) -> Table:
    table = Table("COMPONENT", "OP", "TYPE", "NAME", "CHANGED")
    for plan in preview.plan:
        for change in plan.planned:
            table.add_row(
                plan.component.value,
                change.op,
                Text(change.type),
                Text(change.name),
                Text(", ".join(change.diffs)),
            )
        if not plan.planned:
            table.add_row(plan.component.value, "same", "", "(no changes)", "")
    return table
