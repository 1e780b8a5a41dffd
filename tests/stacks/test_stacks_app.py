"""App program: dedicated Lambda for silo, a route on the shared app for pooled and bridge,
and app version changes that update resources in place instead of replacing them."""

from __future__ import annotations

import json

import pytest

from engine.core.errors import ValidationError
from engine.core.models import Component, Tier
from stacks.app import app_program
from stacks.common import tenant_tags

from .factories import make_spec
from .graph_checks import assert_explicit_provider, assert_inventory_matches_graph, assert_tagged
from .stack_harness import comparable

# Properties whose change makes the provider replace the resource (ForceNew in the
# upstream Terraform schema the Pulumi AWS provider is bridged from). A version change
# must touch none of them.
REPLACE_ON_CHANGE = {
    "aws:lambda/function:Function": {"name", "packageType", "tenancyConfig"},
    "aws:lambda/alias:Alias": {"name", "functionName"},
    "aws:lambda/functionUrl:FunctionUrl": {"functionName", "qualifier"},
    "aws:cloudwatch/logGroup:LogGroup": {"name", "namePrefix"},
    "aws:ssm/parameter:Parameter": {"name"},
}


@pytest.fixture(scope="module")
def deploy(ctx, run, infra_outputs):
    def _deploy(tier: Tier, version: str = "1.0.0", **overrides):
        spec = make_spec(tier, app_version=version, inputs=infra_outputs(tier), **overrides)
        return run(app_program(ctx, spec), stack="acme-app")

    return _deploy


def test_silo_gets_a_dedicated_versioned_function(deploy, infra_outputs):
    run = deploy(Tier.SILO, "2.3.1")
    infra = infra_outputs(Tier.SILO)
    function = run.one("aws:lambda/function:Function")
    assert function["name"] == "tenant-acme-app"
    assert function["role"] == infra["role_arn"]
    assert function["publish"] is True
    env = function["environment"]["variables"]
    assert env["APP_VERSION"] == "2.3.1"
    assert env["DATA_BUCKET"] == infra["bucket_name"]
    assert env["EVENTS_QUEUE_URL"] == infra["queue_url"]
    release = json.loads(function["code"].assets["release.json"].text)
    assert release["version"] == "2.3.1"
    alias = run.one("aws:lambda/alias:Alias")
    assert alias["name"] == "live"
    assert alias["functionVersion"] == run.outputs["function_version"]
    url = run.one("aws:lambda/functionUrl:FunctionUrl")
    assert url["authorizationType"] == "AWS_IAM"
    assert url["qualifier"] == "live"
    assert run.one("aws:cloudwatch/logGroup:LogGroup")["name"] == "/aws/lambda/tenant-acme-app"
    assert run.outputs["app_version"] == "2.3.1"
    assert run.outputs["deployment"] == "dedicated"
    assert run.outputs["app_url"] == "https://acme.example.com/"
    assert run.outputs["function_url"].startswith("https://")
    assert_tagged(run, tenant_tags(make_spec(Tier.SILO), Component.APP))
    assert_explicit_provider(run)
    assert_inventory_matches_graph(run)


def test_silo_without_domains_is_served_at_its_function_url(deploy):
    run = deploy(Tier.SILO, domains=())
    assert run.outputs["app_url"] == run.outputs["function_url"]


@pytest.mark.parametrize("tier", [Tier.POOLED, Tier.BRIDGE])
def test_shared_tiers_get_a_route_on_the_shared_app(deploy, tier, infra_outputs, platform_outputs):
    run = deploy(tier, "1.4.0", domains=())
    assert not run.of_type("aws:lambda/function:Function")
    route = run.one("aws:ssm/parameter:Parameter")
    assert route["name"] == "/platform/routes/acme"
    assert route["type"] == "SecureString"
    assert route["keyId"] == platform_outputs["kms_key_arn"]
    value = json.loads(route["value"])
    infra = infra_outputs(tier)
    assert value["app_version"] == "1.4.0"
    assert value["role_arn"] == infra["role_arn"]
    assert value["bucket"] == infra["bucket_name"]
    assert value["partition_key"] == ("acme" if tier is Tier.POOLED else None)
    assert run.outputs["deployment"] == "shared"
    assert run.outputs["function_name"] == platform_outputs["app_function_name"]
    assert run.outputs["app_url"] == f"{platform_outputs['app_url']}t/acme/"
    assert_tagged(run, tenant_tags(make_spec(tier), Component.APP))
    assert_inventory_matches_graph(run)


def changed_inputs(before, after) -> dict[tuple[str, str], set[str]]:
    old = {(r.type, r.name): r.inputs for r in before.cloud()}
    new = {(r.type, r.name): r.inputs for r in after.cloud()}
    assert old.keys() == new.keys(), "a version change must not add, remove or rename resources"
    changes = {}
    for key, inputs in new.items():
        names = set(inputs) | set(old[key])
        diff = {n for n in names if comparable(inputs.get(n)) != comparable(old[key].get(n))}
        if diff:
            changes[key] = diff
    return changes


@pytest.mark.parametrize("tier", list(Tier))
def test_version_change_updates_in_place(deploy, tier):
    for before, after in (("1.0.0", "1.1.0"), ("1.1.0", "1.0.0")):  # forward, then back
        changes = changed_inputs(deploy(tier, before), deploy(tier, after))
        assert changes, "the new version must change something"
        for (type_, name), props in changes.items():
            assert type_ in REPLACE_ON_CHANGE, f"{type_} changes; list its replace-on-change"
            replacing = props & REPLACE_ON_CHANGE[type_]
            assert not replacing, f"{type_} {name} would be replaced: {replacing}"
    if tier is Tier.SILO:
        changes = changed_inputs(deploy(tier, "1.0.0"), deploy(tier, "1.1.0"))
        function = ("aws:lambda/function:Function", "app")
        assert {"code", "environment"} <= changes[function]
        assert changes[("aws:lambda/alias:Alias", "app-alias")] == {
            "functionVersion",
            "description",
        }


@pytest.mark.parametrize("tier", list(Tier))
def test_app_refuses_to_run_without_infra_outputs(ctx, tier):
    with pytest.raises(ValidationError, match="infra"):
        app_program(ctx, make_spec(tier, inputs={}))
