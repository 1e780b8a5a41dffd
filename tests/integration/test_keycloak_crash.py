"""A worker SIGKILLed while it creates a tenant's Keycloak realm: the next one converges."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from engine.core.contracts import ProvisionTenantResult
from engine.temporal._client import TenantClient
from tests.conftest import make_settings
from tests.e2e.conftest import fast_policies, provision_input
from tests.e2e.test_worker_process import _worker_env, worker_process
from tests.support.keycloak import KeycloakServer
from tests.support.processes import kill_group_and_wait, kill_processes_under

pytestmark = pytest.mark.integration


def _realms(keycloak: KeycloakServer, name: str) -> int:
    status, realms = keycloak.admin_request("GET", "/admin/realms")
    assert status == 200
    return sum(1 for realm in realms if realm["realm"] == name)


def _exists(keycloak: KeycloakServer, path: str) -> bool:
    status, _ = keycloak.admin_request("GET", path)
    return status == 200


async def test_a_worker_killed_during_realm_creation_converges_with_one_realm(
    tmp_path: Path, temporal_env: WorkflowEnvironment, keycloak: KeycloakServer
) -> None:
    # Killed (SIGKILL, the whole process group) the moment Keycloak has the realm's admin
    # role: the realm and the role exist, what Pulumi recorded of them is a matter of
    # milliseconds. The other worker's retry must adopt what exists (a plain create again
    # fails with "409 Conflict ... already exists") and finish the tenant.
    address = temporal_env.client.service_client.config.target_host
    queue = f"kc-crash-{uuid.uuid4().hex[:8]}"
    env = {
        **_worker_env(tmp_path, address, queue),
        "TENANT_PULUMI__CATALOG": "stacks.local:local_catalog_with_idp",
        "TENANT_KEYCLOAK__URL": keycloak.base_url,
        "TENANT_KEYCLOAK__USERNAME": keycloak.admin_username,
        "TENANT_KEYCLOAK__PASSWORD": keycloak.admin_password,
    }
    settings = make_settings(tmp_path / "state")
    settings.temporal.task_queue = queue
    fast_policies(settings)
    settings.worker.idp.maximum_attempts = 3
    client = TenantClient(temporal_env.client, settings)
    key = f"kcx-{uuid.uuid4().hex[:6]}"
    realm = f"tenant-{key}"
    tid = f"t-{uuid.uuid4().hex[:8]}"

    with worker_process(env, tmp_path / "worker1.log") as first:
        await client.provision(provision_input(tid, key, idp={"provider": "keycloak"}))
        deadline = time.monotonic() + 180
        while not _exists(keycloak, f"/admin/realms/{realm}/roles/admin"):
            assert first.poll() is None, (tmp_path / "worker1.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the realm's role never appeared"
            await asyncio.sleep(0.02)
        kill_group_and_wait(first.pid)
        first.wait(30)
        kill_processes_under(tmp_path / "state")

    with worker_process(env, tmp_path / "worker2.log"):
        result = await asyncio.wait_for(client.result("provision", tid), 300)

    log = (tmp_path / "worker2.log").read_text()
    assert isinstance(result, ProvisionTenantResult) and result.success, (result, log[-3000:])
    assert _realms(keycloak, realm) == 1
    # Exactly the desired objects: one client, one admin user holding the admin role.
    status, clients = keycloak.admin_request(
        "GET", f"/admin/realms/{realm}/clients?clientId={realm}-app"
    )
    assert status == 200 and len(clients) == 1
    status, users = keycloak.admin_request("GET", f"/admin/realms/{realm}/users")
    assert (
        status == 200 and len(users) == 1 and users[0]["username"].endswith(f"@{key}.example.com")
    )
    status, roles = keycloak.admin_request(
        "GET", f"/admin/realms/{realm}/users/{users[0]['id']}/role-mappings/realm"
    )
    assert status == 200 and {"admin", "user"} <= {r["name"] for r in roles}
