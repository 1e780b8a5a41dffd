"""Infra programs per tier: resource graph, names, tags, encryption, retention, outputs."""

from __future__ import annotations

import json
import re

import pytest

from engine.core.models import Component, Tier
from stacks.common import tenant_tags
from stacks.infra import INFRA_OUTPUTS, bridge_program, pooled_program, silo_program

from .factories import make_spec
from .graph_checks import (
    assert_buckets_private_and_encrypted,
    assert_encrypted_with,
    assert_explicit_provider,
    assert_inventory_matches_graph,
    assert_tagged,
)
from .stack_harness import ACCOUNT

PROGRAMS = {Tier.SILO: silo_program, Tier.POOLED: pooled_program, Tier.BRIDGE: bridge_program}
TIERS = list(PROGRAMS)
# tenant-<key>-<purpose>, and its path forms for SSM, Secrets Manager, KMS aliases, S3 keys.
NAMED = re.compile(r"^(alias/tenant-acme-|tenant-acme-|/tenants/acme/|tenants/acme/)[a-z0-9.-]")
NAMED_KINDS = {"Alias", "Table", "Queue", "Secret", "Role", "Parameter", "Function", "LogGroup"}
PLATFORM_SHARED = {"aws:s3/bucket:Bucket", "aws:dynamodb/table:Table", "aws:kms/key:Key"}


@pytest.fixture(scope="module")
def infra(ctx, run):
    cache = {}

    def _infra(tier: Tier, retain: bool = False, key: str = "acme"):
        if (tier, retain, key) not in cache:
            spec = make_spec(tier, key, retain_data=retain)
            cache[(tier, retain, key)] = run(PROGRAMS[tier](ctx, spec))
        return cache[(tier, retain, key)]

    return _infra


def physical_name(resource) -> str | None:
    """The name a resource has in AWS, for the resource kinds that take one."""
    kind = resource.type.split(":")[-1]
    if kind == "Bucket":
        return str(resource["bucket"])
    if kind == "BucketObjectv2":
        return str(resource["key"])
    return str(resource["name"]) if kind in NAMED_KINDS else None


def kinds(run) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in run.cloud():
        kind = r.type.split(":")[-1]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def test_silo_graph_is_all_dedicated(infra):
    assert kinds(infra(Tier.SILO)) == {
        "Key": 1,
        "Alias": 1,
        "Bucket": 1,
        "BucketPublicAccessBlock": 1,
        "BucketOwnershipControls": 1,
        "BucketServerSideEncryptionConfiguration": 1,
        "BucketVersioning": 1,
        "BucketPolicy": 1,
        "Table": 1,
        "Queue": 2,
        "Secret": 1,
        "SecretVersion": 1,
        "Role": 1,
        "RolePolicy": 1,
        "Parameter": 1,
    }


def test_pooled_graph_references_the_platform_and_creates_no_shared_data(infra):
    run = infra(Tier.POOLED)
    assert kinds(run) == {
        "BucketObjectv2": 1,
        "TableItem": 1,
        "Role": 1,
        "RolePolicy": 1,
        "Parameter": 1,
    }
    assert not PLATFORM_SHARED & {r.type for r in run.cloud()}
    (ref,) = run.of_type("pulumi:pulumi:StackReference")
    assert ref["name"] == "organization/tenants/platform-shared"


def test_bridge_graph_has_dedicated_data_and_no_compute(infra):
    counts = kinds(infra(Tier.BRIDGE))
    assert counts["Key"] == counts["Bucket"] == counts["Table"] == 1
    assert "Function" not in counts and "Queue" not in counts
    assert infra(Tier.BRIDGE).of_type("pulumi:pulumi:StackReference")


@pytest.mark.parametrize("tier", TIERS)
def test_tags_names_provider_and_outputs(infra, tier):
    run = infra(tier)
    assert_tagged(run, tenant_tags(make_spec(tier), Component.INFRA))
    assert_explicit_provider(run)
    for name in INFRA_OUTPUTS:
        assert run.outputs.get(name) is not None, name
    assert run.outputs["tier"] == tier.value
    assert run.outputs["role_name"] == "tenant-acme-app"
    assert run.outputs["role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/tenants/tenant-acme-app"
    assert run.outputs["config_parameter"] == "/tenants/acme/config"
    assert_inventory_matches_graph(run)
    for resource in run.cloud():
        physical = physical_name(resource)
        if physical is not None:
            assert NAMED.match(physical), (resource.type, physical)


@pytest.mark.parametrize("tier", [Tier.SILO, Tier.BRIDGE])
def test_dedicated_data_is_encrypted_with_the_tenants_key(infra, tier):
    run = infra(tier)
    key_arn = run.outputs["kms_key_arn"]
    assert_buckets_private_and_encrypted(run, key_arn)
    for resource in run.cloud():
        if resource.type in (
            "aws:dynamodb/table:Table",
            "aws:sqs/queue:Queue",
            "aws:secretsmanager/secret:Secret",
            "aws:ssm/parameter:Parameter",
        ):
            assert_encrypted_with(resource, key_arn)
    key = run.one("aws:kms/key:Key")
    assert key["enableKeyRotation"] is True
    assert run.one("aws:kms/alias:Alias")["name"] == "alias/tenant-acme-data"
    bucket = run.one("aws:s3/bucket:Bucket")
    assert bucket["bucket"].startswith("tenant-acme-data-")
    assert run.one("aws:dynamodb/table:Table")["name"] == "tenant-acme-data"


def test_pooled_data_is_encrypted_with_the_platform_key(infra, platform_outputs):
    run = infra(Tier.POOLED)
    key_arn = platform_outputs["kms_key_arn"]
    assert run.outputs["kms_key_arn"] == key_arn
    for resource in run.cloud():
        if resource.type in ("aws:ssm/parameter:Parameter", "aws:s3/bucketObjectv2:BucketObjectv2"):
            assert_encrypted_with(resource, key_arn)
    marker = run.one("aws:s3/bucketObjectv2:BucketObjectv2")
    assert marker["bucket"] == platform_outputs["bucket_name"]
    assert marker["key"] == "tenants/acme/.tenant.json"
    item = run.one("aws:dynamodb/tableItem:TableItem")
    assert item["tableName"] == platform_outputs["table_name"]
    assert json.loads(item["item"])["tenant_key"] == {"S": "acme"}
    assert run.outputs["data_prefix"] == "tenants/acme/"


def test_silo_queue_has_a_dead_letter_queue(infra):
    run = infra(Tier.SILO)
    queue = run.one("aws:sqs/queue:Queue", "events-queue")
    dlq = run.one("aws:sqs/queue:Queue", "events-dlq")
    redrive = json.loads(queue["redrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(f":{dlq['name']}")
    assert queue["name"] == "tenant-acme-events"


def test_initial_secret_is_secret_and_never_rotated_by_a_later_up(infra):
    version = infra(Tier.SILO).one("aws:secretsmanager/secretVersion:SecretVersion")
    assert "secretString" in version.secret_inputs
    assert version.ignore_changes == ["secretString"]


@pytest.mark.parametrize("tier", TIERS)
def test_retain_data_keeps_stateful_resources(infra, tier):
    kept_run, plain_run = infra(tier, retain=True), infra(tier, retain=False)
    assert not [r for r in plain_run.cloud() if r.retain_on_delete]
    assert plain_run.outputs["retained"] == []
    kept = {r.type.split(":")[-1] for r in kept_run.cloud() if r.retain_on_delete}
    stateful = {
        Tier.SILO: {"Key", "Alias", "Bucket", "Table", "Secret", "SecretVersion"},
        Tier.BRIDGE: {"Key", "Alias", "Bucket", "Table"},
        Tier.POOLED: {"BucketObjectv2", "TableItem"},
    }[tier]
    assert stateful <= kept
    # Roles, policies and queues go; nothing that is not data is kept.
    assert not kept & {"Role", "RolePolicy", "Queue", "Parameter"}
    retained = {(e["type"].split(":")[-1], e["name"]) for e in kept_run.outputs["retained"]}
    assert {k for k, _ in retained} == kept
    assert_inventory_matches_graph(kept_run)


@pytest.mark.parametrize("tier", [Tier.SILO, Tier.BRIDGE])
def test_buckets_are_emptied_on_destroy_only_without_retention(infra, tier):
    assert infra(tier, retain=False).one("aws:s3/bucket:Bucket")["forceDestroy"] is True
    retained = infra(tier, retain=True)
    assert retained.one("aws:s3/bucket:Bucket")["forceDestroy"] is False
    assert retained.one("aws:dynamodb/table:Table")["deletionProtectionEnabled"] is True
