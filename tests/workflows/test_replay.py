"""Recorded histories replay on today's workflow code (no non-determinism).

``histories/*_v1_*.json`` were recorded by the workflows as they were before tenant leases
(commit 978bdfa): a worker upgraded while such a run is in flight must replay it through
the ``workflow.patched("tenant-lease")`` branches. ``*_v2_*`` are today's; a change that
breaks them needs a patch of its own. To record new ones, run a provision, deploy and
deprovision on the workflow harness and save ``fetch_history().to_json()``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

import workflows

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_of_every_workflow_and_version_are_recorded() -> None:
    names = {path.stem for path in HISTORIES}
    for version in ("v1", "v2"):
        for case in ("provision_{}_success", "provision_{}_compensated", "deploy_{}_success",
                     "deprovision_{}_retain"):  # fmt: skip
            assert case.format(version) in names


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path) -> None:
    replayer = Replayer(
        workflows=workflows.ALL,
        workflow_runner=workflows.sandbox_runner(),
        data_converter=pydantic_data_converter,
    )
    recorded = json.loads(path.read_text())  # noqa: ASYNC240 - a small fixture file
    # The workflow id the run had: child workflow ids are derived from it.
    started = recorded["events"][0]["workflowExecutionStartedEventAttributes"]
    history = WorkflowHistory.from_json(started["workflowId"], recorded)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
