"""Workflow tests: the real dev server and workflows, every activity replaced by name.

``FakeActivities`` registers one fake per ``Activity`` name. Each call is recorded as a
short key (``stack_up:infra``, ``set_tenant_status:ACTIVE``, ``send_notification:welcome``)
and a test programs what a key does on its Nth call: fail (retryable or not), stall
without heartbeating, or block, heartbeating, until released or cancelled. The fakes stand
in for Pulumi and the registry only; Temporal (server, worker, client) is real.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import pytest
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import workflows
from engine.core.contracts import (
    PULUMI_QUEUE_SUFFIX,
    AcquireTenantInput,
    Activity,
    BeginProvisionInput,
    BeginProvisionResult,
    LeaseInput,
    NotificationInput,
    PlatformInput,
    PlatformResult,
    ProvisionTenantInput,
    RecordResourcesInput,
    RegisterTenantInput,
    RetainResourcesInput,
    SetAppVersionInput,
    SetStatusInput,
    StackActivityInput,
    StackActivityResult,
)
from engine.core.errors import TenantNotFoundError
from engine.core.models import Component, Contact, IdpConfig, IdpProvider, TenantSpec, Tier
from engine.core.results import Progress, ResourceChange
from engine.core.settings import Settings
from engine.temporal import TenantClient, to_application_error

T = TypeVar("T")

# Short enough that a test waiting for an event never hangs the suite, long enough for CI.
WAIT = 15.0


class Gate:
    """A blocked call: ``started`` once it runs, ends on ``release()`` or cancellation."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.started = asyncio.Event()
        self.released = asyncio.Event()
        self.cancelled = False

    async def wait_started(self) -> None:
        await asyncio.wait_for(self.started.wait(), WAIT)

    def release(self) -> None:
        self.released.set()


@dataclass
class _Rule:
    first: int  # 1-based call number of the key where the rule starts to apply
    times: int | None  # consecutive calls it applies to; None: all from `first` on
    run: Callable[[], Awaitable[None]]

    def applies(self, call: int) -> bool:
        return call >= self.first and (self.times is None or call < self.first + self.times)


def infra_outputs(spec: TenantSpec) -> dict[str, Any]:
    outputs: dict[str, Any] = {
        "tier": spec.tier.value,
        "bucket": f"tenant-{spec.tenant_key}-data",
        "resources": [{"type": "aws:s3/bucket:Bucket", "id": f"tenant-{spec.tenant_key}-data"}],
    }
    if spec.retain_data:
        outputs["retained"] = [f"tenant-{spec.tenant_key}-data", f"alias/{spec.tenant_key}"]
    return outputs


def stack_outputs(spec: TenantSpec, component: Component) -> dict[str, Any]:
    """What the fake ``stack_up`` returns for one component (shaped like the catalog's)."""
    if component is Component.IDP:
        org = f"org-{spec.tenant_key}"
        return {"organization_id": org, "resources": [{"type": "auth0:Organization", "id": org}]}
    if component is Component.INFRA:
        return infra_outputs(spec)
    return {
        "app_url": f"https://{spec.tenant_key}.app.example.com/",
        "app_version": spec.app_version,
        "resources": [{"type": "app:Deployment", "id": f"{spec.tenant_key}-{spec.app_version}"}],
    }


@dataclass
class FakeActivities:
    """Recorder and programmable behaviour for every activity the workflows call."""

    tenant: TenantSpec | None = None  # what load_tenant returns
    calls: list[str] = field(default_factory=list)
    inputs: dict[str, list[Any]] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    absent: set[Component] = field(default_factory=set)  # destroy reports existed=False
    existing: set[Component] = field(default_factory=set)  # stacks with resources before
    notices: list[str] = field(default_factory=list)  # every send_notification attempt
    delivered: list[str] = field(default_factory=list)  # kinds of the notices sent
    _rules: dict[str, list[_Rule]] = field(default_factory=dict)
    _gates: list[Gate] = field(default_factory=list)

    # -- programming -------------------------------------------------------------------

    def fail(
        self,
        key: str,
        *,
        type: str = "ProgramError",
        non_retryable: bool = True,
        on_call: int = 1,
        times: int | None = 1,
        message: str | None = None,
    ) -> None:
        """Raise ``ApplicationError`` on calls ``on_call`` .. ``on_call + times - 1`` of key."""
        text = message or f"injected failure in {key}"

        async def run() -> None:
            raise ApplicationError(text, type=type, non_retryable=non_retryable)

        self._rules.setdefault(key, []).append(_Rule(on_call, times, run))

    def flaky(self, key: str, times: int) -> None:
        """A retryable error ``times`` times, then the normal result."""
        self.fail(key, type="TransientError", non_retryable=False, times=times)

    def block(self, key: str, *, on_call: int = 1) -> Gate:
        """Block call ``on_call`` of key, heartbeating, until released or cancelled."""
        gate = Gate(key)
        self._gates.append(gate)

        async def run() -> None:
            gate.started.set()
            progress = _progress(key)
            try:
                while not gate.released.is_set():
                    # Cancellation reaches an activity only through a heartbeat's answer.
                    activity.heartbeat(progress)
                    await asyncio.sleep(0.1)
            except asyncio.CancelledError:
                gate.cancelled = True
                self.cancelled.append(key)
                raise

        self._rules.setdefault(key, []).append(_Rule(on_call, 1, run))
        return gate

    def stall(self, key: str, *, on_call: int = 1) -> Gate:
        """Hang call ``on_call`` of key without heartbeating (a lost worker, say)."""
        gate = Gate(key)
        self._gates.append(gate)

        async def run() -> None:
            gate.started.set()
            try:
                await gate.released.wait()
            except asyncio.CancelledError:
                gate.cancelled = True
                raise
            # Too late: the server has timed this attempt out; its result is discarded.
            raise ApplicationError("stalled attempt finished", type="Stalled")

        self._rules.setdefault(key, []).append(_Rule(on_call, 1, run))
        return gate

    def release_all(self) -> None:
        for gate in self._gates:
            gate.release()

    def count(self, key: str) -> int:
        """Calls of ``key``, every attempt counted."""
        return len(self.inputs.get(key, []))

    def payloads(self, key: str) -> list[Any]:
        return self.inputs.get(key, [])

    async def _enter(self, key: str, payload: Any) -> None:
        self.calls.append(key)
        self.inputs.setdefault(key, []).append(payload)
        call = len(self.inputs[key])
        for rule in self._rules.get(key, []):
            if rule.applies(call):
                await rule.run()

    # -- the activities ----------------------------------------------------------------

    @activity.defn(name=Activity.REGISTER_TENANT)
    async def register_tenant(self, input: RegisterTenantInput) -> None:
        await self._enter("register_tenant", input)

    @activity.defn(name=Activity.LOAD_TENANT)
    async def load_tenant(self, tenant_id: str) -> TenantSpec:
        await self._enter("load_tenant", tenant_id)
        if self.tenant is None:
            # What the real activity raises: the engine error through the one mapping.
            raise to_application_error(TenantNotFoundError(tenant_id))
        return self.tenant

    @activity.defn(name=Activity.BEGIN_PROVISION)
    async def begin_provision(self, input: BeginProvisionInput) -> BeginProvisionResult:
        await self._enter("begin_provision", input)
        return BeginProvisionResult(spec=input.spec, new=not self.existing)

    @activity.defn(name=Activity.ACQUIRE_TENANT)
    async def acquire_tenant(self, input: AcquireTenantInput) -> TenantSpec:
        await self._enter(f"acquire_tenant:{input.operation}", input)
        if self.tenant is None:
            raise to_application_error(TenantNotFoundError(input.tenant_id))
        return self.tenant

    @activity.defn(name=Activity.RELEASE_TENANT)
    async def release_tenant(self, input: LeaseInput) -> bool:
        await self._enter("release_tenant", input)
        return True

    @activity.defn(name=Activity.RETAIN_RESOURCES)
    async def retain_resources(self, input: RetainResourcesInput) -> int:
        await self._enter("retain_resources", input)
        return len(input.physical_ids)

    @activity.defn(name=Activity.STACK_INSPECT)
    async def stack_inspect(self, input: StackActivityInput) -> bool:
        await self._enter(f"stack_inspect:{input.component.value}", input)
        return input.component in self.existing

    @activity.defn(name=Activity.SET_STATUS)
    async def set_tenant_status(self, input: SetStatusInput) -> None:
        await self._enter(f"set_tenant_status:{input.status.value}", input)

    @activity.defn(name=Activity.SET_APP_VERSION)
    async def set_app_version(self, input: SetAppVersionInput) -> None:
        await self._enter(f"set_app_version:{input.app_version}", input)

    @activity.defn(name=Activity.RECORD_RESOURCES)
    async def record_resources(self, input: RecordResourcesInput) -> int:
        await self._enter(f"record_resources:{input.component.value}", input)
        return len(input.resources)

    @activity.defn(name=Activity.NOTIFY)
    async def send_notification(self, input: NotificationInput) -> bool:
        # Sent by NotifyTenant workflows, concurrently with the tenant workflow's own
        # steps: recorded in ``notices``, not in the ordered ``calls``.
        key = f"send_notification:{input.kind}"
        self.notices.append(key)
        self.inputs.setdefault(key, []).append(input)
        for rule in self._rules.get(key, []):
            if rule.applies(len(self.inputs[key])):
                await rule.run()
        self.delivered.append(input.kind)
        return True

    @activity.defn(name=Activity.STACK_UP)
    async def stack_up(self, input: StackActivityInput) -> StackActivityResult:
        await self._enter(f"stack_up:{input.component.value}", input)
        return StackActivityResult(
            stack=_stack_name(input),
            operation="update",
            changes={"create": 1},
            outputs=stack_outputs(input.spec, input.component),
        )

    @activity.defn(name=Activity.STACK_PREVIEW)
    async def stack_preview(self, input: StackActivityInput) -> StackActivityResult:
        await self._enter(f"stack_preview:{input.component.value}", input)
        name = _stack_name(input)
        return StackActivityResult(
            stack=name,
            operation="preview",
            changes={"create": 2},
            planned=[
                ResourceChange(urn=f"urn:{name}:{n}", type="test:Resource", name=n, op="create")
                for n in ("first", "second")
            ],
        )

    @activity.defn(name=Activity.STACK_DESTROY)
    async def stack_destroy(self, input: StackActivityInput) -> StackActivityResult:
        await self._enter(f"stack_destroy:{input.component.value}", input)
        return StackActivityResult(
            stack=_stack_name(input),
            operation="destroy",
            changes={} if input.component in self.absent else {"delete": 1},
            existed=input.component not in self.absent,
        )

    @activity.defn(name=Activity.STACK_OUTPUTS)
    async def stack_outputs(self, input: StackActivityInput) -> dict[str, Any]:
        await self._enter(f"stack_outputs:{input.component.value}", input)
        return stack_outputs(input.spec, input.component)

    @activity.defn(name=Activity.PLATFORM_UP)
    async def platform_up(self, input: PlatformInput) -> PlatformResult:
        await self._enter("platform_up", input)
        return PlatformResult(success=True, operation=input.operation, exists=True)

    @activity.defn(name=Activity.PLATFORM_PREVIEW)
    async def platform_preview(self, input: PlatformInput) -> PlatformResult:
        await self._enter("platform_preview", input)
        return PlatformResult(success=True, operation=input.operation, changes={"same": 1})

    @activity.defn(name=Activity.PLATFORM_STATUS)
    async def platform_status(self, input: PlatformInput) -> PlatformResult:
        await self._enter("platform_status", input)
        return PlatformResult(success=True, operation=input.operation, exists=True)

    @property
    def activities(self) -> list[Callable[..., Any]]:
        return [
            self.register_tenant,
            self.load_tenant,
            self.begin_provision,
            self.acquire_tenant,
            self.release_tenant,
            self.retain_resources,
            self.stack_inspect,
            self.set_tenant_status,
            self.set_app_version,
            self.record_resources,
            self.send_notification,
            self.stack_up,
            self.stack_preview,
            self.stack_destroy,
            self.stack_outputs,
            self.platform_up,
            self.platform_preview,
            self.platform_status,
        ]


def _stack_name(input: StackActivityInput) -> str:
    return f"{input.spec.tenant_key}-{input.component.value}"


def _progress(key: str) -> Progress | None:
    if not key.startswith("stack_"):
        return None
    operation, _, component = key.partition(":")
    return Progress(
        stack=f"acme-{component}", operation=operation, planned=4, done=1, current_op="create"
    )


# The calls of the IdP and infra stacks, which a provision runs at once: their order between
# themselves is the worker's, so tests compare them in this order (a causal one).
AT_ONCE = ["stack_inspect:idp", "stack_up:idp", "stack_inspect:infra", "stack_up:infra"]


def canonical(calls: list[str]) -> list[str]:
    """``calls`` with each run of consecutive ``AT_ONCE`` calls put in ``AT_ONCE`` order."""
    out: list[str] = []
    block: list[str] = []
    for call in [*calls, ""]:
        if call in AT_ONCE:
            block.append(call)
            continue
        out += sorted(block, key=AT_ONCE.index)
        block = []
        if call:
            out.append(call)
    return out


# -- settings and inputs -------------------------------------------------------------------

HEARTBEAT = timedelta(seconds=3)
# Fewer attempts than the seed: the dev server fires a retry timer about a second late
# whatever the interval, so each retry costs ~1 s. The seed's values are checked on the
# scheduled activities instead (test_provision.py).
ATTEMPTS = {"idp": 2, "infra": 2, "deploy": 3, "status": 2, "notification": 2}


def fast_settings(task_queue: str) -> Settings:
    """Settings with short retries and heartbeats, on their own task queue."""
    settings = Settings(_env_file=None)
    settings.temporal.task_queue = task_queue
    for group, attempts in ATTEMPTS.items():
        policy = getattr(settings.worker, group)
        policy.initial_interval = timedelta(milliseconds=50)
        policy.backoff = 1.0
        policy.maximum_attempts = attempts
    settings.worker.infra.heartbeat = HEARTBEAT
    settings.worker.deploy.heartbeat = HEARTBEAT
    return settings


def provision_input(
    tenant_id: str,
    *,
    tier: Tier = Tier.SILO,
    idp: IdpProvider | None = IdpProvider.AUTH0,
    **changes: Any,
) -> ProvisionTenantInput:
    return ProvisionTenantInput(
        tenant_id=tenant_id,
        tenant_key="acme",
        tenant_name="Acme",
        domains=("acme.example.com",),
        contacts=(Contact(email="admin@acme.example.com", first_name="Ada"),),
        subscription={
            "id": "sub-1",
            "plan_id": "plan-gold",
            "tier": tier,
            "start_date": date(2026, 1, 1),
            "end_date": date(2027, 1, 1),
        },
        idp=IdpConfig(provider=idp) if idp else None,
        app_version="1.0.0",
        **changes,
    )


def tenant_spec(tenant_id: str, *, app_version: str = "1.0.0", **changes: Any) -> TenantSpec:
    """A registered tenant, as load_tenant returns it."""
    return provision_input(tenant_id).spec(app_version=app_version, **changes)


async def eventually(check: Callable[[], Awaitable[T | None]]) -> T:
    """Poll ``check`` until it returns a value (visibility and heartbeats lag a little)."""
    async with asyncio.timeout(WAIT):
        while True:
            value = await check()
            if value is not None:
                return value
            await asyncio.sleep(0.1)


# -- fixtures ------------------------------------------------------------------------------


@dataclass
class Harness:
    """One worker on its own task queue with fresh fakes, and a client that targets it."""

    temporal: Client
    client: TenantClient
    settings: Settings
    fakes: FakeActivities
    tenant_id: str


def workflow_worker(client: Client, queue: str, fakes: FakeActivities, **kw: Any) -> Worker:
    """The tenant workflows, with the fakes for the activities they run on their own queue."""
    return Worker(
        client,
        task_queue=queue,
        workflows=workflows.ALL,
        workflow_runner=workflows.sandbox_runner(),
        activities=fakes.activities,
        **kw,
    )


def pulumi_worker(client: Client, queue: str, fakes: FakeActivities, **kw: Any) -> Worker:
    """The fakes on the Pulumi task queue, where the workflows schedule Pulumi activities."""
    return Worker(client, task_queue=queue + PULUMI_QUEUE_SUFFIX, activities=fakes.activities, **kw)


@pytest.fixture
def fakes() -> FakeActivities:
    return FakeActivities()


@pytest.fixture
def tenant_id() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def settings() -> Settings:
    return fast_settings(f"wf-test-{uuid.uuid4().hex}")


@pytest.fixture
async def harness(
    temporal_env: WorkflowEnvironment, fakes: FakeActivities, tenant_id: str, settings: Settings
) -> AsyncIterator[Harness]:
    fast_heartbeats = {
        # Heartbeats (so cancellations) reach the server at once, not 80% of the timeout.
        "max_heartbeat_throttle_interval": timedelta(milliseconds=100),
        "default_heartbeat_throttle_interval": timedelta(milliseconds=100),
    }
    queue = settings.temporal.task_queue
    async with (
        workflow_worker(temporal_env.client, queue, fakes, **fast_heartbeats),
        pulumi_worker(temporal_env.client, queue, fakes, **fast_heartbeats),
    ):
        try:
            yield Harness(
                temporal=temporal_env.client,
                client=TenantClient(temporal_env.client, settings),
                settings=settings,
                fakes=fakes,
                tenant_id=tenant_id,
            )
        finally:
            # A test that failed half-way must not leave the worker's shutdown waiting.
            fakes.release_all()
