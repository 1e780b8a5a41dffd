"""Metrics and traces of real provisions: one worker (local catalog, real Pulumi) with its
``/metrics`` listener and an in-memory span exporter, two tenants provisioned at once
(one succeeds, one fails at its app step and is compensated); scraped over HTTP before,
during and after."""

from __future__ import annotations

import asyncio
import re
import urllib.request
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.testing import WorkflowEnvironment

from engine.core.contracts import ProvisionTenantResult
from engine.core.settings import Settings
from engine.telemetry import install_tracer_provider, new_provider
from engine.temporal import TenantClient, connect
from tests.e2e.conftest import provision_input, running_stack
from tests.support.ports import free_port

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text: str) -> Samples:
    """Prometheus text format: every sample by name and labels."""
    samples: Samples = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match:
            labels = frozenset(_LABEL.findall(match.group(2) or ""))
            samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        return str(response.read().decode())


@dataclass
class Observed:
    before: Samples
    during: list[Samples]
    after: Samples
    text: str
    spans: list[ReadableSpan]
    ok: str
    failed: str
    results: dict[str, Any]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def observed(
    temporal_env: WorkflowEnvironment, ses_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Observed]:
    root: Path = tmp_path_factory.mktemp("telemetry")
    port = free_port()
    exporter = InMemorySpanExporter()
    install_tracer_provider(new_provider("tenant-engine", "test", SimpleSpanProcessor(exporter)))

    def configure(settings: Settings) -> None:
        settings.worker.metrics_listen = f"127.0.0.1:{port}"

    ok, failed = f"t-{uuid.uuid4().hex[:8]}", f"t-{uuid.uuid4().hex[:8]}"
    try:
        async with running_stack(
            root, temporal_env, ses_endpoint, f"sqlite:///{root / 'registry.db'}", configure
        ) as stack:
            before = parse(await asyncio.to_thread(_scrape, port))
            # A client as the API makes one (tracing on): its spans are the traces' roots.
            client = TenantClient(await connect(stack.settings.temporal), stack.settings)
            await client.provision(provision_input(ok, "metrix", idp=None))
            await client.provision(
                provision_input(failed, "metrox", idp=None, parameters={"fail": "app:create"})
            )
            waiting = asyncio.gather(
                client.result("provision", ok), client.result("provision", failed)
            )
            during = []
            while not waiting.done():
                during.append(parse(await asyncio.to_thread(_scrape, port)))
                await asyncio.wait({waiting}, timeout=0.3)
            results = dict(zip((ok, failed), await waiting, strict=True))
            for tenant in (ok, failed):  # the notices are sent by workflows of their own
                await stack.notices_sent("provision", tenant)
            text = await asyncio.to_thread(_scrape, port)
        yield Observed(
            before, during, parse(text), text, list(exporter.get_finished_spans()), ok, failed,
            results,
        )  # fmt: skip
    finally:
        install_tracer_provider(None)


async def test_metrics_move_during_provisions(observed: Observed) -> None:
    ok, failed = observed.results[observed.ok], observed.results[observed.failed]
    assert isinstance(ok, ProvisionTenantResult) and ok.success, ok
    assert isinstance(failed, ProvisionTenantResult) and not failed.success, failed
    before, after = observed.before, observed.after

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # Operations by kind and outcome (counted by the workflow interceptor, once per run).
    assert moved("tenant_engine_operations_started_total", kind="provision") == 2
    assert (
        moved("tenant_engine_operations_finished_total", kind="provision", outcome="succeeded") == 1
    )
    assert moved("tenant_engine_operations_finished_total", kind="provision", outcome="failed") == 1
    assert moved("tenant_engine_operation_duration_seconds_count", kind="provision") == 2
    assert moved("tenant_engine_operation_duration_seconds_sum", kind="provision") > 0
    assert moved("tenant_engine_operations_finished_total", kind="notify", outcome="succeeded") == 2

    # Pulumi operations: a histogram by component, operation and outcome.
    up = "tenant_engine_pulumi_operation_duration_seconds"
    assert moved(f"{up}_count", component="infra", operation="up", outcome="succeeded") == 2
    assert moved(f"{up}_count", component="app", operation="up", outcome="succeeded") == 1
    assert moved(f"{up}_count", component="app", operation="up", outcome="failed") >= 1
    assert moved(f"{up}_sum", component="infra", operation="up") > 0
    assert moved(f"{up}_bucket", component="infra", operation="up", le="+Inf") == 2
    # Resources changed: the infra stacks' three resources each, made then (one) destroyed.
    changed = "tenant_engine_pulumi_resources_changed_total"
    assert moved(changed, component="infra", operation="up", change="create") >= 6
    assert moved(changed, component="infra", operation="destroy", change="delete") >= 3
    assert moved(changed, operation="preview") == 0

    # Slots: capacity, one in use at some point, none left; every operation waited for one.
    assert value(before, "tenant_engine_pulumi_slots") == 4
    assert max(value(s, "tenant_engine_pulumi_slots_in_use") for s in observed.during) >= 1
    assert value(after, "tenant_engine_pulumi_slots_in_use") == 0
    assert moved("tenant_engine_pulumi_queue_wait_seconds_count") >= moved(f"{up}_count")

    # Compensations: the failed tenant's stacks destroyed, counted as such; notices by outcome.
    assert moved("tenant_engine_compensations_total", outcome="succeeded") == len(
        failed.compensated
    )
    assert moved("tenant_engine_compensations_total", component="infra") == 1
    notices = "tenant_engine_notifications_total"
    assert moved(notices, kind="welcome", outcome="sent") == 1
    assert moved(notices, kind="provisioning_failed", outcome="sent") == 1

    # The Temporal SDK's own metrics on the same listener.
    assert moved("temporal_workflow_completed_total") >= 3
    assert moved("temporal_activity_execution_latency_seconds_count") > 0

    # No label identifies a tenant.
    for tenant in (observed.ok, observed.failed, "metrix", "metrox"):
        assert tenant not in observed.text
    for line in observed.text.splitlines():
        if line.startswith("# TYPE tenant_engine_") and line.endswith(" counter"):
            assert line.split()[2].endswith("_total"), line


def _trace_of(spans: list[ReadableSpan], workflow_id: str) -> list[ReadableSpan]:
    [root] = [
        s
        for s in spans
        if s.name == "StartWorkflow:provisionTenantWorkflow"
        and (s.attributes or {}).get("temporalWorkflowID") == workflow_id
    ]
    assert root.context is not None
    trace_id = root.context.trace_id
    return sorted(
        (s for s in spans if s.context is not None and s.context.trace_id == trace_id),
        key=lambda s: s.start_time or 0,
    )


def _parent(spans: list[ReadableSpan], span: ReadableSpan) -> ReadableSpan:
    assert span.parent is not None, span.name
    [parent] = [
        s for s in spans if s.context is not None and s.context.span_id == span.parent.span_id
    ]
    return parent


def _in_order(names: list[str], expected: list[str]) -> bool:
    """Whether ``expected`` is a subsequence of ``names``."""
    remaining = iter(names)
    return all(any(name == want for name in remaining) for want in expected)


async def test_one_provision_is_one_trace_in_order(observed: Observed) -> None:
    spans = _trace_of(observed.spans, f"provision-tenant-{observed.ok}")
    names = [s.name for s in spans]

    assert _in_order(
        names,
        [
            "StartWorkflow:provisionTenantWorkflow",
            "RunWorkflow:provisionTenantWorkflow",
            "StartActivity:begin_provision",
            "RunActivity:begin_provision",
            "StartActivity:stack_up",
            "RunActivity:stack_up",
            "up infra",
            "pulumi up",
            "RunActivity:stack_up",
            "up app",
            "pulumi up",
            "StartChildWorkflow:notifyTenantWorkflow",
            "CompleteWorkflow:provisionTenantWorkflow",
        ],
    ), names
    # Each Pulumi command runs inside its operation's span, inside the activity's span.
    commands = [s for s in spans if s.name.startswith("pulumi ")]
    assert {"pulumi stack init", "pulumi up"} <= {s.name for s in commands}, names
    for command in commands:
        operation = _parent(spans, command)
        assert operation.name.split()[0] in {"up", "preview", "inspect", "outputs", "destroy"}
        assert _parent(spans, operation).name.startswith("RunActivity:"), operation.name
        assert "process.exit_code" in (command.attributes or {})
    assert all(
        (s.attributes or {})["process.exit_code"] == 0 for s in commands if s.name == "pulumi up"
    )
    ups = [s for s in spans if s.name in ("up infra", "up app")]
    assert [_parent(spans, s).name for s in ups] == ["RunActivity:stack_up"] * 2


async def test_the_compensation_is_in_the_failed_provision_s_trace(observed: Observed) -> None:
    spans = _trace_of(observed.spans, f"provision-tenant-{observed.failed}")
    names = [s.name for s in spans]
    assert _in_order(names, ["up app", "RunActivity:stack_destroy", "destroy app"]), names
    failed_up = [s for s in spans if s.name == "pulumi up" and not s.status.is_ok]
    assert failed_up, names
    assert all((s.attributes or {}).get("process.exit_code") != 0 for s in failed_up)
