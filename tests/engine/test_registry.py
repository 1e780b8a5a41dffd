"""The tenant registry against SQLite and a real PostgreSQL cluster."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.core.contracts import OPERATION_FROM
from engine.core.errors import (
    ConflictError,
    EngineError,
    InvalidStatusTransitionError,
    TenantBusyError,
    TenantConflictError,
    TenantNotFoundError,
    TenantStateError,
    ValidationError,
)
from engine.core.models import Component, Contact, TenantStatus, Tier
from engine.registry import (
    NotificationState,
    TenantRegistry,
    TenantResource,
    allowed_targets,
)
from tests.conftest import make_spec
from tests.support import postgres as postgres_support
from tests.support.postgres import postgres_or_fail

S = TenantStatus
T = TypeVar("T")

# How to reach each status from a new tenant, through allowed transitions only.
PATH_TO: dict[TenantStatus, list[TenantStatus]] = {
    S.PENDINGPROVISION: [],
    S.PROVISIONING: [S.PROVISIONING],
    S.ACTIVE: [S.PROVISIONING, S.ACTIVE],
    S.PROVISIONFAILED: [S.PROVISIONING, S.PROVISIONFAILED],
    S.DEPROVISIONING: [S.PROVISIONING, S.ACTIVE, S.DEPROVISIONING],
    S.INACTIVE: [S.PROVISIONING, S.ACTIVE, S.DEPROVISIONING, S.INACTIVE],
}


@pytest.fixture
def registry(database_url: str) -> Iterator[TenantRegistry]:
    with TenantRegistry(database_url) as registry:
        yield registry


def _drive(registry: TenantRegistry, tenant_id: str, target: TenantStatus) -> None:
    for status in PATH_TO[target]:
        registry.set_status(tenant_id, status, workflow_id="wf-drive")


# -- tenants -------------------------------------------------------------------------------


def test_upsert_creates_pending_tenant_with_creation_history(registry: TenantRegistry) -> None:
    spec = make_spec("acme", plan_id="plan-gold", app_version="2.1.0")
    created = registry.upsert_tenant(spec)

    assert created.status is S.PENDINGPROVISION
    assert (created.tenant_id, created.tenant_key, created.tenant_name) == (
        "id-acme",
        "acme",
        "Acme",
    )
    assert created.contacts == spec.contacts
    assert created.domains == ("acme.example.com",)
    assert (created.plan_id, created.app_version, created.idp_provider) == (
        "plan-gold",
        "2.1.0",
        spec.idp.provider if spec.idp else None,
    )
    assert created.created_at.tzinfo is UTC
    assert registry.get("id-acme") == created
    assert registry.get_by_key("acme") == created
    [entry] = registry.history("id-acme")
    assert (entry.from_status, entry.to_status, entry.reason) == (
        None,
        S.PENDINGPROVISION,
        "created",
    )


def test_upsert_again_changes_nothing_and_updates_keep_the_status(
    registry: TenantRegistry,
) -> None:
    spec = make_spec("acme")
    first = registry.upsert_tenant(spec)
    assert registry.upsert_tenant(spec) == first
    registry.set_status("id-acme", S.PROVISIONING)

    contacts = (*spec.contacts, Contact(email="ops@acme.example.com", is_primary=True))
    updated = registry.upsert_tenant(
        spec.model_copy(update={"tenant_name": "Acme Corp", "contacts": contacts})
    )

    assert updated.tenant_name == "Acme Corp"
    assert updated.contacts == contacts
    assert updated.status is S.PROVISIONING
    assert updated.updated_at > first.updated_at
    assert [h.to_status for h in registry.history("id-acme")] == [
        S.PENDINGPROVISION,
        S.PROVISIONING,
    ]


def test_a_key_cannot_change_nor_be_shared(registry: TenantRegistry) -> None:
    registry.upsert_tenant(make_spec("acme"))

    with pytest.raises(TenantConflictError, match="cannot change"):
        registry.upsert_tenant(
            make_spec("acme", tenant_id="id-acme").model_copy(update={"tenant_key": "other"})
        )
    with pytest.raises(TenantConflictError, match="already belongs to tenant 'id-acme'"):
        registry.upsert_tenant(make_spec("acme", tenant_id="id-intruder"))
    assert registry.get_by_key("acme").tenant_id == "id-acme"


@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.get("nope"),
        lambda r: r.get_by_key("nope"),
        lambda r: r.set_status("nope", S.PROVISIONING),
        lambda r: r.history("nope"),
        lambda r: r.resources("nope"),
        lambda r: r.record_resources("nope", Component.INFRA, []),
    ],
    ids=["get", "get_by_key", "set_status", "history", "resources", "record"],
)
def test_unknown_tenant_raises_not_found(
    registry: TenantRegistry, call: Callable[[TenantRegistry], object]
) -> None:
    with pytest.raises(TenantNotFoundError, match="'nope'") as caught:
        call(registry)
    assert isinstance(caught.value, EngineError)
    assert not caught.value.retryable


# -- status --------------------------------------------------------------------------------


def test_provisioning_path_is_recorded_once_per_change(registry: TenantRegistry) -> None:
    registry.upsert_tenant(make_spec("acme"))
    registry.set_status("id-acme", S.PROVISIONING, reason="started", workflow_id="wf-1")
    registry.set_status("id-acme", S.PROVISIONING, reason="retried", workflow_id="wf-1")
    active = registry.set_status("id-acme", S.ACTIVE, reason="done", workflow_id="wf-1")

    assert active.status is S.ACTIVE
    history = registry.history("id-acme")
    assert [(h.from_status, h.to_status, h.reason, h.workflow_id) for h in history[1:]] == [
        (S.PENDINGPROVISION, S.PROVISIONING, "started", "wf-1"),
        (S.PROVISIONING, S.ACTIVE, "done", "wf-1"),
    ]
    assert history[1].at <= history[2].at


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.ACTIVE, S.PENDINGPROVISION),
        (S.ACTIVE, S.PROVISIONING),  # provision means create: never over a live tenant
        (S.ACTIVE, S.PROVISIONFAILED),
        (S.PENDINGPROVISION, S.ACTIVE),
        (S.PROVISIONFAILED, S.ACTIVE),
        (S.DEPROVISIONING, S.PROVISIONING),
        (S.INACTIVE, S.ACTIVE),
    ],
)
def test_transitions_outside_the_graph_are_refused(
    registry: TenantRegistry, start: TenantStatus, target: TenantStatus
) -> None:
    registry.upsert_tenant(make_spec("acme"))
    _drive(registry, "id-acme", start)
    before = registry.history("id-acme")

    with pytest.raises(InvalidStatusTransitionError, match=f"from {start} to {target}") as caught:
        registry.set_status("id-acme", target)

    # A conflict with the tenant's current state: permanent, never retried.
    assert isinstance(caught.value, ConflictError) and not caught.value.retryable
    assert (caught.value.current, caught.value.requested) == (start, target)
    assert registry.get("id-acme").status is start
    assert registry.history("id-acme") == before


@pytest.mark.parametrize("start", sorted(OPERATION_FROM["deprovision"]))
def test_deprovision_reaches_inactive_from_every_status_it_starts_from(
    registry: TenantRegistry, start: TenantStatus
) -> None:
    registry.upsert_tenant(make_spec("bolt"))
    _drive(registry, "id-bolt", start)

    registry.set_status("id-bolt", S.DEPROVISIONING)
    assert registry.set_status("id-bolt", S.INACTIVE).status is S.INACTIVE


@pytest.mark.parametrize("start", [s for s in S if s is not S.PROVISIONING])
def test_provisionfailed_is_reached_only_from_provisioning(
    registry: TenantRegistry, start: TenantStatus
) -> None:
    """A failed run can mark only the tenant it was provisioning (issue 9, item 1)."""
    registry.upsert_tenant(make_spec("acme"))
    _drive(registry, "id-acme", start)
    if start is S.PROVISIONFAILED:
        return  # setting the current status again is a no-op
    with pytest.raises(InvalidStatusTransitionError):
        registry.set_status("id-acme", S.PROVISIONFAILED)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list(S)), max_size=12))
def test_history_is_a_chain_whatever_is_asked(requests: list[TenantStatus]) -> None:
    # Property: accepted changes form a chain ending in the current status; refused ones
    # are exactly those the graph forbids, and they leave no trace.
    with TenantRegistry("sqlite://") as registry:
        registry.upsert_tenant(make_spec("acme"))
        current = S.PENDINGPROVISION
        for status in requests:
            if status in allowed_targets(current):
                registry.set_status("id-acme", status)
                current = status
            else:
                with pytest.raises(InvalidStatusTransitionError):
                    registry.set_status("id-acme", status)
        history = registry.history("id-acme")
        assert registry.get("id-acme").status is current
        assert history[-1].to_status is current
        for before, after in itertools.pairwise(history):
            assert after.from_status is before.to_status
            assert after.to_status is not before.to_status


# -- listing -------------------------------------------------------------------------------


def test_list_pages_are_stable_and_filtered(registry: TenantRegistry) -> None:
    keys = [f"t{n:02d}" for n in range(7)]
    for n, key in enumerate(keys):
        registry.upsert_tenant(make_spec(key, tier=Tier.POOLED if n % 2 else Tier.SILO))
    registry.set_status("id-t03", S.PROVISIONING)

    seen: list[str] = []
    items, token = registry.list_tenants(page_size=3)
    seen += [t.tenant_id for t in items]
    # A tenant added before the cursor mid-listing must neither appear nor shift pages.
    registry.upsert_tenant(make_spec("aaa"))
    while token:
        items, token = registry.list_tenants(page_size=3, page_token=token)
        assert len(items) <= 3
        seen += [t.tenant_id for t in items]
    assert seen == [f"id-{key}" for key in keys]

    pooled, token = registry.list_tenants(tier=Tier.POOLED)
    assert ([t.tenant_key for t in pooled], token) == (["t01", "t03", "t05"], None)
    provisioning, _ = registry.list_tenants(status=S.PROVISIONING)
    assert [t.tenant_key for t in provisioning] == ["t03"]
    both, _ = registry.list_tenants(status=S.PENDINGPROVISION, tier=Tier.POOLED)
    assert [t.tenant_key for t in both] == ["t01", "t05"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 501}, "page_size"),
        ({"page_token": "not-a-token"}, "page_token"),
        ({"page_token": "eyJ2IjogMn0"}, "page_token"),  # {"v": 2}
    ],
)
def test_list_refuses_bad_arguments(
    registry: TenantRegistry, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        registry.list_tenants(**kwargs)
    assert caught.value.field == field


# -- resources -----------------------------------------------------------------------------


def _bucket(name: str, **attributes: object) -> TenantResource:
    return TenantResource(
        type="aws:s3:Bucket", physical_id=name, name="data", attributes=attributes
    )


def test_recording_a_component_again_replaces_its_resources(registry: TenantRegistry) -> None:
    registry.upsert_tenant(make_spec("acme"))
    app = [TenantResource(type="k8s:Deployment", physical_id="ns/acme", name="app")]
    registry.record_resources("id-acme", Component.APP, app)
    infra = [_bucket("acme-data-1", versioning=True), _bucket("acme-logs-1", nested={"a": [1, 2]})]
    registry.record_resources("id-acme", Component.INFRA, infra)
    # The activity is retried after a crash: same component, same resources.
    again = registry.record_resources("id-acme", Component.INFRA, infra)
    idp = [TenantResource(type="keycloak:Realm", physical_id="acme")]
    registry.record_resources("id-acme", Component.IDP, idp)

    assert [r.physical_id for r in again] == ["acme-data-1", "acme-logs-1"]
    recorded = registry.resources("id-acme")
    assert [(r.component, r.physical_id) for r in recorded] == [
        (Component.IDP, "acme"),
        (Component.INFRA, "acme-data-1"),
        (Component.INFRA, "acme-logs-1"),
        (Component.APP, "ns/acme"),
    ]
    assert recorded[2].attributes == {"nested": {"a": [1, 2]}}
    assert recorded[0].recorded_at.tzinfo is UTC

    registry.record_resources("id-acme", Component.INFRA, [_bucket("acme-data-2")])
    infra_now = registry.resources("id-acme", Component.INFRA)
    assert [r.physical_id for r in infra_now] == ["acme-data-2"]

    registry.record_resources("id-acme", Component.INFRA, [])  # after its destroy
    assert [r.component for r in registry.resources("id-acme")] == [Component.IDP, Component.APP]


def test_a_resource_listed_twice_is_refused(registry: TenantRegistry) -> None:
    registry.upsert_tenant(make_spec("acme"))
    registry.record_resources("id-acme", Component.INFRA, [_bucket("keep")])

    with pytest.raises(ValidationError, match="listed twice"):
        registry.record_resources("id-acme", Component.INFRA, [_bucket("b"), _bucket("b")])
    assert [r.physical_id for r in registry.resources("id-acme")] == ["keep"]


# -- concurrency and persistence -----------------------------------------------------------


def _together(workers: int, task: Callable[[int], T]) -> list[T]:
    """Run ``task`` in ``workers`` threads released at once, as retried activities would."""
    barrier = threading.Barrier(workers)

    def run(n: int) -> T:
        barrier.wait()
        return task(n)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, range(workers)))


def test_concurrent_writers_converge(registry: TenantRegistry) -> None:
    spec = make_spec("acme")
    _together(8, lambda _: registry.upsert_tenant(spec))
    _together(8, lambda _: registry.set_status("id-acme", S.PROVISIONING, workflow_id="wf"))
    infra = [_bucket(f"b{n}") for n in range(5)]
    _together(8, lambda _: registry.record_resources("id-acme", Component.INFRA, infra))

    assert [h.to_status for h in registry.history("id-acme")] == [
        S.PENDINGPROVISION,
        S.PROVISIONING,
    ]
    assert sorted(r.physical_id for r in registry.resources("id-acme")) == [
        f"b{n}" for n in range(5)
    ]
    items, _ = registry.list_tenants()
    assert [t.tenant_id for t in items] == ["id-acme"]


def test_data_survives_reopening(database_url: str) -> None:
    with TenantRegistry(database_url) as registry:
        registry.upsert_tenant(make_spec("acme"))
        registry.set_status("id-acme", S.PROVISIONING)
        registry.record_resources(
            "id-acme", Component.IDP, [TenantResource(type="r", physical_id="p")]
        )
    with TenantRegistry(database_url) as reopened:
        assert reopened.get("id-acme").status is S.PROVISIONING
        assert len(reopened.history("id-acme")) == 2
        assert [r.physical_id for r in reopened.resources("id-acme")] == ["p"]


# -- outbox --------------------------------------------------------------------------------


def test_outbox_reserves_each_key_once(registry: TenantRegistry) -> None:
    outbox = registry.outbox
    results = _together(
        10,
        lambda n: outbox.reserve(
            "wf-1:welcome", tenant_id="id-acme", kind="welcome", recipients=[f"a{n}@x.io"]
        ),
    )
    winners = [row for reserved, row in results if reserved]
    assert len(winners) == 1
    assert all(row.idempotency_key == "wf-1:welcome" for _, row in results)

    assert outbox.release("wf-1:welcome")
    reserved, row = outbox.reserve(
        "wf-1:welcome", tenant_id="id-acme", kind="welcome", recipients=["b@x.io"]
    )
    assert reserved and row.state is NotificationState.PENDING
    sent = outbox.mark_sent("wf-1:welcome", "msg-1")
    assert (sent.state, sent.message_id, sent.recipients) == (
        NotificationState.SENT,
        "msg-1",
        ("b@x.io",),
    )
    assert sent.sent_at is not None

    # A sent notice is never released: a retry must keep seeing it.
    assert not outbox.release("wf-1:welcome")
    reserved, row = outbox.reserve(
        "wf-1:welcome", tenant_id="id-acme", kind="welcome", recipients=[]
    )
    assert (reserved, row.message_id) == (False, "msg-1")
    assert [r.idempotency_key for r in outbox.for_tenant("id-acme")] == ["wf-1:welcome"]
    assert outbox.get("unknown") is None


def test_a_released_key_is_taken_back_by_exactly_one_retry(registry: TenantRegistry) -> None:
    outbox = registry.outbox
    outbox.reserve("wf-2:welcome", tenant_id="id-acme", kind="welcome", recipients=["a@x.io"])
    assert outbox.release("wf-2:welcome")

    results = _together(
        10,
        lambda n: outbox.reserve(
            "wf-2:welcome", tenant_id="id-acme", kind="welcome", recipients=[f"r{n}@x.io"]
        ),
    )
    winners = [row for reserved, row in results if reserved]
    assert len(winners) == 1
    stored = outbox.get("wf-2:welcome")
    assert stored is not None
    assert (stored.state, stored.recipients) == (NotificationState.PENDING, winners[0].recipients)
    # The losers saw the winner's reservation, never the failed one they came to replace.
    assert {row.state for reserved, row in results if not reserved} == {NotificationState.PENDING}


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_outbox_refuses_bad_keys(registry: TenantRegistry, key: str) -> None:
    with pytest.raises(ValidationError):
        registry.outbox.reserve(key, tenant_id="t", kind="welcome", recipients=[])


def test_missing_postgresql_fails_with_the_setup_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing may be skipped for want of PostgreSQL: the fixture fails and says how to fix it.
    monkeypatch.setattr(postgres_support.glob, "glob", lambda _pattern: [])
    with pytest.raises(pytest.fail.Exception, match="make setup"), postgres_or_fail():
        pass


# -- one owner per tenant: the lease (issue 9) ---------------------------------------------

DEPLOY = sorted(OPERATION_FROM["deploy"])
DEPROVISION = sorted(OPERATION_FROM["deprovision"])


def _active(registry: TenantRegistry, key: str = "acme") -> str:
    """A tenant made ACTIVE by a provision run that has released its lease."""
    record, new = registry.begin_provision(make_spec(key), "provision-1", "run-1")
    assert new and record.status is S.PROVISIONING
    registry.set_status(record.tenant_id, S.ACTIVE, workflow_id="provision-1")
    assert registry.release(record.tenant_id, "provision-1", "run-1")
    return record.tenant_id


def test_begin_provision_registers_owns_and_marks_provisioning(registry: TenantRegistry) -> None:
    record, new = registry.begin_provision(make_spec("acme"), "provision-1", "run-1")

    assert new and record.status is S.PROVISIONING
    lease = registry.lease("id-acme")
    assert lease is not None and (lease.workflow_id, lease.operation) == (
        "provision-1",
        "provision",
    )
    # A retried activity of the same run goes on; it is not "busy" with itself.
    again, new = registry.begin_provision(make_spec("acme"), "provision-1", "run-1")
    assert not new and again.status is S.PROVISIONING
    assert [h.to_status for h in registry.history("id-acme")] == [
        S.PENDINGPROVISION,
        S.PROVISIONING,
    ]


def test_provision_of_an_active_or_deprovisioning_tenant_is_refused(
    registry: TenantRegistry,
) -> None:
    tid = _active(registry)
    with pytest.raises(TenantStateError, match="ACTIVE"):
        registry.begin_provision(make_spec("acme", app_version="9.9.9"), "provision-2", "run-2")
    # Refused means unchanged: not the status, not the version, no lease left behind.
    assert registry.get(tid).status is S.ACTIVE and registry.get(tid).app_version == "1.0.0"
    assert registry.lease(tid) is None

    registry.acquire(tid, "deprovision-1", "run-1", "deprovision", DEPROVISION)
    registry.set_status(tid, S.DEPROVISIONING, workflow_id="deprovision-1")
    registry.release(tid, "deprovision-1", "run-1")
    with pytest.raises(TenantStateError, match="DEPROVISIONING"):
        registry.begin_provision(make_spec("acme"), "provision-2", "run-2")


def test_a_busy_tenant_refuses_every_other_workflow(registry: TenantRegistry) -> None:
    tid = _active(registry)
    registry.acquire(tid, "deprovision-1", "run-1", "deprovision", DEPROVISION)

    with pytest.raises(TenantBusyError, match="deprovision-1") as busy:
        registry.acquire(tid, "deploy-1", "run-1", "deploy", DEPLOY)
    assert (busy.value.workflow_id, busy.value.operation) == ("deprovision-1", "deprovision")
    with pytest.raises(TenantBusyError):
        registry.check("deploy", tid)
    # Only the owner moves the tenant or changes its version.
    with pytest.raises(TenantBusyError):
        registry.set_status(tid, S.DEPROVISIONING, workflow_id="deploy-1")
    with pytest.raises(TenantBusyError):
        registry.set_app_version(tid, "2.0.0", workflow_id="deploy-1")
    assert registry.get(tid).app_version == "1.0.0"


def test_a_closed_holder_is_replaced_only_when_named(registry: TenantRegistry) -> None:
    tid = _active(registry)
    registry.acquire(tid, "deploy-1", "run-1", "deploy", DEPLOY)
    holder = registry.lease(tid)
    assert holder is not None

    taken = registry.acquire(tid, "deploy-1", "run-2", "deploy", DEPLOY, replace=holder)
    assert taken.status is S.ACTIVE
    lease = registry.lease(tid)
    assert lease is not None and lease.run_id == "run-2"
    # A stale name does not replace the new owner.
    with pytest.raises(TenantBusyError):
        registry.acquire(tid, "deploy-2", "run-1", "deploy", DEPLOY, replace=holder)
    assert not registry.release(tid, "deploy-1", "run-1")  # not the holder: no-op
    assert registry.release(tid, "deploy-1", "run-2")


def test_a_key_of_another_tenant_is_refused_before_anything_changes(
    registry: TenantRegistry,
) -> None:
    _active(registry)
    other = make_spec("acme").model_copy(update={"tenant_id": "id-other"})
    with pytest.raises(TenantConflictError):
        registry.check("provision", "id-other", "acme")
    with pytest.raises(TenantConflictError):
        registry.begin_provision(other, "provision-9", "run-9")
    # The live tenant's id with another key: refused too, the live tenant untouched.
    renamed = make_spec("other").model_copy(update={"tenant_id": "id-acme"})
    with pytest.raises(TenantConflictError):
        registry.begin_provision(renamed, "provision-9", "run-9")
    assert registry.get("id-acme").status is S.ACTIVE
    assert registry.lease("id-acme") is None


def test_retained_resources_are_remembered_once(registry: TenantRegistry) -> None:
    tid = _active(registry)
    registry.record_resources(
        tid,
        Component.INFRA,
        [TenantResource(type="aws:s3/bucket:Bucket", physical_id="acme-data", name="data")],
    )
    for _ in range(2):  # a retried activity
        kept = registry.retain_resources(tid, Component.INFRA, ["acme-data", "alias/acme"])

    assert [(r.type, r.physical_id) for r in kept] == [
        ("aws:s3/bucket:Bucket", "acme-data"),
        ("retained", "alias/acme"),
    ]
    registry.record_resources(tid, Component.INFRA, [])  # the component destroyed
    assert len(registry.retained(tid)) == 2
