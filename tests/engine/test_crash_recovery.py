"""A process killed (SIGKILL, whole process group) in the middle of ``up``, then recovery."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from engine.core.errors import ProviderError
from engine.core.models import Component
from engine.pulumi import ProgramCatalog, stack_name
from engine.pulumi._runner import PulumiRunner
from stacks.local import read_journal
from tests.conftest import make_spec
from tests.engine.conftest import files_under
from tests.support.checkpoint import cut_off_attrs, interrupt_creates, leave_lock
from tests.support.processes import kill_group_and_wait, kill_processes_under

REPO = Path(__file__).resolve().parents[2]


def _creates(root: Path) -> list[str]:
    return [e["path"] for e in read_journal(root) if e["op"] == "create"]


def test_sigkill_mid_up_then_next_operation_recovers_and_converges(
    engine: PulumiRunner, state_dir: Path, resources_root: Path
) -> None:
    count = 10
    # Pulumi runs creates in parallel; resource i finishes at (i+1)*0.3s after the
    # first only because the dynamic provider hosts start one by one, so some are done
    # and some are in flight when the kill lands.
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.engine.crash_child",
            str(state_dir),
            str(resources_root),
            "acme",
            str(count),
            "4",
        ],
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while len(_creates(resources_root)) < 3:
            assert child.poll() is None, "the child finished before it could be killed"
            assert time.monotonic() < deadline, "no resource was created in time"
            time.sleep(0.05)
    finally:
        # The whole group: Python, the Pulumi CLI and the provider plugins, as a lost
        # machine or an OOM-killed container would.
        kill_group_and_wait(child.pid)
        child.wait(30)
        # The plugins run in process groups of their own: they survive the kill.
        kill_processes_under(state_dir)
    killed_with = len(_creates(resources_root))
    assert killed_with < count, "the kill came too late to test anything"

    result = engine.up(
        make_spec("acme", parameters={"infra_resources": str(count)}), Component.INFRA
    )

    assert result.recovered is not None
    assert result.recovered.cleared_locks, "the dead process's lock was not cleared"
    assert result.recovered.pending_operations, "interrupted creates were not resolved"
    # Converged: every resource exists once, state and reality agree.
    assert files_under(resources_root, "acme") == [f"acme/infra/{i}.json" for i in range(count)]
    outputs = engine.outputs("acme", Component.INFRA)
    assert len(outputs["resources"]) == count
    again = engine.up(
        make_spec("acme", parameters={"infra_resources": str(count)}), Component.INFRA
    )
    assert again.changes == {"same": count + 1}
    assert again.recovered is None

    # Nothing leaks: destroy leaves no file behind.
    engine.destroy("acme", Component.INFRA, remove=True)
    assert files_under(resources_root) == []


def _adopt_existing_files(type_token: str, inputs: Mapping[str, Any]) -> str | None:
    # The local provider's ID is the resource file's path under its root.
    path = str(inputs.get("path", ""))
    return path if path and (Path(str(inputs.get("root", ""))) / path).exists() else None


def test_creates_a_killed_run_made_but_did_not_record_are_adopted_not_made_again(
    engine: PulumiRunner, catalog: ProgramCatalog, resources_root: Path
) -> None:
    spec = make_spec("acme", parameters={"infra_resources": "3"})
    engine.up(spec, Component.INFRA)
    stack = stack_name("acme", Component.INFRA)
    interrupted = interrupt_creates(
        engine.workspaces.backend_url, engine.project, stack, {"acme-infra-1", "acme-infra-2"}
    )
    catalog.adopters["pulumi-python"] = _adopt_existing_files
    creates_before = len(_creates(resources_root))

    result = engine.up(spec, Component.INFRA)

    assert result.recovered is not None
    assert sorted(a.split(" = ")[0] for a in result.recovered.adopted) == sorted(interrupted)
    # Adopted: recorded again from what exists, not created a second time.
    assert len(_creates(resources_root)) == creates_before
    assert files_under(resources_root, "acme") == [f"acme/infra/{i}.json" for i in range(3)]
    assert engine.up(spec, Component.INFRA).changes == {"same": 4}


def test_a_failing_lookup_changes_nothing_and_the_retry_recovers(
    engine: PulumiRunner, catalog: ProgramCatalog, resources_root: Path
) -> None:
    spec = make_spec("acme", parameters={"infra_resources": "2"})
    engine.up(spec, Component.INFRA)
    stack = stack_name("acme", Component.INFRA)
    interrupt_creates(engine.workspaces.backend_url, engine.project, stack, {"acme-infra-1"})

    def unreachable(type_token: str, inputs: Mapping[str, Any]) -> str | None:
        raise ConnectionRefusedError("the provider's API does not answer")

    catalog.adopters["pulumi-python"] = unreachable
    with pytest.raises(ProviderError) as failure:
        engine.up(spec, Component.INFRA)
    assert failure.value.retryable
    assert "does not answer" in failure.value.message

    # The pending create is still there for the retry to resolve.
    catalog.adopters["pulumi-python"] = _adopt_existing_files
    result = engine.up(spec, Component.INFRA)
    assert result.recovered is not None and len(result.recovered.adopted) == 1
    assert files_under(resources_root, "acme") == ["acme/infra/0.json", "acme/infra/1.json"]


def test_a_kill_during_a_metadata_write_and_its_lock_are_both_repaired(
    engine: PulumiRunner, resources_root: Path
) -> None:
    """A kill can land while the CLI writes the stack's metadata file, and its lock stays:
    the next operation repairs both, whichever it meets first (seen under load)."""
    spec = make_spec("acme")
    engine.up(spec, Component.INFRA)
    backend = engine.workspaces.backend_url
    dead = subprocess.Popen(["true"])
    dead.wait()
    lock = leave_lock(backend, engine.project, "acme-infra", socket.gethostname(), dead.pid)
    attrs = cut_off_attrs(backend, engine.project, "acme-infra")

    result = engine.up(spec, Component.INFRA)

    assert result.recovered is not None
    assert result.recovered.repaired_files == [str(attrs)]
    assert [c.split(" at ")[0] for c in result.recovered.cleared_locks] == [
        f"w@{socket.gethostname()} pid {dead.pid}"
    ]
    assert not lock.exists()
    assert result.changes == {"same": 4}
    assert files_under(resources_root, "acme") == [f"acme/infra/{i}.json" for i in range(3)]
