"""ProvisionTenant: happy paths, failure at every step, retries, duplicates, dry run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from engine.core.contracts import (
    PULUMI_QUEUE_SUFFIX,
    ActivityPolicies,
    ComponentPlan,
    ProvisionTenantResult,
    RecordResourcesInput,
    StackActivityInput,
    Step,
    StepFailure,
    WorkflowStatus,
)
from engine.core.models import Component, IdpProvider, TenantStatus, Tier
from engine.core.search_attributes import TENANT_ID, TENANT_STATUS, TENANT_TIER
from engine.core.settings import Settings, StatusPolicy
from engine.temporal._client import TenantClient

from .conftest import (
    ATTEMPTS,
    FakeActivities,
    Gate,
    Harness,
    canonical,
    eventually,
    provision_input,
    pulumi_worker,
    stack_outputs,
    workflow_worker,
)

# begin_provision registers the tenant, takes its lease and sets PROVISIONING at once.
PRE = ["begin_provision"]
UPS = ["stack_up:idp", "stack_up:infra", "stack_up:app"]
RECORDS = ["record_resources:idp", "record_resources:infra", "record_resources:app"]
DONE = ["set_tenant_status:ACTIVE"]
END = ["release_tenant"]
HAPPY = PRE + UPS + RECORDS + DONE + END
FAILED = ["set_tenant_status:PROVISIONFAILED"]


def destroys(*components: str) -> list[str]:
    """Compensation of each component: destroy its stack, then drop its resource rows."""
    return [call for c in components for call in (f"stack_destroy:{c}", f"record_resources:{c}")]


async def delivered(h: Harness, kind: str) -> None:
    """Wait for the NotifyTenant workflow to send ``kind`` (it runs after the parent)."""

    async def check() -> bool | None:
        return True if kind in h.fakes.delivered else None

    await eventually(check)


async def provision_result(h: Harness, **changes: Any) -> ProvisionTenantResult:
    started = await h.client.provision(provision_input(h.tenant_id, **changes))
    assert not started.already_running
    result = await h.client.result("provision", h.tenant_id)
    assert isinstance(result, ProvisionTenantResult)
    return result


async def search_attribute(h: Harness, key: Any, expected: str) -> None:
    """The workflow is found by TenantId and shows ``key = expected`` (visibility lags)."""

    async def check() -> bool | None:
        async for execution in h.temporal.list_workflows(f'TenantId = "{h.tenant_id}"'):
            if execution.typed_search_attributes.get(key) == expected:
                return True
        return None

    await eventually(check)


# -- policies ------------------------------------------------------------------------------


def test_default_policies_are_the_seed_plans() -> None:
    policies = ActivityPolicies.from_settings(Settings(_env_file=None).worker)
    assert policies == ActivityPolicies()
    expected = {
        # The seed has no IdP heartbeat; ours is a Pulumi run, so it gets one (1 min).
        "idp": (timedelta(minutes=5), timedelta(minutes=1), 3),
        "infra": (timedelta(minutes=30), timedelta(minutes=2), 3),
        "deploy": (timedelta(minutes=15), timedelta(minutes=1), 5),
        # Not the seed's 5 and 3: registry writes and notices retry until they work
        # (a registry restart must not roll back a tenant; see StatusPolicy).
        "status": (timedelta(seconds=30), None, 0),
        "notification": (timedelta(seconds=30), None, 0),
    }
    for group, (start_to_close, heartbeat, attempts) in expected.items():
        policy = getattr(policies, group)
        assert (policy.start_to_close, policy.heartbeat, policy.maximum_attempts) == (
            start_to_close,
            heartbeat,
            attempts,
        ), group
    assert policies.for_component(Component.IDP) is policies.idp
    assert policies.for_component(Component.INFRA) is policies.infra
    assert policies.for_component(Component.APP) is policies.deploy


async def scheduled_options(h: Harness) -> list[tuple[str, tuple[Any, ...]]]:
    """(call key, (start_to_close, heartbeat, attempts, initial interval, permanent errors,
    task queue))."""
    history = await h.client.handle("provision", h.tenant_id).fetch_history()
    options = []
    for event in history.events:
        if not event.HasField("activity_task_scheduled_event_attributes"):
            continue
        attrs = event.activity_task_scheduled_event_attributes
        heartbeat = attrs.heartbeat_timeout.ToTimedelta() or None
        options.append(
            (
                attrs.start_to_close_timeout.ToTimedelta(),
                heartbeat,
                attrs.retry_policy.maximum_attempts,
                attrs.retry_policy.initial_interval.ToTimedelta(),
                sorted(attrs.retry_policy.non_retryable_error_types),
                attrs.task_queue.name,
            )
        )
    # No retries on a happy path: one scheduled event per recorded call, in the order the
    # workflow scheduled them (the IdP and infra stacks may start in either order).
    assert len(options) == len(h.fakes.calls)
    return list(zip(canonical(h.fakes.calls), options, strict=True))


async def test_activities_are_scheduled_with_the_seed_policies(harness: Harness) -> None:
    h = harness
    # The seed's values (no shortened retries); a happy path never waits for them.
    seed = Settings(_env_file=None)
    seed.temporal.task_queue = h.settings.temporal.task_queue
    h.client = TenantClient(h.temporal, seed)
    assert (await provision_result(h)).success

    s30, s = timedelta(seconds=30), timedelta(seconds=1)
    status = (s30, None, 0, s)
    expected = {
        "begin_provision": status,
        "stack_up:idp": (timedelta(minutes=5), timedelta(minutes=1), 3, 10 * s),
        "stack_up:infra": (timedelta(minutes=30), timedelta(minutes=2), 3, 30 * s),
        "stack_up:app": (timedelta(minutes=15), timedelta(minutes=1), 5, 15 * s),
        "record_resources:idp": status,
        "record_resources:infra": status,
        "record_resources:app": status,
        "set_tenant_status:ACTIVE": status,
        "release_tenant": status,
    }
    scheduled = await scheduled_options(h)
    assert [key for key, _ in scheduled] == HAPPY
    queue = h.settings.temporal.task_queue
    for key, options in scheduled:
        assert options[:4] == expected[key], key
        # Retryability comes from the error the activity raises, not from a list here.
        assert options[4] == [], key
        # Pulumi runs wait for a worker's Pulumi slot on their own queue, not on a timeout.
        pulumi = key.startswith(("stack_", "platform_"))
        assert options[5] == (queue + PULUMI_QUEUE_SUFFIX if pulumi else queue), key


async def test_policies_come_from_the_settings(harness: Harness) -> None:
    h = harness
    custom = Settings(_env_file=None)
    custom.temporal.task_queue = h.settings.temporal.task_queue
    custom.worker.infra.maximum_attempts = 7
    custom.worker.infra.start_to_close = timedelta(minutes=9)
    custom.worker.infra.heartbeat = timedelta(seconds=20)
    custom.worker.status.maximum_attempts = 2
    custom.worker.notification.start_to_close = timedelta(seconds=5)
    h.client = TenantClient(h.temporal, custom)
    assert (await provision_result(h, idp=None)).success

    scheduled = dict(await scheduled_options(h))
    assert scheduled["stack_up:infra"][:3] == (timedelta(minutes=9), timedelta(seconds=20), 7)
    assert scheduled["set_tenant_status:ACTIVE"][2] == 2
    # Untouched groups keep the seed's values.
    assert scheduled["stack_up:app"][:3] == (timedelta(minutes=15), timedelta(minutes=1), 5)


# -- happy paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("tier", list(Tier))
@pytest.mark.parametrize("idp", [IdpProvider.AUTH0, IdpProvider.KEYCLOAK, None])
async def test_provisions_every_tier_with_and_without_idp(
    harness: Harness, tier: Tier, idp: IdpProvider | None
) -> None:
    h = harness
    result = await provision_result(h, tier=tier, idp=idp)

    with_idp = idp is not None
    components = [c for c in Component if with_idp or c is not Component.IDP]
    assert canonical(h.fakes.calls) == [
        *PRE,
        # Pooled and bridge tenants share the platform stack: made first if missing.
        *([] if tier is Tier.SILO else ["platform_up"]),
        *(f"stack_up:{c.value}" for c in components),
        *(f"record_resources:{c.value}" for c in components),
        *DONE,
        *END,
    ]
    assert result.success and result.error is None and not result.compensated
    assert result.app_url == "https://acme.app.example.com/"
    assert result.idp_organization_id == ("org-acme" if with_idp else None)
    assert [r["component"] for r in result.resources] == [c.value for c in components]

    # Each program got the tenant's spec; the app got the infra stack's outputs.
    ups: dict[Component, StackActivityInput] = {
        p.component: p for key in UPS for p in h.fakes.payloads(key)
    }
    assert all(p.spec.tier is tier and p.spec.tenant_id == h.tenant_id for p in ups.values())
    assert ups[Component.APP].spec.inputs == stack_outputs(
        ups[Component.INFRA].spec, Component.INFRA
    )
    assert ups[Component.INFRA].spec.inputs == {}
    if with_idp:
        [idp_up] = h.fakes.payloads("stack_up:idp")
        assert idp_up.spec.idp.provider is idp
    if tier is not Tier.SILO:
        [platform] = h.fakes.payloads("platform_up")
        assert platform.only_if_missing  # a tenant never re-applies the shared stack
    [begin] = h.fakes.payloads("begin_provision")
    assert begin.spec.tier is tier and begin.subscription_end.isoformat() == "2027-01-01"
    assert begin.workflow_id == f"provision-tenant-{h.tenant_id}"
    records: list[RecordResourcesInput] = h.fakes.payloads("record_resources:infra")
    assert (
        records[0].resources
        == stack_outputs(ups[Component.INFRA].spec, Component.INFRA)["resources"]
    )
    await delivered(h, "welcome")
    [welcome] = h.fakes.payloads("send_notification:welcome")
    assert welcome.app_url == result.app_url and welcome.tenant_id == h.tenant_id
    assert welcome.idempotency_key.startswith(f"provision-tenant-{h.tenant_id}/")

    status = await h.client.status("provision", h.tenant_id)
    assert (status.step, status.percent, status.done) == (Step.COMPLETED, 100, True)
    assert status.tenant_status is TenantStatus.ACTIVE and not status.cancel_requested
    await search_attribute(h, TENANT_TIER, tier.value)
    await search_attribute(h, TENANT_STATUS, TenantStatus.ACTIVE.value)


# -- failures ------------------------------------------------------------------------------

# (step that fails, calls up to and including it, stacks destroyed in this order)
FAILURE_AT_EVERY_STEP = [
    # IdP and infra run at once: a failing IdP stack still lets infra finish, then both go.
    ("stack_up:idp", [*PRE, *UPS[:2]], ["infra", "idp"]),
    ("stack_up:infra", [*PRE, *UPS[:2]], ["infra", "idp"]),
    ("stack_up:app", [*PRE, *UPS], ["app", "infra", "idp"]),
    ("record_resources:idp", [*PRE, *UPS, *RECORDS[:1]], ["app", "infra", "idp"]),
    ("record_resources:app", [*PRE, *UPS, *RECORDS], ["app", "infra", "idp"]),
    ("set_tenant_status:ACTIVE", [*PRE, *UPS, *RECORDS, DONE[0]], ["app", "infra", "idp"]),
]


@pytest.mark.parametrize(
    ("failing", "before", "destroyed"),
    FAILURE_AT_EVERY_STEP,
    ids=[case[0] for case in FAILURE_AT_EVERY_STEP],
)
async def test_failure_at_every_step_compensates_in_reverse_order(
    harness: Harness, failing: str, before: list[str], destroyed: list[str]
) -> None:
    h = harness
    h.fakes.fail(failing, type="ProgramError", non_retryable=True)
    result = await provision_result(h)

    assert canonical(h.fakes.calls) == [*before, *destroys(*destroyed), *FAILED, *END]
    assert not result.success
    assert result.error == f"injected failure in {failing}"
    assert result.error_type == "ProgramError"
    assert result.compensated == [Component(c) for c in destroyed]
    assert result.compensation_failures == []
    await delivered(h, "provisioning_failed")
    [notice] = h.fakes.payloads("send_notification:provisioning_failed")
    # The customer reads plain words, never the provider's error.
    assert notice.error and result.error not in notice.error
    [failed] = h.fakes.payloads("set_tenant_status:PROVISIONFAILED")
    assert failed.reason == result.error

    description = await h.client.handle("provision", h.tenant_id).describe()
    assert description.status is WorkflowExecutionStatus.FAILED
    status = await h.client.status("provision", h.tenant_id)
    assert (status.step, status.percent, status.done) == (Step.FAILED, 100, True)
    assert status.tenant_status is TenantStatus.PROVISIONFAILED
    assert status.details == result.error
    await search_attribute(h, TENANT_STATUS, TenantStatus.PROVISIONFAILED.value)


async def test_failure_without_idp_destroys_only_what_was_started(harness: Harness) -> None:
    h = harness
    h.fakes.fail("stack_up:infra")
    result = await provision_result(h, idp=None)

    assert canonical(h.fakes.calls) == [*PRE, "stack_up:infra", *destroys("infra"), *FAILED, *END]
    assert result.compensated == [Component.INFRA]


async def test_compensation_failures_are_reported_and_do_not_stop_the_rest(
    harness: Harness,
) -> None:
    h = harness
    h.fakes.fail("stack_up:app")
    # Each of these keeps failing with a retryable error: retried by its policy, then given up.
    for key in ("stack_destroy:infra", *FAILED):
        h.fakes.fail(key, type="TransientError", non_retryable=False, times=None)
    result = await provision_result(h)

    assert canonical(h.fakes.calls) == [
        *PRE,
        *UPS,
        *destroys("app"),
        *["stack_destroy:infra"] * ATTEMPTS["infra"],
        *destroys("idp"),
        *["set_tenant_status:PROVISIONFAILED"] * ATTEMPTS["status"],
        *END,
    ]
    assert result.error == "injected failure in stack_up:app"
    assert result.error_type == "ProgramError"
    assert result.compensated == [Component.APP, Component.IDP]
    assert result.compensation_failures == [
        StepFailure(step="destroy infra", error="injected failure in stack_destroy:infra"),
        StepFailure(step="status", error="injected failure in set_tenant_status:PROVISIONFAILED"),
    ]


# -- retries -------------------------------------------------------------------------------


async def test_retryable_error_is_retried_then_succeeds(harness: Harness) -> None:
    h = harness
    h.fakes.flaky("stack_up:app", times=ATTEMPTS["deploy"] - 1)
    h.fakes.flaky("set_tenant_status:ACTIVE", times=1)
    result = await provision_result(h, idp=None)

    assert result.success
    assert h.fakes.count("stack_up:app") == ATTEMPTS["deploy"]
    assert h.fakes.count("set_tenant_status:ACTIVE") == 2
    assert not [call for call in h.fakes.calls if call.startswith("stack_destroy")]


@pytest.mark.parametrize(
    ("component", "group", "destroyed"),
    [
        ("idp", "idp", "infra idp"),
        ("infra", "infra", "infra idp"),
        ("app", "deploy", "app infra idp"),
    ],
)
async def test_retryable_error_gives_up_after_the_policys_attempts(
    harness: Harness, component: str, group: str, destroyed: str
) -> None:
    h = harness
    attempts = ATTEMPTS[group]
    h.fakes.fail(f"stack_up:{component}", type="TransientError", non_retryable=False, times=None)
    result = await provision_result(h)

    assert h.fakes.count(f"stack_up:{component}") == attempts
    assert result.error_type == "TransientError"
    assert result.compensated == [Component(c) for c in destroyed.split()]


async def test_stalled_stack_is_timed_out_by_its_heartbeat_and_retried(
    harness: Harness, settings: Settings
) -> None:
    h = harness
    settings.worker.infra.heartbeat = timedelta(seconds=1)
    h.client = TenantClient(h.temporal, settings)
    stalled = h.fakes.stall("stack_up:infra")
    result = await provision_result(h, idp=None)

    assert result.success
    assert stalled.started.is_set()
    assert h.fakes.count("stack_up:infra") == 2


async def test_a_failing_platform_stack_fails_a_pooled_provision_before_any_tenant_stack(
    harness: Harness,
) -> None:
    h = harness
    h.fakes.fail("platform_up", type="ProviderError")
    result = await provision_result(h, tier=Tier.POOLED)

    assert canonical(h.fakes.calls) == [*PRE, "platform_up", *FAILED, *END]
    assert not result.success and result.error_type == "ProviderError"
    assert result.compensated == []  # the shared stack is never the tenant's to destroy


# -- IdP and infra at once -----------------------------------------------------------------


async def test_idp_and_infra_stacks_run_at_once(harness: Harness) -> None:
    """Issue 13: they do not depend on each other, so a provision takes max(IdP, infra) + app."""
    h = harness
    idp, infra = h.fakes.block("stack_up:idp"), h.fakes.block("stack_up:infra")
    await h.client.provision(provision_input(h.tenant_id))

    # Both are running while neither has finished (one after the other, this waits forever).
    await idp.wait_started()
    await infra.wait_started()
    assert h.fakes.count("stack_up:app") == 0
    idp.release()
    infra.release()

    result = await h.client.result("provision", h.tenant_id)
    assert isinstance(result, ProvisionTenantResult) and result.success, result
    assert canonical(h.fakes.calls) == HAPPY
    # Recorded and reported in the components' order, whichever finished first.
    assert [r["component"] for r in result.resources] == ["idp", "infra", "app"]


async def _history_has(h: Harness, predicate: Callable[[Any], bool]) -> None:
    async def check() -> bool | None:
        history = await h.client.handle("provision", h.tenant_id).fetch_history()
        return True if any(predicate(e) for e in history.events) else None

    await eventually(check)


async def test_a_failing_idp_stack_waits_for_infra_then_both_are_destroyed(
    harness: Harness,
) -> None:
    h = harness
    h.fakes.fail("stack_up:idp")
    infra = h.fakes.block("stack_up:infra")
    await h.client.provision(provision_input(h.tenant_id))
    await infra.wait_started()
    # The workflow has seen the IdP failure (and answered it) while infra still runs.
    await _history_has(h, lambda e: e.HasField("activity_task_failed_event_attributes"))
    infra.release()
    result = await h.client.result("provision", h.tenant_id)

    assert isinstance(result, ProvisionTenantResult) and not result.success
    assert not infra.cancelled  # infra was let finish, not torn down mid-way
    assert result.compensated == [Component.INFRA, Component.IDP]
    assert canonical(h.fakes.calls) == [*PRE, *UPS[:2], *destroys("infra", "idp"), *FAILED, *END]
    # No destroy was scheduled before the infra stack's up had ended.
    events = (await h.client.handle("provision", h.tenant_id).fetch_history()).events
    scheduled = {
        e.event_id: e.activity_task_scheduled_event_attributes.activity_type.name
        for e in events
        if e.HasField("activity_task_scheduled_event_attributes")
    }
    [infra_done] = [  # the one stack_up that completed: infra's (the IdP's failed)
        e.event_id
        for e in events
        if e.HasField("activity_task_completed_event_attributes")
        and scheduled[e.activity_task_completed_event_attributes.scheduled_event_id] == "stack_up"
    ]
    first_destroy = min(i for i, name in scheduled.items() if name == "stack_destroy")
    assert infra_done < first_destroy


# -- starting ------------------------------------------------------------------------------


async def test_duplicate_start_returns_the_running_workflow(harness: Harness) -> None:
    h = harness
    gate = h.fakes.block("stack_up:infra")
    first = await h.client.provision(provision_input(h.tenant_id))
    await gate.wait_started()
    second = await h.client.provision(provision_input(h.tenant_id))

    assert not first.already_running and second.already_running
    assert second.workflow_id == first.workflow_id == f"provision-tenant-{h.tenant_id}"
    assert second.run_id == first.run_id
    gate.release()
    result = await h.client.result("provision", h.tenant_id)
    assert isinstance(result, ProvisionTenantResult) and result.success
    assert canonical(h.fakes.calls) == HAPPY  # one set of calls, not two


@pytest.mark.parametrize("idp", [IdpProvider.KEYCLOAK, None])
async def test_dry_run_only_previews(harness: Harness, idp: IdpProvider | None) -> None:
    h = harness
    started = await h.client.provision(provision_input(h.tenant_id, idp=idp, dry_run=True))
    assert started.workflow_id == f"preview-tenant-{h.tenant_id}"
    result = await h.client.result("preview", h.tenant_id)

    components = [c for c in Component if idp or c is not Component.IDP]
    assert canonical(h.fakes.calls) == [f"stack_preview:{c.value}" for c in components]
    assert isinstance(result, ProvisionTenantResult)
    assert result.success and result.dry_run
    assert not result.resources and result.app_url is None
    assert [p.component for p in result.plan] == components
    plan: ComponentPlan = result.plan[0]
    assert plan.changes == {"create": 2}
    assert [c.name for c in plan.planned] == ["first", "second"]
    previews: list[StackActivityInput] = h.fakes.payloads("stack_preview:infra")
    assert previews[0].spec.tenant_id == h.tenant_id

    # Nothing changed: no status set on the tenant or on the workflow.
    status = await h.client.status("preview", h.tenant_id)
    assert (status.step, status.done, status.tenant_status) == (Step.COMPLETED, True, None)
    description = await h.client.handle("preview", h.tenant_id).describe()
    assert description.typed_search_attributes.get(TENANT_ID) == h.tenant_id
    assert description.typed_search_attributes.get(TENANT_STATUS) is None


async def test_dry_run_failure_says_which_program_fails(harness: Harness) -> None:
    h = harness
    h.fakes.fail("stack_preview:infra", message="bucket name too long")
    await h.client.provision(provision_input(h.tenant_id, dry_run=True))
    result = await h.client.result("preview", h.tenant_id)

    assert canonical(h.fakes.calls) == ["stack_preview:idp", "stack_preview:infra"]
    assert isinstance(result, ProvisionTenantResult)
    assert not result.success and result.dry_run
    assert (result.error, result.error_type) == ("bucket name too long", "ProgramError")
    assert [p.component for p in result.plan] == [Component.IDP]
    assert not result.compensated  # a dry run creates nothing, so destroys nothing


async def test_provisioning_again_after_a_failure_starts_a_new_run(harness: Harness) -> None:
    h = harness
    h.fakes.fail("stack_up:app")
    first = await provision_result(h)
    assert not first.success

    # Same workflow id (one per tenant): allowed once the failed run has ended.
    again = await h.client.provision(provision_input(h.tenant_id))
    assert not again.already_running
    second = await h.client.result("provision", h.tenant_id)
    assert isinstance(second, ProvisionTenantResult) and second.success
    assert h.fakes.count("begin_provision") == 2


# -- lifecycle safety (issue 9) ------------------------------------------------------------


async def test_a_refused_registration_is_not_compensated(harness: Harness) -> None:
    """Item 3: begin_provision refused (id of a live tenant with another key, an ACTIVE
    tenant, a busy one): nothing changed, so no status is written and nobody is emailed."""
    h = harness
    h.fakes.fail("begin_provision", type="TenantConflictError", message="key taken")
    result = await provision_result(h)

    assert canonical(h.fakes.calls) == ["begin_provision"]
    assert (result.error, result.error_type) == ("key taken", "TenantConflictError")
    assert not result.compensated
    status = await h.client.status("provision", h.tenant_id)
    assert status.tenant_status is None and status.done
    assert h.fakes.notices == []


async def test_a_failing_welcome_notice_leaves_the_tenant_active(harness: Harness) -> None:
    """Item 2: the notice is sent by a workflow of its own, after ACTIVE."""
    h = harness
    h.fakes.fail("send_notification:welcome", type="NotificationDeliveryError", times=None)
    result = await provision_result(h)

    assert result.success
    assert canonical(h.fakes.calls) == HAPPY  # no destroy, no PROVISIONFAILED
    status = await h.client.status("provision", h.tenant_id)
    assert status.tenant_status is TenantStatus.ACTIVE


async def test_compensation_keeps_stacks_that_existed_before_the_run(harness: Harness) -> None:
    """Item 1: a re-provision (after PROVISIONFAILED or INACTIVE) never destroys a stack
    that had resources before it started."""
    h = harness
    h.fakes.existing = {Component.INFRA}
    h.fakes.fail("stack_up:app")
    result = await provision_result(h)

    assert canonical(h.fakes.calls) == [
        *PRE,
        "stack_inspect:idp",
        "stack_up:idp",
        "stack_inspect:infra",
        "stack_up:infra",
        "stack_inspect:app",
        "stack_up:app",
        *destroys("app", "idp"),
        *FAILED,
        *END,
    ]
    assert result.kept == [Component.INFRA]
    assert result.compensated == [Component.APP, Component.IDP]


async def test_a_registry_outage_at_the_records_waits_instead_of_compensating(
    harness: Harness, settings: Settings
) -> None:
    """Item 9: the seed's 5 attempts turned a registry restart into a rollback."""
    h = harness
    settings.worker.status.maximum_attempts = StatusPolicy().maximum_attempts  # unlimited
    h.client = TenantClient(h.temporal, settings)
    h.fakes.flaky("record_resources:infra", times=8)
    h.fakes.flaky("set_tenant_status:ACTIVE", times=8)
    result = await provision_result(h)

    assert result.success
    assert h.fakes.count("record_resources:infra") == 9
    assert not [c for c in h.fakes.calls if c.startswith("stack_destroy")]


async def test_eviction_from_the_worker_cache_never_compensates(
    temporal_env: WorkflowEnvironment, fakes: FakeActivities, tenant_id: str, settings: Settings
) -> None:
    """Item 8: the SDK evicts a workflow by raising a BaseException into it. With no cache
    every activation ends in an eviction; compensating then would destroy a healthy tenant."""
    queue = settings.temporal.task_queue
    async with (
        workflow_worker(temporal_env.client, queue, fakes, max_cached_workflows=0),
        pulumi_worker(temporal_env.client, queue, fakes),
    ):
        client = TenantClient(temporal_env.client, settings)
        await client.provision(provision_input(tenant_id))
        result = await asyncio.wait_for(client.result("provision", tenant_id), 120)

    assert isinstance(result, ProvisionTenantResult) and result.success, result
    assert canonical(fakes.calls) == HAPPY


async def test_a_pulumi_activity_waits_for_a_slot_in_the_queue_and_the_status_says_so(
    temporal_env: WorkflowEnvironment, fakes: FakeActivities, tenant_id: str, settings: Settings
) -> None:
    """Issue 13: with every Pulumi slot taken, the IdP or infra stack waits in the Pulumi
    task queue, not started (its start-to-close timeout not running), and the status shows
    how long it has waited."""
    gates = [fakes.block("stack_up:idp"), fakes.block("stack_up:infra")]
    queue = settings.temporal.task_queue
    async with (
        workflow_worker(temporal_env.client, queue, fakes),
        # One Pulumi slot: the IdP and infra stacks cannot run at once.
        pulumi_worker(temporal_env.client, queue, fakes, max_concurrent_activities=1),
    ):
        client = TenantClient(temporal_env.client, settings)
        await client.provision(provision_input(tenant_id))

        async def one_running() -> Gate | None:
            running = [g for g in gates if g.started.is_set()]
            return running[0] if running else None

        first = await eventually(one_running)
        [waiting] = [g for g in gates if g is not first]

        async def queued() -> WorkflowStatus | None:
            status = await client.status("provision", tenant_id)
            return status if status.queued_s else None

        status = await eventually(queued)
        assert status.queued_s is not None and status.queued_s > 0
        assert status.details and "for a Pulumi slot" in status.details
        assert not waiting.started.is_set()
        first.release()
        await waiting.wait_started()
        assert (await client.status("provision", tenant_id)).queued_s is None
        waiting.release()
        result = await asyncio.wait_for(client.result("provision", tenant_id), 60)

    assert isinstance(result, ProvisionTenantResult) and result.success, result
    assert canonical(fakes.calls) == HAPPY
