"""The seed plan's Phase 5, for real: ARC SaaS's TypeScript client drives the engine as is.

``contract/conformance/conformance.mjs`` uses the real ``@temporalio/client`` from npm
(locked; ``make setup`` installs it) against the session's dev server and a real worker
with the local programs. Each scenario prints what the TypeScript side saw.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from engine.core.models import TenantStatus
from tests.e2e.conftest import Stack
from tests.engine.conftest import files_under

CONFORMANCE = Path(__file__).resolve().parents[2] / "contract" / "conformance"


async def _typescript(stack: Stack, *args: str) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (CONFORMANCE / "node_modules" / "@temporalio" / "client").exists():
        pytest.fail("node or @temporalio/client missing: run `make setup`", pytrace=False)
    proc = await asyncio.create_subprocess_exec(
        node,
        str(CONFORMANCE / "conformance.mjs"),
        *args,
        cwd=CONFORMANCE,
        env={
            **os.environ,
            "TEMPORAL_ADDRESS": stack.settings.temporal.address,
            "TASK_QUEUE": stack.settings.temporal.task_queue,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 240)
    assert proc.returncode == 0, err.decode()
    report: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return report


async def test_provision_deploy_deprovision_as_arc_saas_does(stack: Stack) -> None:
    tid = str(uuid.uuid4())  # LoopBack ids are UUIDs

    provisioned = await _typescript(stack, "provision", tid, "tsacme")

    assert provisioned["workflowId"] == f"provision-tenant-{tid}"
    assert provisioned["ok"], provisioned
    result = provisioned["result"]
    assert result["success"] is True and result["tenantId"] == tid
    assert result["appPlaneUrl"] == "http://tsacme.localhost/"
    assert {r["type"] for r in result["resources"]}  # camelCase, what ProvisioningResult says
    statuses = provisioned["statuses"]
    assert all({"step", "progress"} <= set(s) for s in statuses)
    progress = [s["progress"] for s in statuses]
    assert progress == sorted(progress) and progress[-1] == 100
    assert statuses[-1]["step"] == "completed"
    assert stack.registry.get(tid).status is TenantStatus.ACTIVE

    deployed = await _typescript(stack, "deploy", tid, "2.0.0")
    assert deployed["ok"], deployed
    assert (deployed["result"]["appVersion"], deployed["result"]["previousVersion"]) == (
        "2.0.0",
        "1.0.0",
    )

    removed = await _typescript(stack, "deprovision", tid)
    assert removed["ok"] and removed["result"]["success"], removed
    assert removed["result"]["destroyed"] == ["app", "infra"]
    assert stack.registry.get(tid).status is TenantStatus.INACTIVE
    assert files_under(stack.resources, "tsacme") == []


async def test_the_cancel_signal_compensates_and_the_failure_carries_the_result(
    stack: Stack,
) -> None:
    tid = str(uuid.uuid4())

    cancelled = await _typescript(stack, "cancel", tid, "tsgone")

    assert not cancelled["ok"]
    assert cancelled["type"] == "CancelledError" and cancelled["nonRetryable"] is True
    [result] = cancelled["details"]
    assert (result["success"], result["tenantId"], result["error"]) == (
        False,
        tid,
        "cancelled by request",
    )
    assert "infra" in result["compensated"]
    assert stack.registry.get(tid).status is TenantStatus.PROVISIONFAILED
    assert files_under(stack.resources, "tsgone") == []


async def test_invalid_input_fails_at_once_naming_the_fields(stack: Stack) -> None:
    tid = str(uuid.uuid4())

    refused = await _typescript(stack, "invalid", tid, "tsbad")

    assert not refused["ok"]
    assert refused["type"] == "InvalidPayloadError" and refused["nonRetryable"] is True
    assert "tenantKey" in refused["message"] and "contacts.0.email" in refused["message"]
