"""What every long-running service (worker, API) shares: its run loop and health service."""

from __future__ import annotations

from ._health import HealthServer, follow_temporal, temporal_reachable
from ._service import run_service

__all__ = ["HealthServer", "follow_temporal", "run_service", "temporal_reachable"]
