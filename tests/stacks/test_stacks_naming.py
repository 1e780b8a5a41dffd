"""Naming and tagging conventions: one function each, inside AWS limits for every key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.models import TENANT_KEY_MAX, Component, Tier
from stacks.common import (
    MANAGED_BY,
    Arn,
    platform_bucket_name,
    platform_tags,
    route_parameter,
    tenant_bucket_name,
    tenant_config_parameter,
    tenant_hosts,
    tenant_idp_name,
    tenant_name,
    tenant_prefix,
    tenant_tags,
)

from .factories import make_spec

keys = st.from_regex(r"[a-z][a-z0-9]{0,9}(-[a-z0-9]{1,6}){0,3}", fullmatch=True).filter(
    lambda k: 3 <= len(k) <= TENANT_KEY_MAX
)
BUCKET = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"


def test_tenant_and_platform_names_follow_one_convention():
    assert tenant_name("acme", "data") == "tenant-acme-data"
    assert tenant_name("acme", "app") == "tenant-acme-app"
    assert tenant_idp_name("acme") == "tenant-acme"
    assert tenant_prefix("acme") == "tenants/acme/"
    assert tenant_config_parameter("acme") == "/tenants/acme/config"
    assert route_parameter("acme") == "/platform/routes/acme"


def test_longest_key_fits_every_aws_limit():
    key = "k" * TENANT_KEY_MAX
    assert len(tenant_bucket_name(key, "t" * 64)) <= 63
    assert len(tenant_name(key, "events-dlq")) <= 80  # SQS queue names
    assert len(tenant_name(key, "app")) <= 64  # IAM role and Lambda function names
    assert len(platform_bucket_name("123456789012", "ap-southeast-4")) <= 63


@settings(max_examples=50, deadline=None)
@given(key=keys, tenant_id=st.text(alphabet="abcdef0123456789-", min_size=1, max_size=64))
def test_bucket_names_are_valid_and_stable(key, tenant_id):
    import re

    name = tenant_bucket_name(key, tenant_id)
    assert re.match(BUCKET, name), name
    assert name.startswith(f"tenant-{key}-data-")
    assert name == tenant_bucket_name(key, tenant_id)


def test_bucket_suffix_separates_tenants_reusing_a_key():
    assert tenant_bucket_name("acme", "tenant-1") != tenant_bucket_name("acme", "tenant-2")


def test_names_refuse_invalid_keys():
    with pytest.raises(ValueError):
        tenant_name("Acme", "data")
    with pytest.raises(ValueError):
        tenant_prefix("../other")


def test_master_realm_cannot_be_named_by_a_tenant():
    assert tenant_idp_name("master") != "master"


def test_tags_identify_tenant_tier_and_manager():
    tags = tenant_tags(make_spec(Tier.POOLED), Component.INFRA)
    assert tags == {
        "tenant-id": "tid-acme",
        "tenant-key": "acme",
        "tier": "pooled",
        "component": "infra",
        "managed-by": MANAGED_BY,
    }
    assert platform_tags()["managed-by"] == MANAGED_BY


def test_hosts_default_to_a_loopback_name_without_domains():
    assert tenant_hosts(make_spec(domains=())) == ("acme.tenants.localhost",)
    assert tenant_hosts(make_spec(domains=(), parameters={"base_domain": "saas.io"})) == (
        "acme.saas.io",
    )
    assert tenant_hosts(make_spec()) == ("acme.example.com",)


def test_arn_parse():
    arn = Arn.parse("arn:aws-cn:dynamodb:cn-north-1:123456789012:table/t")
    assert (arn.partition, arn.region, arn.account, arn.resource) == (
        "aws-cn",
        "cn-north-1",
        "123456789012",
        "table/t",
    )
    with pytest.raises(ValueError):
        Arn.parse("not-an-arn")
