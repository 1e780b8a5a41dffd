"""The outputs every infra tier exports, under the same names.

The app program reads them from ``TenantSpec.inputs`` without caring about the tier, and
the registry records ``resources``/``retained`` from every stack the same way.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from engine.core.models import TenantSpec

from ..common import Inventory

__all__ = ["INFRA_OUTPUTS", "export_infra"]

# What the app program may rely on in ``spec.inputs`` for every tier.
INFRA_OUTPUTS = (
    "tier",
    "bucket_name",
    "bucket_arn",
    "data_prefix",
    "table_name",
    "table_arn",
    "kms_key_arn",
    "role_arn",
    "role_name",
    "config_parameter",
)


def export_infra(
    spec: TenantSpec,
    inventory: Inventory,
    *,
    bucket_name: pulumi.Input[str],
    bucket_arn: pulumi.Input[str],
    table_name: pulumi.Input[str],
    table_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    role: aws.iam.Role,
    config: aws.ssm.Parameter,
    data_prefix: str,
    extra: dict[str, pulumi.Input[Any]] | None = None,
) -> None:
    """Export the common infra outputs, then ``extra``, then the inventory."""
    outputs: dict[str, pulumi.Input[Any]] = {
        "tier": spec.tier.value,
        "tenant_key": spec.tenant_key,
        "bucket_name": bucket_name,
        "bucket_arn": bucket_arn,
        "data_prefix": data_prefix,
        "table_name": table_name,
        "table_arn": table_arn,
        "kms_key_arn": kms_key_arn,
        "role_arn": role.arn,
        "role_name": role.name,
        "config_parameter": config.name,
        **(extra or {}),
    }
    for name, value in outputs.items():
        pulumi.export(name, value)
    inventory.export()
