"""Hardened building blocks for data at rest: KMS key, S3 bucket, DynamoDB table.

Each one is encrypted with a customer managed key, private, and created with
``retain_on_delete`` when the tenant asked to keep its data. A retained bucket keeps its
public-access block, encryption and TLS-only policy too: deleting those sub-resources on
destroy would leave a retained bucket less protected than it was.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from .inventory import Inventory
from .naming import kms_alias
from .policies import tls_only_bucket_policy

__all__ = ["DataKey", "data_key", "encrypted_table", "secure_bucket"]


class DataKey:
    """A KMS key and its alias."""

    def __init__(self, key: aws.kms.Key, alias: aws.kms.Alias) -> None:
        self.key = key
        self.alias = alias

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.key.arn


def data_key(
    logical: str,
    name: str,
    *,
    description: str,
    tags: dict[str, str],
    provider: pulumi.ProviderResource,
    inventory: Inventory,
    retain: bool,
) -> DataKey:
    """A symmetric key with yearly rotation; the default key policy delegates to IAM."""
    opts = pulumi.ResourceOptions(provider=provider, retain_on_delete=retain)
    key = aws.kms.Key(
        logical,
        description=description,
        enable_key_rotation=True,
        # The longest window: the last chance to undo a mistaken deprovision.
        deletion_window_in_days=30,
        tags=tags,
        opts=opts,
    )
    alias = aws.kms.Alias(
        f"{logical}-alias", name=kms_alias(name), target_key_id=key.key_id, opts=opts
    )
    inventory.add(key, key.arn, retained=retain)
    inventory.add(alias, alias.name, retained=retain)
    return DataKey(key, alias)


def secure_bucket(
    logical: str,
    name: pulumi.Input[str],
    *,
    kms_key_arn: pulumi.Input[str],
    tags: dict[str, str],
    provider: pulumi.ProviderResource,
    inventory: Inventory,
    retain: bool,
    bucket_key: bool = True,
) -> aws.s3.Bucket:
    """A private, versioned, SSE-KMS bucket that refuses plain HTTP.

    ``bucket_key=False`` keeps per-object KMS calls, so the encryption context is the
    object ARN; the shared bucket needs that to bind key use to a tenant's prefix.
    """
    opts = pulumi.ResourceOptions(provider=provider, retain_on_delete=retain)
    bucket = aws.s3.Bucket(
        logical,
        bucket=name,
        # Without retention, a deprovision deletes the data: objects and versions included.
        force_destroy=not retain,
        tags=tags,
        opts=opts,
    )
    block = aws.s3.BucketPublicAccessBlock(
        f"{logical}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    ownership = aws.s3.BucketOwnershipControls(
        f"{logical}-ownership",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=opts,
    )
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        f"{logical}-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms",
                    kms_master_key_id=kms_key_arn,
                ),
                bucket_key_enabled=bucket_key,
            )
        ],
        opts=opts,
    )
    versioning = aws.s3.BucketVersioning(
        f"{logical}-versioning",
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
            status="Enabled"
        ),
        opts=opts,
    )
    policy = aws.s3.BucketPolicy(
        f"{logical}-policy",
        bucket=bucket.id,
        policy=bucket.arn.apply(lambda arn: json.dumps(tls_only_bucket_policy(arn))),
        # S3 rejects policy writes that race the public-access block being applied.
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[block])),
    )
    inventory.add(bucket, bucket.bucket, retained=retain)
    for part in (block, ownership, encryption, versioning, policy):
        inventory.add(part, bucket.bucket, retained=retain)
    return bucket


def encrypted_table(
    logical: str,
    name: str,
    *,
    kms_key_arn: pulumi.Input[str],
    tags: dict[str, str],
    provider: pulumi.ProviderResource,
    inventory: Inventory,
    retain: bool,
    hash_key: str = "pk",
    range_key: str = "sk",
) -> aws.dynamodb.Table:
    """An on-demand table encrypted with ``kms_key_arn``, with point-in-time recovery."""
    table = aws.dynamodb.Table(
        logical,
        name=name,
        billing_mode="PAY_PER_REQUEST",
        hash_key=hash_key,
        range_key=range_key,
        attributes=[
            aws.dynamodb.TableAttributeArgs(name=hash_key, type="S"),
            aws.dynamodb.TableAttributeArgs(name=range_key, type="S"),
        ],
        server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
            enabled=True, kms_key_arn=kms_key_arn
        ),
        point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
        # A kept table also refuses deletes made outside Pulumi.
        deletion_protection_enabled=retain,
        tags=tags,
        opts=pulumi.ResourceOptions(provider=provider, retain_on_delete=retain),
    )
    inventory.add(table, table.name, retained=retain)
    return table
