"""The Pulumi CLI as the engine runs it: a located, version-checked binary whose running
process can be cancelled (SIGINT, the CLI's own graceful stop) from another thread."""

from __future__ import annotations

import copy
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from importlib.metadata import version as package_version
from pathlib import Path

from pulumi.automation import CommandResult, OnOutput, PulumiCommand
from pulumi.automation.errors import create_command_error
from semver import Version

from engine.core.errors import ConfigurationError
from engine.telemetry import fail, span

__all__ = ["CancelToken", "EngineCommand", "OperationCancelled", "find_pulumi"]

log = logging.getLogger(__name__)


class OperationCancelled(Exception):
    """Raised instead of starting the CLI when the operation was cancelled beforehand."""


class CancelToken:
    """Cancels one Pulumi operation from any thread.

    The CLI treats the first SIGINT as "finish the resource operations in flight, save
    state, release the lock, exit": the stack stays consistent. If the CLI has not exited
    ``grace`` seconds later it is killed, and the next operation's crash recovery cleans up.
    """

    def __init__(self, grace: float = 60.0, previous_owners: Sequence[str] = ()) -> None:
        self._grace = grace
        # ``host:pid`` of the CLI processes of this operation's previous attempt, known to
        # be gone (Temporal retries an activity only once its attempt failed or stopped
        # heartbeating): stack locks they left may be broken at once (``_recovery``).
        self.previous_owners = tuple(previous_owners)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._event = threading.Event()
        self._pids: list[int] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            proc = self._proc
        if proc is not None:
            self._interrupt(proc)

    def _interrupt(self, proc: subprocess.Popen[str]) -> None:
        if proc.poll() is not None:
            return
        log.info("cancelling pulumi (pid %s) with SIGINT", proc.pid)
        proc.send_signal(signal.SIGINT)
        timer = threading.Timer(self._grace, self._kill, args=(proc,))
        timer.daemon = True
        timer.start()

    @staticmethod
    def _kill(proc: subprocess.Popen[str]) -> None:
        if proc.poll() is None:
            log.warning("pulumi (pid %s) ignored SIGINT; killing it", proc.pid)
            proc.kill()

    @property
    def owners(self) -> list[str]:
        """``host:pid`` of every CLI process this operation started: the owners Pulumi
        writes into the stack locks they take (see ``engine.pulumi._recovery``)."""
        host = socket.gethostname()
        with self._lock:
            return [f"{host}:{pid}" for pid in self._pids]

    def attach(self, proc: subprocess.Popen[str]) -> None:
        with self._lock:
            self._proc = proc
            self._pids.append(proc.pid)
            cancelled = self._event.is_set()
        if cancelled:
            self._interrupt(proc)

    def detach(self) -> None:
        with self._lock:
            self._proc = None


def find_pulumi(cli_dir: Path | None) -> Path:
    """Locate the ``pulumi`` binary: the configured directory, the venv's bin, then PATH."""
    candidates = []
    if cli_dir is not None:
        candidates.append(Path(cli_dir) / "pulumi")
    else:
        candidates.append(Path(sys.executable).parent / "pulumi")
        found = shutil.which("pulumi")
        if found:
            candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    where = cli_dir if cli_dir is not None else "the virtualenv or PATH"
    raise ConfigurationError(f"no pulumi CLI found in {where}; run `make setup`")


class EngineCommand(PulumiCommand):
    """A ``PulumiCommand`` bound to one binary and, per operation, to a CancelToken."""

    def __init__(self, binary: Path) -> None:
        # Not calling super().__init__: it would look the binary up again and re-run the
        # version check; we do both once here and share the instance across operations.
        self.command = str(binary)
        self._bin_dir = str(binary.parent)
        self._token: CancelToken | None = None
        out = subprocess.run(
            [self.command, "version"],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
        )
        try:
            self.version = Version.parse(out.stdout.strip().removeprefix("v"))
        except ValueError:
            raise ConfigurationError(
                f"{binary} does not report a version ({out.stdout.strip() or out.stderr.strip()})"
            ) from None
        sdk = Version.parse(package_version("pulumi"))
        if self.version < sdk:
            raise ConfigurationError(
                f"pulumi CLI {self.version} at {binary} is older than the Python SDK {sdk}; "
                "run `make setup`"
            )

    def for_operation(self, token: CancelToken | None) -> EngineCommand:
        """A shallow copy whose runs report their process to ``token``."""
        clone = copy.copy(self)
        clone._token = token
        return clone

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: OnOutput | None = None,
        on_error: OnOutput | None = None,
    ) -> CommandResult:
        token = self._token
        if token is not None and token.cancelled:
            raise OperationCancelled()
        args = list(args)
        end = args.index("--") if "--" in args else len(args)
        if "--non-interactive" not in args[:end]:
            args.insert(0, "--non-interactive")
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        # Plugins shipped beside the CLI (the Python dynamic provider host) come first.
        env["PATH"] = os.pathsep.join([self._bin_dir, env.get("PATH", "")])

        out: list[str] = []
        err: list[str] = []
        name = command_name(args)
        with (
            span(
                f"pulumi {name}", {"pulumi.command": name, "pulumi.cli.version": str(self.version)}
            ) as current,
            subprocess.Popen(
                [self.command, *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=env,
                encoding="utf-8",
                errors="replace",
            ) as proc,
        ):
            if token is not None:
                token.attach(proc)
            try:
                readers = [
                    threading.Thread(target=_pump, args=(proc.stdout, on_output, out), daemon=True),
                    threading.Thread(target=_pump, args=(proc.stderr, on_error, err), daemon=True),
                ]
                for reader in readers:
                    reader.start()
                for reader in readers:
                    reader.join()
                code = proc.wait()
            finally:
                if token is not None:
                    token.detach()
            current.set_attribute("process.exit_code", code)
            if code != 0:
                fail(current, f"pulumi {name} exited with code {code}")
        result = CommandResult(stdout="\n".join(out), stderr="\n".join(err), code=code)
        if code != 0:
            raise create_command_error(result)
        return result


# Commands whose first argument is a subcommand worth naming ("stack select", "config set").
_GROUPS = frozenset({"stack", "config", "plugin", "state"})
_SUBCOMMAND = re.compile(r"[a-z][a-z-]*")


def command_name(args: list[str]) -> str:
    """``up``, ``stack select``, ...: the command without flags, stack names or values (the
    arguments of ``config set`` may be secrets; span names and attributes never carry them)."""
    words = [a for a in args if a != "--non-interactive"]
    words = words[: words.index("--")] if "--" in words else words
    at = next((i for i, w in enumerate(words) if not w.startswith("-")), None)
    if at is None:
        return "unknown"
    first = words[at]
    after = words[at + 1] if at + 1 < len(words) else ""
    if first in _GROUPS and _SUBCOMMAND.fullmatch(after):
        return f"{first} {after}"
    return first


def _pump(stream: object, callback: OnOutput | None, sink: list[str]) -> None:
    assert hasattr(stream, "readline")
    for line in iter(stream.readline, ""):
        line = line.rstrip()
        sink.append(line)
        if callback is not None:
            callback(line)
