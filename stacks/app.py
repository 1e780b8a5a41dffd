"""App program (component ``app``): deploy ``spec.app_version`` for one tenant.

- silo: a dedicated instance, the tenant's own Lambda function running as the tenant's
  role; each version is published and the ``live`` alias (and its private URL) moves to it.
- pooled and bridge: the shared instance from the platform stack; the tenant gets a route
  (SSM parameter under ``/platform/routes/``) telling the shared app which version, role and
  data locations serve it.

The version is only ever a property value (code, environment, route), never part of a
name, so DeployTenant rolls forward and back with in-place updates. The infra stack's
outputs arrive in ``spec.inputs``.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.automation import PulumiFn

from engine.core.errors import ValidationError
from engine.core.models import Component, TenantSpec, Tier

from .common import (
    Inventory,
    StackContext,
    route_parameter,
    tenant_name,
    tenant_tags,
    versioned_function,
)

__all__ = ["REQUIRED_INPUTS", "app_program"]

# Infra outputs the app program needs, per tier.
REQUIRED_INPUTS: dict[Tier, tuple[str, ...]] = {
    Tier.SILO: ("role_arn", "bucket_name", "table_name", "config_parameter", "queue_url"),
    Tier.POOLED: ("role_arn", "bucket_name", "data_prefix", "table_name", "config_parameter"),
    Tier.BRIDGE: ("role_arn", "bucket_name", "table_name", "config_parameter"),
}


def app_program(ctx: StackContext, spec: TenantSpec) -> PulumiFn:
    """The tier's app program; refuses a spec without the infra outputs it needs."""
    missing = [name for name in REQUIRED_INPUTS[spec.tier] if not spec.inputs.get(name)]
    if missing:
        raise ValidationError(
            f"the {spec.tier.value} app needs the infra stack's outputs {', '.join(missing)}; "
            "provision infra first and pass its outputs as inputs",
            field="inputs",
        )
    if spec.tier is Tier.SILO:
        return _dedicated_app(ctx, spec)
    return _routed_app(ctx, spec)


def _public_url(spec: TenantSpec) -> str | None:
    return f"https://{spec.domains[0]}/" if spec.domains else None


def _dedicated_app(ctx: StackContext, spec: TenantSpec) -> PulumiFn:
    def run() -> None:
        provider = ctx.aws_provider()
        inventory = Inventory()
        inputs = spec.inputs
        app = versioned_function(
            "app",
            tenant_name(spec.tenant_key, "app"),
            role_arn=inputs["role_arn"],
            version=spec.app_version,
            release={"tenant_key": spec.tenant_key, "tier": spec.tier.value},
            environment={
                "TENANT_ID": spec.tenant_id,
                "TENANT_KEY": spec.tenant_key,
                "TENANT_TIER": spec.tier.value,
                "DATA_BUCKET": inputs["bucket_name"],
                "DATA_TABLE": inputs["table_name"],
                "CONFIG_PARAMETER": inputs["config_parameter"],
                "EVENTS_QUEUE_URL": inputs["queue_url"],
            },
            tags=tenant_tags(spec, Component.APP),
            provider=provider,
            inventory=inventory,
        )
        outputs: dict[str, pulumi.Input[Any]] = {
            "app_version": spec.app_version,
            "deployment": "dedicated",
            "app_url": _public_url(spec) or app.url.function_url,
            "function_url": app.url.function_url,
            "function_name": app.function.name,
            "function_arn": app.function.arn,
            "function_version": app.function.version,
            "alias_arn": app.alias.arn,
        }
        for name, value in outputs.items():
            pulumi.export(name, value)
        inventory.export()

    return run


def _routed_app(ctx: StackContext, spec: TenantSpec) -> PulumiFn:
    def run() -> None:
        provider = ctx.aws_provider()
        inventory = Inventory()
        inputs = spec.inputs
        platform = ctx.platform_reference()
        route: dict[str, Any] = {
            "tenant_id": spec.tenant_id,
            "tenant_key": spec.tenant_key,
            "tier": spec.tier.value,
            "app_version": spec.app_version,
            "role_arn": inputs["role_arn"],
            "bucket": inputs["bucket_name"],
            "prefix": inputs.get("data_prefix", ""),
            "table": inputs["table_name"],
            "partition_key": spec.tenant_key if spec.tier is Tier.POOLED else None,
            "config_parameter": inputs["config_parameter"],
            "hosts": list(spec.domains),
        }
        parameter = aws.ssm.Parameter(
            "route",
            name=route_parameter(spec.tenant_key),
            description=f"Route of tenant {spec.tenant_id} on the shared app",
            # The platform key: the shared app may decrypt routes, and only routes.
            type="SecureString",
            key_id=platform.require_output("kms_key_arn"),
            value=json.dumps(route, sort_keys=True),
            tags=tenant_tags(spec, Component.APP),
            opts=pulumi.ResourceOptions(provider=provider),
        )
        inventory.add(parameter, parameter.name)
        shared_url = platform.require_output("app_url")
        outputs: dict[str, pulumi.Input[Any]] = {
            "app_version": spec.app_version,
            "deployment": "shared",
            "app_url": _public_url(spec)
            or pulumi.Output.concat(shared_url, "t/", spec.tenant_key, "/"),
            "route_parameter": parameter.name,
            "function_name": platform.require_output("app_function_name"),
        }
        for name, value in outputs.items():
            pulumi.export(name, value)
        inventory.export()

    return run
