"""Pulumi engine events turned into progress a caller can show or heartbeat with.

Pulumi calls ``on_event`` from its own threads; the tracker folds events into counts under
a lock and hands the caller an immutable ``Progress`` snapshot each time something changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pulumi.automation import EngineEvent, OpType, StepEventMetadata

from engine.core.results import Progress, ResourceChange

__all__ = ["BOOKKEEPING_TYPES", "Progress", "ProgressCallback", "ProgressTracker"]

log = logging.getLogger(__name__)

# The root stack resource and provider instances are bookkeeping, not tenant resources.
BOOKKEEPING_TYPES = ("pulumi:pulumi:Stack", "pulumi:providers:")
_CHANGE_OPS = {op.value for op in OpType} - {OpType.SAME.value, OpType.READ.value}


ProgressCallback = Callable[[Progress], None]


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _changed_paths(old: object, new: object, prefix: str = "") -> list[str]:
    """Property paths (``content.version``) whose values differ between two input maps.

    Engine-internal keys (``__provider``, ``__defaults``) are left out; lists count as
    one value. Secrets read ``[secret]`` on both sides, so a changed secret is not seen.
    """
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [prefix] if old != new and prefix else []
    paths: list[str] = []
    for key in sorted(set(old) | set(new)):
        if str(key).startswith("__"):
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if key not in old or key not in new:
            paths.append(path)
        else:
            paths += _changed_paths(old[key], new[key], path)
    return paths


def _diffs(meta: StepEventMetadata) -> list[str]:
    """The properties a step changes: the provider's detailed diff or changed keys, else
    (providers that report neither, such as dynamic ones) the inputs compared."""
    if meta.detailed_diff:
        return sorted(meta.detailed_diff)
    if meta.diffs:
        return list(meta.diffs)
    if meta.old is not None and meta.new is not None:
        return _changed_paths(meta.old.inputs or {}, meta.new.inputs or {})
    return []


class ProgressTracker:
    """Receives engine events (any thread) and reports progress to an optional callback."""

    def __init__(
        self, stack: str, operation: str, callback: ProgressCallback | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._callback = callback
        self._start = time.monotonic()
        self._snapshot = Progress(stack=stack, operation=operation)
        self._planned: set[str] = set()
        self._done: set[str] = set()
        self._failed: set[str] = set()
        self.changes: list[ResourceChange] = []
        self.errors: list[str] = []

    @property
    def snapshot(self) -> Progress:
        with self._lock:
            return self._snapshot

    def on_event(self, event: EngineEvent) -> None:
        try:
            changed = self._fold(event)
        except Exception:
            log.exception("could not fold a pulumi engine event")
            return
        if changed:
            self._emit()

    def finish(self) -> Progress:
        with self._lock:
            self._snapshot = self._snapshot.model_copy(
                update={"finished": True, "elapsed_s": self._elapsed()}
            )
        return self._emit()

    def _elapsed(self) -> float:
        return round(time.monotonic() - self._start, 3)

    def _fold(self, event: EngineEvent) -> bool:
        with self._lock:
            update: dict[str, object] = {}
            if event.resource_pre_event is not None:
                meta = event.resource_pre_event.metadata
                if meta.type.startswith(BOOKKEEPING_TYPES):
                    return False
                op = meta.op.value if isinstance(meta.op, OpType) else str(meta.op)
                self._planned.add(meta.urn)
                if op in _CHANGE_OPS:
                    self.changes.append(
                        ResourceChange(
                            urn=meta.urn,
                            type=meta.type,
                            name=_name(meta.urn),
                            op=op,
                            diffs=_diffs(meta),
                        )
                    )
                update = {"current_resource": _name(meta.urn), "current_op": op}
            elif event.res_outputs_event is not None:
                meta = event.res_outputs_event.metadata
                if meta.type.startswith(BOOKKEEPING_TYPES):
                    return False
                self._done.add(meta.urn)
            elif event.res_op_failed_event is not None:
                meta = event.res_op_failed_event.metadata
                self._failed.add(meta.urn)
            elif event.diagnostic_event is not None:
                diag = event.diagnostic_event
                if diag.severity == "error":
                    self.errors.append(diag.message.strip())
                return False
            else:
                return False
            self._snapshot = self._snapshot.model_copy(
                update={
                    **update,
                    "planned": len(self._planned),
                    "done": len(self._done),
                    "failed": len(self._failed),
                    "elapsed_s": self._elapsed(),
                }
            )
            return True

    def _emit(self) -> Progress:
        snapshot = self.snapshot
        if self._callback is not None:
            try:
                self._callback(snapshot)
            except Exception:
                log.exception("progress callback failed")
        return snapshot
