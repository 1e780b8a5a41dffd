"""Fixtures for the stack program tests: settings, platform outputs and a mocked runner.

The programs run for real on the Pulumi SDK; only the cloud providers are mocked (see
``stack_harness``), because their plugins cannot be installed on our machines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi.automation import PulumiFn

from engine.core.models import Tier
from engine.core.settings import Settings
from engine.pulumi._catalog import ProgramCatalog
from engine.pulumi._naming import PLATFORM_STACK
from stacks.catalog import build_catalog
from stacks.common import StackContext

from .factories import PLATFORM_REF, make_settings, make_spec
from .stack_harness import StackRun, run_program


@pytest.fixture(scope="session")
def settings() -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
def ctx(settings: Settings) -> StackContext:
    return StackContext.from_settings(settings)


@pytest.fixture(scope="session")
def catalog(settings: Settings) -> ProgramCatalog:
    return build_catalog(settings)


@pytest.fixture(scope="session")
def platform_run(ctx: StackContext) -> StackRun:
    """The platform program run once; its outputs feed every StackReference."""
    from stacks.platform import platform_program

    return run_program(platform_program(ctx), stack=PLATFORM_STACK)


@pytest.fixture(scope="session")
def platform_outputs(platform_run: StackRun) -> dict[str, Any]:
    return platform_run.outputs


@pytest.fixture(scope="session")
def run(platform_outputs: dict[str, Any]) -> Callable[..., StackRun]:
    """``run(program, stack=...)``: run a tenant program with the platform stack mocked."""

    def _run(program: PulumiFn, stack: str = "acme-infra") -> StackRun:
        return run_program(program, stack=stack, stack_outputs={PLATFORM_REF: platform_outputs})

    return _run


@pytest.fixture(scope="session")
def infra_outputs(ctx: StackContext, run: Callable[..., StackRun]) -> Callable[..., dict[str, Any]]:
    """The infra outputs of a tier, to feed the app program's ``spec.inputs``."""
    from stacks.infra import bridge_program, pooled_program, silo_program

    programs = {Tier.SILO: silo_program, Tier.POOLED: pooled_program, Tier.BRIDGE: bridge_program}
    cache: dict[tuple[Tier, str], dict[str, Any]] = {}

    def _outputs(tier: Tier, key: str = "acme") -> dict[str, Any]:
        if (tier, key) not in cache:
            cache[(tier, key)] = run(programs[tier](ctx, make_spec(tier, key))).outputs
        return cache[(tier, key)]

    return _outputs
