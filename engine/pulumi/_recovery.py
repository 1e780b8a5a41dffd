"""Crash recovery: stale backend locks and pending operations left by a killed process.

A process killed in the middle of ``pulumi up`` leaves two things behind in a DIY (file or
S3) backend: a lock file naming the dead CLI process, and ``pending_operations`` in the
checkpoint for the resource steps that were in flight.

Rules (documented in the README):

* A lock is stale when it was taken on this host by a process that no longer exists, or
  when it is older than ``stale_lock_after`` (another host; default longer than the longest
  activity timeout). Stale locks are removed with ``pulumi cancel``; live ones are left
  alone and the operation fails with the retryable ConcurrentUpdateError. A lock is also
  broken at once when its owner is a CLI process of the previous attempt of the same
  activity (``owner_gone``): a worker that died on another host does not block the
  tenant for ``stale_lock_after``.
* The file backend writes a checkpoint's metadata (``<stack>.json.attrs``) in place; a kill
  during that write leaves it empty and every later command fails with "failed to load
  checkpoint: EOF". Such metadata files are removed (the checkpoint itself is written
  atomically and is intact; the metadata is optional) and the command is run again.
* Pending operations are resolved with ``pulumi refresh --clear-pending-creates``, which
  itself takes the lock: the refresh reconciles the resources in state with reality, and
  interrupted creates are dropped so the next ``up`` creates them again.
* An interrupted create may have been carried out by the provider (the process died
  between the provider's answer and the checkpoint write). Programs whose provider
  creates or adopts under a deterministic name (the local provider) need nothing more.
  For the others the catalog has an adopter per provider package
  (``ProgramCatalog.adopters``): before the pending creates are dropped, it looks each
  one up by the inputs it was created with, and what exists is recorded in the checkpoint
  under the URN, provider and parent of its create (``pulumi stack import``; ``pulumi
  import`` would need the language plugin the inline programs do without). The refresh
  then reads its real state, and the next ``up`` updates it instead of failing on a
  duplicate (Keycloak answers ``409 Conflict``) or leaving an orphan behind.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import socket
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from pulumi.automation import StackSettings

__all__ = [
    "LockInfo",
    "PendingCreate",
    "is_stale",
    "owner_gone",
    "parse_locks",
    "pending_creates",
    "pending_operations",
    "read_file_checkpoint",
    "repair_file_backend",
    "stack_settings_from_state",
    "with_adopted",
]

log = logging.getLogger(__name__)

_LOCK_LINE = re.compile(
    r"^\s*(?P<url>\S+): created by (?P<user>[^@\s]*)@(?P<host>\S+) \(pid (?P<pid>\d+)\) "
    r"at (?P<at>\S+)",
    re.MULTILINE,
)


@dataclass(frozen=True)
class LockInfo:
    url: str
    user: str
    host: str
    pid: int
    taken_at: datetime

    def describe(self) -> str:
        return f"{self.user}@{self.host} pid {self.pid} at {self.taken_at.isoformat()}"


def parse_locks(message: str) -> list[LockInfo]:
    """The locks named in a DIY backend's "stack is currently locked" error."""
    locks = []
    for match in _LOCK_LINE.finditer(message):
        try:
            taken_at = datetime.fromisoformat(match["at"])
        except ValueError:
            continue
        if taken_at.tzinfo is None:
            taken_at = taken_at.replace(tzinfo=UTC)
        locks.append(
            LockInfo(match["url"], match["user"], match["host"], int(match["pid"]), taken_at)
        )
    return locks


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed process whose parent died too can linger as a zombie when PID 1 does not
    # reap (common in containers): it holds nothing, so it counts as dead.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def is_stale(lock: LockInfo, stale_after: timedelta, now: datetime | None = None) -> bool:
    """Whether a lock's owner is certainly gone (see the module docstring for the rule)."""
    now = now or datetime.now(UTC)
    if lock.host == socket.gethostname() and not _pid_alive(lock.pid):
        return True
    return now - lock.taken_at > stale_after


def owner_gone(lock: LockInfo, gone: Collection[str]) -> bool:
    """Whether ``lock`` was taken by a CLI process listed in ``gone`` (``host:pid``).

    ``gone`` is what the previous attempt of the same activity recorded in its heartbeats;
    Temporal starts a new attempt only after that one failed or missed its heartbeat
    timeout, so its processes are dead or cut off. A listed process on this host that is
    still alive is not gone: its lock stays.
    """
    if f"{lock.host}:{lock.pid}" not in gone:
        return False
    return lock.host != socket.gethostname() or not _pid_alive(lock.pid)


def pending_operations(deployment: Mapping[str, Any]) -> list[str]:
    """``"<type> <urn>"`` for each operation a killed process left unfinished."""
    pending = deployment.get("pending_operations") or []
    return [f"{op.get('type', '?')} {op.get('resource', {}).get('urn', '?')}" for op in pending]


@dataclass(frozen=True)
class PendingCreate:
    """A create a killed process started: what it asked the provider for."""

    resource: Mapping[str, Any]  # the resource as the checkpoint holds it (no ID, no outputs)

    @property
    def urn(self) -> str:
        return str(self.resource.get("urn", ""))

    @property
    def type(self) -> str:
        return str(self.resource.get("type", ""))

    @property
    def inputs(self) -> Mapping[str, Any]:
        return self.resource.get("inputs") or {}


def pending_creates(deployment: Mapping[str, Any]) -> list[PendingCreate]:
    """The interrupted creates of custom resources in a checkpoint."""
    found = []
    for op in deployment.get("pending_operations") or []:
        resource = op.get("resource") or {}
        if op.get("type") != "creating" or not resource.get("custom"):
            continue
        found.append(PendingCreate(resource))
    return found


def with_adopted(
    deployment: Mapping[str, Any], adopted: Mapping[str, str], creates: list[PendingCreate]
) -> dict[str, Any]:
    """``deployment`` with the resources in ``adopted`` (URN -> provider ID) recorded as the
    pending creates described them, and no pending operations left.

    Outputs start as the create's inputs (the provider's state keys are its input names);
    the refresh that follows reads the real ones. An adopted resource depends only on
    resources recorded before the interruption, so appending it keeps the order valid.
    """
    resources = list(deployment.get("resources") or [])
    for create in creates:
        if create.urn not in adopted:
            continue
        entry = dict(create.resource)
        entry["id"] = adopted[create.urn]
        entry["outputs"] = {**create.inputs, "id": adopted[create.urn]}
        resources.append(entry)
    return {**deployment, "resources": resources, "pending_operations": []}


def read_file_checkpoint(backend_url: str, project: str, stack: str) -> dict[str, Any] | None:
    """The stack's latest deployment, read straight from a ``file://`` backend (``{}`` when
    the stack has none yet), or None when the file backend has no such stack.

    What ``pulumi stack export`` prints, without starting the CLI (a fifth of a second,
    a tenth of a small stack's ``up``). The backend writes checkpoints atomically (rename),
    so a read never sees half a file. Raises ValueError when the file is not JSON.
    """
    stacks = _file_backend_root(backend_url) / "stacks" / project
    plain, packed = stacks / f"{stack}.json", stacks / f"{stack}.json.gz"
    try:
        raw = plain.read_bytes()
    except FileNotFoundError:
        try:
            raw = gzip.decompress(packed.read_bytes())
        except FileNotFoundError:
            return None
    document = json.loads(raw)
    return dict((document.get("checkpoint") or {}).get("latest") or {})


def repair_file_backend(backend_url: str, project: str, stack: str) -> list[str]:
    """Remove a stack's empty or unreadable metadata files in a file:// backend."""
    if not backend_url.startswith("file://"):
        return []
    root = _file_backend_root(backend_url)
    candidates = [
        *(root / "stacks" / project).glob(f"{stack}.json*.attrs"),
        *(root / "locks" / "organization" / project / stack).glob("*.attrs"),
    ]
    removed = []
    for path in candidates:
        try:
            text = path.read_text()
            if text.strip():
                json.loads(text)
                continue
        except (OSError, ValueError):
            pass
        path.unlink(missing_ok=True)
        removed.append(str(path))
    return removed


def stack_settings_from_state(deployment: Mapping[str, Any]) -> StackSettings | None:
    """The stack settings (secrets provider and key) a checkpoint records, if any."""
    provider = deployment.get("secrets_providers") or {}
    state = provider.get("state") or {}
    if provider.get("type") == "passphrase" and state.get("salt"):
        return StackSettings(encryption_salt=state["salt"])
    if provider.get("type") == "cloud" and state.get("url"):
        return StackSettings(secrets_provider=state["url"], encrypted_key=state.get("encryptedkey"))
    return None


def _file_backend_root(backend_url: str) -> Path:
    """The ``.pulumi`` directory of a ``file://`` backend."""
    return Path(unquote(urlparse(backend_url).path)) / ".pulumi"
