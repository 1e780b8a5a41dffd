"""Checks every AWS program must pass, shared by the platform, infra and app tests."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from functools import cache
from typing import Any

from stacks.common import MANAGED_BY

from .stack_harness import Recorded, StackRun


@cache
def accepts_tags(type_token: str) -> bool:
    """Whether the provider SDK's resource class takes ``tags`` (so it must get them)."""
    package, module_path, cls = type_token.split(":")
    module = module_path.split("/")[0]
    py_package = {"aws": "pulumi_aws", "auth0": "pulumi_auth0", "keycloak": "pulumi_keycloak"}
    name = py_package[package] if module == "index" else f"{py_package[package]}.{module}"
    try:
        resource_class = getattr(importlib.import_module(name), cls)
    except (ImportError, AttributeError):
        resource_class = getattr(importlib.import_module(f"{name}_"), cls)  # lambda -> lambda_
    return "tags" in inspect.signature(resource_class._internal_init).parameters


def assert_tagged(run: StackRun, expected: dict[str, str]) -> None:
    taggable = [r for r in run.cloud() if accepts_tags(r.type)]
    assert taggable, "no taggable resources"
    for resource in taggable:
        tags = resource.get("tags") or {}
        missing = {k: v for k, v in expected.items() if tags.get(k) != v}
        assert not missing, f"{resource.type} {resource.name} lacks tags {missing}"
        assert tags["managed-by"] == MANAGED_BY


def assert_explicit_provider(run: StackRun, package: str = "aws") -> None:
    """No resource may fall back to the default provider (ambient credentials)."""
    for resource in run.cloud():
        assert f"pulumi:providers:{package}::" in resource.provider, (resource.type, resource.name)
    assert run.of_type(f"pulumi:providers:{package}")


def assert_buckets_private_and_encrypted(run: StackRun, key_arn: str) -> None:
    buckets = run.of_type("aws:s3/bucket:Bucket")
    assert buckets
    for bucket in buckets:
        name = bucket["bucket"]
        parts = {r.type.split(":")[-1]: r for r in run.cloud() if r.get("bucket") == name}
        block = parts["BucketPublicAccessBlock"]
        for flag in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ):
            assert block[flag] is True, flag
        rule = parts["BucketServerSideEncryptionConfiguration"]["rules"][0]
        default = rule["applyServerSideEncryptionByDefault"]
        assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn}
        assert parts["BucketOwnershipControls"]["rule"]["objectOwnership"] == "BucketOwnerEnforced"
        assert parts["BucketVersioning"]["versioningConfiguration"]["status"] == "Enabled"
        (deny,) = parts["BucketPolicy"].json("policy")["Statement"]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert "acl" not in bucket.inputs and "policy" not in bucket.inputs


def assert_encrypted_with(resource: Recorded, key_arn: str) -> None:
    field: Callable[[Recorded], Any] = {
        "aws:dynamodb/table:Table": lambda r: r["serverSideEncryption"]["kmsKeyArn"],
        "aws:sqs/queue:Queue": lambda r: r["kmsMasterKeyId"],
        "aws:secretsmanager/secret:Secret": lambda r: r["kmsKeyId"],
        "aws:ssm/parameter:Parameter": lambda r: r["keyId"],
        "aws:s3/bucketObjectv2:BucketObjectv2": lambda r: r["kmsKeyId"],
    }[resource.type]
    assert field(resource) == key_arn, (resource.type, resource.name)
    if resource.type == "aws:dynamodb/table:Table":
        assert resource["serverSideEncryption"]["enabled"] is True
    if resource.type == "aws:ssm/parameter:Parameter":
        assert resource["type"] == "SecureString"


def assert_inventory_matches_graph(run: StackRun) -> None:
    """``resources`` lists every cloud resource once; ``retained`` exactly the kept ones."""
    listed = {(e["type"], e["name"]) for e in run.outputs["resources"]}
    created = {(r.type, r.name) for r in run.cloud()}
    assert listed == created
    assert all(e["id"] for e in run.outputs["resources"])
    kept = {(e["type"], e["name"]) for e in run.outputs["retained"]}
    assert kept == {(r.type, r.name) for r in run.cloud() if r.retain_on_delete}
