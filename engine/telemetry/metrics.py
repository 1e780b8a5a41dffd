"""The engine's Prometheus metrics, recorded through the Temporal runtime's meter.

One registry per process: the Temporal SDK's own metrics and these are served together
on the service's ``metrics_listen`` address (see ``engine.telemetry.temporal``). Without
a listener the meter is a no-op and recording costs next to nothing.

Names follow Prometheus conventions once exported: counters get ``_total``, durations
(recorded as timedelta) ``_seconds``. No label identifies a tenant: every label takes a
handful of values (kind, component, operation, outcome, ...).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import timedelta

from temporalio.common import MetricMeter

__all__ = [
    "BUCKETS",
    "ApiMetrics",
    "EngineMetrics",
    "OperationMetrics",
    "Outcome",
]

PREFIX = "tenant_engine_"


class Outcome:
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


_SLOW = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200]
_PULUMI = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600]
_WAIT = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900]
_RPC = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
#: Histogram buckets, in seconds, by metric name as created (before the ``_seconds`` suffix).
BUCKETS: Mapping[str, Sequence[float]] = {
    PREFIX + "operation_duration": _SLOW,
    PREFIX + "pulumi_operation_duration": _PULUMI,
    PREFIX + "pulumi_queue_wait": _WAIT,
    PREFIX + "api_request_duration": _RPC,
}


class OperationMetrics:
    """Tenant operations (workflow runs) by kind and outcome; recorded on the workflow's
    replay-safe meter (nothing is counted twice when a history replays)."""

    def __init__(self, meter: MetricMeter) -> None:
        self.started = meter.create_counter(
            PREFIX + "operations_started", "Tenant operations (workflow runs) started, by kind."
        )
        self.finished = meter.create_counter(
            PREFIX + "operations_finished",
            "Tenant operations finished, by kind and outcome (succeeded, failed, cancelled).",
        )
        self.duration = meter.create_histogram_timedelta(
            PREFIX + "operation_duration",
            "Time from the start of a tenant operation's run to its end, by kind and outcome.",
        )


class EngineMetrics:
    """What the activities record: Pulumi operations, slots, compensations, notices."""

    def __init__(self, meter: MetricMeter | None = None) -> None:
        meter = meter or MetricMeter.noop
        self.pulumi_duration = meter.create_histogram_timedelta(
            PREFIX + "pulumi_operation_duration",
            "Duration of Pulumi operations (waiting for a slot excluded), by component, "
            "operation and outcome.",
        )
        self.resources_changed = meter.create_counter(
            PREFIX + "pulumi_resources_changed",
            "Resources Pulumi created, updated, replaced or deleted, by component, "
            "operation and change.",
        )
        self.queue_wait = meter.create_histogram_timedelta(
            PREFIX + "pulumi_queue_wait",
            "Time a Pulumi operation waited for a Pulumi slot: in its task queue, then in "
            "the worker.",
        )
        self._slots_in_use = meter.create_gauge(
            PREFIX + "pulumi_slots_in_use", "Pulumi slots of this worker running an operation."
        )
        self._slots = meter.create_gauge(
            PREFIX + "pulumi_slots", "Pulumi slots of this worker (max_concurrent_pulumi)."
        )
        self.compensations = meter.create_counter(
            PREFIX + "compensations",
            "Destroys that compensate a failed or cancelled provisioning (each attempt), by "
            "component and outcome.",
        )
        self.notifications = meter.create_counter(
            PREFIX + "notifications",
            "Tenant notices by kind and outcome (sent, duplicate: already sent, failed).",
        )
        self._lock = threading.Lock()
        self._in_use = 0

    def slots(self, capacity: int) -> None:
        self._slots.set(capacity)
        self._slots_in_use.set(self._in_use)

    def slot_taken(self) -> None:
        with self._lock:
            self._in_use += 1
            self._slots_in_use.set(self._in_use)

    def slot_released(self) -> None:
        with self._lock:
            self._in_use -= 1
            self._slots_in_use.set(self._in_use)

    def pulumi_operation(
        self,
        component: str,
        operation: str,
        outcome: str,
        duration: timedelta,
        changes: Mapping[str, int] | None = None,
    ) -> None:
        labels = {"component": component, "operation": operation}
        self.pulumi_duration.record(duration, {**labels, "outcome": outcome})
        for change, count in (changes or {}).items():
            if change != "same" and count > 0:
                self.resources_changed.add(count, {**labels, "change": change})


class ApiMetrics:
    """gRPC calls the API answered, by method and status code."""

    def __init__(self, meter: MetricMeter | None = None) -> None:
        meter = meter or MetricMeter.noop
        self.requests = meter.create_counter(
            PREFIX + "api_requests", "gRPC calls answered by the API, by method and code."
        )
        self.duration = meter.create_histogram_timedelta(
            PREFIX + "api_request_duration", "Time the API took to answer a call, by method."
        )
