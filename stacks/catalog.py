"""The catalog of real programs the engine runs for tenants (AWS, Auth0, Keycloak).

The engine loads ``stacks.catalog:build_catalog`` (``Settings.pulumi.catalog``) and calls it
with the settings, which carry every credential and endpoint the programs use.

==========  ======  ==============================================================
component   tier    program
==========  ======  ==============================================================
infra       silo    ``stacks.infra.silo``: dedicated key, bucket, table, queues, role
infra       pooled  ``stacks.infra.pooled``: prefix/partition of the platform's data
infra       bridge  ``stacks.infra.bridge``: dedicated data, shared compute
app         any     ``stacks.app``: own Lambda (silo) or a route on the shared one
idp         any     ``stacks.idp``: Auth0 organization or Keycloak realm
(platform)          ``stacks.platform``: the shared stack ``platform-shared``
==========  ======  ==============================================================
"""

from __future__ import annotations

from pulumi.automation import PulumiFn

from engine.core.models import Component, TenantSpec, Tier
from engine.core.settings import Settings
from engine.pulumi import ProgramCatalog

from .app import app_program
from .common import StackContext
from .idp import idp_adopters, idp_program
from .infra import bridge_program, pooled_program, silo_program
from .platform import platform_program

__all__ = ["CATALOG_NAME", "build_catalog"]

CATALOG_NAME = "aws"


def build_catalog(settings: Settings) -> ProgramCatalog:
    """The catalog of real programs, with providers configured from ``settings``."""
    ctx = StackContext.from_settings(settings)
    catalog = ProgramCatalog(name=CATALOG_NAME)

    def platform() -> PulumiFn:
        return platform_program(ctx)

    def silo(spec: TenantSpec) -> PulumiFn:
        return silo_program(ctx, spec)

    def pooled(spec: TenantSpec) -> PulumiFn:
        return pooled_program(ctx, spec)

    def bridge(spec: TenantSpec) -> PulumiFn:
        return bridge_program(ctx, spec)

    def app(spec: TenantSpec) -> PulumiFn:
        return app_program(ctx, spec)

    def idp(spec: TenantSpec) -> PulumiFn:
        return idp_program(ctx, spec)

    catalog.platform = platform
    catalog.register(Component.INFRA, Tier.SILO, silo)
    catalog.register(Component.INFRA, Tier.POOLED, pooled)
    catalog.register(Component.INFRA, Tier.BRIDGE, bridge)
    catalog.register(Component.APP, None, app)
    catalog.register(Component.IDP, None, idp)
    catalog.adopters.update(idp_adopters(settings.keycloak))
    return catalog
