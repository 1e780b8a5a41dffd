"""A tenant's Keycloak realm through the worker and the workflows, against a real Keycloak.

The IdP component runs the real Keycloak program with the real provider plugin; infra and
app stay local (``stacks.local:local_catalog_with_idp``, what ``tenantctl dev --catalog
local+idp`` runs). Everything is checked through Keycloak's own admin REST API and the
realm's OIDC discovery document, never through the engine's view of it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from engine.core.contracts import (
    DeprovisionTenantInput,
    DeprovisionTenantResult,
    ProvisionTenantResult,
    ReconcileTenantInput,
    ReconcileTenantResult,
)
from engine.core.models import TenantStatus
from engine.core.settings import KeycloakSettings, Settings
from tests.e2e.conftest import Stack, provision_input, running_stack
from tests.support.keycloak import KeycloakServer, oidc_discovery

pytestmark = pytest.mark.integration


@pytest.fixture
async def kc_stack(
    tmp_path: Path, temporal_env: WorkflowEnvironment, moto: str, keycloak: KeycloakServer
) -> AsyncIterator[Stack]:
    def configure(settings: Settings) -> None:
        settings.keycloak = KeycloakSettings(
            url=keycloak.base_url,
            username=keycloak.admin_username,
            password=SecretStr(keycloak.admin_password),
        )

    async with running_stack(
        tmp_path,
        temporal_env,
        moto,
        f"sqlite:///{tmp_path / 'registry.db'}",
        configure,
        real_idp=True,
    ) as stack:
        yield stack


def _get(keycloak: KeycloakServer, path: str) -> Any:
    status, body = keycloak.admin_request("GET", path)
    return body if status == 200 else None


def _realm(keycloak: KeycloakServer, key: str) -> dict[str, Any] | None:
    realm: dict[str, Any] | None = _get(keycloak, f"/admin/realms/tenant-{key}")
    return realm


def _usernames(keycloak: KeycloakServer, key: str) -> set[str]:
    return {u["username"] for u in _get(keycloak, f"/admin/realms/tenant-{key}/users") or []}


async def test_a_realm_is_made_converged_renamed_and_removed_by_the_workflows(
    kc_stack: Stack, keycloak: KeycloakServer
) -> None:
    stack = kc_stack
    key = f"wfkc-{uuid.uuid4().hex[:6]}"
    tid = f"t-{uuid.uuid4().hex[:8]}"
    request = provision_input(tid, key, idp={"provider": "keycloak"})

    await stack.client.provision(request)
    made = await stack.client.result("provision", tid)

    assert isinstance(made, ProvisionTenantResult) and made.success, made
    assert made.idp_organization_id == f"tenant-{key}"
    realm = _realm(keycloak, key)
    assert realm is not None and realm["enabled"] and realm["displayName"] == key.title()
    issuer = f"{keycloak.base_url}/realms/tenant-{key}"
    assert oidc_discovery(issuer)["issuer"] == issuer
    [client] = _get(keycloak, f"/admin/realms/tenant-{key}/clients?clientId=tenant-{key}-app")
    assert client["publicClient"] is False
    roles = {r["name"] for r in _get(keycloak, f"/admin/realms/tenant-{key}/roles")}
    assert {"admin", "user"} <= roles
    admin_email = request.contacts[0].email
    assert admin_email in _usernames(keycloak, key) or any(
        u.get("email") == admin_email for u in _get(keycloak, f"/admin/realms/tenant-{key}/users")
    )
    # The customer's own users live in the realm; nothing the engine does may lose them.
    status, _ = keycloak.admin_request(
        "POST",
        f"/admin/realms/tenant-{key}/users",
        {"username": "customer-user", "enabled": True},
    )
    assert status == 201

    # A second run converges with no changes.
    await stack.client.reconcile(ReconcileTenantInput(tenant_id=tid))
    again = await stack.client.result("reconcile", tid)
    assert isinstance(again, ReconcileTenantResult) and again.success, again
    assert set(again.changes["idp"]) == {"same"}, again.changes

    # A new display name updates the realm in place: same realm, the user survives.
    tenant = stack.registry.get(tid)
    stack.registry.upsert_tenant(tenant.spec().model_copy(update={"tenant_name": "Renamed Co"}))
    await stack.client.reconcile(ReconcileTenantInput(tenant_id=tid))
    renamed = await stack.client.result("reconcile", tid)
    assert isinstance(renamed, ReconcileTenantResult) and renamed.success, renamed
    assert renamed.changes["idp"].get("update", 0) >= 1, renamed.changes
    assert not {"create", "delete", "replace"} & set(renamed.changes["idp"]), renamed.changes
    after = _realm(keycloak, key)
    assert after is not None and after["displayName"] == "Renamed Co"
    assert after["id"] == realm["id"]
    assert "customer-user" in _usernames(keycloak, key)

    # Deprovision removes the realm.
    await stack.client.deprovision(DeprovisionTenantInput(tenant_id=tid))
    removed = await stack.client.result("deprovision", tid)
    assert isinstance(removed, DeprovisionTenantResult) and removed.success, removed
    assert _realm(keycloak, key) is None
    assert stack.registry.get(tid).status is TenantStatus.INACTIVE


async def test_a_failure_after_the_realm_was_made_destroys_it(
    kc_stack: Stack, keycloak: KeycloakServer
) -> None:
    stack = kc_stack
    key = f"wfkc-{uuid.uuid4().hex[:6]}"
    tid = f"t-{uuid.uuid4().hex[:8]}"

    await stack.client.provision(
        provision_input(tid, key, idp={"provider": "keycloak"}, parameters={"fail": "app:create"})
    )
    failed = await stack.client.result("provision", tid)

    assert isinstance(failed, ProvisionTenantResult) and not failed.success
    assert [c.value for c in failed.compensated] == ["app", "infra", "idp"]
    assert failed.compensation_failures == []
    assert _realm(keycloak, key) is None
    assert stack.registry.get(tid).status is TenantStatus.PROVISIONFAILED
