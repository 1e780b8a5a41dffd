"""``python -m engine.api``: serve the API alone (the worker runs elsewhere)."""

from __future__ import annotations

from engine.serving import run_service

from .server import run_api


def main() -> None:
    run_service(lambda settings, stop: run_api(settings, stop=stop))


if __name__ == "__main__":
    main()
