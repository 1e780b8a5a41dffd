"""Isolation as deployed: the policies the programs actually attach, evaluated across tenants.

``test_stacks_policies`` checks the policy functions; this checks the programs wire them
to the right ARNs (the platform's, the tenant's own) and trust the right principals.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.core.models import Tier
from stacks.infra import bridge_program, pooled_program, silo_program

from .factories import make_spec
from .policy_eval import Request, allowed

PROGRAMS = {Tier.SILO: silo_program, Tier.POOLED: pooled_program, Tier.BRIDGE: bridge_program}


@pytest.fixture(scope="module")
def deployed(ctx, run):
    cache = {}

    def _deployed(tier: Tier, key: str):
        if (tier, key) not in cache:
            result = run(PROGRAMS[tier](ctx, make_spec(tier, key)))
            policy = result.one("aws:iam/rolePolicy:RolePolicy").json("policy")
            trust = json.loads(result.one("aws:iam/role:Role")["assumeRolePolicy"])
            cache[(tier, key)] = (result.outputs, policy, trust)
        return cache[(tier, key)]

    return _deployed


def data_requests(outputs: dict[str, Any]) -> list[Request]:
    """Requests against the data a tenant's infra outputs describe."""
    bucket, table, prefix = outputs["bucket_arn"], outputs["table_arn"], outputs["data_prefix"]
    key = outputs["tenant_key"]
    leading = {"dynamodb:LeadingKeys": [key]}
    return [
        Request("s3:GetObject", f"{bucket}/{prefix}invoices/1.pdf"),
        Request("s3:PutObject", f"{bucket}/{prefix}invoices/2.pdf"),
        Request("s3:ListBucket", bucket, {"s3:prefix": prefix}),
        Request("dynamodb:GetItem", table, leading),
        Request("dynamodb:Query", table, leading),
        Request("dynamodb:PutItem", table, leading),
        Request("ssm:GetParameter", outputs["config_parameter_arn"]),
    ]


def with_config_arn(outputs: dict[str, Any], policy: dict[str, Any]) -> dict[str, Any]:
    arn = next(s["Resource"] for s in policy["Statement"] if s.get("Sid") == "ReadOwnConfig")
    return {**outputs, "config_parameter_arn": arn}


@pytest.mark.parametrize("tier", list(PROGRAMS))
@pytest.mark.parametrize("other_tier", list(PROGRAMS))
def test_a_tenant_role_cannot_reach_another_tenants_data(deployed, tier, other_tier):
    mine, my_policy, _ = deployed(tier, "acme")
    theirs, their_policy, _ = deployed(other_tier, "globex")
    mine, theirs = with_config_arn(mine, my_policy), with_config_arn(theirs, their_policy)
    for request in data_requests(mine):
        assert allowed(my_policy, request), request
    for request in data_requests(theirs):
        assert not allowed(my_policy, request), request


def test_pooled_policy_is_bound_to_the_platforms_shared_resources(deployed, platform_outputs):
    outputs, policy, _ = deployed(Tier.POOLED, "acme")
    resources = {json.dumps(s.get("Resource") or s.get("NotResource")) for s in policy["Statement"]}
    assert any(platform_outputs["bucket_arn"] + "/tenants/acme/*" in r for r in resources)
    assert any(platform_outputs["table_arn"] in r for r in resources)
    partition = next(s for s in policy["Statement"] if s["Sid"] == "OwnPartition")
    assert partition["Condition"]["ForAllValues:StringEquals"] == {"dynamodb:LeadingKeys": ["acme"]}
    assert outputs["partition_key"] == "acme"


@pytest.mark.parametrize("tier", [Tier.POOLED, Tier.BRIDGE])
def test_shared_compute_tiers_trust_only_the_platform_app_role(deployed, tier, platform_outputs):
    _, _, trust = deployed(tier, "acme")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"AWS": platform_outputs["app_role_arn"]}


def test_silo_role_is_assumable_only_by_lambda(deployed):
    _, _, trust = deployed(Tier.SILO, "acme")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
