"""``python -m engine.api``: serve the API alone (the worker runs elsewhere)."""

from __future__ import annotations

import asyncio
import logging
import signal

from engine.settings import Settings

from .server import run_api


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_api(settings, stop=stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
