"""Each failure of a Pulumi operation surfaces as one engine error type with a useful message."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from pulumi.automation import PulumiFn
from pydantic import SecretStr

from engine.core.errors import (
    CatalogError,
    ConcurrentUpdateError,
    ConfigurationError,
    InvalidTenantKeyError,
    OperationCancelledError,
    ProgramError,
    ProviderError,
    StackNotFoundError,
)
from engine.core.models import Component, TenantSpec, Tier
from engine.core.results import Progress
from engine.core.settings import Settings
from engine.pulumi._catalog import ProgramCatalog
from engine.pulumi._command import CancelToken
from engine.pulumi._runner import PulumiRunner
from stacks.local import read_journal
from tests.conftest import make_settings, make_spec
from tests.engine.conftest import files_under
from tests.support.checkpoint import leave_lock
from tests.support.held import HeldProgram


def test_program_exception_is_a_program_error(settings: Settings) -> None:
    catalog = ProgramCatalog(name="broken")

    def build(_spec: TenantSpec) -> PulumiFn:
        def program() -> None:
            raise ValueError("bucket name missing from the plan")

        return program

    catalog.register(Component.APP, None, build)
    engine = PulumiRunner(settings, catalog)

    with pytest.raises(ProgramError) as info:
        engine.up(make_spec("acme"), Component.APP)

    assert not info.value.retryable
    assert "bucket name missing from the plan" in info.value.detail
    assert len(info.value.detail) < 2100  # the useful part, not pages of output


def test_resource_failure_is_a_retryable_provider_error(
    engine: PulumiRunner, resources_root: Path
) -> None:
    spec = make_spec("acme", parameters={"fail": "app:create"})

    with pytest.raises(ProviderError) as info:
        engine.up(spec, Component.APP)

    assert info.value.retryable
    assert "injected failure: create of acme/app/0.json" in info.value.detail
    assert info.value.stack == "acme-app"
    assert files_under(resources_root) == []


def test_missing_stack_is_stack_not_found(engine: PulumiRunner) -> None:
    with pytest.raises(StackNotFoundError) as info:
        engine.outputs("nobody", Component.INFRA)
    assert info.value.stack == "nobody-infra"


@pytest.mark.parametrize("key", ["", "ab", "Acme", "acme_corp", "-acme", "acme-", "a--b", "x" * 33])
def test_invalid_tenant_keys_are_refused_before_anything_runs(
    engine: PulumiRunner, key: str
) -> None:
    with pytest.raises(InvalidTenantKeyError):
        engine.destroy(key, Component.INFRA)
    assert engine.list_stacks() == []


def test_no_program_for_component_is_a_catalog_error(settings: Settings) -> None:
    engine = PulumiRunner(settings, ProgramCatalog(name="empty"))
    with pytest.raises(CatalogError, match="no program for component 'infra' and tier 'pooled'"):
        engine.up(make_spec("acme", tier=Tier.POOLED), Component.INFRA)


def test_missing_passphrase_is_a_configuration_error(state_dir: Path) -> None:
    settings = make_settings(state_dir)
    settings.pulumi.passphrase = None
    with pytest.raises(ConfigurationError, match="PASSPHRASE"):
        PulumiRunner(settings, ProgramCatalog(name="x"))


def test_wrong_passphrase_is_a_configuration_error(
    state_dir: Path, catalog: ProgramCatalog
) -> None:
    PulumiRunner(make_settings(state_dir), catalog).up(make_spec("acme"), Component.APP)
    wrong = make_settings(state_dir)
    wrong.pulumi.passphrase = SecretStr("not-the-passphrase")

    with pytest.raises(ConfigurationError, match="decrypt"):
        PulumiRunner(wrong, catalog).up(make_spec("acme"), Component.APP)


def test_cancel_stops_the_operation_and_leaves_the_stack_consistent(
    engine: PulumiRunner, resources_root: Path
) -> None:
    spec = make_spec("acme", parameters={"infra_resources": "6", "delay": "1.0"})
    token = CancelToken()

    def cancel_once_creating(progress: Progress) -> None:
        if progress.current_op == "create":  # a create is under way (it takes 1 s)
            token.cancel()

    with pytest.raises(OperationCancelledError):
        engine.up(spec, Component.INFRA, cancel=token, on_progress=cancel_once_creating)
    # The create under way when the CLI was interrupted finished: nothing is left half-made.
    assert files_under(resources_root, "acme")

    # The next operation runs without any repair: the cancelled CLI saved state and
    # released its lock. It converges with no duplicate and nothing leaked.
    fast = make_spec("acme", parameters={"infra_resources": "6"})
    result = engine.up(fast, Component.INFRA)
    assert result.recovered is None
    assert len(files_under(resources_root, "acme")) == 6
    creates = [e["path"] for e in read_journal(resources_root) if e["op"] == "create"]
    assert sorted(set(creates)) == sorted(creates)


def test_engine_cancel_by_stack_name(engine: PulumiRunner) -> None:
    spec = make_spec("acme", parameters={"infra_resources": "4", "delay": "1.5"})
    errors: list[BaseException] = []

    def run() -> None:
        try:
            engine.up(spec, Component.INFRA)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while not engine.cancel("acme", Component.INFRA):
        assert time.monotonic() < deadline, "operation never became active"
        time.sleep(0.1)
    worker.join(60)

    assert len(errors) == 1 and isinstance(errors[0], OperationCancelledError)
    assert not engine.cancel("acme", Component.INFRA)


def test_live_lock_in_another_process_is_a_concurrent_update_error(
    settings: Settings, catalog: ProgramCatalog
) -> None:
    # Two engines stand for two worker processes: their CLIs take the backend lock.
    first, second = PulumiRunner(settings, catalog), PulumiRunner(settings, catalog)
    program = HeldProgram(Component.INFRA)
    program.install(catalog)
    worker = threading.Thread(target=first.up, args=(make_spec("acme"), Component.INFRA))
    worker.start()
    try:
        program.wait_entered()  # the first CLI holds the backend lock until released
        with pytest.raises(ConcurrentUpdateError) as info:
            second.up(make_spec("acme"), Component.INFRA)
        assert info.value.retryable
        assert "locked" in info.value.detail
    finally:
        program.release()
        worker.join(120)


def test_a_lock_left_by_the_previous_attempt_on_a_lost_host_is_broken_at_once(
    settings: Settings, catalog: ProgramCatalog
) -> None:
    engine = PulumiRunner(settings, catalog)
    spec = make_spec("acme")
    engine.up(spec, Component.INFRA)
    backend = settings.pulumi.resolved_backend_url
    lock = leave_lock(backend, engine.project, "acme-infra", "lost-worker", 4242)

    # Anyone else's recent lock from another host is respected...
    with pytest.raises(ConcurrentUpdateError):
        engine.up(spec, Component.INFRA, cancel=CancelToken(previous_owners=["lost-worker:1"]))
    assert lock.exists()
    # ...the one the previous attempt of this very operation recorded is not.
    result = engine.up(
        spec, Component.INFRA, cancel=CancelToken(previous_owners=["lost-worker:4242"])
    )
    assert not lock.exists()
    assert result.recovered is not None
    assert [c.split(" at ")[0] for c in result.recovered.cleared_locks] == [
        "w@lost-worker pid 4242"
    ]


def test_a_live_lock_is_kept_even_when_named_as_the_previous_attempts(
    settings: Settings, catalog: ProgramCatalog
) -> None:
    first, second = PulumiRunner(settings, catalog), PulumiRunner(settings, catalog)
    program = HeldProgram(Component.INFRA)
    program.install(catalog)
    running = CancelToken()
    worker = threading.Thread(
        target=first.up, args=(make_spec("acme"), Component.INFRA), kwargs={"cancel": running}
    )
    worker.start()
    try:
        program.wait_entered()  # the first up holds the backend lock until released
        # A slow but alive owner on this host: its lock stays, whatever a caller claims.
        with pytest.raises(ConcurrentUpdateError):
            second.up(
                make_spec("acme"),
                Component.INFRA,
                cancel=CancelToken(previous_owners=running.owners),
            )
    finally:
        program.release()
        worker.join(120)
