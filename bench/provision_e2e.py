"""Benchmark: one end-to-end provision with the local programs, split by where time goes.

    .venv/bin/python -m bench.provision_e2e [--runs 5]

A real Temporal dev server and worker (real engine, local file programs, SQLite registry,
log notifier). Each run provisions a new tenant (IdP, 3-resource infra, app) and waits
for the result. From the workflow history it takes each Pulumi activity's own timing:

* idp, infra, app: each ``stack_up`` activity, start to end (of which ``pulumi`` is the
  time inside Pulumi commands, summed over the three)
* path:     the stacks on the critical path: ``max(idp, infra) + app`` when the IdP and
            infra stacks run at once (``parallel`` yes), else ``idp + infra + app``
* other:    total minus path (workflow tasks, scheduling, registry and notification
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

COLUMNS = ("total", "idp", "infra", "app", "path", "other", "pulumi")


async def _timings(client: TenantClient, tenant_id: str, total: float) -> dict[str, float]:
    """Each stack_up's duration from the history, and whether IdP and infra overlapped."""
    history = await client.handle("provision", tenant_id).fetch_history()
    converter = client.client.data_converter
    row: dict[str, float] = {"total": total, "pulumi": 0.0}
    spans: dict[str, tuple[float, float]] = {}
    scheduled: dict[int, float] = {}
    for event in history.events:
        at = event.event_time.ToMicroseconds() / 1e6
        if event.HasField("activity_task_scheduled_event_attributes"):
            scheduled[event.event_id] = at
        if not event.HasField("activity_task_completed_event_attributes"):
            continue
        done = event.activity_task_completed_event_attributes
        if not done.result.payloads:
            continue
        [raw] = await converter.decode(done.result.payloads, [object])
        if not (isinstance(raw, dict) and raw.get("operation") == "up"):
            continue
        value = StackActivityResult.model_validate(raw)
        if value.operation == "up":
            component = value.stack.rsplit("-", 1)[1]
            row[component] = value.duration_s
            row["pulumi"] += value.pulumi_s
            spans[component] = (scheduled[done.scheduled_event_id], at)
    parallel = spans["idp"][0] < spans["infra"][1] and spans["infra"][0] < spans["idp"][1]
    first = max(row["idp"], row["infra"]) if parallel else row["idp"] + row["infra"]
    row["path"] = first + row["app"]
    row["other"] = total - row["path"]
    row["parallel"] = float(parallel)
    return row


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
                if i:
                    rows.append(await _timings(client, tid, total))
            stop.set()
            await worker
    parallel = "yes" if all(row["parallel"] for row in rows) else "no"
    print(f"end-to-end provision (idp + infra(3) + app), median of {runs} (seconds)")
    print(f"  parallel  {parallel}")
    for name in COLUMNS:
        values = [row[name] for row in rows]
        print(
            f"  {name:9} {statistics.median(values):6.2f}   runs: {[round(v, 2) for v in values]}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
