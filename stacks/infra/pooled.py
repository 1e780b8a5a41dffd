"""Pooled tier: tenant-scoped access to the shared platform resources.

Nothing here re-creates the shared bucket, table or key: they come from the platform stack
through a ``StackReference``. The tenant gets a prefix in the bucket and a partition in the
table (each marked by one small object/item so the registry has something to point at and
a retained deprovision has something to keep), a role the shared app assumes to act for
the tenant, whose policy reaches only that prefix and partition, and its config in SSM.

Destroying a pooled tenant removes its access, not the objects and items its app wrote
under the prefix and partition: Pulumi does not own those. Purging them (or keeping them,
``retain_data``) is a data job the deprovision workflow runs on its own.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.automation import PulumiFn

from engine.core.models import Component, TenantSpec

from ..common import (
    Inventory,
    StackContext,
    pooled_tenant_policy,
    tenant_prefix,
    tenant_tags,
)
from ..platform import PARTITION_ATTRIBUTE
from .common import config_parameter, platform_trusted_role, role_policy
from .outputs import export_infra

__all__ = ["PARTITION_MARKER", "pooled_program"]

# Sort key of the item that marks a tenant's partition in the shared table.
PARTITION_MARKER = "#tenant"


def pooled_program(ctx: StackContext, spec: TenantSpec) -> PulumiFn:
    def run() -> None:
        provider = ctx.aws_provider()
        tags = tenant_tags(spec, Component.INFRA)
        inventory = Inventory()
        platform = ctx.platform_reference()
        bucket_name = platform.require_output("bucket_name")
        bucket_arn = platform.require_output("bucket_arn")
        table_name = platform.require_output("table_name")
        table_arn = platform.require_output("table_arn")
        key_arn = platform.require_output("kms_key_arn")
        app_role_arn = platform.require_output("app_role_arn")
        prefix = tenant_prefix(spec.tenant_key)
        retained = pulumi.ResourceOptions(provider=provider, retain_on_delete=spec.retain_data)
        marker: dict[str, Any] = {"tenant_id": spec.tenant_id, "tenant_key": spec.tenant_key}

        prefix_object = aws.s3.BucketObjectv2(
            "data-prefix",
            bucket=bucket_name,
            key=f"{prefix}.tenant.json",
            content=json.dumps(marker, sort_keys=True),
            content_type="application/json",
            server_side_encryption="aws:kms",
            kms_key_id=key_arn,
            tags=tags,
            opts=retained,
        )
        partition_item = aws.dynamodb.TableItem(
            "data-partition",
            table_name=table_name,
            hash_key=PARTITION_ATTRIBUTE,
            range_key="sk",
            item=json.dumps(
                {
                    PARTITION_ATTRIBUTE: {"S": spec.tenant_key},
                    "sk": {"S": PARTITION_MARKER},
                    "tenant_id": {"S": spec.tenant_id},
                    "tier": {"S": spec.tier.value},
                },
                sort_keys=True,
            ),
            opts=retained,
        )
        role = platform_trusted_role(
            spec, app_role_arn=app_role_arn, tags=tags, provider=provider, inventory=inventory
        )
        config = config_parameter(
            spec,
            {
                "bucket": bucket_name,
                "prefix": prefix,
                "table": table_name,
                "partition_key": spec.tenant_key,
                "role_arn": role.arn,
            },
            kms_key_arn=key_arn,
            tags=tags,
            provider=provider,
            inventory=inventory,
        )
        policy = pulumi.Output.all(bucket_arn, table_arn, key_arn, config.arn).apply(
            lambda a: pooled_tenant_policy(
                tenant_key=spec.tenant_key,
                bucket_arn=a[0],
                table_arn=a[1],
                kms_key_arn=a[2],
                config_parameter_arn=a[3],
                region=ctx.region,
            )
        )
        role_policy(role, policy, provider=provider, inventory=inventory)
        inventory.add(
            prefix_object,
            pulumi.Output.concat(bucket_name, "/", prefix),
            retained=spec.retain_data,
        )
        inventory.add(
            partition_item,
            pulumi.Output.concat(table_name, "/", spec.tenant_key),
            retained=spec.retain_data,
        )

        export_infra(
            spec,
            inventory,
            bucket_name=bucket_name,
            bucket_arn=bucket_arn,
            table_name=table_name,
            table_arn=table_arn,
            kms_key_arn=key_arn,
            role=role,
            config=config,
            data_prefix=prefix,
            extra={"partition_key": spec.tenant_key, "app_role_arn": app_role_arn},
        )

    return run
