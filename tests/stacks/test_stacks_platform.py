"""The shared platform stack: created once, referenced by pooled and bridge tenants."""

from __future__ import annotations

import json

from stacks.common import platform_tags
from stacks.platform import PARTITION_ATTRIBUTE, PLATFORM_OUTPUTS

from .graph_checks import (
    assert_buckets_private_and_encrypted,
    assert_encrypted_with,
    assert_explicit_provider,
    assert_inventory_matches_graph,
    assert_tagged,
)
from .stack_harness import ACCOUNT, CALLER_IDENTITY, REGION


def test_resource_graph(platform_run):
    names = {(r.type.split(":")[-1], r.name) for r in platform_run.cloud()}
    assert names == {
        ("Key", "data-key"),
        ("Alias", "data-key-alias"),
        ("Bucket", "data-bucket"),
        ("BucketPublicAccessBlock", "data-bucket-public-access"),
        ("BucketOwnershipControls", "data-bucket-ownership"),
        ("BucketServerSideEncryptionConfiguration", "data-bucket-encryption"),
        ("BucketVersioning", "data-bucket-versioning"),
        ("BucketPolicy", "data-bucket-policy"),
        ("Table", "data-table"),
        ("Role", "app-role"),
        ("RolePolicy", "app-role-policy"),
        ("LogGroup", "app-logs"),
        ("Function", "app"),
        ("Alias", "app-alias"),
        ("FunctionUrl", "app-url"),
    }
    assert CALLER_IDENTITY in platform_run.invokes


def test_exports_the_contract_tenant_stacks_reference(platform_run):
    outputs = platform_run.outputs
    for name in PLATFORM_OUTPUTS:
        assert outputs.get(name), name
    assert outputs["bucket_name"] == f"platform-tenant-data-{ACCOUNT}-{REGION}"
    assert outputs["table_name"] == "platform-tenant-data"
    assert outputs["routes_path"] == "/platform/routes"
    assert_inventory_matches_graph(platform_run)


def test_shared_data_is_encrypted_private_and_retained(platform_run):
    key_arn = platform_run.outputs["kms_key_arn"]
    assert_buckets_private_and_encrypted(platform_run, key_arn)
    # Per-object KMS context (no bucket keys) is what lets pooled key use be prefix-bound.
    encryption = platform_run.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert encryption["rules"][0]["bucketKeyEnabled"] is False
    table = platform_run.one("aws:dynamodb/table:Table")
    assert_encrypted_with(table, key_arn)
    assert table["hashKey"] == PARTITION_ATTRIBUTE
    assert table["pointInTimeRecovery"] == {"enabled": True}
    key = platform_run.one("aws:kms/key:Key")
    assert key["enableKeyRotation"] is True
    data = [r for r in platform_run.cloud() if r.name.startswith("data-")]
    assert data and all(r.retain_on_delete for r in data)
    bucket = platform_run.one("aws:s3/bucket:Bucket")
    assert bucket["forceDestroy"] is False


def test_shared_app_is_private_and_holds_no_data_permissions(platform_run):
    url = platform_run.one("aws:lambda/functionUrl:FunctionUrl")
    assert url["authorizationType"] == "AWS_IAM"
    assert url["qualifier"] == "live"
    role = platform_run.one("aws:iam/role:Role")
    trust = json.loads(role["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    policy = platform_run.one("aws:iam/rolePolicy:RolePolicy").json("policy")
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert not any(a.startswith(("s3:", "dynamodb:")) for a in actions)
    assume = next(s for s in policy["Statement"] if s["Sid"] == "AssumeTenantRoles")
    assert assume["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/tenants/*"


def test_tags_names_and_provider(platform_run):
    assert_tagged(platform_run, platform_tags())
    assert_explicit_provider(platform_run)
    named = [r.get("name") or r.get("bucket") for r in platform_run.cloud()]
    assert {"platform-app", "platform-tenant-data", "alias/platform-tenant-data"} <= set(named)
