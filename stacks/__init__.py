"""Pulumi programs the engine runs: the catalog, the shared platform, and per-tenant
infra (by tier), app and IdP programs. Nothing here imports temporalio or reads the
environment; providers are configured from ``engine.settings.Settings``.
"""

from __future__ import annotations

from .catalog import build_catalog

__all__ = ["build_catalog"]
