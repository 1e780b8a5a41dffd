"""Resources every infra tier has: the tenant's IAM role, its config parameter, its data.

Silo and bridge share ``dedicated_data`` (own key, bucket, table); pooled tenants get a
prefix and a partition of the platform's instead (see ``pooled``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from engine.core.models import TenantSpec

from ..common import (
    ROLE_PATH,
    DataKey,
    Inventory,
    assume_role_policy,
    data_key,
    encrypted_table,
    secure_bucket,
    tenant_bucket_name,
    tenant_config_parameter,
    tenant_name,
)

__all__ = [
    "DedicatedData",
    "config_parameter",
    "dedicated_data",
    "platform_trusted_role",
    "role_policy",
    "tenant_role",
]


@dataclass(frozen=True)
class DedicatedData:
    key: DataKey
    bucket: aws.s3.Bucket
    table: aws.dynamodb.Table


def dedicated_data(
    spec: TenantSpec,
    *,
    provider: pulumi.ProviderResource,
    tags: dict[str, str],
    inventory: Inventory,
) -> DedicatedData:
    """The tenant's own KMS key, and a bucket and table encrypted with it."""
    retain = spec.retain_data
    key = data_key(
        "data-key",
        tenant_name(spec.tenant_key, "data"),
        description=f"Data of tenant {spec.tenant_id} ({spec.tenant_key})",
        tags=tags,
        provider=provider,
        inventory=inventory,
        retain=retain,
    )
    bucket = secure_bucket(
        "data-bucket",
        tenant_bucket_name(spec.tenant_key, spec.tenant_id),
        kms_key_arn=key.arn,
        tags=tags,
        provider=provider,
        inventory=inventory,
        retain=retain,
    )
    table = encrypted_table(
        "data-table",
        tenant_name(spec.tenant_key, "data"),
        kms_key_arn=key.arn,
        tags=tags,
        provider=provider,
        inventory=inventory,
        retain=retain,
    )
    return DedicatedData(key, bucket, table)


def tenant_role(
    spec: TenantSpec,
    *,
    trust_policy: pulumi.Input[str],
    tags: dict[str, str],
    provider: pulumi.ProviderResource,
    inventory: Inventory,
) -> aws.iam.Role:
    """The role the tenant's code runs as; its permissions come from a separate RolePolicy."""
    role = aws.iam.Role(
        "app-role",
        name=tenant_name(spec.tenant_key, "app"),
        path=ROLE_PATH,
        description=f"Runtime role of tenant {spec.tenant_id} ({spec.tier.value})",
        assume_role_policy=trust_policy,
        max_session_duration=3600,
        tags=tags,
        opts=pulumi.ResourceOptions(provider=provider),
    )
    inventory.add(role, role.arn)
    return role


def platform_trusted_role(
    spec: TenantSpec,
    *,
    app_role_arn: pulumi.Input[str],
    tags: dict[str, str],
    provider: pulumi.ProviderResource,
    inventory: Inventory,
) -> aws.iam.Role:
    """The tenant role of the shared-compute tiers: only the platform app may assume it."""
    trust = pulumi.Output.from_input(app_role_arn).apply(
        lambda arn: json.dumps(assume_role_policy(arn))
    )
    return tenant_role(spec, trust_policy=trust, tags=tags, provider=provider, inventory=inventory)


def role_policy(
    role: aws.iam.Role,
    policy: pulumi.Output[dict[str, Any]],
    *,
    provider: pulumi.ProviderResource,
    inventory: Inventory,
) -> aws.iam.RolePolicy:
    attached = aws.iam.RolePolicy(
        "app-role-policy",
        name="tenant-data-access",
        role=role.name,
        policy=policy.apply(lambda doc: json.dumps(doc, sort_keys=True)),
        opts=pulumi.ResourceOptions(provider=provider),
    )
    inventory.add(attached)
    return attached


def config_parameter(
    spec: TenantSpec,
    values: dict[str, pulumi.Input[Any]],
    *,
    kms_key_arn: pulumi.Input[str],
    tags: dict[str, str],
    provider: pulumi.ProviderResource,
    inventory: Inventory,
) -> aws.ssm.Parameter:
    """The tenant's config as JSON in SSM, a SecureString under the tenant's data key."""
    document = {
        "tenant_id": spec.tenant_id,
        "tenant_key": spec.tenant_key,
        "tier": spec.tier.value,
        "plan_id": spec.plan_id,
        **values,
    }
    parameter = aws.ssm.Parameter(
        "config",
        name=tenant_config_parameter(spec.tenant_key),
        description=f"Infrastructure config of tenant {spec.tenant_id}",
        type="SecureString",
        key_id=kms_key_arn,
        value=pulumi.Output.json_dumps(document),
        tags=tags,
        opts=pulumi.ResourceOptions(provider=provider),
    )
    inventory.add(parameter, parameter.name)
    return parameter
