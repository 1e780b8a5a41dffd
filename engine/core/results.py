"""Typed results of engine operations (pydantic, so they travel through Temporal as is)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.core.models import WIRE, Component

__all__ = [
    "DestroyResult",
    "OperationResult",
    "PreviewResult",
    "Progress",
    "RecoveryReport",
    "RefreshResult",
    "ResourceChange",
    "StackInfo",
    "UpResult",
]


class _Result(BaseModel):
    # camelCase on the wire (they travel in activity results and the status query).
    model_config = ConfigDict(frozen=True, **WIRE)


class Progress(_Result):
    """A snapshot of one operation: ``done`` of ``planned`` resource steps, and the latest."""

    stack: str
    operation: str
    planned: int = 0
    done: int = 0
    failed: int = 0
    current_resource: str | None = None
    current_op: str | None = None
    elapsed_s: float = 0.0
    finished: bool = False

    def describe(self) -> str:
        current = f", {self.current_op} {self.current_resource}" if self.current_resource else ""
        return f"{self.stack} {self.operation}: {self.done}/{self.planned} done{current}"


class ResourceChange(_Result):
    """One planned or applied step on one resource."""

    urn: str
    type: str
    name: str
    op: str
    diffs: list[str] = Field(default_factory=list)


class RecoveryReport(_Result):
    """What the engine repaired before running an operation (after a crash)."""

    cleared_locks: list[str] = Field(default_factory=list)
    pending_operations: list[str] = Field(default_factory=list)
    repaired_files: list[str] = Field(default_factory=list)
    # Resources an interrupted create had made, imported into the stack ("URN = ID").
    adopted: list[str] = Field(default_factory=list)


class OperationResult(_Result):
    stack: str
    operation: str
    # Pulumi's count of steps by kind (create, update, delete, same, ...).
    changes: dict[str, int] = Field(default_factory=dict)
    # Whole operation, and the part spent in the Pulumi command itself (the rest is the
    # engine's own work: opening the stack, recovery checks).
    duration_s: float = 0.0
    pulumi_s: float = 0.0
    recovered: RecoveryReport | None = None


class PreviewResult(OperationResult):
    """A dry run: what ``up`` would do, per resource, with nothing changed."""

    planned: list[ResourceChange] = Field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.planned)


class UpResult(OperationResult):
    # Secret outputs are withheld here (names in ``secret_outputs``) so results can be
    # logged and stored in workflow history; ``PulumiRunner.outputs(reveal=True)`` reads them.
    outputs: dict[str, Any] = Field(default_factory=dict)
    secret_outputs: list[str] = Field(default_factory=list)


class RefreshResult(OperationResult):
    pass


class DestroyResult(OperationResult):
    removed: bool = False
    # False when there was no such stack: nothing to destroy, which is success.
    existed: bool = True


class StackInfo(_Result):
    name: str
    tenant_key: str
    component: Component
    last_update: datetime | None = None
    resource_count: int | None = None
    update_in_progress: bool = False
    url: str | None = None
