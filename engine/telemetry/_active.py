"""The telemetry of the service running in this process, for the Temporal clients it makes.

Kept apart from ``engine.telemetry.temporal`` so that connecting a client (the CLI does)
does not import the tracing interceptor and the worker machinery it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

__all__ = ["ClientTelemetry", "activate", "active", "deactivate"]


class ClientTelemetry(Protocol):
    """A Temporal runtime (None: the SDK's default) and client interceptors; typed loosely,
    this package does not import Temporal (the stack programs import it by way of Pulumi)."""

    @property
    def runtime(self) -> Any: ...

    @property
    def interceptors(self) -> Sequence[Any]: ...


_active: list[ClientTelemetry] = []


def activate(telemetry: ClientTelemetry) -> None:
    _active.append(telemetry)


def deactivate(telemetry: ClientTelemetry) -> None:
    if telemetry in _active:
        _active.remove(telemetry)


def active() -> ClientTelemetry | None:
    """The telemetry of the most recently started service still running, if any."""
    return _active[-1] if _active else None
