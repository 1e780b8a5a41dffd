"""Running a long-lived service (worker, API) until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import NoReturn

import pydantic

from engine.core.errors import EngineError
from engine.core.settings import Settings

__all__ = ["run_service"]


def run_service(serve: Callable[[Settings, asyncio.Event], Awaitable[None]]) -> None:
    """Log to stderr, build Settings once, run ``serve`` until a stop signal arrives.

    Bad settings end the process with one line on stderr and exit code 2.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings()
    except pydantic.ValidationError as exc:
        _fail(f"invalid settings: {exc}")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop)

    try:
        asyncio.run(run())
    except EngineError as exc:
        # Misconfiguration (no passphrase, unknown catalog, ...): one line, no traceback.
        _fail(f"{exc.type_name}: {exc.message}")


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)
