"""The bad-input matrix: INVALID_ARGUMENT with field-level details, NOT_FOUND for unknown
tenants, and nothing started (this module's task queue ends up with no workflow at all)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]
from temporalio.service import RPCError, RPCStatusCode

from engine.api import convert, validation
from engine.api._gen import tenant_engine_pb2 as pb
from engine.api.status import MAX_VIOLATIONS
from engine.core.contracts import ProvisionTenantInput
from engine.core.errors import InvalidRequest
from tests.api.harness import RunningEngine, provision_request


def field_violations(error: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    assert raw, "INVALID_ARGUMENT without google.rpc.Status details"
    violations = []
    for packed in status_pb2.Status.FromString(raw).details:
        if packed.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            packed.Unpack(bad)
            violations += [(v.field, v.description) for v in bad.field_violations]
    return violations


async def expect_error(code: grpc.StatusCode, call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        result = call
        if hasattr(result, "__aiter__"):
            async for _ in result:
                pass
        else:
            await result
    assert caught.value.code() == code, caught.value.details()
    return caught.value


def _sub(**changes: str) -> pb.Subscription:
    base = provision_request("x").subscription
    sub = pb.Subscription()
    sub.CopyFrom(base)
    for key, value in changes.items():
        setattr(sub, key, value)
    return sub


BAD_PROVISIONS: dict[str, tuple[dict[str, Any], str]] = {
    "empty key": ({"tenant_key": ""}, "tenant_key"),
    "oversized key": ({"tenant_key": "a" * 33}, "tenant_key"),
    "huge key": ({"tenant_key": "a" * 100_000}, "tenant_key"),
    "upper-case key": ({"tenant_key": "Acme"}, "tenant_key"),
    "underscore key": ({"tenant_key": "ac_me"}, "tenant_key"),
    "key ending in hyphen": ({"tenant_key": "acme-"}, "tenant_key"),
    "empty tenant id": ({"tenant_id": ""}, "tenant_id"),
    "tenant id with spaces": ({"tenant_id": "a b"}, "tenant_id"),
    "empty name": ({"tenant_name": ""}, "tenant_name"),
    "oversized name": ({"tenant_name": "n" * 201}, "tenant_name"),
    "bad tier": ({"subscription": _sub(tier="gold")}, "subscription.tier"),
    "empty tier": ({"subscription": _sub(tier="")}, "subscription.tier"),
    "bad email": ({"contacts": [pb.Contact(email="not-an-email")]}, "contacts[0].email"),
    "second email bad": (
        {"contacts": [pb.Contact(email="a@example.com"), pb.Contact(email="b@")]},
        "contacts[1].email",
    ),
    "no contact": ({"contacts": []}, "contacts"),
    "duplicate domains": ({"domains": ["a.example.com", "A.example.com"]}, "domains[1]"),
    "invalid domain": ({"domains": ["not a domain"]}, "domains[0]"),
    "end before start": (
        {"subscription": _sub(start_date="2025-06-01", end_date="2025-01-01")},
        "subscription.end_date",
    ),
    "impossible date": ({"subscription": _sub(start_date="2025-02-30")}, "subscription.start_date"),
    "no subscription": ({"subscription": None}, "subscription"),
    "bad idp": ({"idp": pb.Idp(provider="okta")}, "idp.provider"),
    "too many parameters": (
        {"parameters": {f"k{i}": "v" for i in range(51)}},
        "parameters",
    ),
    "oversized parameter": ({"parameters": {"k": "v" * 1025}}, "parameters.k"),
    "empty parameter key": ({"parameters": {"": "v"}}, "parameters"),
    "oversized parameter key": ({"parameters": {"k" * 65: "v"}}, "parameters"),
    "too many domains": ({"domains": [f"d{i}.example.com" for i in range(101)]}, "domains"),
    "repeat beside a bad domain": (
        {"domains": ["a.example.com", "not a domain", "A.example.com"]},
        "domains[2]",
    ),
    "oversized app version": ({"app_version": "1" * 65}, "app_version"),
}


# A preview contacts no one: without contacts it plans with a placeholder (issue 15).
PREVIEW_ACCEPTS = {"no contact"}


@pytest.mark.parametrize(
    ("rpc", "case"),
    [
        (rpc, case)
        for case in BAD_PROVISIONS
        for rpc in ("ProvisionTenant", "PreviewTenant")
        if not (rpc == "PreviewTenant" and case in PREVIEW_ACCEPTS)
    ],
)
async def test_bad_provision_is_invalid_argument_naming_the_field(
    engine: RunningEngine, stub: Any, rpc: str, case: str
):
    changes, field = BAD_PROVISIONS[case]
    request = provision_request("badin", **changes)
    error = await expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, getattr(stub, rpc)(request, metadata=engine.auth)
    )
    violations = field_violations(error)
    assert field in [f for f, _ in violations]
    assert "Traceback" not in (error.details() or "")
    # The CLI validates with the same function: same fields, same words.
    with pytest.raises(InvalidRequest) as local:
        validation.provision_input(convert.provision_fields(request))
    assert [(v.field, v.description) for v in local.value.violations] == violations


async def test_a_hundred_bad_fields_still_get_invalid_argument(engine: RunningEngine, stub: Any):
    # Every repeat is a violation: all of them would overflow gRPC's 8 KiB trailers, which
    # then answered RESOURCE_EXHAUSTED ("received metadata size exceeds soft limit").
    domain = "repeated-domain-with-a-long-name." * 2 + "example.com"
    request = provision_request("hundred", domains=[domain] * validation.MAX_DOMAINS)
    error = await expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, stub.ProvisionTenant(request, metadata=engine.auth)
    )
    violations = field_violations(error)
    assert len(violations) == MAX_VIOLATIONS
    assert violations[0][0] == "domains[1]" and "repeats domains[0]" in violations[0][1]
    hidden = validation.MAX_DOMAINS - 1 - MAX_VIOLATIONS
    assert (error.details() or "").endswith(f"; and {hidden} more")


async def test_every_bad_field_is_reported_at_once(engine: RunningEngine, stub: Any):
    request = provision_request(
        "x",
        tenant_key="A",
        contacts=[pb.Contact(email="nope")],
        subscription=_sub(tier="gold", start_date="2025-01-02", end_date="2025-01-01"),
    )
    error = await expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, stub.ProvisionTenant(request, metadata=engine.auth)
    )
    fields = [f for f, _ in field_violations(error)]
    assert fields == ["tenant_key", "contacts[0].email", "subscription.tier"]


# Each bound of a provision request, with the words a user reads (API and CLI alike).
LIMITS: dict[str, tuple[dict[str, Any], list[tuple[str, str]]]] = {
    "domains": (
        {"domains": [f"d{i}.example.com" for i in range(101)]},
        [("domains", "at most 100 items, got 101")],
    ),
    "too many domains, one repeated": (
        {"domains": [f"d{i}.example.com" for i in range(100)] + ["D0.example.com"]},
        [
            ("domains", "at most 100 items, got 101"),
            ("domains[100]", "'d0.example.com' repeats domains[0]"),
        ],
    ),
    "repeated domains": (
        {"domains": ["a.example.com", "not a domain", "A.example.com"]},
        [
            ("domains[1]", "'not a domain' is not a valid domain name"),
            ("domains[2]", "'a.example.com' repeats domains[0]"),
        ],
    ),
    "parameters": (
        {"parameters": {f"k{i}": "v" for i in range(51)}},
        [("parameters", "at most 50 items, got 51")],
    ),
    "parameter key": (
        {"parameters": {"k" * 65: "v"}},
        [("parameters", "key 'kkkkkkkkkkkkkkkkkkkk…': String should have at most 64 characters")],
    ),
    "empty parameter key": (
        {"parameters": {"": "v"}},
        [("parameters", "key '': String should have at least 1 character")],
    ),
    "parameter value": (
        {"parameters": {"k": "v" * 1025}},
        [("parameters.k", "String should have at most 1024 characters")],
    ),
    "no contact": ({"contacts": []}, [("contacts", "at least 1 item, got 0")]),
}


@pytest.mark.parametrize("case", list(LIMITS))
def test_each_limit_names_its_field_and_bound(case: str):
    changes, expected = LIMITS[case]
    with pytest.raises(InvalidRequest) as caught:
        validation.provision_input(convert.provision_fields(provision_request("lim", **changes)))
    assert [(v.field, v.description) for v in caught.value.violations] == expected


def test_limits_are_inclusive():
    request = provision_request(
        "lim",
        domains=[f"d{i}.example.com" for i in range(validation.MAX_DOMAINS)],
        parameters={
            f"{i:0{validation.MAX_PARAMETER_KEY}d}": "v" * validation.MAX_PARAMETER_VALUE
            for i in range(validation.MAX_PARAMETERS)
        },
    )
    accepted = validation.provision_input(convert.provision_fields(request))
    assert len(accepted.domains) == validation.MAX_DOMAINS
    assert len(accepted.parameters) == validation.MAX_PARAMETERS
    # What the client starts is the workflow's own input type, not the request model.
    assert type(accepted) is ProvisionTenantInput


BAD_OTHERS = [
    ("GetTenantStatus", pb.TenantStatusRequest(tenant_id=""), "tenant_id"),
    ("GetTenantStatus", pb.TenantStatusRequest(tenant_id="ok", kind="upgrade"), "kind"),
    ("WatchTenantStatus", pb.TenantStatusRequest(tenant_id="bad id"), "tenant_id"),
    ("CancelProvisioning", pb.CancelProvisioningRequest(tenant_id=""), "tenant_id"),
    ("DeprovisionTenant", pb.DeprovisionTenantRequest(tenant_id="-x"), "tenant_id"),
    ("DeployTenant", pb.DeployTenantRequest(tenant_id="t-x", app_version=""), "app_version"),
    ("ListTenants", pb.ListTenantsRequest(status="RUNNING"), "status"),
    ("ListTenants", pb.ListTenantsRequest(tier="gold"), "tier"),
    ("ListTenants", pb.ListTenantsRequest(page_size=501), "page_size"),
    ("ListTenants", pb.ListTenantsRequest(page_size=-1), "page_size"),
    ("ListTenants", pb.ListTenantsRequest(page_token="not-a-token"), "page_token"),
    ("ListTenantStacks", pb.ListTenantStacksRequest(tenant_id=""), "tenant_id"),
]


@pytest.mark.parametrize(("rpc", "request_", "field"), BAD_OTHERS)
async def test_bad_request_is_invalid_argument(
    engine: RunningEngine, stub: Any, rpc: str, request_: Any, field: str
):
    error = await expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, getattr(stub, rpc)(request_, metadata=engine.auth)
    )
    assert field in [f for f, _ in field_violations(error)]


UNKNOWN = [
    ("GetTenantStatus", pb.TenantStatusRequest(tenant_id="t-nobody")),
    ("GetTenantStatus", pb.TenantStatusRequest(tenant_id="t-nobody", kind="deploy")),
    ("WatchTenantStatus", pb.TenantStatusRequest(tenant_id="t-nobody")),
    ("CancelProvisioning", pb.CancelProvisioningRequest(tenant_id="t-nobody")),
    ("DeprovisionTenant", pb.DeprovisionTenantRequest(tenant_id="t-nobody")),
    ("DeployTenant", pb.DeployTenantRequest(tenant_id="t-nobody", app_version="2.0.0")),
    ("ListTenantStacks", pb.ListTenantStacksRequest(tenant_id="t-nobody")),
]


@pytest.mark.parametrize(("rpc", "request_"), UNKNOWN)
async def test_unknown_tenant_is_not_found(
    engine: RunningEngine, stub: Any, rpc: str, request_: Any
):
    error = await expect_error(
        grpc.StatusCode.NOT_FOUND, getattr(stub, rpc)(request_, metadata=engine.auth)
    )
    assert "t-nobody" in (error.details() or "")


async def test_nothing_was_started(engine: RunningEngine):
    """Runs last in this module: not one request above may have started a workflow."""
    for workflow_id in ("provision-tenant-t-badin", "preview-tenant-t-badin"):
        with pytest.raises(RPCError) as caught:
            await engine.temporal.get_workflow_handle(workflow_id).describe()
        assert caught.value.status == RPCStatusCode.NOT_FOUND
    query = f'TaskQueue="{engine.settings.temporal.task_queue}"'
    started = [wf.id async for wf in engine.temporal.list_workflows(query)]
    assert started == []
