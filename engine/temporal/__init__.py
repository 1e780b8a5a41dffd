"""Temporal on the engine's side: the typed client of the tenant workflows, and the one
place engine errors become Temporal failures.

Workflows and activities are not here (top-level ``workflows`` and ``activities``); the
worker that runs them is ``engine.worker``.
"""

from __future__ import annotations

from ._client import StartedWorkflow, TenantClient, connect
from ._converter import INVALID_PAYLOAD, data_converter
from ._failures import temporal_errors, to_application_error
from ._runs import run_has_closed

__all__ = [
    "INVALID_PAYLOAD",
    "StartedWorkflow",
    "TenantClient",
    "connect",
    "data_converter",
    "run_has_closed",
    "temporal_errors",
    "to_application_error",
]
