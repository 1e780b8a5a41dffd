"""``tenantctl``: drive the tenant engine from a terminal or a script.

Exit codes are documented in ``exit_codes`` and in ``tenantctl --help``.
"""

from __future__ import annotations

from .app import app, main
from .exit_codes import ExitCode

__all__ = ["ExitCode", "app", "main"]
