"""IdP programs: Auth0 organization and Keycloak realm per tenant, secrets kept secret."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from pydantic import SecretStr

from engine.core.errors import ConfigurationError, ValidationError
from engine.core.models import IdpConfig, IdpProvider
from engine.core.settings import KeycloakSettings
from stacks.common import StackContext
from stacks.idp import idp_program

from .factories import AUTH0_DOMAIN, KEYCLOAK_URL, make_settings, make_spec
from .graph_checks import assert_explicit_provider, assert_inventory_matches_graph

AUTH0 = IdpConfig(provider=IdpProvider.AUTH0, display_name="Acme Portal")
KEYCLOAK = IdpConfig(provider=IdpProvider.KEYCLOAK)


@pytest.fixture(scope="module")
def auth0_run(ctx, run):
    return run(idp_program(ctx, make_spec(idp=AUTH0)), stack="acme-idp")


@pytest.fixture(scope="module")
def keycloak_run(ctx, run):
    return run(idp_program(ctx, make_spec(idp=KEYCLOAK)), stack="acme-idp")


def test_auth0_graph(auth0_run):
    kinds = sorted(r.type.split(":")[-1] for r in auth0_run.cloud())
    assert kinds == sorted(
        [
            "Organization",
            "Client",
            "ClientCredentials",
            "Connection",
            "ConnectionClient",
            "OrganizationConnection",
            "User",
            "Role",
            "OrganizationMember",
            "OrganizationMemberRoles",
        ]
    )
    assert_explicit_provider(auth0_run, "auth0")
    assert_inventory_matches_graph(auth0_run)


def test_auth0_organization_app_and_connection(auth0_run):
    org = auth0_run.one("auth0:index/organization:Organization")
    assert org["name"] == "tenant-acme"
    assert org["displayName"] == "Acme Portal"
    client = auth0_run.one("auth0:index/client:Client")
    assert client["name"] == "tenant-acme-app"
    assert client["organizationUsage"] == "require"
    assert client["callbacks"] == ["https://acme.example.com/callback"]
    assert client["grantTypes"] == ["authorization_code", "refresh_token"]
    assert (
        auth0_run.one("auth0:index/clientCredentials:ClientCredentials")["authenticationMethod"]
        == "client_secret_post"
    )
    connection = auth0_run.one("auth0:index/connection:Connection")
    assert connection["strategy"] == "auth0"
    assert connection["options"]["disableSignup"] is True
    assert connection["options"]["bruteForceProtection"] is True
    enabled = auth0_run.one("auth0:index/organizationConnection:OrganizationConnection")
    assert enabled["organizationId"] == auth0_run.outputs["organization_id"]


def test_auth0_admin_is_the_primary_contact_with_the_admin_role(auth0_run):
    user = auth0_run.one("auth0:index/user:User")
    assert user["email"] == "ada@acme.example.com"  # the primary contact, not the first
    assert user["givenName"] == "Ada"
    assert user["verifyEmail"] is True and user["emailVerified"] is False
    assert "password" in user.secret_inputs
    assert user.ignore_changes == ["password"]
    role = auth0_run.one("auth0:index/role:Role")
    assert role["name"] == "tenant-acme-admin"
    member = auth0_run.one("auth0:index/organizationMember:OrganizationMember")
    assert member["userId"] == auth0_run.outputs["admin_user_id"]
    roles = auth0_run.one("auth0:index/organizationMemberRoles:OrganizationMemberRoles")
    assert roles["roles"] == [auth0_run.outputs["admin_role_id"]]


def test_auth0_outputs_and_secrets(auth0_run):
    out = auth0_run.outputs
    assert out["organization_id"].startswith("org_")
    assert out["admin_user_id"].startswith("auth0|")
    assert out["issuer_url"] == f"https://{AUTH0_DOMAIN}/"
    query = parse_qs(urlparse(out["login_url"]).query)
    assert query["client_id"] == [out["client_id"]]
    assert query["organization"] == [out["organization_id"]]
    assert auth0_run.secret_outputs == {"client_secret"}
    (provider,) = auth0_run.of_type("pulumi:providers:auth0")
    assert provider["domain"] == AUTH0_DOMAIN
    assert "clientSecret" in provider.secret_inputs


def test_keycloak_graph_realm_and_client(keycloak_run):
    kinds = sorted(r.type.split(":")[-1] for r in keycloak_run.cloud())
    assert kinds == sorted(["Realm", "Role", "Role", "Client", "User", "UserRoles"])
    assert_explicit_provider(keycloak_run, "keycloak")
    assert_inventory_matches_graph(keycloak_run)
    realm = keycloak_run.one("keycloak:index/realm:Realm")
    assert realm["realm"] == "tenant-acme"
    assert realm["registrationAllowed"] is False
    assert realm["verifyEmail"] is True
    assert realm["sslRequired"] == "external"
    assert "length(12)" in realm["passwordPolicy"]
    client = keycloak_run.one("keycloak:openid/client:Client")
    assert client["clientId"] == "tenant-acme-app"
    assert client["accessType"] == "CONFIDENTIAL"
    assert client["pkceCodeChallengeMethod"] == "S256"
    assert client["validRedirectUris"] == ["https://acme.example.com/*"]
    assert client["implicitFlowEnabled"] is False
    roles = {r["name"] for r in keycloak_run.of_type("keycloak:index/role:Role")}
    assert roles == {"admin", "user"}


def test_keycloak_admin_must_verify_email_and_set_a_password(keycloak_run):
    user = keycloak_run.one("keycloak:index/user:User")
    assert user["email"] == "ada@acme.example.com"
    assert set(user["requiredActions"]) == {"VERIFY_EMAIL", "UPDATE_PASSWORD"}
    assert user["initialPassword"]["temporary"] is True
    assert "initialPassword" in user.secret_inputs
    assert user.ignore_changes == ["initialPassword"]
    user_roles = keycloak_run.one("keycloak:index/userRoles:UserRoles")
    assert user_roles["exhaustive"] is False
    assert len(user_roles["roleIds"]) == 2


def test_keycloak_outputs_and_secrets(keycloak_run):
    out = keycloak_run.outputs
    assert out["organization_id"] == "tenant-acme"
    assert out["client_id"] == "tenant-acme-app"
    assert out["issuer_url"] == f"{KEYCLOAK_URL}/realms/tenant-acme"
    assert out["login_url"].startswith(
        f"{KEYCLOAK_URL}/realms/tenant-acme/protocol/openid-connect/auth?"
    )
    assert out["admin_user_id"]
    assert keycloak_run.secret_outputs == {"client_secret"}
    (provider,) = keycloak_run.of_type("pulumi:providers:keycloak")
    assert provider["url"] == KEYCLOAK_URL
    assert "password" in provider.secret_inputs


def test_idp_needs_a_provider_and_a_contact(ctx):
    with pytest.raises(ValidationError, match="idp"):
        idp_program(ctx, make_spec(idp=None))
    with pytest.raises(ValidationError, match="contacts"):
        idp_program(ctx, make_spec(idp=KEYCLOAK, contacts=()))


def test_idp_needs_provider_settings():
    bare = StackContext.from_settings(
        make_settings().model_copy(
            update={
                "auth0": make_settings().auth0.model_copy(update={"client_secret": None}),
                "keycloak": KeycloakSettings(url=None),
            }
        )
    )
    with pytest.raises(ConfigurationError, match="AUTH0"):
        idp_program(bare, make_spec(idp=AUTH0))
    with pytest.raises(ConfigurationError, match="KEYCLOAK__URL"):
        idp_program(bare, make_spec(idp=KEYCLOAK))
    no_credentials = StackContext.from_settings(
        make_settings().model_copy(
            update={
                "keycloak": KeycloakSettings(url=KEYCLOAK_URL, username="admin"),
            }
        )
    )
    with pytest.raises(ConfigurationError, match="PASSWORD"):
        idp_program(no_credentials, make_spec(idp=KEYCLOAK))


def test_keycloak_client_credentials_grant_is_supported(run):
    settings = make_settings().model_copy(
        update={
            "keycloak": KeycloakSettings(
                url=KEYCLOAK_URL,
                client_id="tenant-engine",
                client_secret=SecretStr("kc-client-secret"),
            ),
        }
    )
    result = run(idp_program(StackContext.from_settings(settings), make_spec(idp=KEYCLOAK)))
    (provider,) = result.of_type("pulumi:providers:keycloak")
    assert provider["clientId"] == "tenant-engine"
    assert "clientSecret" in provider.secret_inputs
    assert "password" not in provider.inputs


def test_keycloak_provider_waits_long_enough_for_realm_creation(keycloak_run):
    """The provider's own 5 s timed out creating a realm on a 2-core machine."""
    (provider,) = keycloak_run.of_type("pulumi:providers:keycloak")
    assert provider["clientTimeout"] == "60"  # TENANT_KEYCLOAK__CLIENT_TIMEOUT
