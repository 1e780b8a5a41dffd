"""Clean-up after tests that SIGKILL a process tree.

Pulumi starts each provider plugin in a process group of its own, so killing the group of
a worker (or of a process running ``up``) leaves the plugins behind, serving forever. A
lost container takes them with it; a test must remove them itself.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

__all__ = ["kill_processes_under"]


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
    return killed
