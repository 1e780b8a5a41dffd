"""The tenant lifecycle graph: which status changes the registry accepts.

::

    (new) ─► PENDINGPROVISION ─► PROVISIONING ─► ACTIVE
                                    ▲   ▲            │
             PROVISIONFAILED ───────┘   └── INACTIVE, ACTIVE   (retry, re-provision, update)

    any status ─► PROVISIONFAILED | DEPROVISIONING | INACTIVE

The graph is deliberately loose. The last line exists for compensation: a failed provision
must always be able to record PROVISIONFAILED (even after ACTIVE, when the welcome step
fails) and a deprovision must always reach INACTIVE, whatever state an earlier crash left.
What it refuses are changes that would lie about the tenant: going back to
PENDINGPROVISION, becoming ACTIVE without a provisioning run, or provisioning while a
deprovision is under way. Setting the current status again is a no-op, not a transition.
"""

from __future__ import annotations

from engine.core.models import TenantStatus

__all__ = ["ALWAYS_ALLOWED", "allowed_targets", "is_allowed"]

S = TenantStatus

ALWAYS_ALLOWED: frozenset[TenantStatus] = frozenset(
    {S.PROVISIONFAILED, S.DEPROVISIONING, S.INACTIVE}
)

_FORWARD: dict[TenantStatus, frozenset[TenantStatus]] = {
    S.PENDINGPROVISION: frozenset({S.PROVISIONING}),
    S.PROVISIONING: frozenset({S.ACTIVE}),
    S.PROVISIONFAILED: frozenset({S.PROVISIONING}),
    S.ACTIVE: frozenset({S.PROVISIONING}),
    S.DEPROVISIONING: frozenset(),
    S.INACTIVE: frozenset({S.PROVISIONING}),
}


def allowed_targets(current: TenantStatus) -> frozenset[TenantStatus]:
    """Statuses a tenant in ``current`` may move to (``current`` itself is always accepted)."""
    return _FORWARD[current] | ALWAYS_ALLOWED | {current}


def is_allowed(current: TenantStatus, target: TenantStatus) -> bool:
    return target in allowed_targets(current)
