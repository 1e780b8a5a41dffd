"""Progress from Pulumi engine events: order, counts, thread safety of delivery."""

from __future__ import annotations

import itertools
import threading

import pytest

from engine.core.errors import ProviderError
from engine.core.models import Component
from engine.pulumi._progress import Progress
from engine.pulumi._runner import PulumiRunner
from tests.conftest import make_spec


def test_progress_arrives_in_order_with_correct_counts(engine: PulumiRunner) -> None:
    seen: list[Progress] = []
    threads: set[int] = set()

    def on_progress(p: Progress) -> None:
        threads.add(threading.get_ident())
        seen.append(p)

    spec = make_spec("acme", parameters={"infra_resources": "10"})
    result = engine.up(spec, Component.INFRA, on_progress=on_progress)

    assert result.changes == {"create": 11}
    assert seen, "no progress reported"
    # Counts never go backwards, and done never runs ahead of planned.
    for before, after in itertools.pairwise(seen):
        assert after.done >= before.done
        assert after.planned >= before.planned
    assert all(p.done <= p.planned for p in seen)
    final = seen[-1]
    assert final.finished
    assert (final.planned, final.done, final.failed) == (10, 10, 0)
    assert final.stack == "acme-infra" and final.operation == "up"
    # Every resource was reported as current at some point, with its operation.
    assert {p.current_resource for p in seen if p.current_resource} == {
        f"acme-infra-{i}" for i in range(10)
    }
    assert {p.current_op for p in seen if p.current_op} == {"create"}
    # Events are delivered from Pulumi's event thread (only the final snapshot is not).
    assert threads - {threading.get_ident()}


def test_destroy_progress_counts_deletes(engine: PulumiRunner) -> None:
    engine.up(make_spec("acme", parameters={"infra_resources": "5"}), Component.INFRA)
    seen: list[Progress] = []

    engine.destroy("acme", Component.INFRA, on_progress=seen.append)

    assert (seen[-1].planned, seen[-1].done) == (5, 5)
    assert {p.current_op for p in seen if p.current_op} == {"delete"}


def test_a_failing_callback_does_not_break_the_operation(engine: PulumiRunner) -> None:
    calls = 0

    def broken(_p: Progress) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("bug in the caller")

    result = engine.up(make_spec("acme"), Component.APP, on_progress=broken)

    assert result.changes == {"create": 2}
    assert calls > 0


def test_failed_resources_are_counted(engine: PulumiRunner) -> None:
    seen: list[Progress] = []
    spec = make_spec("acme", parameters={"infra_resources": "3", "fail": "infra:create"})
    with pytest.raises(ProviderError):
        engine.up(spec, Component.INFRA, on_progress=seen.append)
    # Pulumi stops starting new steps after the first failure, so how many of the three
    # began varies; every one that began is counted as failed, none as done.
    final = seen[-1]
    assert final.failed >= 1
    assert final.failed == final.planned
    assert final.done == 0
