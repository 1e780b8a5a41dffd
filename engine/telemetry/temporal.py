"""A service's telemetry on the Temporal side: the runtime that serves ``/metrics``, the
tracing interceptor, and the operations counted by a workflow interceptor.

``ServiceTelemetry.start`` is called once by an entry point (worker, API). While it is
``engine.temporal.connect`` gives every client it makes that runtime and those
interceptors, so the API's lazily connected client reports through them too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from temporalio import workflow
from temporalio.client import Interceptor as ClientInterceptor
from temporalio.common import MetricMeter
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.exceptions import ApplicationError
from temporalio.exceptions import CancelledError as TemporalCancelledError
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.worker import (
    ExecuteWorkflowInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from engine.core.contracts import NOTIFY_WORKFLOW, PLATFORM_WORKFLOW, WORKFLOW_TYPES, WorkflowKind
from engine.core.errors import ConfigurationError
from engine.core.settings import Settings

from ._active import activate, deactivate
from ._tracing import configure_tracing, install_tracer_provider, tracer, tracing_enabled
from .metrics import BUCKETS, ApiMetrics, EngineMetrics, OperationMetrics, Outcome

__all__ = [
    "OperationMetricsInterceptor",
    "ServiceTelemetry",
    "client_interceptors",
    "operation_kind",
]

log = logging.getLogger(__name__)

# Workflow type -> operation kind (today's names and those of runs started before them).
_KINDS: dict[str, str] = {
    **{name: kind.value for kind, name in WORKFLOW_TYPES.items() if kind != WorkflowKind.PREVIEW},
    "ProvisionTenant": WorkflowKind.PROVISION.value,
    "DeprovisionTenant": WorkflowKind.DEPROVISION.value,
    "DeployTenant": WorkflowKind.DEPLOY.value,
    PLATFORM_WORKFLOW: "platform",
    NOTIFY_WORKFLOW: "notify",
}


def operation_kind(workflow_type: str, args: Sequence[Any] = ()) -> str:
    """The ``kind`` label of a workflow run: provision, preview, deprovision, deploy, ..."""
    kind = _KINDS.get(workflow_type, "other")
    if kind == WorkflowKind.PROVISION.value and args and getattr(args[0], "dry_run", False):
        return WorkflowKind.PREVIEW.value
    return kind


def _outcome(error: BaseException) -> str:
    if isinstance(error, asyncio.CancelledError | TemporalCancelledError):
        return Outcome.CANCELLED
    if isinstance(error, ApplicationError) and error.type == "CancelledError":
        return Outcome.CANCELLED
    return Outcome.FAILED


class OperationMetricsInterceptor(Interceptor):
    """Counts workflow runs started and finished (by kind and outcome) and their duration.

    Workflow code is untouched: this wraps each run. It records on the workflow's metric
    meter, which is silent during replay, so a run resumed on another worker is counted
    once. A run evicted from the cache (a BaseException) is not an outcome.
    """

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        return _OperationMetricsInbound


class _OperationMetricsInbound(WorkflowInboundInterceptor):
    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        info = workflow.info()
        metrics = OperationMetrics(workflow.metric_meter())
        kind = {"kind": operation_kind(info.workflow_type, input.args)}
        metrics.started.add(1, kind)
        try:
            result = await super().execute_workflow(input)
        except (Exception, asyncio.CancelledError) as error:
            self._finished(metrics, kind, _outcome(error), info.start_time)
            raise
        success = getattr(result, "success", True) is not False
        outcome = Outcome.SUCCEEDED if success else Outcome.FAILED
        self._finished(metrics, kind, outcome, info.start_time)
        return result

    @staticmethod
    def _finished(
        metrics: OperationMetrics, kind: dict[str, str], outcome: str, start: datetime
    ) -> None:
        labels = {**kind, "outcome": outcome}
        metrics.finished.add(1, labels)
        metrics.duration.record(max(workflow.now() - start, timedelta(0)), labels)


def _runtime(settings: Settings, metrics_listen: str) -> Runtime | None:
    """A runtime serving Prometheus on ``metrics_listen`` and, with JSON logs, forwarding
    the SDK core's own log lines to Python logging; None: the SDK's default runtime."""
    json_logs = settings.log_format == "json"
    if not metrics_listen and not json_logs:
        return None
    logging_config = LoggingConfig.default
    if json_logs:
        logging_config = LoggingConfig(
            filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
            forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
        )
    prometheus = None
    if metrics_listen:
        prometheus = PrometheusConfig(
            bind_address=metrics_listen,
            counters_total_suffix=True,
            unit_suffix=True,
            durations_as_seconds=True,
            histogram_bucket_overrides=BUCKETS,
        )
    try:
        return Runtime(
            telemetry=TelemetryConfig(
                logging=logging_config, metrics=prometheus, attach_service_name=False
            )
        )
    except ValueError as exc:  # "Failed starting Prometheus exporter: Address already in use"
        raise ConfigurationError(f"cannot serve metrics on {metrics_listen}: {exc}") from None


@dataclass(eq=False)
class ServiceTelemetry:
    """The runtime, interceptors and metrics of one service (worker or API)."""

    role: str
    runtime: Runtime | None = None
    interceptors: list[ClientInterceptor] = field(default_factory=list)
    metrics_listen: str = ""
    # The tracer provider this service set up (None: tracing off, or installed by a test).
    tracer_provider: TracerProvider | None = None

    @classmethod
    def start(cls, settings: Settings, *, role: str, metrics_listen: str) -> ServiceTelemetry:
        """Start serving metrics (if ``metrics_listen``), set up tracing (if an endpoint is
        set, or a provider is already installed) and make this the active telemetry."""
        runtime = _runtime(settings, metrics_listen)
        # One tracer provider per process: a second service in it (tenantctl dev) shares it.
        provider = None if tracing_enabled() else configure_tracing(settings.telemetry, role)
        telemetry = cls(
            role=role,
            runtime=runtime,
            interceptors=client_interceptors(),
            metrics_listen=metrics_listen,
            tracer_provider=provider,
        )
        if metrics_listen:
            log.info("%s metrics on http://%s/metrics", role, metrics_listen)
        if provider is not None:
            log.info("%s traces to %s", role, settings.telemetry.otlp_endpoint)
        activate(telemetry)
        return telemetry

    @property
    def meter(self) -> MetricMeter | None:
        return None if self.runtime is None else self.runtime.metric_meter

    def engine_metrics(self) -> EngineMetrics:
        return EngineMetrics(self.meter)

    def api_metrics(self) -> ApiMetrics:
        return ApiMetrics(self.meter)

    def close(self) -> None:
        """No longer the active telemetry; flush and drop the tracer this service set up.

        The runtime (and its metrics listener) lives as long as the process: the SDK offers
        no way to stop it.
        """
        deactivate(self)
        if self.tracer_provider is not None:
            install_tracer_provider(None)
            self.tracer_provider.shutdown()
            self.tracer_provider = None


def client_interceptors() -> list[ClientInterceptor]:
    """Interceptors for a Temporal client (and the workers made from it): tracing when on.

    Workflow spans are made even for runs started without a traced client (CLI, other
    services): an operator following one tenant operation sees it from the worker's side.
    """
    if not tracing_enabled():
        return []
    return [TracingInterceptor(tracer(), always_create_workflow_spans=True)]
