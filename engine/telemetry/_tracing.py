"""OpenTelemetry tracing of one process: off unless an OTLP endpoint is set (or a test
installs a provider). Nothing here imports Temporal: the Pulumi runner uses it too."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, Status, StatusCode, Tracer

from engine.core.settings import TelemetrySettings

__all__ = [
    "INSTRUMENTATION",
    "configure_tracing",
    "fail",
    "install_tracer_provider",
    "new_provider",
    "span",
    "tracer",
    "tracing_enabled",
]

#: The instrumentation scope of the engine's own spans.
INSTRUMENTATION = "tenant-engine"

# The process's provider: not OpenTelemetry's global one, which can be set only once per
# process (tests install and remove theirs; the Pulumi SDK in the same process has its own).
_provider: TracerProvider | None = None
_NO_OP = trace.NoOpTracer()


def configure_tracing(settings: TelemetrySettings, role: str) -> TracerProvider | None:
    """Export spans over OTLP/gRPC when ``otlp_endpoint`` is set; None (no tracing) otherwise.

    ``role`` ("worker", "api") tells the processes of one ``service.name`` apart.
    """
    if not settings.otlp_endpoint:
        return None
    # Imported only when used: the exporter pulls in its gRPC stubs.
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    endpoint = settings.otlp_endpoint
    exporter = OTLPSpanExporter(endpoint=endpoint, insecure=endpoint.startswith("http://"))
    provider = new_provider(settings.service_name, role, BatchSpanProcessor(exporter))
    install_tracer_provider(provider)
    return provider


def new_provider(service_name: str, role: str, *processors: SpanProcessor) -> TracerProvider:
    """A provider whose spans say which service, role and process made them."""
    provider = TracerProvider(
        resource=Resource.create(
            {
                "service.name": service_name,
                "service.instance.id": f"{socket.gethostname()}:{os.getpid()}",
                "tenant_engine.role": role,
            }
        )
    )
    for processor in processors:
        provider.add_span_processor(processor)
    return provider


def install_tracer_provider(provider: TracerProvider | None) -> None:
    """Make ``provider`` this process's (None: tracing off). Entry points and tests only."""
    global _provider
    _provider = provider


def tracing_enabled() -> bool:
    return _provider is not None


def tracer() -> Tracer:
    """The engine's tracer: a no-op one while tracing is off."""
    if _provider is None:
        return _NO_OP
    return _provider.get_tracer(INSTRUMENTATION)


@contextmanager
def span(
    name: str, attributes: Mapping[str, str | int | float | bool] | None = None
) -> Iterator[Span]:
    """A span around the block, the current span's child; an exception marks it failed."""
    with tracer().start_as_current_span(
        name, attributes=dict(attributes or {}), record_exception=True, set_status_on_exception=True
    ) as current:
        yield current


def fail(current: Span, description: str) -> None:
    """Mark ``current`` failed without an exception (a CLI's non-zero exit)."""
    current.set_status(Status(StatusCode.ERROR, description))
