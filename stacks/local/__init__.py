"""Programs that run anywhere: tenant components as files, through the real Pulumi engine.

Used by the test suite, by ``tenantctl dev`` and by anyone trying the engine without a
cloud account. Select it with ``TENANT_PULUMI__CATALOG=stacks.local:local_catalog``;
``stacks.local:local_catalog_with_idp`` keeps infra and app local but runs the real
identity provider programs (a Keycloak realm against ``TENANT_KEYCLOAK__*``, say).

Names are imported on first use: the programs' dynamic provider runs in a process of its
own per stack that imports ``stacks.local.provider``, so this package, and should not pay
for the engine's imports there.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalogs import local_catalog, local_catalog_with_idp, with_real_idp
    from .programs import build_local_catalog
    from .provider import JOURNAL, LocalFile, LocalFileProvider, read_journal

__all__ = [
    "JOURNAL",
    "LocalFile",
    "LocalFileProvider",
    "build_local_catalog",
    "local_catalog",
    "local_catalog_with_idp",
    "read_journal",
    "with_real_idp",
]

_HOMES = {
    "JOURNAL": "provider",
    "LocalFile": "provider",
    "LocalFileProvider": "provider",
    "read_journal": "provider",
    "build_local_catalog": "programs",
    "local_catalog": "catalogs",
    "local_catalog_with_idp": "catalogs",
    "with_real_idp": "catalogs",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{home}", __name__), name)
