"""What every long-running service (worker, API) shares: its run loop, logging, health
(liveness and readiness) and gRPC request metrics."""

from __future__ import annotations

from ._health import (
    LIVENESS,
    READINESS,
    Check,
    Health,
    HealthServer,
    RegistryProbe,
    temporal_reachable,
)
from ._metrics import RequestMetrics
from ._service import run_service

__all__ = [
    "LIVENESS",
    "READINESS",
    "Check",
    "Health",
    "HealthServer",
    "RegistryProbe",
    "RequestMetrics",
    "run_service",
    "temporal_reachable",
]
