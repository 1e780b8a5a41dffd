"""Building blocks shared by the programs: naming, tags, policies, providers, storage."""

from __future__ import annotations

from .context import AWS_SERVICES, StackContext
from .function import ALIAS_NAME, VersionedFunction, versioned_function
from .inventory import Inventory
from .naming import (
    MANAGED_BY,
    ROLE_PATH,
    ROUTES_PATH,
    kms_alias,
    platform_bucket_name,
    platform_name,
    route_parameter,
    tenant_bucket_name,
    tenant_config_parameter,
    tenant_hosts,
    tenant_idp_name,
    tenant_name,
    tenant_prefix,
)
from .policies import (
    Arn,
    assume_role_policy,
    dedicated_tenant_policy,
    lambda_trust_policy,
    platform_app_policy,
    pooled_tenant_policy,
    tls_only_bucket_policy,
)
from .storage import DataKey, data_key, encrypted_table, secure_bucket
from .tags import platform_tags, tenant_tags

__all__ = [
    "ALIAS_NAME",
    "AWS_SERVICES",
    "MANAGED_BY",
    "ROLE_PATH",
    "ROUTES_PATH",
    "Arn",
    "DataKey",
    "Inventory",
    "StackContext",
    "VersionedFunction",
    "assume_role_policy",
    "data_key",
    "dedicated_tenant_policy",
    "encrypted_table",
    "kms_alias",
    "lambda_trust_policy",
    "platform_app_policy",
    "platform_bucket_name",
    "platform_name",
    "platform_tags",
    "pooled_tenant_policy",
    "route_parameter",
    "secure_bucket",
    "tenant_bucket_name",
    "tenant_config_parameter",
    "tenant_hosts",
    "tenant_idp_name",
    "tenant_name",
    "tenant_prefix",
    "tenant_tags",
    "tls_only_bucket_policy",
    "versioned_function",
]
