"""Crash recovery: stale backend locks and pending operations left by a killed process.

A process killed in the middle of ``pulumi up`` leaves two things behind in a DIY (file or
S3) backend: a lock file naming the dead CLI process, and ``pending_operations`` in the
checkpoint for the resource steps that were in flight.

Rules (documented in the README):

* A lock is stale when it was taken on this host by a process that no longer exists, or
  when it is older than ``stale_lock_after`` (another host; default longer than the longest
  activity timeout). Stale locks are removed with ``pulumi cancel``; live ones are left
  alone and the operation fails with the retryable ConcurrentUpdateError.
* The file backend writes a checkpoint's metadata (``<stack>.json.attrs``) in place; a kill
  during that write leaves it empty and every later command fails with "failed to load
  checkpoint: EOF". Such metadata files are removed (the checkpoint itself is written
  atomically and is intact; the metadata is optional) and the command is run again.
* Pending operations are resolved with ``pulumi refresh --clear-pending-creates``, which
  itself takes the lock: the refresh reconciles the resources in state with reality, and
  interrupted creates are dropped so the next ``up`` creates them again. Programs in the
  catalog create resources under deterministic names with create-or-adopt semantics, so
  that second create adopts what the killed run made instead of duplicating it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from pulumi.automation import StackSettings

__all__ = [
    "LockInfo",
    "is_stale",
    "parse_locks",
    "pending_operations",
    "repair_file_backend",
    "stack_settings_from_state",
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


def pending_operations(deployment: Mapping[str, Any]) -> list[str]:
    """``"<type> <urn>"`` for each operation a killed process left unfinished."""
    pending = deployment.get("pending_operations") or []
    return [f"{op.get('type', '?')} {op.get('resource', {}).get('urn', '?')}" for op in pending]


def repair_file_backend(backend_url: str, project: str, stack: str) -> list[str]:
    """Remove a stack's empty or unreadable metadata files in a file:// backend."""
    if not backend_url.startswith("file://"):
        return []
    root = Path(unquote(urlparse(backend_url).path)) / ".pulumi"
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
