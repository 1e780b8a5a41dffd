"""``python -m engine.api [--log-format text|json]``: serve the API alone (the worker
runs elsewhere)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from engine.serving import run_service

from .server import run_api


def main(argv: Sequence[str] = ()) -> None:
    run_service(
        lambda settings, stop: run_api(settings, stop=stop), argv, prog="python -m engine.api"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
