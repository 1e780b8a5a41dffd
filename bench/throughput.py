"""Benchmark: N tenants provisioned at once by one or two worker processes.

    .venv/bin/python -m bench.throughput [--tenants 20] [--workers 1] [--local]

What users run when they outgrow one machine: worker processes (``python -m engine.worker``)
sharing a Temporal dev server, a Pulumi backend in S3 (moto) and a PostgreSQL registry,
all on 127.0.0.1 and started here. The programs are the local ones (IdP, 3-resource
infra, app per tenant) over one shared resource directory. All N provisions are started
at once through the client; the script waits for every result and prints tenants per
minute (N over the wall time from the first start to the last result), p50/p95 of each
tenant's provision time, and the peak RSS of each worker's process tree (the worker, its
Pulumi CLIs, language hosts and provider plugins), sampled every 0.2 s.

``--local`` (one worker only): a file backend and a SQLite registry instead, what
``tenantctl dev`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from engine.core.contracts import ProvisionTenantResult
from engine.temporal._client import TenantClient
from tests.conftest import make_settings
from tests.e2e.conftest import fast_policies, provision_input
from tests.support.moto import running_moto
from tests.support.postgres import running_postgres
from tests.support.processes import kill_group_and_wait, kill_processes_under
from tests.support.shared_state import shared_state_env
from tests.support.temporal import dev_server

REPO = Path(__file__).resolve().parents[1]


def _tree_rss(root: int) -> int:
    """RSS in bytes of ``root`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1]) * 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


async def _sample(pids: list[int], peaks: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for i, pid in enumerate(pids):
            peaks[i] = max(peaks[i], _tree_rss(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


def _start_worker(env: dict[str, str], root: Path, i: int) -> subprocess.Popen[bytes]:
    with (root / f"worker{i}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "engine.worker"],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def main(tenants: int, workers: int, local: bool) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_moto() as moto,
        running_postgres() as postgres,
    ):
        root = Path(tmp)
        registry = postgres.create_database()
        async with dev_server() as env:
            address = env.client.service_client.config.target_host
            shared = shared_state_env(address, "throughput", moto, registry, root / "cloud")
            if local:
                del shared["TENANT_PULUMI__BACKEND_URL"]
                shared["TENANT_REGISTRY__DATABASE_URL"] = f"sqlite:///{root / 'registry.db'}"
            procs = [
                _start_worker({**shared, "TENANT_PULUMI__STATE_DIR": str(root / f"w{i}")}, root, i)
                for i in range(workers)
            ]
            try:
                settings = make_settings(root / "client")
                settings.temporal.task_queue = "throughput"
                fast_policies(settings)
                client = TenantClient(env.client, settings)
                peaks = [0] * workers
                stop = asyncio.Event()
                sampler = asyncio.create_task(_sample([p.pid for p in procs], peaks, stop))

                async def one(i: int) -> float:
                    tid = f"t-{uuid.uuid4().hex[:8]}"
                    started = time.perf_counter()
                    await client.provision(provision_input(tid, f"bench-{i:03d}"))
                    result = await client.result("provision", tid)
                    assert isinstance(result, ProvisionTenantResult) and result.success, result
                    return time.perf_counter() - started

                started = time.perf_counter()
                times = await asyncio.gather(*(one(i) for i in range(tenants)))
                wall = time.perf_counter() - started
                stop.set()
                await sampler
            finally:
                for proc in procs:
                    kill_group_and_wait(proc.pid)
                    proc.wait(30)
                for i in range(workers):
                    kill_processes_under(root / f"w{i}")
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    where = "file backend + SQLite" if local else "S3 (moto) + PostgreSQL"
    print(f"{tenants} tenants at once, {workers} worker process(es), {where}")
    print(f"  wall time          {wall:7.1f} s")
    print(f"  tenants per minute {tenants / wall * 60:7.1f}")
    print(f"  provision p50      {statistics.median(times):7.1f} s")
    print(f"  provision p95      {p95:7.1f} s")
    for i, peak in enumerate(peaks):
        print(f"  worker {i} peak RSS  {peak / 2**20:7.0f} MiB (process tree)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--local", action="store_true")
    args = parser.parse_args()
    if args.local and args.workers != 1:
        parser.error("--local runs one worker (a file backend is not shared)")
    asyncio.run(main(args.tenants, args.workers, args.local))
