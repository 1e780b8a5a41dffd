"""Tenant isolation, checked by evaluating the policy documents against real requests.

The policies are pure functions; ``policy_eval`` applies IAM's rules (explicit deny wins,
no allow means deny, condition operators with their missing-key semantics) so these tests
ask "may tenant A's role do X to tenant B's data?" rather than comparing JSON shapes.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stacks.common import (
    assume_role_policy,
    dedicated_tenant_policy,
    lambda_trust_policy,
    platform_app_policy,
    pooled_tenant_policy,
    tls_only_bucket_policy,
)

from .policy_eval import Request, allowed, evaluate

REGION = "us-east-1"
BUCKET = "arn:aws:s3:::platform-tenant-data-123456789012-us-east-1"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/platform-tenant-data"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1111-2222"
PARAM = "arn:aws:ssm:us-east-1:123456789012:parameter/tenants/{key}/config"


def pooled(key: str):
    return pooled_tenant_policy(
        tenant_key=key,
        bucket_arn=BUCKET,
        table_arn=TABLE,
        kms_key_arn=KEY,
        config_parameter_arn=PARAM.format(key=key),
        region=REGION,
    )


def own_requests(key: str) -> list[Request]:
    """What a tenant's code needs to do with its own data."""
    obj = f"{BUCKET}/tenants/{key}/reports/2024.csv"
    return [
        Request("s3:GetObject", obj),
        Request("s3:PutObject", obj),
        Request("s3:DeleteObject", obj),
        Request("s3:ListBucket", BUCKET, {"s3:prefix": f"tenants/{key}/"}),
        Request("s3:ListBucket", BUCKET, {"s3:prefix": f"tenants/{key}/reports/"}),
        Request("dynamodb:GetItem", TABLE, {"dynamodb:LeadingKeys": [key]}),
        Request("dynamodb:PutItem", TABLE, {"dynamodb:LeadingKeys": [key]}),
        Request("dynamodb:Query", f"{TABLE}/index/by-date", {"dynamodb:LeadingKeys": [key]}),
        Request("dynamodb:BatchWriteItem", TABLE, {"dynamodb:LeadingKeys": [key, key]}),
        Request(
            "kms:GenerateDataKey",
            KEY,
            {
                "kms:ViaService": f"s3.{REGION}.amazonaws.com",
                "kms:EncryptionContext:aws:s3:arn": obj,
            },
        ),
        Request("ssm:GetParameter", PARAM.format(key=key)),
        Request(
            "kms:Decrypt",
            KEY,
            {
                "kms:ViaService": f"ssm.{REGION}.amazonaws.com",
                "kms:EncryptionContext:PARAMETER_ARN": PARAM.format(key=key),
            },
        ),
    ]


def other_tenant_requests(other: str) -> list[Request]:
    """The same requests aimed at another tenant's prefix, partition, config and context."""
    obj = f"{BUCKET}/tenants/{other}/reports/2024.csv"
    return [
        Request("s3:GetObject", obj),
        Request("s3:PutObject", obj),
        Request("s3:DeleteObject", obj),
        Request("s3:ListBucket", BUCKET, {"s3:prefix": f"tenants/{other}/"}),
        Request("dynamodb:GetItem", TABLE, {"dynamodb:LeadingKeys": [other]}),
        Request("dynamodb:Query", TABLE, {"dynamodb:LeadingKeys": [other]}),
        Request(
            "kms:Decrypt",
            KEY,
            {
                "kms:ViaService": f"s3.{REGION}.amazonaws.com",
                "kms:EncryptionContext:aws:s3:arn": obj,
            },
        ),
        Request("ssm:GetParameter", PARAM.format(key=other)),
        Request(
            "kms:Decrypt",
            KEY,
            {
                "kms:ViaService": f"ssm.{REGION}.amazonaws.com",
                "kms:EncryptionContext:PARAMETER_ARN": PARAM.format(key=other),
            },
        ),
    ]


def test_pooled_tenant_reaches_its_own_prefix_partition_and_config():
    policy = pooled("acme")
    for request in own_requests("acme"):
        assert allowed(policy, request), request


def test_pooled_tenant_cannot_reach_another_tenants_data():
    policy = pooled("acme")
    for request in other_tenant_requests("globex"):
        assert not allowed(policy, request), request


@pytest.mark.parametrize("other", ["acme-corp", "acm", "acmex", "acme2"])
def test_keys_sharing_a_prefix_are_still_isolated(other):
    policy = pooled("acme")
    for request in other_tenant_requests(other):
        assert not allowed(policy, request), request


def test_explicit_denies_cover_other_prefixes_and_partitions():
    # Denied even if a broader policy (say AmazonS3FullAccess) is attached to the role later.
    policy = pooled("acme")
    assert evaluate(policy, Request("s3:GetObject", f"{BUCKET}/tenants/globex/x")) == "Deny"
    assert evaluate(policy, Request("s3:PutObject", f"{BUCKET}/top-level.txt")) == "Deny"
    assert evaluate(policy, Request("s3:GetObject", "arn:aws:s3:::another-bucket/x")) == "Deny"
    other = Request("dynamodb:PutItem", TABLE, {"dynamodb:LeadingKeys": ["globex"]})
    assert evaluate(policy, other) == "Deny"


def test_mixed_or_missing_partition_keys_are_denied():
    policy = pooled("acme")
    mixed = Request("dynamodb:BatchGetItem", TABLE, {"dynamodb:LeadingKeys": ["acme", "globex"]})
    assert evaluate(policy, mixed) == "Deny"
    assert not allowed(policy, Request("dynamodb:GetItem", TABLE))
    assert evaluate(policy, Request("dynamodb:Scan", TABLE)) == "Deny"


def test_listing_needs_the_tenants_prefix():
    policy = pooled("acme")
    assert not allowed(policy, Request("s3:ListBucket", BUCKET))
    assert not allowed(policy, Request("s3:ListBucket", BUCKET, {"s3:prefix": ""}))
    assert not allowed(policy, Request("s3:ListBucket", BUCKET, {"s3:prefix": "tenants/"}))


def test_shared_key_only_through_s3_or_ssm_with_the_tenants_context():
    policy = pooled("acme")
    obj = f"{BUCKET}/tenants/acme/x"
    direct = Request("kms:Decrypt", KEY, {"kms:EncryptionContext:aws:s3:arn": obj})
    assert not allowed(policy, direct)
    assert not allowed(policy, Request("kms:Decrypt", KEY))
    assert not allowed(policy, Request("kms:CreateGrant", KEY))


distinct_keys = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{2,8}(-[a-z0-9]{1,4})?", fullmatch=True),
    min_size=2,
    max_size=2,
    unique=True,
)


@settings(max_examples=40, deadline=None)
@given(keys=distinct_keys)
def test_any_two_pooled_tenants_are_isolated(keys):
    mine, other = keys
    policy = pooled(mine)
    assert all(allowed(policy, r) for r in own_requests(mine))
    assert not any(allowed(policy, r) for r in other_tenant_requests(other))


def test_dedicated_policy_is_bound_to_the_tenants_own_resources():
    policy = dedicated_tenant_policy(
        bucket_arn="arn:aws:s3:::tenant-acme-data-1234abcd",
        table_arn="arn:aws:dynamodb:us-east-1:123456789012:table/tenant-acme-data",
        kms_key_arn=KEY,
        config_parameter_arn=PARAM.format(key="acme"),
        queue_arns=["arn:aws:sqs:us-east-1:123456789012:tenant-acme-events"],
        function_name="tenant-acme-app",
    )
    assert allowed(policy, Request("s3:GetObject", "arn:aws:s3:::tenant-acme-data-1234abcd/a"))
    assert allowed(
        policy,
        Request("dynamodb:Scan", "arn:aws:dynamodb:us-east-1:123456789012:table/tenant-acme-data"),
    )
    assert allowed(
        policy, Request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:tenant-acme-events")
    )
    log = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/tenant-acme-app:log-stream:x"
    assert allowed(policy, Request("logs:PutLogEvents", log))
    for request in [
        Request("s3:GetObject", "arn:aws:s3:::tenant-globex-data-99999999/a"),
        Request(
            "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/tenant-globex-data"
        ),
        Request("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:tenant-globex-events"),
        Request("ssm:GetParameter", PARAM.format(key="globex")),
        Request("kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/other"),
        Request("logs:PutLogEvents", log.replace("acme", "globex")),
        Request("s3:DeleteBucket", "arn:aws:s3:::tenant-acme-data-1234abcd"),
        Request(
            "dynamodb:DeleteTable", "arn:aws:dynamodb:us-east-1:123456789012:table/tenant-acme-data"
        ),
    ]:
        assert not allowed(policy, request), request


def test_platform_app_role_only_assumes_tenant_roles_and_reads_routes():
    policy = platform_app_policy(
        partition="aws",
        region=REGION,
        account="123456789012",
        function_name="platform-app",
        routes_path="/platform/routes",
        kms_key_arn=KEY,
    )
    assert allowed(
        policy, Request("sts:AssumeRole", "arn:aws:iam::123456789012:role/tenants/tenant-acme-app")
    )
    assert allowed(
        policy,
        Request(
            "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/platform/routes/acme"
        ),
    )
    assert not allowed(policy, Request("sts:AssumeRole", "arn:aws:iam::123456789012:role/admin"))
    assert not allowed(
        policy, Request("sts:AssumeRole", "arn:aws:iam::999999999999:role/tenants/x")
    )
    assert not allowed(policy, Request("ssm:GetParameter", PARAM.format(key="acme")))
    assert not allowed(policy, Request("s3:GetObject", f"{BUCKET}/tenants/acme/x"))
    assert not allowed(
        policy, Request("dynamodb:GetItem", TABLE, {"dynamodb:LeadingKeys": ["acme"]})
    )


def test_trust_policies_name_exactly_one_principal():
    (lambda_trust,) = lambda_trust_policy()["Statement"]
    assert lambda_trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    (platform_trust,) = assume_role_policy("arn:aws:iam::1:role/platform/platform-app")["Statement"]
    assert platform_trust["Principal"] == {"AWS": "arn:aws:iam::1:role/platform/platform-app"}
    assert platform_trust["Action"] == ["sts:AssumeRole", "sts:TagSession"]


def test_buckets_refuse_plain_http():
    policy = tls_only_bucket_policy("arn:aws:s3:::b")
    insecure = Request("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "false"})
    secure = Request("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "true"})
    assert evaluate(policy, insecure) == "Deny"
    assert evaluate(policy, secure) == "ImplicitDeny"


def test_evaluator_semantics():
    # The evaluator itself: ForAllValues on a missing key is vacuously true (why the pooled
    # policy adds a Null check), negated operators match a missing key.
    doc = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "x:Y",
                "Resource": "*",
                "Condition": {"ForAllValues:StringEquals": {"k": ["a"]}},
            }
        ]
    }
    assert allowed(doc, Request("x:Y", "r"))
    assert allowed(doc, Request("x:Y", "r", {"k": ["a"]}))
    assert not allowed(doc, Request("x:Y", "r", {"k": ["a", "b"]}))
    neg = {
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"k": "a"}},
            }
        ]
    }
    assert evaluate(neg, Request("x:Y", "r")) == "Deny"
    assert evaluate(neg, Request("x:Y", "r", {"k": "a"})) == "ImplicitDeny"
