"""The fakes the workflow tests run against answer like the activities the worker registers.

A workflow test proves something only if its fakes are called as the real activities are
(same name, same argument types) and return what they return: a fake that drifts lets a
workflow pass here and fail on the first real run. This pins each fake to its real activity:
name, parameter and return annotations, and a result of the declared type that survives the
engine's data converter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import TypeAdapter
from temporalio.activity import _Definition

from engine.core.contracts import (
    AcquireTenantInput,
    BeginProvisionInput,
    LeaseInput,
    NotificationInput,
    PlatformInput,
    RecordResourcesInput,
    RegisterTenantInput,
    RetainResourcesInput,
    SetAppVersionInput,
    SetStatusInput,
    StackActivityInput,
)
from engine.core.models import Component, TenantStatus
from engine.core.settings import RegistrySettings
from engine.temporal import data_converter
from engine.worker import build_activities
from stacks.local import build_local_catalog
from tests.conftest import make_settings
from tests.workflows.conftest import FakeActivities, tenant_spec

Activities = dict[str, Callable[..., Any]]


def _by_name(functions: list[Callable[..., Any]]) -> Activities:
    # ``_Definition`` is how the Worker itself reads an ``activity.defn``: the name it
    # registers and the types it decodes arguments into and encodes results from.
    named = {}
    for fn in functions:
        name = _Definition.must_from_callable(fn).name
        assert name is not None, f"{fn.__qualname__} is a dynamic activity: it has no name"
        named[name] = fn
    return named


@pytest_asyncio.fixture
async def real(tmp_path: Path) -> AsyncIterator[Activities]:
    """Every activity the worker registers, built as the worker builds them."""
    settings = make_settings(tmp_path / "state")
    settings.registry = RegistrySettings(database_url=f"sqlite:///{tmp_path / 'registry.db'}")
    async with AsyncExitStack() as stack:
        pulumi, others = build_activities(settings, stack, build_local_catalog(tmp_path / "r"))
        yield _by_name([*pulumi, *others])


@pytest.fixture
def fake() -> FakeActivities:
    fakes = FakeActivities(tenant=tenant_spec("t-contract"))
    fakes.existing.add(Component.INFRA)
    return fakes


def _sample(kind: type) -> Any:
    """A valid argument of type ``kind``, as a workflow would send it."""
    spec = tenant_spec("t-contract")
    ids = {"tenant_id": spec.tenant_id, "workflow_id": "wf-1", "run_id": "run-1"}
    samples: dict[type, Any] = {
        str: spec.tenant_id,
        RegisterTenantInput: RegisterTenantInput(spec=spec, subscription_end=date(2027, 1, 1)),
        BeginProvisionInput: BeginProvisionInput(spec=spec, workflow_id="wf-1", run_id="run-1"),
        AcquireTenantInput: AcquireTenantInput(
            **ids, operation="deploy", allowed=[TenantStatus.ACTIVE]
        ),
        LeaseInput: LeaseInput(**ids),
        RetainResourcesInput: RetainResourcesInput(
            tenant_id=spec.tenant_id, component=Component.INFRA, physical_ids=["bucket-1"]
        ),
        SetStatusInput: SetStatusInput(tenant_id=spec.tenant_id, status=TenantStatus.ACTIVE),
        SetAppVersionInput: SetAppVersionInput(tenant_id=spec.tenant_id, app_version="2.0.0"),
        RecordResourcesInput: RecordResourcesInput(
            tenant_id=spec.tenant_id,
            component=Component.INFRA,
            resources=[{"type": "aws:s3/bucket:Bucket", "id": "bucket-1"}],
        ),
        NotificationInput: NotificationInput(
            kind="welcome", tenant_id=spec.tenant_id, idempotency_key="welcome-1"
        ),
        StackActivityInput: StackActivityInput(spec=spec, component=Component.INFRA),
        PlatformInput: PlatformInput(),
    }
    assert kind in samples, f"no sample argument of type {kind!r}: add one to _sample()"
    return samples[kind]


def test_every_real_activity_has_a_fake_and_every_fake_a_real_one(
    real: Activities, fake: FakeActivities
) -> None:
    fakes = _by_name(fake.activities)
    unserved = sorted(set(real) - set(fakes))
    assert not unserved, (
        f"activities the worker registers that the workflow tests cannot serve: {unserved} "
        "(add fakes of them to FakeActivities.activities)"
    )
    unknown = sorted(set(fakes) - set(real))
    assert not unknown, f"fakes of activities no worker registers: {unknown}"


def test_each_fake_has_the_real_signature(real: Activities, fake: FakeActivities) -> None:
    fakes = _by_name(fake.activities)
    mismatches = []
    for name in sorted(set(real) & set(fakes)):
        want = _Definition.must_from_callable(real[name])
        got = _Definition.must_from_callable(fakes[name])
        if got.arg_types != want.arg_types:
            mismatches.append(f"{name}: takes {got.arg_types}, the real one {want.arg_types}")
        if got.ret_type != want.ret_type:
            mismatches.append(f"{name}: returns {got.ret_type}, the real one {want.ret_type}")
        if got.is_async != want.is_async:
            mismatches.append(f"{name}: async {got.is_async}, the real one {want.is_async}")
    assert not mismatches, "fakes that differ from the real activities:\n" + "\n".join(mismatches)


async def test_each_fake_returns_the_real_return_type_through_the_converter(
    real: Activities, fake: FakeActivities
) -> None:
    fakes = _by_name(fake.activities)
    wrong = []
    for name in sorted(set(real) & set(fakes)):
        definition = _Definition.must_from_callable(real[name])
        declared = definition.ret_type
        assert declared is not None, f"the real {name} declares no return type"
        args = [_sample(kind) for kind in definition.arg_types or []]
        result = await fakes[name](*args)

        if declared is type(None):
            if result is not None:
                wrong.append(f"{name}: returned {result!r}, the real one returns None")
            continue
        if isinstance(declared, type) and not isinstance(result, declared):
            wrong.append(f"{name}: returned {type(result).__name__}, not {declared.__name__}")
            continue
        try:
            # Strict: the contents too (an int is not a bool, a str not a date).
            TypeAdapter(declared).validate_python(result, strict=True)
        except ValueError as exc:
            wrong.append(f"{name}: returned {type(result).__name__}, not {declared}: {exc}")
            continue
        # What the workflow gets: the result encoded by the activity's worker, decoded
        # into the declared type by the workflow's.
        [decoded] = await data_converter.decode(await data_converter.encode([result]), [declared])
        if decoded != result:
            wrong.append(f"{name}: {result!r} comes back from the converter as {decoded!r}")
    assert not wrong, "fake results the workflows would not get from the real ones:\n" + (
        "\n".join(wrong)
    )
