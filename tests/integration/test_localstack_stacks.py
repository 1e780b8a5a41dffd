"""The real programs, run through the engine with the real AWS provider, against LocalStack.

What the mock tests cannot show: that the provider accepts every argument, that resources
come up in a working order, that outputs are what the next component needs, that a version
change is an update, and that destroy removes (or, with retain_data, keeps) the data.
"""

from __future__ import annotations

import pytest

from engine.core.models import Component, Contact, TenantSpec, Tier
from stacks.catalog import build_catalog

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine(localstack, integration_settings):
    from engine.pulumi._runner import PulumiRunner

    settings = integration_settings(endpoint=localstack)
    engine = PulumiRunner(settings, build_catalog(settings))
    engine.ensure_platform()
    return engine


def spec(key: str, tier: Tier, **overrides) -> TenantSpec:
    values = {
        "tenant_id": f"it-{key}",
        "tenant_key": key,
        "tenant_name": f"Integration {key}",
        "tier": tier,
        "contacts": (Contact(email=f"admin@{key}.example.com", is_primary=True),),
        "app_version": "1.0.0",
    }
    values.update(overrides)
    return TenantSpec(**values)


def test_platform_is_created_once_and_shared(engine, boto):
    again = engine.ensure_platform()
    assert again.changes.get("create", 0) == 0
    outputs = again.outputs
    s3 = boto("s3")
    rule = s3.get_bucket_encryption(Bucket=outputs["bucket_name"])[
        "ServerSideEncryptionConfiguration"
    ]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    block = s3.get_public_access_block(Bucket=outputs["bucket_name"])
    assert all(block["PublicAccessBlockConfiguration"].values())
    table = boto("dynamodb").describe_table(TableName=outputs["table_name"])["Table"]
    assert table["SSEDescription"]["Status"] in ("ENABLED", "ENABLING")


@pytest.mark.parametrize("tier", list(Tier))
def test_tenant_lifecycle(engine, boto, run_id, tier):
    key = f"it-{tier.value}-{run_id}"
    tenant = spec(key, tier)
    infra = engine.up(tenant, Component.INFRA).outputs
    assert infra["role_name"] == f"tenant-{key}-app"
    boto("iam").get_role_policy(RoleName=infra["role_name"], PolicyName="tenant-data-access")
    boto("ssm").get_parameter(Name=infra["config_parameter"], WithDecryption=True)
    boto("s3").head_bucket(Bucket=infra["bucket_name"])

    deployed = tenant.model_copy(update={"inputs": infra})
    first = engine.up(deployed, Component.APP)
    assert first.outputs["app_version"] == "1.0.0"
    for target in ("1.1.0", "1.0.0"):  # roll forward, then back
        result = engine.up(deployed.model_copy(update={"app_version": target}), Component.APP)
        assert result.outputs["app_version"] == target
        assert result.changes.get("update", 0) >= 1
        assert not {"replace", "create", "delete"} & set(result.changes), result.changes
    if tier is Tier.SILO:
        alias = boto("lambda").get_alias(FunctionName=f"tenant-{key}-app", Name="live")
        assert alias["FunctionVersion"] == result.outputs["function_version"]
    else:
        route = boto("ssm").get_parameter(
            Name=result.outputs["route_parameter"], WithDecryption=True
        )
        assert '"app_version": "1.0.0"' in route["Parameter"]["Value"]

    engine.destroy(key, Component.APP, remove=True)
    engine.destroy(key, Component.INFRA, remove=True)
    roles = boto("iam").list_roles(PathPrefix="/tenants/")["Roles"]
    assert f"tenant-{key}-app" not in {r["RoleName"] for r in roles}
    if tier is not Tier.POOLED:
        buckets = {b["Name"] for b in boto("s3").list_buckets()["Buckets"]}
        assert infra["bucket_name"] not in buckets


def test_retained_data_survives_deprovision(engine, boto, run_id):
    key = f"it-keep-{run_id}"
    infra = engine.up(spec(key, Tier.SILO, retain_data=True), Component.INFRA).outputs
    assert {e["name"] for e in infra["retained"]} >= {"data-bucket", "data-table", "data-key"}
    engine.destroy(key, Component.INFRA, remove=True)
    # The data and its key stay; the access to it (role, policy, config) is gone.
    boto("s3").head_bucket(Bucket=infra["bucket_name"])
    boto("dynamodb").describe_table(TableName=infra["table_name"])
    assert boto("kms").describe_key(KeyId=infra["kms_key_arn"])["KeyMetadata"]["Enabled"]
    roles = boto("iam").list_roles(PathPrefix="/tenants/")["Roles"]
    assert f"tenant-{key}-app" not in {r["RoleName"] for r in roles}
