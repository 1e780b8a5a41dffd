"""The Keycloak IdP program, run through the engine with the real provider, against Keycloak."""

from __future__ import annotations

import json
import urllib.request

import pytest

from engine.core.models import Component, Contact, IdpConfig, IdpProvider, TenantSpec, Tier
from engine.pulumi import PulumiRunner
from stacks.catalog import build_catalog

pytestmark = pytest.mark.integration


def test_realm_client_and_admin(keycloak_url, integration_settings, run_id):
    settings = integration_settings(keycloak=keycloak_url)
    engine = PulumiRunner(settings, build_catalog(settings))
    key = f"it-kc-{run_id}"
    tenant = TenantSpec(
        tenant_id=f"it-{key}",
        tenant_key=key,
        tenant_name="Keycloak Integration",
        tier=Tier.POOLED,
        contacts=(Contact(email=f"admin@{key}.example.com", first_name="Ada", last_name="A"),),
        idp=IdpConfig(provider=IdpProvider.KEYCLOAK),
    )
    result = engine.up(tenant, Component.IDP)
    outputs = result.outputs
    assert outputs["organization_id"] == f"tenant-{key}"
    assert outputs["client_id"] == f"tenant-{key}-app"
    # A secret output keeps its name but not its value; the result says which are secret.
    assert outputs["client_secret"] == "[secret]"
    assert "client_secret" in result.secret_outputs
    with urllib.request.urlopen(f"{outputs['issuer_url']}/.well-known/openid-configuration") as r:
        assert json.load(r)["issuer"] == outputs["issuer_url"]
    engine.destroy(key, Component.IDP, remove=True)
