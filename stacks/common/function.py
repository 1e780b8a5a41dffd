"""A versioned Lambda application: function, published version, ``live`` alias, private URL.

The app version is deployed by changing the function's code and environment in place;
with ``publish=True`` each change publishes a new numbered version and the alias moves to
it. Nothing that names a resource (function name, alias name, logical names) contains the
version, so a roll forward or back is an update of the same resources, never a replace.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from .inventory import Inventory
from .naming import lambda_log_group

__all__ = ["ALIAS_NAME", "HANDLER_SOURCE", "VersionedFunction", "versioned_function"]

ALIAS_NAME = "live"
RUNTIME = "python3.12"

# The deployed artifact. A real pipeline would point ``s3_key`` at a built package per
# version; an inline handler keeps the programs self-contained and runnable on LocalStack.
HANDLER_SOURCE = """\
import json
import os


def handler(event, context):
    with open(os.path.join(os.path.dirname(__file__), "release.json")) as f:
        release = json.load(f)
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"release": release, "tier": os.environ.get("TENANT_TIER")}),
    }
"""


class VersionedFunction:
    def __init__(
        self,
        function: aws.lambda_.Function,
        alias: aws.lambda_.Alias,
        url: aws.lambda_.FunctionUrl,
    ) -> None:
        self.function = function
        self.alias = alias
        self.url = url


def versioned_function(
    logical: str,
    name: str,
    *,
    role_arn: pulumi.Input[str],
    version: str,
    release: dict[str, str],
    environment: dict[str, pulumi.Input[str]],
    tags: dict[str, str],
    provider: pulumi.ProviderResource,
    inventory: Inventory,
) -> VersionedFunction:
    """Deploy ``version`` as the ``live`` alias of function ``name``, reachable by IAM only."""
    opts = pulumi.ResourceOptions(provider=provider)
    logs = aws.cloudwatch.LogGroup(
        f"{logical}-logs",
        name=lambda_log_group(name),
        retention_in_days=30,
        tags=tags,
        opts=opts,
    )
    code = pulumi.AssetArchive(
        {
            "app.py": pulumi.StringAsset(HANDLER_SOURCE),
            "release.json": pulumi.StringAsset(
                json.dumps({**release, "version": version}, sort_keys=True)
            ),
        }
    )
    function = aws.lambda_.Function(
        logical,
        name=name,
        role=role_arn,
        runtime=RUNTIME,
        handler="app.handler",
        code=code,
        publish=True,
        description=f"{name} {version}",
        memory_size=256,
        timeout=10,
        environment=aws.lambda_.FunctionEnvironmentArgs(
            variables={**environment, "APP_VERSION": version}
        ),
        tags=tags,
        # Lambda writes to /aws/lambda/<name>; creating it first keeps it tagged and expiring.
        opts=pulumi.ResourceOptions(provider=provider, depends_on=[logs]),
    )
    alias = aws.lambda_.Alias(
        f"{logical}-alias",
        name=ALIAS_NAME,
        function_name=function.name,
        function_version=function.version,
        description=f"{name} {version}",
        opts=opts,
    )
    url = aws.lambda_.FunctionUrl(
        f"{logical}-url",
        function_name=function.name,
        qualifier=alias.name,
        # Callers sign requests (or go through the edge that does); never anonymous.
        authorization_type="AWS_IAM",
        opts=opts,
    )
    inventory.add(logs, logs.name)
    inventory.add(function, function.arn)
    inventory.add(alias, alias.arn)
    inventory.add(url, url.function_url)
    return VersionedFunction(function, alias, url)
