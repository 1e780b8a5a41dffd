"""The local catalogs the settings can name (``stacks.local:local_catalog`` and friends)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.models import Component

from .programs import build_local_catalog

if TYPE_CHECKING:
    from engine.core.settings import Settings
    from engine.pulumi import ProgramCatalog

__all__ = ["local_catalog", "local_catalog_with_idp", "with_real_idp"]


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
