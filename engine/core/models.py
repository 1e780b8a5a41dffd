"""Tenant and stack models shared by the engine, the workflows and the entry points.

These are the payloads that cross boundaries (Temporal, gRPC, the CLI), so they are
pydantic v2 models with strict validation: a bad request is refused here, before any
workflow or Pulumi operation starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    model_validator,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "WIRE",
    "Component",
    "Contact",
    "IdpConfig",
    "IdpProvider",
    "Subscription",
    "TenantKey",
    "TenantSpec",
    "TenantStatus",
    "Tier",
    "WireDate",
    "normalize_domain",
    "unique_domains",
    "validate_tenant_key",
]


class Tier(StrEnum):
    """How much of the platform a tenant shares with others."""

    SILO = "silo"
    POOLED = "pooled"
    BRIDGE = "bridge"


class Component(StrEnum):
    """The parts of a tenant, one Pulumi stack each, in provisioning order."""

    IDP = "idp"
    INFRA = "infra"
    APP = "app"


class IdpProvider(StrEnum):
    AUTH0 = "auth0"
    KEYCLOAK = "keycloak"


class TenantStatus(StrEnum):
    """ARC SaaS tenant statuses, kept verbatim so existing consumers understand them."""

    PENDINGPROVISION = "PENDINGPROVISION"
    PROVISIONING = "PROVISIONING"
    PROVISIONFAILED = "PROVISIONFAILED"
    ACTIVE = "ACTIVE"
    DEPROVISIONING = "DEPROVISIONING"
    INACTIVE = "INACTIVE"


# Lower case only: stack names, bucket names and DNS labels are built from the key, and
# some backends compare names case-insensitively, so "Acme" and "acme" would collide.
_TENANT_KEY_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
TENANT_KEY_MIN = 3
TENANT_KEY_MAX = 32


def validate_tenant_key(key: str) -> str:
    """Return ``key`` if it can name a tenant's stacks and cloud resources, else raise ValueError.

    A key is 3-32 characters of lower-case letters, digits and single hyphens, starting
    with a letter and not ending with a hyphen. 32 keeps every derived name (for example
    ``<key>-infra`` stacks and ``tenant-<key>-data-<suffix>`` buckets) inside AWS limits.
    """
    if not isinstance(key, str):
        raise ValueError("tenant key must be a string")
    if len(key) < TENANT_KEY_MIN or len(key) > TENANT_KEY_MAX:
        raise ValueError(
            f"tenant key must be {TENANT_KEY_MIN}-{TENANT_KEY_MAX} characters, got {len(key)}"
        )
    if not _TENANT_KEY_RE.match(key):
        raise ValueError(
            "tenant key may contain only lower-case letters, digits and single hyphens, "
            "must start with a letter and must not end with a hyphen"
        )
    return key


TenantKey = Annotated[str, AfterValidator(validate_tenant_key)]

_TENANT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def _validate_tenant_id(value: str) -> str:
    if not _TENANT_ID_RE.match(value):
        raise ValueError(
            "tenant id must be 1-64 characters of letters, digits, '_', '.', ':' or '-', "
            "starting with a letter or digit"
        )
    return value


TenantId = Annotated[str, AfterValidator(_validate_tenant_id)]

_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)


def normalize_domain(value: str) -> str:
    """A domain as it is stored and compared: no surrounding space, lower case."""
    return value.strip().lower()


def unique_domains(domains: Sequence[str]) -> None:
    """The one rule for repeats, wherever a model holds domains (they are normalized)."""
    if len(set(domains)) != len(domains):
        raise ValueError("domains must not repeat")


def _validate_domain(value: str) -> str:
    value = normalize_domain(value)
    if not _DOMAIN_RE.match(value):
        raise ValueError(f"{value!r} is not a valid domain name")
    return value


Domain = Annotated[str, AfterValidator(_validate_domain)]


#: The wire format of every payload: camelCase JSON (the seed plan's, what ARC SaaS's
#: TypeScript sends and reads), snake_case attributes in Python. Both spellings are
#: accepted on input, so histories recorded in snake_case still decode, and fields the
#: engine does not use (LoopBack ids, audit timestamps, relations) are ignored.
WIRE = ConfigDict(
    alias_generator=to_camel,
    validate_by_name=True,
    validate_by_alias=True,
    serialize_by_alias=True,
    extra="ignore",
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, **WIRE)


def _date_part(value: Any) -> Any:
    """``2027-01-01T00:00:00.000Z`` (how LoopBack serializes a Date) as ``2027-01-01``."""
    if isinstance(value, str) and "T" in value:
        return value.split("T", 1)[0]
    return value


WireDate = Annotated[date, BeforeValidator(_date_part)]


class Contact(_Frozen):
    """An ARC SaaS contact (``firstName``, ``lastName``, ``email``, ``isPrimary``, ``type``)."""

    email: EmailStr
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    is_primary: bool = False
    type: str | None = Field(default=None, max_length=100)


class Subscription(_Frozen):
    id: str = Field(min_length=1, max_length=100)
    plan_id: str = Field(min_length=1, max_length=100)
    tier: Tier
    start_date: WireDate
    end_date: WireDate

    @model_validator(mode="after")
    def _end_after_start(self) -> Subscription:
        if self.end_date < self.start_date:
            raise ValueError("subscription end_date is before start_date")
        return self


class IdpConfig(_Frozen):
    """Which identity provider holds the tenant's users; the credentials come from settings."""

    provider: IdpProvider
    # Shown to users on the login page; defaults to the tenant name.
    display_name: str | None = Field(default=None, max_length=200)


class TenantSpec(_Frozen):
    """Everything a stack program needs to know about one tenant.

    Programs are closures over this spec (``def build(spec) -> PulumiFn``), so it is the
    single typed contract between the engine and the catalog of programs.
    """

    tenant_id: TenantId
    tenant_key: TenantKey
    tenant_name: str = Field(min_length=1, max_length=200)
    tier: Tier
    domains: tuple[Domain, ...] = ()
    contacts: tuple[Contact, ...] = ()
    idp: IdpConfig | None = Field(
        default=None,
        validation_alias=AliasChoices("idpConfig", "idp"),
        serialization_alias="idpConfig",
    )
    plan_id: str | None = Field(default=None, max_length=100)
    app_version: str = Field(default="1.0.0", min_length=1, max_length=64)
    # Outputs of earlier components (the app stack reads the infra stack's outputs here).
    inputs: dict[str, Any] = Field(default_factory=dict)
    # Keep stateful resources (data, keys) in the cloud when the stack is destroyed.
    retain_data: bool = False
    # Program-specific knobs a catalog documents (fixture delays, sizes, feature flags).
    parameters: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_domains(self) -> TenantSpec:
        unique_domains(self.domains)
        return self

    @property
    def admin_contact(self) -> Contact | None:
        """The primary contact, else the first one."""
        for contact in self.contacts:
            if contact.is_primary:
                return contact
        return self.contacts[0] if self.contacts else None
