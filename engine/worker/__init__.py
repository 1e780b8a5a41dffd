"""The worker: runs the tenant workflows and activities (``tenantctl worker``)."""

from __future__ import annotations

from ._worker import build_activities, build_worker, main, run_worker

__all__ = ["build_activities", "build_worker", "main", "run_worker"]
