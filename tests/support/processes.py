"""Clean-up after tests that SIGKILL a process tree.

Pulumi starts each provider plugin in a process group of its own, so killing the group of
a worker (or of a process running ``up``) leaves the plugins behind, serving forever. A
lost container takes them with it; a test must remove them itself.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

__all__ = ["kill_group_and_wait", "kill_processes_under", "wait_until_dead"]


def _state(pid: int) -> str | None:
    """The process's state letter (``Z`` for a zombie), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[0]


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[2]) == pgid:
            members.append(int(entry.name))
    return members


def wait_until_dead(pids: list[int], timeout: float = 60.0) -> None:
    """Block until every pid is gone or a zombie: SIGKILL is delivered, not instant.

    A killed process still holds its files until the kernel has torn it down; the next
    operation must not see it alive (Pulumi's lock names its pid).
    """
    deadline = time.monotonic() + timeout
    for pid in pids:
        while _state(pid) not in (None, "Z"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"process {pid} survived SIGKILL for {timeout:.0f}s")
            time.sleep(0.02)


def kill_group_and_wait(pgid: int, timeout: float = 60.0) -> None:
    """SIGKILL a whole process group and wait until every member is dead."""
    members = _group_members(pgid)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_until_dead(members, timeout)


def kill_processes_under(root: Path) -> list[int]:
    """SIGKILL every process whose working directory is inside ``root``; their pids."""
    root = root.resolve()
    killed = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd == root or root in cwd.parents:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
            except ProcessLookupError:
                pass
    wait_until_dead(killed)
    return killed
