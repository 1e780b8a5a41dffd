"""Property: whatever the request fields, the server answers with a deliberate status (never
INTERNAL or UNKNOWN), refuses exactly what validation refuses, and starts a workflow only
for a valid request.

The API here points at a task queue no worker polls: accepted requests start workflows
that wait (and are terminated at the end) instead of running Pulumi.
"""

from __future__ import annotations

import string
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import grpc
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from temporalio.testing import WorkflowEnvironment

from engine.api import convert, validation
from engine.api._gen import tenant_engine_pb2 as pb
from engine.core.contracts import workflow_id
from engine.core.errors import InvalidRequest
from tests.api.harness import RunningEngine, running_engine, stub_for

# Proto strings are UTF-8: lone surrogates cannot even be sent.
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
lower = string.ascii_lowercase + string.digits

# Valid values, then anything: a request is a valid one with up to three fields replaced.
valid_dates = st.dates(date(2000, 1, 1), date(2100, 1, 1))
valid_fields = st.fixed_dictionaries(
    {
        "tenant_id": st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z"),
        "tenant_key": st.from_regex(r"\A[a-z][a-z0-9]{2,12}\Z"),
        "tenant_name": st.text(string.ascii_letters + " ", min_size=1, max_size=30).filter(
            str.strip
        ),
        "domains": st.lists(
            st.from_regex(r"\A[a-z]{1,8}\.example\.com\Z"), unique=True, max_size=3
        ),
        "contacts": st.lists(
            st.builds(pb.Contact, email=st.from_regex(r"\A[a-z]{1,8}@[a-z]{1,8}\.example\.com\Z")),
            min_size=1,
            max_size=3,
        ),
        "subscription": st.builds(
            lambda tier, a, b: pb.Subscription(
                id="sub-1",
                plan_id="standard",
                tier=tier,
                start_date=min(a, b).isoformat(),
                end_date=max(a, b).isoformat(),
            ),
            st.sampled_from(["silo", "pooled", "bridge"]),
            valid_dates,
            valid_dates,
        ),
        "idp": st.one_of(
            st.none(), st.builds(pb.Idp, provider=st.sampled_from(["auth0", "keycloak"]))
        ),
        "app_version": st.sampled_from(["", "1.0.0", "2.3.4-rc.1"]),
        "parameters": st.dictionaries(st.sampled_from(["delay", "fail"]), st.just("0"), max_size=2),
    }
)
contacts = st.builds(
    pb.Contact, email=st.one_of(st.emails(), text), first_name=st.one_of(st.just(""), text)
)
anything = {
    "tenant_id": text,
    "tenant_key": st.one_of(text, st.text(lower + "-", max_size=40)),
    "tenant_name": st.one_of(st.just(""), text, st.text(min_size=190, max_size=210)),
    "domains": st.lists(st.one_of(text, st.sampled_from(["a.example.com", "A.example.com"]))),
    "contacts": st.lists(contacts, max_size=25),
    "subscription": st.one_of(
        st.none(),
        st.builds(
            pb.Subscription,
            id=text,
            plan_id=text,
            tier=st.one_of(st.sampled_from(["silo", "gold", ""]), text),
            start_date=st.one_of(valid_dates.map(date.isoformat), text),
            end_date=st.one_of(valid_dates.map(date.isoformat), text),
        ),
    ),
    "idp": st.builds(pb.Idp, provider=st.one_of(st.sampled_from(["okta", ""]), text)),
    "app_version": st.text(max_size=70),
    "parameters": st.dictionaries(st.text(max_size=70), st.text(max_size=1100), max_size=60),
}


@st.composite
def requests(draw: st.DrawFn) -> pb.ProvisionTenantRequest:
    fields: dict[str, Any] = draw(valid_fields)
    for name in draw(st.lists(st.sampled_from(sorted(anything)), max_size=3, unique=True)):
        fields[name] = draw(anything[name])
    return pb.ProvisionTenantRequest(**{k: v for k, v in fields.items() if v is not None})


ids = st.one_of(st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z"), text)
tiers = st.one_of(st.sampled_from(["silo", "pooled", "bridge"]), text)


ACCEPTED: set[str] = set()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def idle(
    temporal_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningEngine]:
    """The API without a worker; the workflows it starts are terminated afterwards."""
    async with running_engine(
        temporal_env,
        tmp_path_factory.mktemp("idle"),
        worker=False,
        task_queue="nobody-polls",
        query_timeout=timedelta(milliseconds=500),
    ) as running:
        yield running
        async for wf in running.temporal.list_workflows('TaskQueue="nobody-polls"'):
            if wf.status is not None and wf.status.name == "RUNNING":
                await running.temporal.get_workflow_handle(wf.id).terminate("test over")


def _expected_valid(request: pb.ProvisionTenantRequest) -> bool:
    try:
        validation.provision_input(convert.provision_fields(request))
    except InvalidRequest:
        return False
    return True


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(request=requests())
async def test_provision_requests_are_refused_or_started_never_crash(
    idle: RunningEngine, request: pb.ProvisionTenantRequest
):
    async with stub_for(idle) as stub:
        try:
            await stub.ProvisionTenant(request, metadata=idle.auth, timeout=30)
            code = grpc.StatusCode.OK
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
    valid = _expected_valid(request)
    event("valid request" if valid else "invalid request")
    if valid:
        assert code in (grpc.StatusCode.OK, grpc.StatusCode.ALREADY_EXISTS)
        ACCEPTED.add(workflow_id("provision", request.tenant_id))
    else:
        assert code == grpc.StatusCode.INVALID_ARGUMENT


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tenant_id=st.one_of(ids, text),
    kind=st.one_of(st.sampled_from(["", "provision", "deploy"]), text),
    status=st.one_of(st.sampled_from(["", "ACTIVE"]), text),
    tier=st.one_of(st.just(""), tiers),
    page_size=st.integers(-(2**31), 2**31 - 1),
    page_token=st.one_of(st.just(""), text),
)
async def test_other_requests_never_crash(
    idle: RunningEngine,
    tenant_id: str,
    kind: str,
    status: str,
    tier: str,
    page_size: int,
    page_token: str,
):
    deliberate = {
        grpc.StatusCode.OK,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.FAILED_PRECONDITION,
        # The status of a workflow started above: no worker answers its query.
        grpc.StatusCode.UNAVAILABLE,
    }
    async with stub_for(idle) as stub:
        calls: list[tuple[Any, Any]] = [
            (stub.GetTenantStatus, pb.TenantStatusRequest(tenant_id=tenant_id, kind=kind)),
            (
                stub.CancelProvisioning,
                pb.CancelProvisioningRequest(tenant_id=tenant_id, kind=kind),
            ),
            (
                stub.ListTenants,
                pb.ListTenantsRequest(
                    status=status, tier=tier, page_size=page_size, page_token=page_token
                ),
            ),
            (stub.ListTenantStacks, pb.ListTenantStacksRequest(tenant_id=tenant_id)),
        ]
        for method, request in calls:
            try:
                await method(request, metadata=idle.auth, timeout=30)
            except grpc.aio.AioRpcError as exc:
                assert exc.code() in deliberate, (exc.code(), exc.details())


async def test_only_valid_requests_started_workflows_and_the_server_still_serves(
    idle: RunningEngine,
):
    started = {wf.id async for wf in idle.temporal.list_workflows('TaskQueue="nobody-polls"')}
    assert started == ACCEPTED
    assert ACCEPTED, "no valid request was generated: the strategies need a look"
    async with grpc.aio.insecure_channel(idle.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        response = await health.Check(health_pb2.HealthCheckRequest(service=""))
    assert response.status == health_pb2.HealthCheckResponse.SERVING
