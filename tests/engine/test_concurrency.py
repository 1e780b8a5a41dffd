"""Several tenants at once in one process; two operations on one stack never corrupt it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.core.errors import ConcurrentUpdateError
from engine.core.models import Component
from engine.core.results import UpResult
from engine.core.settings import Settings
from engine.pulumi._catalog import ProgramCatalog
from engine.pulumi._runner import PulumiRunner
from stacks.local import build_local_catalog, read_journal
from tests.conftest import make_spec
from tests.engine.conftest import files_under
from tests.support.held import HeldProgram

TENANTS = ["acme", "globex", "initech", "umbrella", "hooli"]


def test_five_tenants_in_parallel_are_each_correct(
    engine: PulumiRunner, resources_root: Path
) -> None:
    def provision(key: str) -> tuple[str, dict[str, int], float]:
        spec = make_spec(key, parameters={"infra_resources": "4", "delay": "0.5"})
        result = engine.up(spec, Component.INFRA)
        return key, result.changes, result.duration_s

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(TENANTS)) as pool:
        results = list(pool.map(provision, TENANTS))
    elapsed = time.monotonic() - started

    assert [(key, changes) for key, changes, _ in results] == [
        (key, {"create": 5}) for key in TENANTS
    ]
    for key in TENANTS:
        assert files_under(resources_root, key) == [f"{key}/infra/{i}.json" for i in range(4)]
        outputs = engine.outputs(key, Component.INFRA)
        # Each stack's outputs name only its own tenant's resources.
        assert all(r["id"].startswith(f"{key}/") for r in outputs["resources"])
    # They really overlapped: less than the sum of the individual durations.
    assert elapsed < sum(duration for _, _, duration in results)
    creates = [e["path"] for e in read_journal(resources_root) if e["op"] == "create"]
    assert len(creates) == len(set(creates)) == 4 * len(TENANTS)

    with ThreadPoolExecutor(max_workers=len(TENANTS)) as pool:
        list(pool.map(lambda k: engine.destroy(k, Component.INFRA, remove=True), TENANTS))
    assert files_under(resources_root) == []


def test_second_operation_on_a_busy_stack_waits_then_converges(
    engine: PulumiRunner, catalog: ProgramCatalog, resources_root: Path
) -> None:
    program = HeldProgram(Component.INFRA)
    program.install(catalog)
    spec = make_spec("acme", parameters={"infra_resources": "3"})
    order: list[str] = []
    results: list[UpResult] = []

    def run(name: str) -> None:
        results.append(engine.up(spec, Component.INFRA))
        order.append(name)

    first = threading.Thread(target=run, args=("first",))
    first.start()
    second = threading.Thread(target=run, args=("second",))
    try:
        program.wait_entered()  # the first holds the stack
        second.start()
        # A second that did not wait would meet the backend lock and fail; this window is
        # the chance it gets to, not a synchronization (it waits as long as the first runs).
        second.join(1.0)
        assert second.is_alive() and not order, "the second operation did not wait"
    finally:
        program.release()
        first.join(60)
        if second.ident is not None:
            second.join(60)

    # The second ran after the first finished, found everything in place, and changed nothing.
    assert order == ["first", "second"]
    assert results[1].changes == {"same": 4}
    creates = [e["path"] for e in read_journal(resources_root) if e["op"] == "create"]
    assert sorted(creates) == [f"acme/infra/{i}.json" for i in range(3)]


def test_waiting_is_bounded(settings: Settings, resources_root: Path) -> None:
    catalog = build_local_catalog(resources_root)
    program = HeldProgram(Component.INFRA)
    program.install(catalog)
    engine = PulumiRunner(settings, catalog, stack_wait=0.5)
    thread = threading.Thread(target=engine.up, args=(make_spec("acme"), Component.INFRA))
    thread.start()
    try:
        program.wait_entered()  # held for as long as this test needs, not 0.5 s
        with pytest.raises(ConcurrentUpdateError, match="held the stack"):
            engine.up(make_spec("acme"), Component.INFRA)
    finally:
        program.release()
        thread.join(60)
