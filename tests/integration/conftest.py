"""Integration fixtures: the real engine and provider plugins against LocalStack (and Keycloak).

These tests run only where the provider plugin is installed and an endpoint is given; on our
own machines the plugins cannot be downloaded, so they skip and say why. CI runs them with
LocalStack and Keycloak containers (``.github/workflows/integration.yml``).

Environment (read once, when the first test needs it):

``AWS_ENDPOINT_URL``             LocalStack, e.g. ``http://localhost:4566``
``AWS_DEFAULT_REGION``           default ``us-east-1``
``KEYCLOAK_URL``                 Keycloak, e.g. ``http://localhost:8080`` (admin realm ``master``);
                                 unset: the Keycloak distribution from Maven Central is
                                 fetched (``tools/keycloak/fetch.sh``) and started locally
``KEYCLOAK_ADMIN`` / ``KEYCLOAK_ADMIN_PASSWORD``   default ``admin`` / ``admin``
``PULUMI_HOME``                  where plugins are installed, default ``~/.pulumi``
``INTEGRATION_REQUIRED=1``       fail instead of skipping (CI, where everything must be there)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from engine.core.settings import AwsSettings, KeycloakSettings, PulumiSettings, Settings
from tests.support.keycloak import KeycloakServer, fetch_keycloak, running_keycloak

REPO = Path(__file__).resolve().parents[2]

PASSPHRASE = "integration-passphrase-not-secret"


def plugin_missing(package: str, name: str) -> str | None:
    """Why the ``name`` resource plugin matching the installed SDK is unusable, or None."""
    wanted = version(package)
    home = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    if (home / "plugins" / f"resource-{name}-v{wanted}").is_dir():
        return None
    return (
        f"the Pulumi {name} provider plugin v{wanted} is not installed in {home}/plugins "
        f"(`pulumi plugin install resource {name} {wanted}` needs internet access)"
    )


def cli_missing() -> str | None:
    from engine.core.errors import ConfigurationError
    from engine.pulumi._command import find_pulumi

    try:
        find_pulumi(None)
    except ConfigurationError as exc:
        return str(exc)
    return None


def _require(environment: dict[str, str], *reasons: str | None) -> None:
    for reason in reasons:
        if reason and environment.get("INTEGRATION_REQUIRED") == "1":
            pytest.fail(f"integration prerequisite missing: {reason}")
        if reason:
            pytest.skip(reason)


@pytest.fixture(scope="session")
def environment() -> dict[str, str]:
    # Session scope: read before the suite's autouse fixture clears PULUMI_*/TENANT_*.
    return dict(os.environ)


@pytest.fixture(scope="session")
def localstack(environment: dict[str, str]) -> str:
    _require(environment, plugin_missing("pulumi_aws", "aws"), cli_missing())
    endpoint = environment.get("AWS_ENDPOINT_URL") or environment.get("TENANT_AWS__ENDPOINT_URL")
    _require(environment, None if endpoint else "no LocalStack endpoint: set AWS_ENDPOINT_URL")
    assert endpoint is not None
    return endpoint


@pytest.fixture(scope="session")
def keycloak_url(keycloak: KeycloakServer) -> str:
    return keycloak.base_url


@pytest.fixture(scope="session")
def keycloak_plugin(environment: dict[str, str]) -> None:
    """The keycloak provider plugin and the Pulumi CLI are here (else skip, saying why)."""
    _require(environment, plugin_missing("pulumi_keycloak", "keycloak"), cli_missing())


@pytest.fixture(scope="session")
def keycloak(
    environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory, keycloak_plugin: None
) -> Iterator[KeycloakServer]:
    """The session's Keycloak (``KEYCLOAK_URL`` if given, else one started here)."""
    url = environment.get("KEYCLOAK_URL")
    if url:
        yield KeycloakServer(
            base_url=url.rstrip("/"),
            management_url="",
            admin_username=environment.get("KEYCLOAK_ADMIN", "admin"),
            admin_password=environment.get("KEYCLOAK_ADMIN_PASSWORD", "admin"),
            log_path=Path(os.devnull),
            pid=0,
        )
        return
    # No server given: run the distribution from Maven Central with the machine's JDK.
    install = fetch_keycloak(REPO / ".tools" / "keycloak")
    admin = environment.get("KEYCLOAK_ADMIN", "admin")
    password = environment.get("KEYCLOAK_ADMIN_PASSWORD", "admin")
    with running_keycloak(
        install,
        tmp_path_factory.mktemp("keycloak"),
        admin_username=admin,
        admin_password=password,
    ) as server:
        yield server


@pytest.fixture(scope="session")
def integration_settings(
    tmp_path_factory: pytest.TempPathFactory, environment: dict[str, str]
) -> Callable[..., Settings]:
    state_dir = tmp_path_factory.mktemp("integration-state")
    home = environment.get("PULUMI_HOME")

    def _settings(endpoint: str | None = None, keycloak: str | None = None) -> Settings:
        return Settings(
            _env_file=None,
            pulumi=PulumiSettings(
                state_dir=state_dir,
                passphrase=SecretStr(PASSPHRASE),
                home=Path(home) if home else None,
            ),
            aws=AwsSettings(
                region=environment.get("AWS_DEFAULT_REGION", "us-east-1"),
                endpoint_url=endpoint,
                access_key_id="test",
                secret_access_key=SecretStr("test"),
            ),
            keycloak=KeycloakSettings(
                url=keycloak,
                username=environment.get("KEYCLOAK_ADMIN", "admin"),
                password=SecretStr(environment.get("KEYCLOAK_ADMIN_PASSWORD", "admin")),
            ),
        )

    return _settings


@pytest.fixture(scope="session")
def run_id() -> str:
    """Makes tenant keys unique per run, so reruns against one LocalStack do not collide."""
    return uuid.uuid4().hex[:6]


@pytest.fixture(scope="session")
def boto(localstack: str, environment: dict[str, str]) -> Callable[[str], Any]:
    import boto3

    def _client(service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=localstack,
            region_name=environment.get("AWS_DEFAULT_REGION", "us-east-1"),
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    return _client
