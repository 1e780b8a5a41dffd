"""Keycloak IdP program: a realm per tenant, with its client, roles and first admin.

- Realm ``tenant-<key>``: sign-up off (users are invited), login by email, verified emails,
  a password policy, brute-force detection, TLS required for external requests.
- Realm roles ``admin`` and ``user``.
- A confidential OpenID Connect client for the tenant's app (authorization code with
  PKCE only); its secret is exported as a Pulumi secret.
- The admin user from the tenant's primary contact, with a temporary random password and
  the required actions to verify the email and set a password at first login.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pulumi
import pulumi_keycloak as keycloak
from pulumi.automation import PulumiFn

from engine.core.models import TenantSpec

from ..common import Inventory, StackContext, tenant_idp_name, tenant_name
from ..common.credentials import initial_secret
from .common import admin_contact, app_urls, display_name

__all__ = ["ADMIN_REQUIRED_ACTIONS", "PASSWORD_POLICY", "keycloak_program"]

ADMIN_REQUIRED_ACTIONS = ["VERIFY_EMAIL", "UPDATE_PASSWORD"]
PASSWORD_POLICY = (
    "length(12) and upperCase(1) and lowerCase(1) and digits(1) and notUsername "
    "and notEmail and passwordHistory(5)"
)


def keycloak_program(ctx: StackContext, spec: TenantSpec) -> PulumiFn:
    ctx.check_keycloak()
    admin = admin_contact(spec)
    urls = app_urls(spec)
    realm_name = tenant_idp_name(spec.tenant_key)
    client_id = tenant_name(spec.tenant_key, "app")
    base_url = (ctx.keycloak.url or "").rstrip("/")
    issuer = f"{base_url}/realms/{realm_name}"

    def run() -> None:
        provider = ctx.keycloak_provider()
        opts = pulumi.ResourceOptions(provider=provider)
        inventory = Inventory()
        title = display_name(spec)

        realm = keycloak.Realm(
            "realm",
            realm=realm_name,
            display_name=title,
            enabled=True,
            registration_allowed=False,
            login_with_email_allowed=True,
            duplicate_emails_allowed=False,
            verify_email=True,
            reset_password_allowed=True,
            remember_me=False,
            ssl_required="external",
            password_policy=PASSWORD_POLICY,
            security_defenses=keycloak.RealmSecurityDefensesArgs(
                brute_force_detection=keycloak.RealmSecurityDefensesBruteForceDetectionArgs(
                    permanent_lockout=False,
                    max_login_failures=10,
                    wait_increment_seconds=60,
                    max_failure_wait_seconds=900,
                    failure_reset_time_seconds=43200,
                ),
            ),
            attributes={"tenant_id": spec.tenant_id, "tier": spec.tier.value},
            opts=opts,
        )
        admin_role = keycloak.Role(
            "admin-role",
            realm_id=realm.id,
            name="admin",
            description=f"Administrators of {title}",
            opts=opts,
        )
        user_role = keycloak.Role(
            "user-role",
            realm_id=realm.id,
            name="user",
            description=f"Users of {title}",
            opts=opts,
        )
        client = keycloak.openid.Client(
            "app-client",
            realm_id=realm.id,
            client_id=client_id,
            name=title,
            enabled=True,
            access_type="CONFIDENTIAL",
            standard_flow_enabled=True,
            implicit_flow_enabled=False,
            direct_access_grants_enabled=False,
            service_accounts_enabled=False,
            pkce_code_challenge_method="S256",
            root_url=urls.origins[0],
            valid_redirect_uris=urls.redirect_patterns,
            valid_post_logout_redirect_uris=urls.redirect_patterns,
            web_origins=urls.origins,
            opts=opts,
        )
        user = keycloak.User(
            "admin-user",
            realm_id=realm.id,
            username=str(admin.email).lower(),
            email=str(admin.email),
            # Keycloak's user profile requires both names; fall back to something readable.
            first_name=admin.first_name or str(admin.email).split("@")[0],
            last_name=admin.last_name or title,
            enabled=True,
            email_verified=False,
            required_actions=ADMIN_REQUIRED_ACTIONS,
            initial_password=keycloak.UserInitialPasswordArgs(
                value=initial_secret(), temporary=True
            ),
            opts=pulumi.ResourceOptions(provider=provider, ignore_changes=["initial_password"]),
        )
        roles = keycloak.UserRoles(
            "admin-user-roles",
            realm_id=realm.id,
            user_id=user.id,
            role_ids=[admin_role.id, user_role.id],
            # Keep the realm's default roles that Keycloak gives every user.
            exhaustive=False,
            opts=opts,
        )
        for resource in (realm, admin_role, user_role, client, user, roles):
            inventory.add(resource)

        query = urlencode(
            {
                "client_id": client_id,
                "response_type": "code",
                "scope": "openid",
                "redirect_uri": urls.callbacks[0],
            }
        )
        outputs: dict[str, pulumi.Input[Any]] = {
            "provider": "keycloak",
            "organization_id": realm.id,
            "realm": realm.realm,
            "client_id": client.client_id,
            "client_secret": pulumi.Output.secret(client.client_secret),
            "admin_user_id": user.id,
            "admin_role_id": admin_role.id,
            "issuer_url": issuer,
            "login_url": f"{issuer}/protocol/openid-connect/auth?{query}",
            "account_url": f"{issuer}/account",
        }
        for name, value in outputs.items():
            pulumi.export(name, value)
        inventory.export()

    return run
