"""Benchmark: one end-to-end provision with the local programs, split by where time goes.

    .venv/bin/python -m bench.provision_e2e [--runs 5]

A real Temporal dev server and worker (real engine, local file programs, SQLite registry,
log notifier). Each run provisions a new tenant (IdP, 3-resource infra, app) and waits
for the result. From the workflow history it takes each Pulumi activity's own timing:

* pulumi:   time inside the Pulumi commands (``pulumi up`` and its outputs/summary reads)
* engine:   the rest of the Pulumi activities (selecting/creating the stack, recovery check)
* temporal: everything else (workflow tasks, scheduling, registry and notification
            activities, heartbeats)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from engine.core.contracts import StackActivityResult
from engine.temporal._client import TenantClient
from engine.worker._worker import run_worker
from stacks.local import build_local_catalog
from tests.conftest import make_settings
from tests.e2e.conftest import provision_input
from tests.support.temporal import dev_server


async def _stack_timings(client: TenantClient, tenant_id: str) -> tuple[float, float]:
    history = await client.handle("provision", tenant_id).fetch_history()
    converter = client.client.data_converter
    total = pulumi = 0.0
    for event in history.events:
        if not event.HasField("activity_task_completed_event_attributes"):
            continue
        payloads = event.activity_task_completed_event_attributes.result.payloads
        if not payloads:
            continue
        [value] = await converter.decode(payloads, [object])
        if isinstance(value, dict) and "pulumi_s" in value:
            result = StackActivityResult.model_validate(value)
            total += result.duration_s
            pulumi += result.pulumi_s
    return total, pulumi


async def main(runs: int) -> None:
    async with dev_server() as env:
        with tempfile.TemporaryDirectory() as tmp:
            settings = make_settings(Path(tmp) / "state")
            settings.temporal.address = env.client.service_client.config.target_host
            settings.temporal.task_queue = "bench"
            settings.registry.database_url = f"sqlite:///{tmp}/registry.db"
            settings.worker.health_listen = ""
            stop, ready = asyncio.Event(), asyncio.Event()
            worker = asyncio.create_task(
                run_worker(
                    settings,
                    stop=stop,
                    ready=ready,
                    catalog=build_local_catalog(Path(tmp) / "res"),
                )
            )
            await ready.wait()
            client = TenantClient(env.client, settings)
            rows = []
            for i in range(runs + 1):  # the first one warms up imports and the server
                tid = f"bench-{uuid.uuid4().hex[:6]}"
                started = time.perf_counter()
                await client.provision(provision_input(tid, f"bench{i}"))
                result = await client.result("provision", tid)
                total = time.perf_counter() - started
                assert result.success, result  # type: ignore[attr-defined]
                stack_s, pulumi_s = await _stack_timings(client, tid)
                if i:
                    rows.append((total, pulumi_s, stack_s - pulumi_s, total - stack_s))
            stop.set()
            await worker
    print(f"end-to-end provision (idp + infra(3) + app), median of {runs} (seconds)")
    for index, name in enumerate(("total", "pulumi", "engine", "temporal")):
        values = [row[index] for row in rows]
        print(
            f"  {name:9} {statistics.median(values):6.2f}   runs: {[round(v, 2) for v in values]}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
