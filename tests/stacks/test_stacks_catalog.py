"""The catalog the engine loads, and the providers it configures from settings."""

from __future__ import annotations

import json

import pytest

from engine.cli.dev import CATALOGS
from engine.core.errors import CatalogError, ConfigurationError, ValidationError
from engine.core.models import Component, IdpConfig, IdpProvider, Tier
from engine.core.settings import PulumiSettings, Settings
from engine.pulumi._catalog import load_catalog
from stacks.catalog import build_catalog
from stacks.common import AWS_SERVICES, StackContext
from stacks.infra import silo_program

from .factories import make_settings, make_spec

LOCALSTACK = "http://localhost.localstack.cloud:4566"


def test_engine_loads_the_catalog_from_settings():
    settings = make_settings()
    catalog = load_catalog(settings.pulumi.catalog, settings)
    assert settings.pulumi.catalog == "stacks.catalog:build_catalog"
    assert set(catalog) == {
        (Component.INFRA, Tier.SILO),
        (Component.INFRA, Tier.POOLED),
        (Component.INFRA, Tier.BRIDGE),
        (Component.APP, None),
        (Component.IDP, None),
    }
    assert catalog.platform is not None
    assert callable(catalog.platform())


@pytest.mark.parametrize("tier", list(Tier))
def test_every_tier_has_every_component(catalog, infra_outputs, tier):
    for component in Component:
        assert callable(catalog.program(component, tier))  # no CatalogError
    spec = make_spec(tier, inputs=infra_outputs(tier))
    for component in Component:
        assert callable(catalog.build(spec, component))


def test_build_refuses_bad_specs_before_pulumi_runs(catalog):
    with pytest.raises(ValidationError):
        catalog.build(make_spec(idp=None), Component.IDP)
    with pytest.raises(ValidationError):
        catalog.build(make_spec(), Component.APP)  # no infra outputs yet


def test_unknown_component_is_a_catalog_error():
    catalog = build_catalog(make_settings())
    catalog._programs.pop((Component.APP, None))
    with pytest.raises(CatalogError):
        catalog.program(Component.APP, Tier.SILO)


def test_localstack_provider_points_every_service_at_the_endpoint(run):
    ctx = StackContext.from_settings(make_settings(endpoint_url=LOCALSTACK))
    result = run(silo_program(ctx, make_spec()))
    (provider,) = result.of_type("pulumi:providers:aws")
    (endpoints,) = json.loads(provider["endpoints"])
    # Serialised with the provider's names (``lambda``, not the SDK's ``lambda_``).
    assert endpoints == {service.rstrip("_"): LOCALSTACK for service in AWS_SERVICES}
    for flag in (
        "s3UsePathStyle",
        "skipCredentialsValidation",
        "skipRequestingAccountId",
        "skipMetadataApiCheck",
    ):
        assert provider[flag] == "true", flag
    assert provider["region"] == "us-east-1"
    assert "secretKey" in provider.secret_inputs


def test_every_service_the_programs_use_has_an_endpoint(platform_run, run, ctx):
    used = {r.type.split(":")[1].split("/")[0] for r in platform_run.cloud()}
    used |= {
        r.type.split(":")[1].split("/")[0] for r in run(silo_program(ctx, make_spec())).cloud()
    }
    used.add("sts")  # getCallerIdentity
    aliases = {"lambda": "lambda_", "cloudwatch": "logs"}  # module -> endpoint name
    assert {aliases.get(s, s) for s in used} <= set(AWS_SERVICES)


def test_real_aws_provider_has_no_endpoint_overrides(platform_run):
    (provider,) = platform_run.of_type("pulumi:providers:aws")
    assert "endpoints" not in provider.inputs
    assert provider["skipCredentialsValidation"] == "false"  # the SDK's default
    assert provider["accessKey"] == "AKIAEXAMPLE"
    assert "secretKey" in provider.secret_inputs


def test_the_local_catalog_with_the_real_idp_keeps_infra_and_app_local(tmp_path):
    """``tenantctl dev --catalog local+idp``: a real realm, local files for the rest."""
    settings = Settings(_env_file=None, pulumi=PulumiSettings(state_dir=tmp_path))
    catalog = load_catalog(CATALOGS["local+idp"], settings)
    spec = make_spec(idp=IdpConfig(provider=IdpProvider.KEYCLOAK))

    assert catalog.name.endswith("+idp")
    # The real Keycloak program checks its settings before Pulumi starts; the local one
    # would not need any.
    with pytest.raises(ConfigurationError, match="TENANT_KEYCLOAK__URL"):
        catalog.build(spec, Component.IDP)
    local = load_catalog(CATALOGS["local"], settings)
    assert (
        catalog.program(Component.INFRA, Tier.POOLED).__qualname__
        == local.program(Component.INFRA, Tier.POOLED).__qualname__
    )
    assert catalog.platform is not None  # the local shared platform
