"""Running one operation on one stack safely: exclusivity, recovery, error mapping.

``StackExecutor.run`` wraps every engine operation: it takes the in-process lock of the
stack (the concurrency rule in ``engine.runner``), opens or creates the stack (restoring
its settings from the backend when this machine lacks them), repairs what a crashed
process left (``engine.recovery``), runs the operation with a progress tracker, and turns
any failure into the engine's error hierarchy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from pulumi import automation as auto

from engine.core.errors import (
    ConcurrentUpdateError,
    EngineError,
    OperationCancelledError,
    ProviderError,
    StackNotFoundError,
)
from engine.core.results import RecoveryReport

from ._catalog import Adopter
from ._command import CancelToken, OperationCancelled
from ._failures import classify
from ._progress import ProgressCallback, ProgressTracker
from ._recovery import (
    PendingCreate,
    is_stale,
    owner_gone,
    parse_locks,
    pending_creates,
    pending_operations,
    read_file_checkpoint,
    repair_file_backend,
    stack_settings_from_state,
    with_adopted,
)
from ._stack import open_stack
from ._workspace import WorkspaceFactory

__all__ = ["StackExecutor"]

log = logging.getLogger(__name__)

R = TypeVar("R")


class StackExecutor:
    """Runs operations on stacks of one project; shared by every operation of an engine."""

    def __init__(
        self,
        workspaces: WorkspaceFactory,
        *,
        stack_wait: float,
        stale_lock_after: timedelta,
        adopt: Adopter | None = None,
    ) -> None:
        self.workspaces = workspaces
        self._adopt = adopt
        self.project = workspaces.project
        self._stack_wait = stack_wait
        self._stale_lock_after = stale_lock_after
        self._guard = threading.Lock()
        self._stack_locks: dict[str, threading.Lock] = {}
        self._active: dict[str, CancelToken] = {}

    def cancel(self, name: str) -> bool:
        """Cancel the operation running on stack ``name``; False if there is none."""
        with self._guard:
            token = self._active.get(name)
        if token is None:
            return False
        token.cancel()
        return True

    @contextmanager
    def _exclusive(self, name: str, token: CancelToken) -> Iterator[None]:
        with self._guard:
            lock = self._stack_locks.setdefault(name, threading.Lock())
        if not lock.acquire(timeout=self._stack_wait):
            raise ConcurrentUpdateError(
                f"another operation in this process has held the stack for over "
                f"{self._stack_wait:.0f}s",
                stack=name,
            )
        with self._guard:
            self._active[name] = token
        try:
            yield
        finally:
            with self._guard:
                self._active.pop(name, None)
            lock.release()

    def run(
        self,
        name: str,
        operation: str,
        program: auto.PulumiFn,
        body: Callable[[auto.Stack, ProgressTracker], R],
        on_progress: ProgressCallback | None,
        cancel: CancelToken | None,
        *,
        create: bool = True,
        mutating: bool = True,
        exclusive: bool = True,
    ) -> R:
        token = cancel or CancelToken()
        started = time.monotonic()
        ctx = self._exclusive(name, token) if exclusive else _nullcontext()
        with ctx:
            tracker = ProgressTracker(name, operation, on_progress)
            recovered: RecoveryReport | None = None
            try:
                # Each repair at most once, in whatever order the CLI meets the damage (a
                # kill can leave both a lock and a metadata file cut off mid-write).
                locks_cleared = files_repaired = False
                while True:
                    try:
                        stack, exported = self._open(name, program, token, create, mutating)
                        if mutating and exported is not None:
                            recovered = _merge(
                                recovered, self._recover_pending(stack, name, exported)
                            )
                        body_started = time.monotonic()
                        result = body(stack, tracker)
                        pulumi_s = time.monotonic() - body_started
                        break
                    except auto.ConcurrentUpdateError as exc:
                        if locks_cleared:
                            raise
                        locks_cleared = True
                        cleared = self._clear_stale_locks(
                            stack, name, str(exc), token.previous_owners
                        )
                        if not cleared:
                            raise
                        recovered = _merge(recovered, RecoveryReport(cleared_locks=cleared))
                    except auto.CommandError as exc:
                        if files_repaired:
                            raise
                        files_repaired = True
                        repaired = self._repair_backend(name, str(exc))
                        if not repaired:
                            raise
                        recovered = _merge(recovered, RecoveryReport(repaired_files=repaired))
                    tracker = ProgressTracker(name, operation, on_progress)
            except OperationCancelled:
                raise OperationCancelledError("operation cancelled", stack=name) from None
            except EngineError:
                raise
            except Exception as exc:
                error = classify(exc, name, tracker, cancelled=token.cancelled)
                level = logging.DEBUG if isinstance(error, StackNotFoundError) else logging.WARNING
                log.log(level, "%s %s failed: %s", operation, name, error.message)
                raise error from exc
            tracker.finish()
        update: dict[str, Any] = {
            "duration_s": round(time.monotonic() - started, 3),
            "pulumi_s": round(pulumi_s, 3),
        }
        if recovered is not None:
            update["recovered"] = recovered
        if hasattr(result, "model_copy"):
            return result.model_copy(update=update)  # type: ignore[no-any-return]
        return result

    def _open(
        self, name: str, program: auto.PulumiFn, token: CancelToken, create: bool, mutating: bool
    ) -> tuple[auto.Stack, auto.Deployment | None]:
        """The stack, and its checkpoint when it was read (never for a stack just created).

        Opening costs no CLI start (``open_stack``); the checkpoint is read only where it
        is needed: before a mutating operation (interrupted operations to resolve), to
        learn whether a stack to create exists, or to restore missing stack settings.
        Otherwise the operation's own command says if the stack exists.
        """
        options = self.workspaces.options(name, token)
        stack = open_stack(name, program, options)
        settings_file = Path(str(options.work_dir)) / f"Pulumi.{name}.yaml"
        settings_missing = not settings_file.exists()
        if not (create or mutating or settings_missing):
            return stack, None
        try:
            exported = self._export(stack, name)
        except auto.StackNotFoundError:
            if not create:
                raise
            try:
                return open_stack(name, program, options, create=True), None
            except auto.StackAlreadyExistsError:
                # Created by a concurrent caller between our check and create.
                exported = self._export(stack, name)
        if settings_missing:
            self._restore_stack_settings(stack, name, exported.deployment or {})
        return stack, exported

    def _export(self, stack: auto.Stack, name: str) -> auto.Deployment:
        """The stack's checkpoint: from the file backend directly when it is one, else
        ``pulumi stack export``. Raises the Automation API's StackNotFoundError."""
        backend = self.workspaces.backend_url
        if not backend.startswith("file://"):
            return stack.export_stack()
        try:
            deployment = read_file_checkpoint(backend, self.project, name)
        except ValueError:  # unreadable: the CLI says why (and _repair_backend acts on it)
            return stack.export_stack()
        if deployment is None:
            raise auto.StackNotFoundError(auto.CommandResult("", f"no stack named '{name}'", 255))
        return auto.Deployment(version=3, deployment=deployment)

    def _restore_stack_settings(
        self, stack: auto.Stack, name: str, deployment: Mapping[str, Any]
    ) -> None:
        """Recreate ``Pulumi.<stack>.yaml`` from the backend when this machine lacks it.

        The file names the stack's secrets provider and its key (or salt). Another worker
        made the stack, or this one lost its disk: the checkpoint in the backend records
        the same facts, so the stack keeps the provider it was created with.
        """
        restored = stack_settings_from_state(deployment)
        if restored is not None:
            stack.workspace.save_stack_settings(name, restored)
            log.info("%s: restored stack settings from the backend", name)

    def _recover_pending(
        self, stack: auto.Stack, name: str, exported: auto.Deployment
    ) -> RecoveryReport | None:
        deployment = exported.deployment or {}
        pending = pending_operations(deployment)
        if not pending:
            return None
        log.warning("%s: resolving %d interrupted operation(s): %s", name, len(pending), pending)
        creates = pending_creates(deployment)
        found = self._find_created(name, creates)
        if found:
            adopted_state = with_adopted(deployment, found, creates)
            stack.import_stack(auto.Deployment(version=exported.version, deployment=adopted_state))
            log.warning("%s: adopted what interrupted creates made: %s", name, found)
        stack.refresh(clear_pending_creates=True, color="never")
        adopted = [f"{urn} = {id_}" for urn, id_ in found.items()]
        return RecoveryReport(pending_operations=pending, adopted=adopted)

    def _find_created(self, name: str, creates: list[PendingCreate]) -> dict[str, str]:
        """URN -> import ID of each interrupted create the provider had carried out."""
        if self._adopt is None:
            return {}
        found = {}
        for create in creates:
            try:
                id_ = self._adopt(create.type, create.inputs)
            except Exception as exc:
                # Nothing changed yet: the activity's retry looks again.
                raise ProviderError(
                    f"cannot look up what the interrupted create of {create.urn} made: {exc}",
                    stack=name,
                ) from exc
            if id_ is not None:
                found[create.urn] = id_
        return found

    def _repair_backend(self, name: str, message: str) -> list[str]:
        if "failed to load checkpoint" not in message:
            return []
        repaired = repair_file_backend(self.workspaces.backend_url, self.project, name)
        if repaired:
            log.warning("%s: removed corrupt backend files %s", name, repaired)
        return repaired

    def _clear_stale_locks(
        self, stack: auto.Stack, name: str, message: str, gone: Collection[str]
    ) -> list[str]:
        locks = parse_locks(message)
        if not locks or not all(
            is_stale(lock, self._stale_lock_after) or owner_gone(lock, gone) for lock in locks
        ):
            return []
        described = [lock.describe() for lock in locks]
        log.warning("%s: clearing stale lock(s) %s", name, described)
        stack.cancel()
        return described


@contextmanager
def _nullcontext() -> Iterator[None]:
    yield


def _merge(a: RecoveryReport | None, b: RecoveryReport | None) -> RecoveryReport | None:
    if a is None or b is None:
        return a or b
    # A step retried after another repair reports what it found again: once is enough.
    return RecoveryReport(
        cleared_locks=_once(a.cleared_locks, b.cleared_locks),
        pending_operations=_once(a.pending_operations, b.pending_operations),
        repaired_files=_once(a.repaired_files, b.repaired_files),
        adopted=_once(a.adopted, b.adopted),
    )


def _once(a: list[str], b: list[str]) -> list[str]:
    return list(dict.fromkeys([*a, *b]))
