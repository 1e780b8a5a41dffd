"""``python -m engine.worker``."""

from __future__ import annotations

from ._worker import main

main()
