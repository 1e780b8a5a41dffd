"""``tenantctl dev --keycloak``: a new user sees a real realm appear from one command."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.cli.conftest import clean_env, finish, start
from tests.cli.test_dev import _free_ports, _processes_using, _wait_serving
from tests.support.keycloak import oidc_discovery

pytestmark = pytest.mark.integration


async def test_dev_keycloak_makes_a_real_realm_for_a_tenant(
    tmp_path: Path, keycloak_plugin: None
) -> None:
    temporal_port, ui_port, api_port = _free_ports(3)
    state = tmp_path / "state"
    api = f"127.0.0.1:{api_port}"
    dev = await start(
        "dev", "--keycloak", "--state-dir", str(state), "--temporal-port", str(temporal_port),
        "--ui-port", str(ui_port), "--api-listen", api,
        env=clean_env(TENANT_WORKER__HEALTH_LISTEN=""), cwd=tmp_path,
    )  # fmt: skip
    try:
        await _wait_serving(api, within=300)
        provision = await finish(
            await start(
                "--api", api, "provision", "kcdev", "--tier", "silo", "--idp", "keycloak",
                "--email", "ops@kcdev.example.com", env=clean_env(), cwd=tmp_path,
            ),
            within=300,
        )  # fmt: skip
        assert provision.code == 0, provision.err
        # The realm is real: its OIDC discovery answers from dev's Keycloak.
        kc_log = (state / "keycloak" / "keycloak.log").read_text()
        [port] = {
            line.split("--http-port=")[1].split()[0]
            for line in kc_log.splitlines()
            if "--http-port=" in line
        }
        issuer = f"http://127.0.0.1:{port}/realms/tenant-kcdev"
        assert oidc_discovery(issuer)["issuer"] == issuer
        # Infra and app stayed local.
        assert (state / "local-resources" / "kcdev" / "app" / "0.json").exists()
        assert not (state / "local-resources" / "kcdev" / "idp").exists()
    finally:
        if dev.returncode is None:
            dev.send_signal(signal.SIGINT)
    result = await finish(dev, within=120)

    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert "Keycloak admin console" in result.out
    assert _processes_using(state / "keycloak") == []  # stopped with dev
    assert (state / "keycloak-admin-password").stat().st_mode & 0o077 == 0
