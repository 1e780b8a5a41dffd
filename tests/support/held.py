"""A component's program that tells the test when it runs, and waits there to be let go.

The Automation API runs an inline program in the calling process, while the Pulumi CLI
holds the stack (the runner's in-process lock and the backend's lock file). So a program
that sets an event turns "the operation is under way" into something a test waits for,
instead of a guess at how long the CLI takes to start on a busy machine; and one that waits
on an event keeps the stack busy for exactly as long as the test needs.
"""

from __future__ import annotations

import threading

from pulumi.automation import PulumiFn

from engine.core.models import Component, TenantSpec, Tier
from engine.pulumi import ProgramCatalog

__all__ = ["HeldProgram"]

# Longer than any test waits with the stack held: past it the program fails instead of
# leaving a CLI (and its lock) behind.
_LIMIT = 120.0


class HeldProgram:
    """Wraps ``component``'s programs (every tier) in the catalogs it is installed in.

    ``entered`` is set when a program starts; the program then waits, before declaring
    anything, until ``release()``. With ``tenant_key``, only that tenant's
    program is wrapped; the others run as usual.
    """

    def __init__(self, component: Component, *, tenant_key: str | None = None) -> None:
        self.component = component
        self.tenant_key = tenant_key
        self.entered = threading.Event()
        self._released = threading.Event()

    def install(self, catalog: ProgramCatalog) -> ProgramCatalog:
        """Wrap the component's programs in ``catalog`` in place; returns ``catalog``."""
        inner = {tier: catalog.program(self.component, tier) for tier in Tier}

        def build(spec: TenantSpec) -> PulumiFn:
            program = inner[spec.tier](spec)
            if self.tenant_key is not None and spec.tenant_key != self.tenant_key:
                return program

            def held() -> None:
                self.entered.set()
                if not self._released.wait(_LIMIT):
                    raise TimeoutError(f"the test never released {spec.tenant_key}'s program")
                program()

            return held

        for tier in Tier:
            catalog.register(self.component, tier, build)
        return catalog

    def release(self) -> None:
        self._released.set()

    def wait_entered(self, within: float = 60.0) -> None:
        """Block until a program runs: its CLI then holds the stack."""
        assert self.entered.wait(within), f"no program started within {within:.0f}s"
