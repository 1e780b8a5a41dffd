"""The engine: typed operations on tenant stacks through the Pulumi Automation API.

Every operation runs one inline program from the catalog against one stack
(``<tenant_key>-<component>``), in the calling thread; it blocks until the CLI is done.
Call it from a worker thread (``activities.stacks`` does, heartbeating and cancelling).

Concurrency rule (see README): operations on different stacks run in parallel. Within one
process, a second operation on a stack that is busy waits for the first, up to
``stack_wait`` seconds, then fails with ConcurrentUpdateError. Across processes, Pulumi's
backend lock decides: the second fails at once with ConcurrentUpdateError (retryable),
unless the lock is stale (its owner died), in which case it is cleared and the operation
goes ahead (see ``engine.recovery``).
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from typing import Any, TypeVar

from pulumi import automation as auto

from engine.core.errors import (
    CatalogError,
    StackNotFoundError,
)
from engine.core.models import Component, TenantSpec
from engine.core.results import (
    DestroyResult,
    PreviewResult,
    RefreshResult,
    StackInfo,
    UpResult,
)
from engine.core.settings import Settings

from ._catalog import ProgramCatalog
from ._command import CancelToken
from ._executor import StackExecutor
from ._failures import classify
from ._naming import PLATFORM_STACK, parse_stack_name, stack_name
from ._progress import BOOKKEEPING_TYPES, ProgressCallback, ProgressTracker
from ._stack import workspace_kwargs
from ._workspace import WorkspaceFactory

__all__ = ["PulumiRunner"]

log = logging.getLogger(__name__)

R = TypeVar("R")
_SECRET = "[secret]"
# Plain text in every message and error we keep, whatever the terminal or environment says.
_COLOR = "never"


def _noop_program() -> None:
    """Destroy runs without the tenant's program; an inline no-op avoids a language host."""


class PulumiRunner:
    """Preview, up, refresh, destroy, outputs, list and cancel for tenant stacks."""

    def __init__(
        self,
        settings: Settings,
        catalog: ProgramCatalog,
        *,
        workspaces: WorkspaceFactory | None = None,
        stack_wait: float = 600.0,
        stale_lock_after: timedelta = timedelta(minutes=35),
    ) -> None:
        self.catalog = catalog
        self.workspaces = workspaces or WorkspaceFactory(settings)
        self.project = self.workspaces.project
        self._executor = StackExecutor(
            self.workspaces,
            stack_wait=stack_wait,
            stale_lock_after=stale_lock_after,
            adopt=catalog.adopt,
        )

    # -- operations -------------------------------------------------------------------

    def preview(
        self,
        spec: TenantSpec,
        component: Component,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> PreviewResult:
        """Dry run: the changes ``up`` would make, per resource. Nothing is left changed.

        Pulumi previews only an existing stack; for a tenant without one, the stack is
        created for the preview and removed after it (with its workspace), so a dry run
        of a tenant that had none leaves no stack that nothing could remove.
        """
        name = stack_name(spec.tenant_key, component)
        return self._preview(name, self.catalog.build(spec, component), on_progress, cancel)

    def _preview(
        self,
        name: str,
        program: auto.PulumiFn,
        on_progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> PreviewResult:
        def run(stack: auto.Stack, tracker: ProgressTracker) -> PreviewResult:
            res = stack.preview(on_event=tracker.on_event, color=_COLOR)
            return PreviewResult(
                stack=name,
                operation="preview",
                changes=_op_map(res.change_summary),
                planned=list(tracker.changes),
            )

        def run_and_remove(stack: auto.Stack, tracker: ProgressTracker) -> PreviewResult:
            try:
                return run(stack, tracker)
            finally:
                stack.workspace.remove_stack(name)
                shutil.rmtree(stack.workspace.work_dir, ignore_errors=True)

        try:
            return self._executor.run(
                name, "preview", program, run, on_progress, cancel, create=False, mutating=False
            )
        except StackNotFoundError:
            pass
        return self._executor.run(
            name, "preview", program, run_and_remove, on_progress, cancel, mutating=False
        )

    def has_resources(self, tenant_key: str, component: Component) -> bool:
        """Whether the component's stack exists and manages any resource (beyond itself)."""
        return self._has_resources(stack_name(tenant_key, component))

    def platform_exists(self) -> bool:
        """Whether the shared platform stack exists with its resources."""
        return self._has_resources(PLATFORM_STACK)

    def _has_resources(self, name: str) -> bool:
        def run(stack: auto.Stack, _tracker: ProgressTracker) -> bool:
            resources = (stack.export_stack().deployment or {}).get("resources") or []
            return any(r.get("type") != "pulumi:pulumi:Stack" for r in resources)

        try:
            return self._executor.run(
                name,
                "inspect",
                _noop_program,
                run,
                None,
                None,
                create=False,
                mutating=False,
                exclusive=False,
            )
        except StackNotFoundError:
            return False

    def up(
        self,
        spec: TenantSpec,
        component: Component,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        refresh: bool = False,
    ) -> UpResult:
        """Create or update the component's resources; idempotent.

        ``refresh`` reads the real resources first (``pulumi up --refresh``): one deleted or
        changed behind Pulumi's back is then recreated or updated (drift repaired).
        """
        name = stack_name(spec.tenant_key, component)
        return self._up(
            name, self.catalog.build(spec, component), on_progress, cancel, refresh=refresh
        )

    def ensure_platform(
        self,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> UpResult:
        """Create or update the shared platform stack that pooled and bridge tenants use."""
        return self._up(PLATFORM_STACK, self._platform_program(), on_progress, cancel)

    def _platform_program(self) -> auto.PulumiFn:
        if self.catalog.platform is None:
            raise CatalogError(f"catalog {self.catalog.name!r} has no platform program")
        return self.catalog.platform()

    def _up(
        self,
        name: str,
        program: auto.PulumiFn,
        on_progress: ProgressCallback | None,
        cancel: CancelToken | None,
        *,
        refresh: bool = False,
    ) -> UpResult:
        def run(stack: auto.Stack, tracker: ProgressTracker) -> UpResult:
            res = stack.up(on_event=tracker.on_event, refresh=refresh, color=_COLOR)
            outputs, secret = _split_outputs(res.outputs)
            return UpResult(
                stack=name,
                operation="up",
                changes=_op_map(res.summary.resource_changes),
                outputs=outputs,
                secret_outputs=secret,
            )

        return self._executor.run(name, "up", program, run, on_progress, cancel)

    def refresh(
        self,
        spec: TenantSpec,
        component: Component,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> RefreshResult:
        """Bring the stack's state in line with the resources that really exist."""
        name = stack_name(spec.tenant_key, component)
        program = self.catalog.build(spec, component)

        def run(stack: auto.Stack, tracker: ProgressTracker) -> RefreshResult:
            res = stack.refresh(on_event=tracker.on_event, color=_COLOR)
            return RefreshResult(
                stack=name, operation="refresh", changes=_op_map(res.summary.resource_changes)
            )

        return self._executor.run(name, "refresh", program, run, on_progress, cancel, create=False)

    def destroy(
        self,
        tenant_key: str,
        component: Component,
        *,
        remove: bool = False,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> DestroyResult:
        """Delete the component's resources (keeping those marked retain-on-delete).

        A stack that does not exist is already destroyed: the result says ``existed=False``,
        so compensation can call this any number of times.
        """
        return self._destroy(stack_name(tenant_key, component), remove, on_progress, cancel)

    def preview_platform(
        self,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> PreviewResult:
        """What ``ensure_platform`` would change (nothing is left changed)."""
        return self._preview(PLATFORM_STACK, self._platform_program(), on_progress, cancel)

    def platform_outputs(self) -> dict[str, Any]:
        """The platform stack's non-secret outputs."""
        return self._outputs(PLATFORM_STACK, reveal=False)

    def _destroy(
        self,
        name: str,
        remove: bool,
        on_progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> DestroyResult:
        def run(stack: auto.Stack, tracker: ProgressTracker) -> DestroyResult:
            res = stack.destroy(on_event=tracker.on_event, remove=remove, color=_COLOR)
            if remove:  # its workspace directory goes with it (they piled up)
                shutil.rmtree(stack.workspace.work_dir, ignore_errors=True)
            return DestroyResult(
                stack=name,
                operation="destroy",
                changes=_op_map(res.summary.resource_changes),
                removed=remove,
            )

        try:
            return self._executor.run(
                name, "destroy", _noop_program, run, on_progress, cancel, create=False
            )
        except StackNotFoundError:
            return DestroyResult(stack=name, operation="destroy", removed=True, existed=False)

    def outputs(
        self, tenant_key: str, component: Component, *, reveal: bool = False
    ) -> dict[str, Any]:
        """The stack's outputs; secret values only when ``reveal`` is true."""
        return self._outputs(stack_name(tenant_key, component), reveal=reveal)

    def _outputs(self, name: str, *, reveal: bool) -> dict[str, Any]:
        def run(stack: auto.Stack, _tracker: ProgressTracker) -> dict[str, Any]:
            values = stack.outputs()
            if reveal:
                return {k: v.value for k, v in values.items()}
            return _split_outputs(values)[0]

        return self._executor.run(
            name,
            "outputs",
            _noop_program,
            run,
            None,
            None,
            create=False,
            mutating=False,
            exclusive=False,
        )

    def list_stacks(self, tenant_key: str | None = None) -> list[StackInfo]:
        """Tenant stacks in the backend, all of them or one tenant's, sorted by name."""
        options = self.workspaces.options("_project")
        workspace = auto.LocalWorkspace(**workspace_kwargs(options))
        try:
            summaries = workspace.list_stacks()
        except auto.CommandError as exc:
            raise classify(exc, "*", None) from exc
        infos = []
        for summary in summaries:
            parsed = parse_stack_name(summary.name)
            if parsed is None or (tenant_key is not None and parsed[0] != tenant_key):
                continue
            try:
                count = _resource_count(workspace, summary)
            except auto.CommandError as exc:
                raise classify(exc, summary.name, None) from exc
            infos.append(
                StackInfo(
                    name=summary.name,
                    tenant_key=parsed[0],
                    component=parsed[1],
                    last_update=summary.last_update,
                    resource_count=count,
                    update_in_progress=bool(summary.update_in_progress),
                    url=summary.url,
                )
            )
        return sorted(infos, key=lambda info: info.name)

    def cancel(self, tenant_key: str, component: Component) -> bool:
        """Cancel the operation this engine is running on the stack; False if none is."""
        return self._executor.cancel(stack_name(tenant_key, component))


def _resource_count(workspace: auto.LocalWorkspace, summary: auto.StackSummary) -> int | None:
    """The stack's own resources: Pulumi's count less its stack entry and providers."""
    if not summary.resource_count:
        return summary.resource_count
    resources = (workspace.export_stack(summary.name).deployment or {}).get("resources") or []
    return sum(1 for r in resources if not str(r.get("type", "")).startswith(BOOKKEEPING_TYPES))


def _op_map(changes: Any) -> dict[str, int]:
    return {(getattr(k, "value", None) or str(k)): int(v) for k, v in (changes or {}).items()}


def _split_outputs(values: auto.OutputMap) -> tuple[dict[str, Any], list[str]]:
    plain: dict[str, Any] = {}
    secret: list[str] = []
    for key, output in values.items():
        if output.secret:
            secret.append(key)
            plain[key] = _SECRET
        else:
            plain[key] = output.value
    return plain, sorted(secret)
