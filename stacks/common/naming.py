"""One naming convention for every cloud resource the programs create.

Tenant resources are ``tenant-<key>-<purpose>``, shared ones ``platform-<purpose>``. The
tenant key is validated (3-32 characters of ``[a-z0-9-]``), so every name made here fits
the tightest AWS limit it meets: 63 characters for S3 buckets, 64 for IAM roles and Lambda
functions. Names never contain the app version, so a roll forward or back updates resources
in place instead of replacing them.
"""

from __future__ import annotations

import hashlib

from engine.core.models import TenantSpec, validate_tenant_key

__all__ = [
    "BUCKET_NAME_MAX",
    "DEFAULT_BASE_DOMAIN",
    "MANAGED_BY",
    "ROLE_PATH",
    "ROUTES_PATH",
    "TENANT_PREFIX_ROOT",
    "kms_alias",
    "lambda_log_group",
    "platform_bucket_name",
    "platform_name",
    "route_parameter",
    "tenant_bucket_name",
    "tenant_config_parameter",
    "tenant_hosts",
    "tenant_idp_name",
    "tenant_name",
    "tenant_prefix",
]

MANAGED_BY = "tenant-engine"
# Host names of a tenant without domains: ``<key>.<base_domain>``. ``.localhost`` resolves to
# the loopback address, so a default never points at someone else's site.
DEFAULT_BASE_DOMAIN = "tenants.localhost"
BUCKET_NAME_MAX = 63
# Tenant roles live under one IAM path so the shared app role can be allowed to assume
# exactly those (``arn:...:role/tenants/*``) and nothing else.
ROLE_PATH = "/tenants/"
# Pooled tenants' objects live under ``tenants/<key>/`` in the shared bucket.
TENANT_PREFIX_ROOT = "tenants"
# SSM path of the routes the shared app instance reads, one parameter per tenant.
ROUTES_PATH = "/platform/routes"


def tenant_name(tenant_key: str, purpose: str) -> str:
    """``tenant-<key>-<purpose>``: the physical name of a tenant's resource."""
    return f"tenant-{validate_tenant_key(tenant_key)}-{purpose}"


def platform_name(purpose: str) -> str:
    """``platform-<purpose>``: the physical name of a resource every tenant shares."""
    return f"platform-{purpose}"


def _check_bucket(name: str) -> str:
    if len(name) > BUCKET_NAME_MAX:
        raise ValueError(f"bucket name {name!r} is longer than {BUCKET_NAME_MAX} characters")
    return name


def tenant_bucket_name(tenant_key: str, tenant_id: str, purpose: str = "data") -> str:
    """``tenant-<key>-<purpose>-<8 hex>``, globally unique enough for S3.

    Bucket names are global across AWS accounts; the suffix, a hash of the tenant id, keeps
    two deployments (or a tenant key reused after a deprovision that retained its bucket)
    from colliding while staying stable across runs.
    """
    suffix = hashlib.sha256(tenant_id.encode()).hexdigest()[:8]
    return _check_bucket(f"{tenant_name(tenant_key, purpose)}-{suffix}")


def platform_bucket_name(account_id: str, region: str, purpose: str = "tenant-data") -> str:
    """``platform-<purpose>-<account>-<region>``: one shared bucket per account and region."""
    return _check_bucket(f"{platform_name(purpose)}-{account_id}-{region}")


def tenant_prefix(tenant_key: str) -> str:
    """The key prefix of a pooled tenant's objects in the shared bucket (ends with ``/``)."""
    return f"{TENANT_PREFIX_ROOT}/{validate_tenant_key(tenant_key)}/"


def tenant_config_parameter(tenant_key: str) -> str:
    """SSM parameter holding the tenant's infrastructure config, under ``/tenants/<key>/``."""
    return f"/tenants/{validate_tenant_key(tenant_key)}/config"


def route_parameter(tenant_key: str) -> str:
    """SSM parameter the shared app instance reads to route and configure one tenant."""
    return f"{ROUTES_PATH}/{validate_tenant_key(tenant_key)}"


def kms_alias(name: str) -> str:
    return f"alias/{name}"


def lambda_log_group(function_name: str) -> str:
    """The log group Lambda writes to for a function (created explicitly to tag and expire it)."""
    return f"/aws/lambda/{function_name}"


def tenant_idp_name(tenant_key: str) -> str:
    """``tenant-<key>``: the tenant's Auth0 organization or Keycloak realm.

    The prefix keeps a tenant called ``master`` from ever naming Keycloak's admin realm.
    """
    return f"tenant-{validate_tenant_key(tenant_key)}"


def tenant_hosts(spec: TenantSpec) -> tuple[str, ...]:
    """Where the tenant's app is served: its domains, else ``<key>.<base_domain>``.

    ``base_domain`` is a program parameter (``spec.parameters``).
    """
    if spec.domains:
        return spec.domains
    base = spec.parameters.get("base_domain", DEFAULT_BASE_DOMAIN)
    return (f"{spec.tenant_key}.{base}",)
