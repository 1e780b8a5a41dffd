"""The Keycloak IdP program, run through the engine with the real provider, against Keycloak."""

from __future__ import annotations

import json
import urllib.request

import pytest

from engine.core.models import Component, Contact, IdpConfig, IdpProvider, TenantSpec, Tier
from engine.pulumi import PulumiRunner, stack_name
from stacks.catalog import build_catalog
from tests.support.checkpoint import interrupt_creates

pytestmark = pytest.mark.integration


def _keycloak_tenant(key: str, name: str) -> TenantSpec:
    return TenantSpec(
        tenant_id=f"it-{key}",
        tenant_key=key,
        tenant_name=name,
        tier=Tier.POOLED,
        contacts=(Contact(email=f"admin@{key}.example.com", first_name="Ada", last_name="A"),),
        idp=IdpConfig(provider=IdpProvider.KEYCLOAK),
    )


def test_realm_client_and_admin(keycloak_url, integration_settings, run_id):
    settings = integration_settings(keycloak=keycloak_url)
    engine = PulumiRunner(settings, build_catalog(settings))
    key = f"it-kc-{run_id}"
    tenant = _keycloak_tenant(key, "Keycloak Integration")
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


def test_creates_keycloak_accepted_but_the_killed_run_did_not_record_are_adopted(
    keycloak, integration_settings, run_id
):
    # A worker killed right after Keycloak answered the creates of the realm and of what it
    # holds, before the checkpoint write: a plain retry would fail with "409 Conflict".
    settings = integration_settings(keycloak=keycloak.base_url)
    engine = PulumiRunner(settings, build_catalog(settings))
    key = f"it-kca-{run_id}"
    tenant = _keycloak_tenant(key, "Keycloak Adopt")
    first = engine.up(tenant, Component.IDP).outputs
    names = {"realm", "admin-role", "user-role", "app-client", "admin-user", "admin-user-roles"}
    stack = stack_name(key, Component.IDP)
    interrupt_creates(engine.workspaces.backend_url, engine.project, stack, names)

    again = engine.up(tenant, Component.IDP)

    assert again.recovered is not None
    adopted = {entry.split("::")[-1].split(" = ")[0] for entry in again.recovered.adopted}
    # Role mappings have no key to look up; Keycloak adds them again idempotently.
    assert adopted == names - {"admin-user-roles"}
    # The same realm, role and user as before: adopted, neither duplicated nor replaced.
    assert again.outputs["admin_role_id"] == first["admin_role_id"]
    assert again.outputs["admin_user_id"] == first["admin_user_id"]
    status, realms = keycloak.admin_request("GET", "/admin/realms")
    assert status == 200
    assert [r["realm"] for r in realms].count(f"tenant-{key}") == 1
    status, roles = keycloak.admin_request(
        "GET", f"/admin/realms/tenant-{key}/users/{first['admin_user_id']}/role-mappings/realm"
    )
    assert status == 200 and {"admin", "user"} <= {r["name"] for r in roles}
    assert engine.up(tenant, Component.IDP).changes == {"same": 8}
    engine.destroy(key, Component.IDP, remove=True)
    assert keycloak.admin_request("GET", f"/admin/realms/tenant-{key}")[0] == 404
