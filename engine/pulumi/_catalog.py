"""The program catalog: which Pulumi program builds a (component, tier) of a tenant.

A program factory is a closure over a typed spec, ``def build(spec: TenantSpec) -> PulumiFn``.
The default catalog (``stacks.catalog:build_catalog``) holds the real AWS/IdP programs;
tests and users register their own, and ``Settings.pulumi.catalog`` names the one to run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pulumi.automation import PulumiFn

from engine.core.errors import CatalogError, ConfigurationError
from engine.core.models import Component, TenantSpec, Tier

if TYPE_CHECKING:
    from engine.core.settings import Settings

__all__ = ["Adopter", "ProgramCatalog", "ProgramFactory", "load_catalog"]

ProgramFactory = Callable[[TenantSpec], PulumiFn]

# Finds a resource that a killed run asked its provider to create but never recorded:
# given the resource's type token and the inputs of its pending create, the provider's
# ID of the resource that exists (as Pulumi records it), or None when it does not exist
# (then the next ``up`` creates it). Keyed in the catalog by the provider package (``"keycloak"``).
Adopter = Callable[[str, Mapping[str, Any]], str | None]


@dataclass
class ProgramCatalog:
    """Programs keyed by (component, tier); a tier of ``None`` serves every tier."""

    name: str
    # The shared platform program (resources pooled and bridge tenants share), run as the
    # stack ``engine.naming.PLATFORM_STACK``; None when the catalog needs no shared stack.
    platform: Callable[[], PulumiFn] | None = None
    # Per provider package, how to find what an interrupted create left behind (see
    # Adopter). Packages without one get their interrupted creates dropped and created
    # again, which suits programs with create-or-adopt semantics (the local provider).
    adopters: dict[str, Adopter] = field(default_factory=dict, repr=False)
    _programs: dict[tuple[Component, Tier | None], ProgramFactory] = field(
        default_factory=dict, repr=False
    )

    def register(
        self, component: Component, tier: Tier | None, factory: ProgramFactory
    ) -> ProgramFactory:
        """Register (or replace) the program for ``component`` and ``tier``."""
        self._programs[(Component(component), Tier(tier) if tier else None)] = factory
        return factory

    def program(self, component: Component, tier: Tier) -> ProgramFactory:
        """The factory for (component, tier), falling back to the any-tier entry."""
        factory = self._programs.get((component, tier)) or self._programs.get((component, None))
        if factory is None:
            raise CatalogError(
                f"catalog {self.name!r} has no program for component {component.value!r} "
                f"and tier {tier.value!r}"
            )
        return factory

    def build(self, spec: TenantSpec, component: Component) -> PulumiFn:
        """The program for one tenant component."""
        return self.program(component, spec.tier)(spec)

    def adopt(self, type_token: str, inputs: Mapping[str, Any]) -> str | None:
        """The provider ID of what an interrupted create of ``type_token`` made, if anything."""
        adopter = self.adopters.get(type_token.split(":", 1)[0])
        return adopter(type_token, inputs) if adopter is not None else None

    def __iter__(self) -> Iterator[tuple[Component, Tier | None]]:
        return iter(self._programs)


def load_catalog(ref: str, settings: Settings) -> ProgramCatalog:
    """Import ``"package.module:attribute"`` and return the ProgramCatalog it names.

    The attribute may be a catalog or a callable taking the Settings and returning one
    (programs get provider credentials and endpoints from settings that way).
    """
    module_name, sep, attr = ref.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigurationError(f"catalog reference {ref!r} is not 'module:attribute'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"cannot import catalog module {module_name!r}: {exc}") from exc
    try:
        obj = getattr(module, attr)
    except AttributeError:
        raise ConfigurationError(f"module {module_name!r} has no attribute {attr!r}") from None
    if callable(obj) and not isinstance(obj, ProgramCatalog):
        obj = obj(settings)
    if not isinstance(obj, ProgramCatalog):
        raise ConfigurationError(f"{ref!r} is not a ProgramCatalog")
    return obj
