"""Settings and tenant specs for the stack program tests (no environment is read)."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from engine.core.models import Contact, IdpConfig, IdpProvider, TenantSpec, Tier
from engine.core.settings import (
    Auth0Settings,
    AwsSettings,
    KeycloakSettings,
    PulumiSettings,
    Settings,
)
from engine.pulumi._naming import PLATFORM_STACK

from .stack_harness import REGION

PLATFORM_REF = f"organization/tenants/{PLATFORM_STACK}"
AUTH0_DOMAIN = "tenants-dev.eu.auth0.com"
KEYCLOAK_URL = "https://sso.example.com"


def make_settings(endpoint_url: str | None = None) -> Settings:
    return Settings(
        _env_file=None,
        pulumi=PulumiSettings(project_name="tenants"),
        aws=AwsSettings(
            region=REGION,
            endpoint_url=endpoint_url,
            access_key_id="AKIAEXAMPLE",
            secret_access_key=SecretStr("aws-secret-key"),
        ),
        auth0=Auth0Settings(
            domain=AUTH0_DOMAIN, client_id="mgmt-client", client_secret=SecretStr("mgmt-secret")
        ),
        keycloak=KeycloakSettings(
            url=KEYCLOAK_URL, username="admin", password=SecretStr("kc-admin-password")
        ),
    )


def make_spec(tier: Tier | str = Tier.SILO, key: str = "acme", **overrides: Any) -> TenantSpec:
    values: dict[str, Any] = {
        "tenant_id": f"tid-{key}",
        "tenant_key": key,
        "tenant_name": f"{key.title()} Inc",
        "tier": Tier(tier),
        "domains": (f"{key}.example.com",),
        "contacts": (
            Contact(email=f"ops@{key}.example.com", first_name="Olga", last_name="Ops"),
            Contact(
                email=f"ada@{key}.example.com",
                first_name="Ada",
                last_name="Admin",
                is_primary=True,
            ),
        ),
        "idp": IdpConfig(provider=IdpProvider.AUTH0),
        "plan_id": "plan-basic",
        "app_version": "1.0.0",
    }
    values.update(overrides)
    return TenantSpec(**values)
