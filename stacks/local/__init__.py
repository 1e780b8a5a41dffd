"""Programs that run anywhere: tenant components as files, through the real Pulumi engine.

Used by the test suite, by ``tenantctl dev`` and by anyone trying the engine without a
cloud account. Select it with ``TENANT_PULUMI__CATALOG=stacks.local:local_catalog``;
``stacks.local:local_catalog_with_idp`` keeps infra and app local but runs the real
identity provider programs (a Keycloak realm against ``TENANT_KEYCLOAK__*``, say).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.models import Component
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
    "local_catalog_with_idp",
    "read_journal",
    "with_real_idp",
]


def local_catalog(settings: Settings) -> ProgramCatalog:
    """The local catalog, writing its files under ``<state_dir>/local-resources``."""
    return build_local_catalog(settings.pulumi.state_dir / "local-resources")


def local_catalog_with_idp(settings: Settings) -> ProgramCatalog:
    """The local catalog with the real IdP programs (Auth0 or Keycloak, per tenant)."""
    return with_real_idp(local_catalog(settings), settings)


def with_real_idp(catalog: ProgramCatalog, settings: Settings) -> ProgramCatalog:
    """``catalog`` with its IdP component replaced by the real programs."""
    from stacks.common import StackContext  # the real programs' imports, only when asked
    from stacks.idp import idp_adopters, idp_program

    ctx = StackContext.from_settings(settings)
    catalog.register(Component.IDP, None, lambda spec: idp_program(ctx, spec))
    catalog.adopters.update(idp_adopters(settings.keycloak))
    catalog.name = f"{catalog.name}+idp"
    return catalog
