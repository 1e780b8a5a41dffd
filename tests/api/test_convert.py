"""Messages and views convert both ways without loss (what the CLI shows is what was sent)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.api import convert, convert_history, convert_lists, validation
from engine.api._gen import tenant_engine_pb2 as pb
from engine.api.views import (
    NoticeView,
    Outcome,
    RetainedView,
    StackList,
    StatusView,
    TenantHistory,
    TenantPage,
    TenantView,
    TransitionView,
)
from engine.core.contracts import (
    ProvisionTenantResult,
    Step,
    StepFailure,
    WorkflowKind,
)
from engine.core.errors import InvalidRequest
from engine.core.models import Component, TenantStatus, Tier
from engine.core.results import Progress, StackInfo
from engine.registry import TenantRecord


def test_a_validated_request_round_trips():
    fields = {
        "tenant_id": "t-acme",
        "tenant_key": "acme",
        "tenant_name": "Acme",
        "domains": ["acme.example.com"],
        "contacts": [{"email": "a@acme.example.com", "first_name": "Ada", "is_primary": True}],
        "subscription": {
            "id": "s",
            "plan_id": "p",
            "tier": "bridge",
            "start_date": "2025-01-01",
            "end_date": "2026-01-01",
        },
        "idp": {"provider": "auth0", "display_name": "Acme Login"},
        "parameters": {"delay": "1"},
    }
    first = validation.provision_input(fields)
    again = validation.provision_input(convert.provision_fields(convert.provision_request(first)))
    assert again == first
    assert again.subscription.start_date == date(2025, 1, 1)


def test_status_round_trips_with_progress_and_outcome():
    view = StatusView(
        tenant_id="t-acme",
        kind=WorkflowKind.DEPROVISION,
        workflow_id="deprovision-tenant-t-acme",
        step=Step.DESTROYING_INFRA,
        percent=40,
        details="going",
        tenant_status=TenantStatus.DEPROVISIONING,
        component=Component.INFRA,
        pulumi=Progress(stack="acme-infra", operation="destroy", planned=3, done=1),
        outcome=Outcome(
            success=False,
            error="boom",
            destroyed=["app"],
            failures=[StepFailure(step="destroy infra", error="boom")],
        ),
    )
    assert convert.status_from_proto(convert.status_to_proto(view)) == view


def test_outcome_from_each_result_kind():
    result = ProvisionTenantResult(
        success=True, tenant_id="t", app_url="http://x/", resources=[{"id": 1}, {"id": 2}]
    )
    outcome = Outcome.from_result(result)
    assert (outcome.success, outcome.app_url, outcome.resource_count) == (True, "http://x/", 2)


def test_listings_round_trip():
    now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    record = TenantRecord(
        tenant_id="t-acme",
        tenant_key="acme",
        tenant_name="Acme",
        tier=Tier.SILO,
        status=TenantStatus.ACTIVE,
        domains=("acme.example.com",),
        plan_id="standard",
        app_version="1.0.0",
        created_at=now,
        updated_at=now,
    )
    page = TenantPage(tenants=[TenantView.from_record(record)], next_page_token="abc")
    assert convert_lists.page_from_proto(convert_lists.page_to_proto(page)) == page
    stacks = StackList(
        tenant_key="acme",
        stacks=[
            StackInfo(name="acme-app", tenant_key="acme", component=Component.APP),
            StackInfo(
                name="acme-infra",
                tenant_key="acme",
                component=Component.INFRA,
                last_update=now,
                resource_count=0,
            ),
        ],
    )
    assert convert_lists.stacks_from_proto(convert_lists.stacks_to_proto(stacks)) == stacks
    history = TenantHistory(
        tenant_id="t-1",
        tenant_key="acme",
        status=TenantStatus.INACTIVE,
        transitions=[
            TransitionView(to_status=TenantStatus.PENDINGPROVISION, reason="created", at=now),
            TransitionView(
                from_status=TenantStatus.DEPROVISIONING,
                to_status=TenantStatus.INACTIVE,
                reason="deprovisioned",
                workflow_id="deprovision-tenant-t-1",
                at=now,
            ),
        ],
        owner_workflow_id="deploy-tenant-t-1",
        owner_operation="deploy",
        retained=[RetainedView(component="infra", type="x", physical_id="b", retained_at=now)],
        notices=[
            NoticeView(kind="welcome", state="sent", created_at=now, sent_at=now),
            NoticeView(kind="deprovisioned", state="failed", created_at=now),
        ],
    )
    assert convert_history.history_from_proto(convert_history.history_to_proto(history)) == history


def test_page_size_limit_is_the_registry_one():
    from engine.registry import registry

    assert validation.MAX_PAGE_SIZE == registry.MAX_PAGE_SIZE


def test_field_paths():
    assert validation.field_path(("contacts", 0, "email")) == "contacts[0].email"
    assert validation.field_path(()) == ""
    assert validation.list_query({"page_size": 0, "status": ""}).page_size == 50


def test_the_api_defaults_the_subscription_as_the_cli_does():
    """Issue 15: empty id, plan and dates get the CLI's defaults; the tier has none."""
    request = pb.ProvisionTenantRequest(
        tenant_id="t-acme",
        tenant_key="acme",
        tenant_name="Acme",
        contacts=[pb.Contact(email="a@acme.example.com")],
        subscription=pb.Subscription(tier="silo"),
    )
    sub = validation.provision_input(convert.provision_fields(request)).subscription
    assert (sub.id, sub.plan_id) == ("sub-acme", "standard")
    assert sub.start_date == date.today()
    assert sub.end_date == date.today() + timedelta(days=365)
    given = pb.Subscription(tier="silo", start_date="2025-03-01")
    request.subscription.CopyFrom(given)
    sub = validation.provision_input(convert.provision_fields(request)).subscription
    assert (sub.start_date, sub.end_date) == (date(2025, 3, 1), date(2026, 3, 1))


def test_a_preview_without_contacts_plans_with_a_placeholder():
    fields = {
        "tenant_id": "acme",
        "tenant_key": "acme",
        "tenant_name": "Acme",
        "subscription": {"tier": "pooled"},
    }
    preview = validation.provision_input(fields, dry_run=True)
    assert [c.email for c in preview.contacts] == ["preview@example.com"]
    with pytest.raises(InvalidRequest) as refused:
        validation.provision_input(fields)  # a provision needs a real contact
    assert [v.field for v in refused.value.violations] == ["contacts"]
