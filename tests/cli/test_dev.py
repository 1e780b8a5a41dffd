"""``tenantctl dev`` as the README's first command: starts everything, provisions, stops.

No fixture server here: dev starts its own Temporal dev server, worker and API.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import socket
import stat
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from engine.api import SERVICE_NAME
from engine.cli.dev import configure_logging
from tests.cli.conftest import clean_env, finish, start


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _processes_using(path: Path) -> list[int]:
    """Pids of live processes whose command line mentions ``path``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().split()[2]
        except OSError:
            continue
        if str(path) in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


async def _wait_serving(address: str, within: float = 90) -> None:
    deadline = asyncio.get_running_loop().time() + within
    async with grpc.aio.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                reply = await health.Check(
                    health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=2
                )
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the API at {address} never became ready")
            await asyncio.sleep(0.3)


async def test_dev_starts_provisions_and_stops_cleanly(tmp_path: Path):
    temporal_port, ui_port, api_port = _free_ports(3)
    state = tmp_path / "state"
    api = f"127.0.0.1:{api_port}"
    env = clean_env(TENANT_WORKER__HEALTH_LISTEN="")
    dev = await start(
        "dev", "--state-dir", str(state), "--temporal-port", str(temporal_port),
        "--ui-port", str(ui_port), "--api-listen", api,
        env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        await _wait_serving(api)
        temporal = _processes_using(state / "temporal.db")
        assert len(temporal) == 1, "expected exactly one Temporal dev server"
        # The README's next command, against what dev started (local catalog by default).
        provision = await finish(
            await start(
                "--api", api, "provision", "devtenant", "--tier", "pooled",
                "--email", "ops@devtenant.example.com",
                env=clean_env(), cwd=tmp_path,
            )
        )  # fmt: skip
        assert provision.code == 0, provision.err
        assert provision.lines[-2].startswith("✔ provision-tenant-devtenant")
        assert (state / "local-resources" / "devtenant" / "app" / "0.json").exists()
    finally:
        if dev.returncode is None:
            dev.send_signal(signal.SIGINT)
    result = await finish(dev, within=90)

    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert f"Temporal UI     http://127.0.0.1:{ui_port}" in result.out
    assert "stopped" in result.err.splitlines()[-1]
    assert _processes_using(state / "temporal.db") == []
    passphrase = state / "passphrase"
    assert stat.S_IMODE(passphrase.stat().st_mode) == 0o600
    assert "generated a Pulumi passphrase" in result.out
    assert (state / "temporal.db").exists() and (state / "registry.db").exists()


async def test_dev_with_an_unusable_state_dir_is_a_usage_error(tmp_path: Path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    result = await finish(
        await start("dev", "--state-dir", str(blocked / "state"), env=clean_env(), cwd=tmp_path)
    )
    assert result.code == 2
    assert result.err.startswith("error: --state-dir: ")


async def test_dev_stops_everything_when_its_temporal_server_dies(tmp_path: Path):
    """Issue 15: it noticed nothing; now it says so, stops the rest and exits 1."""
    temporal_port, ui_port, api_port = _free_ports(3)
    state = tmp_path / "state"
    api = f"127.0.0.1:{api_port}"
    dev = await start(
        "dev", "--state-dir", str(state), "--temporal-port", str(temporal_port),
        "--ui-port", str(ui_port), "--api-listen", api,
        env=clean_env(TENANT_WORKER__HEALTH_LISTEN=""), cwd=tmp_path,
    )  # fmt: skip
    try:
        await _wait_serving(api)
        [temporal] = _processes_using(state / "temporal.db")
        os.kill(temporal, signal.SIGKILL)
        result = await finish(dev, within=60)
    finally:
        if dev.returncode is None:
            dev.kill()
            await dev.wait()
    assert result.code == 1, result.err
    assert "error: the Temporal dev server was killed (signal 9); stopping the API and the " in (
        result.err
    )
    assert "Traceback" not in result.err
    assert result.err.splitlines()[-1] == "stopped"
    assert _processes_using(state / "temporal.db") == []


def _log_a_failed_attempt() -> None:
    try:
        try:
            raise RuntimeError("injected failure: create of acme/app/0.json\nmore detail")
        except RuntimeError as exc:
            raise ValueError("acme-app: resource operation failed") from exc
    except ValueError:
        logging.getLogger("temporalio.activity").warning(
            "Completing activity as failed ({'attempt': 1})", exc_info=True
        )


def test_dev_terminal_shows_one_line_per_event_tracebacks_only_with_v(tmp_path: Path):
    """Issue 15: an activity retried printed its whole traceback on dev's terminal."""
    root = logging.getLogger()
    level = root.level
    for verbose in (False, True):
        terminal = io.StringIO()
        handlers = configure_logging(tmp_path / "dev.log", verbose=verbose, stream=terminal)
        try:
            _log_a_failed_attempt()
        finally:
            for handler in handlers:
                root.removeHandler(handler)
                handler.close()
            root.setLevel(level)
        if verbose:
            assert "Traceback" in terminal.getvalue()
        else:
            [line] = terminal.getvalue().splitlines()
            assert line.endswith(
                "WARNING temporalio.activity: Completing activity as failed ({'attempt': 1}): "
                "ValueError: acme-app: resource operation failed"
            )
    assert (tmp_path / "dev.log").read_text().count("Traceback") == 4  # twice per run
