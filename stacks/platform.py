"""The shared platform stack (``platform-shared``): what pooled and bridge tenants share.

Created once (``PulumiRunner.ensure_platform``) and only referenced by tenant stacks,
through ``pulumi.StackReference`` on the outputs named in ``PLATFORM_OUTPUTS``:

- the shared data key, bucket and table that pooled tenants get a prefix and a partition
  of (SSE-KMS without bucket keys, so key use can be bound to a tenant's prefix);
- the shared app (Lambda) that serves pooled and bridge tenants, with a role that holds no
  data permissions of its own: it reads the tenant's route and assumes the tenant's role.

Shared data is retained on destroy: it holds every pooled tenant's data, and deleting it
must be a deliberate act, not a side effect of tearing the stack down.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
from pulumi.automation import PulumiFn

from .common import (
    ROUTES_PATH,
    Arn,
    Inventory,
    StackContext,
    data_key,
    encrypted_table,
    lambda_trust_policy,
    platform_app_policy,
    platform_bucket_name,
    platform_name,
    platform_tags,
    secure_bucket,
    versioned_function,
)

__all__ = [
    "PARTITION_ATTRIBUTE",
    "PLATFORM_APP_VERSION",
    "PLATFORM_OUTPUTS",
    "platform_program",
]

# Version of the shared app instance; tenants on it pick features by their own app_version.
PLATFORM_APP_VERSION = "1.0.0"
# Partition key of the shared table: a pooled tenant may touch only items whose value is
# its tenant key (dynamodb:LeadingKeys).
PARTITION_ATTRIBUTE = "tenant_key"

PLATFORM_OUTPUTS = (
    "account_id",
    "region",
    "bucket_name",
    "bucket_arn",
    "table_name",
    "table_arn",
    "kms_key_arn",
    "app_role_arn",
    "app_function_name",
    "app_alias_arn",
    "app_url",
    "routes_path",
)


def platform_program(ctx: StackContext) -> PulumiFn:
    def run() -> None:
        provider = ctx.aws_provider()
        tags = platform_tags()
        inventory = Inventory()
        opts = pulumi.ResourceOptions(provider=provider)
        identity = aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(provider=provider)
        )
        account = identity.account_id
        partition = identity.arn.apply(lambda arn: Arn.parse(arn).partition)

        key = data_key(
            "data-key",
            platform_name("tenant-data"),
            description="Shared data of pooled tenants",
            tags=tags,
            provider=provider,
            inventory=inventory,
            retain=True,
        )
        bucket = secure_bucket(
            "data-bucket",
            account.apply(lambda a: platform_bucket_name(a, ctx.region)),
            kms_key_arn=key.arn,
            tags=tags,
            provider=provider,
            inventory=inventory,
            retain=True,
            bucket_key=False,
        )
        table = encrypted_table(
            "data-table",
            platform_name("tenant-data"),
            kms_key_arn=key.arn,
            tags=tags,
            provider=provider,
            inventory=inventory,
            retain=True,
            hash_key=PARTITION_ATTRIBUTE,
        )

        function_name = platform_name("app")
        role = aws.iam.Role(
            "app-role",
            name=function_name,
            path="/platform/",
            description="Runtime role of the shared app; acts for tenants by assuming theirs",
            assume_role_policy=json.dumps(lambda_trust_policy()),
            tags=tags,
            opts=opts,
        )
        policy = aws.iam.RolePolicy(
            "app-role-policy",
            name="platform-app",
            role=role.name,
            policy=pulumi.Output.all(partition, account, key.arn).apply(
                lambda a: json.dumps(
                    platform_app_policy(
                        partition=a[0],
                        region=ctx.region,
                        account=a[1],
                        function_name=function_name,
                        routes_path=ROUTES_PATH,
                        kms_key_arn=a[2],
                    ),
                    sort_keys=True,
                )
            ),
            opts=opts,
        )
        inventory.add(role, role.arn)
        inventory.add(policy)
        app = versioned_function(
            "app",
            function_name,
            role_arn=role.arn,
            version=PLATFORM_APP_VERSION,
            release={"scope": "platform"},
            environment={"TENANT_TIER": "shared", "ROUTES_PATH": ROUTES_PATH},
            tags=tags,
            provider=provider,
            inventory=inventory,
        )

        outputs: dict[str, pulumi.Input[str]] = {
            "account_id": account,
            "region": ctx.region,
            "bucket_name": bucket.bucket,
            "bucket_arn": bucket.arn,
            "table_name": table.name,
            "table_arn": table.arn,
            "kms_key_arn": key.arn,
            "app_role_arn": role.arn,
            "app_function_name": app.function.name,
            "app_alias_arn": app.alias.arn,
            "app_url": app.url.function_url,
            "routes_path": ROUTES_PATH,
        }
        for name, value in outputs.items():
            pulumi.export(name, value)
        inventory.export()

    return run
