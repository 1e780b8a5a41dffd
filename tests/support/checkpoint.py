"""The state a process killed mid-``up`` leaves in a file backend, made on purpose.

A kill between a provider's answer to a create and the checkpoint write leaves the
resource existing in the provider and recorded only as a pending create. Killing at that
exact moment is a race; this rewrites a stack's checkpoint (the file backend's documented
JSON) into that state instead: the named resources go from ``resources`` to
``pending_operations`` as creates, without their ID and outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["interrupt_creates"]


def interrupt_creates(backend_url: str, project: str, stack: str, names: set[str]) -> list[str]:
    """Turn the resources called ``names`` into pending creates; returns their URNs."""
    root = Path(backend_url.removeprefix("file://"))
    path = root / ".pulumi" / "stacks" / project / f"{stack}.json"
    document = json.loads(path.read_text())
    deployment = document["checkpoint"]["latest"]
    kept, pending = [], []
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
