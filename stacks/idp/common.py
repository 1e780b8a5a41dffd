"""What both IdP programs need from the spec: the admin contact and the app's URLs."""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.errors import ValidationError
from engine.core.models import Contact, TenantSpec

from ..common import tenant_hosts

__all__ = ["AppUrls", "admin_contact", "app_urls", "display_name"]


def admin_contact(spec: TenantSpec) -> Contact:
    """The contact who becomes the tenant's first admin; the spec must have one."""
    contact = spec.admin_contact
    if contact is None:
        raise ValidationError(
            "the IdP program creates the tenant's admin user from its contacts; give at "
            "least one contact",
            field="contacts",
        )
    return contact


def display_name(spec: TenantSpec) -> str:
    return (spec.idp.display_name if spec.idp else None) or spec.tenant_name


@dataclass(frozen=True)
class AppUrls:
    """Where the tenant's app lives, as the IdP client must know it."""

    origins: list[str]
    callbacks: list[str]
    redirect_patterns: list[str]
    logout: list[str]
    login: str


def app_urls(spec: TenantSpec) -> AppUrls:
    origins = [f"https://{host}" for host in tenant_hosts(spec)]
    return AppUrls(
        origins=origins,
        callbacks=[f"{origin}/callback" for origin in origins],
        redirect_patterns=[f"{origin}/*" for origin in origins],
        logout=[f"{origin}/" for origin in origins],
        login=f"{origins[0]}/login",
    )
