"""IdP programs (component ``idp``), dispatched on ``spec.idp.provider``."""

from __future__ import annotations

from pulumi.automation import PulumiFn

from engine.core.errors import ValidationError
from engine.core.models import IdpProvider, TenantSpec
from engine.core.settings import KeycloakSettings
from engine.pulumi import Adopter

from ..common import StackContext
from .auth0 import auth0_program
from .keycloak import keycloak_program
from .keycloak_adopt import keycloak_adopter

__all__ = ["auth0_program", "idp_adopters", "idp_program", "keycloak_adopter", "keycloak_program"]


def idp_program(ctx: StackContext, spec: TenantSpec) -> PulumiFn:
    """The program for the tenant's identity provider; refuses a spec without one."""
    if spec.idp is None:
        raise ValidationError(
            "the tenant has no identity provider configured (idp.provider auth0 or keycloak)",
            field="idp",
        )
    if spec.idp.provider is IdpProvider.AUTH0:
        return auth0_program(ctx, spec)
    if spec.idp.provider is IdpProvider.KEYCLOAK:
        return keycloak_program(ctx, spec)
    raise ValidationError(f"unsupported identity provider {spec.idp.provider!r}", field="idp")


def idp_adopters(settings: KeycloakSettings) -> dict[str, Adopter]:
    """The catalog's adopters for the IdP providers that need one (see ``keycloak_adopt``)."""
    return {"keycloak": keycloak_adopter(settings)} if settings.url else {}
