"""Temporal activities: thin adapters from workflow payloads to the engine's libraries."""

from __future__ import annotations

from .stacks import StackActivities
from .tenants import TenantActivities

__all__ = ["StackActivities", "TenantActivities"]
