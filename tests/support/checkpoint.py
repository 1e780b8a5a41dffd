"""The state a process killed mid-``up`` leaves in a file backend, made on purpose.

Its lock (``leave_lock``), a metadata file cut off mid-write (``cut_off_attrs``), and its
interrupted creates (``interrupt_creates``):

A kill between a provider's answer to a create and the checkpoint write leaves the
resource existing in the provider and recorded only as a pending create. Killing at that
exact moment is a race; this rewrites a stack's checkpoint (the file backend's documented
JSON) into that state instead: the named resources go from ``resources`` to
``pending_operations`` as creates, without their ID and outputs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

__all__ = ["cut_off_attrs", "interrupt_creates", "leave_lock"]


def _root(backend_url: str) -> Path:
    return Path(backend_url.removeprefix("file://")) / ".pulumi"


def leave_lock(backend_url: str, project: str, stack: str, host: str, pid: int) -> Path:
    """The lock a CLI with ``pid`` on ``host`` leaves behind when it dies holding it."""
    path = _root(backend_url) / "locks" / "organization" / project / stack / f"{uuid4()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).isoformat()
    path.write_text(json.dumps({"pid": pid, "username": "w", "hostname": host, "timestamp": stamp}))
    return path


def cut_off_attrs(backend_url: str, project: str, stack: str) -> Path:
    """The stack's metadata file as a kill during its write leaves it: empty."""
    path = _root(backend_url) / "stacks" / project / f"{stack}.json.attrs"
    path.write_text("")
    return path


def interrupt_creates(backend_url: str, project: str, stack: str, names: set[str]) -> list[str]:
    """Turn the resources called ``names`` into pending creates; returns their URNs."""
    path = _root(backend_url) / "stacks" / project / f"{stack}.json"
    document = json.loads(path.read_text())
    deployment = document["checkpoint"]["latest"]
    kept: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    for resource in deployment["resources"]:
        if resource["urn"].rsplit("::", 1)[-1] in names:
            stripped = {k: v for k, v in resource.items() if k not in ("id", "outputs")}
            pending.append({"resource": stripped, "type": "creating"})
        else:
            kept.append(resource)
    assert len(pending) == len(names), f"{stack} has no resource among {sorted(names)}"
    deployment["resources"] = kept
    deployment["pending_operations"] = pending
    path.write_text(json.dumps(document))
    return [op["resource"]["urn"] for op in pending]
