"""``python -m engine.worker [--log-format text|json]``."""

from __future__ import annotations

import sys

from ._worker import main

main(sys.argv[1:])
