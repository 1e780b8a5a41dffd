"""Benchmark: where one stack operation's time goes.

    .venv/bin/python -m bench.stack_breakdown [--runs 5]

Times, on a file backend in a temporary directory, each a median of ``--runs``:

- a bare CLI start (``pulumi version``);
- the CLI reading the backend (``pulumi stack export``) and writing it (``pulumi stack init``);
- ``up`` through the engine of a program with no resource (the fixed cost of a Pulumi
  update: plan, the in-process language host, checkpoint writes), of one local resource
  (adds the dynamic provider's Python process) and of ten;
- every CLI command the engine ran for an ``up`` of an existing stack, with its time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.core.models import Component
from engine.pulumi import ProgramCatalog
from engine.pulumi._command import EngineCommand
from engine.pulumi._runner import PulumiRunner
from stacks.local import build_local_catalog
from tests.conftest import make_settings, make_spec

_calls: list[tuple[str, float]] = []
_run = EngineCommand.run


def _recording_run(self: EngineCommand, args: list[str], *rest: Any, **kw: Any) -> Any:
    started = time.perf_counter()
    try:
        return _run(self, args, *rest, **kw)
    finally:
        words = [a for a in args if not a.startswith("-")][:2]
        _calls.append((" ".join(words), time.perf_counter() - started))


def _median(runs: int, fn: Callable[[int], float]) -> float:
    return statistics.median(fn(i) for i in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    EngineCommand.run = _recording_run  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = make_settings(root / "state")
        local = build_local_catalog(root / "res")
        empty = ProgramCatalog(name="empty")
        empty.register(Component.INFRA, None, lambda spec: lambda: None)
        engine = PulumiRunner(settings, local)
        bare = PulumiRunner(settings, empty)
        pulumi = engine.workspaces.command.command
        env = {**engine.workspaces.env}
        work = engine.workspaces.work_dir("bench-x-infra")

        def cli(*argv: str) -> float:
            started = time.perf_counter()
            subprocess.run(
                [pulumi, *argv, "--non-interactive"], cwd=work, env=env, capture_output=True
            )
            return time.perf_counter() - started

        def up(runner: PulumiRunner, key: str, count: int) -> float:
            spec = make_spec(key, parameters={"infra_resources": str(count)})
            started = time.perf_counter()
            runner.up(spec, Component.INFRA)
            return time.perf_counter() - started

        engine.up(make_spec("warm"), Component.INFRA)  # imports, plugin cache
        rows = [
            ("CLI start (`pulumi version`)", _median(args.runs, lambda i: cli("version"))),
            (
                "backend read (`pulumi stack export`)",
                _median(args.runs, lambda i: cli("stack", "export", "--stack", "warm-infra")),
            ),
            (
                "backend write (`pulumi stack init`)",
                _median(args.runs, lambda i: cli("stack", "init", f"s{i}-infra")),
            ),
        ]
        for count, runner, label in ((0, bare, "emp"), (1, engine, "one"), (10, engine, "ten")):
            for i in range(args.runs):  # new stacks, then the same ones again
                up(runner, f"{label}{i}", count)
            again = _median(args.runs, lambda i, r=runner, c=count, k=label: up(r, f"{k}{i}", c))
            rows.append((f"engine `up` of an existing stack, {count} resources", again))
        _calls.clear()
        up(engine, "ten0", 10)
        commands = list(_calls)
    print(f"median of {args.runs} runs (seconds)")
    for label, value in rows:
        print(f"  {label:<52} {value:6.2f}")
    print("CLI commands of one engine `up` of an existing 10-resource stack:")
    for words, seconds in commands:
        print(f"  pulumi {words:<45} {seconds:6.2f}")


if __name__ == "__main__":
    main()
