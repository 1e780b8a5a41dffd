"""Opening a stack, and an ``up`` that reads its results from the engine events it streamed.

After ``pulumi up`` the Automation API starts the CLI three more times: ``stack output``
twice (masked, then with secrets, to tell which outputs are secret) and ``stack history``
for the summary: about a second per ``up`` on a small machine, a quarter of a small stack's
time. The engine events of the ``up`` already hold both (the root stack's outputs, with
secrets marked, and the summary event), so ``EngineStack`` answers ``outputs()`` and
``info()`` from them when the run delivered them, and asks the CLI otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pulumi import automation as auto

# Stack's constructor takes the mode; the SDK's own helpers (Stack.select/create) always
# build a plain Stack, so the subclass is built directly.
from pulumi.automation._stack import StackInitMode

__all__ = ["EngineStack", "open_stack", "workspace_kwargs"]

# How Pulumi marks a secret in serialized property values.
_SECRET_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"
_ROOT = "pulumi:pulumi:Stack"
# The CLI has exited when outputs() and info() are asked; its last events may still be
# on their way through the event stream for a moment.
_EVENT_GRACE_S = 2.0


def _has_secret(value: Any) -> bool:
    if isinstance(value, Mapping):
        if value.get(_SECRET_SIG) == _SECRET_VALUE:
            return True
        return any(_has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return False


class _UpRecord:
    """The root stack's outputs and the summary, as one ``up`` streamed them."""

    def __init__(self) -> None:
        self.outputs: dict[str, Any] | None = None
        self.changes: dict[str, int] | None = None
        self.started = datetime.now(UTC)
        self.summarized = threading.Event()

    def observer(
        self, forward: Callable[[auto.EngineEvent], None] | None
    ) -> Callable[[auto.EngineEvent], None]:
        def on_event(event: auto.EngineEvent) -> None:
            outputs = event.res_outputs_event
            if outputs is not None and outputs.metadata.type == _ROOT:
                new = outputs.metadata.new
                self.outputs = dict(new.outputs or {}) if new is not None else {}
            if event.summary_event is not None:
                self.changes = {
                    str(getattr(k, "value", k)): int(v)
                    for k, v in (event.summary_event.resource_changes or {}).items()
                }
                self.summarized.set()
            if forward is not None:
                forward(event)

        return on_event

    def output_map(self) -> auto.OutputMap | None:
        if not self.summarized.wait(_EVENT_GRACE_S) or self.outputs is None:
            return None
        return {
            key: auto.OutputValue(value=value, secret=_has_secret(value))
            for key, value in self.outputs.items()
        }

    def summary(self) -> auto.UpdateSummary | None:
        if not self.summarized.wait(_EVENT_GRACE_S) or self.changes is None:
            return None
        return auto.UpdateSummary(
            kind="update",
            start_time=self.started,
            message="",
            environment={},
            config={},
            result="succeeded",
            end_time=datetime.now(UTC),
            resource_changes=self.changes,  # type: ignore[arg-type]
        )


class EngineStack(auto.Stack):
    """A Stack whose ``up`` spares the three CLI starts that only re-read its results."""

    _record: _UpRecord | None = None

    def up(self, *args: Any, **kwargs: Any) -> auto.UpResult:
        record = _UpRecord()
        kwargs["on_event"] = record.observer(kwargs.get("on_event"))
        self._record = record
        try:
            return super().up(*args, **kwargs)
        finally:
            self._record = None

    def outputs(self) -> auto.OutputMap:
        recorded = self._record.output_map() if self._record is not None else None
        return recorded if recorded is not None else super().outputs()

    def info(self, show_secrets: bool = True) -> auto.UpdateSummary | None:
        recorded = self._record.summary() if self._record is not None else None
        return recorded if recorded is not None else super().info(show_secrets)


class _Workspace(auto.LocalWorkspace):
    def select_stack(self, stack_name: str) -> None:
        """Nothing to do: every command the engine runs names its stack (``--stack``), so
        ``pulumi stack select`` would only cost a CLI start. Whether the stack exists is
        told by the first command that reads it."""


def open_stack(
    name: str, program: auto.PulumiFn, options: auto.LocalWorkspaceOptions, *, create: bool = False
) -> EngineStack:
    """Stack ``name`` in the workspace ``options`` give, created (``pulumi stack init``)
    with ``create``, else opened without checking that it exists.

    The work directory already holds the project file (``WorkspaceFactory.work_dir``).
    Raises the Automation API's StackAlreadyExistsError.
    """
    workspace = _Workspace(**workspace_kwargs(options), program=program)
    return EngineStack(name, workspace, StackInitMode.CREATE if create else StackInitMode.SELECT)


def workspace_kwargs(options: auto.LocalWorkspaceOptions) -> dict[str, Any]:
    """LocalWorkspace's arguments from the options ``WorkspaceFactory`` gives."""
    return {
        "work_dir": options.work_dir,
        "pulumi_home": options.pulumi_home,
        "env_vars": options.env_vars,
        "secrets_provider": options.secrets_provider,
        "pulumi_command": options.pulumi_command,
    }
