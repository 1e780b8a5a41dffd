"""IAM, KMS and bucket policies as pure functions returning policy documents (dicts).

Pure so the isolation they promise can be checked without Pulumi: the tests evaluate them
against another tenant's objects, items and keys. Programs serialise them with
``json.dumps`` inside ``Output.apply`` once the ARNs they need are known.

A pooled tenant shares a bucket, a table and a key with every other pooled tenant, so its
role gets only its prefix (``tenants/<key>/``), its partition (``dynamodb:LeadingKeys``)
and key use bound to that prefix and to its own config parameter (KMS encryption context),
plus explicit denies that hold even if someone later attaches a broader policy.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .naming import ROLE_PATH, lambda_log_group, tenant_prefix

__all__ = [
    "Arn",
    "assume_role_policy",
    "dedicated_tenant_policy",
    "lambda_trust_policy",
    "platform_app_policy",
    "pooled_tenant_policy",
    "tls_only_bucket_policy",
]

Policy = dict[str, Any]
_VERSION = "2012-10-17"

OBJECT_ACTIONS = [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
]
# Item-level actions only: every one of them carries dynamodb:LeadingKeys. Scan does not,
# so a pooled tenant never gets it.
ITEM_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
]
PARAMETER_READ = ["ssm:GetParameter", "ssm:GetParameters"]


class Arn(NamedTuple):
    """The parts of an ARN a policy needs (partition, region, account)."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, arn: str) -> Arn:
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            raise ValueError(f"{arn!r} is not an ARN")
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])


def _doc(*statements: Policy) -> Policy:
    return {"Version": _VERSION, "Statement": list(statements)}


def lambda_trust_policy() -> Policy:
    """Who may assume a role that Lambda runs as: the Lambda service only."""
    return _doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )


def assume_role_policy(principal_arn: str) -> Policy:
    """Trust one principal (the shared app's role), with session tags for audit trails."""
    return _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": principal_arn},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    )


def _logs_statement(partition: str, region: str, account: str, function_name: str) -> Policy:
    group = lambda_log_group(function_name)
    return {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:{partition}:logs:{region}:{account}:log-group:{group}:*",
    }


def pooled_tenant_policy(
    *,
    tenant_key: str,
    bucket_arn: str,
    table_arn: str,
    kms_key_arn: str,
    config_parameter_arn: str,
    region: str,
) -> Policy:
    """The pooled tenant role's policy: its prefix, its partition, its config; nothing else."""
    prefix = tenant_prefix(tenant_key)
    objects = f"{bucket_arn}/{prefix}*"
    table_resources = [table_arn, f"{table_arn}/index/*"]
    return _doc(
        {
            "Sid": "OwnObjects",
            "Effect": "Allow",
            "Action": OBJECT_ACTIONS,
            "Resource": objects,
        },
        {
            "Sid": "ListOwnPrefix",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
        },
        {
            "Sid": "OwnPartition",
            "Effect": "Allow",
            "Action": ITEM_ACTIONS,
            "Resource": table_resources,
            "Condition": {
                "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [tenant_key]},
                # ForAllValues is true when the key is absent; require it to be present.
                "Null": {"dynamodb:LeadingKeys": "false"},
            },
        },
        {
            # The shared bucket uses SSE-KMS without bucket keys, so S3 passes the object
            # ARN as encryption context and the key can be bound to the tenant's prefix.
            "Sid": "KeyForOwnObjects",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
            "Condition": {
                "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": objects},
            },
        },
        {
            "Sid": "ReadOwnConfig",
            "Effect": "Allow",
            "Action": PARAMETER_READ,
            "Resource": config_parameter_arn,
        },
        {
            "Sid": "KeyForOwnConfig",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": kms_key_arn,
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"ssm.{region}.amazonaws.com",
                    "kms:EncryptionContext:PARAMETER_ARN": config_parameter_arn,
                }
            },
        },
        {
            # Holds even if a broader policy is attached to the role later.
            "Sid": "DenyOtherTenantsObjects",
            "Effect": "Deny",
            "Action": OBJECT_ACTIONS,
            "NotResource": objects,
        },
        {
            "Sid": "DenyOtherPartitions",
            "Effect": "Deny",
            "Action": "dynamodb:*",
            "Resource": table_resources,
            "Condition": {"ForAnyValue:StringNotEquals": {"dynamodb:LeadingKeys": [tenant_key]}},
        },
        {
            "Sid": "DenyTableWideReads",
            "Effect": "Deny",
            "Action": ["dynamodb:Scan", "dynamodb:ExportTableToPointInTime"],
            "Resource": table_resources,
        },
    )


def dedicated_tenant_policy(
    *,
    bucket_arn: str,
    table_arn: str,
    kms_key_arn: str,
    config_parameter_arn: str,
    queue_arns: list[str] | None = None,
    secret_arns: list[str] | None = None,
    function_name: str | None = None,
) -> Policy:
    """A silo or bridge tenant role: full data access, but only to the tenant's own resources."""
    table = Arn.parse(table_arn)
    statements: list[Policy] = [
        {
            "Sid": "OwnObjects",
            "Effect": "Allow",
            "Action": OBJECT_ACTIONS,
            "Resource": f"{bucket_arn}/*",
        },
        {
            "Sid": "ListOwnBucket",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
        },
        {
            "Sid": "OwnTable",
            "Effect": "Allow",
            "Action": [*ITEM_ACTIONS, "dynamodb:Scan"],
            "Resource": [table_arn, f"{table_arn}/index/*"],
        },
        {
            "Sid": "OwnKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
        },
        {
            "Sid": "ReadOwnConfig",
            "Effect": "Allow",
            "Action": PARAMETER_READ,
            "Resource": config_parameter_arn,
        },
    ]
    if queue_arns:
        statements.append(
            {
                "Sid": "OwnQueues",
                "Effect": "Allow",
                "Action": [
                    "sqs:SendMessage",
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes",
                ],
                "Resource": queue_arns,
            }
        )
    if secret_arns:
        statements.append(
            {
                "Sid": "OwnSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": secret_arns,
            }
        )
    if function_name:
        statements.append(
            _logs_statement(table.partition, table.region, table.account, function_name)
        )
    return _doc(*statements)


def platform_app_policy(
    *,
    partition: str,
    region: str,
    account: str,
    function_name: str,
    routes_path: str,
    kms_key_arn: str,
) -> Policy:
    """The shared app's own role: read routes, assume tenant roles, write its logs.

    It holds no data permissions: it serves a pooled or bridge tenant by assuming that
    tenant's role (``role/tenants/...``), whose policy scopes it to the tenant's data.
    """
    routes_arn = f"arn:{partition}:ssm:{region}:{account}:parameter{routes_path}/*"
    return _doc(
        {"Sid": "ReadRoutes", "Effect": "Allow", "Action": PARAMETER_READ, "Resource": routes_arn},
        {
            "Sid": "KeyForRoutes",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": kms_key_arn,
            "Condition": {
                "StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:PARAMETER_ARN": routes_arn},
            },
        },
        {
            "Sid": "AssumeTenantRoles",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Resource": f"arn:{partition}:iam::{account}:role{ROLE_PATH}*",
        },
        _logs_statement(partition, region, account, function_name),
    )


def tls_only_bucket_policy(bucket_arn: str) -> Policy:
    """Refuse any request to the bucket that does not use TLS."""
    return _doc(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
