"""What every ``tenantctl`` command shares: where the engine is, and how a command ends.

A command's body is a coroutine taking a backend and returning an exit code; ``run``
gives it the backend and turns whatever it raises into one line on stderr (a JSON
document on stdout with ``--output json``) and the documented exit code (``exit_codes``),
never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import NoReturn

import typer
from pydantic import ValidationError as PydanticValidationError

from engine.api.views import Dependency, unavailable_dependency
from engine.core.errors import (
    AlreadyRunningError,
    ConfigurationError,
    EngineError,
    UnavailableError,
)
from engine.core.settings import Settings

from . import render
from .backend import Backend, DirectBackend, GrpcBackend, TlsFiles
from .exit_codes import ExitCode, exit_code_for

__all__ = ["CliState", "client_address", "exit_now", "hint_for", "run"]

Body = Callable[[Backend], Awaitable[ExitCode]]


def exit_now(code: int) -> NoReturn:
    """Flush and leave without interpreter finalization.

    For processes that ran a Temporal client in-process (``--direct``, ``dev``): the SDK's
    native runtime threads can abort the interpreter while it finalizes ("Fatal Python
    error: PyGILState_Release ... finalizing", temporalio/sdk-python#300), turning a
    command that succeeded into exit status -6. Everything worth keeping is flushed first.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


def client_address(listen: str) -> str:
    """Where a client on this machine reaches a server listening on ``listen``."""
    host, _, port = listen.rpartition(":")
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host in ("[::]", "::"):
        host = "[::1]"
    return f"{host}:{port}"


@dataclass
class CliState:
    """The global options; settings (TENANT_*, .env) are read once, when first needed."""

    api: str | None = None
    token: str | None = None
    tls: TlsFiles | None = None
    direct: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """The settings; ``ConfigurationError`` (exit 2) naming the first bad one."""
        if self._settings is None:
            try:
                self._settings = Settings()
            except PydanticValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ConfigurationError(f"settings {where}: {first['msg']}") from None
        return self._settings

    @property
    def address(self) -> str:
        return self.api or client_address(self.settings().api.listen)

    def backend(self) -> Backend:
        if self.direct:
            return DirectBackend(self.settings())
        token = self.token
        if token is None and self.settings().api.token is not None:
            token = self.settings().api.token.get_secret_value()  # type: ignore[union-attr]
        return GrpcBackend(self.address, token=token or None, tls=self.tls)


async def _with_backend(state: CliState, body: Body) -> ExitCode:
    async with state.backend() as backend:
        return await body(backend)


def hint_for(exc: EngineError, state: CliState) -> str | None:
    """What to try next, naming what is really unavailable (the API, or what it needs)."""
    if isinstance(exc, AlreadyRunningError):
        kind, _, tenant_id = exc.workflow_id.partition("-tenant-")
        suffix = "" if kind == "provision" else f" --kind {kind}"
        return f"follow it with `tenantctl watch {tenant_id}{suffix}`"
    if not isinstance(exc, UnavailableError):
        return None
    dependency = unavailable_dependency(exc)
    if state.direct:  # no API in between: Temporal, unless the error names another
        return _DEPENDENCY_HINTS[dependency or Dependency.TEMPORAL]
    if dependency is None:  # the API itself did not answer
        return f"is the API at {state.address} running? `tenantctl dev` starts a local one"
    return f"the API at {state.address} answered, but {_DEPENDENCY_HINTS[dependency]}"


_DEPENDENCY_HINTS = {
    Dependency.TEMPORAL: "Temporal is unavailable: is it running? (`tenantctl dev` starts one)",
    Dependency.REGISTRY: "the tenant registry's database is unavailable: is it running?",
    Dependency.WORKER: "no worker answered: is one running (`tenantctl worker`)?",
    Dependency.PULUMI: "the Pulumi backend is unavailable (TENANT_PULUMI__BACKEND_URL)",
}


def run(ctx: typer.Context, body: Body) -> NoReturn:
    """Run ``body`` and exit with its code, or with the code of what it raised.

    With ``--output json`` an error is one JSON document on stdout (``render.print_error``
    says its shape), and nothing on stderr; the exit code is the same.
    """
    state: CliState = ctx.obj
    as_json = ctx.params.get("output") == "json"
    try:
        code = asyncio.run(_with_backend(state, body))
    except EngineError as exc:
        code = exit_code_for(exc)
        render.print_error(exc, code=code, hint=hint_for(exc, state), as_json=as_json)
    except KeyboardInterrupt:
        code = ExitCode.INTERRUPTED
        render.print_interrupted(code=code, as_json=as_json)
    if state.direct:
        exit_now(int(code))
    raise typer.Exit(int(code))
