"""Benchmark: `up` of a new 10-resource stack, then `preview` of it, engine vs plain CLI.

    .venv/bin/python -m bench.engine_up [--runs 5] [--resources 10]

Both sides run the same local program (10 file resources, no delay) on a new stack in a
file backend, and both timings include creating that stack. The engine side is
``PulumiRunner.up`` (select/create the stack, up with the event stream, outputs). The plain side is
``pulumi stack init`` then ``pulumi up --yes --skip-preview``. The Python language host plugin
(``pulumi-language-python``) cannot be built from the Go module proxy here, so the plain
CLI runs the program through the SDK's in-process language server (``--client``), exactly
as ``pulumi up`` would run an inline program. Then each side previews the stack it made
(``PulumiRunner.preview`` vs ``pulumi preview``). Engine and plain runs alternate, so load
from elsewhere on the machine falls on both alike. Prints medians and the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent import futures
from pathlib import Path

import grpc
from pulumi.automation._server import LanguageServer  # the SDK's inline-program host
from pulumi.runtime.proto import language_pb2_grpc

from engine.core.models import Component
from engine.pulumi._runner import PulumiRunner
from stacks.local import build_local_catalog
from tests.conftest import PASSPHRASE, make_settings, make_spec


def _engine_up(engine: PulumiRunner, key: str, resources: int) -> tuple[float, float]:
    spec = make_spec(key, parameters={"infra_resources": str(resources)})
    started = time.perf_counter()
    engine.up(spec, Component.INFRA)
    up = time.perf_counter() - started
    started = time.perf_counter()
    engine.preview(spec, Component.INFRA)
    preview = time.perf_counter() - started
    engine.destroy(key, Component.INFRA, remove=True)
    return up, preview


def _plain_up(engine: PulumiRunner, key: str, resources: int, work: Path) -> tuple[float, float]:
    spec = make_spec(key, parameters={"infra_resources": str(resources)})
    stack = f"{key}-infra"
    env = {
        **os.environ,
        **engine.workspaces.env,
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
    }
    env["PATH"] = f"{Path(engine.workspaces.command.command).parent}:{env['PATH']}"
    (work / "Pulumi.yaml").write_text(f"name: {engine.project}\nruntime: python\n")
    pulumi = engine.workspaces.command.command
    run = {"cwd": work, "env": env, "check": True, "capture_output": True}
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        LanguageServer(engine.catalog.build(spec, Component.INFRA)), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        cmd = [
            pulumi,
            "up",
            "--yes",
            "--skip-preview",
            "--non-interactive",
            "--stack",
            stack,
            "--client",
            f"127.0.0.1:{port}",
            "--exec-kind",
            "inline",
        ]
        # Like the engine's timing, the plain one includes making the (new) stack.
        started = time.perf_counter()
        subprocess.run([pulumi, "stack", "init", stack, "--non-interactive"], **run)  # type: ignore[call-overload]
        subprocess.run(cmd, **run)  # type: ignore[call-overload]
        up = time.perf_counter() - started
        preview_cmd = [pulumi, "preview", "--non-interactive", "--stack", stack]
        preview_cmd += ["--client", f"127.0.0.1:{port}", "--exec-kind", "inline"]
        started = time.perf_counter()
        subprocess.run(preview_cmd, **run)  # type: ignore[call-overload]
        preview = time.perf_counter() - started
    finally:
        server.stop(0)
    subprocess.run(
        [
            pulumi,
            "destroy",
            "--yes",
            "--remove",
            "--non-interactive",
            "--stack",
            stack,
            "--client",
            f"127.0.0.1:{port}",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        check=False,
    )
    return up, preview


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resources", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        engine = PulumiRunner(make_settings(root / "state"), build_local_catalog(root / "res"))
        work = root / "plain"
        work.mkdir()
        # One warm-up each, so the first Python import cost is not counted.
        _engine_up(engine, "warm-engine", args.resources)
        _plain_up(engine, "warm-plain", args.resources, work)
        engine_runs, plain_runs = [], []
        for i in range(args.runs):
            engine_runs.append(_engine_up(engine, f"e{i}-bench", args.resources))
            plain_runs.append(_plain_up(engine, f"p{i}-bench", args.resources, work))
    print(f"{args.resources} resources, median of {args.runs} (seconds)")
    for at, what in ((0, "up of a new stack"), (1, "preview, no changes")):
        engine_times = [run[at] for run in engine_runs]
        plain_times = [run[at] for run in plain_runs]
        e, p = statistics.median(engine_times), statistics.median(plain_times)
        print(f"{what}:")
        print(f"  engine: {e:.2f}   runs: {[round(t, 2) for t in engine_times]}")
        print(f"  plain:  {p:.2f}   runs: {[round(t, 2) for t in plain_times]}")
        print(f"  ratio engine / plain: {e / p:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
