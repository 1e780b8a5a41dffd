"""Run a Pulumi program under ``pulumi.runtime.set_mocks`` and record its resource graph.

The cloud providers (aws, auth0, keycloak) cannot be downloaded here, so these tests fake
only them: the mock monitor below answers every resource registration with plausible
provider outputs (ARNs, ids, URLs, secrets) derived from the inputs, and records what the
program asked for (type, logical name, inputs, provider, retain-on-delete, ignore-changes)
so tests assert on the graph. Everything above the provider is the real Pulumi SDK.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.automation import PulumiFn
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc

ACCOUNT = "123456789012"
REGION = "us-east-1"
PROJECT = "tenants"
CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
STACK_REFERENCE = "pulumi:pulumi:StackReference"


def _digest(*parts: Any, n: int = 12) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:n]


def unwrap(value: Any) -> Any:
    """Drop Pulumi's secret wrappers (inputs arrive as ``{sig: secret, value: ...}``)."""
    if rpc.is_rpc_secret(value):
        return unwrap(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def comparable(value: Any) -> Any:
    """Inputs in a form that compares by content (assets and archives by their text)."""
    if isinstance(value, pulumi.AssetArchive):
        return {"archive": {k: comparable(v) for k, v in value.assets.items()}}
    if isinstance(value, pulumi.StringAsset):
        return {"asset": value.text}
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


@dataclass
class Recorded:
    """One resource registration, as the engine would have received it."""

    type: str
    name: str
    inputs: dict[str, Any]
    provider: str
    custom: bool
    secret_inputs: set[str]
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    protect: bool = False

    def __getitem__(self, key: str) -> Any:
        return self.inputs[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.inputs.get(key, default)

    def json(self, key: str) -> Any:
        return json.loads(self.inputs[key])


@dataclass
class StackRun:
    """What a program registered and exported."""

    resources: list[Recorded]
    outputs: dict[str, Any]
    secret_outputs: set[str]
    invokes: list[str]

    def of_type(self, type_: str) -> list[Recorded]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Recorded:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {type_} {name or ''}, got {[r.name for r in found]}"
        return found[0]

    def cloud(self) -> list[Recorded]:
        """Resources of the cloud providers (not providers or stack references)."""
        return [r for r in self.resources if r.custom and not r.type.startswith("pulumi:")]

    def keys(self) -> set[tuple[str, str]]:
        return {(r.type, r.name) for r in self.resources}


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self, stack_outputs: dict[str, dict[str, Any]]) -> None:
        self.stack_outputs = stack_outputs
        self.invokes: list[str] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        self.invokes.append(args.token)
        if args.token == CALLER_IDENTITY:
            return {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/deployer",
                "userId": "AIDAEXAMPLE",
                "id": ACCOUNT,
            }
        raise AssertionError(f"unexpected invoke {args.token}")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == STACK_REFERENCE:
            name = args.inputs["name"]
            if name not in self.stack_outputs:
                raise AssertionError(f"no mocked outputs for stack reference {name}")
            return name, {
                "name": name,
                "outputs": self.stack_outputs[name],
                "secretOutputNames": [],
            }
        inputs = unwrap(args.inputs)
        physical, extra = _provider_outputs(args.typ, args.name, inputs)
        return physical, {**args.inputs, **extra}


def _arn(service: str, resource: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _provider_outputs(typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Plausible ids and computed outputs, shaped like the real providers'."""
    if typ.startswith("pulumi:providers:"):
        return f"{name}-provider-id", {}
    rid = _digest(typ, name, comparable(inputs))
    if typ == "aws:s3/bucket:Bucket":
        bucket = inputs["bucket"]
        return bucket, {"arn": f"arn:aws:s3:::{bucket}", "bucketDomainName": f"{bucket}.s3"}
    if typ == "aws:dynamodb/table:Table":
        return inputs["name"], {"arn": _arn("dynamodb", f"table/{inputs['name']}")}
    if typ == "aws:kms/key:Key":
        key_id = f"{rid[:8]}-{rid[8:12]}-4000-8000-{rid}"
        return key_id, {"keyId": key_id, "arn": _arn("kms", f"key/{key_id}")}
    if typ == "aws:kms/alias:Alias":
        return inputs["name"], {"arn": _arn("kms", inputs["name"])}
    if typ == "aws:sqs/queue:Queue":
        url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{inputs['name']}"
        return url, {"url": url, "arn": _arn("sqs", inputs["name"])}
    if typ == "aws:iam/role:Role":
        arn = f"arn:aws:iam::{ACCOUNT}:role{inputs.get('path', '/')}{inputs['name']}"
        return inputs["name"], {"arn": arn, "uniqueId": f"AROA{rid.upper()}"}
    if typ == "aws:ssm/parameter:Parameter":
        return inputs["name"], {"arn": _arn("ssm", f"parameter{inputs['name']}")}
    if typ == "aws:secretsmanager/secret:Secret":
        arn = _arn("secretsmanager", f"secret:{inputs['name']}-{rid[:6]}")
        return arn, {"arn": arn}
    if typ == "aws:lambda/function:Function":
        # A published version per distinct code and configuration, as Lambda does.
        version = str(
            1 + int(_digest(comparable(inputs.get("code")), inputs.get("environment")), 16) % 997
        )
        arn = _arn("lambda", f"function:{inputs['name']}")
        return inputs["name"], {
            "arn": arn,
            "version": version,
            "qualifiedArn": f"{arn}:{version}",
            "invokeArn": f"{arn}/invocations",
        }
    if typ == "aws:lambda/alias:Alias":
        arn = _arn("lambda", f"function:{inputs['functionName']}:{inputs['name']}")
        return arn, {"arn": arn}
    if typ == "aws:lambda/functionUrl:FunctionUrl":
        url = f"https://{rid}.lambda-url.{REGION}.on.aws/"
        return inputs["functionName"], {"functionUrl": url, "urlId": rid}
    if typ == "aws:cloudwatch/logGroup:LogGroup":
        return inputs["name"], {"arn": _arn("logs", f"log-group:{inputs['name']}")}
    if typ == "auth0:index/organization:Organization":
        return f"org_{rid}", {}
    if typ == "auth0:index/client:Client":
        return f"cid{rid}", {"clientId": f"cid{rid}"}
    if typ == "auth0:index/clientCredentials:ClientCredentials":
        return f"{inputs['clientId']}", {"clientSecret": f"auth0-secret-{rid}"}
    if typ == "auth0:index/connection:Connection":
        return f"con_{rid}", {}
    if typ == "auth0:index/user:User":
        return f"auth0|{rid}", {"userId": f"auth0|{rid}"}
    if typ == "auth0:index/role:Role":
        return f"rol_{rid}", {}
    if typ == "keycloak:index/realm:Realm":
        return inputs["realm"], {"internalId": rid}
    if typ == "keycloak:openid/client:Client":
        return rid, {"clientSecret": f"kc-secret-{rid}"}
    return rid, {"arn": _arn(typ.split(":")[0], f"{name}/{rid}")} if typ.startswith("aws:") else {}


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, also keeping the options it drops (retain, ignore_changes)."""

    def __init__(self, mocks: _Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[Recorded] = []

    # The SDK's handler runs first: it gives this thread the event loop that deserializing
    # resource references needs.
    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self._record(request, request.object, request.custom)
        return response

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        self._record(request, request.properties, True)
        return response

    def _record(self, request: Any, props: Any, custom: bool) -> None:
        raw = rpc.deserialize_properties(props)
        self.recorded.append(
            Recorded(
                type=request.type,
                name=request.name,
                inputs=unwrap(raw),
                provider=request.provider,
                custom=custom,
                secret_inputs={k for k, v in raw.items() if rpc.is_rpc_secret(v)},
                retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
                ignore_changes=list(getattr(request, "ignoreChanges", [])),
                protect=bool(getattr(request, "protect", False)),
            )
        )


def run_program(
    program: PulumiFn,
    *,
    stack: str = "acme-infra",
    stack_outputs: dict[str, dict[str, Any]] | None = None,
) -> StackRun:
    """Run ``program`` (a PulumiFn) to completion under mocks and return what it did."""
    mocks = _Mocks(stack_outputs or {})
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.reset_options()  # a new root stack resource for this run
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    root = pulumi.runtime.get_root_resource()
    collected: dict[str, tuple[Any, bool]] = {}

    async def collect() -> None:
        assert root is not None
        for name, value in root.outputs.items():  # type: ignore[attr-defined]
            out = pulumi.Output.from_input(value)
            collected[name] = (await out.future(), await out.is_secret())

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def go() -> pulumi.Output[None]:
        program()
        return pulumi.Output.from_input(asyncio.ensure_future(collect()))

    try:
        go()
    finally:
        pulumi.runtime.reset_options()
    return StackRun(
        resources=monitor.recorded,
        outputs={k: v for k, (v, _) in collected.items()},
        secret_outputs={k for k, (_, secret) in collected.items() if secret},
        invokes=list(mocks.invokes),
    )
