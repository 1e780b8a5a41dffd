"""Running a long-lived service (worker, API) until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn

import pydantic

from engine.core.errors import EngineError
from engine.core.settings import Settings
from engine.telemetry import configure_logging, secret_values

__all__ = ["run_service"]

log = logging.getLogger(__name__)


def _options(prog: str, argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog, description="Settings come from TENANT_* variables and .env (.env.example)."
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=None,
        help="text lines, or one JSON object per line (default: TENANT_LOG_FORMAT, else text)",
    )
    return parser.parse_args(list(argv))


def run_service(
    serve: Callable[[Settings, asyncio.Event], Awaitable[None]],
    argv: Sequence[str] = (),
    *,
    prog: str | None = None,
) -> None:
    """Build Settings once, log to stderr, run ``serve`` until a stop signal arrives.

    ``argv``: the service's flags (``--log-format text|json`` overrides ``log_format``).
    Logs are text lines or JSON objects (one a line), with every secret of the settings
    masked. Bad settings end the process with one line on stderr and exit code 2.
    """
    options = _options(prog or sys.argv[0], argv)
    try:
        settings = Settings()
    except pydantic.ValidationError as exc:
        configure_logging(options.log_format or "text")
        _fail(f"invalid settings: {exc}")
    if options.log_format:
        settings = settings.model_copy(update={"log_format": options.log_format})
    configure_logging(settings.log_format, secrets=secret_values(settings))

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
    except Exception:
        # A crash is logged like everything else (one JSON object with its traceback).
        log.exception("service failed")
        raise SystemExit(1) from None


def _fail(message: str) -> NoReturn:
    log.error("error: %s", message)
    raise SystemExit(2)
