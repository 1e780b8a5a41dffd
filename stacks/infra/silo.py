"""Silo tier: everything dedicated to one tenant.

Own KMS key; bucket, table, queues and secret encrypted with it; a role only the tenant's
own Lambda can assume, allowed only onto those resources; config in SSM.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
from pulumi.automation import PulumiFn

from engine.core.models import Component, TenantSpec

from ..common import (
    Inventory,
    StackContext,
    dedicated_tenant_policy,
    lambda_trust_policy,
    tenant_name,
    tenant_tags,
)
from ..common.credentials import initial_secret
from .common import config_parameter, dedicated_data, role_policy, tenant_role
from .outputs import export_infra

__all__ = ["silo_program"]

_MAX_RECEIVES = 5


def silo_program(ctx: StackContext, spec: TenantSpec) -> PulumiFn:
    def run() -> None:
        provider = ctx.aws_provider()
        tags = tenant_tags(spec, Component.INFRA)
        inventory = Inventory()
        opts = pulumi.ResourceOptions(provider=provider)
        data = dedicated_data(spec, provider=provider, tags=tags, inventory=inventory)
        key_arn = data.key.arn

        dlq = aws.sqs.Queue(
            "events-dlq",
            name=tenant_name(spec.tenant_key, "events-dlq"),
            kms_master_key_id=key_arn,
            message_retention_seconds=14 * 24 * 3600,
            tags=tags,
            opts=opts,
        )
        queue = aws.sqs.Queue(
            "events-queue",
            name=tenant_name(spec.tenant_key, "events"),
            kms_master_key_id=key_arn,
            # Fewer KMS calls (cost, throttling) while still rotating data keys often.
            kms_data_key_reuse_period_seconds=300,
            visibility_timeout_seconds=60,
            redrive_policy=dlq.arn.apply(
                lambda arn: json.dumps(
                    {"deadLetterTargetArn": arn, "maxReceiveCount": _MAX_RECEIVES}
                )
            ),
            tags=tags,
            opts=opts,
        )
        retained = pulumi.ResourceOptions(provider=provider, retain_on_delete=spec.retain_data)
        secret = aws.secretsmanager.Secret(
            "app-secret",
            name=f"tenants/{spec.tenant_key}/app",
            description=f"Application secrets of tenant {spec.tenant_id}",
            kms_key_id=key_arn,
            # Without retention, delete at once so the tenant key can be provisioned again.
            recovery_window_in_days=30 if spec.retain_data else 0,
            tags=tags,
            opts=retained,
        )
        secret_value = aws.secretsmanager.SecretVersion(
            "app-secret-value",
            secret_id=secret.id,
            secret_string=initial_secret(32).apply(
                lambda value: json.dumps({"session_signing_key": value})
            ),
            opts=pulumi.ResourceOptions.merge(
                retained, pulumi.ResourceOptions(ignore_changes=["secret_string"])
            ),
        )
        role = tenant_role(
            spec,
            trust_policy=json.dumps(lambda_trust_policy()),
            tags=tags,
            provider=provider,
            inventory=inventory,
        )
        config = config_parameter(
            spec,
            {
                "bucket": data.bucket.bucket,
                "table": data.table.name,
                "queue_url": queue.url,
                "secret_arn": secret.arn,
                "role_arn": role.arn,
            },
            kms_key_arn=key_arn,
            tags=tags,
            provider=provider,
            inventory=inventory,
        )
        function_name = tenant_name(spec.tenant_key, "app")
        policy = pulumi.Output.all(
            data.bucket.arn, data.table.arn, key_arn, config.arn, queue.arn, dlq.arn, secret.arn
        ).apply(
            lambda a: dedicated_tenant_policy(
                bucket_arn=a[0],
                table_arn=a[1],
                kms_key_arn=a[2],
                config_parameter_arn=a[3],
                queue_arns=[a[4], a[5]],
                secret_arns=[a[6]],
                function_name=function_name,
            )
        )
        role_policy(role, policy, provider=provider, inventory=inventory)
        inventory.add(queue, queue.url)
        inventory.add(dlq, dlq.url)
        inventory.add(secret, secret.arn, retained=spec.retain_data)
        inventory.add(secret_value, secret.arn, retained=spec.retain_data)

        export_infra(
            spec,
            inventory,
            bucket_name=data.bucket.bucket,
            bucket_arn=data.bucket.arn,
            table_name=data.table.name,
            table_arn=data.table.arn,
            kms_key_arn=key_arn,
            role=role,
            config=config,
            data_prefix="",
            extra={
                "queue_url": queue.url,
                "queue_arn": queue.arn,
                "dlq_url": dlq.url,
                "secret_arn": secret.arn,
                "function_name": function_name,
            },
        )

    return run
