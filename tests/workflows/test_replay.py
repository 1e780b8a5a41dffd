"""Recorded histories replay on today's workflow code (no non-determinism).

``histories/*_v1_*.json`` were recorded by the workflows as they were before tenant leases
(commit 978bdfa): a worker upgraded while such a run is in flight must replay it through
the ``workflow.patched("tenant-lease")`` branches. ``*_v2_*`` are from before the IdP and
infra stacks ran at once (``workflow.patched("parallel-idp-infra")``, provision only);
``provision_v3_*`` are from before the Pulumi task queue (``pooled_success`` with the shared
platform step, ``workflow.patched("ensure-platform")``); ``provision_v4_*`` are today's,
their Pulumi activities on the Pulumi task queue (``workflow.patched("pulumi-task-queue")``).
A change that breaks any of them needs a patch of its own.
To record new ones, run a provision, deploy and deprovision on the workflow harness and
save ``fetch_history().to_json()``.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

import workflows
from engine.core.contracts import WORKFLOW_TYPES, WorkflowKind
from engine.core.errors import INVALID_PAYLOAD
from engine.temporal import data_converter

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_of_every_workflow_and_version_are_recorded() -> None:
    names = {path.stem for path in HISTORIES}
    for version in ("v1", "v2"):
        for case in ("provision_{}_success", "provision_{}_compensated",
                     "provision_{}_cancelled", "deploy_{}_success",
                     "deprovision_{}_retain"):  # fmt: skip
            assert case.format(version) in names
    for case in ("success", "compensated", "cancelled", "pooled_success"):
        assert f"provision_v3_{case}" in names
    for case in ("success", "compensated", "pooled_success"):
        assert f"provision_v4_{case}" in names


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


def _edit_input(name: str, edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """A recorded history whose workflow input was changed by ``edit``."""
    path = Path(__file__).parent / "histories" / f"{name}.json"
    recorded: dict[str, Any] = json.loads(path.read_text())
    started = recorded["events"][0]["workflowExecutionStartedEventAttributes"]
    payload = started["input"]["payloads"][0]
    data = json.loads(base64.b64decode(payload["data"]))
    edit(data)
    payload["data"] = base64.b64encode(json.dumps(data).encode()).decode()
    return recorded


async def test_a_history_with_fields_this_code_does_not_know_still_replays() -> None:
    """A later version may add fields to a payload; decoding ignores what it does not know."""

    def add_fields(data: dict[str, Any]) -> None:
        data["addedLater"] = {"anything": [1, 2]}
        data["subscription"]["renewal"] = "monthly"

    await _replay(_edit_input("provision_v2_compensated", add_fields))


@pytest.mark.parametrize("name", ["provision_v3_success", "provision_v3_compensated"])
async def test_a_history_whose_input_todays_models_refuse_still_replays(name: str) -> None:
    """A validator tightened after the run was recorded (here: a tenant key, a contact's
    email, a tier that today's models refuse) must not break its replay: the run accepted
    the input then, so replay goes on as recorded instead of failing its workflow task."""

    def tighten(data: dict[str, Any]) -> None:
        data["tenantKey"] = "Not A Key Today"
        data["contacts"][0]["email"] = "no-at-sign"
        data["subscription"]["tier"] = "platinum"

    await _replay(_edit_input(name, tighten))


async def test_a_run_that_refused_its_input_replays_the_refusal(
    temporal_env: WorkflowEnvironment,
) -> None:
    """The refusal is recorded (a marker), so replay refuses again rather than going on."""
    queue = f"replay-{uuid.uuid4().hex}"
    workflow_id = f"provision-tenant-{uuid.uuid4().hex[:8]}"
    bad = {"tenantId": "t-1", "tenantKey": "Not A Key", "tenantName": "x", "contacts": []}
    async with Worker(
        temporal_env.client,
        task_queue=queue,
        workflows=workflows.ALL,
        workflow_runner=workflows.sandbox_runner(),
    ):
        handle = await temporal_env.client.start_workflow(
            WORKFLOW_TYPES[WorkflowKind.PROVISION], bad, id=workflow_id, task_queue=queue
        )
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == INVALID_PAYLOAD
    assert cause.non_retryable and "tenantKey" in cause.message
    assert "subscription" in cause.message  # a missing field is named too
    history = await handle.fetch_history()
    await _replay(json.loads(history.to_json()))
