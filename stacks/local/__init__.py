"""Programs that run anywhere: tenant components as files, through the real Pulumi engine.

Used by the test suite, by ``tenantctl dev`` and by anyone trying the engine without a
cloud account. Select it with ``TENANT_PULUMI__CATALOG=stacks.local:local_catalog``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.pulumi import ProgramCatalog

if TYPE_CHECKING:
    from engine.core.settings import Settings

from .programs import build_local_catalog
from .provider import JOURNAL, LocalFile, LocalFileProvider, read_journal

__all__ = [
    "JOURNAL",
    "LocalFile",
    "LocalFileProvider",
    "build_local_catalog",
    "local_catalog",
    "read_journal",
]


def local_catalog(settings: Settings) -> ProgramCatalog:
    """The local catalog, writing its files under ``<state_dir>/local-resources``."""
    return build_local_catalog(settings.pulumi.state_dir / "local-resources")
