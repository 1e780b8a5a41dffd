"""Recorded histories replay on today's workflow code (no non-determinism).

``histories/*_v1_*.json`` were recorded by the workflows as they were before tenant leases
(commit 978bdfa): a worker upgraded while such a run is in flight must replay it through
the ``workflow.patched("tenant-lease")`` branches. ``*_v2_*`` are today's; a change that
breaks them needs a patch of its own. To record new ones, run a provision, deploy and
deprovision on the workflow harness and save ``fetch_history().to_json()``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

import workflows
from engine.temporal import data_converter

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_of_every_workflow_and_version_are_recorded() -> None:
    names = {path.stem for path in HISTORIES}
    for version in ("v1", "v2"):
        for case in ("provision_{}_success", "provision_{}_compensated",
                     "provision_{}_cancelled", "deploy_{}_success",
                     "deprovision_{}_retain"):  # fmt: skip
            assert case.format(version) in names


async def _replay(recorded: dict[str, Any]) -> None:
    replayer = Replayer(
        workflows=workflows.ALL,
        workflow_runner=workflows.sandbox_runner(),
        data_converter=data_converter,
    )
    # The workflow id the run had: child workflow ids are derived from it.
    started = recorded["events"][0]["workflowExecutionStartedEventAttributes"]
    history = WorkflowHistory.from_json(started["workflowId"], recorded)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path) -> None:
    await _replay(json.loads(path.read_text()))  # noqa: ASYNC240 - a small fixture file


async def test_a_history_with_fields_this_code_does_not_know_still_replays() -> None:
    """A later version may add fields to a payload; decoding ignores what it does not know."""
    path = Path(__file__).parent / "histories" / "provision_v2_compensated.json"
    recorded = json.loads(path.read_text())
    started = recorded["events"][0]["workflowExecutionStartedEventAttributes"]
    payload = started["input"]["payloads"][0]
    data = json.loads(base64.b64decode(payload["data"]))
    data["addedLater"] = {"anything": [1, 2]}
    data["subscription"]["renewal"] = "monthly"
    payload["data"] = base64.b64encode(json.dumps(data).encode()).decode()
    await _replay(recorded)
