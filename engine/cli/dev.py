"""``tenantctl dev``: the whole engine on one machine, in one command.

Starts the Temporal dev server (SQLite file in the state directory), then the worker and
the gRPC API in this process, with the file Pulumi backend and the SQLite registry under
the same directory. Ctrl-C (or SIGTERM) stops the API, then the worker (running
activities get ``worker.graceful_shutdown``; a second Ctrl-C cuts that short), then the
dev server. The local catalog (tenant components as files) is the default, so a first
run needs no cloud account and no provider plugins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr
from rich.table import Table

from engine.api.server import run_api
from engine.core.errors import EngineError
from engine.core.settings import ApiSettings, Settings
from engine.worker import run_worker

from . import render
from .devserver import TemporalDevServer
from .exit_codes import ExitCode
from .keycloak import FETCH_SCRIPT, KeycloakServer, fetch_keycloak, running_keycloak
from .state import client_address

__all__ = [
    "CATALOGS",
    "OneLineFormatter",
    "configure_logging",
    "dev_keycloak",
    "dev_settings",
    "serve",
    "with_keycloak",
]

log = logging.getLogger(__name__)

CATALOGS = {
    "local": "stacks.local:local_catalog",
    "local+idp": "stacks.local:local_catalog_with_idp",
    "aws": "stacks.catalog:build_catalog",
}
_PASSPHRASE_FILE = "passphrase"
_KEYCLOAK_PASSWORD_FILE = "keycloak-admin-password"


_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class OneLineFormatter(logging.Formatter):
    """One line per event: an exception by its type and first line, never a traceback.

    For the terminal of ``tenantctl dev`` without ``-v``: an activity retried or cancelled
    is an ordinary event there (the SDK logs each failed attempt with its traceback).
    """

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            kind = getattr(error, "type", None)
            name = kind if isinstance(kind, str) and kind else type(error).__name__
            message += f": {name}: {_first_line(str(error))}"
        flat = logging.makeLogRecord(
            {**record.__dict__, "msg": _first_line(message), "args": None,
             "exc_info": None, "exc_text": None, "stack_info": None}
        )  # fmt: skip
        return super().format(flat)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    return lines[0] + (" …" if len(lines) > 1 else "")


def configure_logging(
    path: Path, *, verbose: bool, stream: TextIO | None = None
) -> list[logging.Handler]:
    """Everything (INFO, tracebacks) to ``path``; the terminal gets WARNING and up, one line
    each, or with ``verbose`` INFO and up with tracebacks. Returns the handlers added."""
    to_file = logging.FileHandler(path)
    to_file.setFormatter(logging.Formatter(_LOG_FORMAT))
    to_terminal = logging.StreamHandler(stream)
    to_terminal.setFormatter(
        logging.Formatter(_LOG_FORMAT) if verbose else OneLineFormatter(_LOG_FORMAT)
    )
    to_terminal.setLevel(logging.INFO if verbose else logging.WARNING)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(to_file)
    root.addHandler(to_terminal)
    return [to_file, to_terminal]


def _passphrase(state_dir: Path, name: str = _PASSPHRASE_FILE) -> tuple[SecretStr, bool]:
    """A secret stored in the state directory, generated (0600) on first use."""
    path = state_dir / name
    if path.exists():
        return SecretStr(path.read_text().strip()), False
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return SecretStr(value), True


def dev_settings(
    base: Settings,
    *,
    state_dir: Path,
    temporal_port: int,
    api_listen: str | None,
    catalog: str | None,
) -> tuple[Settings, list[str]]:
    """The settings ``dev`` runs with, and notes for the user about what it chose.

    Whatever the user configured (TENANT_* variables, ``.env``) wins, except the Temporal
    address, which is the dev server's.
    """
    notes: list[str] = []
    state_dir.mkdir(parents=True, exist_ok=True)
    pulumi = base.pulumi.model_copy(update={"state_dir": state_dir})
    if pulumi.secrets_provider == "passphrase" and pulumi.passphrase is None:
        passphrase, created = _passphrase(state_dir)
        pulumi = pulumi.model_copy(update={"passphrase": passphrase})
        if created:
            notes.append(
                f"generated a Pulumi passphrase in {state_dir / _PASSPHRASE_FILE} (mode 0600); "
                "keep it, stack secrets are encrypted with it"
            )
    if catalog is not None:
        pulumi = pulumi.model_copy(update={"catalog": CATALOGS.get(catalog, catalog)})
    elif "catalog" not in base.pulumi.model_fields_set:
        pulumi = pulumi.model_copy(update={"catalog": CATALOGS["local"]})
    registry = base.registry
    if "database_url" not in registry.model_fields_set:
        url = f"sqlite:///{(state_dir / 'registry.db').resolve()}"
        registry = registry.model_copy(update={"database_url": url})
    temporal = base.temporal.model_copy(update={"address": f"127.0.0.1:{temporal_port}"})
    api = base.api.model_copy(update={"listen": api_listen}) if api_listen else base.api
    settings = base.model_copy(
        update={"pulumi": pulumi, "registry": registry, "temporal": temporal, "api": api}
    )
    return settings, notes


@contextlib.contextmanager
def dev_keycloak(state_dir: Path) -> Iterator[KeycloakServer]:
    """A Keycloak for ``dev --keycloak``: Maven Central's distribution (cached under the
    checkout's ``.tools/keycloak``), its database and admin password in the state dir."""
    state_dir.mkdir(parents=True, exist_ok=True)
    install = fetch_keycloak(FETCH_SCRIPT.parents[2] / ".tools" / "keycloak")
    password, _ = _passphrase(state_dir, _KEYCLOAK_PASSWORD_FILE)
    with running_keycloak(
        install, state_dir / "keycloak", admin_password=password.get_secret_value()
    ) as server:
        yield server


def with_keycloak(
    settings: Settings, server: KeycloakServer, *, catalog_given: bool
) -> tuple[Settings, list[str]]:
    """``settings`` pointed at ``server`` for the IdP (the real Keycloak program)."""
    keycloak = settings.keycloak.model_copy(
        update={
            "url": server.base_url,
            "realm": "master",
            "client_id": "admin-cli",
            "client_secret": None,
            "username": server.admin_username,
            "password": SecretStr(server.admin_password),
        }
    )
    pulumi = settings.pulumi
    notes = [
        f"Keycloak admin console {server.base_url}/admin: user {server.admin_username}, "
        f"password in {settings.pulumi.state_dir / _KEYCLOAK_PASSWORD_FILE}"
    ]
    if not catalog_given and pulumi.catalog == CATALOGS["local"]:
        pulumi = pulumi.model_copy(update={"catalog": CATALOGS["local+idp"]})
        notes.append("tenants with --idp keycloak get a real realm; infra and app stay local")
    return settings.model_copy(update={"keycloak": keycloak, "pulumi": pulumi}), notes


def _banner(settings: Settings, server: TemporalDevServer, api_address: str) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False, title="tenantctl dev is running")
    table.add_column(style="bold")
    table.add_column()
    auth = "bearer token" if settings.api.token else "no auth (set TENANT_API__TOKEN)"
    state = settings.pulumi.state_dir
    for key, value in (
        ("Temporal UI", server.ui_url),
        ("Temporal", f"{server.address} (namespace {settings.temporal.namespace})"),
        ("API", f"{api_address} ({auth})"),
        ("catalog", settings.pulumi.catalog),
        ("Pulumi backend", settings.pulumi.resolved_backend_url),
        ("registry", settings.registry.database_url),
        ("logs", f"{state / 'dev.log'}, {server.log_file}"),
    ):
        table.add_row(key, value)
    return table


async def _both(a: asyncio.Event, b: asyncio.Event) -> None:
    await a.wait()
    await b.wait()


async def _watch(server: TemporalDevServer, stop: asyncio.Event) -> bool:
    """Stop everything when the dev server exits on its own; True if it did.

    Nothing restarts it: whatever killed it (or took its port) is for the user to see,
    and ``tenantctl dev`` run again starts one on the same database.
    """
    returncode = await server.wait()
    if stop.is_set():
        return False
    how = (
        f"was killed (signal {-returncode})"
        if returncode is not None and returncode < 0
        else f"exited with code {returncode}"
    )
    render.err.print(
        f"error: the Temporal dev server {how}; stopping the API and the worker "
        f"(its log: {server.log_file})",
        markup=False,
    )
    stop.set()
    return True


async def serve(settings: Settings, server: TemporalDevServer, notes: list[str]) -> ExitCode:
    """Run everything until a signal; returns the exit code."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = 0

    def on_signal() -> None:
        nonlocal signals
        signals += 1
        if signals == 1:
            grace = settings.worker.graceful_shutdown.total_seconds()
            render.err.print(
                f"stopping: API, worker (running activities get {grace:.0f}s; "
                "Ctrl-C again to stop them now), Temporal",
                markup=False,
            )
            stop.set()
        else:
            for task in tasks:
                task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    tasks: list[asyncio.Task[None]] = []
    code = ExitCode.OK
    try:
        render.err.print(f"starting the Temporal dev server on {server.address} ...", markup=False)
        await server.start()
        worker_ready, api_ready = asyncio.Event(), asyncio.Event()
        tasks = [
            asyncio.create_task(run_worker(settings, stop=stop, ready=worker_ready), name="worker"),
            asyncio.create_task(run_api(settings, stop=stop, ready=api_ready), name="api"),
        ]
        ready = asyncio.create_task(_both(worker_ready, api_ready))
        watchdog = asyncio.create_task(_watch(server, stop))
        await asyncio.wait([*tasks, ready, watchdog], return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if not (worker_ready.is_set() and api_ready.is_set()):
            stop.set()
        else:
            render.out.print(_banner(settings, server, client_address(settings.api.listen)))
            for note in notes:
                render.out.print(f"note: {note}", markup=False)
            api = client_address(settings.api.listen)
            flag = "" if api == client_address(ApiSettings().listen) else f" --api {api}"
            render.out.print(
                f"try: tenantctl{flag} provision acme --tier silo --email admin@acme.example.com\n"
                "ready; Ctrl-C stops everything",
                markup=False,
            )
        await asyncio.gather(*tasks, return_exceptions=True)
        if watchdog.done() and watchdog.result():
            code = ExitCode.FAILED
        watchdog.cancel()  # from here on, the server stops because we stop it
        for task in tasks:
            exc = None if task.cancelled() else task.exception()
            if exc is None:
                continue
            code = ExitCode.FAILED
            if isinstance(exc, EngineError):  # expected (port taken, bad settings): one line
                render.err.print(f"error: {task.get_name()}: {exc.message}", markup=False)
            else:  # a bug: the traceback is worth having
                render.err.print(f"error: {task.get_name()} failed: {exc!r}", markup=False)
                log.error("%s failed", task.get_name(), exc_info=exc)
    finally:
        with contextlib.suppress(Exception):
            await server.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    render.err.print("stopped", markup=False)
    return code
