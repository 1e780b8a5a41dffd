"""Auth0 IdP program: an organization per tenant, with its app, users, admin and role.

- Organization ``tenant-<key>`` (what users pick or are sent to at login).
- A database connection of the tenant's own (sign-up disabled: users are invited), enabled
  for the organization and for the tenant's application only.
- A regular web application that requires an organization at login, with rotating refresh
  tokens; its secret comes from ``ClientCredentials`` and is exported as a Pulumi secret.
- The admin user from the tenant's primary contact, with a random password nobody knows
  (the admin verifies the email and sets a password through the reset flow), made a
  member of the organization with the tenant's admin role.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pulumi
import pulumi_auth0 as auth0
from pulumi.automation import PulumiFn

from engine.core.models import TenantSpec

from ..common import Inventory, StackContext, tenant_idp_name, tenant_name
from ..common.credentials import initial_secret
from .common import admin_contact, app_urls, display_name

__all__ = ["auth0_program"]

_DAY = 24 * 3600


def auth0_program(ctx: StackContext, spec: TenantSpec) -> PulumiFn:
    ctx.check_auth0()
    admin = admin_contact(spec)
    urls = app_urls(spec)
    domain = ctx.auth0.domain

    def run() -> None:
        provider = ctx.auth0_provider()
        opts = pulumi.ResourceOptions(provider=provider)
        inventory = Inventory()
        title = display_name(spec)

        organization = auth0.Organization(
            "organization",
            name=tenant_idp_name(spec.tenant_key),
            display_name=title,
            metadata={"tenant_id": spec.tenant_id, "tier": spec.tier.value},
            opts=opts,
        )
        client = auth0.Client(
            "app-client",
            name=tenant_name(spec.tenant_key, "app"),
            description=f"{title} ({spec.tenant_id})",
            app_type="regular_web",
            oidc_conformant=True,
            grant_types=["authorization_code", "refresh_token"],
            callbacks=urls.callbacks,
            allowed_logout_urls=urls.logout,
            web_origins=urls.origins,
            initiate_login_uri=urls.login,
            cross_origin_auth=False,
            organization_usage="require",
            organization_require_behavior="post_login_prompt",
            jwt_configuration=auth0.ClientJwtConfigurationArgs(alg="RS256"),
            refresh_token=auth0.ClientRefreshTokenArgs(
                rotation_type="rotating",
                expiration_type="expiring",
                token_lifetime=30 * _DAY,
                idle_token_lifetime=7 * _DAY,
                infinite_token_lifetime=False,
                infinite_idle_token_lifetime=False,
            ),
            client_metadata={"tenant_id": spec.tenant_id},
            opts=opts,
        )
        credentials = auth0.ClientCredentials(
            "app-client-credentials",
            client_id=client.client_id,
            authentication_method="client_secret_post",
            opts=opts,
        )
        connection = auth0.Connection(
            "users",
            name=tenant_name(spec.tenant_key, "users"),
            display_name=title,
            strategy="auth0",
            options=auth0.ConnectionOptionsArgs(
                disable_signup=True,
                requires_username=False,
                brute_force_protection=True,
                password_policy="good",
                password_complexity_options=auth0.ConnectionOptionsPasswordComplexityOptionsArgs(
                    min_length=12
                ),
                password_no_personal_info=auth0.ConnectionOptionsPasswordNoPersonalInfoArgs(
                    enable=True
                ),
                password_dictionary=auth0.ConnectionOptionsPasswordDictionaryArgs(enable=True),
            ),
            opts=opts,
        )
        enabled_for_client = auth0.ConnectionClient(
            "users-app-client",
            connection_id=connection.id,
            client_id=client.client_id,
            opts=opts,
        )
        enabled_for_org = auth0.OrganizationConnection(
            "organization-users",
            organization_id=organization.id,
            connection_id=connection.id,
            assign_membership_on_login=False,
            opts=opts,
        )
        full_name = f"{admin.first_name} {admin.last_name}".strip() or str(admin.email)
        user = auth0.User(
            "admin-user",
            connection_name=connection.name,
            email=str(admin.email),
            given_name=admin.first_name or None,
            family_name=admin.last_name or None,
            name=full_name,
            email_verified=False,
            verify_email=True,
            password=initial_secret(),
            opts=pulumi.ResourceOptions(
                provider=provider,
                # The random password is for creation only; never rotate it on later runs.
                ignore_changes=["password"],
                depends_on=[enabled_for_client],
            ),
        )
        role = auth0.Role(
            "admin-role",
            name=tenant_name(spec.tenant_key, "admin"),
            description=f"Administrators of {title}",
            opts=opts,
        )
        member = auth0.OrganizationMember(
            "admin-member",
            organization_id=organization.id,
            user_id=user.id,
            opts=pulumi.ResourceOptions(provider=provider, depends_on=[enabled_for_org]),
        )
        member_roles = auth0.OrganizationMemberRoles(
            "admin-member-roles",
            organization_id=organization.id,
            user_id=user.id,
            roles=[role.id],
            opts=pulumi.ResourceOptions(provider=provider, depends_on=[member]),
        )
        inventory.add(organization)
        inventory.add(client, client.client_id)
        inventory.add(credentials)
        inventory.add(connection)
        inventory.add(enabled_for_client)
        inventory.add(enabled_for_org)
        inventory.add(user)
        inventory.add(role)
        inventory.add(member)
        inventory.add(member_roles)

        issuer = f"https://{domain}/"
        outputs: dict[str, pulumi.Input[Any]] = {
            "provider": "auth0",
            "organization_id": organization.id,
            "organization_name": organization.name,
            "client_id": client.client_id,
            "client_secret": pulumi.Output.secret(credentials.client_secret),
            "connection_id": connection.id,
            "admin_user_id": user.id,
            "admin_role_id": role.id,
            "issuer_url": issuer,
            "login_url": pulumi.Output.concat(
                issuer,
                "authorize?response_type=code&scope=openid%20profile%20email&client_id=",
                client.client_id,
                "&organization=",
                organization.id,
                "&redirect_uri=",
                quote(urls.callbacks[0], safe=""),
            ),
        }
        for name, value in outputs.items():
            pulumi.export(name, value)
        inventory.export()

    return run
