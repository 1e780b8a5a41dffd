"""A Pulumi dynamic provider whose resources are JSON files in a directory.

It gives the engine, the workflows and a new user's laptop a real resource with real side
effects and no cloud: a leaked resource is a file left behind, a double create is two
``create`` lines in the journal. Each resource can be told to wait or to fail, so tests
drive slow operations, crashes and failures through the real Pulumi engine.

Creates are idempotent by name (the file path is derived from the name, not random), the
property the engine's crash recovery relies on: re-running a create that was cut off
adopts what the first attempt left instead of making a second copy.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

__all__ = ["JOURNAL", "LocalFile", "LocalFileProvider", "read_journal"]

JOURNAL = "journal.log"

# Inputs that change what the resource is, not just its content.
_REPLACE_KEYS = ("root", "path")
_CONTROL_KEYS = ("delay", "fail")


def _journal(root: str, op: str, path: str) -> None:
    # One line per side effect, appended atomically (O_APPEND), so tests can count them.
    line = json.dumps({"op": op, "path": path, "pid": os.getpid(), "t": time.time()}) + "\n"
    fd = os.open(Path(root) / JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def read_journal(root: Path) -> list[dict[str, Any]]:
    """Every side effect recorded under ``root``, oldest first."""
    path = root / JOURNAL
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _control(props: dict[str, Any], op: str) -> None:
    delay = float(props.get("delay") or 0)
    if delay:
        time.sleep(delay)
    if op in (props.get("fail") or []):
        raise RuntimeError(f"injected failure: {op} of {props['path']}")


def _write(props: dict[str, Any]) -> None:
    path = Path(props["root"]) / props["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(props.get("content") or {}, sort_keys=True))
    os.replace(tmp, path)


class LocalFileProvider(ResourceProvider):
    """CRUD on ``<root>/<path>``; the resource id is the path relative to root."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        _control(props, "create")
        _write(props)
        _journal(props["root"], "create", props["path"])
        return CreateResult(id_=props["path"], outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = set(olds) | set(news)
        changed = sorted(k for k in keys if k not in _CONTROL_KEYS and olds.get(k) != news.get(k))
        replaces = [k for k in changed if k in _REPLACE_KEYS]
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=True,
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _control(news, "update")
        _write(news)
        _journal(news["root"], "update", news["path"])
        return UpdateResult(outs=news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _control(props, "delete")
        path = Path(props["root"]) / props["path"]
        # Deleting something already gone is success: deletes must be retry-safe.
        path.unlink(missing_ok=True)
        _journal(props["root"], "delete", props["path"])

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = Path(props["root"]) / id_
        if not path.exists():
            # Gone outside Pulumi: refresh drops it from state.
            return ReadResult(id_=None, outs={})
        content = json.loads(path.read_text())
        return ReadResult(id_=id_, outs={**props, "content": content})


class LocalFile(Resource):
    """One file resource; ``content`` is any JSON-able mapping."""

    path: pulumi.Output[str]
    content: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        name: str,
        *,
        root: str,
        path: str,
        content: pulumi.Input[dict[str, Any]],
        delay: float = 0.0,
        fail: list[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            LocalFileProvider(),
            name,
            {
                "root": root,
                "path": path,
                "content": content,
                "delay": delay,
                "fail": fail or [],
            },
            opts,
        )
