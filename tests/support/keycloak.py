"""A real Keycloak for tests: the launcher ``tenantctl dev --keycloak`` uses (engine.cli)."""

import json
import urllib.request
from typing import Any

from engine.cli.keycloak import (
    DEFAULT_JAVA_HOMES,
    KeycloakServer,
    KeycloakStartError,
    fetch_keycloak,
    find_java_home,
    running_keycloak,
)

__all__ = [
    "DEFAULT_JAVA_HOMES",
    "KeycloakServer",
    "KeycloakStartError",
    "fetch_keycloak",
    "find_java_home",
    "oidc_discovery",
    "running_keycloak",
]


def oidc_discovery(issuer: str) -> dict[str, Any]:
    """The realm's OpenID discovery document, as any OIDC client would read it."""
    with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration") as response:
        found: dict[str, Any] = json.load(response)
    return found
