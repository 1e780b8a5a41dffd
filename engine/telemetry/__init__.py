"""Observability of the engine's services: traces, logs, and (in submodules) metrics.

* this package: OpenTelemetry tracing (off unless ``telemetry.otlp_endpoint`` is set) and
  the services' log format (``log_format``: text or JSON lines, secrets masked). It does
  not import Temporal, so the Pulumi runner (and the stack programs above it) can use it.
* ``engine.telemetry.metrics``: the engine's Prometheus metrics.
* ``engine.telemetry.temporal``: a service's Temporal runtime (``/metrics``), tracing
  interceptor and operation counting.
"""

from __future__ import annotations

from ._active import ClientTelemetry, activate, active, deactivate
from ._logs import JsonFormatter, LogFormat, SecretMask, configure_logging, secret_values
from ._tracing import (
    configure_tracing,
    fail,
    install_tracer_provider,
    new_provider,
    span,
    tracer,
    tracing_enabled,
)

__all__ = [
    "ClientTelemetry",
    "JsonFormatter",
    "LogFormat",
    "SecretMask",
    "activate",
    "active",
    "configure_logging",
    "configure_tracing",
    "deactivate",
    "fail",
    "install_tracer_provider",
    "new_provider",
    "secret_values",
    "span",
    "tracer",
    "tracing_enabled",
]
