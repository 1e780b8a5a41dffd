"""A process killed (SIGKILL, whole process group) in the middle of ``up``, then recovery."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from engine.core.models import Component
from engine.pulumi._runner import PulumiRunner
from stacks.local import read_journal
from tests.conftest import make_spec
from tests.engine.conftest import files_under
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
