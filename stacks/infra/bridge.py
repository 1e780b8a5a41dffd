"""Bridge tier: shared compute, dedicated data.

The tenant's data is its own (key, bucket, table, as in silo), but its requests run on the
platform's shared app, which assumes the tenant's role to reach that data.
"""

from __future__ import annotations

import pulumi
from pulumi.automation import PulumiFn

from engine.core.models import Component, TenantSpec

from ..common import (
    Inventory,
    StackContext,
    dedicated_tenant_policy,
    tenant_tags,
)
from .common import config_parameter, dedicated_data, platform_trusted_role, role_policy
from .outputs import export_infra

__all__ = ["bridge_program"]


def bridge_program(ctx: StackContext, spec: TenantSpec) -> PulumiFn:
    def run() -> None:
        provider = ctx.aws_provider()
        tags = tenant_tags(spec, Component.INFRA)
        inventory = Inventory()
        platform = ctx.platform_reference()
        app_role_arn = platform.require_output("app_role_arn")
        data = dedicated_data(spec, provider=provider, tags=tags, inventory=inventory)

        role = platform_trusted_role(
            spec, app_role_arn=app_role_arn, tags=tags, provider=provider, inventory=inventory
        )
        config = config_parameter(
            spec,
            {"bucket": data.bucket.bucket, "table": data.table.name, "role_arn": role.arn},
            kms_key_arn=data.key.arn,
            tags=tags,
            provider=provider,
            inventory=inventory,
        )
        policy = pulumi.Output.all(data.bucket.arn, data.table.arn, data.key.arn, config.arn).apply(
            lambda a: dedicated_tenant_policy(
                bucket_arn=a[0], table_arn=a[1], kms_key_arn=a[2], config_parameter_arn=a[3]
            )
        )
        role_policy(role, policy, provider=provider, inventory=inventory)

        export_infra(
            spec,
            inventory,
            bucket_name=data.bucket.bucket,
            bucket_arn=data.bucket.arn,
            table_name=data.table.name,
            table_arn=data.table.arn,
            kms_key_arn=data.key.arn,
            role=role,
            config=config,
            data_prefix="",
            extra={"app_role_arn": app_role_arn},
        )

    return run
