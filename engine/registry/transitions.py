"""The tenant lifecycle graph: which status changes the registry accepts.

::

    (new) ─► PENDINGPROVISION ─► PROVISIONING ─► ACTIVE ─► DEPROVISIONING ─► INACTIVE
                                   ▲     │                     ▲                 │
                                   │     ▼                     │                 │
                                   └─ PROVISIONFAILED ─────────┘                 │
                                   ▲                                             │
                                   └──────────────── (provision again) ──────────┘

Who moves a tenant: only the workflow holding its lease (``_lease``), which is how a
provision, a deploy and a deprovision of one tenant never interleave. Provision means
create: it starts from PENDINGPROVISION, PROVISIONFAILED or INACTIVE, never from ACTIVE
(converging a live tenant is ``reconcile``, which keeps it ACTIVE). PROVISIONFAILED is
reached only from PROVISIONING, so a failed run cannot mark a tenant another run made
ACTIVE. Deprovision starts from any status but INACTIVE (a PROVISIONING tenant only once
its provision run is gone: the lease decides). Setting the current status again is a
no-op, not a transition.
"""

from __future__ import annotations

from engine.core.contracts import OPERATION_FROM
from engine.core.models import TenantStatus

__all__ = ["PROVISION_FROM", "allowed_targets", "is_allowed"]

S = TenantStatus

#: Where a provision may start (and what ``begin_provision`` checks).
PROVISION_FROM: frozenset[TenantStatus] = OPERATION_FROM["provision"]

_FORWARD: dict[TenantStatus, frozenset[TenantStatus]] = {
    S.PENDINGPROVISION: frozenset({S.PROVISIONING, S.DEPROVISIONING}),
    S.PROVISIONING: frozenset({S.ACTIVE, S.PROVISIONFAILED, S.DEPROVISIONING}),
    S.PROVISIONFAILED: frozenset({S.PROVISIONING, S.DEPROVISIONING}),
    S.ACTIVE: frozenset({S.DEPROVISIONING}),
    S.DEPROVISIONING: frozenset({S.INACTIVE}),
    S.INACTIVE: frozenset({S.PROVISIONING}),
}


def allowed_targets(current: TenantStatus) -> frozenset[TenantStatus]:
    """Statuses a tenant in ``current`` may move to (``current`` itself is always accepted)."""
    return _FORWARD[current] | {current}


def is_allowed(current: TenantStatus, target: TenantStatus) -> bool:
    return target in allowed_targets(current)
