"""``tenantctl`` run as a user runs it: a subprocess against a running engine."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from tests.api.harness import RunningEngine, running_engine

_BIN = Path(sys.executable).parent / "tenantctl"
# The console script uv installs; `python -m engine.cli` is the same program.
TENANTCTL = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "engine.cli"]


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without TENANT_*/TENANTCTL_*/PULUMI_* settings, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TENANT_", "TENANTCTL_", "PULUMI_"))
    }
    # A wide "terminal" so tables are not wrapped; no colour codes in what we assert on.
    env.update({"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    env.update(extra)
    return env


# A suite started as a background job (`make test &`, a CI runner's script) has SIGINT
# ignored, and children inherit that: Ctrl-C would never reach the CLI under test. This
# resets it and execs the CLI (no preexec_fn: a fork of a process with gRPC threads that
# runs Python before exec can abort in gRPC's fork handlers).
_FROM_A_TERMINAL = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


async def start(*args: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    """``tenantctl`` running, as a user at a terminal starts it (Ctrl-C reaches it)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _FROM_A_TERMINAL,
        *TENANTCTL,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,
    )


async def finish(process: asyncio.subprocess.Process, within: float = 240) -> Result:
    out, err = await asyncio.wait_for(process.communicate(), within)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


Cli = Callable[..., Awaitable[Result]]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def engine(
    temporal_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningEngine]:
    async with running_engine(temporal_env, tmp_path_factory.mktemp("cli")) as running:
        yield running


@pytest.fixture
def cli_env(engine: RunningEngine) -> dict[str, str]:
    return clean_env(TENANTCTL_API=engine.address, TENANTCTL_TOKEN=engine.token)


@pytest.fixture
def cli(cli_env: dict[str, str], tmp_path: Path) -> Cli:
    """``await cli("list", "-o", "json")``: run tenantctl against the engine."""

    async def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return await finish(await start(*args, env=env or cli_env, cwd=tmp_path))

    return run
