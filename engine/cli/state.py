"""What every ``tenantctl`` command shares: where the engine is, and how a command ends.

A command's body is a coroutine taking a backend and returning an exit code; ``run``
gives it the backend and turns whatever it raises into one line on stderr and the
documented exit code (``exit_codes``), never a traceback.
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

from engine.core.errors import AlreadyRunningError, EngineError, UnavailableError
from engine.core.settings import Settings

from . import render
from .backend import Backend, DirectBackend, GrpcBackend, TlsFiles
from .exit_codes import ExitCode, exit_code_for

__all__ = ["CliState", "client_address", "exit_now", "run"]

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
        if self._settings is None:
            try:
                self._settings = Settings()
            except PydanticValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                render.err.print(f"error: settings {where}: {first['msg']}", markup=False)
                raise typer.Exit(ExitCode.USAGE) from None
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


def run(ctx: typer.Context, body: Body) -> NoReturn:
    """Run ``body`` and exit with its code, or with the code of what it raised."""
    state: CliState = ctx.obj
    try:
        code = asyncio.run(_with_backend(state, body))
    except EngineError as exc:
        render.print_error(exc)
        if isinstance(exc, AlreadyRunningError):
            kind, _, tenant_id = exc.workflow_id.partition("-tenant-")
            suffix = "" if kind == "provision" else f" --kind {kind}"
            render.err.print(
                f"hint: follow it with `tenantctl watch {tenant_id}{suffix}`", markup=False
            )
        elif isinstance(exc, UnavailableError):
            where = "Temporal (--direct)" if state.direct else f"the API at {state.address}"
            render.err.print(
                f"hint: is {where} running? `tenantctl dev` starts a local one", markup=False
            )
        code = exit_code_for(exc)
    except KeyboardInterrupt:
        render.err.print("interrupted", markup=False)
        code = ExitCode.INTERRUPTED
    if state.direct:
        exit_now(int(code))
    raise typer.Exit(int(code))
